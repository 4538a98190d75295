//! CloudTrail records in the shape AWS writes them.
//!
//! Data events follow the real S3 records quoted in `../shared/reference/cloudtrail-formats.md`
//! (CopyObject, PutObject); the multipart fields whose placement AWS does not document follow
//! the analogy the reference draws: query parameters (`uploadId`, `partNumber`, `uploads`) are
//! copied into `requestParameters`, and the new upload ID of a creation sits in
//! `responseElements` (or is missing, as it may be in real logs).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::rng::Rng;

pub type Time = DateTime<Utc>;

pub fn iso(t: Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Who makes a request: the `userIdentity` object plus where the request came from.
#[derive(Clone, Debug)]
pub struct Who {
    pub identity: Value,
    pub source_ip: String,
    pub user_agent: String,
    /// The ARN the tool is expected to name (or the service, or "anonymous").
    pub name: String,
}

impl Who {
    pub fn role(account: &str, role: &str, session: &str, ip: &str, agent: &str) -> Who {
        let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
        Who {
            identity: json!({
                "type": "AssumedRole",
                "principalId": format!("AROA4EXAMPLE{}:{session}", role.len()),
                "arn": arn,
                "accountId": account,
                "accessKeyId": "ASIA4EXAMPLEKEYID000",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": format!("AROA4EXAMPLE{}", role.len()),
                        "arn": format!("arn:aws:iam::{account}:role/{role}"),
                        "accountId": account,
                        "userName": role
                    },
                    "attributes": {"creationDate": "2026-11-01T00:00:00Z", "mfaAuthenticated": "false"}
                }
            }),
            source_ip: ip.to_owned(),
            user_agent: agent.to_owned(),
            name: arn,
        }
    }

    pub fn user(account: &str, name: &str, ip: &str, agent: &str) -> Who {
        let arn = format!("arn:aws:iam::{account}:user/{name}");
        Who {
            identity: json!({
                "type": "IAMUser",
                "principalId": "AIDA4EXAMPLEUSERID00",
                "arn": arn,
                "accountId": account,
                "accessKeyId": "AKIA4EXAMPLEKEYID000",
                "userName": name
            }),
            source_ip: ip.to_owned(),
            user_agent: agent.to_owned(),
            name: arn,
        }
    }

    pub fn service(service: &str) -> Who {
        Who {
            identity: json!({"type": "AWSService", "invokedBy": service}),
            source_ip: service.to_owned(),
            user_agent: service.to_owned(),
            name: service.to_owned(),
        }
    }

    pub fn anonymous(ip: &str, agent: &str) -> Who {
        Who {
            identity: json!({"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}),
            source_ip: ip.to_owned(),
            user_agent: agent.to_owned(),
            name: "anonymous".to_owned(),
        }
    }

    pub fn root(account: &str) -> Who {
        let arn = format!("arn:aws:iam::{account}:root");
        Who {
            identity: json!({"type": "Root", "principalId": account, "arn": arn, "accountId": account, "accessKeyId": "ASIA4EXAMPLEROOT0000"}),
            source_ip: "198.51.100.7".to_owned(),
            user_agent: "AWS Internal".to_owned(),
            name: arn,
        }
    }
}

/// Where a record is written.
#[derive(Clone, Debug)]
pub struct Place {
    pub account: String,
    pub region: String,
}

/// One record, with what the layout needs to file it.
#[derive(Clone, Debug)]
pub struct Rec {
    pub time: Time,
    pub place: Place,
    pub json: Value,
}

impl Rec {
    pub fn event_id(&self) -> String {
        self.json["eventID"].as_str().unwrap_or_default().to_owned()
    }
}

fn base(rng: &mut Rng, t: Time, place: &Place, who: &Who, source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.10",
        "userIdentity": who.identity,
        "eventTime": iso(t),
        "eventSource": source,
        "eventName": name,
        "awsRegion": place.region,
        "sourceIPAddress": who.source_ip,
        "userAgent": who.user_agent,
        "requestID": rng.request_id(),
        "eventID": rng.uuid(),
        "eventType": "AwsApiCall",
        "recipientAccountId": place.account,
    })
}

fn host(bucket: &str, region: &str) -> String {
    format!("{bucket}.s3.{region}.amazonaws.com")
}

