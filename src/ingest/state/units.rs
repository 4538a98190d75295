//! The units a state is made of. Each input belongs to one: a file on disk (a bundle with all its
//! members), or a day of a bucket's listing. What a unit's inputs added to the counts of the
//! report is kept apart from the others', so that a unit can leave the state (its file changed,
//! its day left the window) without any other being read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::decode::{BucketSeen, BucketsSeen, CATEGORIES, Decoded};
use crate::ingest::{InputSummary, Problem};
use crate::model::{Provider, Time};
use crate::sources::{Body, Input, Listing, Mark, Origin, day_of_key, file_stamp};

/// Which unit an input belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnitKey {
    /// A file or bundle, as it was when read.
    File {
        /// Its path, as the sources name it.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// Its modification time, in nanoseconds since the epoch.
        modified: i64,
    },
    /// The objects of one day of a listing (or its objects that name no day).
    Object {
        /// The listing.
        #[serde(flatten)]
        listing: Listing,
        /// The day their keys name.
        day: Option<NaiveDate>,
    },
}

impl UnitKey {
    /// A file's path, size and modification time.
    pub fn file(&self) -> Option<(&std::path::Path, u64, i64)> {
        match self {
            UnitKey::File {
                path,
                size,
                modified,
            } => Some((path, *size, *modified)),
            UnitKey::Object { .. } => None,
        }
    }
}

/// What inputs added to the report's counts, besides what the events kept and the fingerprints
/// say: those of the whole run, or of one unit of a state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "CountsFile", into = "CountsFile")]
pub struct Counts {
    /// Inputs, records, bytes, problems and the span of the records' times.
    pub summary: InputSummary,
    /// Records without an ID, by category.
    pub unidentified: [u64; CATEGORIES],
    /// Buckets seen, and how.
    pub buckets: BucketsSeen,
}

impl Counts {
    /// Counts one decoded input of `origin`, `bytes_read` bytes before decompression; its
    /// `buckets` come apart, as the caller can give them (taken, or copied).
    pub fn decoded(&mut self, origin: &str, d: &Decoded, bytes_read: u64, buckets: BucketsSeen) {
        self.summary.files += 1;
        self.summary.bytes_read += bytes_read;
        self.summary.count(origin, d);
        self.summary.widen(d.span);
        for (slot, n) in self.unidentified.iter_mut().zip(d.unidentified) {
            *slot += n;
        }
        self.buckets.merge(buckets);
    }

    /// Counts one input of `origin` that could not be read, and why.
    pub fn failed(&mut self, origin: &str, why: String) {
        self.summary.files += 1;
        self.summary.files_failed += 1;
        self.summary.problems.push(Problem {
            origin: origin.to_owned(),
            error: why,
        });
    }

    /// Counts one digest file.
    pub fn digest(&mut self) {
        self.summary.files += 1;
        self.summary.digest_files += 1;
    }

    /// Adds what another holder of the unit's counts holds.
    pub fn add(&mut self, other: Counts) {
        self.summary.add(other.summary);
        for (slot, n) in self.unidentified.iter_mut().zip(other.unidentified) {
            *slot += n;
        }
        self.buckets.merge(other.buckets);
    }
}

/// [`Counts`] as the manifest writes them: what is zero or empty is left out.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct CountsFile {
    #[serde(skip_serializing_if = "is_zero")]
    files: u64,
    #[serde(skip_serializing_if = "is_zero")]
    files_failed: u64,
    #[serde(skip_serializing_if = "is_zero")]
    records: u64,
    #[serde(skip_serializing_if = "is_zero")]
    digest_files: u64,
    #[serde(skip_serializing_if = "is_zero")]
    other_objects: u64,
    #[serde(skip_serializing_if = "is_zero")]
    bytes_read: u64,
    #[serde(skip_serializing_if = "is_zero")]
    bytes_decoded: u64,
    #[serde(skip_serializing_if = "is_zero")]
    problems_not_listed: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_event: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_event: Option<Time>,
    #[serde(skip_serializing_if = "none_counted")]
    unidentified: [u64; CATEGORIES],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    buckets: Vec<(Provider, String, u8)>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn none_counted(counts: &[u64; CATEGORIES]) -> bool {
    counts.iter().all(|&n| n == 0)
}

impl From<Counts> for CountsFile {
    fn from(c: Counts) -> CountsFile {
        let s = c.summary;
        CountsFile {
            files: s.files,
            files_failed: s.files_failed,
            records: s.records,
            digest_files: s.digest_files,
            other_objects: s.other_objects,
            bytes_read: s.bytes_read,
            bytes_decoded: s.bytes_decoded,
            problems_not_listed: s.problems_not_listed,
            problems: s.problems,
            first_event: s.first_event,
            last_event: s.last_event,
            unidentified: c.unidentified,
            buckets: c
                .buckets
                .iter()
                .map(|(bucket, how)| (bucket.provider, bucket.name, how.0))
                .collect(),
        }
    }
}

