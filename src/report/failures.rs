//! The NoSuchUpload failures of the report: each failure with its cause and culprit (an abort
//! with its kind, sweep or trigger; a completion; a rule; the owner of an upload ID; a winning
//! completion), and the incidents they are grouped into.

use serde::Serialize;

use super::{ActorOut, Analysed};
use crate::attribute::{Abort, AbortKind, Cause, Confidence, Culprit, Finding};
use crate::incidents::Incident;
use crate::lifecycle::RuleSource;
use crate::model::{Event, Evidence as LogKind, Provider, Time};

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
        /// OSS: its `CreatedBeforeDate`, when that is what made the upload eligible.
        #[serde(skip_serializing_if = "Option::is_none")]
        created_before_date: Option<Time>,
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
    /// The cloud of its failures: `aws` or `alibaba`.
    pub provider: Provider,
    /// Its first failure.
    pub first_failure: Time,
    /// Its last failure.
    pub last_failure: Time,
    /// One sentence that tells it.
    pub summary: String,
}

impl IncidentOut {
    pub(super) fn new(index: usize, i: &Incident) -> IncidentOut {
        IncidentOut {
            id: Incident::id(index),
            cause: i.cause,
            abort_kind: i.abort_kind,
            culprit: i.culprit.clone(),
            failures: i.findings.len(),
            uploads: i.uploads,
            buckets: i.buckets.clone(),
            provider: i.provider,
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
    /// The cloud of the request: `aws` or `alibaba`.
    pub provider: Provider,
    /// `unknown_upload` and `unexplained`: what the logs could not see, sorted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_evidence: Option<Vec<&'static str>>,
}

/// The failure of finding `f`, in incident `incident`.
pub(super) fn failure(a: &Analysed<'_>, f: &Finding, incident: String) -> FailureOut {
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
                created_before_date: eligibility.as_ref().and_then(|e| e.created_before),
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
        provider: e.provider,
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
    let mut names: Vec<&'static str> = logs
        .into_iter()
        .map(|kind| kind.name(events[f.failure].provider))
        .collect();
    if configuration {
        names.push("lifecycle_configuration");
    }
    names
}
