//! The normalised data that flows between the pipeline stages.
//!
//! `decode` turns CloudTrail records (and, later, S3 access-log lines) into these types; every later
//! stage reads only these. Strings are kept exactly as logged: bucket, key and upload ID are compared
//! byte for byte, because that is how S3 compares them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::strings::{ActorId, Id, Renumber, Strings, Sym};

mod actor;
mod context;

pub use actor::{ANONYMOUS_PRINCIPAL, Actor, IdentityKind, short_display};
pub use context::{ContextEvent, ContextKind, Service, key_hash};

/// A point in time, UTC. CloudTrail writes whole seconds.
pub type Time = DateTime<Utc>;

/// The multipart-upload operations the analysis follows.
///
/// The order of the variants is the order in which operations of the same second are read:
/// an upload is created before its parts, and parts are sent before it is completed or aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Op {
    /// `CreateMultipartUpload` (Alibaba OSS and old SDKs say `InitiateMultipartUpload`).
    CreateMultipartUpload,
    /// `UploadPart`.
    UploadPart,
    /// `UploadPartCopy`.
    UploadPartCopy,
    /// `ListParts`.
    ListParts,
    /// `ListMultipartUploads` (bucket-level: it names no upload).
    ListMultipartUploads,
    /// `CompleteMultipartUpload`.
    CompleteMultipartUpload,
    /// `AbortMultipartUpload`.
    AbortMultipartUpload,
    /// S3 aborted the upload under a lifecycle rule (`S3.DELETE.UPLOAD`, requester `AmazonS3`):
    /// only S3 server access logs show it, never CloudTrail.
    LifecycleAbort,
}

impl Op {
    /// The operation named by a CloudTrail `eventName`, if it is a multipart one.
    pub fn from_event_name(name: &str) -> Option<Op> {
        Some(match name {
            "CreateMultipartUpload" | "InitiateMultipartUpload" => Op::CreateMultipartUpload,
            "UploadPart" => Op::UploadPart,
            "UploadPartCopy" => Op::UploadPartCopy,
            "ListParts" => Op::ListParts,
            "ListMultipartUploads" => Op::ListMultipartUploads,
            "CompleteMultipartUpload" => Op::CompleteMultipartUpload,
            "AbortMultipartUpload" => Op::AbortMultipartUpload,
            _ => return None,
        })
    }

    /// The operation named by an S3 server access log `Operation` field, if it is a multipart
    /// one. (`REST.COPY.PART_GET` is the read side of a part copy: the copy is logged as
    /// `REST.COPY.PART`.)
    pub fn from_access_log(operation: &str) -> Option<Op> {
        Some(match operation {
            "REST.POST.UPLOADS" => Op::CreateMultipartUpload,
            "REST.PUT.PART" => Op::UploadPart,
            "REST.COPY.PART" => Op::UploadPartCopy,
            "REST.GET.UPLOAD" => Op::ListParts,
            "REST.GET.UPLOADS" => Op::ListMultipartUploads,
            "REST.POST.UPLOAD" => Op::CompleteMultipartUpload,
            "REST.DELETE.UPLOAD" => Op::AbortMultipartUpload,
            "S3.DELETE.UPLOAD" => Op::LifecycleAbort,
            _ => return None,
        })
    }

    /// The name logs give the operation: the CloudTrail `eventName`, or the access-log
    /// operation of a lifecycle abort.
    pub fn name(self) -> &'static str {
        match self {
            Op::CreateMultipartUpload => "CreateMultipartUpload",
            Op::UploadPart => "UploadPart",
            Op::UploadPartCopy => "UploadPartCopy",
            Op::ListParts => "ListParts",
            Op::ListMultipartUploads => "ListMultipartUploads",
            Op::CompleteMultipartUpload => "CompleteMultipartUpload",
            Op::AbortMultipartUpload => "AbortMultipartUpload",
            Op::LifecycleAbort => "S3.DELETE.UPLOAD",
        }
    }

    /// Whether a successful call of this operation ends the upload.
    pub fn terminates(self) -> bool {
        matches!(
            self,
            Op::CompleteMultipartUpload | Op::AbortMultipartUpload | Op::LifecycleAbort
        )
    }
}