impl From<CountsFile> for Counts {
    fn from(f: CountsFile) -> Counts {
        Counts {
            summary: InputSummary {
                files: f.files,
                files_failed: f.files_failed,
                records: f.records,
                digest_files: f.digest_files,
                other_objects: f.other_objects,
                bytes_read: f.bytes_read,
                bytes_decoded: f.bytes_decoded,
                problems_not_listed: f.problems_not_listed,
                problems: f.problems,
                first_event: f.first_event,
                last_event: f.last_event,
                ..InputSummary::default()
            },
            unidentified: f.unidentified,
            buckets: {
                let mut seen = BucketsSeen::default();
                for (provider, name, how) in &f.buckets {
                    seen.saw(*provider, name, BucketSeen(*how));
                }
                seen
            },
        }
    }
}

/// How reading a listed object went, for the listing's next mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Read: not listed again.
    Read,
    /// Could not be fetched: read again next time.
    Failed,
    /// The listing itself failed: it resumes where it did last time.
    ListingFailed,
}

/// The units of a run, numbered as they are met (those kept from the state first).
pub struct Tracker {
    units: Mutex<(HashMap<UnitKey, u32>, Vec<UnitKey>)>,
}

impl Tracker {
    /// A tracker that knows `kept` as units `0..`.
    pub fn new(kept: Vec<UnitKey>) -> Tracker {
        let index = kept.iter().cloned().zip(0..).collect();
        Tracker {
            units: Mutex::new((index, kept)),
        }
    }

    /// The unit of an input, or `None` when what it holds cannot be kept: standard input, a
    /// pipe, or an object that could not be fetched (it is fetched again next time). A local
    /// file or bundle member that cannot be read belongs to its unit all the same: its problem
    /// is kept, and comes back until the file changes.
    pub fn unit_of(&self, input: &Input) -> Option<u32> {
        let key = match (&input.origin, &input.body) {
            (_, Body::Stdin | Body::Pipe) | (Origin::Stdin, _) => return None,
            (Origin::File(path) | Origin::Member { bundle: path, .. }, _) => {
                let (size, modified) = file_stamp(path)?;
                UnitKey::File {
                    path: path.clone(),
                    size,
                    modified,
                }
            }
            (Origin::Object { .. }, Body::Unreadable(_)) => return None,
            (Origin::Object { key, .. }, _) => {
                let listing = input.listing.as_deref()?;
                let day = key
                    .strip_prefix(listing.prefix.as_str())
                    .and_then(day_of_key);
                UnitKey::Object {
                    listing: listing.clone(),
                    day,
                }
            }
        };
        let mut guard = self.units.lock().unwrap_or_else(PoisonError::into_inner);
        let (index, keys) = &mut *guard;
        Some(*index.entry(key).or_insert_with_key(|key| {
            keys.push(key.clone());
            (keys.len() - 1) as u32
        }))
    }

    /// The units, by number.
    pub fn keys(&self) -> Vec<UnitKey> {
        let guard = self.units.lock().unwrap_or_else(PoisonError::into_inner);
        guard.1.clone()
    }
}

/// What a run learns for the state, gathered beside the events by each decoding thread.
#[derive(Default)]
pub struct Tracked {
    /// What the inputs of each unit added, by unit.
    pub counts: BTreeMap<u32, Counts>,
    /// Fingerprints of the records read, with their unit.
    pub fingerprints: Vec<(u64, u32)>,
    /// The unit of each origin this run read (inputs, and log files named by Parquet rows).
    pub origins: Vec<(u32, u32)>,
    /// The unit of each origin of the events kept from the state.
    pub kept_origins: Vec<(u32, u32)>,
    /// The objects of listings read or not.
    pub listed: Vec<(Arc<Listing>, String, Outcome)>,
}

impl Tracked {
    /// Records a decoded input of `unit`, named `origin`, numbered `ids`.
    pub fn decoded(
        &mut self,
        unit: u32,
        origin: &str,
        ids: impl Iterator<Item = u32>,
        (d, bytes_read): (&Decoded, u64),
    ) {
        self.counts
            .entry(unit)
            .or_default()
            .decoded(origin, d, bytes_read, d.buckets.clone());
        self.fingerprints
            .extend(d.fingerprints.iter().map(|&fp| (fp, unit)));
        self.origins.extend(ids.map(|id| (id, unit)));
    }

    /// Records an input of `unit`, named `origin`, that could not be read, and why.
    pub fn failed(&mut self, unit: u32, origin: &str, why: &str) {
        self.counts
            .entry(unit)
            .or_default()
            .failed(origin, why.to_owned());
    }

