//! Stage 5: why each NoSuchUpload happened, and which uploads are still open.
//!
//! For every failed request with error code `NoSuchUpload`, exactly one [`Cause`] is chosen, in
//! this order of precedence:
//!
//! 1. `wrong_key`: the upload ID exists, but for another key or bucket (the request could never
//!    have succeeded);
//! 2. `aborted` / `completed`: the earliest successful abort or completion at or before the
//!    failure;
//! 3. `lifecycle`: an S3 server access log shows S3 aborting the upload under a lifecycle rule
//!    (`S3.DELETE.UPLOAD`) at or before the failure: by upload ID when the line names one,
//!    otherwise by bucket, key and time. Without such a line (CloudTrail never records a
//!    lifecycle abort) it is an inference: an enabled abort rule matching the key made the upload
//!    eligible strictly before the failure;
//! 4. `superseded`: another upload of the same bucket and key was completed after this one began
//!    and at or before the failure (two writers raced for the key);
//! 5. `unknown_upload` when the ID appears in no successful request of the logs, otherwise
//!    `unexplained`, saying which evidence is missing.
//!
//! An abort is told apart by who made it ([`Abort`]): the failing caller itself (after which
//! failed request), or another identity in one of its abort episodes ([`episodes`](mod@episodes)), a sweep when
//! that episode removed 3 uploads or more.

pub mod episodes;
mod missing;
mod orphans;
pub(crate) mod text;

use serde::Serialize;

pub use episodes::{Episode, Episodes, episodes};
pub use missing::Missing;
pub use orphans::{Orphan, orphans};

use crate::correlate::{Timelines, Upload};
use crate::decode::BucketsSeen;
use crate::lifecycle::{Eligibility, Lifecycle, RuleSource, Verdict};
use crate::model::{ContextEvent, Event, Op, Sighting, Time};
use crate::strings::{Strings, Sym};

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
    /// Another upload of the same key was completed first.
    Superseded,
    /// The upload ID belongs to another key or bucket.
    WrongKey,
    /// The upload ID is in no successful request of the logs.
    UnknownUpload,
    /// The upload existed and vanished with no explanation in view.
    Unexplained,
}

impl Cause {
    /// Every cause, in the order of the report.
    pub const ALL: [Cause; 7] = [
        Cause::Aborted,
        Cause::Completed,
        Cause::Lifecycle,
        Cause::Superseded,
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
            Cause::Superseded => "superseded",
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

impl Confidence {
    /// The name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Certain => "certain",
            Confidence::Likely => "likely",
            Confidence::Possible => "possible",
        }
    }
}

/// Which kind of abort removed an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortKind {
    /// The failing request's own identity aborted it.
    #[serde(rename = "self")]
    Own,
    /// Another identity, in an abort episode that removed 3 uploads or more.
    Sweep,
    /// Another identity, in an episode of 1 or 2 uploads.
    Other,
}

impl AbortKind {
    /// The name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            AbortKind::Own => "self",
            AbortKind::Sweep => "sweep",
            AbortKind::Other => "other",
        }
    }
}

/// How an abort came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// The failing caller aborted its own upload, after `trigger` (the first of its requests of
    /// the upload that failed with another error) when one is in view.
    Own {
        /// An index into the events.
        trigger: Option<usize>,
    },
    /// Another identity aborted it, in this abort episode (an index into [`Episodes::list`]).
    ByOther {
        /// The episode (every successful abort has one, when episodes were computed).
        episode: Option<usize>,
        /// Whether the episode is a sweep.
        sweep: bool,
    },
}

impl Abort {
    /// Its kind.
    pub fn kind(self) -> AbortKind {
        match self {
            Abort::Own { .. } => AbortKind::Own,
            Abort::ByOther { sweep: true, .. } => AbortKind::Sweep,
            Abort::ByOther { sweep: false, .. } => AbortKind::Other,
        }
    }
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
        /// For an abort: how it came about.
        abort: Option<Abort>,
    },
    /// The completion of another upload of the same key, which won the race for it.
    Winner {
        /// The winning completion.
        event: usize,
        /// Whether it was made by the same identity as the failing request.
        same_actor: bool,
    },
    /// The lifecycle rule.
    Rule {
        /// The bucket whose configuration holds the rule.
        bucket: String,
        /// When and by which rule the upload became eligible; `None` when an access log shows
        /// the abort but no rule that explains it is known.
        eligibility: Option<Eligibility>,
        /// The lifecycle abort an access log shows, if any.
        abort: Option<LifecycleAbort>,
    },
    /// The upload the ID really belongs to: the request that shows its bucket and key.
    Owner(Sighting),
    /// Nobody can be named.
    Nobody,
}

