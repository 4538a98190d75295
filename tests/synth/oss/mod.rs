//! The fixture stories as an Alibaba Cloud OSS user's logs show them: every CloudTrail record of
//! a story rewritten as the ActionTrail event of the same request on OSS, every S3 access-log
//! line as an OSS access-log line, and the bucket lifecycle rules as OSS lifecycle XML. Because
//! each OSS story is the AWS story in other words, the answer for it must be the AWS answer in
//! other words: the "twin" tests compare the two.
//!
//! What is renamed, and how (`../shared/reference/oss-formats.md`):
//! - request IDs become OSS request IDs (24 hex digits), which are also the events' `eventId`;
//!   upload IDs become 32 hex digits; both derived from the AWS ones, so a story keeps its
//!   identities;
//! - accounts become 16-digit Alibaba Cloud account IDs, regions OSS regions;
//! - identities become RAM identities (`assumed-role`, `ram-user`, `root-account`, `system`),
//!   each with its own access key (an `STS.` key for a role session);
//! - part sizes are scaled by 100 KB / 5 MiB, so a part under S3's minimum is under OSS's;
//! - IAM policy changes become RAM's (`AttachPolicyToRole`, …), KMS key changes stay KMS's.
//!
//! Nothing of a story is dropped except CloudTrail Insights events (ActionTrail has none) and the
//! lifecycle headers of a CreateMultipartUpload response (OSS sends none).

pub mod access_log;
pub mod deliver;
pub mod own;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::records::Rec;
use super::scenarios::Story;

/// A deterministic 64-bit hash (FNV-1a), for names derived from names.
fn hash(text: &str, seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn hex(text: &str, n: usize) -> String {
    let mut out = String::new();
    let mut seed = 0;
    while out.len() < n {
        out.push_str(&format!("{:016X}", hash(text, seed)));
        seed += 1;
    }
    out.truncate(n);
    out
}

/// The OSS request ID (and ActionTrail `eventId`) of the request an AWS record logged.
pub fn request_id(aws_request_id: &str) -> String {
    hex(aws_request_id, 24)
}

/// The OSS upload ID standing for an S3 one.
pub fn upload_id(aws: &str) -> String {
    hex(aws, 32)
}

/// The Alibaba Cloud account standing for an AWS account.
pub fn account(aws: &str) -> String {
    format!("{:016}", hash(aws, 7) % 10_000_000_000_000_000)
}

/// The OSS region standing for an AWS region.
pub fn region(aws: &str) -> &'static str {
    match aws {
        "us-east-1" => "cn-hangzhou",
        "eu-west-1" => "eu-central-1",
        _ => "ap-southeast-1",
    }
}

/// A part's size on OSS: scaled so that S3's 5 MiB minimum becomes OSS's 100 KB.
pub fn bytes(aws: u64) -> u64 {
    (u128::from(aws) * 102_400 / 5_242_880) as u64
}

