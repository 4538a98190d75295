//! `--format table`: the report for a person reading a terminal. Every string from a log is
//! escaped for the terminal, long values are shortened in columns and given whole in the text
//! under each row. The incidents and the failures grouped by upload are in [`failures`].

mod failures;
pub(super) mod timeline;

use std::io::{self, Write};

use super::escape::terminal;
use super::{OrphanOut, Report};
use crate::attribute::Cause;
use crate::model::{Provider, Time};
use crate::words::{self, thousands};

/// The width of the table when it does not go to a terminal.
const WIDTH: usize = 100;
/// Detail lines under a row: a label in a fixed column, then wrapped text.
const LABEL: usize = 12;

/// Where the table goes, and how wide it may be.
pub struct Page<'a> {
    out: &'a mut dyn Write,
    /// Text is wrapped to this many columns.
    width: usize,
}

impl Write for Page<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The width of the table: the terminal's when the report goes to one (within 60 to 200
/// columns), else [`WIDTH`].
pub fn width(terminal: bool) -> usize {
    match terminal_size::terminal_size() {
        Some((terminal_size::Width(w), _)) if terminal => usize::from(w).clamp(60, 200),
        _ => WIDTH,
    }
}

/// Writes the report as text, wrapped to `width` columns; `color` paints each cause in its
/// colour.
pub fn write(report: &Report, color: bool, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let out = &mut Page { out, width };
    header(report, out)?;
    causes(report, color, out)?;
    failures::incidents(report, color, out)?;
    failures::failures(report, out)?;
    failures::other_failures(report, out)?;
    orphans(report, out)?;
    notes(report, out)?;
    problems(report, out)
}

fn header(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    write_wrapped(&format!("uploadtrail: {}", r.headline()), "", "  ", out)?;
    write_wrapped(&r.what_was_read(), "", "  ", out)
}

/// `text` in the colour of `cause` (ANSI SGR) when `color`, else as it is. The text is the
/// tool's own (a cause's name), never a string from a log.
fn paint(cause: Cause, text: &str, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    let code = match cause {
        Cause::Aborted => "31",
        Cause::Completed => "36",
        Cause::Lifecycle => "33",
        Cause::Superseded => "35",
        Cause::WrongKey => "34",
        Cause::UnknownUpload => "90",
        Cause::Unexplained => "1",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

fn causes(r: &Report, color: bool, out: &mut Page<'_>) -> io::Result<()> {
    if r.summary.failures == 0 {
        let new_only = r.notes.iter().any(|n| n.kind == "new_only");
        return writeln!(
            out,
            "\nNo request failed with NoSuchUpload in these logs{}.",
            if new_only {
                " that the last run did not report"
            } else {
                ""
            }
        );
    }
    writeln!(out, "\nCauses")?;
    for cause in Cause::ALL {
        let name = format!("{:<16}", cause.name());
        let count = r.summary.by_cause.get(cause);
        let first = format!("  {}{count:>5}   ", paint(cause, &name, color));
        write_wrapped(meaning(cause), &first, &" ".repeat(26), out)?;
    }
    Ok(())
}

fn meaning(cause: Cause) -> &'static str {
    match cause {
        Cause::Aborted => "a caller aborted the upload first",
        Cause::Completed => "the upload had already been completed",
        Cause::Lifecycle => "a lifecycle rule made the upload eligible for abort first",
        Cause::Superseded => "another upload of the key was completed first",
        Cause::WrongKey => "the upload ID belongs to another key or bucket",
        Cause::UnknownUpload => "the upload ID is in no successful request of the logs",
        Cause::Unexplained => "the evidence in view does not explain it",
    }
}

fn orphans(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    if r.orphans.is_empty() {
        return Ok(());
    }
    let heading = format!(
        "Incomplete uploads ({}, {} in all, billed until completed or aborted)",
        words::count(r.summary.orphan_parts, "part", "parts"),
        bytes(r.summary.orphan_bytes)
    );
    writeln!(out)?;
    write_wrapped(&heading, "", "  ", out)?;
    writeln!(
        out,
        "  {:<21}{:<32}{:<22}{:>6}{:>11}  {:<10}LIFECYCLE",
        "INITIATED (UTC)", "OBJECT", "UPLOAD ID", "PARTS", "SIZE", "AGE"
    )?;
    for o in &r.orphans {
        orphan(o, r.inputs.last_event, out)?;
    }
    Ok(())
}

fn orphan(o: &OrphanOut, end: Option<Time>, out: &mut Page<'_>) -> io::Result<()> {
    let initiated = if o.initiated_known {
        time(o.initiated)
    } else {
        format!("≤{}", time(o.initiated))
    };
    let lifecycle = match &o.lifecycle_rule {
        None => "none known: kept and billed until aborted".to_owned(),
        Some(rule) => {
            let name = rule
                .rule_id
                .as_deref()
                .map_or_else(|| "unnamed rule".to_owned(), |id| format!("rule {id:?}"));
            if end.is_some_and(|end| rule.eligible_at <= end) {
                format!(
                    "{name}: eligible since {} UTC (probably removed already)",
                    time(rule.eligible_at)
                )
            } else {
                format!("{name}: eligible from {} UTC", time(rule.eligible_at))
            }
        }
    };
    writeln!(
        out,
        "  {:<21}{:<32}{:<22}{:>6}{:>11}  {:<10}{}",
        initiated,
        shorten(&bucket_object(o.provider, &o.bucket, o.key.as_deref()), 31),
        shorten(&o.upload_id, 21),
        thousands(o.parts),
        bytes(o.bytes),
        age(o.age_seconds),
        terminal(&lifecycle)
    )
}

fn notes(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    if r.notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nNotes")?;
    const SHOWN: usize = 10;
    for note in r.notes.iter().take(SHOWN) {
        wrapped(&note.message, "  ", out)?;
    }
    if r.notes.len() > SHOWN {
        writeln!(
            out,
            "  … and {} more notes (all in --format json)",
            r.notes.len() - SHOWN
        )?;
    }
    Ok(())
}

fn problems(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    let problems = &r.inputs.problems;
    if problems.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nProblems with inputs ({})",
        problems.len() as u64 + r.inputs.problems_not_listed
    )?;
    const SHOWN: usize = 10;
    for p in problems.iter().take(SHOWN) {
        wrapped(&format!("{}: {}", p.origin, p.error), "  ", out)?;
    }
    if problems.len() > SHOWN {
        writeln!(
            out,
            "  … and {} more (all in --format json)",
            problems.len() - SHOWN
        )?;
    }
    Ok(())
}

