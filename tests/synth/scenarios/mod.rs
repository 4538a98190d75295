//! The stories of the fixture trail: what happened to each upload, and therefore what the right
//! answer is. The truth is known because the story is written first and the logs follow from it.
//!
//! Account 111122223333 logs S3 data events for every bucket except `audit-logs`, from
//! 2026-11-01 to 2026-11-12, in us-east-1 and eu-west-1. Bucket lifecycle rules come from
//! PutBucketLifecycle events in the logs (`media-uploads`, `scratch`), from a `--lifecycle` file
//! (`backups`), from a CreateMultipartUpload response (`analytics-raw`), or are unknown.
//!
//! This file holds what a story is made of and [`trail`], which tells the stories in order, a
//! chapter per file (the order is the order of the generator's random numbers, so it is kept).

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::records::{self, NO_SUCH_UPLOAD, Place, Rec, Time, Who};
use super::rng::Rng;

mod background;
mod edges;
mod lifecycle;
mod mixups;
mod orphans;
mod requests;
mod small;

pub use small::small;

pub const ACCOUNT: &str = "111122223333";
const MIB: u64 = 1 << 20;

/// What the tool should say about one failing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub story: &'static str,
    pub event_id: String,
    pub cause: &'static str,
    pub confidence: &'static str,
    pub culprit: Culprit,
    /// `culprit.abort_kind` of an `aborted` failure (checked when set).
    pub abort_kind: Option<&'static str>,
    /// The error code of the request that made a client abort its own upload (`None`: no
    /// trigger in view); checked for `self` aborts.
    pub trigger: Option<&'static str>,
    /// For a sweep: how many uploads it aborted, and whether a listing preceded it.
    pub sweep: Option<(u64, bool)>,
    /// `missing_evidence` as CloudTrail with data events sees it (checked when set).
    pub missing: Option<Vec<&'static str>>,
    /// Failures with the same label are in one incident, and failures with different labels in
    /// different ones (the story, unless a story holds several incidents).
    pub incident: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Culprit {
    /// The abort or completion, by this actor name; and whether it is the failing request's actor.
    Request {
        name: String,
        same_actor: bool,
    },
    /// A lifecycle rule, becoming eligible at this time.
    Rule {
        rule_id: String,
        eligible_at: String,
    },
    /// The upload the ID belongs to.
    Owner {
        bucket: String,
        key: String,
    },
    Nobody,
}

/// S3 aborting an upload under a lifecycle rule: only an access log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortLine {
    pub bucket: String,
    pub key: String,
    pub time: Time,
    /// The failure it explains (its `eventID`).
    pub explains: String,
    /// The rule is known only from a CloudTrail data event (the CreateMultipartUpload response),
    /// so without data events it is unknown.
    pub rule_from_data_events: bool,
}

/// An upload that should be listed as incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectOrphan {
    pub bucket: String,
    pub key: String,
    pub parts: u64,
    pub bytes: u64,
    pub rule_id: Option<String>,
}

/// What the tool should say about one failed request that is not a NoSuchUpload.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectOther {
    pub story: &'static str,
    /// The record's `eventID` (for a request only an access log shows: empty).
    pub event_id: String,
    pub request_id: String,
    pub error_code: &'static str,
    pub diagnosis: &'static str,
    pub confidence: &'static str,
    pub recovered: bool,
    /// The culprit's event name, when there is one.
    pub culprit: Option<&'static str>,
    pub details: Value,
    /// What access logs (with CloudTrail's management events) say instead, when it differs:
    /// diagnosis, confidence, details, culprit.
    pub from_access_logs: Option<(&'static str, &'static str, Value, Option<&'static str>)>,
}

