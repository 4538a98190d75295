//! uploadtrail: who or what killed an S3 multipart upload?
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! sources ──Input──▶ decode ──Event──▶ ingest ──▶ correlate ──Upload──▶ attribute ──Finding──▶ report
//! (files, bundles,   (gzip, JSON,      (parallel,   (timelines by       (cause of each
//!  stdin, s3://)      envelopes,        dedupe, order) bucket+upload ID)  NoSuchUpload)
//!                     access logs,
//!                     streams)
//!                                                         ▲
//!                                         lifecycle rules (files, log history)
//! ```
//!
//! [`app::run`] glues the stages together for a [`cli::Config`]; every stage is usable on its own.
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod attribute;
pub mod cli;
pub mod cloud;
pub mod correlate;
pub mod decode;
pub mod diagnose;
pub mod error;
pub mod export;
pub mod incidents;
pub mod ingest;
pub mod lifecycle;
pub mod memory;
pub mod model;
pub mod report;
pub mod sources;
pub mod strings;
pub mod url;
