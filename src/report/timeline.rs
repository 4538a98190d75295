//! Timelines: the story of one upload, as an investigator rebuilds it by hand: every request of
//! its upload ID in time order, who sent it, which part, what came back, which log showed it, and
//! the verdict of each failure with its incident. Built from the same timelines the analysis
//! decided on, and from the report's findings, so a verdict here is the verdict of `analyze`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Focus, Report};
use crate::cli::Format;
use crate::correlate::Timelines;
use crate::ingest::{Ingested, InputSummary};
use crate::model::{Event, Provider, Time};

/// How many uploads are printed when no focus option narrows them.
pub const UNFOCUSED_LIMIT: usize = 50;

/// The answer of `uploadtrail timeline`.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineReport {
    /// Always [`super::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was read.
    pub inputs: InputSummary,
    /// One entry per upload in focus, by bucket, key and first request.
    pub timelines: Vec<TimelineOut>,
}

/// One upload's story.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineOut {
    /// Its bucket.
    pub bucket: String,
    /// Its key, when a request shows it.
    pub key: Option<String>,
    /// Its upload ID.
    pub upload_id: String,
    /// `aws` or `alibaba`.
    pub provider: Provider,
    /// Every request of it, in time order.
    pub events: Vec<StepOut>,
    /// The verdict of each of its failed requests, in time order.
    pub verdicts: Vec<VerdictOut>,
}

/// One request of an upload.
#[derive(Debug, Clone, Serialize)]
pub struct StepOut {
    /// When.
    pub time: Time,
    /// The operation (S3's name for it).
    pub operation: &'static str,
    /// The part number, for a part.
    pub part_number: Option<u32>,
    /// The bytes sent, when logged.
    pub bytes: Option<u64>,
    /// Who sent it (the actor's name).
    pub identity: String,
    /// `ok`, or the error code.
    pub result: String,
    /// The logs that showed it: `cloudtrail` (`actiontrail`), `access_log`, or both.
    pub logs: Vec<&'static str>,
    /// Its event ID (an OSS request's request ID).
    pub event_id: Option<String>,
    /// Its request ID (what an S3 access-log line has instead of an event ID).
    pub request_id: Option<String>,
}

/// The verdict on one failed request of the upload.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictOut {
    /// The failed request's event ID.
    pub event_id: Option<String>,
    /// Its request ID.
    pub request_id: Option<String>,
    /// Its time.
    pub time: Time,
    /// Its error code.
    pub error_code: String,
    /// The cause (NoSuchUpload) or the diagnosis (any other error).
    pub verdict: String,
    /// How sure.
    pub confidence: String,
    /// The incident of a NoSuchUpload failure.
    pub incident: Option<String>,
    /// Why, in words.
    pub explanation: String,
}

/// Why no timeline report is made.
#[derive(Debug)]
pub struct TooMany(pub usize);

/// Builds the timelines of the uploads in `focus` (all of them up to [`UNFOCUSED_LIMIT`] when
/// the focus is empty). `report` holds the verdicts.
pub fn build(
    ingested: &Ingested,
    timelines: &Timelines,
    report: &Report,
    focus: &Focus,
) -> Result<TimelineReport, TooMany> {
    let t = collect(
        ingested,
        timelines,
        report,
        &|provider, bucket, key, id, caller| focus.upload(provider, bucket, key, id, caller),
    );
    if focus.is_empty() && t.timelines.len() > UNFOCUSED_LIMIT {
        return Err(TooMany(t.timelines.len()));
    }
    Ok(t)
}

/// The timelines of the uploads the report's failures name (for the HTML report).
pub fn of_failures(ingested: &Ingested, timelines: &Timelines, report: &Report) -> TimelineReport {
    let named: std::collections::HashSet<(&str, &str)> = report
        .failures
        .iter()
        .filter_map(|f| Some((f.bucket.as_str(), f.upload_id.as_deref()?)))
        .collect();
    collect(ingested, timelines, report, &|_, bucket, _, id, _| {
        named.contains(&(bucket, id))
    })
}

/// Which uploads to tell: by provider, bucket, key, upload ID and the caller of the first request.
type Select<'s> = dyn Fn(Provider, &str, Option<&str>, &str, Option<&str>) -> bool + 's;

