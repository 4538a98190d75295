//! Attribution on hand-built events: every cause, every precedence conflict. `stories` holds the
//! incidents, abort kinds, races and missing evidence of `contract/incidents.md`.

mod abort_lines;
mod stories;

use std::path::PathBuf;

use chrono::Duration;

use super::*;
use crate::correlate::correlate;
use crate::correlate::tests::Scene;
use crate::decode::parse_time;
use crate::decode::{BucketSeen, BucketsSeen};
use crate::model::{AbortHint, ErrorCode, Extra, Rule};

pub(super) const B: &str = "b";
pub(super) const K: &str = "k";

pub(super) fn by(scene: &Scene, arn: &str, e: Event) -> Event {
    Event {
        actor: scene.actor(arn).actor,
        ..e
    }
}

pub(super) fn failed(e: Event) -> Event {
    Event {
        error: Some(ErrorCode::NoSuchUpload),
        ..e
    }
}

pub(super) fn rule(days: u32) -> Rule {
    Rule {
        id: Some("abort-incomplete".to_owned()),
        enabled: true,
        prefix: String::new(),
        abort_days: Some(days),
        created_before: None,
        excluded_prefixes: Vec::new(),
        other_filters: false,
    }
}

/// What attribution made of a scene.
pub(super) struct Outcome {
    pub(super) events: Vec<Event>,
    pub(super) strings: Strings,
    pub(super) findings: Vec<Finding>,
    pub(super) orphans: Vec<Orphan>,
    pub(super) incidents: crate::incidents::Incidents,
}

impl Outcome {
    pub(super) fn only(&self) -> &Finding {
        assert_eq!(self.findings.len(), 1, "{:#?}", self.findings);
        &self.findings[0]
    }

    /// The actor ARN of the event a culprit names.
    pub(super) fn arn(&self, event: usize) -> Option<&str> {
        self.strings.actor(self.events[event].actor).arn.as_deref()
    }
}

/// The buckets of the events as `ingest` records them: followed when a request succeeded.
fn seen_buckets(events: &[Event], timelines: &Timelines, strings: &Strings) -> BucketsSeen {
    let mut seen = BucketsSeen::default();
    for u in timelines.uploads.iter().filter(|u| u.parts.parts > 0) {
        seen.saw(
            strings.provider(u.bucket),
            &strings[u.bucket],
            BucketSeen::DATA,
        );
    }
    for e in events {
        let flag = if e.succeeded() {
            BucketSeen::DATA
        } else {
            BucketSeen::MANAGEMENT
        };
        seen.saw(e.provider, &strings[e.bucket], flag);
    }
    seen
}

/// Attributes the events of `scene` with the given lifecycle rules for bucket `b`.
pub(super) fn run(scene: Scene, events: Vec<Event>, rules: Option<Vec<Rule>>) -> Outcome {
    // The window of the logs read covers every record, folded parts included.
    let span = events
        .iter()
        .map(|e| e.time)
        .min()
        .zip(events.iter().map(|e| e.time).max());
    let (events, parts, strings) = scene.finish(events);
    let timelines = correlate(&events, parts);
    let files = rules
        .map(|r| {
            vec![(
                crate::model::BucketName::s3(B),
                RuleSource::File(PathBuf::from("rules.json")),
                r,
            )]
        })
        .unwrap_or_default();
    let lifecycle = Lifecycle::new(&[], files);

    let episodes = episodes(&events, &strings);
    let buckets = seen_buckets(&events, &timelines, &strings);
    let ev = Evidence {
        events: &events,
        strings: &strings,
        timelines: &timelines,
        lifecycle: &lifecycle,
        span,
        episodes: &episodes,
        buckets: &buckets,
        context: &[],
    };
    let (findings, orphans) = (attribute(&ev), orphans(&ev));
    let incidents = crate::incidents::group(&findings, &events, &strings, &episodes);
    Outcome {
        events,
        strings,
        findings,
        orphans,
        incidents,
    }
}

