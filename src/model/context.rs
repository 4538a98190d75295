//! The records besides multipart events that a diagnosis needs: changes of permissions and KMS
//! keys, deleted buckets, writes and deletions of objects.

use super::{Evidence, Provider, Time};
use crate::strings::{ActorId, Id, Renumber, Sym};

/// A record besides the multipart events that a diagnosis of a failed request needs: a change of
/// permissions or of a KMS key, a deleted bucket or object, a write of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextKind {
    /// S3 `PutBucketPolicy`.
    PutBucketPolicy,
    /// S3 `DeleteBucketPolicy`.
    DeleteBucketPolicy,
    /// S3 `PutBucketAcl`.
    PutBucketAcl,
    /// S3 `PutPublicAccessBlock`.
    PutPublicAccessBlock,
    /// IAM `PutRolePolicy`.
    PutRolePolicy,
    /// IAM `DeleteRolePolicy`.
    DeleteRolePolicy,
    /// IAM `AttachRolePolicy`.
    AttachRolePolicy,
    /// IAM `DetachRolePolicy`.
    DetachRolePolicy,
    /// IAM `PutUserPolicy`.
    PutUserPolicy,
    /// IAM `DeleteUserPolicy`.
    DeleteUserPolicy,
    /// IAM `AttachUserPolicy`.
    AttachUserPolicy,
    /// IAM `DetachUserPolicy`.
    DetachUserPolicy,
    /// S3 `DeleteBucket`.
    DeleteBucket,
    /// S3 `DeleteObject`.
    DeleteObject,
    /// S3 `PutObject`.
    PutObject,
    /// S3 `CopyObject`.
    CopyObject,
    /// KMS `DisableKey`.
    DisableKey,
    /// KMS `ScheduleKeyDeletion`.
    ScheduleKeyDeletion,
    /// KMS `PutKeyPolicy`.
    PutKeyPolicy,
}

/// Where a context record comes from: which `eventSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `s3.amazonaws.com` (and S3 Express, Outposts).
    S3,
    /// `iam.amazonaws.com`.
    Iam,
    /// `kms.amazonaws.com`.
    Kms,
}

impl ContextKind {
    /// Every kind.
    pub const ALL: [ContextKind; 19] = [
        ContextKind::PutBucketPolicy,
        ContextKind::DeleteBucketPolicy,
        ContextKind::PutBucketAcl,
        ContextKind::PutPublicAccessBlock,
        ContextKind::PutRolePolicy,
        ContextKind::DeleteRolePolicy,
        ContextKind::AttachRolePolicy,
        ContextKind::DetachRolePolicy,
        ContextKind::PutUserPolicy,
        ContextKind::DeleteUserPolicy,
        ContextKind::AttachUserPolicy,
        ContextKind::DetachUserPolicy,
        ContextKind::DeleteBucket,
        ContextKind::DeleteObject,
        ContextKind::PutObject,
        ContextKind::CopyObject,
        ContextKind::DisableKey,
        ContextKind::ScheduleKeyDeletion,
        ContextKind::PutKeyPolicy,
    ];

