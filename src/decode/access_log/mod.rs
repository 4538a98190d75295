//! S3 server access logs: one request per line, in space-separated fields.
//!
//! The format (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html>, and
//! `reference/cloudtrail-formats.md` §2.3): owner, bucket, `[time]`, remote IP, requester,
//! request ID, operation, key, `"request URI"`, HTTP status, error code, bytes sent, object size,
//! total time, turn-around time, `"referer"`, `"user agent"`, then version ID, host ID and newer
//! fields that AWS appends over the years (lines have 18 to 26 fields and more; unknown trailing
//! fields are ignored). `-` means empty. Some tools write every quote as `\"`; that is read too.
//!
//! Access logs fill two holes of CloudTrail: they show multipart requests when the trail does not
//! log data events, and they show lifecycle aborts (`S3.DELETE.UPLOAD`, requester `AmazonS3`),
//! which CloudTrail never does. The key in a line is URL-encoded and the upload ID sits in the
//! request URI (`uploadId=`); both are decoded to the form S3 compares.

mod fields;
mod line;

pub use fields::{parse_time, query_param};
pub(super) use line::{LastBucket, error_code};

/// The buckets a log's lines name, told to the output once per run of lines of one bucket and
/// kind of sighting: lines of a log object name one bucket, again and again.
#[derive(Default)]
pub(super) struct BucketSightings<'a> {
    last: &'a [u8],
    seen: u8,
}

impl<'a> BucketSightings<'a> {
    /// A line names `bucket`; `data` when it shows a successful request in the window.
    pub fn saw(&mut self, out: &mut Decoded, provider: Provider, bucket: &'a [u8], data: bool) {
        if bucket != self.last {
            (self.last, self.seen) = (bucket, 0);
        }
        let mut seen = BucketSeen::ACCESS_LOG.0;
        if data {
            seen |= BucketSeen::DATA.0;
        }
        if !bucket.is_empty() && seen & !self.seen != 0 {
            out.saw_bucket(provider, &String::from_utf8_lossy(bucket), BucketSeen(seen));
            self.seen |= seen;
        }
    }
}

use super::{BucketSeen, Category, Decoded, Options};
use crate::model::{ContextKind, Op, Provider};
use crate::strings::Interner;
use fields::*;
use line::Lines;

/// Whether the request of a line succeeded: no error code, and an HTTP status below 400.
fn succeeded(f: &Fields<'_>) -> bool {
    f.get(ERROR_CODE).is_none() && f.get(STATUS).is_none_or(|s| s.first() < Some(&b'4'))
}

/// Whether `b` (with no leading white space) starts like an S3 server access log. Only the start
/// of the first line is looked at: a CloudTrail file is often one long line.
pub fn looks_like(b: &[u8]) -> bool {
    // Owner, bucket and `[time]` come first; 1 KiB holds them with room to spare.
    let head = &b[..b.len().min(1_024)];
    let line = memchr::memchr(b'\n', head).map_or(head, |n| &head[..n]);
    !matches!(line.first(), Some(b'{' | b'[')) && Fields::split_first(line, 8).is_access_log()
}

/// Reads every line of an access log into `out`.
pub fn read(b: &[u8], out: &mut Decoded, origin: u32, opts: &Options, interner: &Interner) {
    let mut foreign = 0;
    let mut sightings = BucketSightings::default();
    let mut lines = Lines::new(origin, opts, interner);
    let mut start = 0;
    while start < b.len() {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |n| start + n);
        let line = b[start..end].trim_ascii();
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        let f = Fields::split_first(line, USED_FIELDS);
        let Some(time) = f.line_time() else {
            foreign += 1;
            continue;
        };
        out.records += 1;
        let index = out.records;
        out.saw_time(time);
        let in_window = opts.contains(time);
        let bucket = f.get(BUCKET).unwrap_or_default();
        sightings.saw(out, Provider::Aws, bucket, in_window && succeeded(&f));
        let operation = f.get(OPERATION).unwrap_or_default();
        let operation_text = std::str::from_utf8(operation).unwrap_or_default();
        let op = Op::from_access_log(operation_text);
        let context = ContextKind::from_access_log(operation_text);
        let category = match op {
            None if in_window && succeeded(&f) && context.is_some() => {
                if let Some(c) = context.and_then(|kind| lines.context(&f, time, kind)) {
                    out.keep_line_context(c, line);
                    continue;
                }
                Category::Other
            }
            None => Category::Other,
            Some(_) if !in_window => Category::OutsideWindow,
            Some(op) => match lines.event(&f, time, op) {
                Ok(e) => {
                    out.keep_line_event(e, line);
                    continue;
                }
                Err(why) => {
                    let operation = String::from_utf8_lossy(operation);
                    out.problem(format!("line {index} ({operation}): {why}"));
                    Category::Invalid
                }
            },
        };
        // Other lines are identified by request ID, operation and key: one request can log
        // several lines with one ID (a batch delete logs one per key).
        match f.get(REQUEST_ID) {
            Some(id) => {
                out.tally_fields(category, &[id, operation, f.get(KEY).unwrap_or_default()])
            }
            None => out.tally(category, Some(line)),
        }
    }
    for _ in 0..foreign {
        out.foreign("a line that is not an S3 server access-log line".to_owned());
    }
}
