//! Times as logs write them: CloudTrail's `eventTime`, other RFC 3339 spellings, SQL engines'
//! exports, and HTTP dates.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::model::Time;

/// Parses an `eventTime`. CloudTrail writes `2026-11-02T10:00:00Z`; other RFC 3339 spellings
/// (fractions, offsets) are accepted too.
pub fn parse_time(s: &str) -> Option<Time> {
    parse_time_bytes(s.as_bytes())
}

/// [`parse_time`] on bytes, so that the common spelling needs no UTF-8 check.
pub fn parse_time_bytes(b: &[u8]) -> Option<Time> {
    if b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
    {
        let num = |at: usize, len: usize| -> Option<u32> {
            b[at..at + len].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
        return Some(
            date.and_hms_opt(num(11, 2)?, num(14, 2)?, num(17, 2)?)?
                .and_utc(),
        );
    }
    let s = std::str::from_utf8(b).ok()?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Exports from SQL engines and SIEMs write `2024-11-25 22:00:58.000000000`, in UTC.
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// HTTP dates (`Wed, 28 Oct 2026 00:00:00 GMT`), or RFC 3339 for good measure.
pub fn parse_http_date(s: &str) -> Option<Time> {
    DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| parse_time(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_times() {
        let t = parse_time("2026-11-02T10:00:05Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-02T10:00:05+00:00");
        assert_eq!(parse_time("2026-11-02T12:00:05+02:00"), Some(t));
        assert_eq!(parse_time("2026-11-02T10:00:05.000Z"), Some(t));
        assert_eq!(parse_time("2026-13-02T10:00:05Z"), None);
        assert_eq!(parse_time("2026-02-30T10:00:05Z"), None);
        assert_eq!(parse_time("2026-11-02 10:00:05.000000000"), Some(t));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("+2026-11-02T10:00:05Z"), None);
    }
}
