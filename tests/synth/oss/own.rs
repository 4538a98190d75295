//! Stories only OSS can tell: a `CreatedBeforeDate` abort rule, a rule whose `<Filter><Not>`
//! exempts a prefix, OSS's misspelled event names, `FilePartNotExist`, and a lifecycle abort
//! line that names the upload it removed. Written as ActionTrail events of bucket `oss-media`
//! (a Log Service export) and the bucket's access log.

use serde_json::{Value, json};

use super::super::access_log::Line;
use super::super::records::{self, NO_SUCH_UPLOAD, Place, Time, Who};
use super::super::rng::Rng;
use super::super::scenarios::at;
use super::{event, upload_id};

pub const BUCKET: &str = "oss-media";

/// What the answer must say of each failing request, by OSS request ID.
pub struct Expected {
    pub request_id: String,
    /// The cause of a NoSuchUpload, or the diagnosis of another failure.
    pub verdict: &'static str,
    /// The rule named, for a lifecycle cause.
    pub rule: Option<&'static str>,
    pub eligible_at: Option<&'static str>,
    pub created_before_date: Option<&'static str>,
    pub aborted_at: Option<&'static str>,
}

pub struct Own {
    pub events: Vec<Value>,
    pub lines: Vec<Line>,
    pub expected: Vec<Expected>,
}

/// The `PutBucketLifecycle` body: rules by date, by days with an exemption, and a disabled one.
pub const LIFECYCLE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration>
  <Rule>
    <ID>purge-archive-before-nov-4</ID>
    <Prefix>archive/</Prefix>
    <Status>Enabled</Status>
    <AbortMultipartUpload>
      <CreatedBeforeDate>2026-11-04T00:00:00.000Z</CreatedBeforeDate>
    </AbortMultipartUpload>
  </Rule>
  <Rule>
    <ID>parts-3d-except-keep</ID>
    <Prefix></Prefix>
    <Status>Enabled</Status>
    <Filter>
      <Not>
        <Prefix>keep/</Prefix>
      </Not>
    </Filter>
    <AbortMultipartUpload>
      <Days>3</Days>
    </AbortMultipartUpload>
  </Rule>
  <Rule>
    <ID>old-rule</ID>
    <Prefix>keep/</Prefix>
    <Status>Disabled</Status>
    <AbortMultipartUpload>
      <Days>1</Days>
    </AbortMultipartUpload>
  </Rule>
</LifecycleConfiguration>
"#;

struct Writer {
    rng: Rng,
    place: Place,
    who: Who,
    events: Vec<Value>,
}

impl Writer {
    fn push(&mut self, rec: records::Rec, rename: Option<&str>) -> String {
        let mut e = event(&rec).expect("an OSS twin");
        if let Some(name) = rename {
            e["eventName"] = json!(name);
        }
        let id = e["requestId"].as_str().unwrap_or_default().to_owned();
        self.events.push(e);
        id
    }

    fn create(&mut self, t: Time, key: &str, id: &str, misspelled: bool) {
        let rec = records::create(
            &mut self.rng,
            t,
            &self.place,
            &self.who,
            BUCKET,
            key,
            Some(id),
            None,
        );
        self.push(rec, misspelled.then_some("InitateMultipartUpload"));
    }

    fn call(
        &mut self,
        t: Time,
        name: &str,
        key: &str,
        id: &str,
        part: Option<u32>,
        error: Option<(&str, &str)>,
    ) -> String {
        let rec = records::call(
            &mut self.rng,
            t,
            &self.place,
            &self.who,
            name,
            BUCKET,
            key,
            id,
            part,
            0,
            error,
        );
        self.push(rec, None)
    }
}

