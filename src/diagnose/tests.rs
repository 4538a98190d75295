//! Diagnoses on hand-built events: each condition of the contract's table, and its control cases
//! (the last part is never too small, the latest upload of a part counts, a change to another
//! bucket or role or before the last success is no culprit, recovery of parts and creations).

use super::*;
use crate::attribute::{Episodes, Evidence};
use crate::correlate::correlate;
use crate::correlate::tests::Scene;
use crate::lifecycle::Lifecycle;
use crate::model::{
    Actor, ContextEvent, ContextKind, ErrorCode, Evidence as LogKind, Extra, IdentityKind,
};

const B: &str = "b";
const K: &str = "k";
const ROLE: &str = "arn:aws:sts::111122223333:assumed-role/writer/s1";
const ISSUER: &str = "arn:aws:iam::111122223333:role/writer";

fn failed(s: &Scene, e: Event, code: &str, message: Option<&str>) -> Event {
    Event {
        error: Some(ErrorCode::Other(s.sym(code))),
        extra: Extra {
            error_message: message.map(str::to_owned),
            ..e.extra.map(|b| *b).unwrap_or_default()
        }
        .boxed(),
        ..e
    }
}

/// The writer role's session (with its role, as CloudTrail gives an assumed role).
fn writer(s: &Scene, e: Event) -> Event {
    let actor = s.actor_of(
        ROLE,
        Actor {
            kind: IdentityKind::AssumedRole,
            arn: Some(ROLE.to_owned()),
            account_id: Some("111122223333".to_owned()),
            issuer_arn: Some(ISSUER.to_owned()),
            ..Actor::default()
        },
    );
    Event {
        actor: actor.actor,
        ..e
    }
}

/// A context record at `at` minutes.
fn context(
    s: &Scene,
    at: i64,
    kind: ContextKind,
    bucket: Option<&str>,
    target: Option<&str>,
) -> ContextEvent {
    let base = s.event(at, Op::ListParts, B, K, None);
    ContextEvent {
        time: base.time,
        kind,
        bucket: bucket.map(|b| s.sym(b)),
        key_hash: None,
        key: None,
        target: target.map(|t| s.sym(t)),
        actor: s.actor("arn:aws:iam::111122223333:user/admin").actor,
        event_id: base.event_id,
        request_id: None,
        region: None,
        account: None,
        origin: 0,
        evidence: LogKind::Cloudtrail,
        provider: crate::model::Provider::Aws,
    }
}

struct Outcome {
    events: Vec<Event>,
    context: Vec<ContextEvent>,
    failures: Vec<OtherFailure>,
}

impl Outcome {
    fn only(&self) -> &OtherFailure {
        assert_eq!(self.failures.len(), 1, "{:#?}", self.failures);
        &self.failures[0]
    }
}

fn run(s: Scene, events: Vec<Event>, context: Vec<ContextEvent>) -> Outcome {
    let (events, parts, strings, context) = s.finish_with(events, context);
    let timelines = correlate(&events, parts);
    let lifecycle = Lifecycle::new(&[], Vec::new());
    let episodes = Episodes::default();
    let buckets = crate::decode::BucketsSeen::default();
    let ev = Evidence {
        events: &events,
        strings: &strings,
        timelines: &timelines,
        lifecycle: &lifecycle,
        span: None,
        episodes: &episodes,
        buckets: &buckets,
        context: &context,
    };
    let failures = diagnose(&ev);
    Outcome {
        events,
        context,
        failures,
    }
}

fn complete(s: &Scene, at: i64, code: &str) -> Event {
    failed(
        s,
        s.event(at, Op::CompleteMultipartUpload, B, K, Some("u")),
        code,
        None,
    )
}

#[test]
fn the_last_part_is_never_too_small_and_the_latest_upload_of_a_part_counts() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, 1_000), // replaced below
        s.part(2, "u", 2, 4_000_000),
        s.part(3, "u", 3, 10), // the last: never too small
        s.part(4, "u", 1, MIN_PART),
        complete(&s, 5, "EntityTooSmall"),
        s.part(6, "u", 2, 100), // after the failure: does not count
    ];
    let o = run(s, events, Vec::new());
    let f = o.only();
    assert_eq!(
        (f.diagnosis, f.confidence),
        (Diagnosis::PartTooSmall, Confidence::Certain)
    );
    assert_eq!(
        f.details,
        Details::SmallParts {
            parts: vec![(2, 4_000_000)],
            minimum: MIN_PART
        }
    );

    // Nothing under the minimum in view: only possible.
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, MIN_PART),
        s.part(2, "u", 2, 10),
        complete(&s, 5, "EntityTooSmall"),
    ];
    let o = run(s, events, Vec::new());
    assert_eq!(o.only().confidence, Confidence::Possible);
}