/// The cloud whose object store a request went to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Amazon S3.
    #[default]
    Aws,
    /// Alibaba Cloud OSS.
    Alibaba,
}

impl Provider {
    /// The name used in reports and Parquet.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Alibaba => "alibaba",
        }
    }

    /// The provider a report or Parquet name stands for.
    pub fn parse(name: &str) -> Option<Provider> {
        match name {
            "aws" => Some(Provider::Aws),
            "alibaba" => Some(Provider::Alibaba),
            _ => None,
        }
    }

    /// The scheme of its object names (`s3://bucket/key`, `oss://bucket/key`).
    pub fn scheme(self) -> &'static str {
        match self {
            Provider::Aws => "s3",
            Provider::Alibaba => "oss",
        }
    }

    /// The namespace its bucket names are interned in.
    pub fn namespace(self) -> u8 {
        self as u8
    }
}

/// A bucket by name: its cloud and its name (two clouds may each have a bucket of one name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketName {
    /// The cloud.
    pub provider: Provider,
    /// The name, as logged.
    pub name: String,
}

impl BucketName {
    /// The bucket `name` of `provider`.
    pub fn new(provider: Provider, name: impl Into<String>) -> BucketName {
        BucketName {
            provider,
            name: name.into(),
        }
    }

    /// An S3 bucket.
    pub fn s3(name: impl Into<String>) -> BucketName {
        BucketName::new(Provider::Aws, name)
    }
}

impl std::fmt::Display for BucketName {
    /// The name alone for S3 (as the tool always wrote it), `oss://name` for OSS.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.provider {
            Provider::Aws => f.write_str(&self.name),
            Provider::Alibaba => write!(f, "oss://{}", self.name),
        }
    }
}

/// Which kind of log an event was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// A record of the audit trail: CloudTrail, or ActionTrail for OSS.
    Cloudtrail,
    /// A line of a server access log (of S3 or of OSS).
    AccessLog,
}

impl Evidence {
    /// The name used in reports, for a request to `provider`.
    pub fn name(self, provider: Provider) -> &'static str {
        match (self, provider) {
            (Evidence::Cloudtrail, Provider::Aws) => "cloudtrail",
            (Evidence::Cloudtrail, Provider::Alibaba) => "actiontrail",
            (Evidence::AccessLog, _) => "access_log",
        }
    }

    /// The kind a report name stands for.
    pub fn parse(name: &str) -> Option<Evidence> {
        match name {
            "cloudtrail" | "actiontrail" => Some(Evidence::Cloudtrail),
            "access_log" => Some(Evidence::AccessLog),
            _ => None,
        }
    }
}

/// What the response to a CreateMultipartUpload said about a lifecycle abort rule
/// (`x-amz-abort-date`, `x-amz-abort-rule-id`), when CloudTrail copied those headers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AbortHint {
    /// When the upload becomes eligible for abort.
    pub date: Option<Time>,
    /// The lifecycle rule that will abort it.
    pub rule_id: Option<String>,
}

/// A conditional-write header of a request: S3 completes the upload only if the key does not
/// exist yet (`If-None-Match: *`) or still has the ETag the writer read (`If-Match`), and drops
/// competing uploads of the key when a conditional write wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Condition {
    /// `If-None-Match`.
    IfNoneMatch,
    /// `If-Match`.
    IfMatch,
}

impl Condition {
    /// The header named `name`, in any case.
    pub fn parse(name: &str) -> Option<Condition> {
        if name.eq_ignore_ascii_case("If-None-Match") {
            Some(Condition::IfNoneMatch)
        } else if name.eq_ignore_ascii_case("If-Match") {
            Some(Condition::IfMatch)
        } else {
            None
        }
    }

    /// The header's name.
    pub fn name(self) -> &'static str {
        match self {
            Condition::IfNoneMatch => "If-None-Match",
            Condition::IfMatch => "If-Match",
        }
    }
}

