//! The stories of passing trouble: throttling retried and not, a bad digest retried, an odd error
//! code, and an expired token only an access log shows.

use serde_json::json;

use super::super::records;
use super::super::scenarios::{World, at};
use super::{MIB, Other, Stage, push};

/// AQ to AU: throttling retried and not, a bad digest retried, an odd code, an expired token.
pub(super) fn stories(w: &mut World, s: &Stage) {
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
    w.orphans.push(super::super::scenarios::ExpectOrphan {
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
