//! Stories of the fixture trail told as real incidents happen (`../shared/reference/
//! real-mpu-evidence.md` §2): a Hadoop S3A job commit that lists and sweeps a tree, a janitor
//! whose two sweeps are split by a pause, an SDK that aborts its own upload after a throttled part
//! (and one whose reason is not in view), two writers racing for one content-addressed key (with
//! and without `If-None-Match`), a caller from another account, and a bucket whose only data
//! events are failures.

use chrono::Duration;
use serde_json::json;

use super::records::{self, NO_SUCH_UPLOAD, Rec, Time, Who};
use super::scenarios::{ACCOUNT, Culprit, World, at, by};

const MIB: u64 = 1 << 20;

/// A ListMultipartUploads of `bucket` under `prefix` (bucket-level: it names no key).
fn list_uploads(w: &mut World, t: Time, who: &Who, bucket: &str, prefix: &str) -> String {
    let east = w.east.clone();
    let mut rec = records::call(
        &mut w.rng,
        t,
        &east,
        who,
        "ListMultipartUploads",
        bucket,
        "",
        "",
        None,
        0,
        None,
    );
    let params = &mut rec.json["requestParameters"];
    if let Some(p) = params.as_object_mut() {
        p.remove("key");
        p.remove("uploadId");
    }
    params["uploads"] = json!("");
    params["prefix"] = json!(prefix);
    rec.json["resources"] = json!([{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]);
    w.push(rec)
}

/// A request of `who` that failed with `code`.
fn failed_with(
    w: &mut World,
    t: Time,
    who: &Who,
    name: &str,
    (bucket, key, id): (&str, &str, &str),
    part: Option<u32>,
    code: (&str, &str),
) -> String {
    let east = w.east.clone();
    let rec = records::call(
        &mut w.rng,
        t,
        &east,
        who,
        name,
        bucket,
        key,
        id,
        part,
        0,
        Some(code),
    );
    w.push(rec)
}

/// An upload with `parts` parts of 8 MiB, the first at `t` + 1 minute, one a minute.
fn upload(w: &mut World, t: Time, who: &Who, bucket: &str, key: &str, parts: u32) -> String {
    let east = w.east.clone();
    let id = w.rng.upload_id();
    w.create(t, &east, who, bucket, key, Some(&id));
    for n in 1..=parts {
        let at = t + Duration::minutes(i64::from(n));
        w.part(at, &east, who, bucket, key, &id, n, 8 * MIB);
    }
    id
}

fn abort(w: &mut World, t: Time, who: &Who, bucket: &str, key: &str, id: &str) {
    let east = w.east.clone();
    w.op(t, &east, who, "AbortMultipartUpload", bucket, key, id);
}

fn complete(w: &mut World, t: Time, who: &Who, bucket: &str, key: &str, id: &str) -> Rec {
    let east = w.east.clone();
    records::call(
        &mut w.rng,
        t,
        &east,
        who,
        "CompleteMultipartUpload",
        bucket,
        key,
        id,
        None,
        0,
        None,
    )
}

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World) {
    s3a_sweep(w);
    janitor_sweeps(w);
    self_aborts(w);
    races(w);
    blind_spots(w);
}

