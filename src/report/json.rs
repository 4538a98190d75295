//! `--format json` (the answer contract, and the timelines) and `--format ndjson` (one object per
//! line).

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use super::escape::json_for_terminal;

/// Writes the whole report (or the timelines) as one pretty-printed JSON document (streamed,
/// unless it goes to a terminal and must be escaped first).
pub fn write(report: &impl Serialize, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    if terminal {
        return emit(&serde_json::to_string_pretty(report)?, terminal, out);
    }
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// One line of `--format ndjson`: `{"type": "...", ...fields}`.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    data: &'a T,
}

/// The closing line of `--format ndjson`.
#[derive(Serialize)]
struct Closing<'a> {
    schema_version: u32,
    inputs: &'a crate::ingest::InputSummary,
    summary: &'a super::Summary,
    buckets_without_data_events: &'a [String],
}

/// Writes one line per incident, per failure, per other failure, per incomplete upload and per
/// note, then a summary line.
pub fn write_lines(report: &Report, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    for incident in &report.incidents {
        line("incident", incident, terminal, out)?;
    }
    for failure in &report.failures {
        line("failure", failure, terminal, out)?;
    }
    for other in &report.other_failures {
        line("other_failure", other, terminal, out)?;
    }
    for orphan in &report.orphans {
        line("orphan", orphan, terminal, out)?;
    }
    for note in &report.notes {
        line("note", note, terminal, out)?;
    }
    let closing = Closing {
        schema_version: report.schema_version,
        inputs: &report.inputs,
        summary: &report.summary,
        buckets_without_data_events: &report.buckets_without_data_events,
    };
    line("summary", &closing, terminal, out)
}

fn line<T: Serialize>(
    kind: &'static str,
    data: &T,
    terminal: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    emit(&serde_json::to_string(&Line { kind, data })?, terminal, out)
}

fn emit(text: &str, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
    let text = if terminal {
        json_for_terminal(text)
    } else {
        text.into()
    };
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")
}
