//! The stories of the fixture trail: what happened to each upload, and therefore what the right
//! answer is. The truth is known because the story is written first and the logs follow from it.
//!
//! Account 111122223333 logs S3 data events for every bucket except `audit-logs`, from
//! 2026-11-01 to 2026-11-12, in us-east-1 and eu-west-1. Bucket lifecycle rules come from
//! PutBucketLifecycle events in the logs (`media-uploads`, `scratch`), from a `--lifecycle` file
//! (`backups`), from a CreateMultipartUpload response (`analytics-raw`), or are unknown.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::records::{self, NO_SUCH_UPLOAD, Place, Rec, Time, Who};
use super::rng::Rng;

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
    let (east, west) = (w.east.clone(), w.west.clone());
    let java = "[aws-sdk-java/2.25.16 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS md/io#sync md/http#Apache ua/2.0 ft/s3-transfer]";
    let uploader = Who::role(
        ACCOUNT,
        "media-uploader",
        "i-0a1b2c3d4e5f60718",
        "10.0.12.34",
        java,
    );
    let uploader2 = Who::role(
        ACCOUNT,
        "media-uploader",
        "i-0ffee1234567890ab",
        "10.0.12.99",
        java,
    );
    let cleanup = Who::role(
        ACCOUNT,
        "nightly-cleanup",
        "cleanup-20261103",
        "10.0.40.2",
        "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1.112 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#s3api.abort-multipart-upload]",
    );
    let alice = Who::user(
        ACCOUNT,
        "alice",
        "203.0.113.25",
        "[aws-cli/2.17.60 md/command#s3api.upload-part]",
    );
    let backup = Who::role(
        ACCOUNT,
        "db-backup",
        "backup-runner",
        "10.0.7.7",
        "[Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112 lang/python#3.12.6]",
    );
    let etl = Who::role(
        ACCOUNT,
        "etl-loader",
        "glue-job-run-42",
        "10.1.20.5",
        "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2]",
    );
    let admin = Who::user(
        ACCOUNT,
        "ops-admin",
        "198.51.100.20",
        "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750]",
    );
    let backup_service = Who::service("backup.amazonaws.com");
    let anon = Who::anonymous("192.0.2.77", "[curl/8.5.0]");
    let media = "media-uploads";

    // Lifecycle history of media-uploads, from the logs.
    let config1 = vec![
        records::rule("abort-ingest-2d", "ingest/", true, Some(2)),
        records::rule("tmp-scratch", "tmp/", false, Some(1)),
        records::rule("expire-exports", "exports/", true, None),
    ];
    let rec = records::put_lifecycle(&mut w.rng, at(1, 8, 0, 0), &east, &admin, media, config1);
    w.push(rec);
    let config2 = vec![
        records::rule("abort-ingest-2d", "ingest/", true, Some(2)),
        records::rule("abort-ingest-slow", "ingest/", true, Some(4)),
        records::rule("abort-exports-3d", "exports/", true, Some(3)),
        records::rule("tmp-scratch", "tmp/", false, Some(1)),
    ];
    let rec = records::put_lifecycle(&mut w.rng, at(6, 12, 0, 0), &east, &admin, media, config2);
    w.push(rec);

    // A: a nightly cleanup job aborts an upload that is still in use.
    let (key, id) = ("videos/2026/launch-keynote.mp4", w.rng.upload_id());
    w.create(at(3, 9, 0, 0), &east, &uploader, media, key, Some(&id));
    for (n, m) in [(1, 1), (2, 2), (3, 3)] {
        w.part(
            at(3, 9, m, 10),
            &east,
            &uploader,
            media,
            key,
            &id,
            n,
            8 * MIB,
        );
    }
    w.op(
        at(3, 9, 30, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(3, 9, 31, 5),
        &east,
        &uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(4),
    );
    let e = w.expect(
        "A cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    e.abort_kind = Some("other");
    let e = w.fail(
        at(3, 9, 31, 6),
        &east,
        &uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "A cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    e.abort_kind = Some("other");

    // B: the uploader aborts its own upload after a part fails; a part in flight fails in the
    // same second as the abort.
    let (key, id) = ("raw/camera-7/take-12.mov", w.rng.upload_id());
    w.create(at(4, 16, 20, 0), &east, &uploader2, media, key, Some(&id));
    w.part(
        at(4, 16, 20, 30),
        &east,
        &uploader2,
        media,
        key,
        &id,
        1,
        16 * MIB,
    );
    let rec = records::call(
        &mut w.rng,
        at(4, 16, 21, 0),
        &east,
        &uploader2,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
        0,
        Some((
            "InternalError",
            "We encountered an internal error. Please try again.",
        )),
    );
    let internal = w.push(rec);
    super::other_failures::expect(
        &mut w,
        &internal,
        "B the part that failed first",
        "InternalError",
        "server_error",
    );
    let e = w.fail(
        at(4, 16, 21, 2),
        &east,
        &uploader2,
        "UploadPart",
        media,
        key,
        &id,
        Some(3),
    );
    w.op(
        at(4, 16, 21, 2),
        &east,
        &uploader2,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.expect(
        "B the uploader aborts its own upload",
        e,
        "aborted",
        "likely",
        by(&uploader2, true),
    );
    e.abort_kind = Some("self");
    e.trigger = Some("InternalError");

    // C: a completion succeeds, its response is lost, the retry fails.
    let (bkey, id) = ("db/orders-2026-11-04.dump", w.rng.upload_id());
    w.create(at(4, 2, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    for n in 1..=3 {
        w.part(
            at(4, 2, 1 + n * 2, 0),
            &east,
            &backup,
            "backups",
            bkey,
            &id,
            n,
            64 * MIB,
        );
    }
    let done = w.op(
        at(4, 2, 10, 0),
        &east,
        &backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(4, 2, 10, 7),
        &east,
        &backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "C retry after a successful completion",
        e,
        "completed",
        "certain",
        by(&backup, true),
    );
    // CloudTrail delivers the successful completion twice.
    let copy = w
        .records
        .iter()
        .find(|r| r.event_id() == done)
        .cloned()
        .expect("the completion");
    w.records.push(copy);

    // D: the cleanup job aborts an upload that was already completed.
    let (key, id) = ("videos/2026/teaser.mp4", w.rng.upload_id());
    w.create(at(5, 10, 0, 0), &east, &uploader, media, key, Some(&id));
    w.part(
        at(5, 10, 5, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        12 * MIB,
    );
    w.op(
        at(5, 10, 12, 0),
        &east,
        &uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(5, 23, 0, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    w.expect(
        "D cleanup aborts a completed upload",
        e,
        "completed",
        "certain",
        by(&uploader, false),
    );

    // E: a slow upload outlives the 2-day rule; its parts are spread over three days of files.
    let (key, id) = ("ingest/2026-11-02/archive-full.tar", w.rng.upload_id());
    w.create(at(2, 14, 0, 0), &east, &uploader, media, key, Some(&id));
    for (n, t) in [
        (1, at(2, 14, 5, 0)),
        (2, at(3, 3, 10, 0)),
        (3, at(4, 11, 30, 0)),
        (4, at(4, 23, 55, 0)),
    ] {
        w.part(t, &east, &uploader, media, key, &id, n, 100 * MIB);
    }
    let e = w.fail(
        at(5, 8, 0, 0),
        &east,
        &uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(5),
    );
    // S3 aborts it in its nightly lifecycle run; only the access log shows it.
    w.aborted(media, key, at(5, 2, 17, 43), &e, false);
    let e = w.expect(
        "E lifecycle rule shorter than the upload",
        e,
        "lifecycle",
        "likely",
        rule("abort-ingest-2d", at(5, 0, 0, 0)),
    );
    // One rule of one bucket: one incident.
    e.incident = "rule abort-ingest-2d";

    // F: the only rule for tmp/ is disabled.
    let (key, id) = ("tmp/render-cache.bin", w.rng.upload_id());
    w.create(at(2, 9, 0, 0), &east, &uploader, media, key, Some(&id));
    w.part(
        at(2, 9, 5, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        5 * MIB,
    );
    let e = w.fail(
        at(4, 9, 0, 0),
        &east,
        &uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
    );
    w.expect(
        "F disabled lifecycle rule",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // G: a rule added on 11-06 applies to an upload begun on 11-01, from the moment it exists.
    let (key, id) = ("exports/q3-report.parquet", w.rng.upload_id());
    w.create(at(1, 10, 0, 0), &east, &etl, media, key, Some(&id));
    w.part(at(1, 10, 5, 0), &east, &etl, media, key, &id, 1, 32 * MIB);
    w.part(at(1, 10, 30, 0), &east, &etl, media, key, &id, 2, 32 * MIB);
    let e = w.fail(
        at(7, 9, 0, 0),
        &east,
        &etl,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    w.aborted(media, key, at(7, 0, 41, 9), &e, false);
    w.expect(
        "G rule added after the upload began",
        e,
        "lifecycle",
        "likely",
        rule("abort-exports-3d", at(6, 12, 0, 0)),
    );

    // H: two rules match; the earlier eligibility wins.
    let (key, id) = ("ingest/2026-11-07/batch-17.csv", w.rng.upload_id());
    w.create(at(7, 15, 0, 0), &east, &uploader, media, key, Some(&id));
    w.part(
        at(7, 15, 2, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        5 * MIB,
    );
    let e = w.fail(
        at(10, 6, 0, 0),
        &east,
        &uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
    );
    w.aborted(media, key, at(10, 1, 12, 30), &e, false);
    let e = w.expect(
        "H two matching rules",
        e,
        "lifecycle",
        "likely",
        rule("abort-ingest-2d", at(10, 0, 0, 0)),
    );
    // One rule of one bucket: one incident.
    e.incident = "rule abort-ingest-2d";

    // I: a failure before the rule's deadline (backups rules come from a --lifecycle file).
    let (bkey, id) = ("weekly/2026-w45.tar", w.rng.upload_id());
    w.create(at(5, 10, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    w.part(
        at(5, 10, 10, 0),
        &east,
        &backup,
        "backups",
        bkey,
        &id,
        1,
        256 * MIB,
    );
    let e = w.fail(
        at(8, 11, 0, 0),
        &east,
        &backup,
        "UploadPart",
        "backups",
        bkey,
        &id,
        Some(2),
    );
    w.expect(
        "I failure before eligibility",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // J: no rule's prefix matches.
    let (bkey, id) = ("monthly/2026-10.tar", w.rng.upload_id());
    w.create(at(2, 4, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    w.part(
        at(2, 4, 30, 0),
        &east,
        &backup,
        "backups",
        bkey,
        &id,
        1,
        256 * MIB,
    );
    let e = w.fail(
        at(9, 4, 0, 0),
        &east,
        &backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "J no rule prefix matches",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // K: an AWS service aborts.
    let (bkey, id) = ("db/customers-2026-11-06.dump", w.rng.upload_id());
    w.create(at(6, 1, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    w.part(
        at(6, 1, 5, 0),
        &east,
        &backup,
        "backups",
        bkey,
        &id,
        1,
        64 * MIB,
    );
    w.op(
        at(6, 1, 20, 0),
        &east,
        &backup_service,
        "AbortMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(6, 1, 21, 0),
        &east,
        &backup,
        "UploadPart",
        "backups",
        bkey,
        &id,
        Some(2),
    );
    let e = w.expect(
        "K an AWS service aborts",
        e,
        "aborted",
        "certain",
        by(&backup_service, false),
    );
    e.abort_kind = Some("other");

    // L: a part is sent to a URL-encoded key.
    let (key, id) = ("events/2026-11-06/part-0000.parquet", w.rng.upload_id());
    w.create(at(6, 7, 0, 0), &west, &etl, "analytics-raw", key, Some(&id));
    w.part(
        at(6, 7, 1, 0),
        &west,
        &etl,
        "analytics-raw",
        key,
        &id,
        1,
        20 * MIB,
    );
    let e = w.fail(
        at(6, 7, 2, 0),
        &west,
        &etl,
        "UploadPart",
        "analytics-raw",
        "events%2F2026-11-06%2Fpart-0000.parquet",
        &id,
        Some(2),
    );
    w.expect(
        "L wrong key",
        e,
        "wrong_key",
        "certain",
        Culprit::Owner {
            bucket: "analytics-raw".into(),
            key: key.into(),
        },
    );
    w.part(
        at(6, 7, 3, 0),
        &west,
        &etl,
        "analytics-raw",
        key,
        &id,
        2,
        20 * MIB,
    );
    w.op(
        at(6, 7, 10, 0),
        &west,
        &etl,
        "CompleteMultipartUpload",
        "analytics-raw",
        key,
        &id,
    );

    // M: a part is sent to the staging bucket; the real upload stays open.
    let (key, id) = ("events/2026-11-07/part-0003.parquet", w.rng.upload_id());
    w.create(at(7, 7, 0, 0), &west, &etl, "analytics-raw", key, Some(&id));
    w.part(
        at(7, 7, 0, 30),
        &west,
        &etl,
        "analytics-raw",
        key,
        &id,
        1,
        20 * MIB,
    );
    let e = w.fail(
        at(7, 7, 1, 0),
        &west,
        &etl,
        "UploadPart",
        "analytics-staging",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "M wrong bucket",
        e,
        "wrong_key",
        "certain",
        Culprit::Owner {
            bucket: "analytics-raw".into(),
            key: key.into(),
        },
    );
    w.orphans.push(ExpectOrphan {
        bucket: "analytics-raw".into(),
        key: key.into(),
        parts: 1,
        bytes: 20 * MIB,
        rule_id: None,
    });

    // N: upload IDs that never existed in these logs.
    let stale = w.rng.upload_id();
    let e = w.fail(
        at(8, 14, 0, 0),
        &east,
        &alice,
        "UploadPart",
        media,
        "videos/2025/recap.mp4",
        &stale,
        Some(7),
    );
    w.expect(
        "N resumed upload older than the logs",
        e,
        "unknown_upload",
        "likely",
        Culprit::Nobody,
    );
    let e = w.fail(
        at(9, 3, 33, 0),
        &east,
        &anon,
        "ListParts",
        media,
        "videos/2026/launch-keynote.mp4",
        "not-an-upload-id",
        None,
    );
    w.expect(
        "N anonymous probe with a made-up ID",
        e,
        "unknown_upload",
        "likely",
        Culprit::Nobody,
    );

    // O: the upload vanished and analytics-raw's lifecycle configuration is unknown.
    let (key, id) = ("landing/feed-2026-11-03.json", w.rng.upload_id());
    w.create(at(3, 6, 0, 0), &west, &etl, "analytics-raw", key, Some(&id));
    w.part(
        at(3, 6, 1, 0),
        &west,
        &etl,
        "analytics-raw",
        key,
        &id,
        1,
        8 * MIB,
    );
    let e = w.fail(
        at(6, 6, 0, 0),
        &west,
        &etl,
        "UploadPart",
        "analytics-raw",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "O unknown lifecycle configuration",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // P: creations without an upload ID in the log; the upload is paired with the later one.
    let key = "videos/2026/behind-the-scenes.mp4";
    let id = w.rng.upload_id();
    w.create(at(8, 10, 0, 0), &east, &uploader, media, key, None);
    w.create(at(8, 10, 5, 0), &east, &uploader, media, key, None);
    w.part(
        at(8, 10, 5, 30),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        8 * MIB,
    );
    w.part(
        at(8, 10, 6, 30),
        &east,
        &uploader,
        media,
        key,
        &id,
        2,
        8 * MIB,
    );
    w.op(
        at(8, 10, 40, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(8, 10, 41, 0),
        &east,
        &uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "P creation paired by key and time",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    e.abort_kind = Some("other");

    // Q: the CreateMultipartUpload response names the abort rule and date.
    let (key, id) = ("landing/feed-2026-11-08.json", w.rng.upload_id());
    let rec = records::create(
        &mut w.rng,
        at(8, 6, 0, 0),
        &west,
        &etl,
        "analytics-raw",
        key,
        Some(&id),
        Some((at(10, 0, 0, 0), "landing-zone-1d")),
    );
    w.push(rec);
    w.part(
        at(8, 6, 2, 0),
        &west,
        &etl,
        "analytics-raw",
        key,
        &id,
        1,
        8 * MIB,
    );
    let e = w.fail(
        at(10, 9, 0, 0),
        &west,
        &etl,
        "UploadPart",
        "analytics-raw",
        key,
        &id,
        Some(2),
    );
    w.aborted("analytics-raw", key, at(10, 1, 12, 31), &e, true);
    w.expect(
        "Q rule named by the create response",
        e,
        "lifecycle",
        "likely",
        rule("landing-zone-1d", at(10, 0, 0, 0)),
    );

    // R: the rule was deleted before the upload became eligible.
    let rec = records::put_lifecycle(
        &mut w.rng,
        at(1, 9, 0, 0),
        &east,
        &admin,
        "scratch",
        vec![records::rule("abort-1d", "", true, Some(1))],
    );
    w.push(rec);
    let rec = records::delete_lifecycle(&mut w.rng, at(3, 12, 0, 0), &east, &admin, "scratch");
    w.push(rec);
    let (key, id) = ("tmp/x.bin", w.rng.upload_id());
    w.create(at(2, 10, 0, 0), &east, &alice, "scratch", key, Some(&id));
    w.part(at(2, 10, 1, 0), &east, &alice, "scratch", key, &id, 1, MIB);
    let e = w.fail(
        at(5, 10, 0, 0),
        &east,
        &alice,
        "UploadPart",
        "scratch",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "R rule deleted before eligibility",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // S: a part succeeds after the abort (S3 documents this race); the completion fails.
    let (key, id) = ("videos/2026/interview-raw.mov", w.rng.upload_id());
    w.create(at(9, 9, 0, 0), &east, &uploader, media, key, Some(&id));
    w.part(
        at(9, 9, 1, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        8 * MIB,
    );
    w.op(
        at(9, 9, 2, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    w.part(
        at(9, 9, 2, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        2,
        8 * MIB,
    );
    let e = w.fail(
        at(9, 9, 3, 0),
        &east,
        &uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "S a part succeeds after the abort",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    e.abort_kind = Some("other");

    // T: someone lists the parts of a completed upload.
    let (bkey, id) = ("db/inventory-2026-11-07.dump", w.rng.upload_id());
    w.create(at(7, 2, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    w.part(
        at(7, 2, 1, 0),
        &east,
        &backup,
        "backups",
        bkey,
        &id,
        1,
        64 * MIB,
    );
    w.op(
        at(7, 3, 0, 0),
        &east,
        &backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(7, 3, 5, 0),
        &east,
        &alice,
        "ListParts",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "T listing a completed upload",
        e,
        "completed",
        "certain",
        by(&backup, false),
    );

    // Incomplete uploads at the end of the logs.
    let (key, id) = ("ingest/2026-11-11/nightly-dump.bin", w.rng.upload_id());
    w.create(at(11, 22, 0, 0), &east, &uploader, media, key, Some(&id));
    for n in 1..=3 {
        w.part(
            at(11, 22, n, 0),
            &east,
            &uploader,
            media,
            key,
            &id,
            n,
            8 * MIB,
        );
    }
    w.orphans.push(ExpectOrphan {
        bucket: media.into(),
        key: key.into(),
        parts: 3,
        bytes: 24 * MIB,
        rule_id: Some("abort-ingest-2d".into()),
    });
    let (bkey, id) = ("weekly/2026-w46.tar", w.rng.upload_id());
    w.create(at(10, 10, 0, 0), &east, &backup, "backups", bkey, Some(&id));
    w.part(
        at(10, 10, 30, 0),
        &east,
        &backup,
        "backups",
        bkey,
        &id,
        1,
        512 * MIB,
    );
    w.orphans.push(ExpectOrphan {
        bucket: "backups".into(),
        key: bkey.into(),
        parts: 1,
        bytes: 512 * MIB,
        rule_id: Some("weekly-7d".into()),
    });
    let (key, id) = ("ingest/2026-10-31/late-batch.csv", w.rng.upload_id());
    w.part(
        at(1, 0, 10, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        1,
        4 * MIB,
    );
    w.part(
        at(1, 0, 12, 0),
        &east,
        &uploader,
        media,
        key,
        &id,
        2,
        4 * MIB,
    );
    w.orphans.push(ExpectOrphan {
        bucket: media.into(),
        key: key.into(),
        parts: 2,
        bytes: 8 * MIB,
        rule_id: Some("abort-ingest-2d".into()),
    });

    super::incidents::stories(&mut w);
    super::other_failures::stories(&mut w);
    noise(&mut w, &admin, &alice);
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

/// Everything else a trail holds: management events, other S3 calls, an Insights event.
fn noise(w: &mut World, admin: &Who, alice: &Who) {
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

/// A short story told in every input shape: one upload aborted by a cleanup job, a part that
/// then fails, a management event and an Insights event.
pub fn small() -> Story {
    let mut w = World {
        rng: Rng::new(7),
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
    let east = w.east.clone();
    let uploader = Who::role(
        ACCOUNT,
        "media-uploader",
        "i-0a1b2c3d4e5f60718",
        "10.0.12.34",
        "[aws-sdk-java/2.25.16]",
    );
    let cleanup = Who::role(
        ACCOUNT,
        "nightly-cleanup",
        "cleanup-20261103",
        "10.0.40.2",
        "[aws-cli/2.17.60]",
    );
    let (key, id) = ("videos/clip.mp4", w.rng.upload_id());
    w.create(
        at(3, 9, 0, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        Some(&id),
    );
    w.part(
        at(3, 9, 1, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        &id,
        1,
        8 * MIB,
    );
    w.part(
        at(3, 9, 2, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        &id,
        2,
        8 * MIB,
    );
    w.op(
        at(3, 9, 30, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        "media-uploads",
        key,
        &id,
    );
    let e = w.fail(
        at(3, 9, 31, 0),
        &east,
        &uploader,
        "UploadPart",
        "media-uploads",
        key,
        &id,
        Some(3),
    );
    w.expect(
        "a cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    let admin = Who::user(ACCOUNT, "ops-admin", "198.51.100.20", "[S3Console/0.4]");
    let rec = records::bucket_read(
        &mut w.rng,
        at(3, 9, 40, 0),
        &east,
        &admin,
        "GetBucketAcl",
        "media-uploads",
    );
    w.push(rec);
    let rec = records::insight(&mut w.rng, at(3, 9, 45, 0), &east);
    w.push(rec);
    Story {
        records: w.records,
        expect: w.expect,
        other: Vec::new(),
        access_only: Vec::new(),
        orphans: Vec::new(),
        aborts: Vec::new(),
        lifecycle_files: Vec::new(),
        quiet_buckets: Vec::new(),
    }
}
