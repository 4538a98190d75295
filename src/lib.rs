//! uploadtrail: who or what killed an S3 multipart upload?
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! sources ─▶ decode ─▶ ingest ─▶ correlate ─┬─▶ attribute ─▶ incidents ─┬─▶ report, export
//!                                           └─▶ diagnose ───────────────┘
//! ```
//!
//! - [`sources`]: files, folders, bundles, standard input, `s3://` and `oss://`, as [`sources::Input`]s;
//! - [`decode`]: gzip, every JSON shape and envelope, S3 and OSS access logs, into events;
//! - [`ingest`]: decoding in parallel, duplicates removed, what `--state` keeps;
//! - [`correlate`]: one timeline per bucket and upload ID;
//! - [`attribute`]: the cause of each NoSuchUpload failure, with the [`lifecycle`] rules the logs
//!   and files give; [`diagnose`]: every other failed multipart request;
//! - [`incidents`]: the failures grouped into what a person investigates;
//! - [`report`] (table, JSON, NDJSON, CSV, HTML, timelines) and [`export`] (Parquet).
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
pub mod words;