#[test]
fn a_part_copy_has_the_size_of_its_range_or_none() {
    let s = Scene::default();
    let copy = |at, n, range| Event {
        op: Op::UploadPartCopy,
        part_number: Some(n),
        bytes: Some(0),
        extra: Extra {
            copy_range: range,
            ..Extra::NONE
        }
        .boxed(),
        ..s.event(at, Op::UploadPartCopy, B, K, Some("u"))
    };
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        copy(1, 1, Some((0, 999))),
        copy(2, 2, None),
        s.part(3, "u", 3, 10),
        complete(&s, 5, "EntityTooSmall"),
    ];
    let o = run(s, events, Vec::new());
    assert_eq!(
        o.only().details,
        Details::SmallParts {
            parts: vec![(1, 1_000)],
            minimum: MIN_PART
        }
    );
}

#[test]
fn invalid_part_is_missing_parts_then_overwritten_parts_then_invalid() {
    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, MIN_PART),
        s.part(2, "u", 3, MIN_PART),
        s.part(3, "u", 4, 10),
        complete(&s, 5, "InvalidPart"),
    ];
    let o = run(s, events, Vec::new());
    assert_eq!(o.only().details, Details::Missing(vec![2]));

    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, MIN_PART),
        s.part(2, "u", 2, MIN_PART),
        s.part(3, "u", 2, MIN_PART),
        s.part(4, "u", 1, MIN_PART),
        complete(&s, 5, "FilePartNotExist"),
    ];
    let o = run(s, events, Vec::new());
    let f = o.only();
    assert_eq!(f.diagnosis, Diagnosis::PartOverwritten);
    assert_eq!(f.details, Details::Overwritten(vec![(1, 2), (2, 2)]));
    let Cause::Part(_, p) = f.culprit else {
        panic!("{:?}", f.culprit)
    };
    assert_eq!(
        p, 1,
        "the latest overwrite (part 1 at minute 4) is the culprit"
    );

    let s = Scene::default();
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        s.part(1, "u", 1, MIN_PART),
        complete(&s, 5, "InvalidPart"),
    ];
    assert_eq!(
        run(s, events, Vec::new()).only().diagnosis,
        Diagnosis::InvalidPart
    );
}

#[test]
fn codes_whose_condition_fails_are_other() {
    let s = Scene::default();
    let part = |at, n| Event {
        part_number: Some(n),
        ..s.event(at, Op::UploadPart, B, K, Some("u"))
    };
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        failed(&s, part(1, 10_001), "InvalidArgument", None),
        failed(&s, part(2, 5), "InvalidArgument", None),
        s.part(3, "u", 1, MIN_PART),
        complete(&s, 4, "MalformedXML"),
        failed(&s, part(5, 2), "NoSuchBucket", None),
        failed(&s, part(6, 2), "NoSuchKey", None),
        failed(&s, part(7, 2), "503", None),
    ];
    let o = run(s, events, Vec::new());
    let got: Vec<Diagnosis> = o.failures.iter().map(|f| f.diagnosis).collect();
    assert_eq!(
        got,
        [
            Diagnosis::TooManyParts,
            Diagnosis::Other,
            Diagnosis::Other, // MalformedXML with a part: not an empty upload
            Diagnosis::Other, // NoSuchBucket without a deletion in view
            Diagnosis::Other, // NoSuchKey on a part upload: not a copy
            Diagnosis::Throttled,
        ]
    );
}

