//! Stage 6: the answer, as one serialisable model, and the renderers that print it.
//!
//! [`Report`] is built once from the findings; `json`, `table` and `csv` only render it. The JSON
//! form is the answer contract of DESIGN.md: fields are only ever added, never changed. Every
//! string from a log is attacker-controlled: the renderers escape it for where it goes
//! (terminal, CSV), and JSON keeps it raw.

mod csv;
pub mod escape;
mod json;
mod table;

use serde::Serialize;

use crate::attribute::{Abort, AbortKind, Cause, Confidence, Culprit, Episodes, Finding, Orphan};
use crate::cli::Format;
use crate::correlate::Timelines;
use crate::incidents::{Incident, Incidents};
use crate::ingest::{Ingested, InputSummary};
use crate::lifecycle::{Eligibility, RuleSource};
use crate::model::{Event, Evidence as LogKind, Time};
use crate::sources::s3;
use crate::strings::Strings;

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
}

impl ActorOut {
    /// Who made `e`.
    fn new(strings: &Strings, e: &Event) -> ActorOut {
        let actor = strings.actor(e.actor);
        ActorOut {
            arn: actor.arn.clone(),
            kind: actor.kind.as_str().map(str::to_owned),
            account_id: actor.account_id.clone(),
            source_ip: strings.owned(e.source_ip),
            user_agent: strings.owned(e.user_agent),
            name: actor.display_name(),
            role_arn: actor.issuer_arn.clone(),
            invoked_by: actor.invoked_by.clone(),
        }
    }
}

/// Who or what removed the upload; the fields depend on the cause.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CulpritOut {
    /// `aborted`, `completed`: the terminating request; `superseded`: the completion of the
    /// upload that won the race for the key.
    Request {
        /// Who made it.
        actor: ActorOut,
        /// Its `eventID`.
        event_id: Option<String>,
        /// Its time.
        event_time: Time,
        /// `AbortMultipartUpload` or `CompleteMultipartUpload`.
        event_name: &'static str,
        /// Whether the failing request came from the same identity (a retry after success).
        same_actor: bool,
        /// Its request ID (an access log line has no `eventID`).
        request_id: Option<String>,
        /// `superseded`: the winning upload's ID.
        #[serde(skip_serializing_if = "Option::is_none")]
        upload_id: Option<String>,
        /// `aborted`: `self`, `sweep` or `other`.
        #[serde(skip_serializing_if = "Option::is_none")]
        abort_kind: Option<AbortKind>,
        /// `aborted` by a sweep: the sweep.
        #[serde(skip_serializing_if = "Option::is_none")]
        sweep: Option<Box<SweepOut>>,
        /// `aborted` by the failing caller itself: the first of its requests of the upload that
        /// failed with another error at or before the abort (`null` when none is in view).
        #[serde(skip_serializing_if = "Option::is_none")]
        trigger: Option<Option<Box<TriggerOut>>>,
    },
    /// `lifecycle`: the rule.
    Rule {
        /// The bucket.
        bucket: String,
        /// The rule's `ID`.
        rule_id: Option<String>,
        /// Its `DaysAfterInitiation` (unknown when only the CreateMultipartUpload response named it).
        days_after_initiation: Option<u32>,
        /// When the upload became eligible for abort. When an access log shows the abort but no
        /// rule that explains it is known, the time of the abort (it was eligible by then).
        eligible_at: Time,
        /// Where the rule was learned: `cloudtrail:EVENTID`, `file:PATH` or `create_response`;
        /// `unknown` when only the abort is known.
        rule_source: String,
        /// When S3 aborted the upload, if an access log shows it (`S3.DELETE.UPLOAD`).
        aborted_at: Option<Time>,
        /// How that line was tied to the upload: `upload_id`, or `bucket_key_time` when the
        /// line names no upload ID.
        abort_matched_by: Option<&'static str>,
        /// The request ID of that line.
        abort_request_id: Option<String>,
    },
    /// `wrong_key`: where the upload ID really belongs.
    Owner {
        /// Its bucket.
        bucket: String,
        /// Its key.
        key: Option<String>,
        /// The event that shows it.
        event_id: Option<String>,
        /// Its request ID.
        request_id: Option<String>,
    },
    /// `unknown_upload`, `unexplained`: `{}`.
    Nobody {},
}

