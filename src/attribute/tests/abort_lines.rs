//! Lifecycle aborts that only access logs show (`S3.DELETE.UPLOAD`, OSS `SyncRequest`
//! `lifecycle`): how they are tied to an upload and how sure that makes a finding.

use super::*;

/// `S3.DELETE.UPLOAD` as an access log shows it: requester AmazonS3, the key, and (as far as
/// is known) no upload ID.
fn lifecycle_line(scene: &Scene, at: i64, key: &str, id: Option<&str>) -> Event {
    Event {
        evidence: crate::model::Evidence::AccessLog,
        event_id: None,
        ..by(
            scene,
            "AmazonS3",
            scene.event(at, Op::LifecycleAbort, B, key, id),
        )
    }
}

fn abort_of(f: &Finding) -> (Option<&Eligibility>, LifecycleAbort) {
    match &f.culprit {
        Culprit::Rule {
            eligibility,
            abort: Some(abort),
            ..
        } => (eligibility.as_ref(), *abort),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_abort_line_makes_a_lifecycle_finding_certain() {
    // Without the line: eligible 11-04 00:00 under the 1-day rule, so only likely.
    let s = Scene::default();
    let story = |s: &Scene| {
        vec![
            s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
            s.part(1, "u", 1, 5),
            failed(s.part(2_400, "u", 2, 5)),
        ]
    };
    let events = story(&s);
    let o = run(s, events, Some(vec![rule(1)]));
    assert_eq!(o.only().confidence, Confidence::Likely);

    let s = Scene::default();
    let mut events = story(&s);
    events.push(lifecycle_line(&s, 2_330, K, None));
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Certain)
    );
    let (eligibility, abort) = abort_of(f);
    assert_eq!(abort.matched_by, AbortMatch::BucketKeyTime);
    assert_eq!(
        Some(o.events[abort.event].time),
        parse_time("2026-11-04T00:50:00Z")
    );
    assert_eq!(
        eligibility.map(|e| e.at),
        parse_time("2026-11-04T00:00:00Z")
    );
    assert!(
        f.explanation.contains("2026-11-04 00:50:00 UTC")
            && f.explanation.contains("matched by bucket, key and time"),
        "{}",
        f.explanation
    );
    assert!(o.orphans.is_empty(), "the abort ends the upload");
}

#[test]
fn an_abort_line_that_names_the_upload_id_is_matched_by_it() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 5),
        lifecycle_line(&s, 100, K, Some("u")),
        failed(s.part(200, "u", 2, 5)),
    ];
    // No rule is known: the abort is certain, the rule is not.
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Certain)
    );
    let (eligibility, abort) = abort_of(f);
    assert_eq!(
        (eligibility, abort.matched_by),
        (None, AbortMatch::UploadId)
    );
    assert!(
        f.explanation.contains("--lifecycle b=FILE"),
        "{}",
        f.explanation
    );
    assert!(o.orphans.is_empty());
}

#[test]
fn an_abort_line_before_the_last_success_is_not_this_uploads() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        lifecycle_line(&s, 5, K, None), // an older upload of the key
        s.part(10, "u", 1, 5),
        failed(s.part(20, "u", 2, 5)),
    ];
    let o = run(s, events, None);
    assert_eq!(o.only().cause, Cause::Unexplained);
}

#[test]
fn an_abort_line_with_two_open_uploads_of_the_key_is_only_likely() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.event(1, Op::CreateMultipartUpload, B, K, Some("v")),
        s.part(2, "u", 1, 5),
        lifecycle_line(&s, 50, K, None),
        failed(s.part(60, "u", 2, 5)),
    ];
    let o = run(s, events, None);
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Likely)
    );
    assert_eq!(abort_of(f).1.rivals, 1);
    assert!(f.explanation.contains("may be theirs"), "{}", f.explanation);
}

#[test]
fn an_upload_only_access_logs_show_is_matched_through_its_creation() {
    // Access logs: the creation names no upload ID, no part succeeded, then S3 aborts the key's
    // upload and the completion fails.
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, None),
        lifecycle_line(&s, 3_000, K, None),
        failed(s.event(3_100, Op::CompleteMultipartUpload, B, K, Some("u"))),
    ];
    let o = run(s, events, Some(vec![rule(1)]));
    let f = o.only();
    assert_eq!(
        (f.cause, f.confidence),
        (Cause::Lifecycle, Confidence::Likely)
    );
    let (eligibility, _) = abort_of(f);
    assert_eq!(
        eligibility.and_then(|e| e.rule_id.as_deref()),
        Some("abort-incomplete")
    );
    assert!(
        f.explanation.contains("whose log names no upload ID"),
        "{}",
        f.explanation
    );

    // The same without the line: nothing shows the upload ID.
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, None),
        failed(s.event(3_100, Op::CompleteMultipartUpload, B, K, Some("u"))),
    ];
    assert_eq!(
        run(s, events, Some(vec![rule(1)])).only().cause,
        Cause::UnknownUpload
    );
}
