//! OSS access logs (bucket logging): one request per line, space-separated, most fields quoted.
//!
//! The fields (`reference/oss-formats.md` §2.1): RemoteIP, `-`, `-`, `[Time]`, `"RequestURL"`,
//! HTTPStatus, SentBytes, RequestTime, `"Referer"`, `"UserAgent"`, `"HostName"`, `"RequestID"`,
//! `"LoggingFlag"`, `"RequesterAliyunID"`, `"Operation"`, `"BucketName"`, `"ObjectName"`,
//! ObjectSize, ServerCostTime, `"ErrorCode"`, RequestLength, `"UserID"`, DeltaDataSize,
//! `"SyncRequest"`, `"StorageClass"`, then fields OSS added later (TargetStorageClass,
//! TransmissionAccelerationAccessPoint, AccessKeyID, BucketArn) and any it adds after them. Lines
//! of 2016 have 25 fields; fewer is a damaged line. `-` means empty.
//!
//! The time carries its offset (`+0800`, any offset) and is converted to UTC; the object name is
//! URL-encoded; upload ID and part number sit in the request URL's query. Each multipart
//! operation has two spellings (`CompleteUploadPart` or `CompleteMultipartUpload`, …), both read.
//! An abort whose SyncRequest is `lifecycle` is OSS removing the upload under a lifecycle rule:
//! the equivalent of S3's `S3.DELETE.UPLOAD`.

use crate::decode::access_log::{BucketSightings, LastBucket, error_code, parse_time, query_param};
use crate::decode::{Category, Decoded, Options};
use crate::model::{
    Actor, ContextEvent, ContextKind, Event, Evidence, Extra, IdentityKind, Op, Provider, Time,
    key_hash,
};
use crate::strings::{ActorId, Interner};
use crate::url::percent_decoded;

/// At most this many fields are looked at.
const MAX_FIELDS: usize = 32;
/// Fewer fields than this is not a whole line.
const MIN_FIELDS: usize = 25;

const REMOTE_IP: usize = 0;
const TIME: usize = 3;
const REQUEST_URL: usize = 4;
const STATUS: usize = 5;
const REFERER: usize = 8;
const USER_AGENT: usize = 9;
const HOST: usize = 10;
const REQUEST_ID: usize = 11;
const REQUESTER: usize = 13;
const OPERATION: usize = 14;
const BUCKET: usize = 15;
const OBJECT: usize = 16;
const OBJECT_SIZE: usize = 17;
const ERROR_CODE: usize = 19;
const OWNER: usize = 21;
const SYNC_REQUEST: usize = 23;
const ACCESS_KEY: usize = 27;

/// The fields of one line, quotes and brackets removed.
struct Fields<'a> {
    fields: [&'a [u8]; MAX_FIELDS],
    count: usize,
    /// Field 3 was written in brackets.
    bracketed_time: bool,
}

impl<'a> Fields<'a> {
    /// Splits a line. A quoted field runs to the quote that ends it (see [`quoted`]), so a quote
    /// inside a field (as in some user agents) stays in it; a bracketed field runs to its `]`.
    fn split(line: &'a [u8]) -> Fields<'a> {
        let mut out = Fields {
            fields: [&[]; MAX_FIELDS],
            count: 0,
            bracketed_time: false,
        };
        let mut i = 0;
        while out.count < MAX_FIELDS {
            while line.get(i) == Some(&b' ') {
                i += 1;
            }
            if i >= line.len() {
                break;
            }
            let (field, next) = match line[i] {
                b'"' => quoted(line, i + 1),
                b'[' => {
                    if out.count == TIME {
                        out.bracketed_time = true;
                    }
                    let rest = &line[i + 1..];
                    match memchr::memchr(b']', rest) {
                        Some(n) => (&rest[..n], i + 1 + n + 1),
                        None => (rest, line.len()),
                    }
                }
                _ => {
                    let end = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |n| i + n);
                    (&line[i..end], end)
                }
            };
            out.fields[out.count] = field;
            out.count += 1;
            i = next;
        }
        out
    }

