//! Stage 6: the answer, as one serialisable model, and the renderers that print it.
//!
//! [`Report`] is built once from the findings; `json`, `table` and `csv` only render it. The JSON
//! form is the answer contract of DESIGN.md: fields are only ever added, never changed. Every
//! string from a log is attacker-controlled: the renderers escape it for where it goes
//! (terminal, CSV), and JSON keeps it raw.

mod csv;
pub mod escape;
mod failures;
mod focus;
pub mod html;
mod json;
mod other;
mod table;
pub mod timeline;

use std::collections::BTreeMap;

use serde::Serialize;

pub use failures::{CulpritOut, FailureOut, IncidentOut, SweepOut, TriggerOut};
pub use focus::Focus;
pub use other::{
    CulpritEventOut, DetailsOut, OtherCulpritOut, OtherFailureOut, PartSize, PartUploads, SourceOut,
};

use crate::attribute::{Cause, Episodes, Finding, Orphan};
use crate::cli::Format;
use crate::correlate::Timelines;
use crate::diagnose::OtherFailure;
use crate::incidents::{Incident, Incidents};
use crate::ingest::{Ingested, InputSummary};
use crate::lifecycle::Eligibility;
use crate::model::{BucketName, Event, Provider, Time};
use crate::sources::s3;
use crate::strings::{ActorId, Strings, Sym};
use crate::words;

/// The version of the JSON answer contract.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was read.
    pub inputs: InputSummary,
    /// Counts by cause.
    pub summary: Summary,
    /// The failures grouped into incidents, largest first.
    pub incidents: Vec<IncidentOut>,
    /// One entry per NoSuchUpload failure, in time order.
    pub failures: Vec<FailureOut>,
    /// One entry per failed multipart request that is not a NoSuchUpload, in time order.
    pub other_failures: Vec<OtherFailureOut>,
    /// Uploads left open at the end of the logs, oldest first.
    pub orphans: Vec<OrphanOut>,
    /// Buckets that S3 records in the window name only in management events: their multipart
    /// uploads cannot be followed.
    pub buckets_without_data_events: Vec<String>,
    /// Facts about the evidence that a reader should know.
    pub notes: Vec<Note>,
}

/// Counts of the answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// NoSuchUpload failures found.
    pub failures: u64,
    /// Failures per cause (every cause is always present).
    pub by_cause: ByCause,
    /// Incomplete uploads.
    pub orphans: u64,
    /// Parts of the incomplete uploads.
    pub orphan_parts: u64,
    /// Bytes of the incomplete uploads.
    pub orphan_bytes: u64,
    /// Incidents the failures were grouped into.
    pub incidents: u64,
    /// Failed multipart requests that are not NoSuchUpload.
    pub other_failures: u64,
    /// Those by error code, sorted by code.
    pub by_error_code: BTreeMap<String, u64>,
    /// Those by diagnosis (every diagnosis is present, 0 included).
    pub by_diagnosis: BTreeMap<&'static str, u64>,
}

impl Summary {
    /// The counts of what a report holds.
    fn of(
        failures: &[FailureOut],
        incidents: &[IncidentOut],
        other_failures: &[OtherFailureOut],
        orphans: &[OrphanOut],
    ) -> Summary {
        let mut summary = Summary {
            failures: failures.len() as u64,
            incidents: incidents.len() as u64,
            other_failures: other_failures.len() as u64,
            orphans: orphans.len() as u64,
            orphan_parts: orphans.iter().map(|o| o.parts).sum(),
            orphan_bytes: orphans.iter().map(|o| o.bytes).sum(),
            ..Summary::default()
        };
        for f in failures {
            summary.by_cause.add(f.cause);
        }
        (summary.by_diagnosis, summary.by_error_code) = other::counts(other_failures);
        summary
    }
}

/// Failures per cause.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ByCause {
    /// See [`Cause::Aborted`].
    pub aborted: u64,
    /// See [`Cause::Completed`].
    pub completed: u64,
    /// See [`Cause::Lifecycle`].
    pub lifecycle: u64,
    /// See [`Cause::Superseded`].
    pub superseded: u64,
    /// See [`Cause::WrongKey`].
    pub wrong_key: u64,
    /// See [`Cause::UnknownUpload`].
    pub unknown_upload: u64,
    /// See [`Cause::Unexplained`].
    pub unexplained: u64,
}

impl ByCause {
    /// The count of one cause.
    pub fn get(&self, cause: Cause) -> u64 {
        match cause {
            Cause::Aborted => self.aborted,
            Cause::Completed => self.completed,
            Cause::Lifecycle => self.lifecycle,
            Cause::Superseded => self.superseded,
            Cause::WrongKey => self.wrong_key,
            Cause::UnknownUpload => self.unknown_upload,
            Cause::Unexplained => self.unexplained,
        }
    }