    /// Records a digest file of `unit`.
    pub fn digest(&mut self, unit: u32) {
        self.counts.entry(unit).or_default().digest();
    }

    /// Records how an object of a listing went.
    pub fn listed(&mut self, listing: Arc<Listing>, key: String, outcome: Outcome) {
        self.listed.push((listing, key, outcome));
    }

    /// Takes in what another thread gathered.
    pub fn merge(&mut self, other: Tracked) {
        for (unit, counts) in other.counts {
            self.counts.entry(unit).or_default().add(counts);
        }
        self.fingerprints.extend(other.fingerprints);
        self.origins.extend(other.origins);
        self.kept_origins.extend(other.kept_origins);
        self.listed.extend(other.listed);
    }
}

/// Where a listing resumes next time, from where it resumed this time and what it read: after
/// every key before its last two days (CloudTrail delivers late into the day before), before the
/// first key that could not be fetched; the keys read after that point are remembered.
pub fn next_mark(old: Option<&Mark>, listing: &Listing, listed: &[(&str, Outcome)]) -> Mark {
    let old_after = old.and_then(|m| m.after.clone());
    let mut read: BTreeSet<String> = old.map(|m| m.recent.clone()).unwrap_or_default();
    read.extend(
        listed
            .iter()
            .filter(|(_, o)| *o == Outcome::Read)
            .map(|(k, _)| (*k).to_owned()),
    );
    let keep_after = |after: Option<String>, read: BTreeSet<String>| Mark {
        recent: read
            .into_iter()
            .filter(|k| after.as_deref().is_none_or(|a| k.as_str() > a))
            .collect(),
        after,
    };
    if listed.iter().any(|(_, o)| *o == Outcome::ListingFailed) {
        return keep_after(old_after, read);
    }
    let day = |key: &str| {
        key.strip_prefix(listing.prefix.as_str())
            .and_then(day_of_key)
    };
    let last_day = read.iter().filter_map(|k| day(k)).max();
    let zone_starts = last_day.and_then(|d| d.checked_sub_days(Days::new(1)));
    let in_zone = |key: &str| day(key).zip(zone_starts).is_some_and(|(d, z)| d >= z);
    let first_failed = listed
        .iter()
        .filter(|(_, o)| *o == Outcome::Failed)
        .map(|(k, _)| *k)
        .min();
    let after = read
        .iter()
        .map(String::as_str)
        .filter(|k| !in_zone(k) && first_failed.is_none_or(|f| *k < f))
        .max()
        .map(str::to_owned)
        .max(old_after.filter(|a| first_failed.is_none_or(|f| a.as_str() < f)));
    keep_after(after, read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Listing {
        Listing {
            store: "s3://trail".into(),
            prefix: "AWSLogs/1/CloudTrail/r/".into(),
            by_day: true,
        }
    }

    fn key(day: u32, name: &str) -> String {
        format!("AWSLogs/1/CloudTrail/r/2026/11/{day:02}/{name}")
    }

    #[test]
    fn a_mark_keeps_the_last_two_days() {
        let keys = [key(1, "a"), key(2, "b"), key(3, "c"), key(3, "d")];
        let listed: Vec<_> = keys.iter().map(|k| (k.as_str(), Outcome::Read)).collect();
        let mark = next_mark(None, &listing(), &listed);
        assert_eq!(mark.after.as_deref(), Some(key(1, "a").as_str()));
        assert_eq!(
            mark.recent,
            [key(2, "b"), key(3, "c"), key(3, "d")]
                .into_iter()
                .collect()
        );
        // The next run reads day 4: day 2 leaves the two days, its key goes behind the mark.
        let more = [key(4, "e")];
        let listed: Vec<_> = more.iter().map(|k| (k.as_str(), Outcome::Read)).collect();
        let next = next_mark(Some(&mark), &listing(), &listed);
        assert_eq!(next.after.as_deref(), Some(key(2, "b").as_str()));
        assert_eq!(
            next.recent,
            [key(3, "c"), key(3, "d"), key(4, "e")]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn a_mark_stays_before_what_failed() {
        let (a, b, c) = (key(1, "a"), key(1, "b"), key(5, "c"));
        let listed = [
            (a.as_str(), Outcome::Read),
            (b.as_str(), Outcome::Failed),
            (c.as_str(), Outcome::Read),
        ];
        let mark = next_mark(None, &listing(), &listed);
        assert_eq!(mark.after.as_deref(), Some(a.as_str()));
        assert!(!mark.recent.contains(&b) && mark.recent.contains(&c));
        // A listing that failed does not move its mark.
        let failed = [(c.as_str(), Outcome::ListingFailed)];
        let kept = next_mark(Some(&mark), &listing(), &failed);
        assert_eq!(kept.after, mark.after);
    }
}