/// A lifecycle abort (`S3.DELETE.UPLOAD`) seen in an S3 server access log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleAbort {
    /// The abort event.
    pub event: usize,
    /// How the line was tied to the upload.
    pub matched_by: AbortMatch,
    /// Other uploads of the same bucket and key that were open at that moment, so that the line
    /// may be theirs.
    pub rivals: usize,
}

/// How a lifecycle abort line was tied to an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortMatch {
    /// The line names the upload ID.
    UploadId,
    /// The line names no upload ID: the upload is the one of that bucket and key that was open
    /// when the line was logged.
    BucketKeyTime,
}

impl AbortMatch {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            AbortMatch::UploadId => "upload_id",
            AbortMatch::BucketKeyTime => "bucket_key_time",
        }
    }
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
    /// For `unknown_upload` and `unexplained`: the evidence the logs could not see, sorted.
    pub missing: Vec<Missing>,
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
    /// The abort episodes of every identity.
    pub episodes: &'a Episodes,
    /// Buckets named in the logs, and by which kinds of event.
    pub buckets: &'a BucketsSeen,
    /// Records besides multipart events that diagnoses need, in time order.
    pub context: &'a [ContextEvent],
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
    let mut finding = decide(ev, i);
    if matches!(finding.cause, Cause::UnknownUpload | Cause::Unexplained) {
        let upload = ev.events[i]
            .upload_id
            .and_then(|id| ev.timelines.get(ev.events[i].bucket, id));
        finding.missing = missing::missing(ev, i, finding.cause, upload);
        text::add_missing(ev, &mut finding);
    }
    finding
}

fn decide(ev: &Evidence<'_>, i: usize) -> Finding {
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
        return match abort_of_unseen_upload(ev, failure) {
            Some((creation, abort)) => text::lifecycle_aborted(ev, i, None, Some(creation), abort),
            None => text::unknown_upload(ev, i),
        };
    };
    if let Some(end) = upload.termination(ev.events, Some(failure.time)) {
        return match ev.events[end].op {
            Op::AbortMultipartUpload => {
                let abort = abort_story(ev, failure, upload, end);
                text::aborted(ev, i, end, abort)
            }
            Op::LifecycleAbort => {
                let abort = LifecycleAbort {
                    event: end,
                    matched_by: AbortMatch::UploadId,
                    rivals: 0,
                };
                text::lifecycle_aborted(ev, i, Some(upload), None, abort)
            }
            _ => text::completed(ev, i, end),
        };
    }
    if let Some(later) = upload
        .last_success(ev.events)
        .filter(|(t, _)| *t > failure.time)
    {
        return text::alive_after(ev, i, later);
    }
    if let Some(abort) = lifecycle_abort(ev, upload, failure.time) {
        return text::lifecycle_aborted(ev, i, Some(upload), None, abort);
    }
    let Some((initiated, known)) = upload.initiated(ev.events) else {
        return text::unknown_upload(ev, i);
    };

    if let Some(eligibility) = abort_hint(ev, upload).filter(|e| e.at < failure.time) {
        return text::lifecycle(ev, i, upload, eligibility, known);
    }
    let (bucket, key) = (
        ev.strings.bucket_name(failure.bucket),
        ev.strings.opt(upload.key),
    );
    match ev
        .lifecycle
        .verdict(&bucket, key, initiated, Some(failure.time))
    {
        Verdict::Eligible(eligibility) => text::lifecycle(ev, i, upload, eligibility, known),
        verdict => match winner(ev, upload, initiated, failure.time) {
            Some(winner) => text::superseded(ev, i, winner),
            None => text::unexplained(ev, i, upload, &verdict),
        },
    }
}

/// How the abort `end` of `upload` came about: the failing caller's own abort (and the failed
/// request that preceded it), or another identity's, alone or in a sweep.
fn abort_story(ev: &Evidence<'_>, failure: &Event, upload: &Upload, end: usize) -> Abort {
    let abort = &ev.events[end];
    if ev
        .strings
        .actor(abort.actor)
        .same_as(ev.strings.actor(failure.actor))
    {
        let who = ev.strings.identity(abort.actor);
        let trigger = upload.events.iter().copied().find(|&j| {
            let e = &ev.events[j];
            e.time <= abort.time
                && matches!(e.error, Some(crate::model::ErrorCode::Other(_)))
                && ev.strings.identity(e.actor) == who
        });
        return Abort::Own { trigger };
    }
    let episode = ev.episodes.of(end);
    Abort::ByOther {
        episode,
        sweep: episode.is_some_and(|e| ev.episodes.list[e].is_sweep()),
    }
}

