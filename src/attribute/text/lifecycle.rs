//! The words of lifecycle findings: an upload made eligible by a rule, or aborted under one as
//! an access log shows.

use super::{finding, rule_name, span, when};
use crate::attribute::{AbortMatch, Cause, Confidence, Culprit, Evidence, Finding, LifecycleAbort};
use crate::cloud::Words;
use crate::correlate::Upload;
use crate::lifecycle::{Eligibility, RuleSource, Verdict};

pub fn lifecycle(
    ev: &Evidence<'_>,
    i: usize,
    upload: &Upload,
    e: Eligibility,
    initiation_known: bool,
) -> Finding {
    let f = &ev.events[i];
    let (initiated, _) = upload.initiated(ev.events).unwrap_or((f.time, false));
    let began = match (
        initiation_known,
        upload.creation.is_some_and(|c| c.inferred),
    ) {
        (false, _) => format!(
            "was first seen at {} (its creation is not in the logs, so it began earlier)",
            when(initiated)
        ),
        (true, true) => format!(
            "began at {} (creation paired by bucket, key and time)",
            when(initiated)
        ),
        (true, false) => format!("began at {}", when(initiated)),
    };
    let explanation = format!(
        "No abort or completion is in the logs; the upload {began} and {}, made it eligible for abort at {}, {} before this request.",
        rule_phrase(&e, &ev.strings[f.bucket], f.provider.words()),
        when(e.at),
        span(f.time - e.at),
    );
    let active = span(f.time - initiated);
    let w = f.provider.words();
    let advice = format!(
        "This upload was still in use after {active}: {}, or finish uploads sooner. Lifecycle aborts are not in {}; {} show them ({}).",
        loosen(&e, w),
        w.trail,
        w.access_logs,
        w.lifecycle_abort_line
    );
    let confidence = if initiation_known {
        Confidence::Likely
    } else {
        Confidence::Possible
    };
    finding(
        i,
        Cause::Lifecycle,
        confidence,
        Culprit::Rule {
            bucket: ev.strings[f.bucket].to_owned(),
            eligibility: Some(e),
            abort: None,
        },
        explanation,
        advice,
    )
}

/// What to change in the rule that removed an upload still in use.
fn loosen(e: &Eligibility, w: &Words) -> String {
    match e.created_before {
        Some(date) => format!(
            "{} removes every upload begun before {}: move its CreatedBeforeDate back, or give it Days longer than the longest upload you expect",
            rule_name(e),
            when(date)
        ),
        None => format!(
            "raise {} of {} above the longest upload you expect",
            w.days,
            rule_name(e)
        ),
    }
}

/// `rule "abort-2d" of bucket "b" (2 days after initiation), as configured in the logs`.
fn rule_phrase(e: &Eligibility, bucket: &str, w: &Words) -> String {
    let fetched;
    let source = match &e.source {
        RuleSource::Logs { .. } => "as configured in the logs",
        RuleSource::File(_) => "from the --lifecycle file, assumed in force throughout",
        RuleSource::Fetched => {
            fetched = format!(
                "as {} reports it today (--fetch-lifecycle), assumed in force throughout",
                w.store
            );
            &fetched
        }
        RuleSource::CreateResponse => "as the CreateMultipartUpload response announced",
    };
    let when_eligible = match (e.days, e.created_before) {
        (Some(1), _) => " (1 day after initiation)".to_owned(),
        (Some(d), _) => format!(" ({d} days after initiation)"),
        (None, Some(date)) => format!(" (uploads begun before {})", when(date)),
        (None, None) => String::new(),
    };
    format!(
        "{} of bucket {bucket:?}{when_eligible}, {source}",
        rule_name(e)
    )
}

/// S3 aborted the upload under a lifecycle rule, as an access log shows. `upload` is the upload
/// when successful requests show it; otherwise `creation` is the creation (logged without an
/// upload ID) it was matched with.
pub fn lifecycle_aborted(
    ev: &Evidence<'_>,
    i: usize,
    upload: Option<&Upload>,
    creation: Option<usize>,
    abort: LifecycleAbort,
) -> Finding {
    let (f, line) = (&ev.events[i], &ev.events[abort.event]);
    let bucket = &ev.strings[f.bucket];
    let w = f.provider.words();
    let key = upload.and_then(|u| u.key).or(f.key);
    let initiated = upload
        .and_then(|u| u.initiated(ev.events))
        .map(|(t, _)| t)
        .or(creation.map(|c| ev.events[c].time))
        .unwrap_or(line.time);
    let verdict = crate::attribute::rule_for_abort(ev, f.bucket, key, upload, initiated, line.time);
    let timing = if line.time == f.time {
        "in the same second as this request; logs keep whole seconds, so the order is inferred"
            .to_owned()
    } else {
        format!("{} before this request", span(f.time - line.time))
    };
    let object = format!("{:?}", ev.strings.opt(key).unwrap_or_default());
    let matched = match (abort.matched_by, creation) {
        (AbortMatch::UploadId, _) => "naming this upload ID".to_owned(),
        (AbortMatch::BucketKeyTime, None) => format!(
            "for key {object}; the line names no upload ID, so it was matched by bucket, key and time (it follows the upload's last successful request)"
        ),
        (AbortMatch::BucketKeyTime, Some(c)) => format!(
            "for key {object}, after a CreateMultipartUpload of that key at {} whose log names no upload ID; no successful request shows this upload ID, so the upload was matched by bucket, key and time",
            when(ev.events[c].time)
        ),
    };
    let rule = match &verdict {
        Verdict::Eligible(e) => format!(
            " {}, made it eligible at {}.",
            rule_phrase(e, bucket, w),
            when(e.at)
        ),
        Verdict::Unknown => format!(
            " The rule is not known: the lifecycle configuration of bucket {bucket:?} is unknown (give it with --lifecycle {bucket}=FILE)."
        ),
        _ => " No rule of the lifecycle configuration in view explains it: the configuration probably changed without a record in these logs.".to_owned(),
    };
    let rivals = match abort.rivals {
        0 => String::new(),
        n => format!(
            " {n} other upload(s) of this key were open at that moment, so the line may be theirs."
        ),
    };
    let explanation = format!(
        "{} aborted the upload under a lifecycle rule at {} ({timing}): {} shows {} {matched}.{rule}{rivals}",
        w.store,
        when(line.time),
        w.access_log,
        w.lifecycle_abort_line
    );
    let eligibility = match verdict {
        Verdict::Eligible(e) => Some(e),
        _ => None,
    };
    let active = span(f.time - initiated);
    let advice = match &eligibility {
        Some(e) => format!(
            "This upload was still in use after {active}: {}, or finish uploads sooner.",
            loosen(e, w)
        ),
        None => format!(
            "This upload was still in use after {active}: find the {} rule of bucket {bucket:?} ({}) and raise its {} above the longest upload you expect, or finish uploads sooner.",
            w.abort_rule,
            w.get_lifecycle(bucket),
            w.days
        ),
    };
    let confidence = if line.time < f.time && abort.rivals == 0 && creation.is_none() {
        Confidence::Certain
    } else {
        Confidence::Likely
    };
    finding(
        i,
        Cause::Lifecycle,
        confidence,
        Culprit::Rule {
            bucket: bucket.to_owned(),
            eligibility,
            abort: Some(abort),
        },
        explanation,
        advice,
    )
}
