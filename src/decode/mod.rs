//! Stage 2: bytes of one input in, multipart and lifecycle events out, with an exact account.
//!
//! `decode` is the only stage that touches gzip and JSON. It runs once per input file, in
//! parallel, and never fails: a damaged file yields whatever could be read before the damage plus
//! a problem that says what went wrong. Every record read lands in exactly one [`Category`], so the
//! counts of the report add up.

pub mod access_log;
mod brackets;
pub mod flat;
mod frame;
pub mod gzip;
mod lenient;
pub mod oss;
pub mod parquet;
mod record;
mod rules;
pub mod skim;
pub mod stream;
mod time;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

pub use rules::{parse_lifecycle_file, parse_rules_file};
pub use time::parse_time;

use crate::model::{BucketName, ContextEvent, Event, LifecycleChange, Provider, Time};
use crate::strings::{Id, Interner};

/// What the decode stage needs to know about the run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The most bytes one input may decompress to.
    pub max_decoded: u64,
    /// Multipart events before this time are counted and dropped.
    pub since: Option<Time>,
    /// Multipart events at or after this time are counted and dropped.
    pub until: Option<Time>,
    /// Keep every successful part upload as an event too (for `export`), besides folding it
    /// into its upload's summary, and the keys of context records (otherwise only their hash).
    pub keep_parts: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_decoded: DEFAULT_MAX_DECODED,
            since: None,
            until: None,
            keep_parts: false,
        }
    }
}

/// Events and lifecycle changes whose `origin` is at least this name the `k`-th entry of
/// [`Decoded::row_origins`] (`origin - ROW_ORIGIN`): rows of an events Parquet file say which log
/// file each came from.
pub const ROW_ORIGIN: u32 = 1 << 31;

/// The default cap on what one input may decompress to: 16 GiB. Large inputs are read as
/// streams, so the cap bounds the time a decompression bomb can take, not memory; a 2 GB
/// one-event-per-line export is far below it.
pub const DEFAULT_MAX_DECODED: u64 = 16 << 30;

/// The most of one input held in memory at once: bundle members and S3 objects arrive whole, so
/// larger ones are refused by name (local files and standard input of any size are streamed).
pub const HOLD: u64 = 128 << 20;

impl Options {
    /// Whether `t` lies in the `--since` / `--until` window.
    pub fn contains(&self, t: Time) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }
}

/// What became of a record. Every record read falls in exactly one category; a record whose
/// `eventID` was already read is a duplicate instead (decided across all files, in `ingest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Category {
    /// A multipart event, kept.
    Multipart = 0,
    /// A lifecycle-configuration change, kept.
    Lifecycle = 1,
    /// Any other API call: counted, not needed.
    Other = 2,
    /// A CloudTrail Insights event: not an API call.
    Insight = 3,
    /// A record that cannot be used (see the problems).
    Invalid = 4,
    /// A multipart event outside `--since` / `--until`.
    OutsideWindow = 5,
    /// A record a diagnosis needs besides the multipart events (a permission change, a deleted
    /// bucket or object, a write of a key, a change of a KMS key), kept.
    Context = 6,
}

/// The number of [`Category`] values.
pub const CATEGORIES: usize = 7;

impl Category {
    /// All categories, indexed by their number.
    pub const ALL: [Category; CATEGORIES] = [
        Category::Multipart,
        Category::Lifecycle,
        Category::Other,
        Category::Insight,
        Category::Invalid,
        Category::OutsideWindow,
        Category::Context,
    ];
}

/// In which kinds of record a bucket was seen (bit flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketSeen(pub u8);

impl BucketSeen {
    /// Seen in a successful S3 data event (object-level, including multipart calls): its uploads
    /// can be followed. A bucket whose only data events failed is not.
    pub const DATA: BucketSeen = BucketSeen(1);
    /// Seen in an S3 management event (bucket-level), or only in failed data events.
    pub const MANAGEMENT: BucketSeen = BucketSeen(2);
    /// Seen in an S3 server access log (which would show S3's lifecycle aborts).
    pub const ACCESS_LOG: BucketSeen = BucketSeen(4);