/// U: an S3A job commit lists the pending uploads of its destination and aborts them all,
/// among them three uploads of another job still writing there.
fn s3a_sweep(w: &mut World) {
    let east = w.east.clone();
    let hadoop = "Hadoop 3.3.6, aws-sdk-java/1.12.367 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/17.0.9+9-LTS java/17.0.9 vendor/Eclipse_Adoptium cfg/retry-mode/legacy";
    let job_a = Who::role(ACCOUNT, "emr-jobs", "job-a-attempt-1", "10.2.0.11", hadoop);
    let job_b = Who::role(ACCOUNT, "emr-jobs", "job-b-attempt-1", "10.2.0.12", hadoop);
    let bucket = "datalake";
    let start = at(2, 20, 0, 0);
    let live: Vec<(String, String)> = (0..3)
        .map(|n| {
            let key = format!("tables/events/dt=2026-11-02/part-0000{n}-a.parquet");
            let id = upload(w, start + Duration::minutes(n), &job_a, bucket, &key, 2);
            (key, id)
        })
        .collect();
    let stale: Vec<(String, String)> = (0..2)
        .map(|n| {
            let key = format!("tables/events/dt=2026-11-02/part-0000{n}-b.parquet");
            let id = upload(w, start + Duration::minutes(5 + n), &job_b, bucket, &key, 1);
            (key, id)
        })
        .collect();
    let commit = at(2, 20, 40, 0);
    list_uploads(w, commit, &job_b, bucket, "tables/events/");
    for (n, (key, id)) in live.iter().chain(&stale).enumerate() {
        abort(
            w,
            commit + Duration::seconds(2 + n as i64),
            &job_b,
            bucket,
            key,
            id,
        );
    }
    // Job A goes on writing, then tries to commit.
    for (n, (key, id)) in live.iter().enumerate() {
        let e = w.fail(
            commit + Duration::minutes(1 + n as i64),
            &east,
            &job_a,
            "UploadPart",
            bucket,
            key,
            id,
            Some(3),
        );
        let x = w.expect(
            "U an S3A job commit sweeps another job's uploads",
            e,
            "aborted",
            "certain",
            by(&job_b, false),
        );
        x.abort_kind = Some("sweep");
        x.sweep = Some((5, true));
    }
    let (key, id) = &live[0];
    let e = w.fail(
        commit + Duration::minutes(5),
        &east,
        &job_a,
        "CompleteMultipartUpload",
        bucket,
        key,
        id,
        None,
    );
    let x = w.expect(
        "U an S3A job commit sweeps another job's uploads",
        e,
        "aborted",
        "certain",
        by(&job_b, false),
    );
    x.abort_kind = Some("sweep");
    x.sweep = Some((5, true));
}

/// V: a janitor aborts every pending upload of a shared bucket, twice, with a pause of 26 minutes
/// between: two sweeps, two incidents.
fn janitor_sweeps(w: &mut World) {
    let east = w.east.clone();
    let janitor = Who::role(
        ACCOUNT,
        "upload-janitor",
        "janitor-20261107",
        "10.0.40.9",
        "[Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112 lang/python#3.12.6 exec-env/AWS_Lambda_python3.12]",
    );
    let writer = Who::role(
        ACCOUNT,
        "report-writer",
        "i-0c0ffee0c0ffee000",
        "10.0.50.5",
        "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/s3#1.58.2]",
    );
    let bucket = "shared-uploads";
    for (round, (sweep, story)) in [
        (at(7, 2, 0, 0), "V a janitor's first sweep"),
        (at(7, 2, 30, 0), "V a janitor's second sweep, after a pause"),
    ]
    .into_iter()
    .enumerate()
    {
        let uploads: Vec<(String, String)> = (0..3)
            .map(|n| {
                let key = format!("reports/run-{round}/section-{n}.pdf");
                let id = upload(
                    w,
                    sweep - Duration::minutes(20 - n),
                    &writer,
                    bucket,
                    &key,
                    1,
                );
                (key, id)
            })
            .collect();
        for (n, (key, id)) in uploads.iter().enumerate() {
            abort(
                w,
                sweep + Duration::minutes(n as i64 * 2),
                &janitor,
                bucket,
                key,
                id,
            );
        }
        let (key, id) = &uploads[2];
        let e = w.fail(
            sweep + Duration::minutes(7),
            &east,
            &writer,
            "UploadPart",
            bucket,
            key,
            id,
            Some(2),
        );
        let x = w.expect(story, e, "aborted", "certain", by(&janitor, false));
        x.abort_kind = Some("sweep");
        x.sweep = Some((3, false));
    }
}

/// W: an SDK loses a part to SlowDown, aborts its own upload, and fails three more times against
/// it; X: an uploader aborts its own upload for a reason the logs do not show.
fn self_aborts(w: &mut World) {
    let east = w.east.clone();
    let agent = "[aws-sdk-js/3.654.0 ua/2.1 os/linux#6.1.112 lang/js md/nodejs#20.17.0 api/s3#3.654.0 m/E,N lib/lib-storage]";
    let sdk = Who::role(ACCOUNT, "media-transcoder", "task-7f3e", "10.0.31.7", agent);
    let media = "media-uploads";
    let key = "renditions/2026/keynote-1080p.mp4";
    let id = upload(w, at(9, 14, 0, 0), &sdk, media, key, 1);
    let throttled = failed_with(
        w,
        at(9, 14, 3, 0),
        &sdk,
        "UploadPart",
        (media, key, &id),
        Some(2),
        ("SlowDown", "Please reduce your request rate."),
    );
    super::other_failures::expect(
        w,
        &throttled,
        "W the throttled part",
        "SlowDown",
        "throttled",
    );
    abort(w, at(9, 14, 3, 1), &sdk, media, key, &id);
    for (n, name, part) in [
        (0, "UploadPart", Some(3)),
        (1, "UploadPart", Some(4)),
        (2, "CompleteMultipartUpload", None),
    ] {
        let e = w.fail(
            at(9, 14, 3, 2 + n),
            &east,
            &sdk,
            name,
            media,
            key,
            &id,
            part,
        );
        let x = w.expect(
            "W a throttled part, then a self-abort",
            e,
            "aborted",
            "certain",
            by(&sdk, true),
        );
        x.abort_kind = Some("self");
        x.trigger = Some("SlowDown");
    }

    let key = "renditions/2026/keynote-720p.mp4";
    let id = upload(w, at(9, 15, 0, 0), &sdk, media, key, 1);
    abort(w, at(9, 15, 10, 0), &sdk, media, key, &id);
    let e = w.fail(
        at(9, 15, 10, 30),
        &east,
        &sdk,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
    );
    let x = w.expect(
        "X a self-abort with no trigger in view",
        e,
        "aborted",
        "certain",
        by(&sdk, true),
    );
    x.abort_kind = Some("self");
}