pub fn stories() -> Own {
    let place = Place {
        account: super::super::scenarios::ACCOUNT.into(),
        region: "us-east-1".into(),
    };
    let who = Who::role(
        &place.account,
        "media-uploader",
        "i-0a1b2c3d4e5f60718",
        "10.0.12.34",
        "aliyun-sdk-java/3.17.4",
    );
    let admin = Who::user(&place.account, "ops-admin", "198.51.100.20", "OSS-Console");
    let mut w = Writer {
        rng: Rng::new(16),
        place,
        who,
        events: Vec::new(),
    };
    let mut expected = Vec::new();
    let mut lines = Vec::new();

    // The rules arrive on day 3 as the XML text of the request.
    let rec = records::bucket_change(
        &mut w.rng,
        at(3, 0, 0, 0),
        &w.place.clone(),
        &admin,
        "PutBucketLifecycle",
        BUCKET,
        json!({}),
    );
    let mut e = event(&rec).expect("an OSS twin");
    e["requestParameters"]["LifecycleConfiguration"] = json!(LIFECYCLE_XML);
    w.events.push(e);

    // OE: an archive upload begun on day 2 is removed by the CreatedBeforeDate rule on day 4
    // (the Days rule would make it eligible only on day 6).
    let (key, id) = ("archive/2026/tapes.tar", "oss-own-archive".to_owned());
    w.create(at(2, 10, 0, 0), key, &id, true);
    w.call(at(2, 10, 5, 0), "UploadPart", key, &id, Some(1), None);
    let rid = w.call(
        at(4, 10, 0, 0),
        "UploadPart",
        key,
        &id,
        Some(2),
        Some(NO_SUCH_UPLOAD),
    );
    expected.push(Expected {
        request_id: rid,
        verdict: "lifecycle",
        rule: Some("purge-archive-before-nov-4"),
        eligible_at: Some("2026-11-04T00:00:00Z"),
        created_before_date: Some("2026-11-04T00:00:00Z"),
        aborted_at: None,
    });

    // OF: under keep/ the Days rule does not apply (its Not exempts the prefix), and the rule
    // that names keep/ is disabled: nothing in view explains the failure.
    let (key, id) = ("keep/masters/final.mov", "oss-own-keep".to_owned());
    w.create(at(2, 12, 0, 0), key, &id, false);
    w.call(at(2, 12, 5, 0), "UploadPart", key, &id, Some(1), None);
    let rid = w.call(
        at(5, 9, 0, 0),
        "CompleteMultipartUpload",
        key,
        &id,
        None,
        Some(NO_SUCH_UPLOAD),
    );
    expected.push(Expected {
        request_id: rid,
        verdict: "unexplained",
        rule: None,
        eligible_at: None,
        created_before_date: None,
        aborted_at: None,
    });

    // OG: elsewhere the Days rule applies (begun on day 3, eligible from day 7); the access log
    // shows OSS aborting the upload, and names its upload ID in the URL.
    let (key, id) = ("renders/shot-42.exr", "oss-own-render".to_owned());
    w.create(at(3, 12, 0, 0), key, &id, false);
    w.call(at(3, 12, 1, 0), "UploadPartCopy", key, &id, Some(1), None);
    if let Some(e) = w.events.last_mut() {
        e["eventName"] = json!("UplaodPartCopy");
        e["requestParameters"]["x-oss-copy-source"] =
            json!(format!("/{BUCKET}/renders/shot-41.exr"));
    }
    let rid = w.call(
        at(7, 6, 0, 0),
        "UploadPart",
        key,
        &id,
        Some(2),
        Some(NO_SUCH_UPLOAD),
    );
    let aborted = at(7, 0, 30, 0);
    lines.push(Line {
        bucket: BUCKET.into(),
        time: aborted,
        text: format!(
            "- - - [{}] \"DELETE /{key}?uploadId={} HTTP/1.1\" 204 0 15 \"-\" \"-\" \"{BUCKET}.oss-cn-hangzhou-internal.aliyuncs.com\" \"{}\" \"true\" \"-\" \"AbortMultiPartUpload\" \"{BUCKET}\" \"{}\" - 4 \"-\" 0 \"1390000000000000\" - \"lifecycle\" \"standard\" \"-\"",
            (aborted + chrono::Duration::hours(-5)).format("%d/%b/%Y:%H:%M:%S -0500"),
            upload_id(&id),
            w.rng.hex(24),
            key.replace('/', "%2F"),
        ),
    });
    expected.push(Expected {
        request_id: rid,
        verdict: "lifecycle",
        rule: Some("parts-3d-except-keep"),
        eligible_at: Some("2026-11-07T00:00:00Z"),
        created_before_date: None,
        aborted_at: Some("2026-11-07T00:30:00Z"),
    });

    // OL: a completion names a part that was never uploaded: FilePartNotExist.
    let (key, id) = ("keep/catalog.db", "oss-own-catalog".to_owned());
    w.create(at(6, 8, 0, 0), key, &id, false);
    w.call(at(6, 8, 1, 0), "UploadPart", key, &id, Some(1), None);
    w.call(at(6, 8, 2, 0), "UploadPart", key, &id, Some(3), None);
    let rid = w.call(
        at(6, 8, 3, 0),
        "CompleteMultipartUpload",
        key,
        &id,
        None,
        Some(("FilePartNotExist", "The part you specified does not exist.")),
    );
    expected.push(Expected {
        request_id: rid,
        verdict: "parts_missing",
        rule: None,
        eligible_at: None,
        created_before_date: None,
        aborted_at: None,
    });
    Own {
        events: w.events,
        lines,
        expected,
    }
}
