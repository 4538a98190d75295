//! A large, realistic trail for benchmarks: about 70% management events and 30% S3 data events,
//! delivered in 5-minute files (30-minute ones for the quieter region), with multipart uploads
//! among the data events — most complete normally, some fail for every cause. The failures are
//! planned, so the right answer is known and written next to the logs (`truth.json`).
//!
//! Files are generated in parallel, each from its own seed, so the corpus is the same whatever the
//! machine.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::layout::{self, gzip};
use super::records::{self, NO_SUCH_UPLOAD, Place, Rec, Time, Who};
use super::rng::Rng;
use super::scenarios::at;

const ACCOUNT: &str = "444455556666";
const MIB: u64 = 1 << 20;
const RECORD_BYTES: u64 = 1_530;

/// What was written.
#[derive(Debug, Default)]
pub struct Written {
    pub files: u64,
    pub records: u64,
    pub json_bytes: u64,
    pub gzip_bytes: u64,
    pub multipart_events: u64,
    pub truth: BTreeMap<&'static str, u64>,
}

struct Stream {
    place: Place,
    every: i64,
    /// Records per file, on average.
    per_file: u64,
}

/// What the corpus will hold: its delivery streams and files, and the planned multipart records
/// filed under the file that delivers them.
struct Plan {
    streams: Vec<Stream>,
    slots: Vec<(usize, Time)>,
    by_slot: BTreeMap<(usize, Time), Vec<Rec>>,
    truth: BTreeMap<&'static str, u64>,
    multipart_events: u64,
}

fn plan(mb: u64, seed: u64) -> Plan {
    // About 1,300 files per GiB, over 4 days per GiB: a busy region every 5 minutes, a quiet one
    // every 30.
    let days = (4 * mb).div_ceil(1024).max(4) as i64;
    let streams = [
        Stream {
            place: Place {
                account: ACCOUNT.into(),
                region: "us-east-1".into(),
            },
            every: 5,
            per_file: 0,
        },
        Stream {
            place: Place {
                account: ACCOUNT.into(),
                region: "eu-west-1".into(),
            },
            every: 30,
            per_file: 0,
        },
    ];
    let start = at(1, 0, 0, 0);
    let end = start + Duration::days(days);
    let slots: Vec<(usize, Time)> = streams
        .iter()
        .enumerate()
        .flat_map(|(s, stream)| {
            let n = days * 24 * 60 / stream.every;
            (1..=n).map(move |i| (s, start + Duration::minutes(i * stream.every)))
        })
        .collect();
    // A record is about 1.5 KB of JSON; multipart calls are about 3% of them.
    let records = mb * MIB / RECORD_BYTES;
    let per_file = records / slots.len() as u64;
    let streams: Vec<Stream> = streams
        .into_iter()
        .map(|s| Stream { per_file, ..s })
        .collect();

    let mut plan = Rng::new(seed);
    let (flows, truth) = plan_flows(&mut plan, start, end, records / 200);
    // File each flow event in the slot of its stream where it is delivered.
    let mut by_slot: BTreeMap<(usize, Time), Vec<Rec>> = BTreeMap::new();
    let mut multipart_events = 0;
    for rec in flows {
        let s = usize::from(rec.place.region != "us-east-1");
        let every = Duration::minutes(streams[s].every);
        let delivered = rec.time + Duration::seconds(plan.range(60, 240));
        let slot =
            start + every * (((delivered - start).num_seconds() / every.num_seconds()) as i32 + 1);
        multipart_events += u64::from(
            rec.json["eventSource"] == "s3.amazonaws.com"
                && rec.json["eventName"].as_str().is_some_and(is_multipart),
        );
        by_slot.entry((s, slot)).or_default().push(rec);
    }
    Plan {
        streams,
        slots,
        by_slot,
        truth,
        multipart_events,
    }
}

