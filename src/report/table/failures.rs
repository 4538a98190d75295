//! The incidents, then the failures grouped by incident and upload (what they share said once,
//! then a line per failed request), then the other failures grouped the same way by diagnosis.

use std::collections::HashMap;
use std::io::{self, Write};

use super::{Page, labelled, object, paint, shorten, terminal, time, wrapped};
use crate::model::Provider;
use crate::report::{CulpritOut, FailureOut, IncidentOut, OtherFailureOut, Report};
use crate::words::{self, plural, thousands};

/// At most this many incidents are listed; the rest are counted.
const INCIDENTS_SHOWN: usize = 20;

pub(super) fn incidents(r: &Report, color: bool, out: &mut Page<'_>) -> io::Result<()> {
    if r.incidents.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nIncidents (largest first)")?;
    for (n, i) in r.incidents.iter().take(INCIDENTS_SHOWN).enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        incident(i, color, out)?;
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

fn incident(i: &IncidentOut, color: bool, out: &mut Page<'_>) -> io::Result<()> {
    let kind = |cause: String| match i.abort_kind {
        Some(kind) => format!("{cause} ({})", kind.name()),
        None => cause,
    };
    let last = if i.last_failure == i.first_failure {
        String::new()
    } else if i.last_failure.date_naive() == i.first_failure.date_naive() {
        format!(" – {}", i.last_failure.format("%H:%M:%S"))
    } else {
        format!(" – {}", time(i.last_failure))
    };
    let counts = format!(
        "{}, {}",
        words::count(i.failures as u64, "failure", "failures"),
        words::count(i.uploads as u64, "upload", "uploads"),
    );
    let when = format!("{}{last}", time(i.first_failure));
    // The line is measured as it shows, without its colour; the time goes under it when the line
    // would pass the page's width.
    let shown = format!(
        "  {:<6}{}: {counts}, {when}",
        i.id,
        kind(i.cause.name().to_owned())
    );
    let painted = kind(paint(i.cause, i.cause.name(), color));
    if shown.chars().count() <= out.width {
        writeln!(out, "  {:<6}{painted}: {counts}, {when}", i.id)?;
    } else {
        writeln!(out, "  {:<6}{painted}: {counts},\n        {when}", i.id)?;
    }
    wrapped(&i.summary, "        ", out)
}

/// What an upload block shows of a failed request, NoSuchUpload or other.
trait Failed {
    fn provider(&self) -> Provider;
    fn bucket(&self) -> &str;
    fn key(&self) -> Option<&str>;
    fn upload_id(&self) -> Option<&str>;
    fn request_name(&self) -> &str;
    fn caller(&self) -> &str;
    fn explanation(&self) -> &str;
    fn advice(&self) -> &str;
    /// What failures of one block share besides their upload, and by which blocks are ordered:
    /// the incident, or the diagnosis.
    fn group(&self) -> (usize, &str);
    /// The block's header, after the object: what went wrong and how sure it is.
    fn header(&self) -> String;
    /// What the block says besides why and advice.
    fn notes(&self) -> Vec<(&'static str, String)>;
    /// The line of one failed request: time, request, then what the block's kind shows.
    fn line(&self) -> String;
}

/// `from CloudTrail + S3 access log`.
fn evidence(kinds: &[&str], provider: Provider) -> String {
    let names: Vec<&str> = kinds
        .iter()
        .map(|kind| match (*kind, provider) {
            ("cloudtrail", _) => "CloudTrail",
            ("actiontrail", _) => "ActionTrail",
            ("access_log", Provider::Aws) => "S3 access log",
            ("access_log", Provider::Alibaba) => "OSS access log",
            _ => "lifecycle configuration",
        })
        .collect();
    format!("from {}", names.join(" + "))
}

/// `UploadPart #4`.
fn request(event_name: &str, part_number: Option<u32>) -> String {
    match part_number {
        Some(n) if event_name.starts_with("UploadPart") => format!("{event_name} #{n}"),
        _ => event_name.to_owned(),
    }
}

/// The event ID, else the request ID (an access-log line has no event ID).
fn id(event_id: Option<&String>, request_id: Option<&String>) -> String {
    event_id
        .or(request_id)
        .map_or_else(String::new, |id| terminal(id).into_owned())
}

impl Failed for FailureOut {
    fn provider(&self) -> Provider {
        self.provider
    }
    fn bucket(&self) -> &str {
        &self.bucket
    }
    fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
    fn upload_id(&self) -> Option<&str> {
        self.upload_id.as_deref()
    }
    fn request_name(&self) -> &str {
        self.event_name
    }
    fn caller(&self) -> &str {
        &self.actor.name
    }
    fn explanation(&self) -> &str {
        &self.explanation
    }
    fn advice(&self) -> &str {
        &self.advice
    }
    fn group(&self) -> (usize, &str) {
        // `I12` sorts after `I2`: by number.
        let number = self
            .incident
            .trim_start_matches('I')
            .parse()
            .unwrap_or(usize::MAX);
        (number, &self.incident)
    }
    fn header(&self) -> String {
        // The culprit is named by the explanation and by the incident.
        let kind = match &self.culprit {
            CulpritOut::Request {
                abort_kind: Some(kind),
                ..
            } => format!(" ({})", kind.name()),
            _ => String::new(),
        };
        format!(
            "{} {}{kind}, {}, {}",
            self.incident,
            self.cause.name(),
            confidence(&self.confidence),
            evidence(&self.evidence, self.provider)
        )
    }
    fn notes(&self) -> Vec<(&'static str, String)> {
        match &self.missing_evidence {
            Some(missing) if !missing.is_empty() => vec![("missing", missing.join(", "))],
            _ => Vec::new(),
        }
    }
    fn line(&self) -> String {
        format!(
            "{:<21}{:<26}{:<16}{:<10}{:<6}{}",
            time(self.event_time),
            shorten(&request(self.event_name, self.part_number), 25),
            self.cause.name(),
            confidence(&self.confidence),
            self.incident,
            id(self.event_id.as_ref(), self.request_id.as_ref())
        )
    }
}

impl Failed for OtherFailureOut {
    fn provider(&self) -> Provider {
        self.provider
    }
    fn bucket(&self) -> &str {
        &self.bucket
    }
    fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
    fn upload_id(&self) -> Option<&str> {
        self.upload_id.as_deref()
    }
    fn request_name(&self) -> &str {
        self.event_name
    }
    fn caller(&self) -> &str {
        &self.actor.name
    }
    fn explanation(&self) -> &str {
        &self.explanation
    }
    fn advice(&self) -> &str {
        &self.advice
    }
    fn group(&self) -> (usize, &str) {
        let order = crate::diagnose::Diagnosis::ALL
            .iter()
            .position(|d| *d == self.diagnosis)
            .unwrap_or(usize::MAX);
        (order, self.diagnosis.name())
    }
    fn header(&self) -> String {
        format!(
            "{}, {}, {}",
            self.diagnosis.name(),
            confidence(&self.confidence),
            evidence(&self.evidence, self.provider)
        )
    }
    fn notes(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    fn line(&self) -> String {
        format!(
            "{:<21}{:<26}{:<24}{:<10}{:<10}{}",
            time(self.event_time),
            shorten(&request(self.event_name, self.part_number), 25),
            shorten(&self.error_code, 23),
            if self.recovered { "recovered" } else { "-" },
            confidence(&self.confidence),
            id(self.event_id.as_ref(), self.request_id.as_ref())
        )
    }
}

pub(super) fn failures(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    if r.failures.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nFailures, by incident and upload")?;
    blocks(&r.failures, out)
}

pub(super) fn other_failures(r: &Report, out: &mut Page<'_>) -> io::Result<()> {
    if r.other_failures.is_empty() {
        return Ok(());
    }
    let n = r.other_failures.len() as u64;
    writeln!(
        out,
        "\nOther failures: {} failed multipart {} that {} not NoSuchUpload",
        thousands(n),
        plural(n, "request", "requests"),
        plural(n, "was", "were")
    )?;
    for (diagnosis, count) in r.summary.by_diagnosis.iter().filter(|(_, n)| **n > 0) {
        writeln!(out, "  {diagnosis:<20}{count:>5}")?;
    }
    writeln!(out, "\nOther failures, by diagnosis and upload")?;
    blocks(&r.other_failures, out)
}

/// Failures grouped by upload (and group), each block once, groups in order.
fn blocks<F: Failed>(failures: &[F], out: &mut Page<'_>) -> io::Result<()> {
    // Advice is given whole once; a block whose advice was given already points to where.
    let mut given: HashMap<&str, &str> = HashMap::new();
    for (n, group) in by_upload(failures).iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let first = group[0];
        let earlier = given.get(first.advice()).copied();
        if earlier.is_none() {
            given.insert(first.advice(), first.group().1);
        }
        upload(group, earlier, out)?;
    }
    Ok(())
}

/// The failures of each upload (and group), by group, then in the order of their first failure.
fn by_upload<F: Failed>(failures: &[F]) -> Vec<Vec<&F>> {
    let mut groups: Vec<Vec<&F>> = Vec::new();
    let mut index = HashMap::new();
    for f in failures {
        let key = (f.bucket(), f.upload_id(), f.group());
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(f);
    }
    // The sort is stable: time order stays within each group.
    groups.sort_by_key(|g| g[0].group().0);
    groups
}

/// One upload's failures: what is common once, then a line per failed request. `advised` names
/// the group whose block was given the same advice already, if one was.
fn upload<F: Failed>(group: &[&F], advised: Option<&str>, out: &mut Page<'_>) -> io::Result<()> {
    let f = group[0];
    writeln!(
        out,
        "  {}  [{}]",
        terminal(&format!(
            "{}://{}",
            f.provider().scheme(),
            object(f.bucket(), f.key())
        )),
        terminal(&f.header()),
    )?;
    let none = if f.request_name() == "CreateMultipartUpload" {
        "(none: the upload was not created)"
    } else {
        "(none in the record)"
    };
    labelled("upload", f.upload_id().unwrap_or(none), out)?;
    let mut callers: Vec<&str> = group.iter().map(|f| f.caller()).collect();
    callers.sort_unstable();
    callers.dedup();
    labelled("caller", &callers.join(", "), out)?;
    for (label, text) in f.notes() {
        labelled(label, &text, out)?;
    }
    labelled("why", f.explanation(), out)?;
    match advised {
        Some(group) if group == f.group().1 => labelled("advice", "as for the upload above", out)?,
        Some(group) => labelled("advice", &format!("as for {group} above"), out)?,
        None => labelled("advice", f.advice(), out)?,
    }
    for f in group {
        writeln!(out, "    {}", f.line())?;
    }
    Ok(())
}

fn confidence(c: &crate::attribute::Confidence) -> String {
    format!("{c:?}").to_lowercase()
}
