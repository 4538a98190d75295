//! The rules of `contract/incidents.md` on hand-built events: the seventh cause (`superseded`) and
//! its precedence, the kinds of abort, the evidence the logs could not see, and the incidents.

use super::*;
use crate::incidents::Incident;
use crate::model::{Actor, Condition};

const UPLOADER: &str = "arn:aws:iam::111122223333:user/uploader";
const CLEANER: &str = "arn:aws:sts::111122223333:assumed-role/cleanup/run-1";

/// A successful abort of upload `id` (of key `k-ID`) by the cleaner.
fn abort(s: &Scene, at: i64, id: &str) -> Event {
    by(
        s,
        CLEANER,
        s.event(
            at,
            Op::AbortMultipartUpload,
            B,
            &format!("k-{id}"),
            Some(id),
        ),
    )
}

/// An upload `id` of key `k-ID`, created at `at` with one part a minute later.
fn upload(s: &Scene, at: i64, id: &str) -> Vec<Event> {
    vec![
        s.event(
            at,
            Op::CreateMultipartUpload,
            B,
            &format!("k-{id}"),
            Some(id),
        ),
        Event {
            key: Some(s.sym(&format!("k-{id}"))),
            ..s.part(at + 1, id, 1, 5)
        },
    ]
}

/// A failing part of upload `id`.
fn fails(s: &Scene, at: i64, id: &str) -> Event {
    failed(Event {
        key: Some(s.sym(&format!("k-{id}"))),
        ..s.part(at, id, 2, 5)
    })
}

fn kind(f: &Finding) -> Option<AbortKind> {
    match f.culprit {
        Culprit::Request { abort, .. } => abort.map(Abort::kind),
        _ => None,
    }
}

#[test]
fn an_abort_by_the_failing_caller_is_self_and_names_its_trigger() {
    let s = Scene::default();
    let mut events = upload(&s, 0, "u");
    let mut slow = fails(&s, 2, "u");
    slow.error = Some(ErrorCode::Other(s.sym("SlowDown")));
    let mut later = fails(&s, 3, "u");
    later.error = Some(ErrorCode::Other(s.sym("InternalError")));
    events.extend([
        slow,
        later,
        s.event(4, Op::AbortMultipartUpload, B, "k-u", Some("u")),
        fails(&s, 5, "u"),
    ]);
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Aborted);
    assert_eq!(kind(f), Some(AbortKind::Own));
    let Culprit::Request {
        abort: Some(Abort::Own { trigger: Some(t) }),
        ..
    } = f.culprit
    else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(
        o.events[t].error_code(&o.strings),
        Some("SlowDown"),
        "the first failed request is the trigger"
    );
    assert!(
        f.explanation.contains("failed with SlowDown") && f.advice.contains("backoff"),
        "{}\n{}",
        f.explanation,
        f.advice
    );
}

#[test]
fn a_self_abort_without_a_failed_request_before_it_has_no_trigger() {
    let s = Scene::default();
    let mut events = upload(&s, 0, "u");
    let mut after = fails(&s, 6, "u");
    after.error = Some(ErrorCode::Other(s.sym("SlowDown")));
    events.extend([
        s.event(4, Op::AbortMultipartUpload, B, "k-u", Some("u")),
        fails(&s, 5, "u"),
        after,
    ]);
    let o = run(s, events, None);
    let f = o.only();
    assert!(matches!(
        f.culprit,
        Culprit::Request {
            abort: Some(Abort::Own { trigger: None }),
            ..
        }
    ));
}

#[test]
fn two_uploads_aborted_are_other_and_three_are_a_sweep() {
    for (uploads, want) in [(2, AbortKind::Other), (3, AbortKind::Sweep)] {
        let s = Scene::default();
        let ids: Vec<String> = (0..uploads).map(|n| format!("u{n}")).collect();
        let mut events: Vec<Event> = ids.iter().flat_map(|id| upload(&s, 0, id)).collect();
        for (n, id) in ids.iter().enumerate() {
            events.push(abort(&s, 10 + n as i64, id));
        }
        events.push(fails(&s, 30, &ids[0]));
        let o = run(s, events, None);
        let f = o.only();
        assert_eq!(kind(f), Some(want), "{uploads} uploads");
        assert_eq!(
            f.explanation.contains(&format!("one of {uploads} uploads")),
            want == AbortKind::Sweep,
            "{}",
            f.explanation
        );
    }
}

