//! Finds the CloudTrail records in a decoded file, whatever shape holds them, and classifies each.
//!
//! Shapes, recognised by their keys rather than by file names:
//! - a delivery file `{"Records":[…]}`, a bare array of records, one record, or one JSON value per
//!   line (NDJSON, where a broken line costs only that line);
//! - envelopes: CloudWatch Logs subscriptions (`logEvents[].message` holds a record as a string),
//!   EventBridge (`detail`), `aws cloudtrail lookup-events` (`Events[].CloudTrailEvent`), Cribl
//!   captures (`_raw`); envelopes may nest;
//! - digest files and Insight events, which are recognised and skipped.
//!
//! Every record is classified from its top-level keys alone (see [`skim`]); only multipart and
//! lifecycle-configuration records are parsed in full, by [`record`].

use std::borrow::Cow;

use super::record;
use super::skim::{self, RawStr, SkimError};
use super::{BucketSeen, Category, Decoded, Options};
use crate::model::{Op, Time};

/// The `eventSource` values of S3 (general purpose, directory buckets, Outposts).
const S3_SOURCES: [&str; 3] = [
    "s3.amazonaws.com",
    "s3express.amazonaws.com",
    "s3-outposts.amazonaws.com",
];

/// Event names that change a bucket's lifecycle configuration. CloudTrail logs the API
/// `PutBucketLifecycleConfiguration` as `PutBucketLifecycle`; both names are accepted.
const LIFECYCLE_EVENTS: [&str; 3] = [
    "PutBucketLifecycle",
    "PutBucketLifecycleConfiguration",
    "DeleteBucketLifecycle",
];

/// Object-level S3 operations: data events even in records too old to carry `eventCategory`.
const OBJECT_EVENTS: [&str; 12] = [
    "GetObject",
    "PutObject",
    "CopyObject",
    "DeleteObject",
    "DeleteObjects",
    "HeadObject",
    "GetObjectAcl",
    "PutObjectAcl",
    "GetObjectTagging",
    "PutObjectTagging",
    "RestoreObject",
    "SelectObjectContent",
];

/// How many envelopes may wrap one another (a Cribl capture of a CloudWatch payload is two).
const MAX_ENVELOPES: usize = 8;

/// The top-level keys of one object that say what it is.
#[derive(Default)]
struct Head<'a> {
    version: Option<RawStr<'a>>,
    time: Option<RawStr<'a>>,
    name: Option<RawStr<'a>>,
    source: Option<RawStr<'a>>,
    event_type: Option<RawStr<'a>>,
    category: Option<RawStr<'a>>,
    event_id: Option<RawStr<'a>>,
    management: Option<bool>,
    request: Option<usize>,
    detail_type: Option<RawStr<'a>>,
    digest_keys: u8,
    alibaba: bool,
    keys: Vec<RawStr<'a>>,
}

impl Head<'_> {
    fn is_record(&self) -> bool {
        self.version.is_some()
            || self.name.is_some()
            || self.event_type.is_some()
            || (self.time.is_some() && self.source.is_some())
    }

    fn is(field: Option<RawStr<'_>>, value: &str) -> bool {
        field.is_some_and(|f| f.is(value))
    }

    /// What a person should be told about an object that is not a CloudTrail record.
    fn describe_foreign(&self) -> String {
        if self.alibaba {
            return "an Alibaba Cloud ActionTrail event".to_owned();
        }
        if let Some(source) = self.source.and_then(|s| s.decode())
            && source.starts_with("aws:")
        {
            return format!("an event notification from {source}");
        }
        if let Some(kind) = self.detail_type.and_then(|s| s.decode()) {
            return format!("an EventBridge \"{kind}\" event");
        }
        let keys: Vec<_> = self
            .keys
            .iter()
            .take(4)
            .filter_map(|k| k.decode())
            .collect();
        match keys.len() {
            0 => "an empty object".to_owned(),
            _ => format!("an object with keys {}", keys.join(", ")),
        }
    }
}