    /// A field, `None` when absent, empty or `-`.
    fn get(&self, index: usize) -> Option<&'a [u8]> {
        self.fields[..self.count]
            .get(index)
            .copied()
            .filter(|f| *f != b"-" && !f.is_empty())
    }

    /// A field as text (invalid UTF-8 replaced).
    fn text(&self, index: usize) -> Option<std::borrow::Cow<'a, str>> {
        self.get(index).map(String::from_utf8_lossy)
    }

    /// Whether the line is shaped like an OSS access-log line: `IP - - [time]`.
    fn is_oss_shaped(&self) -> bool {
        self.count > TIME && self.fields[1] == b"-" && self.fields[2] == b"-" && self.bracketed_time
    }
}

/// The quoted field starting after the quote at `start - 1`, and the offset after it. The field
/// ends at a quote followed by the end of the line, or by a space and what starts a field (a
/// quote, `-` or a digit): every OSS field is one of those.
fn quoted(line: &[u8], start: usize) -> (&[u8], usize) {
    let mut from = start;
    while let Some(n) = memchr::memchr(b'"', line.get(from..).unwrap_or_default()) {
        let at = from + n;
        let ends = match line.get(at + 1..) {
            None | Some([]) => true,
            Some([b' ', next, ..]) => matches!(next, b'"' | b'-' | b'0'..=b'9' | b' '),
            Some([b' ']) => true,
            Some(_) => false,
        };
        if ends {
            return (&line[start..at], at + 1);
        }
        from = at + 1;
    }
    (line.get(start..).unwrap_or_default(), line.len())
}

/// Whether `b` starts like an OSS access log (only the start of the first line is read).
pub fn looks_like(b: &[u8]) -> bool {
    let head = &b[..b.len().min(2_048)];
    let line = memchr::memchr(b'\n', head).map_or(head, |n| &head[..n]);
    let f = Fields::split(line.trim_ascii());
    f.is_oss_shaped() && f.get(TIME).and_then(parse_time).is_some()
}

/// The multipart operation an OSS operation name is; an abort whose `SyncRequest` is
/// `lifecycle` is OSS aborting the upload under a lifecycle rule.
fn operation(name: &str, sync: Option<&[u8]>) -> Option<Op> {
    super::operation(name).map(|op| match op {
        Op::AbortMultipartUpload if sync == Some(b"lifecycle") => Op::LifecycleAbort,
        op => op,
    })
}

/// The region of an endpoint host: `b.oss-cn-hangzhou.aliyuncs.com` → `cn-hangzhou`.
fn region_of(host: &str) -> Option<&str> {
    let label = host.split('.').find_map(|l| l.strip_prefix("oss-"))?;
    let region = label.strip_suffix("-internal").unwrap_or(label);
    (!region.is_empty()).then_some(region)
}

/// The actor an OSS access-log line names: the requester's Aliyun ID (`-`: anonymous) and the
/// access key ID (an `STS.` key is a temporary session). The Aliyun ID is an account's for its
/// root identity but a RAM user's or role's own ID otherwise, so it names no account.
pub fn requester(requester: Option<&[u8]>, key: Option<&[u8]>) -> Actor {
    let key = key.map(|k| String::from_utf8_lossy(k).into_owned());
    let kind = match &key {
        Some(k) if k.starts_with("STS.") => "sts",
        _ => "aliyun_account",
    };
    let name = match requester {
        Some(r) => String::from_utf8_lossy(r).into_owned(),
        None => "anonymous".to_owned(),
    };
    Actor {
        kind: IdentityKind::Other(kind.to_owned()),
        provider: Provider::Alibaba,
        name: Some(name),
        access_key_id: key,
        ..Actor::EMPTY
    }
}

/// A line's requester and access key ID, as they are written.
type Who<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Turns the lines of one log object into records, remembering the last bucket and requester.
struct Lines<'a, 'i> {
    origin: u32,
    opts: &'i Options,
    interner: &'i Interner,
    bucket: LastBucket<'a>,
    requester: Option<(Who<'a>, ActorId)>,
    identity: Vec<u8>,
}

impl<'a> Lines<'a, '_> {
    fn actor(&mut self, f: &Fields<'a>) -> ActorId {
        let who = (f.get(REQUESTER), f.get(ACCESS_KEY));
        match self.requester {
            Some((last, actor)) if last == who => actor,
            _ => {
                self.identity.clear();
                self.identity.extend_from_slice(b"oss-access-log:");
                self.identity.extend_from_slice(who.0.unwrap_or(b"-"));
                self.identity.push(b' ');
                self.identity.extend_from_slice(who.1.unwrap_or(b"-"));
                let actor = self
                    .interner
                    .actor(&self.identity, || requester(who.0, who.1));
                self.requester = Some((who, actor));
                actor
            }
        }
    }