#[test]
fn a_pause_of_more_than_15_minutes_splits_two_sweeps_into_two_incidents() {
    let s = Scene::default();
    let ids: Vec<String> = (0..6).map(|n| format!("u{n}")).collect();
    let mut events: Vec<Event> = ids.iter().flat_map(|id| upload(&s, 0, id)).collect();
    // 10, 11, 12, then 28, 29, 30: 16 minutes between the third and the fourth.
    for (n, id) in ids.iter().enumerate() {
        let at = if n < 3 { 10 + n } else { 25 + n } as i64;
        events.push(abort(&s, at, id));
    }
    events.push(fails(&s, 40, "u0"));
    events.push(fails(&s, 41, "u4"));
    events.push(fails(&s, 42, "u5"));
    let o = run(s, events, None);
    assert!(o.findings.iter().all(|f| kind(f) == Some(AbortKind::Sweep)));
    let incidents = &o.incidents;
    assert_eq!(incidents.list.len(), 2);
    // The larger sweep (two failures) is I1.
    assert_eq!(incidents.list[0].findings.len(), 2);
    assert_eq!(incidents.of_finding, [1, 0, 0]);
    assert!(
        incidents.list[0].summary.contains("3 uploads in one sweep"),
        "{}",
        incidents.list[0].summary
    );
}

/// Two uploads of key `k`: `loser` (created at 0) and `winner` (created at 10, completed at
/// `done`), and a failing completion of `loser` at `fail`.
fn race(s: &Scene, done: i64, fail: i64, condition: Option<Condition>) -> Vec<Event> {
    let mut completion = by(
        s,
        "arn:aws:iam::111122223333:user/other-writer",
        s.event(done, Op::CompleteMultipartUpload, B, K, Some("winner")),
    );
    completion.extra = Extra {
        condition,
        ..Extra::NONE
    }
    .boxed();
    vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("loser")),
        s.part(1, "loser", 1, 5),
        s.event(10, Op::CreateMultipartUpload, B, K, Some("winner")),
        s.part(11, "winner", 1, 5),
        completion,
        failed(s.event(fail, Op::CompleteMultipartUpload, B, K, Some("loser"))),
    ]
}

#[test]
fn another_upload_completed_first_supersedes_and_a_condition_makes_it_likely() {
    for (condition, confidence) in [
        (None, Confidence::Possible),
        (Some(Condition::IfNoneMatch), Confidence::Likely),
        (Some(Condition::IfMatch), Confidence::Likely),
    ] {
        let s = Scene::default();
        let events = race(&s, 20, 30, condition);
        let o = run(s, events, None);
        let f = o.only();
        assert_eq!((f.cause, f.confidence), (Cause::Superseded, confidence));
        let Culprit::Winner { event, same_actor } = f.culprit else {
            panic!("{:?}", f.culprit)
        };
        assert_eq!(o.strings.opt(o.events[event].upload_id), Some("winner"));
        assert!(!same_actor);
        assert!(f.missing.is_empty(), "only unknown and unexplained have it");
    }
}

#[test]
fn a_rival_completed_after_the_failure_or_before_the_upload_began_is_no_culprit() {
    let s = Scene::default();
    let events = race(&s, 31, 30, None);
    let o = run(s, events, None);
    assert_eq!(
        o.only().cause,
        Cause::Unexplained,
        "completed after the failure"
    );

    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("earlier")),
        s.event(2, Op::CompleteMultipartUpload, B, K, Some("earlier")),
        s.event(5, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(6, "u", 1, 5),
        failed(s.event(30, Op::CompleteMultipartUpload, B, K, Some("u"))),
    ];
    let o = run(s, events, None);
    assert_eq!(
        o.only().cause,
        Cause::Unexplained,
        "completed before it began"
    );
}

#[test]
fn the_earliest_rival_completion_is_the_culprit() {
    let s = Scene::default();
    let mut events = race(&s, 25, 30, None);
    events.push(s.event(12, Op::CreateMultipartUpload, B, K, Some("third")));
    events.push(s.event(20, Op::CompleteMultipartUpload, B, K, Some("third")));
    let o = run(s, events, None);
    let Culprit::Winner { event, .. } = o.only().culprit else {
        panic!()
    };
    assert_eq!(o.strings.opt(o.events[event].upload_id), Some("third"));
}

#[test]
fn lifecycle_beats_superseded_and_an_own_abort_beats_both() {
    // Created 11-02 10:00; a 1-day rule makes it eligible 11-04 00:00, before the failure.
    let s = Scene::default();
    let events = race(&s, 20, 3_000, None);
    let o = run(s, events, Some(vec![rule(1)]));
    assert_eq!(o.only().cause, Cause::Lifecycle);

    let s = Scene::default();
    let mut events = race(&s, 20, 30, None);
    events.push(s.event(25, Op::AbortMultipartUpload, B, K, Some("loser")));
    let o = run(s, events, None);
    assert_eq!(o.only().cause, Cause::Aborted);
}

