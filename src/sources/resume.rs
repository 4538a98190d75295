//! What an incremental run (`--state`) tells the sources about the runs before it: the local
//! files already read, and for each listing of a bucket the key it may start after, the keys
//! after that one already read, and the days to read again.
//!
//! CloudTrail files a log under the day it delivers it, and a day's folder keeps growing for an
//! hour or more after the day ends: a listing starts two days before the last day it read, and
//! skips the keys of those two days it already read.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One listing of a bucket: a region's folder of the CloudTrail or ActionTrail layout, or a
/// prefix listed whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Listing {
    /// `s3://bucket` or `oss://bucket`.
    pub store: String,
    /// The prefix listed.
    pub prefix: String,
    /// Whether it is a region's folder, whose keys start with the day (`YYYY/MM/DD/`) and which
    /// a run lists from the day of `--since`; otherwise it is listed whole.
    pub by_day: bool,
}

/// Where a listing resumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Every key up to this one was read (or lies before the window): list after it.
    pub after: Option<String>,
    /// Keys after `after` already read: skipped.
    pub recent: BTreeSet<String>,
}

/// What the runs before this one read.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// Local files (and bundles) read, with their size and modification time then.
    pub files: HashSet<(PathBuf, u64, i64)>,
    /// Where each listing resumes.
    pub marks: HashMap<Listing, Mark>,
    /// Days of listings by day to list and read again whole: what was read of them no longer
    /// counts (the window moved into them).
    pub again: HashMap<Listing, BTreeSet<NaiveDate>>,
}

impl Resume {
    /// Whether the file at `path` was read before, as it is now (same size, same modification
    /// time).
    pub fn read_before(&self, path: &Path) -> bool {
        !self.files.is_empty()
            && file_stamp(path).is_some_and(|(size, modified)| {
                self.files.contains(&(path.to_owned(), size, modified))
            })
    }

    /// The mark of a listing, if it was listed before.
    pub fn mark(&self, listing: &Listing) -> Option<&Mark> {
        self.marks.get(listing)
    }

    /// The days of a listing to read again.
    pub fn again(&self, listing: &Listing) -> Option<&BTreeSet<NaiveDate>> {
        self.again.get(listing).filter(|days| !days.is_empty())
    }
}

/// A file's size and modification time (nanoseconds since the epoch), if it can be read.
pub fn file_stamp(path: &Path) -> Option<(u64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec());
    Some((meta.len(), modified))
}

/// The day a key names: its first `YYYY/MM/DD/` folder (CloudTrail's and ActionTrail's layout, S3
/// access logs partitioned by date) or a name that starts `YYYY-MM-DD-` (S3 access logs).
pub fn day_of_key(key: &str) -> Option<NaiveDate> {
    let b = key.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let number = |from: usize, n: usize| key.get(from..from + n)?.parse::<u32>().ok();
    for at in 0..b.len().saturating_sub(10) {
        let starts = at == 0 || b[at - 1] == b'/';
        if !starts || !digits(at, 4) || !digits(at + 5, 2) || !digits(at + 8, 2) {
            continue;
        }
        let sep = b[at + 4];
        let shaped = matches!(
            (sep, b[at + 7], b.get(at + 10)),
            (b'/', b'/', Some(b'/')) | (b'-', b'-', Some(b'-'))
        );
        if !shaped {
            continue;
        }
        let year = number(at, 4).and_then(|y| i32::try_from(y).ok());
        if let (Some(y), Some(m), Some(d)) = (year, number(at + 5, 2), number(at + 8, 2))
            && let Some(day) = NaiveDate::from_ymd_opt(y, m, d)
        {
            return Some(day);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_day_a_key_names() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(
            day_of_key("AWSLogs/1/CloudTrail/eu-west-1/2026/11/03/1_CloudTrail_x.json.gz"),
            d(2026, 11, 3)
        );
        assert_eq!(
            day_of_key("logs/2026-11-04-10-15-22-ABCDEF"),
            d(2026, 11, 4)
        );
        assert_eq!(day_of_key("2026-11-05-00-00-00-X"), d(2026, 11, 5));
        assert_eq!(day_of_key("logs/x2026-11-04-10"), None);
        assert_eq!(day_of_key("logs/2026/13/01/x"), None);
        assert_eq!(day_of_key("logs/2026/11/01"), None);
        assert_eq!(day_of_key(""), None);
    }
}
