//! Stories of the fixture trail for failed requests that are not NoSuchUpload, one or more per
//! diagnosis of `contract/other-failures.md`, told as `../shared/reference/mpu-errors.md` says
//! the logs show them: parts too small at completion, part numbers past 10,000, parts never
//! uploaded or uploaded twice, a KMS key policy changed under an SSE-KMS upload, a bucket policy
//! changed under a writer, a deleted bucket and copy source, a key written first, throttling that
//! was retried and throttling that was not, and an expired token only an access log shows.
//!
//! This file holds what the stories share (the cast, and how a failure and its expectation are
//! written); each family of stories has its own file.

use chrono::Duration;
use serde_json::{Value, json};

use super::records::{self, Place, Rec, Time, Who};
use super::scenarios::{ACCOUNT, ExpectOther, World};

mod objects;
mod parts;
mod permissions;
mod transient;

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
    parts::stories(w, &stage);
    permissions::stories(w, &stage);
    objects::stories(w, &stage);
    transient::stories(w, &stage);
}