#[test]
fn missing_evidence_names_each_gap() {
    // An upload ID never seen, in a bucket with only failed data events, from another account.
    let s = Scene::default();
    let caller = s.actor_of(
        "partner",
        Actor {
            arn: Some("arn:aws:sts::999988887777:assumed-role/partner/x".to_owned()),
            account_id: Some("999988887777".to_owned()),
            ..Actor::default()
        },
    );
    let failure = Event {
        actor: caller.actor,
        account: Some(s.sym("111122223333")),
        ..failed(s.event(5, Op::UploadPart, "quiet", K, Some("ghost")))
    };
    let o = run(s, vec![failure], None);
    let f = o.only();
    assert_eq!(f.cause, Cause::UnknownUpload);
    assert_eq!(
        f.missing,
        [
            Missing::CreatedBeforeLogs,
            Missing::CrossAccountCaller,
            Missing::NoDataEventsForBucket
        ]
    );
    for words in ["999988887777", "no successful data event", "created before"] {
        assert!(f.explanation.contains(words), "{words}: {}", f.explanation);
    }

    // An upload that vanished: no configuration and no access log of its bucket; its creation
    // is in view.
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 5),
        failed(s.part(9, "u", 2, 5)),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(f.cause, Cause::Unexplained);
    assert_eq!(
        f.missing,
        [Missing::NoAccessLogs, Missing::NoLifecycleConfiguration]
    );

    // The same with a configuration and without the creation.
    let s = Scene::default();
    let events = vec![s.part(1, "u", 1, 5), failed(s.part(9, "u", 2, 5))];
    let o = run(s, events, Some(vec![rule(7)]));
    let f = o.only();
    assert_eq!(
        f.missing,
        [Missing::CreatedBeforeLogs, Missing::NoAccessLogs]
    );
}

#[test]
fn incidents_group_by_what_removed_the_upload_and_are_numbered_largest_first() {
    let s = Scene::default();
    let mut events = Vec::new();
    // Two failures of one completed upload: one incident.
    events.extend([
        s.event(0, Op::CreateMultipartUpload, B, "done", Some("c")),
        s.event(1, Op::CompleteMultipartUpload, B, "done", Some("c")),
        failed(s.event(2, Op::CompleteMultipartUpload, B, "done", Some("c"))),
        failed(s.event(3, Op::ListParts, B, "done", Some("c"))),
    ]);
    // Two unknown uploads of one bucket: two incidents (one per upload ID).
    events.extend([
        failed(s.event(4, Op::UploadPart, B, "x", Some("ghost-1"))),
        failed(s.event(5, Op::UploadPart, B, "y", Some("ghost-2"))),
    ]);
    // The same caller with the same ID and the wrong key twice: one incident.
    events.extend([
        s.event(6, Op::CreateMultipartUpload, B, "right", Some("w")),
        s.part(7, "w", 1, 5),
        failed(s.event(8, Op::UploadPart, B, "wrong", Some("w"))),
        failed(s.event(9, Op::UploadPart, B, "wrong", Some("w"))),
        failed(s.event(10, Op::UploadPart, B, "wrong", Some("w"))),
    ]);
    let o = run(s, events, None);
    let sizes: Vec<usize> = o.incidents.list.iter().map(|i| i.findings.len()).collect();
    assert_eq!(sizes, [3, 2, 1, 1]);
    let causes: Vec<Cause> = o.incidents.list.iter().map(|i| i.cause).collect();
    assert_eq!(
        causes,
        [
            Cause::WrongKey,
            Cause::Completed,
            Cause::UnknownUpload,
            Cause::UnknownUpload
        ]
    );
    // Equal sizes: the earlier first failure first.
    assert!(o.incidents.list[2].first_failure < o.incidents.list[3].first_failure);
    assert_eq!(Incident::id(0), "I1");
    assert_eq!(
        o.incidents.list[1].culprit.as_deref(),
        Some(UPLOADER),
        "the completer"
    );
}

#[test]
fn lifecycle_incidents_are_per_rule_and_races_per_key() {
    let s = Scene::default();
    let mut events = Vec::new();
    for (n, id) in ["a", "b"].iter().enumerate() {
        let key = format!("k-{id}");
        events.push(s.event(n as i64, Op::CreateMultipartUpload, B, &key, Some(id)));
        events.push(Event {
            key: Some(s.sym(&key)),
            ..s.part(n as i64 + 1, id, 1, 5)
        });
        events.push(failed(Event {
            key: Some(s.sym(&key)),
            ..s.part(3_000 + n as i64, id, 2, 5)
        }));
    }
    let o = run(s, events, Some(vec![rule(1)]));
    assert!(o.findings.iter().all(|f| f.cause == Cause::Lifecycle));
    assert_eq!(o.incidents.list.len(), 1, "one rule of one bucket");
    assert_eq!(o.incidents.list[0].uploads, 2);
    assert_eq!(
        o.incidents.list[0].culprit.as_deref(),
        Some("rule \"abort-incomplete\" of bucket b")
    );

    let s = Scene::default();
    let mut events = race(&s, 20, 30, None);
    events.push(failed(s.part(31, "loser", 2, 5)));
    let o = run(s, events, None);
    assert_eq!(o.findings.len(), 2);
    assert_eq!(o.incidents.list.len(), 1, "one key of one bucket");
}