    /// The event of a multipart line.
    fn event(&mut self, f: &Fields<'a>, time: Time, op: Op) -> Result<Event, String> {
        let interner = self.interner;
        let bucket_field = f.get(BUCKET).ok_or("the line names no bucket")?;
        let key = f.get(OBJECT).map(percent_decoded);
        crate::decode::check_names(&String::from_utf8_lossy(bucket_field), key.as_deref())?;
        let url = f.get(REQUEST_URL).unwrap_or_default();
        let error = error_code(f.text(ERROR_CODE), f.text(STATUS), interner);
        let sym = |text: Option<std::borrow::Cow<str>>| text.map(|t| interner.sym(&t));
        let request_id = f.text(REQUEST_ID).map(|id| interner.id(&id));
        Ok(Event {
            time,
            op,
            bucket: self.bucket.sym(bucket_field, Provider::Alibaba, interner),
            key: key.map(|k| interner.sym(&k)),
            upload_id: query_param(url, "uploadId")
                .filter(|id| !id.is_empty())
                .map(|id| interner.sym(&id)),
            part_number: query_param(url, "partNumber").and_then(|n| n.parse().ok()),
            bytes: matches!(op, Op::UploadPart | Op::UploadPartCopy)
                .then(|| f.text(OBJECT_SIZE).and_then(|s| s.parse().ok()))
                .flatten(),
            actor: self.actor(f),
            source_ip: sym(f.text(REMOTE_IP)),
            user_agent: sym(f.text(USER_AGENT)),
            error,
            request_id,
            // On OSS the event ID is the request ID, whichever log shows the request.
            event_id: request_id,
            region: f
                .text(HOST)
                .and_then(|h| region_of(&h).map(|r| interner.sym(r))),
            account: sym(f.text(OWNER)),
            extra: Extra {
                referer: sym(f.text(REFERER)),
                ..Extra::NONE
            }
            .boxed(),
            origin: self.origin,
            evidence: Evidence::AccessLog,
            also_in: None,
            provider: Provider::Alibaba,
        })
    }

    /// The context record of a line a diagnosis needs, when it names its bucket (and key).
    fn context(&mut self, f: &Fields<'a>, time: Time, kind: ContextKind) -> Option<ContextEvent> {
        let interner = self.interner;
        let bucket = self
            .bucket
            .sym(f.get(BUCKET)?, Provider::Alibaba, self.interner);
        let key = f.get(OBJECT).map(percent_decoded);
        if kind.is_object() && key.is_none() {
            return None;
        }
        let request_id = f.text(REQUEST_ID).map(|id| interner.id(&id));
        Some(ContextEvent {
            time,
            kind,
            bucket: Some(bucket),
            key_hash: key.as_deref().map(key_hash),
            key: key
                .as_deref()
                .filter(|_| self.opts.keep_parts)
                .map(|k| interner.sym(k)),
            target: None,
            actor: self.actor(f),
            event_id: request_id,
            request_id,
            region: None,
            account: f.text(OWNER).map(|o| interner.sym(&o)),
            origin: self.origin,
            evidence: Evidence::AccessLog,
            provider: Provider::Alibaba,
        })
    }
}

/// Whether the request of a line succeeded: no error code, and an HTTP status below 400.
fn succeeded(f: &Fields<'_>) -> bool {
    f.get(ERROR_CODE).is_none() && f.get(STATUS).is_none_or(|s| s.first() < Some(&b'4'))
}