#[test]
fn an_abort_by_someone_else() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 5),
        by(
            &s,
            "arn:cleanup",
            s.event(5, Op::AbortMultipartUpload, B, K, Some("u")),
        ),
        failed(s.part(9, "u", 2, 5)),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Aborted, Confidence::Certain)
    );
    let Culprit::Request {
        event, same_actor, ..
    } = f.culprit
    else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(o.arn(event), Some("arn:cleanup"));
    assert!(!same_actor);
    assert!(
        f.explanation.contains("arn:cleanup") && f.explanation.contains("4 min before"),
        "{}",
        f.explanation
    );
    assert!(f.advice.contains("cleanup job"), "{}", f.advice);
}

#[test]
fn same_second_is_ordered_by_meaning_and_only_likely() {
    let s = Scene::default();
    // The failure is listed first, as it might be in a file; the abort still comes before it.
    let events = vec![
        failed(s.part(5, "u", 2, 5)),
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        by(
            &s,
            "arn:cleanup",
            s.event(5, Op::AbortMultipartUpload, B, K, Some("u")),
        ),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Aborted, Confidence::Likely)
    );
    assert!(f.explanation.contains("same second"), "{}", f.explanation);
}

#[test]
fn a_retry_after_a_successful_completion() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 5),
        s.event(2, Op::CompleteMultipartUpload, B, K, Some("u")),
        failed(s.event(3, Op::CompleteMultipartUpload, B, K, Some("u"))),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Completed);
    assert!(matches!(
        f.culprit,
        Culprit::Request {
            same_actor: true,
            ..
        }
    ));
    assert!(f.advice.contains("retry after success"), "{}", f.advice);
    assert!(o.orphans.is_empty());
}

#[test]
fn the_earliest_termination_wins() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.event(2, Op::CompleteMultipartUpload, B, K, Some("u")),
        by(
            &s,
            "arn:cleanup",
            s.event(3, Op::AbortMultipartUpload, B, K, Some("u")),
        ),
        failed(s.part(4, "u", 1, 5)),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Completed);
    let Culprit::Request { event, .. } = f.culprit else {
        panic!()
    };
    assert_eq!(o.events[event].op, Op::CompleteMultipartUpload);
}

#[test]
fn an_abort_after_the_failure_does_not_count() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        failed(s.part(1, "u", 1, 5)),
        s.event(5, Op::AbortMultipartUpload, B, K, Some("u")),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("still existed after this request"),
        "{}",
        f.explanation
    );
}

#[test]
fn parts_may_succeed_after_an_abort() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.event(1, Op::AbortMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 3, 5),
        failed(s.event(2, Op::CompleteMultipartUpload, B, K, Some("u"))),
    ];
    let o = run(s, events, None);
    assert_eq!(o.only().cause, Cause::Aborted);
    assert!(o.orphans.is_empty());
}

#[test]
fn a_wrong_key_beats_everything() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.event(1, Op::AbortMultipartUpload, B, K, Some("u")),
        failed(s.event(2, Op::UploadPart, B, "k%20", Some("u"))),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::WrongKey, Confidence::Certain)
    );
    let Culprit::Owner(owner) = f.culprit else {
        panic!()
    };
    assert_eq!(owner.op, Op::CreateMultipartUpload);
}

#[test]
fn a_wrong_bucket_is_a_wrong_key_too() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, "real", K, Some("u")),
        failed(s.event(2, Op::UploadPart, B, K, Some("u"))),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::WrongKey);
    let Culprit::Owner(owner) = f.culprit else {
        panic!()
    };
    assert_eq!(&o.strings[owner.bucket], "real");
}