    /// The `eventName`.
    pub fn name(self) -> &'static str {
        match self {
            ContextKind::PutBucketPolicy => "PutBucketPolicy",
            ContextKind::DeleteBucketPolicy => "DeleteBucketPolicy",
            ContextKind::PutBucketAcl => "PutBucketAcl",
            ContextKind::PutPublicAccessBlock => "PutPublicAccessBlock",
            ContextKind::PutRolePolicy => "PutRolePolicy",
            ContextKind::DeleteRolePolicy => "DeleteRolePolicy",
            ContextKind::AttachRolePolicy => "AttachRolePolicy",
            ContextKind::DetachRolePolicy => "DetachRolePolicy",
            ContextKind::PutUserPolicy => "PutUserPolicy",
            ContextKind::DeleteUserPolicy => "DeleteUserPolicy",
            ContextKind::AttachUserPolicy => "AttachUserPolicy",
            ContextKind::DetachUserPolicy => "DetachUserPolicy",
            ContextKind::DeleteBucket => "DeleteBucket",
            ContextKind::DeleteObject => "DeleteObject",
            ContextKind::PutObject => "PutObject",
            ContextKind::CopyObject => "CopyObject",
            ContextKind::DisableKey => "DisableKey",
            ContextKind::ScheduleKeyDeletion => "ScheduleKeyDeletion",
            ContextKind::PutKeyPolicy => "PutKeyPolicy",
        }
    }

    /// The service that logs it.
    pub fn service(self) -> Service {
        match self {
            ContextKind::PutRolePolicy
            | ContextKind::DeleteRolePolicy
            | ContextKind::AttachRolePolicy
            | ContextKind::DetachRolePolicy
            | ContextKind::PutUserPolicy
            | ContextKind::DeleteUserPolicy
            | ContextKind::AttachUserPolicy
            | ContextKind::DetachUserPolicy => Service::Iam,
            ContextKind::DisableKey
            | ContextKind::ScheduleKeyDeletion
            | ContextKind::PutKeyPolicy => Service::Kms,
            _ => Service::S3,
        }
    }

    /// The kind a record of `service` named `name` is, if a diagnosis needs it.
    pub fn of(service: Service, name: &str) -> Option<ContextKind> {
        // One match on the name: most records' names are none of these and are turned away by
        // their length and first bytes, without a comparison per kind.
        let kind = match name {
            "PutBucketPolicy" => ContextKind::PutBucketPolicy,
            "DeleteBucketPolicy" => ContextKind::DeleteBucketPolicy,
            "PutBucketAcl" => ContextKind::PutBucketAcl,
            "PutPublicAccessBlock" => ContextKind::PutPublicAccessBlock,
            "PutRolePolicy" => ContextKind::PutRolePolicy,
            "DeleteRolePolicy" => ContextKind::DeleteRolePolicy,
            "AttachRolePolicy" => ContextKind::AttachRolePolicy,
            "DetachRolePolicy" => ContextKind::DetachRolePolicy,
            "PutUserPolicy" => ContextKind::PutUserPolicy,
            "DeleteUserPolicy" => ContextKind::DeleteUserPolicy,
            "AttachUserPolicy" => ContextKind::AttachUserPolicy,
            "DetachUserPolicy" => ContextKind::DetachUserPolicy,
            "DeleteBucket" => ContextKind::DeleteBucket,
            "DeleteObject" => ContextKind::DeleteObject,
            "PutObject" => ContextKind::PutObject,
            "CopyObject" => ContextKind::CopyObject,
            "DisableKey" => ContextKind::DisableKey,
            "ScheduleKeyDeletion" => ContextKind::ScheduleKeyDeletion,
            "PutKeyPolicy" => ContextKind::PutKeyPolicy,
            _ => return None,
        };
        (kind.service() == service).then_some(kind)
    }

    /// The access-log operation of the same request, for the kinds access logs show.
    pub fn from_access_log(operation: &str) -> Option<ContextKind> {
        Some(match operation {
            "REST.PUT.OBJECT" => ContextKind::PutObject,
            "REST.COPY.OBJECT" => ContextKind::CopyObject,
            "REST.DELETE.OBJECT" => ContextKind::DeleteObject,
            "REST.DELETE.BUCKET" => ContextKind::DeleteBucket,
            "REST.PUT.BUCKETPOLICY" => ContextKind::PutBucketPolicy,
            "REST.DELETE.BUCKETPOLICY" => ContextKind::DeleteBucketPolicy,
            "REST.PUT.PUBLICACCESSBLOCK" => ContextKind::PutPublicAccessBlock,
            _ => return None,
        })
    }

    /// Whether it changes what a caller may do on a bucket (a policy of the bucket, its ACL or
    /// public access block, or a policy of a role or user).
    pub fn changes_permissions(self) -> bool {
        matches!(
            self,
            ContextKind::PutBucketPolicy
                | ContextKind::DeleteBucketPolicy
                | ContextKind::PutBucketAcl
                | ContextKind::PutPublicAccessBlock
        ) || self.service() == Service::Iam
    }

    /// Whether it names an object (a bucket and a key).
    pub fn is_object(self) -> bool {
        matches!(
            self,
            ContextKind::PutObject | ContextKind::CopyObject | ContextKind::DeleteObject
        )
    }

    /// Whether it writes an object (a key that then exists).
    pub fn writes_key(self) -> bool {
        matches!(self, ContextKind::PutObject | ContextKind::CopyObject)
    }
}

/// A context record, kept as compactly as an [`Event`](super::Event): strings interned, the key of an object
/// kept as its hash (the key itself only when the run keeps it for export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEvent {
    /// `eventTime`.
    pub time: Time,
    /// What it is.
    pub kind: ContextKind,
    /// The bucket of an S3 record.
    pub bucket: Option<Sym>,
    /// The hash of the key of an object record ([`key_hash`]).
    pub key_hash: Option<u64>,
    /// The key itself, when the run keeps it (`export`).
    pub key: Option<Sym>,
    /// The role name, user name or KMS key ID it changes.
    pub target: Option<Sym>,
    /// Who made it.
    pub actor: ActorId,
    /// `eventID`.
    pub event_id: Option<Id>,
    /// `requestID`.
    pub request_id: Option<Id>,
    /// `awsRegion`.
    pub region: Option<Sym>,
    /// `recipientAccountId`.
    pub account: Option<Sym>,
    /// Where it was read.
    pub origin: u32,
    /// Which kind of log it came from.
    pub evidence: Evidence,
    /// The cloud it went to (its bucket is interned in that cloud's namespace).
    pub provider: Provider,
}

/// The hash by which context records name an object key (stable across runs and paths).
pub fn key_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

impl ContextEvent {
    /// Moves its symbols to the numbers of the frozen string table.
    pub fn renumber(&mut self, r: &Renumber) {
        self.bucket = r.opt(self.bucket);
        self.key = r.opt(self.key);
        self.target = r.opt(self.target);
        self.actor = r.actor(self.actor);
        self.event_id = self.event_id.map(|id| r.id(id));
        self.request_id = self.request_id.map(|id| r.id(id));
        self.region = r.opt(self.region);
        self.account = r.opt(self.account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name_and_service_only() {
        for kind in ContextKind::ALL {
            assert_eq!(ContextKind::of(kind.service(), kind.name()), Some(kind));
            for other in [Service::S3, Service::Iam, Service::Kms] {
                if other != kind.service() {
                    assert_eq!(ContextKind::of(other, kind.name()), None);
                }
            }
        }
        assert_eq!(ContextKind::of(Service::S3, "GetObject"), None);
        assert_eq!(ContextKind::of(Service::S3, ""), None);
    }
}