/// Reads every line of an OSS access log into `out`; `first_line` is the number of the first.
pub fn read(
    b: &[u8],
    first_line: usize,
    out: &mut Decoded,
    origin: u32,
    opts: &Options,
    interner: &Interner,
) {
    let mut foreign = 0;
    let mut sightings = BucketSightings::default();
    let mut lines = Lines {
        origin,
        opts,
        interner,
        bucket: LastBucket::default(),
        requester: None,
        identity: Vec::new(),
    };
    let mut start = 0;
    let mut number = first_line;
    while start < b.len() {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |n| start + n);
        let line = b[start..end].trim_ascii();
        start = end + 1;
        let here = number;
        number += 1;
        if line.is_empty() {
            continue;
        }
        let f = Fields::split(line);
        if !f.is_oss_shaped() {
            foreign += 1;
            continue;
        }
        out.records += 1;
        let time = f.get(TIME).and_then(parse_time);
        let Some(time) = time.filter(|_| f.count >= MIN_FIELDS) else {
            let why = match time {
                None => format!(
                    "the time {} is not a valid time",
                    crate::decode::quote(&String::from_utf8_lossy(f.fields[TIME]))
                ),
                Some(_) => format!(
                    "it has {} fields; an OSS access-log line has at least {MIN_FIELDS}",
                    f.count
                ),
            };
            out.problem(format!("line {here}: {why}; the line was skipped"));
            out.tally(Category::Invalid, Some(line));
            continue;
        };
        out.saw_time(time);
        let in_window = opts.contains(time);
        let bucket = f.get(BUCKET).unwrap_or_default();
        sightings.saw(out, Provider::Alibaba, bucket, in_window && succeeded(&f));
        let operation = f.get(OPERATION).unwrap_or_default();
        let name = std::str::from_utf8(operation).unwrap_or_default();
        let category = match operation_of(name, &f) {
            None => match super::context_kind(name).filter(|_| in_window && succeeded(&f)) {
                Some(kind) => match lines.context(&f, time, kind) {
                    Some(c) => {
                        out.keep_line_context(c, line);
                        continue;
                    }
                    None => Category::Other,
                },
                None => Category::Other,
            },
            Some(_) if !in_window => Category::OutsideWindow,
            Some(op) => match lines.event(&f, time, op) {
                Ok(e) => {
                    out.keep_line_event(e, line);
                    continue;
                }
                Err(why) => {
                    out.problem(format!(
                        "line {here} ({}): {why}",
                        crate::decode::quote(name)
                    ));
                    Category::Invalid
                }
            },
        };
        match f.get(REQUEST_ID) {
            Some(id) => out.tally_fields(
                category,
                &[id, operation, f.get(OBJECT).unwrap_or_default()],
            ),
            None => out.tally(category, Some(line)),
        }
    }
    for _ in 0..foreign {
        out.foreign("a line that is not an OSS access-log line".to_owned());
    }
}

