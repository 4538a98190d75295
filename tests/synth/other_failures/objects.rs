//! The stories of objects: a copy source deleted, a key written first, a conflicting write.

use serde_json::json;

use super::super::records::{self, S3Call, Who};
use super::super::scenarios::{ACCOUNT, World, at};
use super::{MIB, Other, Stage};

/// AN to AP: a deleted copy source, a key written first, a conflicting write.
pub(super) fn stories(w: &mut World, s: &Stage) {
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