/// The completion of another upload of the same bucket and key, after `initiated` and at or
/// before `until`: the earliest, when several raced.
fn winner(ev: &Evidence<'_>, upload: &Upload, initiated: Time, until: Time) -> Option<usize> {
    let key = upload.key?;
    ev.timelines
        .of_object(upload.bucket, key)
        .filter(|rival| rival.upload_id != upload.upload_id)
        .filter_map(|rival| {
            rival.successes(ev.events).map(|(j, _)| j).find(|&j| {
                let e = &ev.events[j];
                e.op == Op::CompleteMultipartUpload && e.time > initiated && e.time <= until
            })
        })
        .min()
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

/// The first lifecycle abort line of the upload's bucket and key that names no upload ID and
/// falls after the upload's last successful request, at or before `until`.
pub(crate) fn lifecycle_abort(
    ev: &Evidence<'_>,
    upload: &Upload,
    until: Time,
) -> Option<LifecycleAbort> {
    let key = upload.key?;
    let (since, _) = upload.last_success(ev.events)?;
    let event = ev
        .timelines
        .lifecycle_aborts(upload.bucket, key)
        .iter()
        .copied()
        .find(|&l| (since..=until).contains(&ev.events[l].time))?;
    let at = ev.events[event].time;
    let rivals = ev
        .timelines
        .of_object(upload.bucket, key)
        .filter(|u| u.upload_id != upload.upload_id && open_at(ev, u, at))
        .count();
    Some(LifecycleAbort {
        event,
        matched_by: AbortMatch::BucketKeyTime,
        rivals,
    })
}

/// Whether `u` may still have existed at `t`: nothing ended it before, and nothing shows it
/// alive after.
fn open_at(ev: &Evidence<'_>, u: &Upload, t: Time) -> bool {
    u.existed(ev.events)
        && u.termination(ev.events, Some(t)).is_none()
        && u.last_success(ev.events).is_some_and(|(last, _)| last <= t)
}

/// For a failure whose upload ID no successful request shows: a creation of its bucket and key
/// that logged no upload ID (as access logs never do), followed by a lifecycle abort of that key
/// at or before the failure.
fn abort_of_unseen_upload(ev: &Evidence<'_>, failure: &Event) -> Option<(usize, LifecycleAbort)> {
    let key = failure.key?;
    ev.timelines
        .lifecycle_aborts(failure.bucket, key)
        .iter()
        .copied()
        .take_while(|&l| ev.events[l].time <= failure.time)
        .find_map(|l| {
            let creation = ev
                .timelines
                .creations_without_id(failure.bucket, key)
                .iter()
                .copied()
                .take_while(|&c| ev.events[c].time <= ev.events[l].time)
                .last()?;
            let abort = LifecycleAbort {
                event: l,
                matched_by: AbortMatch::BucketKeyTime,
                rivals: 0,
            };
            Some((creation, abort))
        })
}

/// What the known rules say about a lifecycle abort at `at` of an upload begun at `initiated`:
/// `Eligible` names the rule that explains it.
fn rule_for_abort(
    ev: &Evidence<'_>,
    bucket: Sym,
    key: Option<Sym>,
    upload: Option<&Upload>,
    initiated: Time,
    at: Time,
) -> Verdict {
    if let Some(hint) = upload
        .and_then(|u| abort_hint(ev, u))
        .filter(|e| e.at <= at)
    {
        return Verdict::Eligible(hint);
    }
    let just_after = at + chrono::Duration::seconds(1);
    ev.lifecycle.verdict(
        &ev.strings.bucket_name(bucket),
        ev.strings.opt(key),
        initiated,
        Some(just_after),
    )
}

/// The lifecycle rule and date named by the `x-amz-abort-*` headers of the upload's creation.
fn abort_hint(ev: &Evidence<'_>, upload: &Upload) -> Option<Eligibility> {
    let creation = &ev.events[upload.creation?.event];
    let hint = creation.extra().abort_hint.as_ref()?;
    Some(Eligibility {
        rule_id: hint.rule_id.clone(),
        days: None,
        created_before: None,
        at: hint.date?,
        source: RuleSource::CreateResponse,
    })
}

#[cfg(test)]
mod tests;