/// Writes about `mb` MiB of JSON (gzip-compressed) under `dir/AWSLogs`, and `dir/truth.json`.
pub fn write_corpus(dir: &Path, mb: u64, seed: u64) -> std::io::Result<Written> {
    let Plan {
        streams,
        slots,
        by_slot,
        truth,
        multipart_events,
    } = plan(mb, seed);

    let files = AtomicU64::new(0);
    let records = AtomicU64::new(0);
    let json_bytes = AtomicU64::new(0);
    let gzip_bytes = AtomicU64::new(0);
    slots
        .par_iter()
        .enumerate()
        .try_for_each(|(i, &(s, slot))| -> std::io::Result<()> {
            let stream = &streams[s];
            let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
            let recs = slot_records(&mut rng, stream, slot, by_slot.get(&(s, slot)));
            let refs: Vec<&Rec> = recs.iter().collect();
            let doc = layout::records_document(&refs);
            let gz = gzip(&doc);
            let path = dir.join(format!(
                "AWSLogs/{ACCOUNT}/CloudTrail/{}/{}/{ACCOUNT}_CloudTrail_{}_{}_{}.json.gz",
                stream.place.region,
                slot.format("%Y/%m/%d"),
                stream.place.region,
                slot.format("%Y%m%dT%H%MZ"),
                rng.file_suffix()
            ));
            std::fs::create_dir_all(path.parent().expect("a parent"))?;
            std::fs::write(&path, &gz)?;
            files.fetch_add(1, Ordering::Relaxed);
            records.fetch_add(recs.len() as u64, Ordering::Relaxed);
            json_bytes.fetch_add(doc.len() as u64, Ordering::Relaxed);
            gzip_bytes.fetch_add(gz.len() as u64, Ordering::Relaxed);
            Ok(())
        })?;
    let written = Written {
        files: files.into_inner(),
        records: records.into_inner(),
        json_bytes: json_bytes.into_inner(),
        gzip_bytes: gzip_bytes.into_inner(),
        multipart_events,
        truth,
    };
    let truth = json!({
        "files": written.files,
        "json_bytes": written.json_bytes,
        "gzip_bytes": written.gzip_bytes,
        "by_cause": written.truth,
    });
    std::fs::write(dir.join("truth.json"), serde_json::to_vec_pretty(&truth)?)?;
    Ok(written)
}

/// Writes the same kind of trail as [`write_corpus`], about `mb` MiB of it, as one
/// one-record-per-line export (what CloudTrail Lake, Athena or a SIEM produce), and
/// `PATH.truth.json`.
pub fn write_export(path: &Path, mb: u64, seed: u64) -> std::io::Result<Written> {
    let Plan {
        streams,
        slots,
        by_slot,
        truth,
        multipart_events,
    } = plan(mb, seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut records, mut bytes) = (0u64, 0u64);
    // In order, a batch of files at a time, each batch generated in parallel.
    for (batch, chunk) in slots.chunks(256).enumerate() {
        let texts: Vec<(u64, Vec<u8>)> = chunk
            .par_iter()
            .enumerate()
            .map(|(j, &(s, slot))| {
                let i = batch * 256 + j;
                let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
                let recs = slot_records(&mut rng, &streams[s], slot, by_slot.get(&(s, slot)));
                let mut text = Vec::new();
                for r in &recs {
                    serde_json::to_writer(&mut text, &r.json).expect("serialising JSON");
                    text.push(b'\n');
                }
                (recs.len() as u64, text)
            })
            .collect();
        for (n, text) in texts {
            std::io::Write::write_all(&mut out, &text)?;
            records += n;
            bytes += text.len() as u64;
        }
    }
    std::io::Write::flush(&mut out)?;
    let truth_path = path.with_extension("truth.json");
    let written = Written {
        files: 1,
        records,
        json_bytes: bytes,
        gzip_bytes: 0,
        multipart_events,
        truth,
    };
    let truth =
        json!({"files": 1, "json_bytes": bytes, "records": records, "by_cause": written.truth});
    std::fs::write(truth_path, serde_json::to_vec_pretty(&truth)?)?;
    Ok(written)
}

/// The records of one delivery file: background noise, the planned records, and sometimes a
/// record delivered twice, in no order.
fn slot_records(
    rng: &mut Rng,
    stream: &Stream,
    slot: Time,
    planned: Option<&Vec<Rec>>,
) -> Vec<Rec> {
    let n = stream.per_file / 2 + rng.below(stream.per_file + 1);
    let mut recs: Vec<Rec> = (0..n).map(|_| noise(rng, slot, &stream.place)).collect();
    if let Some(planned) = planned {
        recs.extend(planned.iter().cloned());
    }
    // CloudTrail sometimes delivers a record twice.
    if rng.chance(0.05) && !recs.is_empty() {
        let copy = recs[rng.below(recs.len() as u64) as usize].clone();
        recs.push(copy);
    }
    layout::shuffle(rng, &mut recs);
    recs
}