/// An abort episode that removed 3 uploads or more.
#[derive(Debug, Clone, Serialize)]
pub struct SweepOut {
    /// Distinct uploads it aborted.
    pub uploads_aborted: usize,
    /// Distinct keys among them.
    pub keys: usize,
    /// Their buckets, sorted.
    pub buckets: Vec<String>,
    /// Its first abort.
    pub first_abort: Time,
    /// Its last abort.
    pub last_abort: Time,
    /// The listing of the bucket's uploads that preceded it (its `eventID`, or the request ID of
    /// an access-log line), if one is in view.
    pub listing_event_id: Option<String>,
}

/// The failed request that made a client abort its own upload.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerOut {
    /// Its `eventID`.
    pub event_id: Option<String>,
    /// Its time.
    pub event_time: Time,
    /// Its operation.
    pub event_name: &'static str,
    /// Its error code.
    pub error_code: String,
    /// Its part number, for a part.
    pub part_number: Option<u32>,
}

/// A group of failures with one origin.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentOut {
    /// `I1`, `I2`, … largest first.
    pub id: String,
    /// The cause its failures share.
    pub cause: Cause,
    /// For `aborted`: `self`, `sweep` or `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_kind: Option<AbortKind>,
    /// Who or what caused it: an identity, `rule "ID" of bucket B`, or null.
    pub culprit: Option<String>,
    /// Its failures.
    pub failures: usize,
    /// Distinct uploads among them.
    pub uploads: usize,
    /// Their buckets, sorted.
    pub buckets: Vec<String>,
    /// Its first failure.
    pub first_failure: Time,
    /// Its last failure.
    pub last_failure: Time,
    /// One sentence that tells it.
    pub summary: String,
}

impl IncidentOut {
    fn new(index: usize, i: &Incident) -> IncidentOut {
        IncidentOut {
            id: Incident::id(index),
            cause: i.cause,
            abort_kind: i.abort_kind,
            culprit: i.culprit.clone(),
            failures: i.findings.len(),
            uploads: i.uploads,
            buckets: i.buckets.clone(),
            first_failure: i.first_failure,
            last_failure: i.last_failure,
            summary: i.summary.clone(),
        }
    }
}

/// One NoSuchUpload failure and its cause.
#[derive(Debug, Clone, Serialize)]
pub struct FailureOut {
    /// `eventID` of the failing request.
    pub event_id: Option<String>,
    /// Its time.
    pub event_time: Time,
    /// Its operation.
    pub event_name: &'static str,
    /// Its bucket.
    pub bucket: String,
    /// Its key.
    pub key: Option<String>,
    /// The upload ID it named.
    pub upload_id: Option<String>,
    /// Who sent it.
    pub actor: ActorOut,
    /// Why it failed.
    pub cause: Cause,
    /// Who or what removed the upload.
    pub culprit: CulpritOut,
    /// How sure the cause is.
    pub confidence: Confidence,
    /// One sentence saying what happened.
    pub explanation: String,
    /// What to do about it.
    pub advice: String,
    /// `partNumber`, for part uploads.
    pub part_number: Option<u32>,
    /// `requestID`.
    pub request_id: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// The file the record was read from.
    pub origin: String,
    /// The kinds of evidence the finding rests on, in this order: `cloudtrail`, `access_log`,
    /// `lifecycle_configuration`.
    pub evidence: Vec<&'static str>,
    /// The id of its incident.
    pub incident: String,
    /// `unknown_upload` and `unexplained`: what the logs could not see, sorted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_evidence: Option<Vec<&'static str>>,
}

/// The lifecycle rule that will remove (or made eligible) an incomplete upload.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOut {
    /// The rule's `ID`.
    pub rule_id: Option<String>,
    /// Its `DaysAfterInitiation`.
    pub days_after_initiation: Option<u32>,
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
}

