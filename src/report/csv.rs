//! `--format csv`: one row per incident, per failure, per other failure, per incomplete upload and
//! per note, with a `record` column saying which. Every cell is safe to open in a spreadsheet.

use std::io::{self, Write};

use super::escape::csv_cell;
use super::{CulpritOut, OtherCulpritOut, Report};

/// The columns, in order. Columns are only ever added at the end.
const HEADER: [&str; 32] = [
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
    "incident",
    "abort_kind",
    "missing_evidence",
    "error_code",
    "diagnosis",
    "recovered",
    "provider",
];

/// One row, filled by column name.
struct Row([String; HEADER.len()]);

impl Row {
    fn new(record: &str) -> Row {
        let mut row = Row(Default::default());
        row.set("record", record);
        row
    }

    fn set(&mut self, column: &str, value: impl Into<String>) {
        if let Some(at) = HEADER.iter().position(|c| *c == column) {
            self.0[at] = value.into();
        }
    }

    fn opt(&mut self, column: &str, value: Option<impl Into<String>>) {
        if let Some(value) = value {
            self.set(column, value);
        }
    }
}

/// Writes the report as CSV.
pub fn write(report: &Report, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut write_row = |cells: &[String]| -> io::Result<()> {
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c, terminal)).collect();
        out.write_all(line.join(",").as_bytes())?;
        out.write_all(b"\r\n")
    };
    write_row(&HEADER.map(str::to_owned))?;
    for i in &report.incidents {
        let mut r = Row::new("incident");
        r.set("time", i.first_failure.to_rfc3339());
        r.set("bucket", i.buckets.join(" "));
        r.set("cause", i.cause.name());
        r.opt("culprit", i.culprit.clone());
        r.set("explanation", i.summary.clone());
        r.set("incident", i.id.clone());
        r.opt("abort_kind", i.abort_kind.map(|k| k.name()));
        r.set("provider", i.provider.name());
        write_row(&r.0)?;
    }
    for f in &report.failures {
        let mut r = Row::new("failure");
        r.set("time", f.event_time.to_rfc3339());
        r.set("operation", f.event_name);
        r.set("bucket", f.bucket.clone());
        r.opt("key", f.key.clone());
        r.opt("upload_id", f.upload_id.clone());
        r.opt("part_number", f.part_number.map(|n| n.to_string()));
        r.set("actor", f.actor.name.clone());
        r.opt("actor_type", f.actor.kind.clone());
        r.opt("source_ip", f.actor.source_ip.clone());
        r.opt("user_agent", f.actor.user_agent.clone());
        r.set("cause", f.cause.name());
        r.set("confidence", format!("{:?}", f.confidence).to_lowercase());
        match &f.culprit {
            CulpritOut::Request {
                actor,
                event_id,
                event_time,
                request_id,
                abort_kind,
                ..
            } => {
                r.set("culprit", actor.name.clone());
                r.opt("culprit_event_id", event_id.clone());
                r.set("culprit_time", event_time.to_rfc3339());
                r.opt("culprit_request_id", request_id.clone());
                r.opt("abort_kind", abort_kind.map(|k| k.name()));
            }
            CulpritOut::Rule {
                rule_id,
                eligible_at,
                aborted_at,
                abort_request_id,
                ..
            } => {
                let rule = rule_id.clone().unwrap_or_default();
                r.set("culprit", format!("lifecycle rule {rule}"));
                r.opt("culprit_time", aborted_at.map(|t| t.to_rfc3339()));
                r.set("lifecycle_rule", rule);
                r.set("eligible_at", eligible_at.to_rfc3339());
                r.opt("culprit_request_id", abort_request_id.clone());
            }
            CulpritOut::Owner {
                bucket,
                key,
                event_id,
                request_id,
            } => {
                let key = key.as_deref().unwrap_or_default();
                r.set("culprit", format!("{bucket}/{key}"));
                r.opt("culprit_event_id", event_id.clone());
                r.opt("culprit_request_id", request_id.clone());
            }
            CulpritOut::Nobody {} => {}
        }
        r.set("explanation", f.explanation.clone());
        r.set("advice", f.advice.clone());
        r.opt("request_id", f.request_id.clone());
        r.set("evidence", f.evidence.join("+"));
        r.set("incident", f.incident.clone());
        r.set("provider", f.provider.name());
        r.opt(
            "missing_evidence",
            f.missing_evidence.as_ref().map(|m| m.join("+")),
        );
        write_row(&r.0)?;
    }
    for o in &report.other_failures {
        let mut r = Row::new("other_failure");
        r.set("time", o.event_time.to_rfc3339());
        r.set("operation", o.event_name);
        r.set("bucket", o.bucket.clone());
        r.opt("key", o.key.clone());
        r.opt("upload_id", o.upload_id.clone());
        r.opt("part_number", o.part_number.map(|n| n.to_string()));
        r.set("actor", o.actor.name.clone());
        r.opt("actor_type", o.actor.kind.clone());
        r.opt("source_ip", o.actor.source_ip.clone());
        r.opt("user_agent", o.actor.user_agent.clone());
        r.set("confidence", format!("{:?}", o.confidence).to_lowercase());
        if let OtherCulpritOut::Event(c) = &o.culprit {
            r.set("culprit", c.actor.name.clone());
            r.opt("culprit_event_id", c.event_id.clone());
            r.set("culprit_time", c.event_time.to_rfc3339());
            r.opt("culprit_request_id", c.request_id.clone());
        }
        r.set("explanation", o.explanation.clone());
        r.set("advice", o.advice.clone());
        r.opt("request_id", o.request_id.clone());
        r.set("evidence", o.evidence.join("+"));
        r.set("error_code", o.error_code.clone());
        r.set("diagnosis", o.diagnosis.name());
        r.set("recovered", o.recovered.to_string());
        r.set("provider", o.provider.name());
        write_row(&r.0)?;
    }
    for o in &report.orphans {
        let mut r = Row::new("orphan");
        r.set("time", o.initiated.to_rfc3339());
        r.set("operation", "CreateMultipartUpload");
        r.set("bucket", o.bucket.clone());
        r.opt("key", o.key.clone());
        r.set("upload_id", o.upload_id.clone());
        if let Some(by) = &o.initiated_by {
            r.set("actor", by.name.clone());
            r.opt("actor_type", by.kind.clone());
            r.opt("source_ip", by.source_ip.clone());
            r.opt("user_agent", by.user_agent.clone());
        }
        r.set("parts", o.parts.to_string());
        r.set("bytes", o.bytes.to_string());
        r.set("provider", o.provider.name());
        if let Some(rule) = &o.lifecycle_rule {
            r.opt("lifecycle_rule", rule.rule_id.clone());
            r.set("eligible_at", rule.eligible_at.to_rfc3339());
        }
        r.set(
            "explanation",
            "incomplete upload: billed until completed, aborted or removed by a lifecycle rule",
        );
        write_row(&r.0)?;
    }
    for n in &report.notes {
        let mut r = Row::new("note");
        r.opt("bucket", n.bucket.clone());
        r.set("cause", n.kind);
        r.set("explanation", n.message.clone());
        write_row(&r.0)?;
    }
    Ok(())
}
