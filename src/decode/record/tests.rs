use super::*;
use crate::strings::Strings;

type Outcome = Result<(), String>;

/// Decodes one record and freezes its strings.
fn one(json: &[u8], op: Op) -> Result<(Event, Strings), String> {
    let interner = Interner::default();
    let (mut e, _) = multipart_event(json, op, 0, &interner)?;
    let (strings, renumber) = interner.freeze();
    e.renumber(&renumber);
    Ok((e, strings))
}

#[test]
fn splits_arns() {
    assert_eq!(split_s3_arn("arn:aws:s3:::b/k/x"), Some(("b", Some("k/x"))));
    assert_eq!(split_s3_arn("arn:aws-us-gov:s3:::b"), Some(("b", None)));
    assert_eq!(split_s3_arn("arn:aws:iam::1:user/x"), None);
    assert_eq!(split_s3_arn("arn:aws:s3"), None);
}

#[test]
fn reads_a_create_with_upload_id_and_abort_headers() -> Outcome {
    let json = br#"{"eventTime":"2026-11-02T10:00:00Z","eventName":"CreateMultipartUpload",
        "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s",
          "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/R"}}},
        "requestParameters":{"bucketName":"b","Key":"k","uploads":""},
        "responseElements":{"CreateMultipartUploadResult":{"UploadId":"u-1"},
          "x-amz-abort-date":"Wed, 04 Nov 2026 00:00:00 GMT","x-amz-abort-rule-id":"r1"}}"#;
    let (e, strings) = one(json, Op::CreateMultipartUpload)?;
    assert_eq!(strings.opt(e.upload_id), Some("u-1"));
    assert_eq!(strings.opt(e.key), Some("k"));
    assert_eq!(
        strings.actor(e.actor).issuer_arn.as_deref(),
        Some("arn:aws:iam::1:role/R")
    );
    let hint = e.extra().abort_hint.clone().ok_or("no abort hint")?;
    assert_eq!(hint.rule_id.as_deref(), Some("r1"));
    assert_eq!(hint.date, parse_time("2026-11-04T00:00:00Z"));
    Ok(())
}

#[test]
fn falls_back_to_resource_arns_and_tolerates_types() -> Outcome {
    let json = br#"{"eventTime":"2026-11-02T10:00:00Z","requestParameters":{"uploadId":"u","partNumber":"3"},
        "additionalEventData":{"bytesTransferredIn":21838.0},
        "resources":[{"type":"AWS::S3::Object","arn":"arn:aws:s3:::bkt/a/b.bin"}],
        "userIdentity":"not an object","recipientAccountId":123}"#;
    let (e, strings) = one(json, Op::UploadPart)?;
    assert_eq!(
        (&strings[e.bucket], strings.opt(e.key)),
        ("bkt", Some("a/b.bin"))
    );
    assert_eq!((e.part_number, e.bytes), (Some(3), Some(21838)));
    assert_eq!(strings.actor(e.actor), &Actor::default());
    assert_eq!(strings.opt(e.account), Some("123"));
    Ok(())
}

#[test]
fn explains_unusable_records() {
    let no_time = br#"{"requestParameters":{"bucketName":"b"}}"#;
    assert_eq!(
        multipart_event(no_time, Op::UploadPart, 0, &Interner::default()).unwrap_err(),
        "the record has no eventTime"
    );
    let bad_time =
        br#"{"eventTime":"9999-99-99T00:00:00Z","requestParameters":{"bucketName":"b"}}"#;
    assert!(
        multipart_event(bad_time, Op::UploadPart, 0, &Interner::default())
            .unwrap_err()
            .contains("not a valid time")
    );
    let no_bucket = br#"{"eventTime":"2026-11-02T10:00:00Z"}"#;
    assert_eq!(
        multipart_event(no_bucket, Op::UploadPart, 0, &Interner::default()).unwrap_err(),
        "the record names no bucket"
    );
}

#[test]
fn reads_lifecycle_rules_in_every_spelling() -> Outcome {
    let json = br#"{"eventTime":"2026-11-01T00:00:00Z","eventName":"PutBucketLifecycle",
      "requestParameters":{"bucketName":"b","LifecycleConfiguration":{"Rule":[
        {"ID":"a","Status":"Enabled","Filter":{"Prefix":"tmp/"},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":"2"}},
        {"ID":"b","Status":"Disabled","Prefix":"old/","AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}},
        {"ID":"c","Status":"Enabled","Filter":{"And":{"Prefix":"x/","Tags":[{"Key":"k","Value":"v"}]}}}]}}}"#;
    let change = lifecycle_change(json, 0)?;
    let rules = change.rules.ok_or("no rules")?;
    assert_eq!(rules.len(), 3);
    assert_eq!(
        (
            rules[0].prefix.as_str(),
            rules[0].abort_days,
            rules[0].enabled
        ),
        ("tmp/", Some(2), true)
    );
    assert_eq!(
        (rules[1].prefix.as_str(), rules[1].enabled),
        ("old/", false)
    );
    assert_eq!(
        (
            rules[2].prefix.as_str(),
            rules[2].other_filters,
            rules[2].abort_days
        ),
        ("x/", true, None)
    );
    Ok(())
}