/// A fact about the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// `no_data_events`, `no_data_events_at_all`, `lifecycle_fetched` or `unpaired_creations`.
    pub kind: &'static str,
    /// The bucket it is about, if any.
    pub bucket: Option<String>,
    /// What it means, in words.
    pub message: String,
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
pub type LifecycleBuckets<'a> = &'a [String];

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
        let mut summary = Summary::default();
        let failures: Vec<FailureOut> = a
            .findings
            .iter()
            .enumerate()
            .map(|(n, f)| {
                summary.failures += 1;
                summary.by_cause.add(f.cause);
                let incident = a.incidents.of_finding.get(n).copied().unwrap_or_default();
                failure(a, f, Incident::id(incident))
            })
            .collect();
        let incidents: Vec<IncidentOut> = a
            .incidents
            .list
            .iter()
            .enumerate()
            .map(|(index, i)| IncidentOut::new(index, i))
            .collect();
        summary.incidents = incidents.len() as u64;
        let orphans = a.orphans;
        let orphans: Vec<OrphanOut> = orphans
            .iter()
            .map(|o| {
                let u = &timelines.uploads[o.upload];
                summary.orphans += 1;
                summary.orphan_parts += o.parts;
                summary.orphan_bytes += o.bytes;
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
                }
            })
            .collect();

        let mut quiet: Vec<String> = ingested
            .buckets
            .iter()
            .filter(|(_, seen)| !seen.has_data())
            .map(|(b, _)| b.clone())
            .chain(
                lifecycle_buckets
                    .iter()
                    .filter(|b| !ingested.buckets.get(*b).is_some_and(|s| s.has_data()))
                    .cloned(),
            )
            .collect();
        quiet.sort();
        quiet.dedup();
        let mut notes = Vec::new();
        if !ingested.buckets.values().any(|s| s.has_data()) && ingested.inputs.records > 0 {
            notes.push(Note {
                kind: "no_data_events_at_all",
                bucket: None,
                message: "The logs hold no S3 data events at all: the trail does not log data events, so no multipart upload can be followed. Enable S3 data events on the trail, or read S3 server access logs.".to_owned(),
            });
        }
        for bucket in &quiet {
            notes.push(Note {
                kind: "no_data_events",
                bucket: Some(bucket.clone()),
                message: format!("No S3 data events for bucket {bucket:?} in the window: its multipart uploads cannot be followed (the trail does not log its data events)."),
            });
        }
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
            summary,
            incidents,
            failures,
            orphans,
            buckets_without_data_events: quiet,
            notes,
        }
    }

    /// Writes the report in `format`. `terminal` says whether the output is a terminal.
    pub fn write(
        &self,
        format: Format,
        terminal: bool,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match format {
            Format::Json => json::write(self, terminal, out),
            Format::Ndjson => json::write_lines(self, terminal, out),
            Format::Table => table::write(self, out),
            Format::Csv => csv::write(self, terminal, out),
        }
    }
}