    /// Whether a successful data event named the bucket.
    pub fn has_data(self) -> bool {
        self.0 & Self::DATA.0 != 0
    }

    /// Whether an access log of the bucket was read.
    pub fn has_access_log(self) -> bool {
        self.0 & Self::ACCESS_LOG.0 != 0
    }
}

/// The buckets records named, by cloud and name, and in which kinds of record.
#[derive(Debug, Clone, Default)]
pub struct BucketsSeen(BTreeMap<Provider, BTreeMap<String, BucketSeen>>);

impl BucketsSeen {
    /// Records that `name` of `provider` was seen as `seen` says.
    pub fn saw(&mut self, provider: Provider, name: &str, seen: BucketSeen) {
        let names = self.0.entry(provider).or_default();
        match names.get_mut(name) {
            Some(flags) => flags.0 |= seen.0,
            None => {
                names.insert(name.to_owned(), seen);
            }
        }
    }

    /// Takes in what another list saw.
    pub fn merge(&mut self, other: BucketsSeen) {
        for (provider, names) in other.0 {
            let mine = self.0.entry(provider).or_default();
            for (name, seen) in names {
                mine.entry(name).or_default().0 |= seen.0;
            }
        }
    }

    /// How a bucket was seen (nothing when it was not).
    pub fn get(&self, bucket: &BucketName) -> BucketSeen {
        self.0
            .get(&bucket.provider)
            .and_then(|names| names.get(&bucket.name))
            .copied()
            .unwrap_or_default()
    }

    /// Every bucket seen, by cloud and name.
    pub fn iter(&self) -> impl Iterator<Item = (BucketName, BucketSeen)> + '_ {
        self.0.iter().flat_map(|(&provider, names)| {
            names
                .iter()
                .map(move |(name, &seen)| (BucketName::new(provider, name.as_str()), seen))
        })
    }
}

/// At most this many problems are kept per input; the rest are counted.
const MAX_PROBLEMS: usize = 20;

/// Everything one input yielded.
#[derive(Debug, Default)]
pub struct Decoded {
    /// CloudTrail records read (duplicates included).
    pub records: u64,
    /// Per category, records that carry no `eventID` (so cannot be duplicates).
    pub unidentified: [u64; CATEGORIES],
    /// For records with an `eventID`: a hash of the ID with the category in the low 3 bits.
    pub fingerprints: Vec<u64>,
    /// Multipart events.
    pub events: Vec<Event>,
    /// Lifecycle-configuration changes.
    pub lifecycle: Vec<LifecycleChange>,
    /// Records a diagnosis needs besides multipart events.
    pub context: Vec<ContextEvent>,
    /// Buckets named by S3 records in the window (multipart events aside: `ingest` adds theirs).
    pub buckets: BucketsSeen,
    /// The earliest and latest `eventTime` of any record.
    pub span: Option<(Time, Time)>,
    /// What went wrong, in plain words.
    pub problems: Vec<String>,
    /// Problems beyond `MAX_PROBLEMS`.
    pub problems_dropped: u64,
    /// The input could not be read to its end.
    pub failed: bool,
    /// The input is a CloudTrail digest file.
    pub digest: bool,
    /// JSON objects that are not CloudTrail records.
    pub foreign_objects: u64,
    foreign_kinds: Vec<String>,
    /// Bytes after decompression.
    pub bytes_decoded: u64,
    /// The log files that rows of an events Parquet file came from (see [`ROW_ORIGIN`]).
    pub row_origins: Vec<String>,
}

