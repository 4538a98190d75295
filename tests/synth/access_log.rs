//! S3 server access logs of the same stories: one line per S3 data event, in the format AWS
//! documents (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html) and the
//! real lines quoted in `../shared/reference/cloudtrail-formats.md` §2 show. The request ID of a
//! line is the `requestID` of the CloudTrail record, as for a real request logged in both.
//!
//! AWS has published no real `S3.DELETE.UPLOAD` line; lifecycle aborts are written like the real
//! `S3.EXPIRE.OBJECT` line (requester `AmazonS3`, no remote IP, request URI `-`), naming the key
//! but no upload ID.

use std::collections::BTreeMap;

use chrono::{Duration, DurationRound};
use serde_json::Value;

use super::layout::File;
use super::records::{Rec, Time};
use super::rng::Rng;

/// The canonical user ID of the bucket owner.
const OWNER: &str = "7d4b6c1f1e0a9b8c3d2e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4";

/// One access-log line, with what the delivery needs to file it.
pub struct Line {
    pub bucket: String,
    pub time: Time,
    pub text: String,
}

/// Percent-encodes a key as access logs show it (`/` kept).
pub fn encode(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `[03/Nov/2026:09:30:00 +0000]`.
fn stamp(t: Time) -> String {
    t.format("[%d/%b/%Y:%H:%M:%S +0000]").to_string()
}

/// The requester field for a CloudTrail `userIdentity`.
fn requester(identity: &Value) -> String {
    match identity["type"].as_str() {
        Some("AWSService") => format!("svc:{}", identity["invokedBy"].as_str().unwrap_or("-")),
        Some("AWSAccount") if identity["accountId"] == "ANONYMOUS_PRINCIPAL" => "-".to_owned(),
        _ => identity["arn"].as_str().unwrap_or("-").to_owned(),
    }
}

/// The access-log line of an S3 data event (`None` for other records).
pub fn line(rng: &mut Rng, rec: &Rec) -> Option<Line> {
    let v = &rec.json;
    if v["eventCategory"] != "Data" {
        return None;
    }
    let params = &v["requestParameters"];
    let bucket = params["bucketName"].as_str()?;
    let key = params["key"].as_str().map(encode);
    let path = key.as_deref().unwrap_or_default();
    let id = params["uploadId"].as_str().map(encode);
    let id = id.as_deref().unwrap_or_default();
    let part = params["partNumber"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| params["partNumber"].as_u64().map(|n| n.to_string()));
    let (operation, method, query, ok_status) = match v["eventName"].as_str()? {
        "CreateMultipartUpload" => ("REST.POST.UPLOADS", "POST", "uploads".to_owned(), 200),
        "UploadPart" => (
            "REST.PUT.PART",
            "PUT",
            format!("partNumber={}&uploadId={id}", part.unwrap_or_default()),
            200,
        ),
        "UploadPartCopy" => (
            "REST.COPY.PART",
            "PUT",
            format!("partNumber={}&uploadId={id}", part.unwrap_or_default()),
            200,
        ),
        "CompleteMultipartUpload" => ("REST.POST.UPLOAD", "POST", format!("uploadId={id}"), 200),
        "AbortMultipartUpload" => (
            "REST.DELETE.UPLOAD",
            "DELETE",
            format!("uploadId={id}"),
            204,
        ),
        "ListParts" => ("REST.GET.UPLOAD", "GET", format!("uploadId={id}"), 200),
        "ListMultipartUploads" => ("REST.GET.UPLOADS", "GET", "uploads".to_owned(), 200),
        "PutObject" => ("REST.PUT.OBJECT", "PUT", String::new(), 200),
        "GetObject" => ("REST.GET.OBJECT", "GET", String::new(), 200),
        "HeadObject" => ("REST.HEAD.OBJECT", "HEAD", String::new(), 200),
        "DeleteObject" => ("REST.DELETE.OBJECT", "DELETE", String::new(), 204),
        "CopyObject" => ("REST.COPY.OBJECT", "PUT", String::new(), 200),
        _ => return None,
    };
    let (status, error) = match v["errorCode"].as_str() {
        Some(code) => (status_of(code).to_string(), code),
        None => (ok_status.to_string(), "-"),
    };
    let uri = match query.as_str() {
        "" => format!("{method} /{path} HTTP/1.1"),
        q => format!("{method} /{path}?{q} HTTP/1.1"),
    };
    let size = v["additionalEventData"]["bytesTransferredIn"]
        .as_f64()
        .filter(|&n| n > 0.0)
        .map_or("-".to_owned(), |n| (n as u64).to_string());
    let ip = v["sourceIPAddress"].as_str().unwrap_or("-");
    let ip = if ip.parse::<std::net::IpAddr>().is_ok() {
        ip
    } else {
        "-"
    };
    let agent = v["userAgent"].as_str().unwrap_or("-");
    let region = v["awsRegion"].as_str().unwrap_or("us-east-1");
    let (total, turnaround) = (rng.range(8, 900), rng.range(4, 80));
    let text = format!(
        "{OWNER} {bucket} {} {ip} {} {} {operation} {} \"{uri}\" {status} {error} - {size} {total} {turnaround} \"-\" \"{agent}\" - {} SigV4 TLS_AES_128_GCM_SHA256 AuthHeader {bucket}.s3.{region}.amazonaws.com TLSv1.3 - -",
        stamp(rec.time),
        requester(&v["userIdentity"]),
        v["requestID"].as_str()?,
        key.as_deref().unwrap_or("-"),
        rng.host_id(),
    );
    Some(Line {
        bucket: bucket.to_owned(),
        time: rec.time,
        text,
    })
}

/// The HTTP status S3 answers an error code with.
pub fn status_of(code: &str) -> u16 {
    match code {
        "NoSuchUpload" | "NoSuchKey" | "NoSuchBucket" => 404,
        "AccessDenied" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => 403,
        "SlowDown" | "ServiceUnavailable" => 503,
        "InternalError" => 500,
        "PreconditionFailed" => 412,
        "ConditionalRequestConflict" | "FileAlreadyExists" => 409,
        _ => 400,
    }
}

/// The line of S3 aborting an incomplete upload of `key` under a lifecycle rule.
pub fn lifecycle_abort(rng: &mut Rng, t: Time, bucket: &str, key: &str) -> Line {
    let text = format!(
        "{OWNER} {bucket} {} - AmazonS3 {} S3.DELETE.UPLOAD {} \"-\" - - - - - - \"-\" \"-\" - {} - - - - - - -",
        stamp(t),
        rng.request_id(),
        encode(key),
        rng.host_id(),
    );
    Line {
        bucket: bucket.to_owned(),
        time: t,
        text,
    }
}

/// Files as S3 delivers them to the target bucket: `PREFIX/YYYY-mm-DD-HH-MM-SS-UNIQUE`, one
/// per bucket and hour here, written some minutes after the hour.
pub fn deliver(rng: &mut Rng, prefix: &str, lines: &[Line]) -> Vec<File> {
    let mut slots: BTreeMap<(String, Time), Vec<&Line>> = BTreeMap::new();
    for l in lines {
        let hour = l
            .time
            .duration_trunc(Duration::hours(1))
            .expect("a valid time");
        slots.entry((l.bucket.clone(), hour)).or_default().push(l);
    }
    slots
        .into_iter()
        .map(|((bucket, hour), mut lines)| {
            lines.sort_by_key(|l| l.time);
            let delivered = hour + Duration::seconds(rng.range(3_700, 7_000));
            let unique: String = rng.file_suffix().to_uppercase();
            let text: String = lines.iter().map(|l| format!("{}\n", l.text)).collect();
            File {
                path: format!(
                    "{prefix}/{bucket}/{}-{}",
                    delivered.format("%Y-%m-%d-%H-%M-%S"),
                    &unique[..16]
                ),
                bytes: text.into_bytes(),
            }
        })
        .collect()
}
