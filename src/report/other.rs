//! The other failures of the report: every failed multipart request that is not a NoSuchUpload,
//! with its diagnosis, culprit, details and whether it recovered (`contract/other-failures.md`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ActorOut, Analysed};
use crate::attribute::Confidence;
use crate::diagnose::{Cause, Details, Diagnosis, OtherFailure};
use crate::model::{Provider, Time};
use crate::strings::{ActorId, Id};

/// The event that caused an other failure.
#[derive(Debug, Clone, Serialize)]
pub struct CulpritEventOut {
    /// Who made it.
    pub actor: ActorOut,
    /// Its `eventID`.
    pub event_id: Option<String>,
    /// Its time.
    pub event_time: Time,
    /// Its `eventName`.
    pub event_name: &'static str,
    /// Its request ID.
    pub request_id: Option<String>,
    /// For a part upload: its part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<u32>,
    /// For a completion of another upload: that upload's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
}

/// What caused an other failure: `{}` or the event.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum OtherCulpritOut {
    /// The event that caused it.
    Event(Box<CulpritEventOut>),
    /// Nothing in view.
    Nobody {},
}

/// One part and its size.
#[derive(Debug, Clone, Serialize)]
pub struct PartSize {
    /// Its part number.
    pub part_number: u32,
    /// Its size.
    pub bytes: u64,
}

/// One part and how many times it was uploaded.
#[derive(Debug, Clone, Serialize)]
pub struct PartUploads {
    /// Its part number.
    pub part_number: u32,
    /// Its successful uploads.
    pub uploads: usize,
}

/// The source of a part copy.
#[derive(Debug, Clone, Serialize)]
pub struct SourceOut {
    /// Its bucket (or access-point ARN).
    pub bucket: String,
    /// Its key.
    pub key: String,
}

/// What a diagnosis says besides its name; the members depend on it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DetailsOut {
    /// `part_too_small`.
    SmallParts {
        /// Every part except the highest-numbered whose size is known and below the minimum.
        small_parts: Vec<PartSize>,
        /// The minimum.
        minimum: u64,
    },
    /// `part_too_large`.
    Bytes {
        /// The failing part's size, when logged.
        bytes: Option<u64>,
    },
    /// `too_many_parts`.
    PartNumbers {
        /// The request's part number.
        part_number: Option<u32>,
        /// The highest part number uploaded successfully.
        highest_part: Option<u32>,
    },
    /// `parts_missing`.
    Missing {
        /// Part numbers never uploaded, sorted.
        missing_parts: Vec<u32>,
    },
    /// `part_overwritten`.
    Overwritten {
        /// Parts uploaded more than once, by part number.
        overwritten_parts: Vec<PartUploads>,
    },
    /// `permission_changed`.
    Changed {
        /// The latest success of the same call by the same identity.
        last_success: Time,
        /// The action the message names.
        action: Option<String>,
    },
    /// `kms_denied`, `permission_missing`.
    Action {
        /// The action the message names.
        action: Option<String>,
    },
    /// `copy_source_missing`.
    Source {
        /// The copy source, when the log names it.
        source: Option<SourceOut>,
    },
    /// `{}`.
    None {},
}

impl DetailsOut {
    fn new(d: &Details) -> DetailsOut {
        match d {
            Details::None => DetailsOut::None {},
            Details::SmallParts { parts, minimum } => DetailsOut::SmallParts {
                small_parts: parts
                    .iter()
                    .map(|&(part_number, bytes)| PartSize { part_number, bytes })
                    .collect(),
                minimum: *minimum,
            },
            Details::Bytes(bytes) => DetailsOut::Bytes { bytes: *bytes },
            Details::PartNumbers {
                part_number,
                highest_part,
            } => DetailsOut::PartNumbers {
                part_number: *part_number,
                highest_part: *highest_part,
            },
            Details::Missing(parts) => DetailsOut::Missing {
                missing_parts: parts.clone(),
            },
            Details::Overwritten(parts) => DetailsOut::Overwritten {
                overwritten_parts: parts
                    .iter()
                    .map(|&(part_number, uploads)| PartUploads {
                        part_number,
                        uploads,
                    })
                    .collect(),
            },
            Details::Action(action) => DetailsOut::Action {
                action: action.clone(),
            },
            Details::Changed {
                last_success,
                action,
            } => DetailsOut::Changed {
                last_success: *last_success,
                action: action.clone(),
            },
            Details::Source { bucket, key } => DetailsOut::Source {
                source: bucket
                    .clone()
                    .zip(key.clone())
                    .map(|(bucket, key)| SourceOut { bucket, key }),
            },
        }
    }
}

