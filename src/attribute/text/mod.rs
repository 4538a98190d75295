//! The words of every finding: one sentence that says what happened, and advice that says what
//! to do. All wording lives here, so the decision logic in `mod.rs` stays short.

use chrono::Duration;

use super::{Abort, Cause, Confidence, Culprit, Evidence, Finding, Missing};
use crate::cloud::Words;
use crate::correlate::Upload;
use crate::lifecycle::{Eligibility, Verdict};
use crate::model::{Event, Op, Provider, Sighting, Time};
use crate::strings::Sym;

mod lifecycle;

pub use lifecycle::{lifecycle, lifecycle_aborted};

/// `2026-11-02 10:00:05 UTC`.
pub fn when(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A duration in the largest two units that matter: `45 s`, `3 min`, `2 h 5 min`, `3 days 4 h`.
pub fn span(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 day".to_owned(),
        (1, h, _) => format!("1 day {h} h"),
        (d, 0, _) => format!("{d} days"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

/// `UploadPart (part 3)`, `CompleteMultipartUpload`.
pub fn request(e: &Event) -> String {
    match e.part_number {
        Some(n) if matches!(e.op, Op::UploadPart | Op::UploadPartCopy) => {
            format!("{} (part {n})", e.op.name())
        }
        _ => e.op.name().to_owned(),
    }
}

fn rule_name(e: &Eligibility) -> String {
    match &e.rule_id {
        Some(id) => format!("rule {id:?}"),
        None => "an unnamed rule".to_owned(),
    }
}

fn finding(
    failure: usize,
    cause: Cause,
    confidence: Confidence,
    culprit: Culprit,
    explanation: String,
    advice: String,
) -> Finding {
    Finding {
        failure,
        cause,
        confidence,
        culprit,
        explanation,
        advice,
        missing: Vec::new(),
    }
}

pub fn no_upload_id(i: usize, f: &Event) -> Finding {
    finding(
        i,
        Cause::Unexplained,
        Confidence::Possible,
        Culprit::Nobody,
        format!(
            "The {} request failed with NoSuchUpload but its record names no upload ID, so it cannot be tied to an upload.",
            f.op.name()
        ),
        format!(
            "Look up the request by its request ID in {}, which record the upload ID in the request URI.",
            f.provider.words().access_logs
        ),
    )
}

pub fn wrong_key(ev: &Evidence<'_>, i: usize, o: Sighting) -> Finding {
    let f = &ev.events[i];
    let asked = object(ev, f.bucket, f.key);
    let real = object(ev, o.bucket, o.key);
    let shown_by = if o.op == Op::CreateMultipartUpload {
        "was created for"
    } else {
        "belongs to"
    };
    finding(
        i,
        Cause::WrongKey,
        Confidence::Certain,
        Culprit::Owner(o),
        format!(
            "The upload ID {shown_by} {real:?} ({} at {}), but this request names {asked:?}; {} matches bucket and key exactly, so the upload could not be found.",
            o.op.name(),
            when(o.time),
            f.provider.words().store,
        ),
        "Send every part, list and completion with exactly the bucket and key of the CreateMultipartUpload: check the code that builds the key for later requests (URL-encoding, prefixes, trailing slashes or spaces, another bucket or region).".to_owned(),
    )
}

pub fn unknown_upload(ev: &Evidence<'_>, i: usize) -> Finding {
    let window = match ev.span {
        Some((first, last)) => format!("the logs read ({} to {})", when(first), when(last)),
        None => "the logs read".to_owned(),
    };
    finding(
        i,
        Cause::UnknownUpload,
        Confidence::Likely,
        Culprit::Nobody,
        format!(
            "The upload ID appears in no successful request of {window}: it is older than the logs, is logged by another trail (account or region), or was never a valid upload ID."
        ),
        "Check where the client got this upload ID: a stored ID used to resume an upload may be older than the logs (read older logs with the same command) or may have been removed since; otherwise the ID is corrupted or belongs to another account or region.".to_owned(),
    )
}

/// `in the same second as this request; …` or `3 min before this request`.
fn timing(earlier: Time, failure: Time) -> String {
    if earlier == failure {
        "in the same second as this request; the logs keep whole seconds, so the order is inferred"
            .to_owned()
    } else {
        format!("{} before this request", span(failure - earlier))
    }
}

/// `certain` when the explaining event came strictly first, `likely` in the same second.
fn ordered(earlier: Time, failure: Time) -> Confidence {
    if earlier < failure {
        Confidence::Certain
    } else {
        Confidence::Likely
    }
}

/// ` (user agent "…")`, when the event has one.
fn agent(ev: &Evidence<'_>, e: &Event) -> String {
    ev.strings
        .opt(e.user_agent)
        .map(|ua| format!(" (user agent {ua:?})"))
        .unwrap_or_default()
}

/// The upload was completed before the failing request.
pub fn completed(ev: &Evidence<'_>, i: usize, end: usize) -> Finding {
    let (f, t) = (&ev.events[i], &ev.events[end]);
    let same_actor = ev.strings.actor(t.actor).same_as(ev.strings.actor(f.actor));
    let by = ev.strings.actor(t.actor).display_name();
    let who = if same_actor { "the same caller" } else { &by };
    let explanation = format!(
        "The upload was completed by {who} at {} ({}), so this {} found no upload to work on.",
        when(t.time),
        timing(t.time, f.time),
        request(f)
    );
    let advice = match (f.op, same_actor) {
        (Op::AbortMultipartUpload, _) => "Cleanup aborted an upload that had already completed: harmless. Treat NoSuchUpload on AbortMultipartUpload as success.".to_owned(),
        (Op::CompleteMultipartUpload, true) => "A retry after success: the first completion worked (its response was probably lost or timed out). Treat NoSuchUpload on a retried CompleteMultipartUpload as success once HeadObject shows the object with the expected size or ETag.".to_owned(),
        (Op::CompleteMultipartUpload, false) => format!("Two callers completed the same upload ({by} first): make one process own each upload ID."),
        _ => "Requests were still sent after the upload was completed: complete only after every part request has returned; the object stored by the completion lacks anything sent later.".to_owned(),
    };
    let culprit = Culprit::Request {
        event: end,
        same_actor,
        abort: None,
    };
    finding(
        i,
        Cause::Completed,
        ordered(t.time, f.time),
        culprit,
        explanation,
        advice,
    )
}

/// The upload was aborted before the failing request: by its own caller (after which failed
/// request), or by another identity, alone or in a sweep.
pub fn aborted(ev: &Evidence<'_>, i: usize, end: usize, abort: Abort) -> Finding {
    let (f, t) = (&ev.events[i], &ev.events[end]);
    let by = ev.strings.actor(t.actor).display_name();
    let when_aborted = format!("at {} ({})", when(t.time), timing(t.time, f.time));
    let (explanation, advice) = match abort {
        _ if f.op == Op::AbortMultipartUpload => (
            format!(
                "The upload was aborted by {} {when_aborted}, so this AbortMultipartUpload found no upload to abort.",
                if abort.kind() == super::AbortKind::Own { "the same caller" } else { &by }
            ),
            "The upload was aborted twice: harmless. Treat NoSuchUpload on AbortMultipartUpload as success.".to_owned(),
        ),
        Abort::Own { trigger: Some(trigger) } => {
            let first = &ev.events[trigger];
            let code = first.error_code(ev.strings).unwrap_or_default();
            (
                format!(
                    "{} failed with {code} at {}; the client aborted its own upload {when_aborted}; this {} came after.",
                    request(first),
                    when(first.time),
                    request(f)
                ),
                format!(
                    "{} Then wait for the parts still in flight before aborting, and treat NoSuchUpload after your own abort as the end of the upload.",
                    trigger_advice(code, f.provider.words())
                ),
            )
        }
        Abort::Own { trigger: None } => (
            format!(
                "The same caller aborted its own upload {when_aborted}; no failed request of it is in view before the abort; this {} came after.",
                request(f)
            ),
            "The uploader aborted its own upload while other requests were still in flight: find why it gave up (its own logs: a failed part, a timeout, a shutdown), wait for in-flight parts before aborting, and treat NoSuchUpload after your own abort as the expected end of the upload.".to_owned(),
        ),
        Abort::ByOther { episode, sweep: true } => {
            let episode = episode.map(|e| &ev.episodes.list[e]);
            let listed = episode
                .and_then(|e| e.listing)
                .map(|l| format!(", after it listed the bucket's uploads at {}", when(ev.events[l].time)))
                .unwrap_or_default();
            let (n, first, last) = episode.map_or((0, t.time, t.time), |e| {
                (e.uploads, e.first(ev.events), e.last(ev.events))
            });
            (
                format!(
                    "The upload was aborted by {by} {when_aborted}, one of {n} uploads it aborted between {} and {}{listed}, so this {} found no upload to work on.",
                    when(first),
                    when(last),
                    request(f)
                ),
                format!(
                    "{by}{} swept away uploads still in use. Limit the sweep to uploads older than the longest upload you expect (for example initiated more than 24 hours ago) and owned by it; or, instead of a job, let a lifecycle rule with {} do it.{}",
                    agent(ev, t),
                    f.provider.words().abort_rule,
                    hadoop_advice(ev, t)
                ),
            )
        }
        Abort::ByOther { sweep: false, .. } => (
            format!(
                "The upload was aborted by {by} {when_aborted}, so this {} found no upload to work on.",
                request(f)
            ),
            format!(
                "{by}{} aborted an upload another caller was still using. If it is a cleanup job, limit it to uploads older than the longest upload you expect (for example initiated more than 24 hours ago) and owned by it; or, instead of a job, use a lifecycle rule with {}.{}",
                agent(ev, t),
                f.provider.words().abort_rule,
                hadoop_advice(ev, t)
            ),
        ),
    };
    let culprit = Culprit::Request {
        event: end,
        same_actor: abort.kind() == super::AbortKind::Own,
        abort: Some(abort),
    };
    finding(
        i,
        Cause::Aborted,
        ordered(t.time, f.time),
        culprit,
        explanation,
        advice,
    )
}

/// What to do about the error that made a client give up on its upload.
fn trigger_advice(code: &str, w: &Words) -> String {
    let store = w.store;
    match code {
        "SlowDown" | "ServiceUnavailable" | "503" => format!("{store} asked the client to slow down (503): retry throttled parts with exponential backoff (the SDKs' retry modes) instead of giving up on the upload."),
        "InternalError" | "500" => format!("{store} answered 500 InternalError, which {store} asks clients to retry: retry the part with backoff instead of giving up on the upload."),
        "RequestTimeout" | "IncompleteBody" => "The part's body did not arrive in time: retry it, and check the client's network and part sizes.".to_owned(),
        "EntityTooSmall" => {
            let min = w.min_part_words;
            format!("A part other than the last was under {min}: make every part but the last at least {min}.")
        }
        "AccessDenied" => format!(
            "The caller was denied: grant it {} (and kms:GenerateDataKey / kms:Decrypt for SSE-KMS) on the key before uploading.",
            w.needed_action(Op::UploadPart)
        ),
        code if code.starts_with("KMS.") => format!("{code}: the upload's KMS key could not be used; check the key's state and policy."),
        code => format!("Find why the request failed with {code} and retry it rather than abort the upload."),
    }
}

/// For Hadoop S3A: the setting that makes a job commit abort every pending upload of its tree.
fn hadoop_advice(ev: &Evidence<'_>, t: &Event) -> String {
    let agent = ev.strings.opt(t.user_agent).unwrap_or_default();
    let referer = ev.strings.opt(t.extra().referer).unwrap_or_default();
    let s3a = agent.starts_with("Hadoop ")
        || agent.contains("S3A")
        || referer.contains("hadoop.apache.org/audit");
    if !s3a {
        return String::new();
    }
    let job = referer
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("jobid="))
        .map(|job| format!(" (job {job:?})"))
        .unwrap_or_default();
    format!(
        " The sweeper is Hadoop S3A{job}: a job commit aborts every pending upload under its destination (fs.s3a.committer.abort.pending.uploads, true by default), so jobs writing to one tree at once abort each other's uploads; set it to false where writers share a destination."
    )
}

/// Another upload of the same key was completed after this one began: the two raced for the key.
pub fn superseded(ev: &Evidence<'_>, i: usize, winner: usize) -> Finding {
    let (f, w) = (&ev.events[i], &ev.events[winner]);
    let same_actor = ev.strings.actor(w.actor).same_as(ev.strings.actor(f.actor));
    let by = if same_actor {
        "the same caller".to_owned()
    } else {
        ev.strings.actor(w.actor).display_name()
    };
    let condition = w.extra().condition;
    let store = f.provider.words().store;
    let (confidence, why) = match condition {
        Some(c) => (
            Confidence::Likely,
            format!(
                "it was a conditional write ({}), and {store} drops the competing uploads of a key when a conditional write wins",
                c.name()
            ),
        ),
        None if w.evidence == crate::model::Evidence::AccessLog && w.also_in.is_none() => (
            Confidence::Possible,
            format!(
                "access logs do not record whether it was a conditional write, and without one {store} normally keeps both uploads, so this is only a lead"
            ),
        ),
        None => (
            Confidence::Possible,
            format!(
                "without a conditional write {store} normally keeps both uploads, so this is only a lead"
            ),
        ),
    };
    let explanation = format!(
        "No abort or completion of this upload is in view, but another upload of the key was completed by {by} at {} ({}): {why}.",
        when(w.time),
        timing(w.time, f.time),
    );
    let advice = "Two uploads raced for one key. Give each writer its own key (or one writer per key), or check for the object before uploading; with If-None-Match, treat NoSuchUpload on the losing upload as \"the key already exists\" and confirm with HeadObject.".to_owned();
    let culprit = Culprit::Winner {
        event: winner,
        same_actor,
    };
    finding(
        i,
        Cause::Superseded,
        confidence,
        culprit,
        explanation,
        advice,
    )
}

/// Adds to an explanation what each piece of missing evidence means for this failure.
pub fn add_missing(ev: &Evidence<'_>, finding: &mut Finding) {
    let f = &ev.events[finding.failure];
    let bucket = &ev.strings[f.bucket];
    let w = f.provider.words();
    for m in &finding.missing {
        let sentence = match m {
            Missing::CreatedBeforeLogs => {
                let start = ev
                    .span
                    .map(|(first, _)| format!(" ({})", when(first)))
                    .unwrap_or_default();
                format!(
                    "No CreateMultipartUpload of this upload is in the logs read: it may have been created before they start{start}."
                )
            }
            Missing::NoDataEventsForBucket => format!(
                "The logs hold no successful data event of bucket {bucket:?}: {} does not log its data events (or only failed ones), so its uploads cannot be followed.",
                match w.provider {
                    Provider::Aws => "the trail",
                    Provider::Alibaba => "neither bucket logging nor an ActionTrail trail",
                }
            ),
            Missing::CrossAccountCaller => {
                let caller = ev
                    .strings
                    .actor(f.actor)
                    .account_id
                    .clone()
                    .unwrap_or_default();
                let owner = ev.strings.opt(f.account).unwrap_or_default();
                format!(
                    "The caller belongs to account {caller}, not to account {owner} whose logs hold this record: a bucket owner's {} receives another account's object-level events only if it is allowed the same actions, so the upload's other requests may be in account {caller}'s logs.",
                    w.trail
                )
            }
            Missing::NoLifecycleConfiguration => match w.provider {
                Provider::Aws => format!(
                    "The lifecycle configuration of bucket {bucket:?} is unknown: a rule may have aborted the upload (give it with --lifecycle {bucket}=FILE, or --fetch-lifecycle)."
                ),
                Provider::Alibaba => format!(
                    "The lifecycle configuration of bucket {bucket:?} is unknown: a rule may have aborted the upload (save what `{}` prints and give it with --lifecycle {bucket}=FILE).",
                    w.get_lifecycle(bucket)
                ),
            },
            Missing::NoAccessLogs => format!(
                "No {} of bucket {bucket:?} was read: it would show a lifecycle abort ({}).",
                w.access_log.trim_start_matches("an "),
                w.lifecycle_abort_line
            ),
        };
        finding.explanation.push(' ');
        finding.explanation.push_str(&sentence);
    }
}

/// `bucket/key` for messages.
fn object(ev: &Evidence<'_>, bucket: Sym, key: Option<Sym>) -> String {
    format!(
        "{}/{}",
        &ev.strings[bucket],
        ev.strings.opt(key).unwrap_or("(no key)")
    )
}

pub fn alive_after(ev: &Evidence<'_>, i: usize, (later, op): (Time, Op)) -> Finding {
    let f = &ev.events[i];
    let w = f.provider.words();
    finding(
        i,
        Cause::Unexplained,
        Confidence::Possible,
        Culprit::Nobody,
        format!(
            "The upload still existed after this request: a {} succeeded at {}, {} later. The upload was not gone, so {} did not match this request to it.",
            op.name(),
            when(later),
            span(later - f.time),
            w.store
        ),
        format!(
            "Compare this request with the successful ones (endpoint, region, account, signature): the request probably reached {} differently; {} show the exact request URI.",
            w.store, w.access_logs
        ),
    )
}

pub fn unexplained(ev: &Evidence<'_>, i: usize, upload: &Upload, verdict: &Verdict) -> Finding {
    let f = &ev.events[i];
    let bucket = &ev.strings[f.bucket];
    let first = upload.events.first().map_or(f.time, |&e| ev.events[e].time);
    let rules = match verdict {
        // Said among the missing evidence.
        Verdict::Unknown => "no lifecycle rule can be checked".to_owned(),
        Verdict::UnknownBefore(t) => format!(
            "the lifecycle configuration of bucket {bucket:?} before {} is not in the logs",
            when(*t)
        ),
        Verdict::NoMatchingRule => format!(
            "no enabled {} rule of bucket {bucket:?} that matches the key was in force when it would have made the upload eligible",
            f.provider.words().abort_rule
        ),
        Verdict::EligibleLater(e) => format!(
            "{} would make it eligible only at {}, after this request",
            rule_name(e),
            when(e.at)
        ),
        Verdict::Eligible(_) => "a lifecycle rule applies".to_owned(),
    };
    finding(
        i,
        Cause::Unexplained,
        Confidence::Possible,
        Culprit::Nobody,
        format!(
            "The upload existed (first seen at {}) and was gone by this request, with no abort or completion in the logs; {rules}.",
            when(first)
        ),
        format!(
            "Add the missing evidence: the bucket's lifecycle configuration (--lifecycle), logs of every account and region that uses the bucket (an abort by another caller may be in another trail, or not logged if data events are off for it), or {}.",
            f.provider.words().access_logs
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        for (secs, want) in [
            (5, "5 s"),
            (120, "2 min"),
            (3_900, "1 h 5 min"),
            (7_200, "2 h"),
            (90_000, "1 day 1 h"),
            (86_400 * 3, "3 days"),
        ] {
            assert_eq!(span(Duration::seconds(secs)), want);
        }
    }
}