/// What a few records say beyond the fields every event has. An [`Event`] holds it boxed, and
/// only when there is something in it: most events carry none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Extra {
    /// Lifecycle abort headers of a CreateMultipartUpload response.
    pub abort_hint: Option<AbortHint>,
    /// A conditional-write header of the request (CloudTrail's `requestParameters`).
    pub condition: Option<Condition>,
    /// The HTTP referer of an access-log line (Hadoop S3A names its job there).
    pub referer: Option<Sym>,
    /// `errorMessage` of a failed request, as logged.
    pub error_message: Option<String>,
    /// A CreateMultipartUpload asked for SSE-KMS (`x-amz-server-side-encryption` `aws:kms` or
    /// `aws:kms:dsse`, in its request or its response).
    pub kms: bool,
    /// The KMS key it named (`x-amz-server-side-encryption-aws-kms-key-id`).
    pub kms_key: Option<String>,
    /// An UploadPartCopy's `x-amz-copy-source`, as logged.
    pub copy_source: Option<String>,
    /// An UploadPartCopy's `x-amz-copy-source-range`: the first and last byte.
    pub copy_range: Option<(u64, u64)>,
}

impl Extra {
    /// Nothing beyond the common fields.
    pub const NONE: Extra = Extra {
        abort_hint: None,
        condition: None,
        referer: None,
        error_message: None,
        kms: false,
        kms_key: None,
        copy_source: None,
        copy_range: None,
    };

    /// The box an event holds: none when there is nothing in it.
    pub fn boxed(self) -> Option<Box<Extra>> {
        (self != Extra::NONE).then(|| Box::new(self))
    }
}

/// The error code of a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// `NoSuchUpload`: S3 did not find the upload ID for this bucket and key.
    NoSuchUpload,
    /// Any other code.
    Other(Sym),
}

/// One multipart-upload request, normalised. Strings are interned: resolve them with the
/// run's [`Strings`] table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `eventTime`.
    pub time: Time,
    /// The operation.
    pub op: Op,
    /// The bucket, exactly as logged.
    pub bucket: Sym,
    /// The object key, exactly as logged (no URL-decoding).
    pub key: Option<Sym>,
    /// The upload ID: from the request, or for a creation from the response.
    pub upload_id: Option<Sym>,
    /// `partNumber` of an UploadPart / UploadPartCopy.
    pub part_number: Option<u32>,
    /// Bytes sent with the request (`bytesTransferredIn`).
    pub bytes: Option<u64>,
    /// Who made the request.
    pub actor: ActorId,
    /// `sourceIPAddress`.
    pub source_ip: Option<Sym>,
    /// `userAgent`.
    pub user_agent: Option<Sym>,
    /// `errorCode`, when the request failed.
    pub error: Option<ErrorCode>,
    /// `requestID` (the S3 request ID).
    pub request_id: Option<Id>,
    /// `eventID`.
    pub event_id: Option<Id>,
    /// `awsRegion`.
    pub region: Option<Sym>,
    /// `recipientAccountId`: the account whose log holds the record.
    pub account: Option<Sym>,
    /// What the record says beyond these fields, when it says anything.
    pub extra: Option<Box<Extra>>,
    /// Where the event was read (an index into the run's table of origins).
    pub origin: u32,
    /// Which kind of log it came from.
    pub evidence: Evidence,
    /// The same request was also in another kind of log (merged into this event).
    pub also_in: Option<Evidence>,
    /// The cloud the request went to. Its bucket is interned in that cloud's namespace
    /// ([`crate::strings::Interner::bucket`]).
    pub provider: Provider,
}

/// The error code S3 returns when an upload ID is not (or no longer) valid for the request.
pub const NO_SUCH_UPLOAD: &str = "NoSuchUpload";

impl Event {
    /// What the record says beyond the common fields.
    pub fn extra(&self) -> &Extra {
        self.extra.as_deref().unwrap_or(&Extra::NONE)
    }

