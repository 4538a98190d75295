//! Everything else a trail holds: management events, other S3 calls, an Insights event.

use chrono::Duration;
use serde_json::{Value, json};

use super::super::records::{self, Who};
use super::{ACCOUNT, World, at};

/// Everything else a trail holds: management events, other S3 calls, an Insights event.
pub(super) fn noise(w: &mut World, admin: &Who, alice: &Who) {
    let (east, west) = (w.east.clone(), w.west.clone());
    let config = Who::role(
        ACCOUNT,
        "AWSServiceRoleForConfig",
        "AWSConfig-Describe",
        "config.amazonaws.com",
        "config.amazonaws.com",
    );
    let sts = Who::service("ec2.amazonaws.com");
    let root = Who::root(ACCOUNT);
    for day in 1..=12 {
        for hour in [1, 7, 13, 19] {
            let t = at(day, hour, 17, 0);
            let rec =
                records::bucket_read(&mut w.rng, t, &east, &config, "GetBucketAcl", "audit-logs");
            w.push(rec);
            let rec = records::management(
                &mut w.rng,
                t + Duration::minutes(3),
                &east,
                &sts,
                "sts.amazonaws.com",
                "AssumeRole",
                json!({"roleArn": format!("arn:aws:iam::{ACCOUNT}:role/media-uploader"), "roleSessionName": "i-0a1b2c3d4e5f60718"}),
                json!({"credentials": {"accessKeyId": "ASIA4EXAMPLEKEYID000", "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN", "expiration": "Nov 1, 2026, 2:17:00 AM"}}),
            );
            w.push(rec);
            let rec = records::management(
                &mut w.rng,
                t + Duration::minutes(9),
                &west,
                alice,
                "ec2.amazonaws.com",
                "DescribeInstances",
                json!({"instancesSet": {}, "filterSet": {}}),
                Value::Null,
            );
            w.push(rec);
            let call = records::S3Call {
                name: "GetObject",
                bucket: "media-uploads",
                key: "videos/2026/teaser.mp4",
                upload_id: None,
                part: None,
                bytes_in: 0,
                error: None,
            };
            let rec = records::s3_data(&mut w.rng, t + Duration::minutes(11), &east, alice, &call);
            w.push(rec);
        }
        let rec = records::bucket_read(
            &mut w.rng,
            at(day, 12, 0, 0),
            &east,
            admin,
            "GetBucketPolicy",
            "audit-logs",
        );
        w.push(rec);
    }
    let rec = records::management(
        &mut w.rng,
        at(2, 8, 0, 0),
        &east,
        &root,
        "signin.amazonaws.com",
        "ConsoleLogin",
        json!(null),
        json!({"ConsoleLogin": "Success"}),
    );
    w.push(rec);
    let rec = records::insight(&mut w.rng, at(4, 16, 0, 0), &east);
    w.push(rec);
}
