//! Alibaba Cloud OSS: its access logs, ActionTrail events and lifecycle XML, read into the same
//! events as S3's logs, with `provider` `alibaba` (the formats, with sources:
//! `reference/oss-formats.md`; what the answer gains: `contract/oss.md`).

pub mod access_log;
pub mod actiontrail;
pub mod lifecycle;

use crate::model::{ContextKind, Op};

/// The multipart operation an OSS operation or ActionTrail event name is, in every spelling seen
/// or documented (`InitateMultipartUpload` and `UplaodPartCopy` included).
fn operation(name: &str) -> Option<Op> {
    Some(match name {
        "InitiateMultipartUpload" | "InitateMultipartUpload" => Op::CreateMultipartUpload,
        "UploadPart" => Op::UploadPart,
        "UploadPartCopy" | "UplaodPartCopy" => Op::UploadPartCopy,
        "CompleteMultipartUpload" | "CompleteUploadPart" => Op::CompleteMultipartUpload,
        "AbortMultipartUpload" | "AbortMultiPartUpload" => Op::AbortMultipartUpload,
        "ListParts" => Op::ListParts,
        "ListMultipartUploads" | "ListMultiPartUploads" => Op::ListMultipartUploads,
        _ => return None,
    })
}

/// The context record kind an OSS operation is, for the ones a diagnosis needs.
fn context_kind(name: &str) -> Option<ContextKind> {
    Some(match name {
        "PutObject" | "PostObject" | "AppendObject" => ContextKind::PutObject,
        "CopyObject" => ContextKind::CopyObject,
        "DeleteObject" => ContextKind::DeleteObject,
        "DeleteBucket" => ContextKind::DeleteBucket,
        "PutBucketPolicy" => ContextKind::PutBucketPolicy,
        "DeleteBucketPolicy" => ContextKind::DeleteBucketPolicy,
        "PutBucketAcl" => ContextKind::PutBucketAcl,
        _ => return None,
    })
}
