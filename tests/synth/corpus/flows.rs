//! The multipart uploads of the benchmark corpus: who uploads what, and how each upload ends,
//! planned so that the number of failures of each cause is known.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::json;

use super::super::records::{self, NO_SUCH_UPLOAD, Place, Rec, Time, Who};
use super::super::rng::Rng;
use super::{ACCOUNT, MIB};

/// The next 00:00 UTC at or after `t`, as S3 rounds lifecycle dates.
fn ceil_to_midnight(t: Time) -> Time {
    let midnight = t
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    if midnight == t {
        t
    } else {
        midnight + Duration::days(1)
    }
}

/// The people and programs of the corpus.
struct Cast {
    uploader: Who,
    cleanup: Who,
    etl: Who,
    alice: Who,
}

fn cast(session: u64) -> Cast {
    let agent = "[aws-sdk-java/2.25.16 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS md/io#sync ua/2.0 ft/s3-transfer]";
    Cast {
        uploader: Who::role(
            ACCOUNT,
            "media-uploader",
            &format!("i-0{session:016x}"),
            "10.0.12.34",
            agent,
        ),
        cleanup: Who::role(
            ACCOUNT,
            "nightly-cleanup",
            "cleanup",
            "10.0.40.2",
            "[aws-cli/2.17.60 md/command#s3api.abort-multipart-upload]",
        ),
        etl: Who::role(
            ACCOUNT,
            "etl-loader",
            "glue-job-run",
            "10.1.20.5",
            "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/s3#1.58.2]",
        ),
        alice: Who::user(ACCOUNT, "alice", "203.0.113.25", "[aws-cli/2.17.60]"),
    }
}

