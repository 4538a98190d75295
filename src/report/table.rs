//! `--format table`: the report for a person reading a terminal. Every string from a log is
//! escaped for the terminal, long values are shortened in columns and given whole in the text
//! under each row.

use std::collections::HashMap;
use std::io::{self, Write};

use super::escape::terminal;
use super::{CulpritOut, FailureOut, IncidentOut, OrphanOut, Report};
use crate::attribute::Cause;
use crate::model::Time;

/// At most this many incidents are listed; the rest are counted.
const INCIDENTS_SHOWN: usize = 20;

const WIDTH: usize = 100;
/// Detail lines under a row: a label in a fixed column, then wrapped text.
const LABEL: usize = 12;

/// Writes the report as text.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    header(report, out)?;
    causes(report, out)?;
    incidents(report, out)?;
    failures(report, out)?;
    orphans(report, out)?;
    notes(report, out)?;
    problems(report, out)
}

fn header(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &r.summary;
    let incidents = match s.incidents {
        0 => String::new(),
        n => format!(" in {n} {}", plural(n, "incident", "incidents")),
    };
    writeln!(
        out,
        "uploadtrail: {} NoSuchUpload {}{incidents}, {} incomplete {}",
        s.failures,
        plural(s.failures, "failure", "failures"),
        s.orphans,
        plural(s.orphans, "upload", "uploads")
    )?;
    let i = &r.inputs;
    let span = match (i.first_event, i.last_event) {
        (Some(a), Some(b)) => format!(" from {} to {}", time(a), time(b)),
        _ => String::new(),
    };
    let failed = if i.files_failed > 0 {
        format!(" ({} with problems)", thousands(i.files_failed))
    } else {
        String::new()
    };
    writeln!(
        out,
        "Read {} {}{failed}: {} records{span} UTC, {} multipart events, {} {} removed.",
        thousands(i.files),
        plural(i.files, "file", "files"),
        thousands(i.records),
        thousands(i.multipart_events),
        thousands(i.duplicates),
        plural(i.duplicates, "duplicate", "duplicates"),
    )
}

fn causes(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.summary.failures == 0 {
        return writeln!(out, "\nNo request failed with NoSuchUpload in these logs.");
    }
    writeln!(out, "\nCauses")?;
    for cause in Cause::ALL {
        writeln!(
            out,
            "  {:<16}{:>5}   {}",
            cause.name(),
            r.summary.by_cause.get(cause),
            meaning(cause)
        )?;
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

fn incidents(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.incidents.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nIncidents (largest first)")?;
    for (n, i) in r.incidents.iter().take(INCIDENTS_SHOWN).enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        incident(i, out)?;
    }
    if r.incidents.len() > INCIDENTS_SHOWN {
        writeln!(
            out,
            "\n  … and {} more incidents (all in --format json)",
            r.incidents.len() - INCIDENTS_SHOWN
        )?;
    }
    Ok(())
}

fn incident(i: &IncidentOut, out: &mut dyn Write) -> io::Result<()> {
    let kind = match i.abort_kind {
        Some(kind) => format!("{} ({})", i.cause.name(), kind.name()),
        None => i.cause.name().to_owned(),
    };
    let failures = i.failures as u64;
    let uploads = i.uploads as u64;
    let last = if i.last_failure == i.first_failure {
        String::new()
    } else if i.last_failure.date_naive() == i.first_failure.date_naive() {
        format!(" – {}", i.last_failure.format("%H:%M:%S"))
    } else {
        format!(" – {}", time(i.last_failure))
    };
    writeln!(
        out,
        "  {:<6}{kind}: {} {}, {} {}, {}{last}",
        i.id,
        thousands(failures),
        plural(failures, "failure", "failures"),
        thousands(uploads),
        plural(uploads, "upload", "uploads"),
        time(i.first_failure),
    )?;
    wrapped(&i.summary, "        ", out)
}

fn failures(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.failures.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nFailures, by incident and upload")?;
    // Advice is given whole once; an upload whose advice was given already points to where.
    let mut given: HashMap<&str, &str> = HashMap::new();
    for (n, group) in by_upload(&r.failures).iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let first = group[0];
        let earlier = given.get(first.advice.as_str()).copied();
        if earlier.is_none() {
            given.insert(&first.advice, &first.incident);
        }
        upload(group, earlier, out)?;
    }
    Ok(())
}

/// The failures of each upload (and cause and incident), by incident (largest first), then in
/// the order of their first failure.
fn by_upload(failures: &[FailureOut]) -> Vec<Vec<&FailureOut>> {
    let mut groups: Vec<Vec<&FailureOut>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for f in failures {
        let key = (&f.bucket, &f.upload_id, f.cause, &f.incident);
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(f);
    }
    // `I12` sorts after `I2`: by number. The sort is stable, so time order stays within each.
    let number = |g: &Vec<&FailureOut>| {
        g[0].incident
            .trim_start_matches('I')
            .parse::<usize>()
            .unwrap_or(usize::MAX)
    };
    groups.sort_by_key(number);
    groups
}