/// One failed multipart request that is not a NoSuchUpload, and its diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct OtherFailureOut {
    /// `eventID` (null for an access-log line no CloudTrail record matches).
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
    /// `partNumber`, for part uploads.
    pub part_number: Option<u32>,
    /// Who sent it.
    pub actor: ActorOut,
    /// Its request ID.
    pub request_id: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// The file the record was read from.
    pub origin: String,
    /// The logs the diagnosis rests on: `cloudtrail`, `access_log`.
    pub evidence: Vec<&'static str>,
    /// The error code as logged (an access-log failure without one: its HTTP status).
    pub error_code: String,
    /// `errorMessage` as logged.
    pub error_message: Option<String>,
    /// What went wrong.
    pub diagnosis: Diagnosis,
    /// How sure it is.
    pub confidence: Confidence,
    /// The event that caused it, or `{}`.
    pub culprit: OtherCulpritOut,
    /// What the diagnosis says besides its name.
    pub details: DetailsOut,
    /// A successful request of the same upload did the same thing at or after it.
    pub recovered: bool,
    /// What happened.
    pub explanation: String,
    /// What to do.
    pub advice: String,
    /// The cloud of the request: `aws` or `alibaba`.
    pub provider: Provider,
}

/// Counts of other failures by diagnosis (every diagnosis, 0 included) and by error code.
pub fn counts(
    failures: &[OtherFailureOut],
) -> (BTreeMap<&'static str, u64>, BTreeMap<String, u64>) {
    let mut by_diagnosis: BTreeMap<&'static str, u64> =
        Diagnosis::ALL.iter().map(|d| (d.name(), 0)).collect();
    let mut by_code: BTreeMap<String, u64> = BTreeMap::new();
    for f in failures {
        *by_diagnosis.entry(f.diagnosis.name()).or_default() += 1;
        *by_code.entry(f.error_code.clone()).or_default() += 1;
    }
    (by_diagnosis, by_code)
}

/// The other failure `o`, as the report gives it.
pub(super) fn other_failure(a: &Analysed<'_>, o: &OtherFailure) -> OtherFailureOut {
    let (events, strings) = (&a.ingested.events, &a.ingested.strings);
    let id = |id: Option<Id>| id.map(|id| strings.id(id).to_string());
    let e = &events[o.failure];
    let actor =
        |actor: ActorId, source_ip, user_agent| ActorOut::of(strings, actor, source_ip, user_agent);
    let mut logs = vec![e.evidence];
    logs.extend(e.also_in);
    let culprit = match o.culprit {
        Cause::Nobody => OtherCulpritOut::Nobody {},
        Cause::Event(c) => {
            let c = &events[c];
            logs.push(c.evidence);
            OtherCulpritOut::Event(Box::new(CulpritEventOut {
                actor: actor(c.actor, c.source_ip, c.user_agent),
                event_id: id(c.event_id),
                event_time: c.time,
                event_name: c.op.name(),
                request_id: id(c.request_id),
                part_number: None,
                upload_id: strings.owned(c.upload_id),
            }))
        }
        Cause::Part(u, p) => {
            let part = &a.timelines.uploads[u].parts.history[p];
            logs.push(part.evidence);
            OtherCulpritOut::Event(Box::new(CulpritEventOut {
                actor: actor(part.actor, None, None),
                event_id: id(part.event_id),
                event_time: part.time,
                event_name: part.op.name(),
                request_id: id(part.request_id),
                part_number: Some(part.number),
                upload_id: None,
            }))
        }
        Cause::Context(c) => {
            let c = &a.ingested.context[c];
            logs.push(c.evidence);
            OtherCulpritOut::Event(Box::new(CulpritEventOut {
                actor: actor(c.actor, None, None),
                event_id: id(c.event_id),
                event_time: c.time,
                event_name: c.kind.name(),
                request_id: id(c.request_id),
                part_number: None,
                upload_id: None,
            }))
        }
    };
    logs.sort_unstable();
    logs.dedup();
    OtherFailureOut {
        event_id: id(e.event_id),
        event_time: e.time,
        event_name: e.op.name(),
        bucket: strings[e.bucket].to_owned(),
        key: strings.owned(e.key),
        upload_id: strings.owned(e.upload_id),
        part_number: e.part_number,
        actor: ActorOut::of(strings, e.actor, e.source_ip, e.user_agent),
        request_id: id(e.request_id),
        region: strings.owned(e.region),
        account: strings.owned(e.account),
        origin: a
            .ingested
            .origins
            .get(e.origin as usize)
            .cloned()
            .unwrap_or_default(),
        evidence: logs.into_iter().map(|kind| kind.name(e.provider)).collect(),
        error_code: e.error_code(strings).unwrap_or_default().to_owned(),
        error_message: e.extra().error_message.clone(),
        diagnosis: o.diagnosis,
        confidence: o.confidence,
        culprit,
        details: DetailsOut::new(&o.details),
        recovered: o.recovered,
        explanation: o.explanation.clone(),
        advice: o.advice.clone(),
        provider: e.provider,
    }
}