/// The RAM identity standing for a CloudTrail `userIdentity`; `None` for an anonymous caller.
pub fn identity(aws: &Value) -> Option<Value> {
    let aws_account = aws["accountId"].as_str().unwrap_or_default();
    let acct = account(aws_account);
    let arn = aws["arn"].as_str().unwrap_or_default();
    let id = match aws["type"].as_str()? {
        "AssumedRole" => {
            let rest = arn.split_once(":assumed-role/")?.1;
            let (role, session) = rest.split_once('/')?;
            json!({
                "type": "assumed-role",
                "principalId": format!("3{}:{session}", &hex(role, 17).to_lowercase()),
                "accountId": acct,
                "arn": format!("acs:ram::{acct}:assumed-role/{role}/{session}"),
                "accessKeyId": format!("STS.NT{}", &hex(arn, 22)),
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "arn": format!("acs:ram::{acct}:role/{}", role.to_lowercase()), "userName": role, "principalId": format!("3{}", &hex(role, 17).to_lowercase()), "accountId": acct},
                    "attributes": {"mfaAuthenticated": "false", "creationDate": "2026-11-01T00:00:00Z"}
                }
            })
        }
        "IAMUser" => {
            let name = aws["userName"].as_str().unwrap_or_default();
            json!({
                "type": "ram-user",
                "principalId": format!("2{}", &hex(name, 15).to_lowercase()),
                "accountId": acct,
                "arn": format!("acs:ram::{acct}:user/{name}"),
                "userName": name,
                "accessKeyId": format!("LTAI5t{}", &hex(arn, 18)),
            })
        }
        "Root" => json!({
            "type": "root-account",
            "principalId": acct,
            "accountId": acct,
            "userName": "root",
            "accessKeyId": format!("LTAI5t{}", &hex(arn, 18)),
        }),
        "AWSService" => {
            let service = aws["invokedBy"].as_str().unwrap_or_default();
            let name = service.replace(".amazonaws.com", ".aliyuncs.com");
            json!({"type": "system", "principalId": name, "userName": name})
        }
        "AWSAccount" if aws["accountId"] == "ANONYMOUS_PRINCIPAL" => return None,
        // A caller from another account: its identity as that account shows it.
        _ => json!({
            "type": "ram-user",
            "principalId": hex(arn, 16),
            "accountId": acct,
            "arn": format!("acs:ram::{acct}:user/{}", arn.rsplit('/').next().unwrap_or_default()),
            "accessKeyId": format!("LTAI5t{}", &hex(arn, 18)),
        }),
    };
    Some(id)
}

/// The name the tool gives the OSS twin of an AWS actor name (for comparing answers).
pub fn actor_name(aws: &Value) -> String {
    match identity(aws) {
        None => "anonymous".to_owned(),
        Some(id) => match id["arn"].as_str() {
            Some(arn) => arn.to_owned(),
            None if id["type"] == "root-account" => {
                format!(
                    "acs:ram::{}:root",
                    id["accountId"].as_str().unwrap_or_default()
                )
            }
            None => id["userName"].as_str().unwrap_or_default().to_owned(),
        },
    }
}

/// The OSS operation name of an S3 event name (`None`: the event has no OSS twin).
pub fn operation(aws: &str) -> Option<&'static str> {
    Some(match aws {
        "CreateMultipartUpload" => "InitiateMultipartUpload",
        "UploadPart" => "UploadPart",
        "UploadPartCopy" => "UploadPartCopy",
        "CompleteMultipartUpload" => "CompleteMultipartUpload",
        "AbortMultipartUpload" => "AbortMultipartUpload",
        "ListParts" => "ListParts",
        "ListMultipartUploads" => "ListMultipartUploads",
        "PutObject" => "PutObject",
        "GetObject" => "GetObject",
        "HeadObject" => "HeadObject",
        "DeleteObject" => "DeleteObject",
        "CopyObject" => "CopyObject",
        "DeleteBucket" => "DeleteBucket",
        "PutBucketPolicy" => "PutBucketPolicy",
        "DeleteBucketPolicy" => "DeleteBucketPolicy",
        "PutBucketAcl" => "PutBucketAcl",
        "GetBucketAcl" => "GetBucketAcl",
        "PutBucketLifecycle" | "PutBucketLifecycleConfiguration" => "PutBucketLifecycle",
        "DeleteBucketLifecycle" => "DeleteBucketLifecycle",
        _ => return None,
    })
}

/// RAM's name for an IAM policy change, with the parameter naming its target.
fn ram_change(aws: &str) -> Option<(&'static str, &'static str)> {
    Some(match aws {
        "AttachRolePolicy" | "PutRolePolicy" => ("AttachPolicyToRole", "RoleName"),
        "DetachRolePolicy" | "DeleteRolePolicy" => ("DetachPolicyFromRole", "RoleName"),
        "AttachUserPolicy" | "PutUserPolicy" => ("AttachPolicyToUser", "UserName"),
        "DetachUserPolicy" | "DeleteUserPolicy" => ("DetachPolicyFromUser", "UserName"),
        _ => return None,
    })
}

