//! OSS access-log lines of the same requests, in the field order of
//! `../shared/reference/oss-formats.md` §2 (25 fields, then `AccessKeyID` and `BucketArn`), with
//! times written in UTC+8 as Beijing-region buckets write them.

use chrono::Duration;
use serde_json::Value;

use super::super::access_log::{Line, encode, status_of};
use super::super::records::{Rec, Time};
use super::super::rng::Rng;
use super::super::scenarios::AbortLine;
use super::{account, bytes, identity, operation, region, request_id, upload_id};

/// `[03/Nov/2026:17:30:00 +0800]`: the time in UTC+8.
fn stamp(t: Time) -> String {
    (t + Duration::hours(8))
        .format("[%d/%b/%Y:%H:%M:%S +0800]")
        .to_string()
}

/// The OSS access-log line of an S3 data event of a story (`None` for other records).
pub fn line(rng: &mut Rng, rec: &Rec) -> Option<Line> {
    let v = &rec.json;
    if v["eventCategory"] != "Data" {
        return None;
    }
    let params = &v["requestParameters"];
    let bucket = params["bucketName"].as_str()?;
    let key = params["key"].as_str().map(encode);
    let path = key.as_deref().unwrap_or_default();
    let id = params["uploadId"]
        .as_str()
        .map(upload_id)
        .unwrap_or_default();
    let part = params["partNumber"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| params["partNumber"].as_u64().map(|n| n.to_string()))
        .unwrap_or_default();
    let aws_name = v["eventName"].as_str()?;
    let mut op = operation(aws_name)?;
    // OSS writes some operations in two spellings; both appear.
    if op == "AbortMultipartUpload" && rng.chance(0.5) {
        op = "AbortMultiPartUpload";
    }
    if op == "CompleteMultipartUpload" && rng.chance(0.5) {
        op = "CompleteUploadPart";
    }
    let (method, query) = match aws_name {
        "CreateMultipartUpload" => ("POST", "uploads".to_owned()),
        "UploadPart" | "UploadPartCopy" => ("PUT", format!("partNumber={part}&uploadId={id}")),
        "CompleteMultipartUpload" => ("POST", format!("uploadId={id}")),
        "AbortMultipartUpload" => ("DELETE", format!("uploadId={id}")),
        "ListParts" => ("GET", format!("uploadId={id}")),
        "ListMultipartUploads" => ("GET", "uploads".to_owned()),
        "PutObject" | "CopyObject" => ("PUT", String::new()),
        "GetObject" => ("GET", String::new()),
        "HeadObject" => ("HEAD", String::new()),
        "DeleteObject" => ("DELETE", String::new()),
        _ => return None,
    };
    let (status, error) = match v["errorCode"].as_str() {
        Some(code) => (status_of(code), code),
        None if method == "DELETE" => (204, "-"),
        None => (200, "-"),
    };
    let url = match query.as_str() {
        "" => format!("{method} /{path} HTTP/1.1"),
        q => format!("{method} /{path}?{q} HTTP/1.1"),
    };
    let size = v["additionalEventData"]["bytesTransferredIn"]
        .as_f64()
        .filter(|&n| n > 0.0)
        .map_or("-".to_owned(), |n| bytes(n as u64).to_string());
    let ip = v["sourceIPAddress"].as_str().unwrap_or("-");
    let ip = if ip.parse::<std::net::IpAddr>().is_ok() {
        ip
    } else {
        "-"
    };
    let agent = v["userAgent"].as_str().unwrap_or("-");
    let oss_region = region(v["awsRegion"].as_str().unwrap_or("us-east-1"));
    let (requester, key_id) = match identity(&v["userIdentity"]) {
        None => ("-".to_owned(), "-".to_owned()),
        Some(who) => (
            // The requester's Aliyun ID: the principal behind the request.
            who["principalId"]
                .as_str()
                .map(|p| p.split(':').next().unwrap_or(p).to_owned())
                .unwrap_or_else(|| "-".to_owned()),
            who["accessKeyId"].as_str().unwrap_or("-").to_owned(),
        ),
    };
    let owner = account(&rec.place.account);
    let object = key.as_deref().unwrap_or("-");
    let text = format!(
        "{ip} - - {} \"{url}\" {status} {} {} \"-\" \"{agent}\" \"{bucket}.oss-{oss_region}.aliyuncs.com\" \"{}\" \"true\" \"{requester}\" \"{op}\" \"{bucket}\" \"{object}\" {size} {} \"{error}\" {} \"{owner}\" - \"-\" \"standard\" \"-\" \"-\" \"{key_id}\" \"acs:oss:*:{owner}:{bucket}\"",
        stamp(rec.time),
        rng.range(200, 900),
        rng.range(4, 120),
        request_id(v["requestID"].as_str()?),
        rng.range(2, 60),
        rng.range(300, 2_000),
    );
    Some(Line {
        bucket: bucket.to_owned(),
        time: rec.time,
        text,
    })
}

/// OSS aborting an incomplete upload under a lifecycle rule: `SyncRequest` `lifecycle`, no
/// requester, the key but no upload ID.
pub fn lifecycle_abort(rng: &mut Rng, a: &AbortLine, owner_account: &str) -> Line {
    let owner = account(owner_account);
    let oss_region = region("us-east-1");
    let text = format!(
        "- - - {} \"DELETE /{key} HTTP/1.1\" 204 0 12 \"-\" \"aliyun-oss-lifecycle\" \"{bucket}.oss-{oss_region}-internal.aliyuncs.com\" \"{}\" \"true\" \"-\" \"AbortMultipartUpload\" \"{bucket}\" \"{key}\" - 3 \"-\" 0 \"{owner}\" - \"lifecycle\" \"standard\" \"-\" \"-\" \"-\" \"acs:oss:*:{owner}:{bucket}\"",
        stamp(a.time),
        rng.hex(24),
        bucket = a.bucket,
        key = encode(&a.key),
    );
    Line {
        bucket: a.bucket.clone(),
        time: a.time,
        text,
    }
}

/// The lines of a story's data events, each request once, plus the lifecycle aborts.
pub fn lines(rng: &mut Rng, records: &[&Rec], aborts: &[AbortLine], owner: &str) -> Vec<Line> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out: Vec<Line> = records
        .iter()
        .filter(|r| seen.insert(r.event_id()))
        .filter_map(|r| line(rng, r))
        .collect();
    out.extend(aborts.iter().map(|a| lifecycle_abort(rng, a, owner)));
    out
}

/// Whether a request of the story is one an OSS access log shows.
pub fn shows(v: &Value) -> bool {
    v["eventCategory"] == "Data"
}