/// A detail line under a failure: `    label       text…`, the text wrapped under itself.
fn labelled(label: &str, text: &str, out: &mut Page<'_>) -> io::Result<()> {
    let first = format!("    {label:<LABEL$}");
    let rest = " ".repeat(first.chars().count());
    write_wrapped(text, &first, &rest, out)
}

/// Writes `text`, escaped for the terminal, wrapped at the page's width after `indent`.
fn wrapped(text: &str, indent: &str, out: &mut Page<'_>) -> io::Result<()> {
    write_wrapped(text, indent, indent, out)
}

fn write_wrapped(text: &str, first: &str, rest: &str, out: &mut Page<'_>) -> io::Result<()> {
    let text = terminal(text);
    let room = out.width.saturating_sub(rest.chars().count()).max(20);
    let mut indent = first;
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            writeln!(out, "{indent}{line}")?;
            indent = rest;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    writeln!(out, "{indent}{line}")
}

fn object(bucket: &str, key: Option<&str>) -> String {
    format!("{bucket}/{}", key.unwrap_or(""))
}

/// `bucket/key` for S3 (as the table always wrote it), `oss://bucket/key` for OSS.
fn bucket_object(provider: Provider, bucket: &str, key: Option<&str>) -> String {
    match provider {
        Provider::Aws => object(bucket, key),
        Provider::Alibaba => format!("oss://{}", object(bucket, key)),
    }
}

/// Escapes `s` for the terminal and shortens it to `max` characters, keeping both ends.
fn shorten(s: &str, max: usize) -> String {
    let s = terminal(s);
    let n = s.chars().count();
    if n <= max {
        return s.into_owned();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

fn time(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..3_600 => format!("{} min", s / 60),
        3_600..86_400 => format!("{} h", s / 3_600),
        _ => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_keeping_both_ends() {
        assert_eq!(shorten("abcdefghij", 5), "ab…ij");
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("a\x1bb", 10), "a\\u{1b}b");
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(15 << 20), "15.0 MiB");
        assert_eq!(age(90_000), "1 d");
    }
}