fn failure(a: &Analysed<'_>, f: &Finding, incident: String) -> FailureOut {
    let ingested = a.ingested;
    let (events, strings) = (&ingested.events, &ingested.strings);
    let id = |id: Option<crate::strings::Id>| id.map(|id| strings.id(id).to_string());
    let e = &events[f.failure];
    let request = |event: usize, same_actor: bool| {
        let t = &events[event];
        CulpritOut::Request {
            actor: ActorOut::new(strings, t),
            event_id: id(t.event_id),
            event_time: t.time,
            event_name: t.op.name(),
            same_actor,
            request_id: id(t.request_id),
            upload_id: None,
            abort_kind: None,
            sweep: None,
            trigger: None,
        }
    };
    let culprit = match &f.culprit {
        Culprit::Request {
            event,
            same_actor,
            abort,
        } => {
            let mut out = request(*event, *same_actor);
            if let (
                CulpritOut::Request {
                    abort_kind,
                    sweep,
                    trigger,
                    ..
                },
                Some(abort),
            ) = (&mut out, abort)
            {
                *abort_kind = Some(abort.kind());
                match *abort {
                    Abort::Own { trigger: t } => {
                        *trigger = Some(t.map(|t| {
                            let t = &events[t];
                            Box::new(TriggerOut {
                                event_id: id(t.event_id).or(id(t.request_id)),
                                event_time: t.time,
                                event_name: t.op.name(),
                                error_code: t.error_code(strings).unwrap_or_default().to_owned(),
                                part_number: t.part_number,
                            })
                        }));
                    }
                    Abort::ByOther {
                        episode: Some(episode),
                        sweep: true,
                    } => {
                        let episode = &a.episodes.list[episode];
                        *sweep = Some(Box::new(SweepOut {
                            uploads_aborted: episode.uploads,
                            keys: episode.keys,
                            buckets: episode
                                .buckets
                                .iter()
                                .map(|&b| strings[b].to_owned())
                                .collect(),
                            first_abort: episode.first(events),
                            last_abort: episode.last(events),
                            listing_event_id: episode
                                .listing
                                .and_then(|l| id(events[l].event_id).or(id(events[l].request_id))),
                        }));
                    }
                    Abort::ByOther { .. } => {}
                }
            }
            out
        }
        Culprit::Winner { event, same_actor } => {
            let mut out = request(*event, *same_actor);
            if let CulpritOut::Request { upload_id, .. } = &mut out {
                *upload_id = strings.owned(events[*event].upload_id);
            }
            out
        }
        Culprit::Rule {
            bucket,
            eligibility,
            abort,
        } => {
            let line = abort.map(|a| &events[a.event]);
            CulpritOut::Rule {
                bucket: bucket.clone(),
                rule_id: eligibility.as_ref().and_then(|e| e.rule_id.clone()),
                days_after_initiation: eligibility.as_ref().and_then(|e| e.days),
                eligible_at: eligibility
                    .as_ref()
                    .map(|e| e.at)
                    .or(line.map(|l| l.time))
                    .unwrap_or(e.time),
                rule_source: eligibility
                    .as_ref()
                    .map_or_else(|| "unknown".to_owned(), |e| e.source.to_string()),
                aborted_at: line.map(|l| l.time),
                abort_matched_by: abort.map(|a| a.matched_by.name()),
                abort_request_id: line.and_then(|l| id(l.request_id)),
            }
        }
        Culprit::Owner(o) => CulpritOut::Owner {
            bucket: strings[o.bucket].to_owned(),
            key: strings.owned(o.key),
            event_id: id(o.event_id),
            request_id: id(o.request_id),
        },
        Culprit::Nobody => CulpritOut::Nobody {},
    };
    FailureOut {
        event_id: id(e.event_id),
        event_time: e.time,
        event_name: e.op.name(),
        bucket: strings[e.bucket].to_owned(),
        key: strings.owned(e.key),
        upload_id: strings.owned(e.upload_id),
        actor: ActorOut::new(strings, e),
        cause: f.cause,
        culprit,
        confidence: f.confidence,
        explanation: f.explanation.clone(),
        advice: f.advice.clone(),
        part_number: e.part_number,
        request_id: id(e.request_id),
        region: strings.owned(e.region),
        account: strings.owned(e.account),
        origin: ingested
            .origins
            .get(e.origin as usize)
            .cloned()
            .unwrap_or_default(),
        evidence: evidence(events, f),
        incident,
        missing_evidence: matches!(f.cause, Cause::UnknownUpload | Cause::Unexplained)
            .then(|| f.missing.iter().map(|m| m.name()).collect()),
    }
}

/// The kinds of evidence a finding rests on: the logs of the failing request and of the event
/// that explains it, and the lifecycle configuration when a rule is named.
fn evidence(events: &[Event], f: &Finding) -> Vec<&'static str> {
    let mut logs = vec![events[f.failure].evidence];
    logs.extend(events[f.failure].also_in);
    let mut configuration = false;
    let mut explained_by = |e: &Event| {
        logs.push(e.evidence);
        logs.extend(e.also_in);
    };
    match &f.culprit {
        Culprit::Request { event, .. } | Culprit::Winner { event, .. } => {
            explained_by(&events[*event])
        }
        Culprit::Rule {
            eligibility, abort, ..
        } => {
            if let Some(a) = abort {
                explained_by(&events[a.event]);
            }
            match eligibility.as_ref().map(|e| &e.source) {
                // The headers of a CreateMultipartUpload response, as CloudTrail logged them.
                Some(RuleSource::CreateResponse) => logs.push(LogKind::Cloudtrail),
                Some(_) => configuration = true,
                None => {}
            }
        }
        Culprit::Owner(o) => logs.push(o.evidence),
        Culprit::Nobody => {}
    }
    logs.sort_unstable();
    logs.dedup();
    let mut names: Vec<&'static str> = logs.into_iter().map(LogKind::name).collect();
    if configuration {
        names.push("lifecycle_configuration");
    }
    names
}