fn operation_of(name: &str, f: &Fields<'_>) -> Option<Op> {
    operation(name, f.get(SYNC_REQUEST))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real lines (reference/oss-formats.md §2.1): 2016 (25 fields), 2023 (an STS caller),
    // 2026 (29 fields).
    const LINE_2016: &str = r#"10.152.68.117 - - [26/Jan/2016:08:38:12 +0800] "PUT /logging/ming-oss-share2016-01-26-03-00-00-0001 HTTP/1.1" 200 25 20 "-" "-" "ming-oss-share.oss-cn-hangzhou-b.aliyuncs.com" "56A6BFF4CA78F70E9F53CE90" "true" "1047205513514293" "PutObject" "ming-oss-share" "logging%2Fming-oss-share2016-01-26-03-00-00-0001" - 4 "-" 985 "1047205513514293" 709 "-" "-""#;
    const LINE_2023: &str = r#" 2.2.2.2 - - [11/Nov/2023:00:15:17 +0800] "GET /?bucketInfo HTTP/1.1" 200 1129 126 "-" "aliyun-sdk-java/1.1.8.3(Linux/4.19.91-007.ali4000.alios7.x86_64/amd64;1.8.0_332)" "example.oss-cn-shanghai-internal.aliyuncs.com" "654E5715DE97D439332E01EA" "true" "300024016803281053" "GetBucketInfo" "exampleBucket" "-" - - "-" 949 "1165947387648789" - "-" "standard" "-" "-" "STS.NTj3wVJJGW9NHzrue798inyDt""#;
    const LINE_2026: &str = r#"58.19.7.52 - - [13/Sep/2026:15:47:19 +0800] "GET /app-icon.ico HTTP/1.1" 200 370070 15 "-" "curl/8.7.1" "mareo-downloads.oss-cn-hangzhou.aliyuncs.com" "6AA65507B46F7C37345E7179" "true" "-" "GetObject" "mareo-downloads" "app-icon.ico" 370070 13 "-" 119 "1487251194223355" - "-" "standard" "-" "-" "-" "-""#;

    #[test]
    fn real_lines_split_into_their_fields() {
        let f = Fields::split(LINE_2016.as_bytes());
        assert_eq!(f.count, 25);
        assert!(f.is_oss_shaped());
        assert_eq!(f.text(OPERATION).as_deref(), Some("PutObject"));
        assert_eq!(f.text(BUCKET).as_deref(), Some("ming-oss-share"));
        assert_eq!(f.get(REQUESTER), Some(&b"1047205513514293"[..]));
        let t = f.get(TIME).and_then(parse_time).unwrap();
        assert_eq!(t.to_rfc3339(), "2016-01-26T00:38:12+00:00");
        let f = Fields::split(LINE_2023.trim().as_bytes());
        assert_eq!(f.count, 28);
        assert_eq!(
            f.text(ACCESS_KEY).as_deref(),
            Some("STS.NTj3wVJJGW9NHzrue798inyDt")
        );
        assert_eq!(Fields::split(LINE_2026.as_bytes()).count, 29);
        for line in [LINE_2016, LINE_2023, LINE_2026] {
            assert!(looks_like(line.trim_start().as_bytes()), "{line}");
        }
    }

    #[test]
    fn a_quote_inside_a_field_stays_in_it() {
        let line = LINE_2026.replace(r#""curl/8.7.1""#, r#""agent "quoted" inside""#);
        let f = Fields::split(line.as_bytes());
        assert_eq!(f.count, 29);
        assert_eq!(
            f.text(USER_AGENT).as_deref(),
            Some(r#"agent "quoted" inside"#)
        );
        assert_eq!(f.text(OPERATION).as_deref(), Some("GetObject"));
    }

    #[test]
    fn both_spellings_and_the_lifecycle_abort() {
        for (name, op) in [
            ("CompleteUploadPart", Op::CompleteMultipartUpload),
            ("CompleteMultipartUpload", Op::CompleteMultipartUpload),
            ("AbortMultiPartUpload", Op::AbortMultipartUpload),
            ("AbortMultipartUpload", Op::AbortMultipartUpload),
            ("ListMultiPartUploads", Op::ListMultipartUploads),
            ("ListMultipartUploads", Op::ListMultipartUploads),
            ("InitiateMultipartUpload", Op::CreateMultipartUpload),
        ] {
            assert_eq!(operation(name, None), Some(op), "{name}");
        }
        assert_eq!(
            operation("AbortMultipartUpload", Some(b"lifecycle")),
            Some(Op::LifecycleAbort)
        );
        assert_eq!(operation("PutObject", None), None);
    }

    #[test]
    fn names_requesters_and_regions() {
        let sts = requester(Some(b"300024016803281053"), Some(b"STS.abc"));
        assert_eq!(sts.kind.as_str(), Some("sts"));
        assert_eq!(sts.display_name(), "300024016803281053");
        assert_eq!(requester(None, None).display_name(), "anonymous");
        assert_eq!(
            requester(Some(b"1"), Some(b"LTAI5t")).kind.as_str(),
            Some("aliyun_account")
        );
        assert_eq!(
            region_of("example.oss-cn-shanghai-internal.aliyuncs.com"),
            Some("cn-shanghai")
        );
        assert_eq!(
            region_of("b.oss-cn-hangzhou.aliyuncs.com"),
            Some("cn-hangzhou")
        );
        assert_eq!(region_of("localhost"), None);
    }

    #[test]
    fn an_s3_line_is_not_an_oss_line() {
        let s3 = r#"79a59df900b949e55d96a1e6 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b9 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;
        assert!(!looks_like(s3.as_bytes()));
    }
}
