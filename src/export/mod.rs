//! `uploadtrail export`: the analysis as Parquet, so that Athena, Spark, DuckDB or polars can take
//! over. Three files:
//!
//! - `events.parquet`: one row per multipart event (successful part uploads included) and per
//!   lifecycle-configuration change, in the columns of [`schema::EVENTS`]. `analyze` reads it back
//!   (or the same columns produced by the queries of [`sql`] at scale) and gives the same answer.
//! - `uploads.parquet`: one row per upload: its timeline in brief and how it ended.
//! - `failures.parquet`: one row per NoSuchUpload, with its cause, culprit and incident.
//! - `incidents.parquet`: one row per incident.
//! - `other_failures.parquet`: one row per other failed multipart request, with its diagnosis.
//!
//! With `--all-records`, every CloudTrail record is also written flattened ([`records`]).

mod events;
pub mod records;
pub mod schema;
pub mod sql;
mod table;

use std::path::{Path, PathBuf};

use polars::prelude::{DataFrame, PolarsResult};

use crate::attribute::{Cause, Finding, Orphan};
use crate::correlate::Timelines;
use crate::ingest::Ingested;
use crate::model::Op;
use crate::report::{CulpritOut, OtherCulpritOut, Report};
use schema::Kind;

pub use events::{Rows, rules_json, write_rows};
pub use table::{ColumnKind, Table, Value};

/// A file written, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Its rows.
    pub rows: usize,
}

/// Writes `events.parquet`, `uploads.parquet`, `failures.parquet`, `incidents.parquet` and
/// `other_failures.parquet` under `dir`.
pub fn write_analysis(
    dir: &Path,
    ingested: &Ingested,
    timelines: &Timelines,
    findings: &[Finding],
    orphans: &[Orphan],
    report: &Report,
) -> Result<Vec<Written>, String> {
    let path = dir.join("events.parquet");
    let rows = events::write(&path, ingested)?;
    let mut written = vec![Written { path, rows }];
    let frames: [(&str, PolarsResult<DataFrame>); 4] = [
        (
            "uploads.parquet",
            uploads(ingested, timelines, findings, orphans),
        ),
        ("failures.parquet", failures(report)),
        ("incidents.parquet", incidents(report)),
        ("other_failures.parquet", other_failures(report)),
    ];
    for (name, frame) in frames {
        let path = dir.join(name);
        let frame = frame.map_err(|e| format!("cannot build {name}: {e}"))?;
        let rows = table::write(&frame, &path)?;
        written.push(Written { path, rows });
    }
    Ok(written)
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(Some(s.into()))
}

/// The columns of `uploads.parquet`.
pub const UPLOADS: [(&str, ColumnKind); 14] = [
    ("bucket", ColumnKind::Of(Kind::Text)),
    ("upload_id", ColumnKind::Of(Kind::Text)),
    ("key", ColumnKind::Of(Kind::Text)),
    ("initiated", ColumnKind::Of(Kind::Time)),
    ("initiated_known", ColumnKind::Bool),
    ("initiated_by", ColumnKind::Of(Kind::Text)),
    ("parts", ColumnKind::Of(Kind::U64)),
    ("bytes", ColumnKind::Of(Kind::U64)),
    ("last_activity", ColumnKind::Of(Kind::Time)),
    ("outcome", ColumnKind::Of(Kind::Text)),
    ("ended_at", ColumnKind::Of(Kind::Time)),
    ("ended_by", ColumnKind::Of(Kind::Text)),
    ("failures", ColumnKind::Of(Kind::U32)),
    ("provider", ColumnKind::Of(Kind::Text)),
];

/// `uploads.parquet`: how each upload ended, as far as the logs say: `completed`, `aborted`,
/// `aborted_by_lifecycle` (an access log shows it), `open` (still incomplete at the end of the
/// logs), or the cause found for a NoSuchUpload on it (`lifecycle`, `unexplained`…), else
/// `unknown`.
pub fn uploads(
    ingested: &Ingested,
    timelines: &Timelines,
    findings: &[Finding],
    orphans: &[Orphan],
) -> PolarsResult<DataFrame> {
    let (events, strings) = (&ingested.events, &ingested.strings);
    let mut table = Table::new(&UPLOADS);
    let open: std::collections::HashSet<usize> = orphans.iter().map(|o| o.upload).collect();
    for (index, u) in timelines.uploads.iter().enumerate() {
        let failing: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                let e = &events[f.failure];
                e.bucket == u.bucket && e.upload_id == Some(u.upload_id)
            })
            .collect();
        let end = u.termination(events, None).map(|i| &events[i]);
        let outcome = match (end.map(|e| e.op), open.contains(&index), failing.first()) {
            (Some(Op::CompleteMultipartUpload), ..) => "completed".to_owned(),
            (Some(Op::AbortMultipartUpload), ..) => "aborted".to_owned(),
            (Some(_), ..) => "aborted_by_lifecycle".to_owned(),
            (None, true, _) => "open".to_owned(),
            (None, false, Some(f)) if f.cause != Cause::WrongKey => f.cause.name().to_owned(),
            _ => "unknown".to_owned(),
        };
        let initiated = u.initiated(events);
        let creator = u
            .creation
            .map(|c| strings.actor(events[c.event].actor).display_name());
        table.push(vec![
            text(&strings[u.bucket]),
            text(&strings[u.upload_id]),
            Value::Text(strings.owned(u.key)),
            Value::Time(initiated.map(|(t, _)| t)),
            Value::Bool(initiated.map(|(_, known)| known)),
            Value::Text(creator),
            Value::U64(Some(u.parts.parts)),
            Value::U64(Some(u.parts.bytes)),
            Value::Time(u.last_success(events).map(|(t, _)| t)),
            text(outcome),
            Value::Time(end.map(|e| e.time)),
            Value::Text(end.map(|e| strings.actor(e.actor).display_name())),
            Value::U32(u32::try_from(failing.len()).ok()),
            text(strings.provider(u.bucket).name()),
        ]);
    }
    table.take()
}