fn collect(
    ingested: &Ingested,
    timelines: &Timelines,
    report: &Report,
    select: &Select<'_>,
) -> TimelineReport {
    let strings = &ingested.strings;
    let mut parts: HashMap<(crate::strings::Sym, crate::strings::Sym), Vec<&Event>> =
        HashMap::new();
    for e in &ingested.part_events {
        if let Some(id) = e.upload_id {
            parts.entry((e.bucket, id)).or_default().push(e);
        }
    }
    // The verdicts of the failed requests, by bucket and upload ID.
    let nosuchupload = report.failures.iter().filter_map(|f| {
        let verdict = VerdictOut {
            event_id: f.event_id.clone(),
            request_id: f.request_id.clone(),
            time: f.event_time,
            error_code: crate::model::NO_SUCH_UPLOAD.to_owned(),
            verdict: f.cause.name().to_owned(),
            confidence: f.confidence.name().to_owned(),
            incident: Some(f.incident.clone()),
            explanation: f.explanation.clone(),
        };
        Some(((f.bucket.as_str(), f.upload_id.as_deref()?), verdict))
    });
    let others = report.other_failures.iter().filter_map(|f| {
        let verdict = VerdictOut {
            event_id: f.event_id.clone(),
            request_id: f.request_id.clone(),
            time: f.event_time,
            error_code: f.error_code.clone(),
            verdict: f.diagnosis.name().to_owned(),
            confidence: f.confidence.name().to_owned(),
            incident: None,
            explanation: f.explanation.clone(),
        };
        Some(((f.bucket.as_str(), f.upload_id.as_deref()?), verdict))
    });
    let mut verdicts: HashMap<(&str, &str), Vec<VerdictOut>> = HashMap::new();
    for (upload, verdict) in nosuchupload.chain(others) {
        verdicts.entry(upload).or_default().push(verdict);
    }
    let mut out = Vec::new();
    for u in &timelines.uploads {
        let provider = strings.provider(u.bucket);
        let (bucket, upload_id) = (&strings[u.bucket], &strings[u.upload_id]);
        let key = strings.owned(u.key);
        let mut steps: Vec<&Event> = u.events.iter().map(|&i| &ingested.events[i]).collect();
        // A creation an access log shows names no upload ID: it was paired by key and time.
        if let Some(c) = u.creation.as_ref().filter(|c| c.inferred) {
            steps.push(&ingested.events[c.event]);
        }
        steps.extend(parts.get(&(u.bucket, u.upload_id)).into_iter().flatten());
        steps.sort_by_key(|e| (e.time, e.op, e.part_number));
        let first = steps.iter().map(|e| e.actor).next();
        let item_actor = first.map(|a| strings.actor(a).display_name());
        if !select(
            provider,
            bucket,
            key.as_deref(),
            upload_id,
            item_actor.as_deref(),
        ) {
            continue;
        }
        let mut verdicts = verdicts.remove(&(bucket, upload_id)).unwrap_or_default();
        verdicts.sort_by_key(|v| v.time);
        out.push(TimelineOut {
            bucket: bucket.to_owned(),
            key,
            upload_id: upload_id.to_owned(),
            provider,
            events: steps.iter().map(|e| step(ingested, e)).collect(),
            verdicts,
        });
    }
    out.sort_by(|a, b| {
        let first = |t: &TimelineOut| t.events.first().map(|e| e.time);
        (a.provider, &a.bucket, &a.key, first(a), &a.upload_id).cmp(&(
            b.provider,
            &b.bucket,
            &b.key,
            first(b),
            &b.upload_id,
        ))
    });
    TimelineReport {
        schema_version: super::SCHEMA_VERSION,
        inputs: ingested.inputs.clone(),
        timelines: out,
    }
}

fn step(ingested: &Ingested, e: &Event) -> StepOut {
    let strings = &ingested.strings;
    let mut logs = vec![e.evidence.name(e.provider)];
    logs.extend(e.also_in.map(|l| l.name(e.provider)));
    logs.sort_unstable();
    StepOut {
        time: e.time,
        operation: e.op.name(),
        part_number: e.part_number,
        bytes: e.bytes,
        identity: strings.actor(e.actor).display_name(),
        result: match e.error {
            None => "ok".to_owned(),
            Some(crate::model::ErrorCode::NoSuchUpload) => crate::model::NO_SUCH_UPLOAD.to_owned(),
            Some(crate::model::ErrorCode::Other(code)) => strings[code].to_owned(),
        },
        logs,
        event_id: e.event_id.map(|id| strings.id(id).to_string()),
        request_id: e.request_id.map(|id| strings.id(id).to_string()),
    }
}

impl TimelineOut {
    /// The verdict on `step`, when it failed.
    pub fn verdict_of(&self, step: &StepOut) -> Option<&VerdictOut> {
        self.verdicts
            .iter()
            .find(|v| step.is(&v.event_id, &v.request_id))
    }
}

impl StepOut {
    /// The request as a person names it: `UploadPart #4`.
    pub fn request(&self) -> String {
        match self.part_number {
            Some(n) => format!("{} #{n}", self.operation),
            None => self.operation.to_owned(),
        }
    }

    /// The bytes a part sent, when the logs say.
    pub fn part_bytes(&self) -> Option<u64> {
        self.part_number.and(self.bytes).filter(|b| *b > 0)
    }

    /// Whether this is the request of these IDs (its event ID, else its request ID).
    pub fn is(&self, event_id: &Option<String>, request_id: &Option<String>) -> bool {
        match (&self.event_id, event_id) {
            (Some(a), Some(b)) => a == b,
            _ => request_id.is_some() && &self.request_id == request_id,
        }
    }
}

impl TimelineReport {
    /// Writes the timelines in `format` (text for `table`); `terminal` says whether the output is
    /// a terminal, which sets the width of the text and how JSON is escaped.
    pub fn write(&self, format: Format, terminal: bool, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Json => super::json::write(self, terminal, out),
            Format::Html => super::html::write_timelines(self, out),
            _ => super::table::timeline::write(self, super::table::width(terminal), out),
        }
    }
}
