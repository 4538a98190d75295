//! A large, realistic trail for benchmarks: about 70% management events and 30% S3 data events,
//! delivered in 5-minute files (30-minute ones for the quieter region), with multipart uploads
//! among the data events — most complete normally, some fail for every cause. The failures are
//! planned, so the right answer is known and written next to the logs (`truth.json`).
//!
//! Files are generated in parallel, each from its own seed, so the corpus is the same whatever the
//! machine. This file plans and writes the files; the uploads are planned in `flows.rs`, the
//! background around them in `noise.rs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;
use rayon::prelude::*;
use serde_json::json;

use super::layout::{self, gzip};
use super::records::{Place, Rec, Time};
use super::rng::Rng;
use super::scenarios::at;

mod flows;
mod noise;

use flows::plan_flows;
use noise::{background_caller, noise, object_call};

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
