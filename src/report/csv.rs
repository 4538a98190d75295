//! `--format csv`: one row per failure, then one per incomplete upload and per note, with a
//! `record` column saying which. Every cell is safe to open in a spreadsheet.

use std::io::{self, Write};

use super::escape::csv_cell;
use super::{CulpritOut, Report};

const COLUMNS: usize = 25;

const HEADER: [&str; COLUMNS] = [
    "record",
    "time",
    "operation",
    "bucket",
    "key",
    "upload_id",
    "part_number",
    "actor",
    "actor_type",
    "source_ip",
    "user_agent",
    "cause",
    "confidence",
    "culprit",
    "culprit_event_id",
    "culprit_time",
    "parts",
    "bytes",
    "lifecycle_rule",
    "eligible_at",
    "explanation",
    "advice",
    "request_id",
    "culprit_request_id",
    "evidence",
];

/// Writes the report as CSV.
pub fn write(report: &Report, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut row = |cells: [String; COLUMNS]| -> io::Result<()> {
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c, terminal)).collect();
        out.write_all(line.join(",").as_bytes())?;
        out.write_all(b"\r\n")
    };
    row(HEADER.map(str::to_owned))?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let num = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    for f in &report.failures {
        let (culprit, culprit_event, culprit_time, rule, eligible, culprit_request) =
            match &f.culprit {
                CulpritOut::Request {
                    actor,
                    event_id,
                    event_time,
                    request_id,
                    ..
                } => (
                    actor.name.clone(),
                    text(event_id),
                    event_time.to_rfc3339(),
                    String::new(),
                    String::new(),
                    text(request_id),
                ),
                CulpritOut::Rule {
                    rule_id,
                    eligible_at,
                    aborted_at,
                    abort_request_id,
                    ..
                } => (
                    format!("lifecycle rule {}", text(rule_id)),
                    String::new(),
                    aborted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    text(rule_id),
                    eligible_at.to_rfc3339(),
                    text(abort_request_id),
                ),
                CulpritOut::Owner {
                    bucket,
                    key,
                    event_id,
                    request_id,
                } => (
                    format!("{bucket}/{}", text(key)),
                    text(event_id),
                    String::new(),
                    String::new(),
                    String::new(),
                    text(request_id),
                ),
                CulpritOut::Nobody {} => Default::default(),
            };
        row([
            "failure".into(),
            f.event_time.to_rfc3339(),
            f.event_name.into(),
            f.bucket.clone(),
            text(&f.key),
            text(&f.upload_id),
            num(f.part_number.map(u64::from)),
            f.actor.name.clone(),
            text(&f.actor.kind),
            text(&f.actor.source_ip),
            text(&f.actor.user_agent),
            f.cause.name().into(),
            format!("{:?}", f.confidence).to_lowercase(),
            culprit,
            culprit_event,
            culprit_time,
            String::new(),
            String::new(),
            rule,
            eligible,
            f.explanation.clone(),
            f.advice.clone(),
            text(&f.request_id),
            culprit_request,
            f.evidence.join("+"),
        ])?;
    }
    for o in &report.orphans {
        let rule = o.lifecycle_rule.as_ref();
        let by = o.initiated_by.as_ref();
        row([
            "orphan".into(),
            o.initiated.to_rfc3339(),
            "CreateMultipartUpload".into(),
            o.bucket.clone(),
            text(&o.key),
            o.upload_id.clone(),
            String::new(),
            by.map(|a| a.name.clone()).unwrap_or_default(),
            by.and_then(|a| a.kind.clone()).unwrap_or_default(),
            by.and_then(|a| a.source_ip.clone()).unwrap_or_default(),
            by.and_then(|a| a.user_agent.clone()).unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            o.parts.to_string(),
            o.bytes.to_string(),
            rule.and_then(|r| r.rule_id.clone()).unwrap_or_default(),
            rule.map(|r| r.eligible_at.to_rfc3339()).unwrap_or_default(),
            "incomplete upload: billed until completed, aborted or removed by a lifecycle rule"
                .into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for n in &report.notes {
        let mut cells: [String; COLUMNS] = Default::default();
        cells[0] = "note".into();
        cells[3] = text(&n.bucket);
        cells[11] = n.kind.into();
        cells[20] = n.message.clone();
        row(cells)?;
    }
    Ok(())
}