#[test]
fn an_id_never_seen_is_unknown() {
    let s = Scene::default();
    let events = vec![
        s.part(0, "other", 1, 1),
        failed(s.part(1, "ghost", 1, 5)),
        failed(s.part(2, "ghost", 2, 5)),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    assert_eq!(o.findings.len(), 2);
    assert!(
        o.findings
            .iter()
            .all(|f| f.cause == Cause::UnknownUpload && f.confidence == Confidence::Likely)
    );
    assert!(
        o.findings[0]
            .explanation
            .contains("2026-11-02 10:00:00 UTC to 2026-11-02 10:02:00 UTC"),
        "{}",
        o.findings[0].explanation
    );
}

#[test]
fn lifecycle_needs_eligibility_strictly_before_the_failure() {
    let s = Scene::default();
    // Created 11-02 10:00, one day → eligible 11-04 00:00 (= 2,280 minutes later).
    let create = s.event(0, Op::CreateMultipartUpload, B, K, Some("u"));
    let events = vec![
        create,
        s.part(1, "u", 1, 5),
        failed(s.part(2_281, "u", 2, 5)),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Likely)
    );
    let Culprit::Rule {
        eligibility: Some(eligibility),
        abort: None,
        ..
    } = &f.culprit
    else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(eligibility.at.to_rfc3339(), "2026-11-04T00:00:00+00:00");
    assert!(f.advice.contains("DaysAfterInitiation"), "{}", f.advice);

    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 5),
        failed(s.part(2_280, "u", 2, 5)),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("only at 2026-11-04 00:00:00 UTC"),
        "{}",
        f.explanation
    );
}

#[test]
fn lifecycle_without_the_creation_is_only_possible() {
    let s = Scene::default();
    let events = vec![s.part(1, "u", 1, 5), failed(s.part(3_000, "u", 2, 5))];
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Possible)
    );
    assert!(f.explanation.contains("first seen"), "{}", f.explanation);
}

#[test]
fn an_abort_beats_an_earlier_lifecycle_eligibility() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.event(3_000, Op::AbortMultipartUpload, B, K, Some("u")),
        failed(s.part(3_001, "u", 2, 5)),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    assert_eq!(o.only().cause, Cause::Aborted);
}

#[test]
fn the_create_response_names_the_rule() {
    let s = Scene::default();
    let mut create = s.event(0, Op::CreateMultipartUpload, B, K, Some("u"));
    create.extra = Extra {
        abort_hint: Some(AbortHint {
            date: parse_time("2026-11-03T00:00:00Z"),
            rule_id: Some("from-header".to_owned()),
        }),
        ..Extra::NONE
    }
    .boxed();
    let events = vec![create, failed(s.part(1_500, "u", 1, 5))];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Lifecycle);
    let Culprit::Rule {
        eligibility: Some(eligibility),
        ..
    } = &f.culprit
    else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(
        (eligibility.rule_id.as_deref(), &eligibility.source),
        (Some("from-header"), &RuleSource::CreateResponse)
    );
}

#[test]
fn unknown_configuration_is_unexplained_and_says_so() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        failed(s.part(5_000, "u", 1, 5)),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("--lifecycle b=FILE"),
        "{}",
        f.explanation
    );
}

#[test]
fn orphans_are_open_uploads_not_shown_to_be_gone() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("open")),
        s.part(1, "open", 1, 100),
        s.part(2, "open", 2, 50),
        failed(s.event(3, Op::UploadPart, B, "elsewhere", Some("open"))), // a wrong key does not end it
        s.event(4, Op::CreateMultipartUpload, B, K, Some("gone")),
        failed(s.part(5, "gone", 1, 5)),
        s.event(6, Op::CreateMultipartUpload, B, K, Some("done")),
        s.event(7, Op::CompleteMultipartUpload, B, K, Some("done")),
    ];
    let o = run(s, events, Some(vec![rule(7)]));
    assert_eq!(o.orphans.len(), 1);
    assert_eq!((o.orphans[0].parts, o.orphans[0].bytes), (2, 150));
    assert_eq!(o.orphans[0].age, Duration::minutes(7));
    assert_eq!(
        o.orphans[0].lifecycle.as_ref().map(|e| e.at),
        parse_time("2026-11-10T00:00:00Z")
    );
}
