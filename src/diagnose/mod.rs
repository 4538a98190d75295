//! Stage 5b, beside `attribute`: a diagnosis for every failed multipart request that is not a
//! NoSuchUpload (`contract/other-failures.md`).
//!
//! A part too small, a part never uploaded or uploaded twice, a KMS key the caller may not use, a
//! bucket policy changed an hour ago, a write that got the key first, throttling: each error code
//! has a few possible causes, and the upload's correlated history (its parts, who made them and
//! when, and the context records: permission changes, deletions, writes of keys, KMS key changes)
//! tells which. The first row of the contract's table whose error codes and condition hold wins;
//! every piece of evidence counts when it is at or before the failing request.

mod rules;
mod text;

use serde::Serialize;

use crate::attribute::Evidence;
use crate::correlate::Upload;
use crate::model::{Event, Op, Time};
use crate::strings::ActorId;

/// The smallest part S3 accepts, except the last (5 MiB; OSS: [`crate::cloud::Words::min_part`]).
pub const MIN_PART: u64 = 5 << 20;
/// The highest part number.
pub const MAX_PARTS: u32 = 10_000;

/// What went wrong with a failed request that is not a NoSuchUpload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// EntityTooSmall: a part other than the last was under the minimum.
    PartTooSmall,
    /// EntityTooLarge: the part was over 5 GiB.
    PartTooLarge,
    /// InvalidArgument: the part number is outside 1..=10,000.
    TooManyParts,
    /// InvalidPart: a part number below the highest uploaded one was never uploaded.
    PartsMissing,
    /// InvalidPart: a part was uploaded twice, so the ETag a client holds may be stale.
    PartOverwritten,
    /// InvalidPart, otherwise.
    InvalidPart,
    /// InvalidPartOrder.
    PartOrder,
    /// MalformedXML on a completion of an upload without parts.
    EmptyUpload,
    /// The KMS key of the upload could not be used.
    KmsDenied,
    /// AccessDenied after a permission change, where the same call had worked before.
    PermissionChanged,
    /// AccessDenied, otherwise.
    PermissionMissing,
    /// NoSuchBucket after the bucket was deleted.
    BucketDeleted,
    /// NoSuchKey on UploadPartCopy: the copy source is gone.
    CopySourceMissing,
    /// PreconditionFailed on completion: the key was written first.
    KeyExists,
    /// ConditionalRequestConflict.
    WriteConflict,
    /// SlowDown, ServiceUnavailable, 503.
    Throttled,
    /// InternalError, 500.
    ServerError,
    /// RequestTimeout, IncompleteBody.
    Timeout,
    /// BadDigest, InvalidDigest, XAmzContentSHA256Mismatch.
    ChecksumMismatch,
    /// Expired, invalid or badly signed credentials.
    Credentials,
    /// Any other code.
    Other,
}

impl Diagnosis {
    /// Every diagnosis, in the order of the contract's table.
    pub const ALL: [Diagnosis; 21] = [
        Diagnosis::PartTooSmall,
        Diagnosis::PartTooLarge,
        Diagnosis::TooManyParts,
        Diagnosis::PartsMissing,
        Diagnosis::PartOverwritten,
        Diagnosis::InvalidPart,
        Diagnosis::PartOrder,
        Diagnosis::EmptyUpload,
        Diagnosis::KmsDenied,
        Diagnosis::PermissionChanged,
        Diagnosis::PermissionMissing,
        Diagnosis::BucketDeleted,
        Diagnosis::CopySourceMissing,
        Diagnosis::KeyExists,
        Diagnosis::WriteConflict,
        Diagnosis::Throttled,
        Diagnosis::ServerError,
        Diagnosis::Timeout,
        Diagnosis::ChecksumMismatch,
        Diagnosis::Credentials,
        Diagnosis::Other,
    ];

    /// The name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Diagnosis::PartTooSmall => "part_too_small",
            Diagnosis::PartTooLarge => "part_too_large",
            Diagnosis::TooManyParts => "too_many_parts",
            Diagnosis::PartsMissing => "parts_missing",
            Diagnosis::PartOverwritten => "part_overwritten",
            Diagnosis::InvalidPart => "invalid_part",
            Diagnosis::PartOrder => "part_order",
            Diagnosis::EmptyUpload => "empty_upload",
            Diagnosis::KmsDenied => "kms_denied",
            Diagnosis::PermissionChanged => "permission_changed",
            Diagnosis::PermissionMissing => "permission_missing",
            Diagnosis::BucketDeleted => "bucket_deleted",
            Diagnosis::CopySourceMissing => "copy_source_missing",
            Diagnosis::KeyExists => "key_exists",
            Diagnosis::WriteConflict => "write_conflict",
            Diagnosis::Throttled => "throttled",
            Diagnosis::ServerError => "server_error",
            Diagnosis::Timeout => "timeout",
            Diagnosis::ChecksumMismatch => "checksum_mismatch",
            Diagnosis::Credentials => "credentials",
            Diagnosis::Other => "other",
        }
    }
}

/// The event that caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nothing in view can be named.
    Nobody,
    /// A multipart event (an index into the events).
    Event(usize),
    /// A part upload: the upload (an index into the timelines) and the part (an index into its
    /// history).
    Part(usize, usize),
    /// A context record (an index into the context records).
    Context(usize),
}