/// The columns of `failures.parquet`.
pub const FAILURES: [(&str, ColumnKind); 25] = [
    ("event_time", ColumnKind::Of(Kind::Time)),
    ("event_name", ColumnKind::Of(Kind::Text)),
    ("bucket", ColumnKind::Of(Kind::Text)),
    ("key", ColumnKind::Of(Kind::Text)),
    ("upload_id", ColumnKind::Of(Kind::Text)),
    ("part_number", ColumnKind::Of(Kind::U32)),
    ("actor", ColumnKind::Of(Kind::Text)),
    ("actor_arn", ColumnKind::Of(Kind::Text)),
    ("cause", ColumnKind::Of(Kind::Text)),
    ("confidence", ColumnKind::Of(Kind::Text)),
    ("culprit", ColumnKind::Of(Kind::Text)),
    ("culprit_time", ColumnKind::Of(Kind::Time)),
    ("rule_id", ColumnKind::Of(Kind::Text)),
    ("eligible_at", ColumnKind::Of(Kind::Time)),
    ("aborted_at", ColumnKind::Of(Kind::Time)),
    ("request_id", ColumnKind::Of(Kind::Text)),
    ("event_id", ColumnKind::Of(Kind::Text)),
    ("evidence", ColumnKind::Of(Kind::Text)),
    ("explanation", ColumnKind::Of(Kind::Text)),
    ("advice", ColumnKind::Of(Kind::Text)),
    ("origin", ColumnKind::Of(Kind::Text)),
    ("incident", ColumnKind::Of(Kind::Text)),
    ("abort_kind", ColumnKind::Of(Kind::Text)),
    ("missing_evidence", ColumnKind::Of(Kind::Text)),
    ("provider", ColumnKind::Of(Kind::Text)),
];

/// `failures.parquet`: the failures of the report.
pub fn failures(report: &Report) -> PolarsResult<DataFrame> {
    let mut table = Table::new(&FAILURES);
    for f in &report.failures {
        let abort_kind = match &f.culprit {
            CulpritOut::Request { abort_kind, .. } => abort_kind.map(|k| k.name().to_owned()),
            _ => None,
        };
        let (culprit, culprit_time, rule_id, eligible_at, aborted_at) = match &f.culprit {
            CulpritOut::Request {
                actor, event_time, ..
            } => (
                Some(actor.name.clone()),
                Some(*event_time),
                None,
                None,
                None,
            ),
            CulpritOut::Rule {
                rule_id,
                eligible_at,
                aborted_at,
                ..
            } => (
                Some(format!(
                    "lifecycle rule {}",
                    rule_id.as_deref().unwrap_or("(unknown)")
                )),
                *aborted_at,
                rule_id.clone(),
                Some(*eligible_at),
                *aborted_at,
            ),
            CulpritOut::Owner { bucket, key, .. } => (
                Some(
                    f.provider
                        .words()
                        .object(bucket, key.as_deref().unwrap_or("")),
                ),
                None,
                None,
                None,
                None,
            ),
            CulpritOut::Nobody {} => (None, None, None, None, None),
        };
        table.push(vec![
            Value::Time(Some(f.event_time)),
            text(f.event_name),
            text(&f.bucket),
            Value::Text(f.key.clone()),
            Value::Text(f.upload_id.clone()),
            Value::U32(f.part_number),
            text(&f.actor.name),
            Value::Text(f.actor.arn.clone()),
            text(f.cause.name()),
            text(format!("{:?}", f.confidence).to_lowercase()),
            Value::Text(culprit),
            Value::Time(culprit_time),
            Value::Text(rule_id),
            Value::Time(eligible_at),
            Value::Time(aborted_at),
            Value::Text(f.request_id.clone()),
            Value::Text(f.event_id.clone()),
            text(f.evidence.join("+")),
            text(&f.explanation),
            text(&f.advice),
            text(&f.origin),
            text(&f.incident),
            Value::Text(abort_kind),
            Value::Text(f.missing_evidence.as_ref().map(|m| m.join("+"))),
            text(f.provider.name()),
        ]);
    }
    table.take()
}