/// Walks one decoded file and fills a [`Decoded`].
pub(super) struct Framer<'o> {
    pub out: &'o mut Decoded,
    pub origin: u32,
    pub opts: &'o Options,
}

/// Where a file stopped being readable.
pub(super) struct Damage {
    pub error: SkimError,
    pub line: usize,
}

impl Framer<'_> {
    /// Reads every value of the file. Returns where the file became unreadable, if it did.
    pub fn document(&mut self, b: &[u8]) -> Option<Damage> {
        let start = skim::skip_ws(b, 0);
        if let Some(first_line) = single_line_value(b, start)
            && skim::skip_ws(b, first_line) < b.len()
        {
            self.lines(b, start);
            return None;
        }
        let mut at = start;
        while at < b.len() {
            match self.value(b, at, 0) {
                Ok(end) => at = skim::skip_ws(b, end),
                Err(error) => {
                    // An NDJSON file whose first line is broken: go on from the second line.
                    if at == start
                        && let Some(nl) = memchr::memchr(b'\n', &b[at..])
                        && single_line_value(b, skim::skip_ws(b, at + nl + 1)).is_some()
                    {
                        self.line_problem(b, at, error);
                        self.lines(b, skim::skip_ws(b, at + nl + 1));
                        return None;
                    }
                    return Some(Damage {
                        error,
                        line: line_of(b, error_offset(error, b.len())),
                    });
                }
            }
        }
        None
    }

    /// Reads one JSON value per line; a broken line is reported and skipped.
    fn lines(&mut self, b: &[u8], mut at: usize) {
        while at < b.len() {
            let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |n| at + n);
            let line = &b[..end];
            let next = skim::skip_ws(b, end);
            if let Err(error) =
                self.value(line, at, 0)
                    .and_then(|stop| match skim::skip_ws(line, stop) == end {
                        true => Ok(()),
                        false => Err(SkimError::Unexpected {
                            at: skim::skip_ws(line, stop),
                        }),
                    })
            {
                self.line_problem(b, at, error);
            }
            at = next;
        }
    }

    fn line_problem(&mut self, b: &[u8], at: usize, error: SkimError) {
        self.out.failed = true;
        let line = line_of(b, at);
        self.out.problem(format!(
            "line {line} is not valid JSON ({error}); the line was skipped"
        ));
    }

    /// Reads the value at `at`: a record, an envelope, or an array of them.
    fn value(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        match b.get(at) {
            Some(b'{') => self.object(b, at, depth),
            Some(b'[') if depth < MAX_ENVELOPES => {
                skim::walk_array(b, at, |el| self.value(b, el, depth + 1))
            }
            Some(b'"') if depth > 0 => self.embedded(b, at, depth),
            Some(c) => {
                let what = match c {
                    b'[' => "arrays nested too deep to hold records",
                    b'"' => "a JSON string",
                    _ => "a JSON value that is not an object",
                };
                let end = skim::skip_value(b, at, depth)?;
                self.out.foreign(what.to_owned());
                Ok(end)
            }
            None => Err(SkimError::Truncated),
        }
    }

    /// An element of a `Records` array: it should be a record object.
    fn record_slot(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        if b.get(at) == Some(&b'{') {
            return self.object(b, at, depth);
        }
        let end = skim::skip_value(b, at, depth)?;
        self.out.records += 1;
        let what = match b[at] {
            b'"' => "a string",
            b'[' => "an array",
            b't' | b'f' => "a boolean",
            b'n' => "null",
            _ => "a number",
        };
        let index = self.out.records;
        self.out
            .problem(format!("record {index} is {what}, not an object"));
        self.out.tally(Category::Invalid, None);
        Ok(end)
    }

    /// A JSON text held in a string (CloudWatch `message`, lookup-events `CloudTrailEvent`).
    fn embedded(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        let (text, end) = skim::read_string(b, at)?;
        let Some(text) = text.decode() else {
            self.out.records += 1;
            self.out.tally(Category::Invalid, None);
            let index = self.out.records;
            self.out.problem(format!(
                "record {index} is a string that is not valid UTF-8 JSON"
            ));
            return Ok(end);
        };
        let inner = text.as_bytes();
        let start = skim::skip_ws(inner, 0);
        let parsed = self.value(inner, start, depth + 1).and_then(|stop| {
            match skim::skip_ws(inner, stop) == inner.len() {
                true => Ok(()),
                false => Err(SkimError::Unexpected { at: stop }),
            }
        });
        if let Err(error) = parsed {
            self.out.records += 1;
            self.out.tally(Category::Invalid, None);
            let index = self.out.records;
            self.out.problem(format!(
                "record {index} is embedded JSON that cannot be read ({error})"
            ));
        }
        Ok(end)
    }

    /// An object: a record, an envelope, a digest, or something else.
    fn object(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        let mut head = Head::default();
        let mut envelope = false;
        let mut foreign_before = 0;
        let nested = depth < MAX_ENVELOPES;
        let end = skim::walk_object(b, at, |key, v| {
            if head.keys.len() < 4 {
                head.keys.push(key);
            }
            let field = key.decode().unwrap_or_default();
            let first = b.get(v).copied();
            match (field.as_ref(), first) {
                ("Records", Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.record_slot(b, el, depth + 2))
                }
                ("logEvents", Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.log_event(b, el, depth + 2))
                }
                ("Events", Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.value(b, el, depth + 2))
                }
                ("CloudTrailEvent" | "_raw", Some(b'"')) if nested => {
                    envelope = true;
                    self.embedded(b, v, depth + 1)
                }
                ("_raw", Some(b'{' | b'[')) if nested => {
                    envelope = true;
                    self.value(b, v, depth + 1)
                }
                ("detail", Some(b'{')) if nested => {
                    envelope = true;
                    foreign_before = self.out.foreign_objects;
                    self.object(b, v, depth + 1)
                }
                _ => {
                    let string = || skim::string_at(b, v);
                    match field.as_ref() {
                        "eventVersion" => head.version = string(),
                        "eventTime" => head.time = string(),
                        "eventName" => head.name = string(),
                        "eventSource" => head.source = string(),
                        "eventType" => head.event_type = string(),
                        "eventCategory" => head.category = string(),
                        "eventID" => head.event_id = string(),
                        "managementEvent" => head.management = b.get(v).map(|c| *c == b't'),
                        "requestParameters" => head.request = Some(v),
                        "detail-type" => head.detail_type = string(),
                        "acsRegion" => head.alibaba = true,
                        "digestStartTime" | "digestEndTime" | "digestS3Bucket" | "logFiles" => {
                            head.digest_keys += 1
                        }
                        _ => {}
                    }
                    skim::skip_value(b, v, depth + 1)
                }
            }
        })?;
        if envelope {
            // An EventBridge envelope around something that is not a CloudTrail record.
            if self.out.foreign_objects > foreign_before && head.detail_type.is_some() {
                self.out.rename_last_foreign(head.describe_foreign());
            }
            return Ok(end);
        }
        let notification = head
            .source
            .and_then(|s| s.decode())
            .is_some_and(|s| s.starts_with("aws:"));
        if head.digest_keys >= 2 && !head.is_record() {
            self.out.digest = true;
        } else if head.is_record() && !head.alibaba && !notification {
            self.record(&b[at..end], &head, b, depth);
        } else {
            self.out.foreign(head.describe_foreign());
        }
        Ok(end)
    }

    /// An element of a CloudWatch Logs `logEvents` array.
    fn log_event(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        if b.get(at) != Some(&b'{') {
            return self.value(b, at, depth);
        }
        let mut found = false;
        let end = skim::walk_object(b, at, |key, v| {
            if key.is("message") && b.get(v) == Some(&b'"') {
                found = true;
                self.embedded(b, v, depth + 1)
            } else {
                skim::skip_value(b, v, depth + 1)
            }
        })?;
        if !found {
            self.out
                .foreign("a CloudWatch log event without a message".to_owned());
        }
        Ok(end)
    }

    /// One CloudTrail record: count it, classify it, and keep what the analysis needs.
    fn record(&mut self, json: &[u8], head: &Head<'_>, b: &[u8], depth: usize) {
        self.out.records += 1;
        let index = self.out.records;
        let time = head
            .time
            .and_then(|t| t.decode())
            .and_then(|t| record::parse_time(&t));
        if let Some(t) = time {
            self.out.saw_time(t);
        }
        let event_id = head.event_id.and_then(|id| id.decode());
        let category = self.classify(json, head, time, b, depth, index);
        self.out.tally(category, event_id.as_deref());
    }

    fn classify(
        &mut self,
        json: &[u8],
        head: &Head<'_>,
        time: Option<Time>,
        b: &[u8],
        depth: usize,
        index: u64,
    ) -> Category {
        if Head::is(head.event_type, "AwsCloudTrailInsight") || Head::is(head.category, "Insight") {
            return Category::Insight;
        }
        let s3 = S3_SOURCES.iter().any(|s| Head::is(head.source, s));
        let name = head.name.and_then(|n| n.decode());
        let Some(name) = name.filter(|_| s3) else {
            return Category::Other;
        };
        let in_window = time.is_none_or(|t| self.opts.contains(t));
        if let Some(op) = Op::from_event_name(&name) {
            if !in_window {
                return Category::OutsideWindow;
            }
            return match record::multipart_event(json, op, self.origin) {
                Ok(event) => {
                    self.out.saw_bucket(&event.bucket, BucketSeen::DATA);
                    self.out.events.push(event);
                    Category::Multipart
                }
                Err(why) => {
                    self.out.problem(format!("record {index} ({name}): {why}"));
                    Category::Invalid
                }
            };
        }
        if LIFECYCLE_EVENTS.contains(&name.as_ref()) {
            return match record::lifecycle_change(json, self.origin) {
                Ok(change) => {
                    self.out.saw_bucket(&change.bucket, BucketSeen::MANAGEMENT);
                    self.out.lifecycle.push(change);
                    Category::Lifecycle
                }
                Err(why) => {
                    self.out.problem(format!("record {index} ({name}): {why}"));
                    Category::Invalid
                }
            };
        }
        if in_window && let Some(bucket) = head.request.and_then(|at| bucket_name(b, at, depth)) {
            let data = Head::is(head.category, "Data")
                || head.management == Some(false)
                || OBJECT_EVENTS.contains(&name.as_ref());
            self.out.saw_bucket(
                &bucket,
                if data {
                    BucketSeen::DATA
                } else {
                    BucketSeen::MANAGEMENT
                },
            );
        }
        Category::Other
    }
}