/// What a diagnosis says besides its name: the members of `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Details {
    /// `{}`.
    None,
    /// `part_too_small`: the parts under the minimum, and the minimum.
    SmallParts {
        /// (part number, bytes), by part number.
        parts: Vec<(u32, u64)>,
        /// The minimum part size.
        minimum: u64,
    },
    /// `part_too_large`: the failing part's size.
    Bytes(Option<u64>),
    /// `too_many_parts`.
    PartNumbers {
        /// The request's part number.
        part_number: Option<u32>,
        /// The highest part number uploaded successfully.
        highest_part: Option<u32>,
    },
    /// `parts_missing`: the part numbers never uploaded.
    Missing(Vec<u32>),
    /// `part_overwritten`: (part number, successful uploads of it).
    Overwritten(Vec<(u32, usize)>),
    /// `kms_denied`, `permission_missing`: the action the message names.
    Action(Option<String>),
    /// `permission_changed`: the latest success of the same call, and the action.
    Changed {
        /// When the same identity last made the same call successfully.
        last_success: Time,
        /// The action the message names.
        action: Option<String>,
    },
    /// `copy_source_missing`: the copy source, when the log names it (access logs do not).
    Source {
        /// Its bucket (or access-point ARN).
        bucket: Option<String>,
        /// Its key.
        key: Option<String>,
    },
}

/// How sure a diagnosis is (as for failures).
pub use crate::attribute::Confidence;

/// The diagnosis of one failed request.
#[derive(Debug, Clone)]
pub struct OtherFailure {
    /// The failing event (an index into the events).
    pub failure: usize,
    /// What went wrong.
    pub diagnosis: Diagnosis,
    /// How sure it is.
    pub confidence: Confidence,
    /// What caused it, if anything in view.
    pub culprit: Cause,
    /// What the diagnosis says besides its name.
    pub details: Details,
    /// A successful request of the same upload did the same thing at or after the failure.
    pub recovered: bool,
    /// One or two sentences saying what happened.
    pub explanation: String,
    /// What to do about it.
    pub advice: String,
}

/// Diagnoses every failed multipart request that is not a NoSuchUpload, in timeline order.
pub fn diagnose(ev: &Evidence<'_>) -> Vec<OtherFailure> {
    ev.events
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.succeeded() && !e.is_no_such_upload())
        .map(|(i, _)| diagnose_one(ev, i))
        .collect()
}

fn diagnose_one(ev: &Evidence<'_>, i: usize) -> OtherFailure {
    let upload = upload_of(ev, &ev.events[i]);
    let found = rules::decide(ev, i, upload);
    let recovery = recovery(ev, i, upload.map(|(_, u)| u));
    let (explanation, advice) = text::words(ev, i, upload.map(|(_, u)| u), &found, recovery);
    OtherFailure {
        failure: i,
        diagnosis: found.diagnosis,
        confidence: found.confidence,
        culprit: found.culprit,
        details: found.details,
        recovered: recovery.is_some(),
        explanation,
        advice,
    }
}

/// The upload a request names (its index in the timelines, and the upload).
fn upload_of<'a>(ev: &'a Evidence<'_>, e: &Event) -> Option<(usize, &'a Upload)> {
    let at = ev.timelines.position(e.bucket, e.upload_id?)?;
    Some((at, &ev.timelines.uploads[at]))
}

/// The successful request that did what the failed one tried, at or after it (its time and
/// who made it): the same operation on the same upload (and part number, for parts); for a
/// creation, a creation of the same bucket and key by the same identity within the hour; for a
/// listing of uploads, a later listing of the bucket by the same identity.
fn recovery(ev: &Evidence<'_>, i: usize, upload: Option<&Upload>) -> Option<(Time, ActorId)> {
    let f = &ev.events[i];
    let after = |e: &Event| e.time >= f.time;
    let found = |e: &Event| (e.time, e.actor);
    match f.op {
        Op::CreateMultipartUpload => {
            let within = |e: &Event| after(e) && e.time - f.time <= chrono::Duration::hours(1);
            let who = ev.strings.identity(f.actor);
            ev.events
                .iter()
                .find(|e| {
                    e.op == Op::CreateMultipartUpload
                        && e.succeeded()
                        && e.bucket == f.bucket
                        && e.key == f.key
                        && within(e)
                        && ev.strings.identity(e.actor) == who
                })
                .map(found)
        }
        Op::ListMultipartUploads => {
            let who = ev.strings.identity(f.actor);
            ev.events
                .iter()
                .find(|e| {
                    e.op == Op::ListMultipartUploads
                        && e.succeeded()
                        && e.bucket == f.bucket
                        && after(e)
                        && ev.strings.identity(e.actor) == who
                })
                .map(found)
        }
        Op::UploadPart | Op::UploadPartCopy => {
            let n = f.part_number?;
            upload?
                .parts
                .of_number(n)
                .iter()
                .find(|p| p.op == f.op && p.time >= f.time)
                .map(|p| (p.time, p.actor))
        }
        op => upload?
            .successes(ev.events)
            .find(|(_, e)| e.op == op && after(e))
            .map(|(_, e)| found(e)),
    }
}

#[cfg(test)]
mod tests;