/// The columns of `incidents.parquet`.
pub const INCIDENTS: [(&str, ColumnKind); 11] = [
    ("id", ColumnKind::Of(Kind::Text)),
    ("cause", ColumnKind::Of(Kind::Text)),
    ("abort_kind", ColumnKind::Of(Kind::Text)),
    ("culprit", ColumnKind::Of(Kind::Text)),
    ("failures", ColumnKind::Of(Kind::U64)),
    ("uploads", ColumnKind::Of(Kind::U64)),
    ("buckets", ColumnKind::Of(Kind::Text)),
    ("first_failure", ColumnKind::Of(Kind::Time)),
    ("last_failure", ColumnKind::Of(Kind::Time)),
    ("summary", ColumnKind::Of(Kind::Text)),
    ("provider", ColumnKind::Of(Kind::Text)),
];

/// `incidents.parquet`: the incidents of the report, largest first.
pub fn incidents(report: &Report) -> PolarsResult<DataFrame> {
    let mut table = Table::new(&INCIDENTS);
    for i in &report.incidents {
        table.push(vec![
            text(&i.id),
            text(i.cause.name()),
            Value::Text(i.abort_kind.map(|k| k.name().to_owned())),
            Value::Text(i.culprit.clone()),
            Value::U64(Some(i.failures as u64)),
            Value::U64(Some(i.uploads as u64)),
            text(i.buckets.join(" ")),
            Value::Time(Some(i.first_failure)),
            Value::Time(Some(i.last_failure)),
            text(&i.summary),
            text(i.provider.name()),
        ]);
    }
    table.take()
}

/// The columns of `other_failures.parquet`.
pub const OTHER_FAILURES: [(&str, ColumnKind); 24] = [
    ("event_time", ColumnKind::Of(Kind::Time)),
    ("event_name", ColumnKind::Of(Kind::Text)),
    ("bucket", ColumnKind::Of(Kind::Text)),
    ("key", ColumnKind::Of(Kind::Text)),
    ("upload_id", ColumnKind::Of(Kind::Text)),
    ("part_number", ColumnKind::Of(Kind::U32)),
    ("actor", ColumnKind::Of(Kind::Text)),
    ("actor_arn", ColumnKind::Of(Kind::Text)),
    ("error_code", ColumnKind::Of(Kind::Text)),
    ("error_message", ColumnKind::Of(Kind::Text)),
    ("diagnosis", ColumnKind::Of(Kind::Text)),
    ("confidence", ColumnKind::Of(Kind::Text)),
    ("culprit", ColumnKind::Of(Kind::Text)),
    ("culprit_event", ColumnKind::Of(Kind::Text)),
    ("culprit_time", ColumnKind::Of(Kind::Time)),
    ("details", ColumnKind::Of(Kind::Text)),
    ("recovered", ColumnKind::Bool),
    ("request_id", ColumnKind::Of(Kind::Text)),
    ("event_id", ColumnKind::Of(Kind::Text)),
    ("evidence", ColumnKind::Of(Kind::Text)),
    ("explanation", ColumnKind::Of(Kind::Text)),
    ("advice", ColumnKind::Of(Kind::Text)),
    ("origin", ColumnKind::Of(Kind::Text)),
    ("provider", ColumnKind::Of(Kind::Text)),
];

/// `other_failures.parquet`: the other failures of the report.
pub fn other_failures(report: &Report) -> PolarsResult<DataFrame> {
    let mut table = Table::new(&OTHER_FAILURES);
    for o in &report.other_failures {
        let (culprit, event, time) = match &o.culprit {
            OtherCulpritOut::Event(c) => (
                Some(c.actor.name.clone()),
                Some(c.event_name.to_owned()),
                Some(c.event_time),
            ),
            OtherCulpritOut::Nobody {} => (None, None, None),
        };
        table.push(vec![
            Value::Time(Some(o.event_time)),
            text(o.event_name),
            text(&o.bucket),
            Value::Text(o.key.clone()),
            Value::Text(o.upload_id.clone()),
            Value::U32(o.part_number),
            text(&o.actor.name),
            Value::Text(o.actor.arn.clone()),
            text(&o.error_code),
            Value::Text(o.error_message.clone()),
            text(o.diagnosis.name()),
            text(format!("{:?}", o.confidence).to_lowercase()),
            Value::Text(culprit),
            Value::Text(event),
            Value::Time(time),
            Value::Text(serde_json::to_string(&o.details).ok()),
            Value::Bool(Some(o.recovered)),
            Value::Text(o.request_id.clone()),
            Value::Text(o.event_id.clone()),
            text(o.evidence.join("+")),
            text(&o.explanation),
            text(&o.advice),
            text(&o.origin),
            text(o.provider.name()),
        ]);
    }
    table.take()
}
