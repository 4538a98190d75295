//! Stage 5: why each NoSuchUpload happened, and which uploads are still open.
//!
//! For every failed request with error code `NoSuchUpload`, exactly one [`Cause`] is chosen, in
//! this order of precedence:
//!
//! 1. `wrong_key`: the upload ID exists, but for another key or bucket (the request could never
//!    have succeeded);
//! 2. `aborted` / `completed`: the earliest successful abort or completion at or before the
//!    failure;
//! 3. `lifecycle`: an enabled abort rule matching the key made the upload eligible strictly
//!    before the failure (no lifecycle abort is ever in CloudTrail, so this is an inference);
//! 4. `unknown_upload` when the ID appears in no successful request of the logs, otherwise
//!    `unexplained`, saying which evidence is missing.

mod orphans;
mod text;

use serde::Serialize;

pub use orphans::{Orphan, orphans};

use crate::correlate::{Timelines, Upload};
use crate::lifecycle::{Eligibility, Lifecycle, RuleSource, Verdict};
use crate::model::{Event, Op, Sighting, Time};
use crate::strings::Strings;

/// The cause of a NoSuchUpload failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A successful AbortMultipartUpload came first.
    Aborted,
    /// A successful CompleteMultipartUpload came first.
    Completed,
    /// A lifecycle rule made the upload eligible for abort first.
    Lifecycle,
    /// The upload ID belongs to another key or bucket.
    WrongKey,
    /// The upload ID is in no successful request of the logs.
    UnknownUpload,
    /// The upload existed and vanished with no explanation in view.
    Unexplained,
}

impl Cause {
    /// Every cause, in the order of the report.
    pub const ALL: [Cause; 6] = [
        Cause::Aborted,
        Cause::Completed,
        Cause::Lifecycle,
        Cause::WrongKey,
        Cause::UnknownUpload,
        Cause::Unexplained,
    ];

    /// The name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Aborted => "aborted",
            Cause::Completed => "completed",
            Cause::Lifecycle => "lifecycle",
            Cause::WrongKey => "wrong_key",
            Cause::UnknownUpload => "unknown_upload",
            Cause::Unexplained => "unexplained",
        }
    }
}

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Direct evidence in the logs.
    Certain,
    /// Inferred: same-second ordering, a lifecycle rule, an upload ID the logs never show.
    Likely,
    /// Inferred from incomplete evidence (the upload's start is only bounded).
    Possible,
}

/// Who or what removed the upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Culprit {
    /// The abort or completion (an index into the events).
    Request {
        /// The terminating event.
        event: usize,
        /// Whether it was made by the same identity as the failing request.
        same_actor: bool,
    },
    /// The lifecycle rule.
    Rule {
        /// The bucket whose configuration holds the rule.
        bucket: String,
        /// When and by which rule the upload became eligible.
        eligibility: Eligibility,
    },
    /// The upload the ID really belongs to: the request that shows its bucket and key.
    Owner(Sighting),
    /// Nobody can be named.
    Nobody,
}

/// The answer for one failed request.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The failing event (an index into the events).
    pub failure: usize,
    /// The cause.
    pub cause: Cause,
    /// How sure it is.
    pub confidence: Confidence,
    /// Who or what removed the upload.
    pub culprit: Culprit,
    /// One sentence saying what happened.
    pub explanation: String,
    /// What to do about it.
    pub advice: String,
}

/// What attribution reads.
pub struct Evidence<'a> {
    /// All multipart events, in timeline order.
    pub events: &'a [Event],
    /// The strings and actors they refer to.
    pub strings: &'a Strings,
    /// Their timelines.
    pub timelines: &'a Timelines,
    /// Lifecycle configurations over time.
    pub lifecycle: &'a Lifecycle,
    /// The first and last event time of the logs read.
    pub span: Option<(Time, Time)>,
}

/// Explains every NoSuchUpload failure, in timeline order.
pub fn attribute(ev: &Evidence<'_>) -> Vec<Finding> {
    ev.events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_no_such_upload())
        .map(|(i, _)| attribute_one(ev, i))
        .collect()
}

fn attribute_one(ev: &Evidence<'_>, i: usize) -> Finding {
    let failure = &ev.events[i];
    let Some(id) = failure.upload_id else {
        return text::no_upload_id(i, failure);
    };
    // The upload as S3 knows it: successful requests show its bucket and key.
    let own = ev
        .timelines
        .get(failure.bucket, id)
        .filter(|u| u.existed(ev.events));

    if let Some(owner) = wrong_key(ev, failure, own) {
        return text::wrong_key(ev, i, owner);
    }
    let Some(upload) = own else {
        return text::unknown_upload(ev, i);
    };
    if let Some(end) = upload.termination(ev.events, Some(failure.time)) {
        let culprit = &ev.events[end];
        let cause = match culprit.op {
            Op::AbortMultipartUpload => Cause::Aborted,
            _ => Cause::Completed,
        };
        return text::terminated(ev, i, end, cause);
    }
    if let Some(later) = upload
        .last_success(ev.events)
        .filter(|(t, _)| *t > failure.time)
    {
        return text::alive_after(ev, i, upload, later);
    }
    let Some((initiated, known)) = upload.initiated(ev.events) else {
        return text::unknown_upload(ev, i);
    };

    if let Some(eligibility) = abort_hint(ev, upload).filter(|e| e.at < failure.time) {
        return text::lifecycle(ev, i, upload, eligibility, known);
    }
    let (bucket, key) = (&ev.strings[failure.bucket], ev.strings.opt(upload.key));
    match ev
        .lifecycle
        .verdict(bucket, key, initiated, Some(failure.time))
    {
        Verdict::Eligible(eligibility) => text::lifecycle(ev, i, upload, eligibility, known),
        verdict => text::unexplained(ev, i, upload, &verdict),
    }
}

/// The upload this ID really belongs to, when the request names another key or bucket.
fn wrong_key(ev: &Evidence<'_>, failure: &Event, own: Option<&Upload>) -> Option<Sighting> {
    match own {
        Some(upload) => match (upload.key, failure.key) {
            (Some(real), Some(asked)) if real != asked => upload.key_seen,
            _ => None,
        },
        None => {
            let id = failure.upload_id?;
            let owner = ev
                .timelines
                .with_id(id)
                .find(|u| u.bucket != failure.bucket && u.existed(ev.events))?;
            owner.key_seen.or_else(|| {
                owner
                    .successes(ev.events)
                    .next()
                    .map(|(_, e)| Sighting::of(e))
            })
        }
    }
}

/// The lifecycle rule and date named by the `x-amz-abort-*` headers of the upload's creation.
fn abort_hint(ev: &Evidence<'_>, upload: &Upload) -> Option<Eligibility> {
    let creation = &ev.events[upload.creation?.event];
    let hint = creation.abort_hint.as_ref()?;
    Some(Eligibility {
        rule_id: hint.rule_id.clone(),
        days: None,
        at: hint.date?,
        source: RuleSource::CreateResponse,
    })
}

#[cfg(test)]
mod tests;