/// One upload's failures: what is common once, then a line per failed request. `advised` is the
/// incident whose upload was given the same advice already, if one was.
fn upload(group: &[&FailureOut], advised: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let f = group[0];
    // The culprit is named by the explanation and by the incident.
    let kind = match &f.culprit {
        CulpritOut::Request {
            abort_kind: Some(kind),
            ..
        } => format!(" ({})", kind.name()),
        _ => String::new(),
    };
    let evidence: Vec<&str> = f
        .evidence
        .iter()
        .map(|kind| match *kind {
            "cloudtrail" => "CloudTrail",
            "access_log" => "S3 access log",
            _ => "lifecycle configuration",
        })
        .collect();
    writeln!(
        out,
        "  {}  [{} {}{kind}, {}, from {}]",
        terminal(&format!("s3://{}", object(&f.bucket, f.key.as_deref()))),
        f.incident,
        f.cause.name(),
        confidence(f),
        evidence.join(" + "),
    )?;
    labelled(
        "upload",
        f.upload_id.as_deref().unwrap_or("(none in the record)"),
        out,
    )?;
    let mut callers: Vec<&str> = group.iter().map(|f| f.actor.name.as_str()).collect();
    callers.sort_unstable();
    callers.dedup();
    labelled("caller", &callers.join(", "), out)?;
    if let Some(missing) = f.missing_evidence.as_ref().filter(|m| !m.is_empty()) {
        labelled("missing", &missing.join(", "), out)?;
    }
    labelled("why", &f.explanation, out)?;
    match advised {
        Some(incident) if incident == f.incident => {
            labelled("advice", "as for the upload above", out)?
        }
        Some(incident) => labelled("advice", &format!("as for {incident} above"), out)?,
        None => labelled("advice", &f.advice, out)?,
    }
    for f in group {
        request_line(f, out)?;
    }
    Ok(())
}

fn confidence(f: &FailureOut) -> String {
    format!("{:?}", f.confidence).to_lowercase()
}

/// `    2026-11-03 09:31:05  UploadPart #4   aborted   certain   I1   EVENT-ID`
fn request_line(f: &FailureOut, out: &mut dyn Write) -> io::Result<()> {
    let request = match f.part_number {
        Some(n) if f.event_name.starts_with("UploadPart") => format!("{} #{n}", f.event_name),
        _ => f.event_name.to_owned(),
    };
    let id = f
        .event_id
        .as_ref()
        .or(f.request_id.as_ref())
        .map_or_else(String::new, |id| terminal(id).into_owned());
    writeln!(
        out,
        "    {:<21}{:<26}{:<16}{:<10}{:<6}{id}",
        time(f.event_time),
        shorten(&request, 25),
        f.cause.name(),
        confidence(f),
        f.incident,
    )
}

fn orphans(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.orphans.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nIncomplete uploads ({} parts, {} in all: billed until completed, aborted or removed by a lifecycle rule)",
        thousands(r.summary.orphan_parts),
        bytes(r.summary.orphan_bytes)
    )?;
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

fn orphan(o: &OrphanOut, end: Option<Time>, out: &mut dyn Write) -> io::Result<()> {
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
        shorten(&object(&o.bucket, o.key.as_deref()), 31),
        shorten(&o.upload_id, 21),
        thousands(o.parts),
        bytes(o.bytes),
        age(o.age_seconds),
        terminal(&lifecycle)
    )
}

fn notes(r: &Report, out: &mut dyn Write) -> io::Result<()> {
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

fn problems(r: &Report, out: &mut dyn Write) -> io::Result<()> {
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
fn labelled(label: &str, text: &str, out: &mut dyn Write) -> io::Result<()> {
    let first = format!("    {label:<LABEL$}");
    let rest = " ".repeat(first.chars().count());
    write_wrapped(text, &first, &rest, out)
}

/// Writes `text`, escaped for the terminal, wrapped at [`WIDTH`] columns after `indent`.
fn wrapped(text: &str, indent: &str, out: &mut dyn Write) -> io::Result<()> {
    write_wrapped(text, indent, indent, out)
}

fn write_wrapped(text: &str, first: &str, rest: &str, out: &mut dyn Write) -> io::Result<()> {
    let text = terminal(text);
    let room = WIDTH.saturating_sub(rest.chars().count()).max(20);
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

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(15 << 20), "15.0 MiB");
        assert_eq!(age(90_000), "1 d");
    }
}