/// Y: two writers race for one content-addressed key; the second completes first, with
/// `If-None-Match`, and the first upload vanishes. Z: the same race without a condition.
fn races(w: &mut World) {
    let east = w.east.clone();
    let agent = "[Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112 lang/python#3.12.6]";
    let first = Who::role(ACCOUNT, "cas-writer", "worker-1", "10.3.0.1", agent);
    let second = Who::role(ACCOUNT, "cas-writer", "worker-2", "10.3.0.2", agent);
    let bucket = "content-store";
    for (day, key, conditional, story) in [
        (
            10,
            "blobs/sha256/9f/86/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            true,
            "Y two writers race for a key, the winner with If-None-Match",
        ),
        (
            11,
            "blobs/sha256/3a/6e/3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7",
            false,
            "Z two writers race for a key, without a condition",
        ),
    ] {
        let loser = upload(w, at(day, 8, 0, 0), &first, bucket, key, 2);
        let winner = upload(w, at(day, 8, 30, 0), &second, bucket, key, 2);
        let mut done = complete(w, at(day, 9, 0, 0), &second, bucket, key, &winner);
        if conditional {
            done.json["requestParameters"]["If-None-Match"] = json!("*");
        }
        w.push(done);
        let confidence = if conditional { "likely" } else { "possible" };
        for (minutes, name, part) in [
            (5, "UploadPart", Some(3)),
            (20, "CompleteMultipartUpload", None),
        ] {
            let e = w.fail(
                at(day, 9, minutes, 0),
                &east,
                &first,
                name,
                bucket,
                key,
                &loser,
                part,
            );
            w.expect(story, e, "superseded", confidence, by(&second, false));
        }
    }
}

/// AA: a partner account's role uses an upload ID this account's trail never saw; AB: a bucket
/// whose only data events are failures.
fn blind_spots(w: &mut World) {
    let east = w.east.clone();
    let partner = Who::role(
        "999988887777",
        "partner-ingest",
        "feed-sync",
        "203.0.113.80",
        "[aws-sdk-java/2.25.16 Linux/6.1.112 ua/2.0 ft/s3-transfer]",
    );
    let id = w.rng.upload_id();
    let e = w.fail(
        at(10, 12, 0, 0),
        &east,
        &partner,
        "UploadPart",
        "media-uploads",
        "partner/feeds/2026-11-10.xml",
        &id,
        Some(2),
    );
    let x = w.expect(
        "AA a caller from another account",
        e,
        "unknown_upload",
        "likely",
        Culprit::Nobody,
    );
    x.missing = Some(vec!["created_before_logs", "cross_account_caller"]);

    let archiver = Who::role(
        ACCOUNT,
        "archiver",
        "nightly",
        "10.0.60.1",
        "[aws-cli/2.17.60 md/command#s3api.upload-part]",
    );
    let id = w.rng.upload_id();
    for (n, part) in [(0, 1), (1, 2)] {
        let rec = records::call(
            &mut w.rng,
            at(11, 3, n, 0),
            &east,
            &archiver,
            "UploadPart",
            "legacy-archive",
            "tapes/2019/vol-0042.tar",
            &id,
            Some(part),
            0,
            Some(NO_SUCH_UPLOAD),
        );
        let e = w.push(rec);
        let x = w.expect(
            "AB a bucket whose only data events are failures",
            e,
            "unknown_upload",
            "likely",
            Culprit::Nobody,
        );
        x.missing = Some(vec!["created_before_logs", "no_data_events_for_bucket"]);
    }
}
