//! Files as CloudTrail delivers them, and the other shapes users have.
//!
//! CloudTrail delivers a file about every 5 minutes per account and region, a few minutes after
//! the events, filed under the *delivery* date; records inside a file are in no particular order.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{Duration, DurationRound};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

use super::records::{Rec, Time, iso};
use super::rng::Rng;

/// One file: where it goes, relative to the output folder, and its bytes.
pub struct File {
    pub path: String,
    pub bytes: Vec<u8>,
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::new(6));
    e.write_all(bytes).expect("writing to memory");
    e.finish().expect("writing to memory")
}

/// `{"Records":[…]}`, compact, as CloudTrail writes it.
pub fn records_document(records: &[&Rec]) -> Vec<u8> {
    let mut out = b"{\"Records\":[".to_vec();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &r.json).expect("serialising JSON");
    }
    out.extend_from_slice(b"]}");
    out
}

/// Groups records into gzip delivery files under `AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`.
/// Each record arrives 1 to 9 minutes after its event time.
pub fn deliver(rng: &mut Rng, records: &[Rec]) -> Vec<File> {
    let mut slots: BTreeMap<(String, String, Time), Vec<&Rec>> = BTreeMap::new();
    for r in records {
        let delivered = r.time + Duration::seconds(rng.range(60, 540));
        let slot = delivered
            .duration_trunc(Duration::minutes(5))
            .expect("a valid time");
        slots
            .entry((r.place.account.clone(), r.place.region.clone(), slot))
            .or_default()
            .push(r);
    }
    let mut files = Vec::new();
    for ((account, region, slot), mut recs) in slots {
        shuffle(rng, &mut recs);
        let path = format!(
            "AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{}.json.gz",
            slot.format("%Y/%m/%d"),
            slot.format("%Y%m%dT%H%MZ"),
            rng.file_suffix()
        );
        files.push(File {
            path,
            bytes: gzip(&records_document(&recs)),
        });
    }
    files
}

pub fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// A digest file for one account, region and hour, listing no log files (its shape is what
/// matters: readers must recognise and skip it).
pub fn digest(account: &str, region: &str, end: Time) -> File {
    let start = end - Duration::hours(1);
    let body = json!({
        "awsAccountId": account,
        "digestStartTime": iso(start),
        "digestEndTime": iso(end),
        "digestS3Bucket": "org-trail-logs",
        "digestS3Object": format!("AWSLogs/{account}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_org-trail_{region}_{}.json.gz", end.format("%Y/%m/%d"), end.format("%Y%m%dT%H%M%SZ")),
        "digestPublicKeyFingerprint": "47aaa19f7eec22e9bd0b5e58cfade8cb",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": iso(end),
        "oldestEventTime": iso(start),
        "logFiles": []
    });
    File {
        path: format!(
            "AWSLogs/{account}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_org-trail_{region}_{}.json.gz",
            end.format("%Y/%m/%d"),
            end.format("%Y%m%dT%H%M%SZ")
        ),
        bytes: gzip(body.to_string().as_bytes()),
    }
}