/// An access-log line is about 525 bytes.
const LINE_BYTES: u64 = 525;

/// Writes about `mb` MiB of S3 server access logs under `dir/logs/BUCKET/` (plain text, as S3
/// delivers them, one file per bucket and 5 minutes) telling the data events of the same kind of
/// trail as [`write_corpus`], and `dir/truth.json` with the number of NoSuchUpload failures.
/// (Without CloudTrail the lifecycle configuration is unknown, so only the count of failures,
/// not their causes, matches the CloudTrail truth.)
pub fn write_access_logs(dir: &Path, mb: u64, seed: u64) -> std::io::Result<Written> {
    write_logs_of(dir, mb, seed, Cloud::Aws)
}

/// The same as [`write_access_logs`] in OSS access logs (`logs/BUCKETYYYY-mm-DD-HH-MM-SS-UNIQUE`).
pub fn write_oss_access_logs(dir: &Path, mb: u64, seed: u64) -> std::io::Result<Written> {
    write_logs_of(dir, mb, seed, Cloud::Alibaba)
}

/// Whose access logs to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cloud {
    Aws,
    Alibaba,
}

fn write_logs_of(dir: &Path, mb: u64, seed: u64, cloud: Cloud) -> std::io::Result<Written> {
    let days = (4 * mb).div_ceil(1024).max(4) as i64;
    let place = Place {
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
    };
    let start = at(1, 0, 0, 0);
    let end = start + Duration::days(days);
    let slots: Vec<Time> = (1..=days * 24 * 12)
        .map(|i| start + Duration::minutes(i * 5))
        .collect();
    let lines = mb * MIB / LINE_BYTES;
    let per_slot = lines / slots.len() as u64;
    let mut plan = Rng::new(seed);
    let (flows, truth) = plan_flows(&mut plan, start, end, lines / 60);
    let mut by_slot: BTreeMap<Time, Vec<Rec>> = BTreeMap::new();
    for rec in flows {
        let slot = rec.time + Duration::seconds(300 - rec.time.timestamp() % 300);
        by_slot.entry(slot).or_default().push(rec);
    }
    let files = AtomicU64::new(0);
    let records = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    slots
        .par_iter()
        .enumerate()
        .try_for_each(|(i, &slot)| -> std::io::Result<()> {
            let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
            let n = per_slot / 2 + rng.below(per_slot + 1);
            let mut recs: Vec<Rec> = (0..n)
                .map(|_| {
                    let t = slot - Duration::seconds(rng.range(1, 299));
                    let who = background_caller(&mut rng);
                    object_call(&mut rng, t, &place, &who)
                })
                .collect();
            recs.extend(by_slot.get(&slot).into_iter().flatten().cloned());
            let lines: Vec<super::access_log::Line> = recs
                .iter()
                .filter_map(|r| match cloud {
                    Cloud::Aws => super::access_log::line(&mut rng, r),
                    Cloud::Alibaba => super::oss::access_log::line(&mut rng, r),
                })
                .collect();
            let mut by_bucket: BTreeMap<&str, Vec<&super::access_log::Line>> = BTreeMap::new();
            for l in &lines {
                by_bucket.entry(l.bucket.as_str()).or_default().push(l);
            }
            for (bucket, mut lines) in by_bucket {
                lines.sort_by_key(|l| l.time);
                let text: String = lines.iter().map(|l| format!("{}\n", l.text)).collect();
                let stamp = slot.format("%Y-%m-%d-%H-%M-%S");
                let path = match cloud {
                    Cloud::Aws => dir.join(format!(
                        "logs/{bucket}/{stamp}-{}",
                        &rng.file_suffix().to_uppercase()[..16]
                    )),
                    Cloud::Alibaba => dir.join(format!("logs/{bucket}{stamp}-{}", rng.hex(4))),
                };
                std::fs::create_dir_all(path.parent().expect("a parent"))?;
                std::fs::write(&path, &text)?;
                files.fetch_add(1, Ordering::Relaxed);
                records.fetch_add(lines.len() as u64, Ordering::Relaxed);
                bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            }
            Ok(())
        })?;
    let failures: u64 = truth.values().sum();
    let written = Written {
        files: files.into_inner(),
        records: records.into_inner(),
        json_bytes: bytes.into_inner(),
        gzip_bytes: 0,
        multipart_events: 0,
        truth,
    };
    let truth = json!({"files": written.files, "bytes": written.json_bytes, "lines": written.records, "failures": failures});
    std::fs::write(dir.join("truth.json"), serde_json::to_vec_pretty(&truth)?)?;
    Ok(written)
}

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

