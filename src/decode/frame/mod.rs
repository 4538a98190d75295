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
//! Every record is classified from its top-level keys alone ([`classify`], with [`skim`]; the keys
//! are told by [`order`], which guesses each from the records before); only multipart and
//! lifecycle-configuration records are parsed in full, by [`super::record`].

use super::skim::{self, RawStr, SkimError};
use super::{Category, Decoded, Options};
use crate::strings::{Interner, Recent};

mod classify;
mod key;
mod order;

use key::Key;
use order::{Order, Place};

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
    /// `errorCode` holds a value: the request failed.
    failed: bool,
    /// Where `userIdentity` starts and ends.
    identity: Option<(usize, usize)>,
    request_id: Option<RawStr<'a>>,
    region: Option<RawStr<'a>>,
    account: Option<RawStr<'a>>,
    detail_type: Option<RawStr<'a>>,
    digest_keys: u8,
    alibaba: bool,
    /// Members named `event.…`: a Log Service row with its event flattened.
    flattened: bool,
    /// The first keys, to describe an object that is not a record.
    keys: [Option<RawStr<'a>>; 4],
    key_count: usize,
    /// `eventSource` or `eventName` held something other than a string: the field and the type.
    wrong: Option<(&'static str, &'static str)>,
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
            .flatten()
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
    pub interner: &'o Interner,
    /// What this file interned last.
    pub recent: Recent,
    /// Receives every record flattened (`export --all-records`).
    pub sink: Option<&'o dyn super::RecordSink>,
    /// The keys of the objects read so far, to tell the next ones quickly.
    order: Order,
}

