//! Stories of the fixture trail for failed requests that are not NoSuchUpload, one or more per
//! diagnosis of `contract/other-failures.md`, told as `../shared/reference/mpu-errors.md` says
//! the logs show them: parts too small at completion, part numbers past 10,000, parts never
//! uploaded or uploaded twice, a KMS key policy changed under an SSE-KMS upload, a bucket policy
//! changed under a writer, a deleted bucket and copy source, a key written first, throttling that
//! was retried and throttling that was not, and an expired token only an access log shows.

use chrono::Duration;
use serde_json::{Value, json};

use super::records::{self, Place, Rec, S3Call, Time, Who};
use super::scenarios::{ACCOUNT, ExpectOther, World, at};

const MIB: u64 = 1 << 20;
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/0f3c9a2e-6b1d-4c7e-9a8f-2d5b7e1c4a90";

/// What a story expects of one failed request, built up.
struct Other {
    story: &'static str,
    error_code: &'static str,
    diagnosis: &'static str,
    confidence: &'static str,
    recovered: bool,
    culprit: Option<&'static str>,
    details: Value,
    from_access_logs: Option<(&'static str, &'static str, Value, Option<&'static str>)>,
}

impl Other {
    fn new(story: &'static str, error_code: &'static str, diagnosis: &'static str) -> Other {
        Other {
            story,
            error_code,
            diagnosis,
            confidence: "certain",
            recovered: false,
            culprit: None,
            details: json!({}),
            from_access_logs: None,
        }
    }
    fn confidence(self, confidence: &'static str) -> Other {
        Other { confidence, ..self }
    }
    fn recovered(self) -> Other {
        Other {
            recovered: true,
            ..self
        }
    }
    fn culprit(self, name: &'static str) -> Other {
        Other {
            culprit: Some(name),
            ..self
        }
    }
    fn details(self, details: Value) -> Other {
        Other { details, ..self }
    }
    fn access_logs_say(
        self,
        diagnosis: &'static str,
        confidence: &'static str,
        details: Value,
        culprit: Option<&'static str>,
    ) -> Other {
        Other {
            from_access_logs: Some((diagnosis, confidence, details, culprit)),
            ..self
        }
    }
}

/// The parts of the trail these stories play in.
struct Stage {
    east: Place,
    uploader: Who,
    worker: Who,
    admin: Who,
}

impl Stage {
    /// A request of `who` on upload `id` of `bucket`/`key`, failing with `error` when given.
    fn call(
        &self,
        w: &mut World,
        t: Time,
        who: &Who,
        name: &str,
        (bucket, key, id): (&str, &str, &str),
        part: Option<u32>,
        bytes: u64,
        error: Option<(&str, &str)>,
    ) -> Rec {
        records::call(
            &mut w.rng, t, &self.east, who, name, bucket, key, id, part, bytes, error,
        )
    }

    /// A creation, with SSE-KMS when `kms` is set.
    fn create(
        &self,
        w: &mut World,
        t: Time,
        who: &Who,
        bucket: &str,
        key: &str,
        kms: bool,
    ) -> String {
        let id = w.rng.upload_id();
        let mut rec = records::create(&mut w.rng, t, &self.east, who, bucket, key, Some(&id), None);
        if kms {
            rec.json["requestParameters"]["x-amz-server-side-encryption"] = json!("aws:kms");
            rec.json["requestParameters"]["x-amz-server-side-encryption-aws-kms-key-id"] =
                json!(KEY_ARN);
            rec.json["responseElements"]["x-amz-server-side-encryption"] = json!("aws:kms");
        }
        w.push(rec);
        id
    }

    /// Successful parts `numbers` of the sizes given, a minute apart from `t`.
    fn parts(
        &self,
        w: &mut World,
        t: Time,
        who: &Who,
        upload: (&str, &str, &str),
        sizes: &[(u32, u64)],
    ) {
        for (k, &(n, bytes)) in sizes.iter().enumerate() {
            let rec = self.call(
                w,
                t + Duration::minutes(k as i64),
                who,
                "UploadPart",
                upload,
                Some(n),
                bytes,
                None,
            );
            w.push(rec);
        }
    }