/// The same records in every shape the tool reads: a name and the bytes of each file.
pub fn shapes(records: &[Rec]) -> Vec<File> {
    let refs: Vec<&Rec> = records.iter().collect();
    let doc = records_document(&refs);
    let values: Vec<&Value> = records.iter().map(|r| &r.json).collect();
    let ndjson: String = values.iter().map(|v| format!("{v}\n")).collect();
    let pretty = serde_json::to_vec_pretty(&json!({"Records": values})).expect("serialising JSON");
    let cloudwatch = json!({
        "messageType": "DATA_MESSAGE",
        "owner": records[0].place.account,
        "logGroup": "aws-cloudtrail-logs-111122223333",
        "logStream": format!("{}_CloudTrail_{}", records[0].place.account, records[0].place.region),
        "subscriptionFilters": ["to-siem"],
        "logEvents": records.iter().enumerate().map(|(i, r)| json!({
            "id": format!("3{i:055}"),
            "timestamp": r.time.timestamp_millis(),
            "message": r.json.to_string()
        })).collect::<Vec<_>>()
    });
    let eventbridge: String = records
        .iter()
        .map(|r| {
            format!(
                "{}\n",
                json!({
                    "version": "0",
                    "id": r.json["eventID"],
                    "detail-type": "AWS API Call via CloudTrail",
                    "source": "aws.s3",
                    "account": r.place.account,
                    "time": iso(r.time),
                    "region": r.place.region,
                    "resources": [],
                    "detail": r.json
                })
            )
        })
        .collect();
    let lookup = json!({
        "Events": records.iter().map(|r| json!({
            "EventId": r.json["eventID"],
            "EventName": r.json["eventName"],
            "ReadOnly": "false",
            "EventTime": r.time.timestamp(),
            "EventSource": r.json["eventSource"],
            "Resources": [],
            "CloudTrailEvent": r.json.to_string()
        })).collect::<Vec<_>>()
    });
    // Two gzip members back to back (`cat a.json.gz b.json.gz` is valid gzip): two documents.
    let half = refs.len() / 2;
    let mut concatenated = gzip(&line(&records_document(&refs[..half])));
    concatenated.extend(gzip(&line(&records_document(&refs[half..]))));
    vec![
        File {
            path: "records.json.gz".into(),
            bytes: gzip(&doc),
        },
        File {
            path: "records.json".into(),
            bytes: doc.clone(),
        },
        File {
            path: "records-pretty.json".into(),
            bytes: pretty,
        },
        File {
            path: "ndjson.jsonl".into(),
            bytes: ndjson.clone().into_bytes(),
        },
        File {
            path: "ndjson.jsonl.gz".into(),
            bytes: gzip(ndjson.as_bytes()),
        },
        File {
            path: "array.json".into(),
            bytes: serde_json::to_vec_pretty(&values).expect("serialising JSON"),
        },
        File {
            path: "cloudwatch-subscription.json".into(),
            bytes: serde_json::to_vec_pretty(&cloudwatch).expect("serialising JSON"),
        },
        File {
            path: "eventbridge.jsonl".into(),
            bytes: eventbridge.into_bytes(),
        },
        File {
            path: "lookup-events.json".into(),
            bytes: serde_json::to_vec_pretty(&lookup).expect("serialising JSON"),
        },
        File {
            path: "two-members.json.gz".into(),
            bytes: concatenated,
        },
    ]
}

fn line(doc: &[u8]) -> Vec<u8> {
    let mut out = doc.to_vec();
    out.push(b'\n');
    out
}

/// A tar archive of `files` (fixed metadata, so the bytes never change). Names are written as
/// given, `..` included (the tar crate refuses to, but archives from the wild have them).
pub fn tar(files: &[File]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for f in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(f.bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_793_577_600);
        header.set_entry_type(tar::EntryType::Regular);
        if f.path.len() < 100 {
            header.as_old_mut().name[..f.path.len()].copy_from_slice(f.path.as_bytes());
            header.set_cksum();
            builder
                .append(&header, &f.bytes[..])
                .expect("writing to memory");
        } else {
            header.set_cksum();
            builder
                .append_data(&mut header, &f.path, &f.bytes[..])
                .expect("writing to memory");
        }
    }
    builder.into_inner().expect("writing to memory")
}

/// A zip archive of `files` (deflated, fixed timestamps).
pub fn zip(files: &[File]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for f in files {
        writer
            .start_file(f.path.as_str(), options)
            .expect("writing to memory");
        writer.write_all(&f.bytes).expect("writing to memory");
    }
    writer.finish().expect("writing to memory").into_inner()
}

/// Writes `files` under `dir`.
pub fn write_all(dir: &Path, files: &[File]) -> std::io::Result<()> {
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &f.bytes)?;
    }
    Ok(())
}

/// Copies a folder and everything under it.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a folder") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copying a file");
        }
    }
}

/// Every file under a folder, as paths in text.
pub fn files_under(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path.display().to_string());
        }
    }
}