/// Plans `n` multipart uploads over the span; returns their records and the expected count of
/// failures per cause.
pub(super) fn plan_flows(
    rng: &mut Rng,
    start: Time,
    end: Time,
    n: u64,
) -> (Vec<Rec>, BTreeMap<&'static str, u64>) {
    let east = Place {
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
    };
    let west = Place {
        account: ACCOUNT.into(),
        region: "eu-west-1".into(),
    };
    let mut out = Vec::new();
    let mut truth: BTreeMap<&'static str, u64> = [
        "aborted",
        "completed",
        "lifecycle",
        "wrong_key",
        "unknown_upload",
        "unexplained",
        "superseded",
    ]
    .into_iter()
    .map(|c| (c, 0))
    .collect();
    let admin = Who::user(ACCOUNT, "ops-admin", "198.51.100.20", "[S3Console/0.4]");
    out.push(records::put_lifecycle(
        rng,
        start + Duration::minutes(1),
        &east,
        &admin,
        "media-uploads",
        vec![records::rule("abort-ingest-1d", "ingest/", true, Some(1))],
    ));
    let span = (end - start).num_seconds();
    for i in 0..n {
        let c = cast(i % 16);
        let t0 = start + Duration::seconds(rng.range(600, span - 3_600));
        let id = rng.upload_id();
        let roll = rng.below(100);
        let (place, bucket) = if roll.is_multiple_of(2) {
            (&east, "media-uploads")
        } else {
            (&west, "analytics-raw")
        };
        let key = format!("videos/2026/{i:06}-{}.mp4", rng.below(1_000_000));
        let mut t = t0;
        // Times come from their own generator, so that a call can take both.
        let mut timing = Rng::new(rng.next());
        let mut step = |rng: &mut Rng| {
            t += Duration::seconds(rng.range(5, 90));
            t
        };
        let parts = 2 + rng.below(8) as u32;
        let mut flow = vec![records::create(
            rng,
            t0,
            place,
            &c.uploader,
            bucket,
            &key,
            Some(&id),
            None,
        )];
        let fail = |rng: &mut Rng, t: Time, who: &Who, name: &str, key: &str, id: &str| {
            records::call(
                rng,
                t,
                place,
                who,
                name,
                bucket,
                key,
                id,
                None,
                0,
                Some(NO_SUCH_UPLOAD),
            )
        };
        // Real incidents fail more than once: parts in flight, retries, a whole sweep.
        let repeats = 2 + rng.below(4);
        let fail_part = |rng: &mut Rng, t: Time, who: &Who, key: &str, id: &str, part: u32| {
            records::call(
                rng,
                t,
                place,
                who,
                "UploadPart",
                bucket,
                key,
                id,
                Some(part),
                0,
                Some(NO_SUCH_UPLOAD),
            )
        };
        let ok_part = |rng: &mut Rng, t: Time, who: &Who, key: &str, id: &str, part: u32| {
            records::call(
                rng,
                t,
                place,
                who,
                "UploadPart",
                bucket,
                key,
                id,
                Some(part),
                8 * MIB,
                None,
            )
        };
        match roll {
            // Lifecycle: a slow upload under ingest/ in media-uploads outlives the 1-day rule; its
            // parts in flight fail.
            0..=3 if t0 + Duration::days(2) + Duration::hours(12) < end => {
                let key = format!("ingest/{i:06}.tar");
                flow = vec![records::create(
                    rng,
                    t0,
                    &east,
                    &c.uploader,
                    "media-uploads",
                    &key,
                    Some(&id),
                    None,
                )];
                flow.push(records::call(
                    rng,
                    step(&mut timing),
                    &east,
                    &c.uploader,
                    "UploadPart",
                    "media-uploads",
                    &key,
                    &id,
                    Some(1),
                    8 * MIB,
                    None,
                ));
                let eligible = ceil_to_midnight(t0 + Duration::days(1));
                for n in 0..repeats {
                    flow.push(records::call(
                        rng,
                        eligible + Duration::hours(3) + Duration::seconds(n as i64 * 40),
                        &east,
                        &c.uploader,
                        "UploadPart",
                        "media-uploads",
                        &key,
                        &id,
                        Some(2 + n as u32),
                        0,
                        Some(NO_SUCH_UPLOAD),
                    ));
                }
                *truth.entry("lifecycle").or_default() += repeats;
            }
            // The nightly cleanup sweeps the bucket at 02:00 and aborts uploads still in use;
            // their parts in flight fail.
            4..=5 => {
                for p in 1..=parts / 2 {
                    flow.push(ok_part(rng, step(&mut timing), &c.uploader, &key, &id, p));
                }
                let last = flow.last().map_or(t0, |r| r.time);
                let sweep = ceil_to_midnight(last) + Duration::hours(2);
                let abort = if sweep + Duration::hours(2) < end {
                    // Uploads are aborted in the order they were begun, a second apart.
                    sweep + Duration::seconds((t0 - start).num_seconds() % 600)
                } else {
                    step(&mut timing)
                };
                flow.push(records::call(
                    rng,
                    abort,
                    place,
                    &c.cleanup,
                    "AbortMultipartUpload",
                    bucket,
                    &key,
                    &id,
                    None,
                    0,
                    None,
                ));
                for n in 0..repeats {
                    let t = abort + Duration::seconds(30 + n as i64 * 7);
                    flow.push(fail_part(
                        rng,
                        t,
                        &c.uploader,
                        &key,
                        &id,
                        parts / 2 + 1 + n as u32,
                    ));
                }
                *truth.entry("aborted").or_default() += repeats;
            }
            // A part is throttled; the SDK aborts its own upload, and its parts in flight fail.
            12 => {
                for p in 1..=parts / 2 {
                    flow.push(ok_part(rng, step(&mut timing), &c.uploader, &key, &id, p));
                }
                let throttled = step(&mut timing);
                flow.push(records::call(
                    rng,
                    throttled,
                    place,
                    &c.uploader,
                    "UploadPart",
                    bucket,
                    &key,
                    &id,
                    Some(parts / 2 + 1),
                    0,
                    Some(("SlowDown", "Please reduce your request rate.")),
                ));
                let abort = throttled + Duration::seconds(1);
                flow.push(records::call(
                    rng,
                    abort,
                    place,
                    &c.uploader,
                    "AbortMultipartUpload",
                    bucket,
                    &key,
                    &id,
                    None,
                    0,
                    None,
                ));
                for n in 0..=repeats {
                    let t = abort + Duration::seconds(1 + n as i64);
                    flow.push(fail_part(
                        rng,
                        t,
                        &c.uploader,
                        &key,
                        &id,
                        parts / 2 + 2 + n as u32,
                    ));
                }
                *truth.entry("aborted").or_default() += repeats + 1;
            }
            6..=7 => {
                for p in 1..=parts {
                    flow.push(ok_part(rng, step(&mut timing), &c.uploader, &key, &id, p));
                }
                flow.push(records::call(
                    rng,
                    step(&mut timing),
                    place,
                    &c.uploader,
                    "CompleteMultipartUpload",
                    bucket,
                    &key,
                    &id,
                    None,
                    0,
                    None,
                ));
                // The response is lost; the client retries.
                for _ in 0..repeats - 1 {
                    flow.push(fail(
                        rng,
                        step(&mut timing),
                        &c.uploader,
                        "CompleteMultipartUpload",
                        &key,
                        &id,
                    ));
                }
                *truth.entry("completed").or_default() += repeats - 1;
            }
            8..=9 => {
                flow.push(ok_part(rng, step(&mut timing), &c.etl, &key, &id, 1));
                for n in 0..repeats {
                    let t = step(&mut timing);
                    flow.push(fail_part(
                        rng,
                        t,
                        &c.etl,
                        &format!("{key}%20"),
                        &id,
                        2 + n as u32,
                    ));
                }
                flow.push(records::call(
                    rng,
                    step(&mut timing),
                    place,
                    &c.etl,
                    "CompleteMultipartUpload",
                    bucket,
                    &key,
                    &id,
                    None,
                    0,
                    None,
                ));
                *truth.entry("wrong_key").or_default() += repeats;
            }
            10..=11 => {
                let ghost = rng.upload_id();
                flow = (0..repeats)
                    .map(|n| {
                        let t = t0 + Duration::seconds(n as i64 * 20);
                        fail_part(rng, t, &c.alice, &key, &ghost, 1 + n as u32)
                    })
                    .collect();
                *truth.entry("unknown_upload").or_default() += repeats;
            }
            // Two writers race for one key: the second completes first, with If-None-Match, and
            // the first upload vanishes.
            14 => {
                let rival = rng.upload_id();
                let second = cast(i % 16 + 1).uploader;
                flow.push(ok_part(rng, step(&mut timing), &c.uploader, &key, &id, 1));
                flow.push(records::create(
                    rng,
                    step(&mut timing),
                    place,
                    &second,
                    bucket,
                    &key,
                    Some(&rival),
                    None,
                ));
                flow.push(ok_part(rng, step(&mut timing), &second, &key, &rival, 1));
                let mut won = records::call(
                    rng,
                    step(&mut timing),
                    place,
                    &second,
                    "CompleteMultipartUpload",
                    bucket,
                    &key,
                    &rival,
                    None,
                    0,
                    None,
                );
                won.json["requestParameters"]["If-None-Match"] = json!("*");
                flow.push(won);
                flow.push(fail_part(rng, step(&mut timing), &c.uploader, &key, &id, 2));
                flow.push(fail(
                    rng,
                    step(&mut timing),
                    &c.uploader,
                    "CompleteMultipartUpload",
                    &key,
                    &id,
                ));
                *truth.entry("superseded").or_default() += 2;
            }
            // analytics-raw has no known lifecycle configuration: the upload vanishes unexplained.
            // (Every planned failure happens at least an hour before the end, so that its
            // delivery file is still within the corpus.)
            13 | 15 if t0 + Duration::hours(31) < end => {
                flow.push(ok_part(rng, step(&mut timing), &c.etl, &key, &id, 1));
                for n in 0..repeats {
                    let t = t0 + Duration::hours(30) + Duration::seconds(n as i64 * 45);
                    flow.push(fail_part(rng, t, &c.etl, &key, &id, 2 + n as u32));
                }
                *truth.entry("unexplained").or_default() += repeats;
            }
            // An upload left open (only where no rule applies, so it stays an orphan).
            17 | 19 => {
                flow.push(ok_part(rng, step(&mut timing), &c.etl, &key, &id, 1));
            }
            _ => {
                for p in 1..=parts {
                    flow.push(ok_part(rng, step(&mut timing), &c.uploader, &key, &id, p));
                }
                flow.push(records::call(
                    rng,
                    step(&mut timing),
                    place,
                    &c.uploader,
                    "CompleteMultipartUpload",
                    bucket,
                    &key,
                    &id,
                    None,
                    0,
                    None,
                ));
            }
        }
        out.extend(flow);
    }
    out.retain(|r| r.time < end);
    (out, truth)
}
