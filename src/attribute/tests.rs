//! Attribution on hand-built events: every cause, every precedence conflict.

use std::path::PathBuf;

use chrono::Duration;

use super::*;
use crate::correlate::correlate;
use crate::correlate::tests::{event, part};
use crate::decode::parse_time;
use crate::model::{AbortHint, Actor, Rule};

const B: &str = "b";
const K: &str = "k";

fn by(arn: &str, e: Event) -> Event {
    Event {
        actor: Actor {
            arn: Some(arn.to_owned()),
            ..Actor::default()
        },
        ..e
    }
}

fn failed(e: Event) -> Event {
    Event {
        error_code: Some("NoSuchUpload".to_owned()),
        ..e
    }
}

fn rule(days: u32) -> Rule {
    Rule {
        id: Some("abort-incomplete".to_owned()),
        enabled: true,
        prefix: String::new(),
        abort_days: Some(days),
        other_filters: false,
    }
}

/// Attributes `events` (sorted into timeline order first) with the given lifecycle rules.
fn run(
    mut events: Vec<Event>,
    rules: Option<Vec<Rule>>,
) -> (Vec<Event>, Vec<Finding>, Vec<Orphan>) {
    events.sort_by(|a, b| crate::ingest::compare_events(a, b, &[]));
    let timelines = correlate(&events);
    let files = rules
        .map(|r| vec![(B.to_owned(), PathBuf::from("rules.json"), r)])
        .unwrap_or_default();
    let lifecycle = Lifecycle::new(&[], files);
    let span = Some((events[0].time, events[events.len() - 1].time));
    let ev = Evidence {
        events: &events,
        timelines: &timelines,
        lifecycle: &lifecycle,
        span,
    };
    let (findings, orphans) = (attribute(&ev), orphans(&ev));
    (events, findings, orphans)
}

fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn an_abort_by_someone_else() {
    let (events, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            part(1, "u", 1, 5),
            by(
                "arn:cleanup",
                event(5, Op::AbortMultipartUpload, B, K, Some("u")),
            ),
            failed(part(9, "u", 2, 5)),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Aborted, Confidence::Certain)
    );
    let Culprit::Request { event, same_actor } = f.culprit else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(events[event].actor.arn.as_deref(), Some("arn:cleanup"));
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
    // The failure is listed first, as it might be in a file; the abort still comes before it.
    let (_, f, _) = run(
        vec![
            failed(part(5, "u", 2, 5)),
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            by(
                "arn:cleanup",
                event(5, Op::AbortMultipartUpload, B, K, Some("u")),
            ),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Aborted, Confidence::Likely)
    );
    assert!(f.explanation.contains("same second"), "{}", f.explanation);
}

#[test]
fn a_retry_after_a_successful_completion() {
    let (_, f, o) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            part(1, "u", 1, 5),
            event(2, Op::CompleteMultipartUpload, B, K, Some("u")),
            failed(event(3, Op::CompleteMultipartUpload, B, K, Some("u"))),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::Completed);
    assert!(matches!(
        f.culprit,
        Culprit::Request {
            same_actor: true,
            ..
        }
    ));
    assert!(f.advice.contains("retry after success"), "{}", f.advice);
    assert!(o.is_empty());
}

#[test]
fn the_earliest_termination_wins() {
    let (events, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            event(2, Op::CompleteMultipartUpload, B, K, Some("u")),
            by(
                "arn:cleanup",
                event(3, Op::AbortMultipartUpload, B, K, Some("u")),
            ),
            failed(part(4, "u", 1, 5)),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::Completed);
    let Culprit::Request { event, .. } = f.culprit else {
        panic!()
    };
    assert_eq!(events[event].op, Op::CompleteMultipartUpload);
}

#[test]
fn an_abort_after_the_failure_does_not_count() {
    let (_, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            failed(part(1, "u", 1, 5)),
            event(5, Op::AbortMultipartUpload, B, K, Some("u")),
        ],
        Some(vec![rule(1)]),
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("still existed after this request"),
        "{}",
        f.explanation
    );
}

#[test]
fn parts_may_succeed_after_an_abort() {
    let (_, f, o) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            event(1, Op::AbortMultipartUpload, B, K, Some("u")),
            part(1, "u", 3, 5),
            failed(event(2, Op::CompleteMultipartUpload, B, K, Some("u"))),
        ],
        None,
    );
    assert_eq!(only(&f).cause, Cause::Aborted);
    assert!(o.is_empty());
}

#[test]
fn a_wrong_key_beats_everything() {
    let (events, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            event(1, Op::AbortMultipartUpload, B, K, Some("u")),
            failed(event(2, Op::UploadPart, B, "k%20", Some("u"))),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::WrongKey, Confidence::Certain)
    );
    let Culprit::Owner { event } = f.culprit else {
        panic!()
    };
    assert_eq!(events[event].op, Op::CreateMultipartUpload);
}