    fn add(&mut self, cause: Cause) {
        *match cause {
            Cause::Aborted => &mut self.aborted,
            Cause::Completed => &mut self.completed,
            Cause::Lifecycle => &mut self.lifecycle,
            Cause::Superseded => &mut self.superseded,
            Cause::WrongKey => &mut self.wrong_key,
            Cause::UnknownUpload => &mut self.unknown_upload,
            Cause::Unexplained => &mut self.unexplained,
        } += 1;
    }
}

/// Who made a request.
#[derive(Debug, Clone, Serialize)]
pub struct ActorOut {
    /// `userIdentity.arn` (for an assumed role, the session ARN).
    pub arn: Option<String>,
    /// `userIdentity.type`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `userIdentity.accountId`.
    pub account_id: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// The name a person recognises: the ARN, the AWS service, or "anonymous".
    pub name: String,
    /// The role behind an assumed-role session.
    pub role_arn: Option<String>,
    /// The AWS service that made the call on someone's behalf.
    pub invoked_by: Option<String>,
    /// OSS: the access key ID of the request (an `STS.` key is a temporary session).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

impl ActorOut {
    /// An actor known only by its name.
    fn named(name: &str) -> ActorOut {
        ActorOut {
            arn: None,
            kind: None,
            account_id: None,
            source_ip: None,
            user_agent: None,
            name: name.to_owned(),
            role_arn: None,
            invoked_by: None,
            access_key_id: None,
        }
    }

    /// Who made `e`.
    fn new(strings: &Strings, e: &Event) -> ActorOut {
        ActorOut::of(strings, e.actor, e.source_ip, e.user_agent)
    }

    /// The actor `id`, from `source_ip` with `user_agent`.
    fn of(
        strings: &Strings,
        id: ActorId,
        source_ip: Option<Sym>,
        user_agent: Option<Sym>,
    ) -> ActorOut {
        let actor = strings.actor(id);
        ActorOut {
            arn: actor.arn.clone(),
            kind: actor.kind.as_str().map(str::to_owned),
            account_id: actor.account_id.clone(),
            source_ip: strings.owned(source_ip),
            user_agent: strings.owned(user_agent),
            name: actor.display_name(),
            role_arn: actor.issuer_arn.clone(),
            invoked_by: actor.invoked_by.clone(),
            access_key_id: actor.access_key_id.clone(),
        }
    }
}

/// The lifecycle rule that will remove (or made eligible) an incomplete upload.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOut {
    /// The rule's `ID`.
    pub rule_id: Option<String>,
    /// Its `DaysAfterInitiation`.
    pub days_after_initiation: Option<u32>,
    /// OSS: its `CreatedBeforeDate`, when that is what makes the upload eligible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before_date: Option<Time>,
    /// When the upload is (or was) eligible for abort.
    pub eligible_at: Time,
    /// Where the rule was learned.
    pub rule_source: String,
}

impl RuleOut {
    fn new(e: &Eligibility) -> RuleOut {
        RuleOut {
            rule_id: e.rule_id.clone(),
            days_after_initiation: e.days,
            created_before_date: e.created_before,
            eligible_at: e.at,
            rule_source: e.source.to_string(),
        }
    }
}

/// An incomplete upload.
#[derive(Debug, Clone, Serialize)]
pub struct OrphanOut {
    /// Its bucket.
    pub bucket: String,
    /// Its key.
    pub key: Option<String>,
    /// Its upload ID.
    pub upload_id: String,
    /// When it began (see `initiated_known`).
    pub initiated: Time,
    /// Parts uploaded (distinct part numbers).
    pub parts: u64,
    /// Bytes of those parts.
    pub bytes: u64,
    /// The lifecycle rule that will remove it, or `null` if none is known: S3 keeps it forever.
    pub lifecycle_rule: Option<RuleOut>,
    /// `false` when the creation is not in the logs and `initiated` is the first event seen.
    pub initiated_known: bool,
    /// Who created it, when the creation is in the logs.
    pub initiated_by: Option<ActorOut>,
    /// Its last successful request.
    pub last_activity: Time,
    /// Its age at the end of the logs, in seconds.
    pub age_seconds: i64,
    /// The cloud of its bucket: `aws` or `alibaba`.
    pub provider: Provider,
}

/// A fact about the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// `no_data_events`, `no_data_events_at_all`, `window_excludes_all`, `lifecycle_fetched`,
    /// `unpaired_creations` or `new_only`.
    pub kind: &'static str,
    /// The bucket it is about, if any.
    pub bucket: Option<String>,
    /// What it means, in words.
    pub message: String,
}