    /// A failing request, and what the story expects of it.
    fn fail(&self, w: &mut World, rec: Rec, expect: Other) {
        let event_id = rec.event_id();
        let request_id = rec.json["requestID"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        w.push(rec);
        push(w, event_id, request_id, expect);
    }

    /// The client gives up on the upload: it aborts it a minute after `t`.
    fn abandon(&self, w: &mut World, t: Time, upload: (&str, &str, &str)) {
        let rec = self.call(
            w,
            t + Duration::minutes(1),
            &self.uploader,
            "AbortMultipartUpload",
            upload,
            None,
            0,
            None,
        );
        w.push(rec);
    }
}

/// What a story told elsewhere expects of its failed record `event_id` (already in the trail).
pub(super) fn expect(
    w: &mut World,
    event_id: &str,
    story: &'static str,
    error_code: &'static str,
    diagnosis: &'static str,
) {
    let request_id = w
        .records
        .iter()
        .find(|r| r.event_id() == event_id)
        .and_then(|r| r.json["requestID"].as_str())
        .unwrap_or_default()
        .to_owned();
    push(
        w,
        event_id.to_owned(),
        request_id,
        Other::new(story, error_code, diagnosis),
    );
}

fn push(w: &mut World, event_id: String, request_id: String, e: Other) {
    w.other.push(ExpectOther {
        story: e.story,
        event_id,
        request_id,
        error_code: e.error_code,
        diagnosis: e.diagnosis,
        confidence: e.confidence,
        recovered: e.recovered,
        culprit: e.culprit,
        details: e.details,
        from_access_logs: e.from_access_logs,
    });
}

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World) {
    let java = "[aws-sdk-java/2.25.16 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS ua/2.0 ft/s3-transfer]";
    let stage = Stage {
        east: w.east.clone(),
        uploader: Who::role(
            ACCOUNT,
            "archive-writer",
            "i-0a0a0a0a0a0a0a0a0",
            "10.0.70.3",
            java,
        ),
        worker: Who::role(
            ACCOUNT,
            "archive-writer",
            "i-0b0b0b0b0b0b0b0b0",
            "10.0.70.4",
            java,
        ),
        admin: Who::user(
            ACCOUNT,
            "ops-admin",
            "198.51.100.20",
            "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750]",
        ),
    };
    parts_stories(w, &stage);
    permission_stories(w, &stage);
    object_stories(w, &stage);
    transient_stories(w, &stage);
}

/// AC to AH: parts too small, too many, missing, overwritten, out of order, none at all.
fn parts_stories(w: &mut World, s: &Stage) {
    let bucket = "archive";
    let up = &s.uploader;

    // AC: a chunker flushed a 5,000,000-byte part in the middle (5 MB, not 5 MiB).
    let key = "exports/2026-11-02/ledger.csv";
    let id = s.create(w, at(2, 11, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(2, 11, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 5_000_000), (3, 3 * MIB)],
    );
    let rec = s.call(
        w,
        at(2, 11, 5, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AC a middle part under 5 MiB",
            "EntityTooSmall",
            "part_too_small",
        )
        .details(
            json!({"small_parts": [{"part_number": 2, "bytes": 5_000_000}], "minimum": 5_242_880}),
        ),
    );
    s.abandon(w, at(2, 11, 5, 0), (bucket, key, &id));

    // AD: a stream outgrew 10,000 parts.
    let key = "backups/2026-11-03/pg-full.tar.zst";
    let id = s.create(w, at(3, 1, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(3, 4, 0, 0),
        up,
        (bucket, key, &id),
        &[(9_999, 8 * MIB), (10_000, 8 * MIB)],
    );
    let rec = s.call(
        w,
        at(3, 4, 3, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(10_001),
        0,
        Some((
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AD part number 10,001", "InvalidArgument", "too_many_parts")
            .details(json!({"part_number": 10_001, "highest_part": 10_000})),
    );
    s.abandon(w, at(3, 4, 3, 0), (bucket, key, &id));

    // AE: part 3 timed out and was never retried; the completion lists it.
    let key = "exports/2026-11-04/orders.parquet";
    let id = s.create(w, at(4, 13, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(4, 13, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 8 * MIB)],
    );
    let rec = s.call(w, at(4, 13, 3, 0), up, "UploadPart", (bucket, key, &id), Some(3), 0,
        Some(("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")));
    s.fail(
        w,
        rec,
        Other::new(
            "AE a part timed out and was never retried",
            "RequestTimeout",
            "timeout",
        ),
    );
    s.parts(w, at(4, 13, 4, 0), up, (bucket, key, &id), &[(4, 2 * MIB)]);
    let rec = s.call(
        w,
        at(4, 13, 6, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AE the completion lists the missing part",
            "InvalidPart",
            "parts_missing",
        )
        .confidence("likely")
        .details(json!({"missing_parts": [3]})),
    );
    s.abandon(w, at(4, 13, 6, 0), (bucket, key, &id));

    // AF: two workers uploaded part 2; the completion used the first one's ETag.
    let key = "exports/2026-11-05/events.json.gz";
    let id = s.create(w, at(5, 15, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(5, 15, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 8 * MIB), (3, MIB)],
    );
    s.parts(
        w,
        at(5, 15, 4, 0),
        &s.worker.clone(),
        (bucket, key, &id),
        &[(2, 8 * MIB)],
    );
    let rec = s.call(
        w,
        at(5, 15, 6, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AF part 2 uploaded twice",
            "InvalidPart",
            "part_overwritten",
        )
        .confidence("likely")
        .culprit("UploadPart")
        .details(json!({"overwritten_parts": [{"part_number": 2, "uploads": 2}]})),
    );
    s.abandon(w, at(5, 15, 6, 0), (bucket, key, &id));

    // AG: every part once, but the completion sent a wrong ETag.
    let key = "exports/2026-11-06/users.csv";
    let id = s.create(w, at(6, 16, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(6, 16, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let rec = s.call(
        w,
        at(6, 16, 3, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AG a wrong ETag", "InvalidPart", "invalid_part").confidence("possible"),
    );
    s.abandon(w, at(6, 16, 3, 0), (bucket, key, &id));

    // AH: parts listed out of order; AI: an empty file sent through multipart.
    let key = "exports/2026-11-07/clicks.csv";
    let id = s.create(w, at(7, 17, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(7, 17, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let rec = s.call(w, at(7, 17, 3, 0), up, "CompleteMultipartUpload", (bucket, key, &id), None, 0,
        Some(("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")));
    s.fail(
        w,
        rec,
        Other::new("AH parts out of order", "InvalidPartOrder", "part_order"),
    );
    s.abandon(w, at(7, 17, 3, 0), (bucket, key, &id));
    let key = "exports/2026-11-07/empty.csv";
    let id = s.create(w, at(7, 18, 0, 0), up, bucket, key, false);
    let rec = s.call(w, at(7, 18, 0, 5), up, "CompleteMultipartUpload", (bucket, key, &id), None, 0,
        Some(("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")));
    s.fail(
        w,
        rec,
        Other::new("AI an empty upload", "MalformedXML", "empty_upload"),
    );
    let rec = s.call(
        w,
        at(7, 18, 1, 0),
        up,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);
}

/// AJ to AM: a KMS key policy, a bucket policy, a permission never granted, a deleted bucket.
fn permission_stories(w: &mut World, s: &Stage) {
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

/// AN to AP: a deleted copy source, a key written first, a conflicting write.
fn object_stories(w: &mut World, s: &Stage) {
    let up = &s.uploader;
    let other = Who::role(
        ACCOUNT,
        "media-uploader",
        "i-0ffee1234567890ab",
        "10.0.12.99",
        "[aws-sdk-java/2.25.16 ua/2.0]",
    );

    // AN: a part is copied from an object another job deleted.
    let (bucket, key) = ("archive", "rebuilt/2026-11-11/master.mov");
    let source = ("media-uploads", "raw/camera-2/take 7+final.mov");
    let put = records::s3_data(
        &mut w.rng,
        at(11, 1, 0, 0),
        &s.east,
        &other,
        &S3Call {
            name: "PutObject",
            bucket: source.0,
            key: source.1,
            upload_id: None,
            part: None,
            bytes_in: 64 * MIB,
            error: None,
        },
    );
    w.push(put);
    let delete = records::s3_data(
        &mut w.rng,
        at(11, 1, 30, 0),
        &s.east,
        &other,
        &S3Call {
            name: "DeleteObject",
            bucket: source.0,
            key: source.1,
            upload_id: None,
            part: None,
            bytes_in: 0,
            error: None,
        },
    );
    w.push(delete);
    let id = s.create(w, at(11, 2, 0, 0), up, bucket, key, false);
    let mut rec = s.call(
        w,
        at(11, 2, 1, 0),
        up,
        "UploadPartCopy",
        (bucket, key, &id),
        Some(1),
        0,
        Some(("NoSuchKey", "The specified key does not exist.")),
    );
    rec.json["requestParameters"]["x-amz-copy-source"] =
        json!("media-uploads/raw/camera-2/take%207+final.mov?versionId=null");
    rec.json["requestParameters"]["x-amz-copy-source-range"] = json!("bytes=0-8388607");
    s.fail(
        w,
        rec,
        Other::new(
            "AN a copy source deleted",
            "NoSuchKey",
            "copy_source_missing",
        )
        .culprit("DeleteObject")
        .details(
            json!({"source": {"bucket": "media-uploads", "key": "raw/camera-2/take 7+final.mov"}}),
        )
        .access_logs_say(
            "copy_source_missing",
            "likely",
            json!({"source": null}),
            None,
        ),
    );
    let rec = s.call(
        w,
        at(11, 2, 5, 0),
        up,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);

    // AO: a conditional completion finds the key written by someone else.
    let (bucket, key) = ("archive", "releases/v4.2.0/bundle.tar");
    let id = s.create(w, at(11, 5, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(11, 5, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let put = records::s3_data(
        &mut w.rng,
        at(11, 5, 2, 30),
        &s.east,
        &other,
        &S3Call {
            name: "PutObject",
            bucket,
            key,
            upload_id: None,
            part: None,
            bytes_in: 9 * MIB,
            error: None,
        },
    );
    w.push(put);
    let mut rec = s.call(
        w,
        at(11, 5, 4, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
        )),
    );
    rec.json["requestParameters"]["If-None-Match"] = json!("*");
    s.fail(
        w,
        rec,
        Other::new(
            "AO the key written first",
            "PreconditionFailed",
            "key_exists",
        )
        .culprit("PutObject"),
    );
    s.abandon(w, at(11, 5, 4, 0), (bucket, key, &id));

    // AP: a copy onto the key during the completion.
    let (bucket, key) = ("archive", "releases/v4.3.0/bundle.tar");
    let id = s.create(w, at(11, 6, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(11, 6, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let mut copy = records::s3_data(
        &mut w.rng,
        at(11, 6, 3, 0),
        &s.east,
        &other,
        &S3Call {
            name: "CopyObject",
            bucket,
            key,
            upload_id: None,
            part: None,
            bytes_in: 0,
            error: None,
        },
    );
    copy.json["requestParameters"]["x-amz-copy-source"] =
        json!("archive/releases/v4.2.0/bundle.tar");
    w.push(copy);
    let rec = s.call(w, at(11, 6, 3, 0), up, "CompleteMultipartUpload", (bucket, key, &id), None, 0,
        Some(("ConditionalRequestConflict", "A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.")));
    s.fail(
        w,
        rec,
        Other::new(
            "AP a conflicting write",
            "ConditionalRequestConflict",
            "write_conflict",
        )
        .confidence("likely")
        .culprit("CopyObject"),
    );
    s.abandon(w, at(11, 6, 3, 0), (bucket, key, &id));
}

/// AQ to AU: throttling retried and not, a bad digest retried, an odd code, an expired token.
fn transient_stories(w: &mut World, s: &Stage) {
    let up = &s.uploader;
    let bucket = "archive";

    // AQ: a throttled part and a throttled creation, both retried with success.
    let key = "logs/2026-11-12/app.log.gz";
    let mut rec = records::call(
        &mut w.rng,
        at(12, 1, 0, 0),
        &s.east,
        up,
        "CreateMultipartUpload",
        bucket,
        key,
        "",
        None,
        0,
        Some(("SlowDown", "Please reduce your request rate.")),
    );
    if let Some(p) = rec.json["requestParameters"].as_object_mut() {
        p.remove("uploadId");
        p.insert("uploads".into(), json!(""));
    }
    s.fail(
        w,
        rec,
        Other::new("AQ a throttled creation, retried", "SlowDown", "throttled").recovered(),
    );
    let id = s.create(w, at(12, 1, 0, 3), up, bucket, key, false);
    s.parts(w, at(12, 1, 1, 0), up, (bucket, key, &id), &[(1, 8 * MIB)]);
    let rec = s.call(
        w,
        at(12, 1, 2, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(2),
        0,
        Some(("SlowDown", "Please reduce your request rate.")),
    );
    s.fail(
        w,
        rec,
        Other::new("AQ a throttled part, retried", "SlowDown", "throttled").recovered(),
    );
    s.parts(w, at(12, 1, 2, 2), up, (bucket, key, &id), &[(2, MIB)]);
    // AR: a bad digest on a part, retried.
    let rec = s.call(
        w,
        at(12, 1, 4, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(3),
        0,
        Some((
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AR a bad digest, retried", "BadDigest", "checksum_mismatch").recovered(),
    );
    s.parts(w, at(12, 1, 4, 1), up, (bucket, key, &id), &[(3, MIB)]);
    let rec = s.call(
        w,
        at(12, 1, 6, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);

    // AS: a throttled part never retried: the upload is left open.
    let key = "logs/2026-11-12/db.log.gz";
    let id = s.create(w, at(12, 3, 0, 0), up, bucket, key, false);
    s.parts(w, at(12, 3, 1, 0), up, (bucket, key, &id), &[(1, 8 * MIB)]);
    let rec = s.call(
        w,
        at(12, 3, 2, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(2),
        0,
        Some(("ServiceUnavailable", "Please reduce your request rate.")),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AS a throttled part, not retried",
            "ServiceUnavailable",
            "throttled",
        ),
    );
    w.orphans.push(super::scenarios::ExpectOrphan {
        bucket: bucket.into(),
        key: key.into(),
        parts: 1,
        bytes: 8 * MIB,
        rule_id: None,
    });

    // AV: a part over 5 GiB.
    let key = "rebuilt/2026-11-12/raw-4k.mov";
    let id = s.create(w, at(12, 4, 0, 0), up, bucket, key, false);
    let rec = s.call(
        w,
        at(12, 4, 1, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(1),
        6 << 30,
        Some((
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AV a part over 5 GiB", "EntityTooLarge", "part_too_large")
            .details(json!({"bytes": 6_u64 << 30})),
    );
    s.abandon(w, at(12, 4, 1, 0), (bucket, key, &id));

    // AT: a code this tool has no row for.
    let key = "rebuilt/2026-11-12/huge.mov";
    let id = s.create(w, at(12, 5, 0, 0), up, bucket, key, false);
    let mut rec = s.call(w, at(12, 5, 1, 0), up, "UploadPartCopy", (bucket, key, &id), Some(1), 0,
        Some(("InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")));
    rec.json["requestParameters"]["x-amz-copy-source"] =
        json!("media-uploads/raw/camera-1/full.mov");
    s.fail(
        w,
        rec,
        Other::new("AT an error with no row", "InvalidRequest", "other").confidence("possible"),
    );
    let rec = s.call(
        w,
        at(12, 5, 2, 0),
        up,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);

    // AU: a session expired mid-upload: CloudTrail does not log failed authentication, the
    // access log does; the part is then sent again with fresh credentials.
    let key = "logs/2026-11-12/audit.log.gz";
    let id = s.create(w, at(12, 7, 0, 0), up, bucket, key, false);
    s.parts(w, at(12, 7, 1, 0), up, (bucket, key, &id), &[(1, 8 * MIB)]);
    let expired = records::call(
        &mut w.rng,
        at(12, 7, 2, 0),
        &s.east,
        up,
        "UploadPart",
        bucket,
        key,
        &id,
        Some(2),
        0,
        Some(("ExpiredToken", "The provided token has expired.")),
    );
    let request_id = expired.json["requestID"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    w.access_only.push(expired);
    push(
        w,
        String::new(),
        request_id,
        Other::new(
            "AU an expired token, seen only by the access log",
            "ExpiredToken",
            "credentials",
        )
        .recovered(),
    );
    s.parts(w, at(12, 7, 2, 30), up, (bucket, key, &id), &[(2, MIB)]);
    let rec = s.call(
        w,
        at(12, 7, 4, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);
}
