//! Splitting an access-log line into its fields, and reading the fields that need more than a
//! split: the time, percent-encoded keys and the query of the request URI.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::model::Time;
use crate::url::percent_decode;

/// At most this many fields are looked at; later ones are ignored.
pub(super) const MAX_FIELDS: usize = 32;

/// Field positions.
pub(super) const BUCKET: usize = 1;
pub(super) const TIME: usize = 2;
pub(super) const REMOTE_IP: usize = 3;
pub(super) const REQUESTER: usize = 4;
pub(super) const REQUEST_ID: usize = 5;
pub(super) const OPERATION: usize = 6;
pub(super) const KEY: usize = 7;
pub(super) const REQUEST_URI: usize = 8;
pub(super) const STATUS: usize = 9;
pub(super) const ERROR_CODE: usize = 10;
pub(super) const OBJECT_SIZE: usize = 12;
pub(super) const REFERER: usize = 15;
pub(super) const USER_AGENT: usize = 16;
/// The fields this tool reads: up to the user agent.
pub(super) const USED_FIELDS: usize = USER_AGENT + 1;

/// The fields of one line, as written (quotes and brackets removed).
pub struct Fields<'a> {
    fields: [&'a [u8]; MAX_FIELDS],
    count: usize,
}

impl<'a> Fields<'a> {
    /// Splits a line into all its fields.
    #[cfg(test)]
    pub(super) fn split(line: &'a [u8]) -> Fields<'a> {
        Fields::split_first(line, MAX_FIELDS)
    }

    /// Splits the first `n` fields of a line (at most [`MAX_FIELDS`]); the rest is not looked at.
    pub fn split_first(line: &'a [u8], n: usize) -> Fields<'a> {
        let mut out = Fields {
            fields: [&[]; MAX_FIELDS],
            count: 0,
        };
        let mut i = 0;
        while out.count < n.min(MAX_FIELDS) {
            while line.get(i) == Some(&b' ') {
                i += 1;
            }
            if i >= line.len() {
                break;
            }
            let (field, next) = match &line[i..] {
                [b'"', ..] => enclosed(line, i + 1, b"\""),
                [b'\\', b'"', ..] => enclosed(line, i + 2, b"\\\""),
                [b'[', ..] => enclosed(line, i + 1, b"]"),
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

    /// A field, `None` when absent or `-`.
    pub fn get(&self, index: usize) -> Option<&'a [u8]> {
        self.fields[..self.count]
            .get(index)
            .copied()
            .filter(|f| *f != b"-" && !f.is_empty())
    }

    /// A field as text (invalid UTF-8 replaced), borrowed from the line when it can be.
    pub fn text(&self, index: usize) -> Option<Cow<'a, str>> {
        self.get(index).map(String::from_utf8_lossy)
    }

    /// How many fields the line has.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// The request time.
    pub fn time(&self) -> Option<Time> {
        parse_time(self.get(TIME)?)
    }

    /// Whether these are the fields of an access-log line: enough of them, and a valid time in
    /// the third.
    pub fn is_access_log(&self) -> bool {
        self.line_time().is_some()
    }

    /// The request time, when these are the fields of an access-log line.
    pub fn line_time(&self) -> Option<Time> {
        if self.count < 8 || self.get(BUCKET).is_none() {
            return None;
        }
        self.time()
    }
}

/// Reads `06/Feb/2019:00:00:38 +0000` (`%d/%b/%Y:%H:%M:%S %z`), the only spelling access logs
/// use, without a format interpreter: this runs once per line.
pub fn parse_time(b: &[u8]) -> Option<Time> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b: &[u8; 26] = b.try_into().ok()?;
    let separators = [
        (2, b'/'),
        (6, b'/'),
        (11, b':'),
        (14, b':'),
        (17, b':'),
        (20, b' '),
    ];
    if separators.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        b[at..at + len].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let month = MONTHS.iter().position(|m| m[..] == b[3..6])? as u32 + 1;
    let local = NaiveDate::from_ymd_opt(num(7, 4)? as i32, month, num(0, 2)?)?.and_hms_opt(
        num(12, 2)?,
        num(15, 2)?,
        num(18, 2)?,
    )?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    // Real offsets run from -12:00 to +14:00.
    let (hours, minutes) = (num(22, 2)?, num(24, 2)?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    let offset = sign * i64::from(hours * 3_600 + minutes * 60);
    Some(local.and_utc() - chrono::Duration::seconds(offset))
}

/// The text up to `close` (from `start`), and the offset after the closing mark. An unclosed
/// field runs to the end of the line.
fn enclosed<'a>(line: &'a [u8], start: usize, close: &[u8]) -> (&'a [u8], usize) {
    let rest = line.get(start..).unwrap_or_default();
    match memchr::memmem::find(rest, close) {
        Some(n) => (&rest[..n], start + n + close.len()),
        None => (rest, line.len()),
    }
}

/// A query parameter of the request URI (`PUT /key?partNumber=1&uploadId=… HTTP/1.1`), decoded.
pub fn query_param(uri: &[u8], name: &str) -> Option<String> {
    let target = uri.split(|&c| c == b' ').nth(1)?;
    let query = &target[memchr::memchr(b'?', target)? + 1..];
    query.split(|&c| c == b'&').find_map(|pair| {
        let (key, value) = match memchr::memchr(b'=', pair) {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        (key == name.as_bytes()).then(|| percent_decode(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real line from ../shared/corpus (see its INDEX.md).
    const ESCAPED: &str = r#"7dd4dcfe9b004fb7433c61af3e87972f2e9477fa7f0760a02827f771b41b3455 sra-pub-src-2 [25/May/2020:22:17:41 +0000] 52.54.203.43 arn:aws:sts::783971887864:assumed-role/sra-developer-instance-profile-role/i-04b64e15519efb678 A3EE3F7C5D6EFE4F REST.GET.OBJECT_TAGGING SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1 \"GET /SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1?tagging HTTP/1.1\" 200 - 195 - 41 39 \"-\" \"aws-cli/1.16.249 Python/2.7.16\" -"#;

    #[test]
    fn reads_lines_whose_quotes_are_escaped() {
        let f = Fields::split(ESCAPED.as_bytes());
        assert!(f.is_access_log());
        assert_eq!(
            f.text(REQUEST_URI).as_deref(),
            Some("GET /SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1?tagging HTTP/1.1")
        );
        assert_eq!(
            f.text(USER_AGENT).as_deref(),
            Some("aws-cli/1.16.249 Python/2.7.16")
        );
    }

    #[test]
    fn reads_times_with_any_offset_and_rejects_the_rest() {
        let utc = |s: &str| parse_time(s.as_bytes()).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("09/May/2020:22:07:21 +0000").as_deref(),
            Some("2020-05-09T22:07:21+00:00")
        );
        // Alibaba OSS writes local time with its offset.
        assert_eq!(
            utc("01/Mar/2024:07:30:00 +0800").as_deref(),
            Some("2024-02-29T23:30:00+00:00")
        );
        assert_eq!(
            utc("31/Dec/2025:23:30:00 -0130").as_deref(),
            Some("2026-01-01T01:00:00+00:00")
        );
        for bad in [
            "32/May/2020:22:07:21 +0000",
            "09/Mai/2020:22:07:21 +0000",
            "09/May/2020:22:07:21",
            "09/May/2020 22:07:21 +0000",
            "09/May/2020:22:07:2x +0000",
            "09/May/2020:22:07:21 *0000",
            "",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn decodes_queries() {
        let uri = b"POST /k?uploadId=abc%2Bd&x HTTP/1.1";
        assert_eq!(query_param(uri, "uploadId").as_deref(), Some("abc+d"));
        assert_eq!(query_param(uri, "x").as_deref(), Some(""));
        assert_eq!(query_param(b"-", "uploadId"), None);
    }
}
