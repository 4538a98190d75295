//! The table of `contract/other-failures.md`: for a failed request, the first row whose error
//! codes and condition hold. Conditions read the upload's parts as they were at the failure
//! (a part's size is that of its latest successful upload at or before it) and the context
//! records at or before it.

use std::collections::BTreeMap;

use super::{Cause, Confidence, Details, Diagnosis, MAX_PARTS};
use crate::attribute::Evidence;
use crate::correlate::Upload;
use crate::ingest::parts::PartUpload;
use crate::model::{ContextEvent, ContextKind, Event, Op, Time, key_hash};
use crate::url::copy_source;

/// What a row decided.
pub struct Found {
    pub diagnosis: Diagnosis,
    pub confidence: Confidence,
    pub culprit: Cause,
    pub details: Details,
}

fn found(diagnosis: Diagnosis, confidence: Confidence, culprit: Cause, details: Details) -> Found {
    Found {
        diagnosis,
        confidence,
        culprit,
        details,
    }
}

/// The diagnosis of failure `i`, of `upload` (its index in the timelines and the upload) when
/// the request names one that the logs show.
pub fn decide(ev: &Evidence<'_>, i: usize, upload: Option<(usize, &Upload)>) -> Found {
    let f = &ev.events[i];
    let code = f.error_code(ev.strings).unwrap_or_default();
    let parts = Parts::at(upload, f.time);
    let action = || action(f.extra().error_message.as_deref());
    use Confidence::{Certain, Likely, Possible};
    match code {
        "EntityTooSmall" => {
            let minimum = f.provider.words().min_part;
            let small = parts.small(minimum);
            let confidence = if small.is_empty() { Possible } else { Certain };
            let details = Details::SmallParts {
                parts: small,
                minimum,
            };
            found(Diagnosis::PartTooSmall, confidence, Cause::Nobody, details)
        }
        "EntityTooLarge" => {
            let confidence = if f.bytes.is_some() { Certain } else { Likely };
            let details = Details::Bytes(f.bytes);
            found(Diagnosis::PartTooLarge, confidence, Cause::Nobody, details)
        }
        "InvalidArgument" if f.part_number.is_some_and(|n| n == 0 || n > MAX_PARTS) => {
            let details = Details::PartNumbers {
                part_number: f.part_number,
                highest_part: parts.highest(),
            };
            found(Diagnosis::TooManyParts, Certain, Cause::Nobody, details)
        }
        "InvalidPart" | "FilePartNotExist" => {
            let missing = parts.missing();
            let overwritten = parts.overwritten();
            if !missing.is_empty() {
                found(
                    Diagnosis::PartsMissing,
                    Likely,
                    Cause::Nobody,
                    Details::Missing(missing),
                )
            } else if !overwritten.is_empty() {
                let culprit = parts
                    .latest_overwrite()
                    .map_or(Cause::Nobody, |(u, p)| Cause::Part(u, p));
                let details = Details::Overwritten(overwritten);
                found(Diagnosis::PartOverwritten, Likely, culprit, details)
            } else {
                found(
                    Diagnosis::InvalidPart,
                    Possible,
                    Cause::Nobody,
                    Details::None,
                )
            }
        }
        "InvalidPartOrder" => found(Diagnosis::PartOrder, Certain, Cause::Nobody, Details::None),
        "MalformedXML" if f.op == Op::CompleteMultipartUpload && parts.none() => found(
            Diagnosis::EmptyUpload,
            Certain,
            Cause::Nobody,
            Details::None,
        ),
        code if code.starts_with("KMS.") || (code == "AccessDenied" && kms(ev, f, upload)) => {
            let culprit = kms_change(ev, f, upload.map(|(_, u)| u));
            let confidence = if code.starts_with("KMS.") || message_names_kms(f) {
                Certain
            } else {
                Likely
            };
            found(
                Diagnosis::KmsDenied,
                confidence,
                culprit,
                Details::Action(action()),
            )
        }
        "AccessDenied" => match permission_change(ev, f) {
            Some((last_success, change)) => found(
                Diagnosis::PermissionChanged,
                Likely,
                Cause::Context(change),
                Details::Changed {
                    last_success,
                    action: action(),
                },
            ),
            None => found(
                Diagnosis::PermissionMissing,
                Likely,
                Cause::Nobody,
                Details::Action(action()),
            ),
        },
        "NoSuchBucket" => match latest_context(ev, f, |c| {
            c.kind == ContextKind::DeleteBucket && c.bucket == Some(f.bucket)
        }) {
            Some(c) => {
                let confidence = if ev.context[c].time < f.time {
                    Certain
                } else {
                    Likely
                };
                found(
                    Diagnosis::BucketDeleted,
                    confidence,
                    Cause::Context(c),
                    Details::None,
                )
            }
            None => found(Diagnosis::Other, Possible, Cause::Nobody, Details::None),
        },
        "NoSuchKey" if f.op == Op::UploadPartCopy => {
            let source = f.extra().copy_source.as_deref().and_then(copy_source);
            let deleted = source.as_ref().and_then(|(bucket, key)| {
                let hash = key_hash(key);
                latest_context(ev, f, |c| {
                    c.kind == ContextKind::DeleteObject
                        && c.key_hash == Some(hash)
                        && ev.strings.opt(c.bucket) == Some(bucket.as_str())
                })
            });
            let confidence = if deleted.is_some() { Certain } else { Likely };
            let culprit = deleted.map_or(Cause::Nobody, Cause::Context);
            let details = match source {
                Some((bucket, key)) => Details::Source {
                    bucket: Some(bucket),
                    key: Some(key),
                },
                None => Details::Source {
                    bucket: None,
                    key: None,
                },
            };
            found(Diagnosis::CopySourceMissing, confidence, culprit, details)
        }
        "PreconditionFailed" if f.op == Op::CompleteMultipartUpload => {
            let culprit = latest_write(ev, f);
            let confidence = if culprit == Cause::Nobody {
                Likely
            } else {
                Certain
            };
            found(Diagnosis::KeyExists, confidence, culprit, Details::None)
        }
        "ConditionalRequestConflict" => found(
            Diagnosis::WriteConflict,
            Likely,
            latest_write(ev, f),
            Details::None,
        ),
        "SlowDown" | "ServiceUnavailable" | "503" => {
            found(Diagnosis::Throttled, Certain, Cause::Nobody, Details::None)
        }
        "InternalError" | "500" => found(
            Diagnosis::ServerError,
            Certain,
            Cause::Nobody,
            Details::None,
        ),
        "RequestTimeout" | "IncompleteBody" => {
            found(Diagnosis::Timeout, Certain, Cause::Nobody, Details::None)
        }
        "BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch" => found(
            Diagnosis::ChecksumMismatch,
            Certain,
            Cause::Nobody,
            Details::None,
        ),
        "ExpiredToken"
        | "InvalidToken"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "RequestTimeTooSkewed" => found(
            Diagnosis::Credentials,
            Certain,
            Cause::Nobody,
            Details::None,
        ),
        _ => found(Diagnosis::Other, Possible, Cause::Nobody, Details::None),
    }
}