/// When the records read run: `from 2026-11-01 00:10:00 to 2026-11-12 19:28:00 UTC`.
fn logs_span(inputs: &InputSummary) -> Option<String> {
    let (first, last) = (inputs.first_event?, inputs.last_event?);
    Some(format!(
        "from {} to {}",
        first.format("%Y-%m-%d %H:%M:%S"),
        crate::attribute::text::when(last)
    ))
}

/// What the evidence lacks: no data events at all, or none in the window, and the buckets without
/// data events (`quiet`).
fn evidence_notes(ingested: &Ingested, quiet: &[BucketName]) -> Vec<Note> {
    let mut notes = Vec::new();
    let inputs = &ingested.inputs;
    // Multipart records left out by --since/--until: the logs do hold data events.
    let windowed = inputs.outside_window > 0;
    if !ingested.buckets.iter().any(|(_, s)| s.has_data()) && inputs.records > 0 {
        notes.push(match windowed {
            true => Note {
                kind: "window_excludes_all",
                bucket: None,
                message: format!(
                    "No data event falls in the window (--since, --until): the {} read are outside it.{}",
                    words::count(inputs.outside_window, "multipart record", "multipart records"),
                    logs_span(inputs)
                        .map(|span| format!(" The logs run {span}."))
                        .unwrap_or_default()
                ),
            },
            false => Note {
                kind: "no_data_events_at_all",
                bucket: None,
                message: "The logs hold no data events at all, so no multipart upload can be followed. Enable S3 data events on the CloudTrail trail or read S3 server access logs; for OSS, enable OSS data events on an ActionTrail trail delivered to Log Service, or read the bucket's access logs (bucket logging).".to_owned(),
            },
        });
    }
    for bucket in quiet {
        let why = match (bucket.provider, windowed) {
            (Provider::Aws, false) => "the trail does not log its data events",
            (Provider::Aws, true) => {
                "the trail does not log its data events, or they fall outside the window"
            }
            (Provider::Alibaba, false) => {
                "enable bucket logging, or OSS data events on an ActionTrail trail delivered to Log Service"
            }
            (Provider::Alibaba, true) => {
                "they fall outside the window, or are not logged: enable bucket logging, or OSS data events on an ActionTrail trail delivered to Log Service"
            }
        };
        let message = format!(
            "No {} data events for bucket {:?} in the window: its multipart uploads cannot be followed ({why}).",
            bucket.provider.words().store,
            bucket.name
        );
        notes.push(Note {
            kind: "no_data_events",
            bucket: Some(bucket.to_string()),
            message,
        });
    }
    notes
}

/// What `--fetch-lifecycle` found for a bucket, as a note: the configuration, its absence, or why
/// it could not be read.
pub fn fetched_lifecycle_note(bucket: &str, fetched: &s3::Configuration) -> Note {
    let message = match fetched {
        s3::Configuration::Rules(rules) => {
            let aborting = rules
                .iter()
                .filter(|r| r.enabled && r.abort_days.is_some())
                .count();
            format!(
                "Read the lifecycle configuration of bucket {bucket:?} from S3: {} rule(s), {aborting} of them enabled with AbortIncompleteMultipartUpload. The logs hold no history of it, so it is taken as in force throughout.",
                rules.len()
            )
        }
        s3::Configuration::None => format!(
            "Bucket {bucket:?} has no lifecycle configuration in S3 today (NoSuchLifecycleConfiguration); the logs hold no history of it, so it is taken as having no rules throughout."
        ),
        s3::Configuration::Failed(why) => {
            format!("Could not read the lifecycle configuration of bucket {bucket:?}: {why}")
        }
    };
    Note {
        kind: "lifecycle_fetched",
        bucket: Some(bucket.to_owned()),
        message,
    }
}

/// Buckets named by `--lifecycle` (so of interest even when no record names them).
pub type LifecycleBuckets<'a> = &'a [BucketName];

/// What the stages produced, as the report reads it.
pub struct Analysed<'a> {
    /// What was read.
    pub ingested: &'a Ingested,
    /// One timeline per upload.
    pub timelines: &'a Timelines,
    /// The abort episodes.
    pub episodes: &'a Episodes,
    /// The cause of each NoSuchUpload.
    pub findings: &'a [Finding],
    /// The findings grouped into incidents.
    pub incidents: &'a Incidents,
    /// The diagnosis of every other failed request.
    pub other_failures: &'a [OtherFailure],
    /// Uploads left open.
    pub orphans: &'a [Orphan],
}