/// `requestParameters.bucketName` of a record, read without parsing the record.
fn bucket_name(b: &[u8], at: usize, depth: usize) -> Option<String> {
    if b.get(at) != Some(&b'{') {
        return None;
    }
    let mut bucket = None;
    skim::walk_object::<SkimError>(b, at, |key, v| {
        if bucket.is_none() && key.is("bucketName") {
            bucket = skim::string_at(b, v)
                .and_then(|s| s.decode())
                .map(Cow::into_owned);
        }
        skim::skip_value(b, v, depth + 2)
    })
    .ok()?;
    bucket.filter(|s| !s.is_empty())
}

/// If the value at `at` is complete before the end of its line, the offset just past it.
fn single_line_value(b: &[u8], at: usize) -> Option<usize> {
    let end = memchr::memchr(b'\n', b.get(at..)?).map_or(b.len(), |n| at + n);
    let line = &b[..end];
    let stop = skim::skip_value(line, at, 0).ok()?;
    (skim::skip_ws(line, stop) == end && matches!(b.get(at), Some(b'{' | b'['))).then_some(stop)
}

fn error_offset(error: SkimError, len: usize) -> usize {
    match error {
        SkimError::Truncated => len,
        SkimError::Unexpected { at } | SkimError::TooDeep { at } => at,
    }
}

/// The 1-based line that holds byte `at`.
pub(super) fn line_of(b: &[u8], at: usize) -> usize {
    memchr::memchr_iter(b'\n', &b[..at.min(b.len())]).count() + 1
}
