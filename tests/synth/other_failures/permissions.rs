//! The stories of permissions: a KMS key policy and a bucket policy changed under a writer, a
//! permission never granted, a bucket deleted under its uploads.

use serde_json::{Value, json};

use super::super::records::{self, Who};
use super::super::scenarios::{ACCOUNT, World, at};
use super::{KEY_ARN, MIB, Other, Stage};

/// AJ to AM: a KMS key policy, a bucket policy, a permission never granted, a deleted bucket.
pub(super) fn stories(w: &mut World, s: &Stage) {
    let up = &s.uploader;
    let admin = &s.admin;

    // AJ: the key policy of the bucket's KMS key is replaced; parts of an SSE-KMS upload are then
    // denied kms:Decrypt.
    let bucket = "secure-uploads";
    let key = "contracts/2026/q4-master.pdf";
    let id = s.create(w, at(8, 9, 0, 0), up, bucket, key, true);
    s.parts(w, at(8, 9, 1, 0), up, (bucket, key, &id), &[(1, 8 * MIB)]);
    let rec = records::management(
        &mut w.rng,
        at(8, 9, 30, 0),
        &s.east,
        admin,
        "kms.amazonaws.com",
        "PutKeyPolicy",
        json!({"keyId": KEY_ARN, "policyName": "default", "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}),
        Value::Null,
    );
    w.push(rec);
    let message = format!(
        "User: {} is not authorized to perform: kms:Decrypt on resource: {KEY_ARN} because no identity-based policy allows the kms:Decrypt action",
        up.name
    );
    let rec = s.call(
        w,
        at(8, 9, 45, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(2),
        0,
        Some(("AccessDenied", &message)),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AJ a key policy changed under an SSE-KMS upload",
            "AccessDenied",
            "kms_denied",
        )
        .culprit("PutKeyPolicy")
        .details(json!({"action": "kms:Decrypt"}))
        // Access logs hold neither the message nor the encryption of the creation.
        .access_logs_say(
            "permission_missing",
            "likely",
            json!({"action": null}),
            None,
        ),
    );
    s.abandon(w, at(8, 9, 45, 0), (bucket, key, &id));

    // AK: a bucket policy is replaced; the same writer is denied what it did an hour before.
    let bucket = "finance-exports";
    let key = "daily/2026-11-09/positions.csv";
    let id = s.create(w, at(9, 10, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(9, 10, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let rec = s.call(
        w,
        at(9, 10, 3, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);
    let rec = records::bucket_change(
        &mut w.rng,
        at(9, 10, 40, 0),
        &s.east,
        admin,
        "PutBucketPolicy",
        bucket,
        json!({"policy": "", "bucketPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::finance-exports/*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "finance"}}}]}}),
    );
    w.push(rec);
    let key = "daily/2026-11-09/positions-v2.csv";
    let message = format!(
        "User: {} is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::{bucket}/{key}\" with an explicit deny in a resource-based policy",
        up.name
    );
    let rec = records::call(
        &mut w.rng,
        at(9, 11, 0, 0),
        &s.east,
        up,
        "CreateMultipartUpload",
        bucket,
        key,
        "",
        None,
        0,
        Some(("AccessDenied", &message)),
    );
    let mut rec = rec;
    if let Some(p) = rec.json["requestParameters"].as_object_mut() {
        p.remove("uploadId");
        p.insert("uploads".into(), json!(""));
    }
    s.fail(
        w,
        rec,
        Other::new(
            "AK a bucket policy changed under a writer",
            "AccessDenied",
            "permission_changed",
        )
        .confidence("likely")
        .culprit("PutBucketPolicy")
        .details(json!({"last_success": "2026-11-09T10:00:00Z", "action": "s3:PutObject"}))
        .access_logs_say(
            "permission_changed",
            "likely",
            json!({"last_success": "2026-11-09T10:00:00Z", "action": null}),
            Some("PutBucketPolicy"),
        ),
    );

    // AL: a read-only janitor was never allowed to abort.
    let janitor = Who::role(
        ACCOUNT,
        "janitor-readonly",
        "sweep-1",
        "10.0.40.8",
        "[aws-cli/2.17.60 md/command#s3api.abort-multipart-upload]",
    );
    let bucket = "archive";
    let key = "exports/2026-11-10/stale.bin";
    let id = s.create(w, at(10, 2, 0, 0), up, bucket, key, false);
    let message = format!(
        "User: {} is not authorized to perform: s3:AbortMultipartUpload on resource: \"arn:aws:s3:::{bucket}/{key}\" because no identity-based policy allows the s3:AbortMultipartUpload action",
        janitor.name
    );
    let rec = s.call(
        w,
        at(10, 3, 0, 0),
        &janitor,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some(("AccessDenied", &message)),
    );
    // The uploader's own abort then does what the janitor could not: it recovered.
    s.fail(
        w,
        rec,
        Other::new(
            "AL an abort never allowed",
            "AccessDenied",
            "permission_missing",
        )
        .confidence("likely")
        .recovered()
        .details(json!({"action": "s3:AbortMultipartUpload"}))
        .access_logs_say(
            "permission_missing",
            "likely",
            json!({"action": null}),
            None,
        ),
    );
    let rec = s.call(
        w,
        at(10, 3, 5, 0),
        up,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);

    // AM: a staging bucket is deleted; an upload to it then fails.
    let bucket = "tmp-staging";
    let rec = records::bucket_change(
        &mut w.rng,
        at(10, 20, 0, 0),
        &s.east,
        admin,
        "DeleteBucket",
        bucket,
        json!({}),
    );
    w.push(rec);
    let key = "batch/2026-11-10/input.bin";
    let mut rec = records::call(
        &mut w.rng,
        at(10, 20, 5, 0),
        &s.east,
        up,
        "CreateMultipartUpload",
        bucket,
        key,
        "",
        None,
        0,
        Some(("NoSuchBucket", "The specified bucket does not exist")),
    );
    if let Some(p) = rec.json["requestParameters"].as_object_mut() {
        p.remove("uploadId");
        p.insert("uploads".into(), json!(""));
    }
    s.fail(
        w,
        rec,
        Other::new("AM a deleted bucket", "NoSuchBucket", "bucket_deleted").culprit("DeleteBucket"),
    );
}