impl Decoded {
    /// Records a problem.
    pub fn problem(&mut self, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(message);
        } else {
            self.problems_dropped += 1;
        }
    }

    /// Counts a record identified by its S3 request ID (a multipart request, or an access-log
    /// line): one request delivered twice — to two accounts, or in CloudTrail and in an access
    /// log — counts once.
    fn tally_request(&mut self, request: Id, category: Category) {
        self.fingerprints
            .push(fingerprint_request(request, category));
    }

    fn tally(&mut self, category: Category, event_id: Option<&[u8]>) {
        match event_id {
            Some(id) => self.fingerprints.push(fingerprint(id, category)),
            None => self.unidentified[category as usize] += 1,
        }
    }

    /// Keeps the multipart event an access-log `line` holds, counted by its request ID (so that a
    /// line and the trail's record of the same request count once), else by the line.
    fn keep_line_event(&mut self, e: Event, line: &[u8]) {
        match e.request_id {
            Some(id) => self.tally_request(id, Category::Multipart),
            None => self.tally(Category::Multipart, Some(line)),
        }
        self.events.push(e);
    }

    /// Keeps the context record an access-log `line` holds, counted as [`Self::keep_line_event`]
    /// counts.
    fn keep_line_context(&mut self, c: ContextEvent, line: &[u8]) {
        match c.request_id {
            Some(id) => self.tally_request(id, Category::Context),
            None => self.tally(Category::Context, Some(line)),
        }
        self.context.push(c);
    }

    fn tally_fields(&mut self, category: Category, fields: &[&[u8]]) {
        self.fingerprints.push(fingerprint_fields(fields, category));
    }

    fn foreign(&mut self, kind: String) {
        self.foreign_objects += 1;
        if self.foreign_kinds.len() < 3 && !self.foreign_kinds.contains(&kind) {
            self.foreign_kinds.push(kind);
        }
    }

    fn rename_last_foreign(&mut self, kind: String) {
        if let Some(last) = self.foreign_kinds.last_mut() {
            *last = kind;
        }
    }

    fn saw_time(&mut self, t: Time) {
        self.span = Some(match self.span {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
    }

    fn saw_bucket(&mut self, provider: Provider, bucket: &str, seen: BucketSeen) {
        self.buckets.saw(provider, bucket, seen);
    }
}

/// A 64-bit hash of an `eventID`, with the record's category in the low 3 bits. Duplicates are
/// counted over all records, so only this hash is kept for records the analysis does not need.
pub fn fingerprint(event_id: &[u8], category: Category) -> u64 {
    // XXH3: a hash made for fingerprints, and several times faster than SipHash on IDs.
    (xxh3_64(event_id) & !0b111) | category as u64
}

/// [`fingerprint`] of a record identified by several fields together.
pub fn fingerprint_fields(fields: &[&[u8]], category: Category) -> u64 {
    let mut h = Xxh3::new();
    for f in fields {
        f.hash(&mut h);
    }
    (h.finish() & !0b111) | category as u64
}

/// [`fingerprint`] of a record identified by its request ID: the same in every run, so that an
/// incremental run counts a request read in an earlier one as a full run would.
pub fn fingerprint_request(request: Id, category: Category) -> u64 {
    let mut h = Xxh3::new();
    b"request".hash(&mut h);
    match request.text_hash() {
        Some(text) => text.hash(&mut h),
        None => request.hash(&mut h),
    }
    (h.finish() & !0b111) | category as u64
}

/// Receives every CloudTrail record, flattened (for `export --all-records`).
pub trait RecordSink: Sync {
    /// One record.
    fn record(&self, flat: flat::Flat);
}

/// Inputs that inflate to more than this are read as streams instead of whole.
const WHOLE: u64 = 64 << 20;

/// Decodes one input. Never fails: problems are reported in the result.
///
/// `scratch` holds the inflated JSON of gzip inputs; passing the same buffer for every input
/// keeps memory from fragmenting over thousands of files.
pub fn decode(
    bytes: &[u8],
    origin: u32,
    opts: &Options,
    interner: &Interner,
    scratch: &mut Vec<u8>,
) -> Decoded {
    decode_with(bytes, origin, opts, interner, scratch, None)
}

/// [`decode`], handing every record flattened to `sink` too.
pub fn decode_with(
    bytes: &[u8],
    origin: u32,
    opts: &Options,
    interner: &Interner,
    scratch: &mut Vec<u8>,
    sink: Option<&dyn RecordSink>,
) -> Decoded {
    let mut out = Decoded::default();
    if parquet::is_parquet(bytes) {
        parquet::read(bytes, &mut out, origin, opts, interner);
        out.bytes_decoded = bytes.len() as u64;
        return out;
    }
    let (json, gzip_error) = if gzip::is_gzip(bytes) {
        let whole = opts.max_decoded.min(WHOLE);
        let error = gzip::gunzip(bytes, whole, scratch);
        if matches!(error, Some(gzip::GzipError::TooLarge { .. })) && opts.max_decoded > whole {
            // Too large to hold inflated: read it as it inflates.
            return stream::decode_reader_with(bytes, origin, opts, interner, scratch, sink)
                .decoded;
        }
        (&scratch[..], error)
    } else if bytes.len() as u64 > opts.max_decoded {
        (
            &bytes[..opts.max_decoded as usize],
            Some(gzip::GzipError::TooLarge {
                limit: opts.max_decoded,
            }),
        )
    } else {
        (bytes, None)
    };
    out.bytes_decoded = json.len() as u64;
    read_whole(
        json,
        gzip_error.is_some(),
        &mut out,
        origin,
        opts,
        interner,
        sink,
    );
    finish(&mut out, gzip_error);
    out
}

/// Reads a whole decompressed input: access log, JSON document(s), or something else.
fn read_whole(
    json: &[u8],
    gzip_failed: bool,
    out: &mut Decoded,
    origin: u32,
    opts: &Options,
    interner: &Interner,
    sink: Option<&dyn RecordSink>,
) {
    let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
    let start = skim::skip_ws(json, 0);

    if start == json.len() {
        if !gzip_failed {
            out.problem(nothing_in(json.len() as u64));
        }
    } else if access_log::looks_like(&json[start..]) {
        access_log::read(&json[start..], out, origin, opts, interner);
    } else if oss::access_log::looks_like(&json[start..]) {
        oss::access_log::read(&json[start..], 1, out, origin, opts, interner);
    } else if let Some(kind) = not_json(&json[start..]) {
        out.failed = true;
        out.problem(kind);
    } else {
        let damage = frame::Framer::new(out, origin, opts, interner, sink).document(json);
        if let Some(damage) = damage {
            out.failed = true;
            // When the gzip data was cut short, the JSON ends early too: say it once.
            if !(gzip_failed && damage.error == skim::SkimError::Truncated) {
                let kept = out.records;
                out.problem(match damage.error {
                    skim::SkimError::Truncated => format!(
                        "the JSON is truncated; the {kept} records before the end were read"
                    ),
                    error => format!(
                        "invalid JSON at line {} ({error}); the {kept} records before it were read",
                        damage.line
                    ),
                });
            }
        }
    }
}

/// What an input with nothing to read holds: nothing, or only white space.
fn nothing_in(bytes: u64) -> String {
    match bytes {
        0 => "the file is empty".to_owned(),
        n => format!("the file holds only white space ({n} bytes)"),
    }
}

/// Names what stopped decompression, and what the input held that was not CloudTrail.
fn finish(out: &mut Decoded, gzip_error: Option<gzip::GzipError>) {
    if let Some(error) = gzip_error {
        out.failed = true;
        let kept = out.records;
        let message = match error {
            gzip::GzipError::Truncated | gzip::GzipError::Corrupt(_) => {
                format!("{error}; the {kept} records before the damage were read")
            }
            gzip::GzipError::TooLarge { .. } => {
                format!("{error}; the {kept} records within the limit were read")
            }
        };
        out.problems.insert(0, message);
    }
    if out.records == 0 && out.foreign_objects > 0 && !out.digest {
        out.failed = true;
        let kinds = out.foreign_kinds.join("; ");
        let n = out.foreign_objects;
        out.problem(format!(
            "no CloudTrail records or access-log lines: the file holds {n} other entries ({kinds})"
        ));
    } else if out.foreign_objects > 0 {
        let kinds = out.foreign_kinds.join("; ");
        let n = out.foreign_objects;
        out.problem(format!("{n} entries that are neither CloudTrail records nor access-log lines were skipped ({kinds})"));
    }
}

/// S3 bucket names are at most 63 bytes and keys at most 1024: a record that names longer ones
/// is not a real S3 request.
pub fn check_names(bucket: &str, key: Option<&str>) -> Result<(), String> {
    if bucket.len() > 63 {
        return Err(format!(
            "the bucket name is {} bytes long, longer than S3 allows (63)",
            bucket.len()
        ));
    }
    match key {
        Some(key) if key.len() > 1024 => Err(format!(
            "the key is {} bytes long, longer than S3 allows (1024)",
            key.len()
        )),
        _ => Ok(()),
    }
}

/// A value from a log for a message: quoted, escaped, at most 48 characters, with anything
/// that looks like a key or token hidden.
pub fn quote(s: &str) -> String {
    const MAX: usize = 48;
    let shown = match s.char_indices().nth(MAX) {
        Some((at, _)) => &s[..at],
        None => s,
    };
    let more = if shown.len() < s.len() { "…" } else { "" };
    format!("{:?}{more}", hide_keys(shown))
}

/// The text with every run of 16 or more key-like characters (letters, digits, `+/=`) replaced
/// by `…`: access keys, secret keys, session tokens and signatures are such runs, and no
/// timestamp or file name preview needs one.
fn hide_keys(text: &str) -> String {
    let keylike = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars() {
        if keylike(c) {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() >= 16 { "…" } else { &run });
        run.clear();
        out.push(c);
    }
    out.push_str(if run.len() >= 16 { "…" } else { &run });
    out
}

/// The first bytes of something that is not a log, for a message: printable text only, keys
/// hidden, in case the file holds credentials.
fn preview(b: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&b[..b.len().min(24)])
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFD}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    format!("{:?}", hide_keys(text.trim_end()))
}

