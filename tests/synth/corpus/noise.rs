//! The background of the benchmark corpus: the management events and S3 object calls that
//! surround the uploads, about 70% and 30% of the records.

use chrono::Duration;
use serde_json::{Value, json};

use super::super::records::{self, Place, Rec, Time, Who};
use super::super::rng::Rng;
use super::ACCOUNT;

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
pub(super) fn background_caller(rng: &mut Rng) -> Who {
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
pub(super) fn object_call(rng: &mut Rng, t: Time, place: &Place, who: &Who) -> Rec {
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
pub(super) fn noise(rng: &mut Rng, slot: Time, place: &Place) -> Rec {
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