/// OSS lifecycle XML of S3 rules (`{"Rule": …}` or `{"Rules": […]}`, as CloudTrail or the
/// AWS CLI write them).
pub fn lifecycle_xml(aws: &Value) -> String {
    let rules = match (&aws["Rules"], &aws["Rule"]) {
        (Value::Array(r), _) | (_, Value::Array(r)) => r.clone(),
        (_, Value::Object(_)) => vec![aws["Rule"].clone()],
        _ => Vec::new(),
    };
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LifecycleConfiguration>\n");
    for r in &rules {
        let prefix = r["Filter"]["Prefix"]
            .as_str()
            .or(r["Prefix"].as_str())
            .unwrap_or_default();
        xml.push_str(&format!(
            "  <Rule>\n    <ID>{}</ID>\n    <Prefix>{prefix}</Prefix>\n    <Status>{}</Status>\n",
            r["ID"].as_str().unwrap_or_default(),
            r["Status"].as_str().unwrap_or_default(),
        ));
        if let Some(days) = r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].as_u64() {
            xml.push_str(&format!(
                "    <AbortMultipartUpload>\n      <Days>{days}</Days>\n    </AbortMultipartUpload>\n"
            ));
        }
        if let Some(days) = r["Expiration"]["Days"].as_u64() {
            xml.push_str(&format!(
                "    <Expiration>\n      <Days>{days}</Days>\n    </Expiration>\n"
            ));
        }
        xml.push_str("  </Rule>\n");
    }
    xml.push_str("</LifecycleConfiguration>\n");
    xml
}

/// The same rules as ActionTrail may render the request body: an object of its elements, every
/// value a string.
fn lifecycle_object(aws: &Value) -> Value {
    let rules: Vec<Value> = match &aws["Rule"] {
        Value::Array(r) => r.clone(),
        r @ Value::Object(_) => vec![r.clone()],
        _ => Vec::new(),
    };
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "ID": r["ID"],
                "Prefix": r["Filter"]["Prefix"].as_str().or(r["Prefix"].as_str()).unwrap_or_default(),
                "Status": r["Status"],
            });
            if let Some(days) = r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].as_u64() {
                rule["AbortMultipartUpload"] = json!({"Days": days.to_string()});
            }
            rule
        })
        .collect();
    match rules.len() {
        1 => json!({"Rule": rules[0]}),
        _ => json!({"Rule": rules}),
    }
}

