//! Alibaba Cloud OSS: its access logs, ActionTrail events and lifecycle XML, read into the same
//! events as S3's logs, with `provider` `alibaba` (the formats, with sources:
//! `reference/oss-formats.md`; what the answer gains: `contract/oss.md`).

pub mod access_log;
pub mod actiontrail;
pub mod lifecycle;