fn is_multipart(name: &str) -> bool {
    matches!(
        name,
        "CreateMultipartUpload"
            | "UploadPart"
            | "UploadPartCopy"
            | "CompleteMultipartUpload"
            | "AbortMultipartUpload"
            | "ListParts"
    )
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
fn plan_flows(
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

const SERVICES: [(&str, &str); 12] = [
    ("sts.amazonaws.com", "AssumeRole"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("kms.amazonaws.com", "Decrypt"),
    ("kms.amazonaws.com", "GenerateDataKey"),
    ("iam.amazonaws.com", "GetRole"),
    ("logs.amazonaws.com", "CreateLogStream"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("secretsmanager.amazonaws.com", "GetSecretValue"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("dynamodb.amazonaws.com", "DescribeTable"),
    ("ec2.amazonaws.com", "DescribeNetworkInterfaces"),
    ("lambda.amazonaws.com", "GetFunction"),
];

/// Who makes the background calls.
fn background_caller(rng: &mut Rng) -> Who {
    match rng.below(4) {
        0 => Who::service("ec2.amazonaws.com"),
        1 => Who::user(
            ACCOUNT,
            "alice",
            "203.0.113.25",
            "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1.112]",
        ),
        _ => Who::role(
            ACCOUNT,
            "app-server",
            &format!("i-0{:016x}", rng.below(64)),
            "10.0.3.17",
            "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5]",
        ),
    }
}

/// An S3 object read or write.
fn object_call(rng: &mut Rng, t: Time, place: &Place, who: &Who) -> Rec {
    let names = [
        "GetObject",
        "GetObject",
        "PutObject",
        "HeadObject",
        "DeleteObject",
    ];
    let buckets = [
        "media-uploads",
        "analytics-raw",
        "logs-archive",
        "static-assets",
    ];
    let key = format!("data/{}/{:08x}.json", rng.below(366), rng.next() as u32);
    let call = records::S3Call {
        name: names[rng.below(names.len() as u64) as usize],
        bucket: buckets[rng.below(buckets.len() as u64) as usize],
        key: &key,
        upload_id: None,
        part: None,
        bytes_in: rng.below(1 << 20),
        error: None,
    };
    records::s3_data(rng, t, place, who, &call)
}

/// One record of the background: 70% management events, 30% S3 object reads and writes.
fn noise(rng: &mut Rng, slot: Time, place: &Place) -> Rec {
    let t = slot - Duration::seconds(rng.range(60, 540));
    let who = background_caller(rng);
    if rng.below(10) < 3 {
        return object_call(rng, t, place, &who);
    }
    let (source, name) = *rng.pick(&SERVICES);
    let params = json!({
        "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/app-server"),
        "roleSessionName": format!("session-{}", rng.below(10_000)),
        "durationSeconds": 3600,
        "keyId": format!("arn:aws:kms:{}:{ACCOUNT}:key/{}", place.region, rng.uuid()),
        "encryptionContext": {"aws:s3:arn": format!("arn:aws:s3:::media-uploads/data/{}.json", rng.below(1 << 20))},
    });
    let response = if name == "AssumeRole" {
        json!({"credentials": {"accessKeyId": "ASIA4EXAMPLEKEYID000", "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "expiration": "Nov 1, 2026, 2:17:00 AM"},
               "assumedRoleUser": {"assumedRoleId": "AROA4EXAMPLE:session", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/app-server/session")}})
    } else {
        Value::Null
    };
    let mut rec = records::management(rng, t, place, &who, source, name, params, response);
    rec.json["resources"] = json!([{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": format!("arn:aws:kms:{}:{ACCOUNT}:key/{}", place.region, rng.uuid())}]);
    rec
}