/// Whether text is the XML of a lifecycle configuration (S3's or OSS's).
fn is_lifecycle_xml(b: &[u8]) -> bool {
    let head = &b[..b.len().min(512)];
    head.starts_with(b"<") && memchr::memmem::find(head, b"<LifecycleConfiguration").is_some()
}

/// Why bytes that should be JSON are not, or `None` if they start like JSON.
fn not_json(b: &[u8]) -> Option<String> {
    match b.first() {
        Some(b'{' | b'[') | None => None,
        Some(_) if b.starts_with(b"PK\x03\x04") => {
            Some("a zip archive: give it a .zip name to have its members read".to_owned())
        }
        Some(_) if b.get(257..262) == Some(b"ustar") => Some(
            "a tar archive: give it a .tar or .tar.gz name to have its members read".to_owned(),
        ),
        Some(_) if b.starts_with(b"\xFF\xFE") || b.starts_with(b"\xFE\xFF") => {
            Some("UTF-16 text: CloudTrail files are UTF-8".to_owned())
        }
        Some(_) if b.starts_with(&gzip::MAGIC) => {
            Some("gzip data inside gzip data: decompress it once, then read it".to_owned())
        }
        Some(_) if is_lifecycle_xml(b) => Some(
            "a bucket lifecycle configuration, not a log: give it with --lifecycle BUCKET=PATH"
                .to_owned(),
        ),
        Some(_) => Some(format!(
            "neither CloudTrail or ActionTrail JSON nor an S3 or OSS access log (it starts with {})",
            preview(b)
        )),
    }
}