/// The ActionTrail event of an AWS record (`None` when it has no twin: Insights events, other
/// services' events).
pub fn event(rec: &Rec) -> Option<Value> {
    let v = &rec.json;
    let aws_name = v["eventName"].as_str()?;
    let source = v["eventSource"].as_str()?;
    let oss_region = region(&rec.place.region);
    let params = &v["requestParameters"];
    let mut request = Map::new();
    let (name, service, event_source, category) = match source {
        "s3.amazonaws.com" => {
            let name = operation(aws_name)?;
            let bucket = params["bucketName"].as_str()?;
            request.insert("BucketName".into(), json!(bucket));
            if let Some(key) = params["key"].as_str() {
                request.insert("ObjectName".into(), json!(key));
            }
            if let Some(id) = params["uploadId"].as_str() {
                request.insert("uploadId".into(), json!(upload_id(id)));
            }
            match &params["partNumber"] {
                Value::Null => {}
                n => {
                    let n = n
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| n.to_string());
                    request.insert("partNumber".into(), json!(n));
                }
            }
            for (aws_param, oss_param) in [
                ("x-amz-copy-source", "x-oss-copy-source"),
                ("x-amz-copy-source-range", "x-oss-copy-source-range"),
                (
                    "x-amz-server-side-encryption-aws-kms-key-id",
                    "x-oss-server-side-encryption-key-id",
                ),
            ] {
                if let Some(value) = params[aws_param].as_str() {
                    request.insert(oss_param.into(), json!(value));
                }
            }
            if params["x-amz-server-side-encryption"] == "aws:kms" {
                request.insert("x-oss-server-side-encryption".into(), json!("KMS"));
            }
            if params["If-None-Match"] == "*" {
                request.insert("x-oss-forbid-overwrite".into(), json!("true"));
            }
            if let Some(config) = params.get("LifecycleConfiguration") {
                // ActionTrail shows the body as its XML text or as an object of its elements.
                let rendered = if hash(bucket, 3).is_multiple_of(2) {
                    json!(lifecycle_xml(config))
                } else {
                    lifecycle_object(config)
                };
                request.insert("LifecycleConfiguration".into(), rendered);
            }
            let category = if v["eventCategory"] == "Data" {
                "Data"
            } else {
                "Management"
            };
            let host = format!("{bucket}.oss-{oss_region}.aliyuncs.com");
            (name.to_owned(), "Oss", host, category)
        }
        "iam.amazonaws.com" => {
            let (name, target) = ram_change(aws_name)?;
            let value = params["roleName"]
                .as_str()
                .or(params["userName"].as_str())?;
            request.insert(target.into(), json!(value));
            request.insert("PolicyName".into(), json!("AliyunOSSFullAccess"));
            (
                name.to_owned(),
                "Ram",
                "ram.aliyuncs.com".to_owned(),
                "Management",
            )
        }
        "kms.amazonaws.com" => {
            let key = params["keyId"].as_str()?;
            request.insert("KeyId".into(), json!(key));
            (
                aws_name.to_owned(),
                "Kms",
                format!("kms.{oss_region}.aliyuncs.com"),
                "Management",
            )
        }
        _ => {
            // Another service's event stays what it is: a record of another service.
            let service = source.split('.').next().unwrap_or_default();
            (
                aws_name.to_owned(),
                service,
                format!("{service}.aliyuncs.com"),
                "Management",
            )
        }
    };
    let id = request_id(v["requestID"].as_str()?);
    let mut event = json!({
        "eventId": id,
        "eventVersion": "1",
        "eventName": name,
        "eventTime": v["eventTime"],
        "eventSource": event_source,
        "serviceName": service,
        "eventType": "ApiCall",
        "eventCategory": category,
        "eventRW": if v["readOnly"] == true { "Read" } else { "Write" },
        "acsRegion": oss_region,
        "requestId": id,
        "recipientAccountId": account(&rec.place.account),
        "sourceIpAddress": v["sourceIPAddress"],
        "userAgent": v["userAgent"],
        "requestParameters": request,
        "additionalEventData": {"CallerBid": "26842"},
    });
    match identity(&v["userIdentity"]) {
        Some(who) => event["userIdentity"] = who,
        None => {
            event["userIdentity"] =
                json!({"type": "anonymous", "principalId": "anonymous", "userName": "anonymous"})
        }
    }
    if let Some(code) = v["errorCode"].as_str() {
        event["errorCode"] = json!(code);
        let message = v["errorMessage"].as_str().unwrap_or_default();
        // OSS's messages name RAM actions (`oss:PutObject`) where S3's name IAM's.
        let message = message.replace("arn:aws:", "acs:").replace("s3:", "oss:");
        event["errorMessage"] = json!(message);
    }
    let created = v["responseElements"]["CreateMultipartUploadResult"]["UploadId"].as_str();
    if let Some(created) = created {
        event["responseElements"] = json!({"InitiateMultipartUploadResult": {
            "Bucket": params["bucketName"], "Key": params["key"], "UploadId": upload_id(created)
        }});
    }
    if let Some(key) = params["key"]
        .as_str()
        .filter(|_| source == "s3.amazonaws.com")
    {
        let bucket = params["bucketName"].as_str().unwrap_or_default();
        event["referencedResources"] = json!({
            "ACS::OSS::Bucket": [bucket],
            "ACS::OSS::Object": [format!("{bucket}/{key}")],
        });
    }
    Some(event)
}

/// A story's ActionTrail: each record's event, in the story's order, with the OSS request ID of
/// every AWS `eventID` (for comparing answers).
pub struct Trail {
    pub events: Vec<(Rec, Value)>,
    pub ids: BTreeMap<String, String>,
}

pub fn trail(story: &Story) -> Trail {
    let mut events = Vec::new();
    let mut ids = BTreeMap::new();
    for rec in &story.records {
        if let Some(ev) = event(rec) {
            let id = ev["eventId"].as_str().unwrap_or_default().to_owned();
            ids.insert(rec.event_id(), id);
            events.push((rec.clone(), ev));
        }
    }
    for rec in &story.access_only {
        if let Some(id) = rec.json["requestID"].as_str() {
            ids.insert(rec.event_id(), request_id(id));
        }
    }
    Trail { events, ids }
}