pub struct Story {
    pub records: Vec<Rec>,
    pub expect: Vec<Expect>,
    /// Failed requests that are not NoSuchUpload.
    pub other: Vec<ExpectOther>,
    /// Requests only access logs show (CloudTrail does not log failed authentication).
    pub access_only: Vec<Rec>,
    pub orphans: Vec<ExpectOrphan>,
    /// Lifecycle aborts, for the access logs.
    pub aborts: Vec<AbortLine>,
    /// `--lifecycle` files: bucket, file name, content.
    pub lifecycle_files: Vec<(String, String, Value)>,
    /// Buckets that only management events name.
    pub quiet_buckets: Vec<String>,
}

/// `2026-11-DD HH:MM:SS` UTC.
pub fn at(day: u32, h: u32, m: u32, s: u32) -> Time {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .and_then(|d| d.and_hms_opt(h, m, s))
        .expect("a valid date")
        .and_utc()
}

pub(super) struct World {
    pub rng: Rng,
    pub records: Vec<Rec>,
    pub expect: Vec<Expect>,
    pub other: Vec<ExpectOther>,
    pub access_only: Vec<Rec>,
    pub orphans: Vec<ExpectOrphan>,
    pub aborts: Vec<AbortLine>,
    pub east: Place,
    pub west: Place,
}

impl World {
    pub(super) fn push(&mut self, rec: Rec) -> String {
        let id = rec.event_id();
        self.records.push(rec);
        id
    }

    pub(super) fn create(
        &mut self,
        t: Time,
        place: &Place,
        who: &Who,
        bucket: &str,
        key: &str,
        id: Option<&str>,
    ) -> String {
        let rec = records::create(&mut self.rng, t, place, who, bucket, key, id, None);
        self.push(rec)
    }

    pub(super) fn op(
        &mut self,
        t: Time,
        place: &Place,
        who: &Who,
        name: &str,
        bucket: &str,
        key: &str,
        id: &str,
    ) -> String {
        let rec = records::call(
            &mut self.rng,
            t,
            place,
            who,
            name,
            bucket,
            key,
            id,
            None,
            0,
            None,
        );
        self.push(rec)
    }

    pub(super) fn part(
        &mut self,
        t: Time,
        place: &Place,
        who: &Who,
        bucket: &str,
        key: &str,
        id: &str,
        n: u32,
        bytes: u64,
    ) -> String {
        let rec = records::call(
            &mut self.rng,
            t,
            place,
            who,
            "UploadPart",
            bucket,
            key,
            id,
            Some(n),
            bytes,
            None,
        );
        self.push(rec)
    }

    pub(super) fn fail(
        &mut self,
        t: Time,
        place: &Place,
        who: &Who,
        name: &str,
        bucket: &str,
        key: &str,
        id: &str,
        part: Option<u32>,
    ) -> String {
        let rec = records::call(
            &mut self.rng,
            t,
            place,
            who,
            name,
            bucket,
            key,
            id,
            part,
            0,
            Some(NO_SUCH_UPLOAD),
        );
        self.push(rec)
    }

    pub(super) fn aborted(
        &mut self,
        bucket: &str,
        key: &str,
        time: Time,
        explains: &str,
        rule_from_data_events: bool,
    ) {
        self.aborts.push(AbortLine {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            time,
            explains: explains.to_owned(),
            rule_from_data_events,
        });
    }

    pub(super) fn expect(
        &mut self,
        story: &'static str,
        event_id: String,
        cause: &'static str,
        confidence: &'static str,
        culprit: Culprit,
    ) -> &mut Expect {
        self.expect.push(Expect {
            story,
            event_id,
            cause,
            confidence,
            culprit,
            abort_kind: None,
            trigger: None,
            sweep: None,
            missing: None,
            incident: story,
        });
        let last = self.expect.len() - 1;
        &mut self.expect[last]
    }
}

pub(super) fn by(who: &Who, same_actor: bool) -> Culprit {
    Culprit::Request {
        name: who.name.clone(),
        same_actor,
    }
}

fn rule(id: &str, eligible_at: Time) -> Culprit {
    Culprit::Rule {
        rule_id: id.to_owned(),
        eligible_at: records::iso(eligible_at),
    }
}