#[test]
fn a_wrong_bucket_is_a_wrong_key_too() {
    let (events, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, "real", K, Some("u")),
            failed(event(2, Op::UploadPart, B, K, Some("u"))),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::WrongKey);
    let Culprit::Owner { event } = f.culprit else {
        panic!()
    };
    assert_eq!(events[event].bucket, "real");
}

#[test]
fn an_id_never_seen_is_unknown() {
    let (_, f, _) = run(
        vec![
            part(0, "other", 1, 1),
            failed(part(1, "ghost", 1, 5)),
            failed(part(2, "ghost", 2, 5)),
        ],
        Some(vec![rule(1)]),
    );
    assert_eq!(f.len(), 2);
    assert!(
        f.iter()
            .all(|f| f.cause == Cause::UnknownUpload && f.confidence == Confidence::Likely)
    );
    assert!(
        f[0].explanation
            .contains("2026-11-02 10:00:00 UTC to 2026-11-02 10:02:00 UTC"),
        "{}",
        f[0].explanation
    );
}

#[test]
fn lifecycle_needs_eligibility_strictly_before_the_failure() {
    // Created 11-02 10:00, one day → eligible 11-04 00:00 (= 2,280 minutes later).
    let create = event(0, Op::CreateMultipartUpload, B, K, Some("u"));
    let (_, f, _) = run(
        vec![
            create.clone(),
            part(1, "u", 1, 5),
            failed(part(2_281, "u", 2, 5)),
        ],
        Some(vec![rule(1)]),
    );
    let f = only(&f);
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Likely)
    );
    let Culprit::Rule { eligibility, .. } = &f.culprit else {
        panic!()
    };
    assert_eq!(eligibility.at, parse_time("2026-11-04T00:00:00Z").unwrap());
    assert!(f.advice.contains("DaysAfterInitiation"), "{}", f.advice);

    let (_, f, _) = run(
        vec![create, part(1, "u", 1, 5), failed(part(2_280, "u", 2, 5))],
        Some(vec![rule(1)]),
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("only at 2026-11-04 00:00:00 UTC"),
        "{}",
        f.explanation
    );
}

#[test]
fn lifecycle_without_the_creation_is_only_possible() {
    let (_, f, _) = run(
        vec![part(1, "u", 1, 5), failed(part(3_000, "u", 2, 5))],
        Some(vec![rule(1)]),
    );
    let f = only(&f);
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Possible)
    );
    assert!(f.explanation.contains("first seen"), "{}", f.explanation);
}

#[test]
fn an_abort_beats_an_earlier_lifecycle_eligibility() {
    let (_, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            event(3_000, Op::AbortMultipartUpload, B, K, Some("u")),
            failed(part(3_001, "u", 2, 5)),
        ],
        Some(vec![rule(1)]),
    );
    assert_eq!(only(&f).cause, Cause::Aborted);
}

#[test]
fn the_create_response_names_the_rule() {
    let mut create = event(0, Op::CreateMultipartUpload, B, K, Some("u"));
    create.abort_hint = Some(AbortHint {
        date: parse_time("2026-11-03T00:00:00Z"),
        rule_id: Some("from-header".to_owned()),
    });
    let (_, f, _) = run(vec![create, failed(part(1_500, "u", 1, 5))], None);
    let f = only(&f);
    assert_eq!(f.cause, Cause::Lifecycle);
    let Culprit::Rule { eligibility, .. } = &f.culprit else {
        panic!()
    };
    assert_eq!(
        (eligibility.rule_id.as_deref(), &eligibility.source),
        (Some("from-header"), &RuleSource::CreateResponse)
    );
}

#[test]
fn unknown_configuration_is_unexplained_and_says_so() {
    let (_, f, _) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            failed(part(5_000, "u", 1, 5)),
        ],
        None,
    );
    let f = only(&f);
    assert_eq!(f.cause, Cause::Unexplained);
    assert!(
        f.explanation.contains("--lifecycle b=FILE"),
        "{}",
        f.explanation
    );
}

#[test]
fn orphans_are_open_uploads_not_shown_to_be_gone() {
    let (_, _, o) = run(
        vec![
            event(0, Op::CreateMultipartUpload, B, K, Some("open")),
            part(1, "open", 1, 100),
            part(2, "open", 2, 50),
            failed(event(3, Op::UploadPart, B, "elsewhere", Some("open"))), // a wrong key does not end it
            event(4, Op::CreateMultipartUpload, B, K, Some("gone")),
            failed(part(5, "gone", 1, 5)),
            event(6, Op::CreateMultipartUpload, B, K, Some("done")),
            event(7, Op::CompleteMultipartUpload, B, K, Some("done")),
        ],
        Some(vec![rule(7)]),
    );
    assert_eq!(o.len(), 1);
    assert_eq!((o[0].progress.parts, o[0].progress.bytes), (2, 150));
    assert_eq!(o[0].age, Duration::minutes(7));
    assert_eq!(
        o[0].lifecycle.as_ref().map(|e| e.at),
        parse_time("2026-11-10T00:00:00Z")
    );
}
