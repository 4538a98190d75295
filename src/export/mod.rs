//! `uploadtrail export`: the analysis as Parquet, so that Athena, Spark, DuckDB or polars can take
//! over. Three files:
//!
//! - `events.parquet`: one row per multipart event (successful part uploads included) and per
//!   lifecycle-configuration change, in the columns of [`schema::EVENTS`]. `analyze` reads it back
//!   (or the same columns produced by the queries of [`sql`] at scale) and gives the same answer.
//! - `uploads.parquet`: one row per upload: its timeline in brief and how it ended.
//! - `failures.parquet`: one row per NoSuchUpload, with its cause, culprit and incident.
//! - `incidents.parquet`: one row per incident.
//!
//! With `--all-records`, every CloudTrail record is also written flattened ([`records`]).

pub mod records;
pub mod schema;
pub mod sql;
mod table;

use std::path::{Path, PathBuf};

use polars::prelude::{DataFrame, PolarsResult};
use serde_json::json;

use crate::attribute::{Cause, Finding, Orphan};
use crate::correlate::Timelines;
use crate::ingest::{Ingested, compare_events};
use crate::model::{Event, LifecycleChange, Op, Rule};
use crate::report::{CulpritOut, Report};
use crate::strings::Strings;
use schema::{EVENTS, Kind};
pub use table::{ColumnKind, Table, Value};

/// A file written, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Its rows.
    pub rows: usize,
}