impl Report {
    /// Builds the report from everything the stages produced.
    pub fn new(
        a: &Analysed<'_>,
        lifecycle_buckets: LifecycleBuckets<'_>,
        extra_notes: Vec<Note>,
    ) -> Report {
        let (ingested, timelines) = (a.ingested, a.timelines);
        let (events, strings) = (&ingested.events, &ingested.strings);
        let failures: Vec<FailureOut> = a
            .findings
            .iter()
            .enumerate()
            .map(|(n, f)| {
                let incident = a.incidents.of_finding.get(n).copied().unwrap_or_default();
                failures::failure(a, f, Incident::id(incident))
            })
            .collect();
        let incidents: Vec<IncidentOut> = a
            .incidents
            .list
            .iter()
            .enumerate()
            .map(|(index, i)| IncidentOut::new(index, i))
            .collect();
        let other_failures: Vec<OtherFailureOut> = a
            .other_failures
            .iter()
            .map(|o| other::other_failure(a, o))
            .collect();
        let orphans = a.orphans;
        let orphans: Vec<OrphanOut> = orphans
            .iter()
            .map(|o| {
                let u = &timelines.uploads[o.upload];
                OrphanOut {
                    bucket: strings[u.bucket].to_owned(),
                    key: strings.owned(u.key),
                    upload_id: strings[u.upload_id].to_owned(),
                    initiated: o.initiated,
                    parts: o.parts,
                    bytes: o.bytes,
                    lifecycle_rule: o.lifecycle.as_ref().map(RuleOut::new),
                    initiated_known: o.initiated_known,
                    initiated_by: o.creation.map(|c| ActorOut::new(strings, &events[c])),
                    last_activity: o.last_activity,
                    age_seconds: o.age.num_seconds(),
                    provider: strings.provider(u.bucket),
                }
            })
            .collect();

        let mut quiet: Vec<BucketName> = ingested
            .buckets
            .iter()
            .filter(|(_, seen)| !seen.has_data())
            .map(|(b, _)| b)
            .chain(
                lifecycle_buckets
                    .iter()
                    .filter(|b| !ingested.buckets.get(b).has_data())
                    .cloned(),
            )
            .collect();
        quiet.sort();
        quiet.dedup();
        let mut notes = evidence_notes(ingested, &quiet);
        notes.extend(extra_notes);
        if !timelines.unpaired_creations.is_empty() {
            let n = timelines.unpaired_creations.len();
            notes.push(Note {
                kind: "unpaired_creations",
                bucket: None,
                message: format!("{n} CreateMultipartUpload record(s) carry no upload ID and no later request could be paired with them: they may be incomplete uploads without parts."),
            });
        }
        Report {
            schema_version: SCHEMA_VERSION,
            inputs: ingested.inputs.clone(),
            summary: Summary::of(&failures, &incidents, &other_failures, &orphans),
            incidents,
            failures,
            other_failures,
            orphans,
            buckets_without_data_events: quiet.iter().map(BucketName::to_string).collect(),
            notes,
        }
    }

    /// What the report found, as every view opens with it: `39 NoSuchUpload failures in 29
    /// incidents, 23 other failures, 5 incomplete uploads`.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        let incidents = match s.incidents {
            0 => String::new(),
            n => format!(" in {}", words::count(n, "incident", "incidents")),
        };
        format!(
            "{} NoSuchUpload {}{incidents}, {}, {}",
            words::thousands(s.failures),
            words::plural(s.failures, "failure", "failures"),
            words::count(s.other_failures, "other failure", "other failures"),
            words::count(s.orphans, "incomplete upload", "incomplete uploads"),
        )
    }

    /// What was read, for the line under the headline: `Read 329 files: 468 records from … to …
    /// UTC, 250 multipart events, 1 duplicate removed.`
    pub fn what_was_read(&self) -> String {
        let i = &self.inputs;
        let failed = match i.files_failed {
            0 => String::new(),
            n => format!(" ({} with problems)", words::thousands(n)),
        };
        let span = logs_span(i).map(|s| format!(" {s}")).unwrap_or_default();
        format!(
            "Read {}{failed}: {}{span}, {}, {} removed.",
            words::count(i.files, "file", "files"),
            words::count(i.records, "record", "records"),
            words::count(i.multipart_events, "multipart event", "multipart events"),
            words::count(i.duplicates, "duplicate", "duplicates"),
        )
    }

    /// Writes the report in `format`. `terminal` says whether the output is a terminal, `color`
    /// whether the table paints causes.
    pub fn write(
        &self,
        format: Format,
        terminal: bool,
        color: bool,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match format {
            Format::Json => json::write(self, terminal, out),
            Format::Ndjson => json::write_lines(self, terminal, out),
            Format::Table => table::write(self, color, table::width(terminal), out),
            Format::Html => html::write(self, None, out),
            Format::Csv => csv::write(self, terminal, out),
        }
    }
}