/// The people, places and bucket the stories of the trail share.
pub(super) struct Cast {
    east: Place,
    west: Place,
    uploader: Who,
    uploader2: Who,
    cleanup: Who,
    alice: Who,
    backup: Who,
    etl: Who,
    admin: Who,
    backup_service: Who,
    anon: Who,
    media: &'static str,
}

impl Cast {
    fn new(w: &World) -> Cast {
        let java = "[aws-sdk-java/2.25.16 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS md/io#sync md/http#Apache ua/2.0 ft/s3-transfer]";
        Cast {
            east: w.east.clone(),
            west: w.west.clone(),
            uploader: Who::role(
                ACCOUNT,
                "media-uploader",
                "i-0a1b2c3d4e5f60718",
                "10.0.12.34",
                java,
            ),
            uploader2: Who::role(
                ACCOUNT,
                "media-uploader",
                "i-0ffee1234567890ab",
                "10.0.12.99",
                java,
            ),
            cleanup: Who::role(
                ACCOUNT,
                "nightly-cleanup",
                "cleanup-20261103",
                "10.0.40.2",
                "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1.112 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#s3api.abort-multipart-upload]",
            ),
            alice: Who::user(
                ACCOUNT,
                "alice",
                "203.0.113.25",
                "[aws-cli/2.17.60 md/command#s3api.upload-part]",
            ),
            backup: Who::role(
                ACCOUNT,
                "db-backup",
                "backup-runner",
                "10.0.7.7",
                "[Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112 lang/python#3.12.6]",
            ),
            etl: Who::role(
                ACCOUNT,
                "etl-loader",
                "glue-job-run-42",
                "10.1.20.5",
                "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2]",
            ),
            admin: Who::user(
                ACCOUNT,
                "ops-admin",
                "198.51.100.20",
                "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750]",
            ),
            backup_service: Who::service("backup.amazonaws.com"),
            anon: Who::anonymous("192.0.2.77", "[curl/8.5.0]"),
            media: "media-uploads",
        }
    }
}

/// The whole fixture trail.
pub fn trail() -> Story {
    let mut w = World {
        rng: Rng::new(20_261_101),
        records: Vec::new(),
        expect: Vec::new(),
        other: Vec::new(),
        access_only: Vec::new(),
        orphans: Vec::new(),
        aborts: Vec::new(),
        east: Place {
            account: ACCOUNT.into(),
            region: "us-east-1".into(),
        },
        west: Place {
            account: ACCOUNT.into(),
            region: "eu-west-1".into(),
        },
    };
    let c = Cast::new(&w);
    requests::stories(&mut w, &c);
    lifecycle::stories(&mut w, &c);
    mixups::stories(&mut w, &c);
    edges::stories(&mut w, &c);
    orphans::stories(&mut w, &c);
    super::incidents::stories(&mut w);
    super::other_failures::stories(&mut w);
    background::noise(&mut w, &c.admin, &c.alice);
    Story {
        records: w.records,
        expect: w.expect,
        other: w.other,
        access_only: w.access_only,
        orphans: w.orphans,
        aborts: w.aborts,
        lifecycle_files: vec![("backups".into(), "backups.json".into(), backups_rules())],
        // analytics-staging only saw the failed part of story M.
        quiet_buckets: vec![
            "analytics-staging".into(),
            "audit-logs".into(),
            "legacy-archive".into(),
            "tmp-staging".into(),
        ],
    }
}

/// What `aws s3api get-bucket-lifecycle-configuration --bucket backups` prints.
fn backups_rules() -> Value {
    json!({"Rules": [
        {"ID": "weekly-7d", "Filter": {"Prefix": "weekly/"}, "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
        {"ID": "old-dumps", "Prefix": "db/", "Status": "Disabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        {"Expiration": {"Days": 90}, "ID": "expire-old-dumps", "Filter": {"Prefix": "db/"}, "Status": "Enabled"}
    ]})
}