/// The parts of an S3 data event.
pub struct S3Call<'a> {
    pub name: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: Option<&'a str>,
    pub part: Option<u32>,
    pub bytes_in: u64,
    pub error: Option<(&'a str, &'a str)>,
}

/// An S3 data event (object-level, including every multipart call).
pub fn s3_data(rng: &mut Rng, t: Time, place: &Place, who: &Who, call: &S3Call<'_>) -> Rec {
    let mut v = base(rng, t, place, who, "s3.amazonaws.com", call.name);
    let mut params = json!({"bucketName": call.bucket, "Host": host(call.bucket, &place.region), "key": call.key});
    if let Some(id) = call.upload_id {
        params["uploadId"] = json!(id);
    }
    if let Some(n) = call.part {
        // Query parameters arrive as strings; some exports turn them into numbers.
        params["partNumber"] = if rng.chance(0.7) {
            json!(n.to_string())
        } else {
            json!(n)
        };
    }
    if call.name == "CreateMultipartUpload" {
        params["uploads"] = json!("");
    }
    v["requestParameters"] = params;
    v["responseElements"] = match call.error {
        Some(_) => Value::Null,
        None if call.name == "AbortMultipartUpload" => Value::Null,
        None => json!({"x-amz-server-side-encryption": "AES256"}),
    };
    if let Some((code, message)) = call.error {
        v["errorCode"] = json!(code);
        v["errorMessage"] = json!(message);
    }
    let bytes_in = if rng.chance(0.2) {
        json!(call.bytes_in as f64)
    } else {
        json!(call.bytes_in)
    };
    v["additionalEventData"] = json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": bytes_in,
        "SSEApplied": "Default_SSE_S3",
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": rng.host_id(),
        "bytesTransferredOut": 0
    });
    v["readOnly"] = json!(matches!(
        call.name,
        "ListParts" | "GetObject" | "HeadObject"
    ));
    v["resources"] = json!([
        {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{}/{}", call.bucket, call.key)},
        {"accountId": place.account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{}", call.bucket)}
    ]);
    v["managementEvent"] = json!(false);
    v["eventCategory"] = json!("Data");
    v["tlsDetails"] = json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": host(call.bucket, &place.region)});
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

/// The message S3 gives with NoSuchUpload.
pub const NO_SUCH_UPLOAD: (&str, &str) = (
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
);

/// A CreateMultipartUpload. `upload_id` goes into `responseElements` when given; `abort` adds the
/// `x-amz-abort-date` / `x-amz-abort-rule-id` headers.
pub fn create(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    bucket: &str,
    key: &str,
    upload_id: Option<&str>,
    abort: Option<(Time, &str)>,
) -> Rec {
    let call = S3Call {
        name: "CreateMultipartUpload",
        bucket,
        key,
        upload_id: None,
        part: None,
        bytes_in: 0,
        error: None,
    };
    let mut rec = s3_data(rng, t, place, who, &call);
    if let Some(id) = upload_id {
        rec.json["responseElements"]["CreateMultipartUploadResult"] =
            json!({"Bucket": bucket, "Key": key, "UploadId": id});
    }
    if let Some((date, rule)) = abort {
        rec.json["responseElements"]["x-amz-abort-date"] =
            json!(date.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        rec.json["responseElements"]["x-amz-abort-rule-id"] = json!(rule);
    }
    rec
}

/// A multipart call on an existing upload.
pub fn call(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    name: &str,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part: Option<u32>,
    bytes: u64,
    error: Option<(&str, &str)>,
) -> Rec {
    let call = S3Call {
        name,
        bucket,
        key,
        upload_id: Some(upload_id),
        part,
        bytes_in: bytes,
        error,
    };
    s3_data(rng, t, place, who, &call)
}

/// A lifecycle rule as CloudTrail renders the XML of PutBucketLifecycleConfiguration.
pub fn rule(id: &str, prefix: &str, enabled: bool, abort_days: Option<u32>) -> Value {
    let mut r = json!({"ID": id, "Filter": {"Prefix": prefix}, "Status": if enabled { "Enabled" } else { "Disabled" }});
    match abort_days {
        Some(d) => r["AbortIncompleteMultipartUpload"] = json!({"DaysAfterInitiation": d}),
        None => r["Expiration"] = json!({"Days": 30}),
    }
    r
}

/// A PutBucketLifecycle management event (one rule is an object, several an array).
pub fn put_lifecycle(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    bucket: &str,
    rules: Vec<Value>,
) -> Rec {
    let mut v = base(rng, t, place, who, "s3.amazonaws.com", "PutBucketLifecycle");
    let rule = if rules.len() == 1 {
        rules.into_iter().next().unwrap_or_default()
    } else {
        Value::Array(rules)
    };
    v["requestParameters"] = json!({
        "bucketName": bucket,
        "Host": host(bucket, &place.region),
        "lifecycle": "",
        "LifecycleConfiguration": {"Rule": rule, "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}
    });
    management_tail(rng, &mut v, bucket, place, false);
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

/// A DeleteBucketLifecycle management event.
pub fn delete_lifecycle(rng: &mut Rng, t: Time, place: &Place, who: &Who, bucket: &str) -> Rec {
    let mut v = base(
        rng,
        t,
        place,
        who,
        "s3.amazonaws.com",
        "DeleteBucketLifecycle",
    );
    v["requestParameters"] =
        json!({"bucketName": bucket, "Host": host(bucket, &place.region), "lifecycle": ""});
    management_tail(rng, &mut v, bucket, place, false);
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

fn management_tail(rng: &mut Rng, v: &mut Value, bucket: &str, place: &Place, read_only: bool) {
    v["responseElements"] = Value::Null;
    v["additionalEventData"] = json!({"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": rng.host_id(), "bytesTransferredOut": 0});
    v["readOnly"] = json!(read_only);
    v["resources"] = json!([{"accountId": place.account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]);
    v["managementEvent"] = json!(true);
    v["eventCategory"] = json!("Management");
}

/// An S3 bucket-level change (a management event): `PutBucketPolicy`, `DeleteBucket`…, with
/// `params` added to `requestParameters`.
pub fn bucket_change(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    name: &str,
    bucket: &str,
    params: Value,
) -> Rec {
    let mut v = base(rng, t, place, who, "s3.amazonaws.com", name);
    let mut request = json!({"bucketName": bucket, "Host": host(bucket, &place.region)});
    if let (Some(r), Some(extra)) = (request.as_object_mut(), params.as_object()) {
        r.extend(extra.clone());
    }
    v["requestParameters"] = request;
    management_tail(rng, &mut v, bucket, place, false);
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

/// An S3 bucket-level read (a management event).
pub fn bucket_read(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    name: &str,
    bucket: &str,
) -> Rec {
    let mut v = base(rng, t, place, who, "s3.amazonaws.com", name);
    v["requestParameters"] = json!({"bucketName": bucket, "Host": format!("s3.{}.amazonaws.com", place.region), "acl": ""});
    management_tail(rng, &mut v, bucket, place, true);
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

/// A management event of another service.
pub fn management(
    rng: &mut Rng,
    t: Time,
    place: &Place,
    who: &Who,
    source: &str,
    name: &str,
    params: Value,
    response: Value,
) -> Rec {
    let mut v = base(rng, t, place, who, source, name);
    v["requestParameters"] = params;
    v["responseElements"] = response;
    v["readOnly"] =
        json!(name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List"));
    v["managementEvent"] = json!(true);
    v["eventCategory"] = json!("Management");
    v["tlsDetails"] = json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": source.replace(".amazonaws.com", &format!(".{}.amazonaws.com", place.region))});
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}

/// A CloudTrail Insights event: no userIdentity, no eventName.
pub fn insight(rng: &mut Rng, t: Time, place: &Place) -> Rec {
    let v = json!({
        "eventVersion": "1.08",
        "eventTime": iso(t),
        "awsRegion": place.region,
        "eventID": rng.uuid(),
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": place.account,
        "sharedEventID": rng.uuid(),
        "insightDetails": {"state": "Start", "eventSource": "s3.amazonaws.com", "eventName": "PutObject", "insightType": "ApiCallRateInsight",
            "insightContext": {"statistics": {"baseline": {"average": 0.1}, "insight": {"average": 42.0}}}},
        "eventCategory": "Insight"
    });
    Rec {
        time: t,
        place: place.clone(),
        json: v,
    }
}