#[test]
fn a_permission_change_counts_only_for_the_bucket_or_role_and_after_the_last_success() {
    let denied = "User: arn:aws:sts::111122223333:assumed-role/writer/s1 is not authorized to perform: s3:PutObject on resource";
    let story = |changes: &dyn Fn(&Scene) -> Vec<ContextEvent>| {
        let s = Scene::default();
        let events = vec![
            writer(&s, s.event(0, Op::CreateMultipartUpload, B, K, Some("u"))),
            writer(
                &s,
                failed(
                    &s,
                    s.event(60, Op::CreateMultipartUpload, B, K, None),
                    "AccessDenied",
                    Some(denied),
                ),
            ),
        ];
        let context = changes(&s);
        run(s, events, context)
    };
    // The bucket's policy changed between the success and the failure.
    let o = story(&|s| vec![context(s, 30, ContextKind::PutBucketPolicy, Some(B), None)]);
    let f = o.only();
    assert_eq!(f.diagnosis, Diagnosis::PermissionChanged);
    assert!(matches!(f.culprit, Cause::Context(0)));
    let Details::Changed {
        last_success,
        action,
    } = &f.details
    else {
        panic!("{:?}", f.details)
    };
    assert_eq!(*last_success, o.events[0].time);
    assert_eq!(action.as_deref(), Some("s3:PutObject"));
    assert_eq!(o.context[0].kind, ContextKind::PutBucketPolicy);

    // The caller's role changed (compared by name, without the account).
    let o = story(&|s| {
        vec![context(
            s,
            30,
            ContextKind::DetachRolePolicy,
            None,
            Some("writer"),
        )]
    });
    assert_eq!(o.only().diagnosis, Diagnosis::PermissionChanged);

    // Another bucket, another role, or before the last success: no culprit.
    for changes in [
        vec![ContextKind::PutBucketPolicy],
        vec![ContextKind::DetachRolePolicy],
    ] {
        let o = story(&|s| {
            changes
                .iter()
                .map(|&k| match k {
                    ContextKind::PutBucketPolicy => context(s, 30, k, Some("other-bucket"), None),
                    _ => context(s, 30, k, None, Some("another-role")),
                })
                .collect()
        });
        assert_eq!(o.only().diagnosis, Diagnosis::PermissionMissing);
    }
    let o = story(&|s| {
        let mut before = context(s, 0, ContextKind::PutBucketPolicy, Some(B), None);
        before.time -= chrono::Duration::minutes(5);
        vec![before]
    });
    assert_eq!(o.only().diagnosis, Diagnosis::PermissionMissing);
}

#[test]
fn kms_is_told_by_the_code_the_message_or_an_sse_kms_creation() {
    let s = Scene::default();
    let mut create = s.event(0, Op::CreateMultipartUpload, B, K, Some("u"));
    create.extra = Extra {
        kms: true,
        kms_key: Some("arn:aws:kms:us-east-1:1:key/abc-123".to_owned()),
        ..Extra::NONE
    }
    .boxed();
    let part = |at| Event {
        part_number: Some(1),
        ..s.event(at, Op::UploadPart, B, K, Some("u"))
    };
    let events = vec![
        create,
        failed(&s, part(10), "AccessDenied", Some("Access Denied")),
        failed(&s, part(11), "KMS.DisabledException", None),
        failed(
            &s,
            part(12),
            "AccessDenied",
            Some("not authorized to perform: s3:PutObject on x"),
        ),
    ];
    let changes = vec![
        context(&s, 5, ContextKind::DisableKey, None, Some("abc-123")),
        context(&s, 6, ContextKind::DisableKey, None, Some("another-key")),
    ];
    let o = run(s, events, changes);
    let got: Vec<(Diagnosis, Confidence)> = o
        .failures
        .iter()
        .map(|f| (f.diagnosis, f.confidence))
        .collect();
    assert_eq!(
        got,
        [
            (Diagnosis::KmsDenied, Confidence::Likely),
            (Diagnosis::KmsDenied, Confidence::Certain),
            (Diagnosis::PermissionMissing, Confidence::Likely),
        ]
    );
    assert!(
        matches!(o.failures[0].culprit, Cause::Context(0)),
        "the upload's key, compared by key ID: {:?}",
        o.failures[0].culprit
    );
}

#[test]
fn a_part_recovers_by_the_same_part_and_a_creation_by_the_same_caller_within_the_hour() {
    let s = Scene::default();
    let part = |at, n| Event {
        part_number: Some(n),
        ..s.event(at, Op::UploadPart, B, K, Some("u"))
    };
    let create = |at| s.event(at, Op::CreateMultipartUpload, B, "other", None);
    let events = vec![
        s.event(0, Op::CreateMultipartUpload, B, K, Some("u")),
        failed(&s, part(1, 1), "SlowDown", None),
        s.part(1, "u", 1, MIN_PART), // the same second counts
        failed(&s, part(2, 2), "SlowDown", None),
        s.part(3, "u", 3, MIN_PART), // another part: no recovery
        failed(&s, create(10), "SlowDown", None),
        create(50),
        failed(&s, create(100), "SlowDown", None),
        create(161), // more than an hour later
        writer(&s, failed(&s, create(200), "SlowDown", None)),
        create(201), // another caller
    ];
    let o = run(s, events, Vec::new());
    let recovered: Vec<bool> = o.failures.iter().map(|f| f.recovered).collect();
    assert_eq!(recovered, [true, false, true, false, false]);
}
