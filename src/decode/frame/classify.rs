//! What one record is: counted, classified from its top-level keys (multipart, lifecycle change,
//! Insight, another S3 or AWS call, or unusable and why), and parsed in full only when the
//! analysis needs it.

use std::borrow::Cow;

use super::{Framer, Head};
use crate::decode::skim::RawStr;
use crate::decode::skim::{self, SkimError};
use crate::decode::{BucketSeen, Category, flat, oss, record, time};
use crate::model::{ContextEvent, ContextKind, Evidence, Op, Provider, Service, Time, key_hash};
use crate::strings::Id;

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

/// The members of `requestParameters` a context record is made of, in the order
/// [`Framer::context`] takes them.
const CONTEXT_NAMES: [&str; 5] = ["bucketName", "key", "roleName", "userName", "keyId"];

impl Framer<'_> {
    /// One ActionTrail event: counted, and read by [`oss::actiontrail`] when it is of OSS.
    pub(super) fn actiontrail(&mut self, json: &[u8]) {
        let index = self.count_record(json);
        let read =
            oss::actiontrail::event(json, index, self.out, self.origin, self.opts, self.interner);
        match read.request {
            Some(request) => self.out.tally_request(request, read.category),
            None => self.out.tally(read.category, None),
        }
    }

    /// Counts one record (CloudTrail's or ActionTrail's) and hands it, flattened, to the sink of
    /// `export --all-records` when there is one; returns its index in the input.
    fn count_record(&mut self, json: &[u8]) -> u64 {
        self.out.records += 1;
        let index = self.out.records;
        if let Some(sink) = self.sink {
            match flat::flatten(json) {
                Ok(flat) => sink.record(flat),
                Err(why) => self
                    .out
                    .problem(format!("record {index} cannot be flattened: {why}")),
            }
        }
        index
    }

    /// A Log Service row with its event flattened into `event.*` members: put back together and
    /// read as the event.
    pub(super) fn flattened_row(&mut self, row: &[u8]) {
        let mut members = Vec::new();
        // The row was walked whole already.
        let _ = skim::walk_object::<SkimError>(row, 0, |key, v| {
            if let (Some(name), Some(value)) = (
                key.decode(),
                skim::string_at(row, v).and_then(|s| s.decode()),
            ) {
                members.push((name, value));
            }
            skim::skip_nested(row, v, 1)
        });
        let event = oss::actiontrail::unflatten(members.into_iter());
        self.actiontrail(event.as_bytes());
    }

    /// One CloudTrail record: count it, classify it, and keep what the analysis needs.
    pub(super) fn record(&mut self, json: &[u8], head: &Head<'_>, b: &[u8], depth: usize) {
        let index = self.count_record(json);
        let time = head.time.and_then(|t| time::parse_time_bytes(&t.bytes()));
        if let Some(t) = time {
            self.out.saw_time(t);
        }
        let (category, request) = self.classify(json, head, time, b, depth, index);
        match request {
            Some(request) => self.out.tally_request(request, category),
            None => self
                .out
                .tally(category, head.event_id.map(|id| id.bytes()).as_deref()),
        }
    }

    fn classify(
        &mut self,
        json: &[u8],
        head: &Head<'_>,
        time: Option<Time>,
        b: &[u8],
        depth: usize,
        index: u64,
    ) -> (Category, Option<Id>) {
        if Head::is(head.event_type, "AwsCloudTrailInsight") || Head::is(head.category, "Insight") {
            return (Category::Insight, None);
        }
        // A record whose source or name is not text cannot be told apart: it might be a
        // multipart request.
        if let Some((field, found)) = head.wrong
            && (field == "eventSource" || S3_SOURCES.iter().any(|s| Head::is(head.source, s)))
        {
            self.out.problem(format!(
                "record {index}: {field} is {found}, not a string, so what the record is cannot be told"
            ));
            return (Category::Invalid, None);
        }
        // Only S3 records, and records without a source, need their name as text.
        let name = || head.name.map(|n| n.decode());
        if head.source.is_none()
            && let Some(Some(name)) = name()
            && Op::from_event_name(&name).is_some()
        {
            self.out.problem(format!(
                "record {index} ({name}): the record has no eventSource, so whether it is an S3 request cannot be told"
            ));
            return (Category::Invalid, None);
        }
        if !S3_SOURCES.iter().any(|s| Head::is(head.source, s)) {
            let service = if Head::is(head.source, "iam.amazonaws.com") {
                Service::Iam
            } else if Head::is(head.source, "kms.amazonaws.com") {
                Service::Kms
            } else {
                return (Category::Other, None);
            };
            let kind = name().flatten().and_then(|n| ContextKind::of(service, &n));
            return match (kind, head.request) {
                (Some(kind), Some(at)) => {
                    let texts = request_texts(b, at, depth, CONTEXT_NAMES);
                    self.context(head, time, b, texts, kind)
                }
                (Some(kind), None) => self.context(head, time, b, Default::default(), kind),
                (None, _) => (Category::Other, None),
            };
        }
        let name = match name() {
            Some(Some(name)) => name,
            Some(None) => {
                self.out.problem(format!(
                    "record {index}: eventName is not valid UTF-8 text, so what the record is cannot be told"
                ));
                return (Category::Invalid, None);
            }
            None => {
                self.out.problem(format!(
                    "record {index}: the S3 record has no eventName, so what it is cannot be told"
                ));
                return (Category::Invalid, None);
            }
        };
        let in_window = time.is_none_or(|t| self.opts.contains(t));
        if let Some(op) = Op::from_event_name(&name) {
            if !in_window {
                return (Category::OutsideWindow, None);
            }
            return match record::multipart_event(json, op, self.origin, self.interner) {
                Ok((event, notes)) => {
                    for note in notes {
                        self.out.problem(format!("record {index} ({name}): {note}"));
                    }
                    // A request counts once, whichever logs hold it (see `tally_request`).
                    let request = event.request_id;
                    self.out.events.push(event);
                    (Category::Multipart, request)
                }
                Err(why) => {
                    self.out.problem(format!("record {index} ({name}): {why}"));
                    (Category::Invalid, None)
                }
            };
        }
        if LIFECYCLE_EVENTS.contains(&name.as_ref()) {
            return match record::lifecycle_change(json, self.origin) {
                Ok(change) => {
                    self.out
                        .saw_bucket(change.provider, &change.bucket, BucketSeen::MANAGEMENT);
                    self.out.lifecycle.push(change);
                    (Category::Lifecycle, None)
                }
                Err(why) => {
                    self.out.problem(format!("record {index} ({name}): {why}"));
                    (Category::Invalid, None)
                }
            };
        }
        let kind = ContextKind::of(Service::S3, &name);
        // One walk of `requestParameters` reads what both the bucket count and a context
        // record need.
        let texts = match (in_window, head.request) {
            (true, Some(at)) if kind.is_some() => request_texts(b, at, depth, CONTEXT_NAMES),
            (true, Some(at)) => {
                let [bucket] = request_texts(b, at, depth, ["bucketName"]);
                [bucket, None, None, None, None]
            }
            _ => Default::default(),
        };
        if let Some(bucket) = &texts[0] {
            // A failed data event does not show that the bucket's data events are logged in a
            // way its uploads can be followed: it counts as a bucket named, not followed.
            let data = !head.failed
                && (Head::is(head.category, "Data")
                    || head.management == Some(false)
                    || OBJECT_EVENTS.contains(&name.as_ref()));
            self.out.saw_bucket(
                Provider::Aws,
                bucket,
                if data {
                    BucketSeen::DATA
                } else {
                    BucketSeen::MANAGEMENT
                },
            );
        }
        match kind {
            Some(kind) => self.context(head, time, b, texts, kind),
            None => (Category::Other, None),
        }
    }

    /// A record a diagnosis needs (`kind`): kept as a [`ContextEvent`] when it succeeded, in the
    /// window, and names what the diagnosis compares (a bucket, a role, a user or a key). Read
    /// with the skimmer, not parsed: an S3 trail holds many PutObject and DeleteObject records.
    fn context(
        &mut self,
        head: &Head<'_>,
        time: Option<Time>,
        b: &[u8],
        texts: [Option<Cow<'_, str>>; 5],
        kind: ContextKind,
    ) -> (Category, Option<Id>) {
        let Some(time) = time.filter(|t| self.opts.contains(*t) && !head.failed) else {
            return (Category::Other, None);
        };
        let [bucket, key, role, user, key_id] = texts;
        let target = match kind.service() {
            Service::S3 => None,
            Service::Iam => role.or(user),
            Service::Kms => key_id,
        };
        let named = match kind.service() {
            Service::S3 => bucket.is_some() && (key.is_some() || !kind.is_object()),
            _ => target.is_some(),
        };
        if !named {
            return (Category::Other, None);
        }
        let interner = self.interner;
        let identity = head.identity.map_or(&b""[..], |(from, to)| &b[from..to]);
        let event = ContextEvent {
            time,
            kind,
            bucket: bucket.as_deref().map(|s| self.recent.sym(interner, s)),
            key_hash: key.as_deref().map(key_hash),
            key: key
                .as_deref()
                .filter(|_| self.opts.keep_parts)
                .map(|s| interner.sym(s)),
            target: target.as_deref().map(|s| interner.sym(s)),
            actor: self
                .recent
                .actor(interner, identity, || record::actor_from_bytes(identity)),
            event_id: text(head.event_id).map(|id| interner.id(&id)),
            request_id: text(head.request_id).map(|id| interner.id(&id)),
            region: text(head.region).map(|s| self.recent.sym(interner, &s)),
            account: text(head.account).map(|s| self.recent.sym(interner, &s)),
            origin: self.origin,
            evidence: Evidence::Cloudtrail,
            provider: Provider::Aws,
        };
        let request = event.request_id;
        self.out.context.push(event);
        (Category::Context, request)
    }
}

/// The text of a head field, when it holds some.
fn text<'b>(s: Option<RawStr<'b>>) -> Option<Cow<'b, str>> {
    s.and_then(|s| s.decode()).filter(|s| !s.is_empty())
}

/// The text members `names` of the `requestParameters` object at `at`, read without parsing the
/// record.
fn request_texts<'b, const N: usize>(
    b: &'b [u8],
    at: usize,
    depth: usize,
    names: [&str; N],
) -> [Option<Cow<'b, str>>; N] {
    let mut found: [Option<Cow<'b, str>>; N] = std::array::from_fn(|_| None);
    if b.get(at) != Some(&b'{') {
        return found;
    }
    // A damaged object costs only what was not read: the record was read whole already.
    let _ = skim::walk_object::<SkimError>(b, at, |key, v| {
        if let Some(i) = names.iter().position(|n| key.is(n))
            && found[i].is_none()
        {
            found[i] = skim::string_at(b, v)
                .and_then(|s| s.decode())
                .filter(|s| !s.is_empty());
        }
        skim::skip_nested(b, v, depth + 2)
    });
    found
}