impl<'o> Framer<'o> {
    /// A framer for one file, that knows none of its keys yet.
    pub fn new(
        out: &'o mut Decoded,
        origin: u32,
        opts: &'o Options,
        interner: &'o Interner,
        sink: Option<&'o dyn super::RecordSink>,
    ) -> Framer<'o> {
        Framer {
            out,
            origin,
            opts,
            interner,
            recent: Recent::default(),
            sink,
            order: Order::default(),
        }
    }
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
        if line_delimited(b, start) {
            self.lines(b, 1);
            return None;
        }
        let mut at = start;
        while at < b.len() {
            match self.value(b, at, 0) {
                Ok(end) => at = skim::skip_ws(b, end),
                Err(error) => {
                    // Nested values are skipped by their brackets alone; the strict skimmer
                    // finds the first byte that is really wrong.
                    let error = skim::skip_value(b, at, 0).err().unwrap_or(error);
                    return Some(Damage {
                        error,
                        line: line_of(b, error_offset(error, b.len())),
                    });
                }
            }
        }
        None
    }

    /// Reads one JSON value per line, numbering lines from `first_line`; a broken line is
    /// reported and skipped. Returns the number of the line after the last.
    pub fn lines(&mut self, b: &[u8], first_line: usize) -> usize {
        let mut number = first_line;
        let mut at = 0;
        while at < b.len() {
            let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |n| at + n);
            let start = skim::skip_ws(&b[..end], at);
            if start < end {
                let line = &b[..end];
                let read = self.value(line, start, 0).and_then(|stop| {
                    match skim::skip_ws(line, stop) == end {
                        true => Ok(()),
                        false => Err(SkimError::Unexpected {
                            at: skim::skip_ws(line, stop),
                        }),
                    }
                });
                if let Err(error) = read {
                    // Offsets count from the start of the line.
                    let error = match error {
                        SkimError::Unexpected { at } => SkimError::Unexpected { at: at - start },
                        SkimError::TooDeep { at } => SkimError::TooDeep { at: at - start },
                        SkimError::Truncated => SkimError::Truncated,
                    };
                    self.out.failed = true;
                    self.out.problem(format!(
                        "line {number} is not valid JSON ({error}); the line was skipped"
                    ));
                }
            }
            number += 1;
            at = end + 1;
        }
        number
    }

    /// Reads the value at `at`: a record, an envelope, or an array of them.
    pub(super) fn value(&mut self, b: &[u8], at: usize, depth: usize) -> Result<usize, SkimError> {
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
    pub(super) fn record_slot(
        &mut self,
        b: &[u8],
        at: usize,
        depth: usize,
    ) -> Result<usize, SkimError> {
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
    fn object<'b>(&mut self, b: &'b [u8], at: usize, depth: usize) -> Result<usize, SkimError> {
        let mut head = Head::default();
        let mut envelope = false;
        let mut foreign_before = 0;
        let nested = depth < MAX_ENVELOPES;
        let mut members = skim::Members::of(b, at)?;
        let mut place = Place::START;
        while let Some(key_at) = members.key() {
            let (key, kind, key_end) = self.order.key(b, key_at, &mut place)?;
            let v = members.value(b, key_end)?;
            if head.key_count < head.keys.len() {
                head.keys[head.key_count] = Some(key);
                head.key_count += 1;
            }
            let first = b.get(v).copied();
            let string = |slot: &mut Option<RawStr<'b>>| match skim::read_string(b, v) {
                Ok((text, end)) => {
                    *slot = Some(text);
                    Ok(end)
                }
                Err(_) => skim::skip_nested(b, v, depth + 1),
            };
            let end = match (kind, first) {
                (Key::Records, Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.record_slot(b, el, depth + 2))
                }
                (Key::Records, Some(c)) if nested => {
                    envelope = true;
                    self.out.failed = true;
                    self.out.problem(format!(
                        "\"Records\" is {}, not an array of records",
                        json_type(c)
                    ));
                    skim::skip_nested(b, v, depth + 1)
                }
                (Key::LogEvents, Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.log_event(b, el, depth + 2))
                }
                (Key::Events, Some(b'[')) if nested => {
                    envelope = true;
                    skim::walk_array(b, v, |el| self.value(b, el, depth + 2))
                }
                (Key::CloudTrailEvent | Key::Raw | Key::Event, Some(b'"')) if nested => {
                    envelope = true;
                    self.embedded(b, v, depth + 1)
                }
                (Key::Raw, Some(b'{' | b'[')) if nested => {
                    envelope = true;
                    self.value(b, v, depth + 1)
                }
                (Key::Contents, Some(b'{')) if nested => {
                    envelope = true;
                    self.object(b, v, depth + 1)
                }
                (Key::Detail, Some(b'{')) if nested => {
                    envelope = true;
                    foreign_before = self.out.foreign_objects;
                    self.object(b, v, depth + 1)
                }
                (Key::Version, _) => string(&mut head.version),
                (Key::Time, _) => string(&mut head.time),
                (Key::Name | Key::Source, Some(c)) if c != b'"' && c != b'n' => {
                    let field = match kind {
                        Key::Name => "eventName",
                        _ => "eventSource",
                    };
                    head.wrong = head.wrong.or(Some((field, json_type(c))));
                    skim::skip_nested(b, v, depth + 1)
                }
                (Key::Name, _) => string(&mut head.name),
                (Key::Source, _) => string(&mut head.source),
                (Key::Type, _) => string(&mut head.event_type),
                (Key::Category, _) => string(&mut head.category),
                (Key::Id, _) => string(&mut head.event_id),
                (Key::DetailType, _) => string(&mut head.detail_type),
                (Key::RequestId, _) => string(&mut head.request_id),
                (Key::Region, _) => string(&mut head.region),
                (Key::Account, _) => string(&mut head.account),
                (Key::Identity, _) => {
                    let end = skim::skip_nested(b, v, depth + 1)?;
                    head.identity = Some((v, end));
                    Ok(end)
                }
                (Key::Flattened, _) => {
                    head.flattened = true;
                    skim::skip_nested(b, v, depth + 1)
                }
                (key, _) => {
                    match key {
                        Key::Management => head.management = first.map(|c| c == b't'),
                        Key::Request => head.request = Some(v),
                        Key::Error => head.failed = first.is_some_and(|c| c != b'n'),
                        Key::Alibaba => head.alibaba = true,
                        Key::Digest => head.digest_keys += 1,
                        _ => {}
                    }
                    skim::skip_nested(b, v, depth + 1)
                }
            }?;
            members.value_ends(b, end)?;
        }
        let end = members.end();
        if envelope {
            // An EventBridge envelope around something that is not a CloudTrail record.
            if self.out.foreign_objects > foreign_before && head.detail_type.is_some() {
                self.out.rename_last_foreign(head.describe_foreign());
            }
            return Ok(end);
        }
        let notification = head.source.is_some_and(|s| s.bytes().starts_with(b"aws:"));
        if head.digest_keys >= 2 && !head.is_record() {
            self.out.digest = true;
        } else if head.is_record() && head.alibaba {
            self.actiontrail(&b[at..end]);
        } else if head.flattened && !head.is_record() {
            self.flattened_row(&b[at..end]);
        } else if head.is_record() && !notification {
            self.record(&b[at..end], &head, b, depth);
        } else {
            self.out.foreign(head.describe_foreign());
        }
        Ok(end)
    }

    /// An element of a CloudWatch Logs `logEvents` array.
    pub(super) fn log_event(
        &mut self,
        b: &[u8],
        at: usize,
        depth: usize,
    ) -> Result<usize, SkimError> {
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
}

/// The JSON type of a value, from its first byte.
fn json_type(first: u8) -> &'static str {
    match first {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// Whether the file holds one JSON value per line (NDJSON) rather than one document that may
/// span lines. Decided from the first two lines without reading the whole first line, which in
/// a delivery file is the whole file.
pub(super) fn line_delimited(b: &[u8], start: usize) -> bool {
    let Some(nl) = memchr::memchr(b'\n', &b[start..]).map(|n| start + n) else {
        return false;
    };
    let second = skim::skip_ws(b, nl + 1);
    if !matches!(b.get(second), Some(b'{' | b'[')) {
        return false;
    }
    let first_ends_a_value = b[start..nl]
        .trim_ascii_end()
        .last()
        .is_some_and(|c| matches!(c, b'}' | b']'));
    // A broken first line ends anywhere: then the second line must be a whole value by itself.
    first_ends_a_value || single_line_value(b, second).is_some()
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