/// Writes `events.parquet`, `uploads.parquet`, `failures.parquet` and `incidents.parquet` under
/// `dir`.
pub fn write_analysis(
    dir: &Path,
    ingested: &Ingested,
    timelines: &Timelines,
    findings: &[Finding],
    orphans: &[Orphan],
    report: &Report,
) -> Result<Vec<Written>, String> {
    let path = dir.join("events.parquet");
    let rows = write_events(&path, ingested)?;
    let mut written = vec![Written { path, rows }];
    let frames: [(&str, PolarsResult<DataFrame>); 3] = [
        (
            "uploads.parquet",
            uploads(ingested, timelines, findings, orphans),
        ),
        ("failures.parquet", failures(report)),
        ("incidents.parquet", incidents(report)),
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

/// Rows of `events.parquet` built at a time: the events are many (every part upload), so the
/// file is written a row group at a time rather than built whole.
const EVENT_ROWS: usize = 8_192;

/// Writes `events.parquet`: multipart events, part uploads and lifecycle changes, in the order
/// of the analysis. Returns its rows.
fn write_events(path: &Path, ingested: &Ingested) -> Result<usize, String> {
    let columns: Vec<_> = EVENTS
        .iter()
        .map(|c| (c.name, ColumnKind::Of(c.kind)))
        .collect();
    let mut all: Vec<&Event> = ingested
        .events
        .iter()
        .chain(&ingested.part_events)
        .collect();
    all.sort_by(|a, b| compare_events(a, b, &ingested.origins));
    let coverage = [
        Value::Time(ingested.inputs.first_event),
        Value::Time(ingested.inputs.last_event),
    ];
    let rows = all
        .into_iter()
        .map(|e| event_row(e, &ingested.strings, &ingested.origins, &coverage))
        .chain(
            ingested
                .lifecycle
                .iter()
                .map(|c| change_row(c, &ingested.origins, &coverage)),
        );
    let mut table = Table::new(&columns);
    let mut file = None;
    let mut written = 0;
    let build = |table: &mut Table| {
        table
            .take()
            .map_err(|e| format!("cannot build {}: {e}", path.display()))
    };
    for row in rows {
        table.push(row);
        if table.len() >= EVENT_ROWS {
            let frame = build(&mut table)?;
            written += table::write_batch(&mut file, path, &frame)?;
        }
    }
    // The last rows, or none: the file has the columns even when empty.
    let frame = build(&mut table)?;
    if frame.height() > 0 || file.is_none() {
        written += table::write_batch(&mut file, path, &frame)?;
    }
    table::finish(file, path)?;
    Ok(written)
}

fn event_row(
    e: &Event,
    strings: &Strings,
    origins: &[String],
    coverage: &[Value; 2],
) -> Vec<Value> {
    let actor = strings.actor(e.actor);
    let owned = |s: &Option<String>| Value::Text(s.clone());
    let id = |id: Option<crate::strings::Id>| Value::Text(id.map(|id| strings.id(id).to_string()));
    let extra = e.extra();
    let hint = extra.abort_hint.as_ref();
    vec![
        Value::Time(Some(e.time)),
        text(e.op.name()),
        text(&strings[e.bucket]),
        Value::Text(strings.owned(e.key)),
        Value::Text(strings.owned(e.upload_id)),
        Value::U32(e.part_number),
        Value::U64(e.bytes),
        Value::Text(e.error_code(strings).map(str::to_owned)),
        Value::Text(actor.kind.as_str().map(str::to_owned)),
        owned(&actor.arn),
        owned(&actor.account_id),
        owned(&actor.principal_id),
        owned(&actor.issuer_arn),
        owned(&actor.invoked_by),
        owned(&actor.user_name),
        owned(&actor.on_behalf_of),
        Value::Text(strings.owned(e.source_ip)),
        Value::Text(strings.owned(e.user_agent)),
        id(e.request_id),
        id(e.event_id),
        Value::Text(strings.owned(e.region)),
        Value::Text(strings.owned(e.account)),
        Value::Text(hint.and_then(|h| h.date).map(|d| d.to_rfc3339())),
        Value::Text(hint.and_then(|h| h.rule_id.clone())),
        Value::Text(None),
        text(e.evidence.name()),
        Value::Text(e.also_in.map(|k| k.name().to_owned())),
        Value::Text(origins.get(e.origin as usize).cloned()),
        coverage[0].clone(),
        coverage[1].clone(),
        Value::Text(extra.condition.map(|c| c.name().to_owned())),
        Value::Text(strings.owned(extra.referer)),
    ]
}

fn change_row(c: &LifecycleChange, origins: &[String], coverage: &[Value; 2]) -> Vec<Value> {
    let a = &c.actor;
    let owned = |s: &Option<String>| Value::Text(s.clone());
    let mut row = vec![
        Value::Time(Some(c.time)),
        text(&c.event_name),
        text(&c.bucket),
        Value::Text(None),
        Value::Text(None),
        Value::U32(None),
        Value::U64(None),
        owned(&c.error_code),
        Value::Text(a.kind.as_str().map(str::to_owned)),
        owned(&a.arn),
        owned(&a.account_id),
        owned(&a.principal_id),
        owned(&a.issuer_arn),
        owned(&a.invoked_by),
        owned(&a.user_name),
        owned(&a.on_behalf_of),
    ];
    row.extend([
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        owned(&c.event_id),
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        Value::Text(c.rules.as_deref().map(rules_json)),
        text("cloudtrail"),
        Value::Text(None),
        Value::Text(origins.get(c.origin as usize).cloned()),
        coverage[0].clone(),
        coverage[1].clone(),
        Value::Text(None),
        Value::Text(None),
    ]);
    row
}

/// Rules as `aws s3api get-bucket-lifecycle-configuration` prints them (what the decoder reads).
pub fn rules_json(rules: &[Rule]) -> String {
    let rules: Vec<_> = rules
        .iter()
        .map(|r| {
            let mut filter = json!({ "Prefix": r.prefix });
            if r.other_filters {
                filter["Tag"] = json!({});
            }
            let mut rule = json!({
                "Status": if r.enabled { "Enabled" } else { "Disabled" },
                "Filter": filter,
            });
            if let Some(id) = &r.id {
                rule["ID"] = json!(id);
            }
            if let Some(days) = r.abort_days {
                rule["AbortIncompleteMultipartUpload"] = json!({ "DaysAfterInitiation": days });
            }
            rule
        })
        .collect();
    json!({ "Rules": rules }).to_string()
}

/// The columns of `uploads.parquet`.
pub const UPLOADS: [(&str, ColumnKind); 13] = [
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
        ]);
    }
    table.take()
}

/// The columns of `failures.parquet`.
pub const FAILURES: [(&str, ColumnKind); 24] = [
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
                Some(format!("s3://{bucket}/{}", key.as_deref().unwrap_or(""))),
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
        ]);
    }
    table.take()
}

/// The columns of `incidents.parquet`.
pub const INCIDENTS: [(&str, ColumnKind); 10] = [
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
        ]);
    }
    table.take()
}