    /// Whether the request succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// The error code, as logged.
    pub fn error_code<'s>(&self, strings: &'s Strings) -> Option<&'s str> {
        match self.error? {
            ErrorCode::NoSuchUpload => Some(NO_SUCH_UPLOAD),
            ErrorCode::Other(code) => Some(&strings[code]),
        }
    }

    /// Whether the request failed with `NoSuchUpload`.
    pub fn is_no_such_upload(&self) -> bool {
        self.error == Some(ErrorCode::NoSuchUpload)
    }

    /// The key that orders events of the same second by meaning: creation, parts, lists,
    /// completion, abort, and failures last (a failure is explained by what came before it).
    pub fn semantic_rank(&self) -> (bool, Op) {
        (!self.succeeded(), self.op)
    }

    /// Moves the event's symbols to the numbers of the frozen string table.
    pub fn renumber(&mut self, r: &Renumber) {
        self.bucket = r.sym(self.bucket);
        self.key = r.opt(self.key);
        self.upload_id = r.opt(self.upload_id);
        self.actor = r.actor(self.actor);
        self.source_ip = r.opt(self.source_ip);
        self.user_agent = r.opt(self.user_agent);
        if let Some(ErrorCode::Other(code)) = &mut self.error {
            *code = r.sym(*code);
        }
        self.request_id = self.request_id.map(|id| r.id(id));
        self.event_id = self.event_id.map(|id| r.id(id));
        self.region = r.opt(self.region);
        self.account = r.opt(self.account);
        if let Some(extra) = &mut self.extra {
            extra.referer = r.opt(extra.referer);
        }
    }
}

/// A request that shows where an upload lives: its bucket and key, when, and in which event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting {
    /// When.
    pub time: Time,
    /// The operation.
    pub op: Op,
    /// The bucket.
    pub bucket: Sym,
    /// The key.
    pub key: Option<Sym>,
    /// The `eventID`.
    pub event_id: Option<Id>,
    /// The request ID.
    pub request_id: Option<Id>,
    /// Which kind of log showed it.
    pub evidence: Evidence,
}

impl Sighting {
    /// Where and when `e` shows its upload.
    pub fn of(e: &Event) -> Sighting {
        Sighting {
            time: e.time,
            op: e.op,
            bucket: e.bucket,
            key: e.key,
            event_id: e.event_id,
            request_id: e.request_id,
            evidence: e.evidence,
        }
    }

    /// The sighting in the symbols of the frozen string table.
    pub fn renumbered(self, r: &Renumber) -> Sighting {
        Sighting {
            bucket: r.sym(self.bucket),
            key: r.opt(self.key),
            event_id: self.event_id.map(|id| r.id(id)),
            request_id: self.request_id.map(|id| r.id(id)),
            ..self
        }
    }
}

/// One lifecycle rule, as far as aborting incomplete multipart uploads is concerned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Rule {
    /// `ID` (may be absent).
    pub id: Option<String>,
    /// `Status` is exactly `Enabled`.
    pub enabled: bool,
    /// The key prefix the rule is limited to (`Filter.Prefix`, `Filter.And.Prefix` or legacy `Prefix`).
    pub prefix: String,
    /// `AbortIncompleteMultipartUpload.DaysAfterInitiation` (OSS: `AbortMultipartUpload.Days`).
    pub abort_days: Option<u32>,
    /// OSS `AbortMultipartUpload.CreatedBeforeDate`: uploads begun before it are eligible from it.
    pub created_before: Option<Time>,
    /// OSS `Filter.Not.Prefix`: keys under these prefixes are exempt.
    pub excluded_prefixes: Vec<String>,
    /// The filter also names tags or object sizes, which S3 does not allow on abort rules.
    pub other_filters: bool,
}

/// A change of a bucket's lifecycle configuration, read from the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleChange {
    /// When the change was made.
    pub time: Time,
    /// The bucket.
    pub bucket: String,
    /// The new rules, `Some(vec![])` after a deletion, `None` when the log omitted them.
    pub rules: Option<Vec<Rule>>,
    /// The `eventName` (`PutBucketLifecycle`, `PutBucketLifecycleConfiguration`, `DeleteBucketLifecycle`).
    pub event_name: String,
    /// `eventID`.
    pub event_id: Option<String>,
    /// Who changed it.
    pub actor: Actor,
    /// `errorCode`: a failed change changes nothing.
    pub error_code: Option<String>,
    /// Where it was read.
    pub origin: u32,
    /// The cloud of the bucket.
    pub provider: Provider,
}