/// The parts of an upload as they were at one moment.
pub struct Parts<'u> {
    upload: Option<(usize, &'u Upload)>,
    /// The successful part uploads at or before that moment, by part number then time.
    uploads: Vec<(usize, &'u PartUpload)>,
}

impl<'u> Parts<'u> {
    /// The parts of `upload` at `t`.
    pub fn at(upload: Option<(usize, &'u Upload)>, t: Time) -> Parts<'u> {
        let uploads = upload
            .map(|(_, u)| {
                u.parts
                    .history
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.time <= t && p.number > 0)
                    .collect()
            })
            .unwrap_or_default();
        Parts { upload, uploads }
    }

    /// Whether no part was uploaded.
    pub fn none(&self) -> bool {
        self.uploads.is_empty()
    }

    /// The latest upload of each part number, by part number.
    pub fn latest(&self) -> impl Iterator<Item = &'u PartUpload> + '_ {
        self.uploads
            .iter()
            .enumerate()
            .filter(|(k, (_, p))| {
                self.uploads
                    .get(k + 1)
                    .is_none_or(|(_, next)| next.number != p.number)
            })
            .map(|(_, (_, p))| *p)
    }

    /// The highest part number uploaded.
    pub fn highest(&self) -> Option<u32> {
        self.uploads.last().map(|(_, p)| p.number)
    }

    /// Parts other than the highest-numbered whose known size is below `minimum`.
    pub fn small(&self, minimum: u64) -> Vec<(u32, u64)> {
        let highest = self.highest();
        self.latest()
            .filter(|p| Some(p.number) != highest)
            .filter_map(|p| p.bytes.filter(|&b| b < minimum).map(|b| (p.number, b)))
            .collect()
    }

    /// Part numbers between 1 and the highest uploaded that were never uploaded.
    pub fn missing(&self) -> Vec<u32> {
        let present: std::collections::BTreeSet<u32> =
            self.uploads.iter().map(|(_, p)| p.number).collect();
        (1..self.highest().unwrap_or(0))
            .filter(|n| !present.contains(n))
            .collect()
    }

    /// Part numbers uploaded more than once, and how many times.
    pub fn overwritten(&self) -> Vec<(u32, usize)> {
        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        for (_, p) in &self.uploads {
            *counts.entry(p.number).or_default() += 1;
        }
        counts.into_iter().filter(|(_, n)| *n > 1).collect()
    }

    /// The latest upload that replaced an earlier upload of its part number: the upload's index
    /// and the part's index in its history.
    pub fn latest_overwrite(&self) -> Option<(usize, usize)> {
        let (u, _) = self.upload?;
        self.uploads
            .windows(2)
            .filter(|w| w[0].1.number == w[1].1.number)
            .map(|w| w[1])
            .max_by_key(|(k, p)| (p.time, *k))
            .map(|(k, _)| (u, k))
    }
}

/// The action named after `perform: ` in an AccessDenied message (`s3:PutObject`,
/// `kms:GenerateDataKey`), when it is an S3 or KMS one.
pub fn action(message: Option<&str>) -> Option<String> {
    let (_, rest) = message?.split_once("perform: ")?;
    let token = rest.split_whitespace().next()?;
    let lower = token.to_ascii_lowercase();
    (lower.starts_with("s3:") || lower.starts_with("oss:") || lower.starts_with("kms:"))
        .then(|| token.to_owned())
}

/// Whether the error message names a KMS action.
fn message_names_kms(f: &Event) -> bool {
    f.extra()
        .error_message
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("kms:"))
}

/// Whether an AccessDenied is about KMS: the message says so, or it names no S3 (or OSS) action and the
/// upload asked for SSE-KMS.
fn kms(ev: &Evidence<'_>, f: &Event, upload: Option<(usize, &Upload)>) -> bool {
    if message_names_kms(f) {
        return true;
    }
    let names_s3 = action(f.extra().error_message.as_deref()).is_some_and(|a| {
        let a = a.to_ascii_lowercase();
        a.starts_with("s3:") || a.starts_with("oss:")
    });
    !names_s3 && creation(ev, upload.map(|(_, u)| u)).is_some_and(|c| c.extra().kms)
}

/// The creation of an upload, when the logs hold it.
fn creation<'e>(ev: &'e Evidence<'_>, upload: Option<&Upload>) -> Option<&'e Event> {
    Some(&ev.events[upload?.creation?.event])
}

/// A KMS key ID: the part after `key/` of an ARN, else the value.
fn key_id(value: &str) -> &str {
    value.rsplit_once("key/").map_or(value, |(_, id)| id)
}

/// The latest change of the upload's KMS key (or, when the upload names none, of any key of the
/// request's account and region) at or before the failure.
fn kms_change(ev: &Evidence<'_>, f: &Event, upload: Option<&Upload>) -> Cause {
    let key = creation(ev, upload).and_then(|c| c.extra().kms_key.as_deref());
    latest_context(ev, f, |c| {
        c.kind.service() == crate::model::Service::Kms
            && match key {
                Some(key) => ev.strings.opt(c.target).map(key_id) == Some(key_id(key)),
                None => c.account == f.account && c.region == f.region,
            }
    })
    .map_or(Cause::Nobody, Cause::Context)
}

/// The latest context record of the failure's cloud, at or before it, that `want` accepts.
fn latest_context(
    ev: &Evidence<'_>,
    f: &Event,
    want: impl Fn(&ContextEvent) -> bool,
) -> Option<usize> {
    let end = ev.context.partition_point(|c| c.time <= f.time);
    // A change on one cloud never explains a failure on the other, whatever the names.
    (0..end)
        .rev()
        .find(|&c| ev.context[c].provider == f.provider && want(&ev.context[c]))
}

/// The latest write of the failing request's bucket and key at or before it: a PutObject, a
/// CopyObject, or the completion of another upload.
fn latest_write(ev: &Evidence<'_>, f: &Event) -> Cause {
    let Some(key) = f.key else {
        return Cause::Nobody;
    };
    let hash = key_hash(&ev.strings[key]);
    let put = latest_context(ev, f, |c| {
        c.kind.writes_key() && c.bucket == Some(f.bucket) && c.key_hash == Some(hash)
    });
    let completion = ev
        .timelines
        .of_object(f.bucket, key)
        .filter(|u| Some(u.upload_id) != f.upload_id)
        .flat_map(|u| {
            u.successes(ev.events)
                .filter(|(_, e)| e.op == Op::CompleteMultipartUpload && e.time <= f.time)
                .map(|(i, _)| i)
        })
        .max();
    match (put, completion) {
        (Some(p), Some(c)) if ev.context[p].time > ev.events[c].time => Cause::Context(p),
        (_, Some(c)) => Cause::Event(c),
        (Some(p), None) => Cause::Context(p),
        (None, None) => Cause::Nobody,
    }
}

/// The name of the role behind an assumed-role session, or of an IAM user: what IAM policy
/// changes name (`roleName`, `userName`).
fn principal_names(ev: &Evidence<'_>, f: &Event) -> (Option<String>, Option<String>) {
    let actor = ev.strings.actor(f.actor);
    let last = |arn: &str| arn.rsplit('/').next().map(str::to_owned);
    let role = actor.issuer_arn.as_deref().and_then(last);
    let user = match &actor.kind {
        crate::model::IdentityKind::IamUser => actor
            .user_name
            .clone()
            .or_else(|| actor.arn.as_deref().and_then(last)),
        crate::model::IdentityKind::Other(kind) if kind == "ram-user" => actor
            .user_name
            .clone()
            .or_else(|| actor.arn.as_deref().and_then(last)),
        _ => None,
    };
    (role, user)
}

/// The latest success of the same call (operation and bucket) by the same identity before the
/// failure, and the latest permission change after it and at or before the failure.
fn permission_change(ev: &Evidence<'_>, f: &Event) -> Option<(Time, usize)> {
    let who = ev.strings.identity(f.actor);
    let mine = |actor| ev.strings.identity(actor) == who;
    let events = ev
        .events
        .iter()
        .filter(|e| e.succeeded() && e.op == f.op && e.bucket == f.bucket && e.time < f.time)
        .filter(|e| mine(e.actor))
        .map(|e| e.time);
    let parts = ev
        .timelines
        .uploads
        .iter()
        .filter(|u| u.bucket == f.bucket)
        .flat_map(|u| u.parts.history.iter())
        .filter(|p| p.op == f.op && p.time < f.time && mine(p.actor))
        .map(|p| p.time);
    let last_success = events.chain(parts).max()?;
    let (role, user) = principal_names(ev, f);
    let change = latest_context(ev, f, |c| {
        c.time > last_success
            && c.kind.changes_permissions()
            && match c.kind.service() {
                crate::model::Service::S3 => c.bucket == Some(f.bucket),
                _ => {
                    let target = ev.strings.opt(c.target);
                    // IAM and RAM tell names apart without case.
                    let named = if c.kind.name().contains("Role") {
                        role.as_deref()
                    } else {
                        user.as_deref()
                    };
                    matches!((target, named), (Some(t), Some(n)) if t.eq_ignore_ascii_case(n))
                }
            }
    })?;
    Some((last_success, change))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_is_the_token_after_perform() {
        let m = "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:PutObject action";
        assert_eq!(action(Some(m)).as_deref(), Some("s3:PutObject"));
        let k = "User: x is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:1:key/abc";
        assert_eq!(action(Some(k)).as_deref(), Some("kms:GenerateDataKey"));
        assert_eq!(action(Some("Access Denied")), None);
        assert_eq!(
            action(Some("denied for arn:aws:kms:us-east-1:1:key/abc")),
            None,
            "an ARN names no action"
        );
        assert_eq!(
            action(Some("not authorized to perform: iam:PassRole")),
            None
        );
    }

    #[test]
    fn key_ids_compare_without_the_arn() {
        assert_eq!(key_id("arn:aws:kms:us-east-1:1:key/1234-abcd"), "1234-abcd");
        assert_eq!(key_id("1234-abcd"), "1234-abcd");
    }
}
