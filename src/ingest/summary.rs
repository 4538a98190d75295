//! The account of what was read: the `inputs` object of the report.

use serde::{Deserialize, Serialize};

use crate::decode::Decoded;
use crate::model::Time;

/// One problem with one input, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    /// The file, bundle member or object.
    pub origin: String,
    /// What went wrong.
    pub error: String,
}

/// What was read: the `inputs` object of the report.
///
/// `records` = `duplicates` + `multipart_events` + `lifecycle_events` + `other_records` +
/// `insight_records` + `invalid_records` + `outside_window` + `context_events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// Inputs read (files, bundle members, objects), digest files included.
    pub files: u64,
    /// Inputs that could not be read to their end.
    pub files_failed: u64,
    /// CloudTrail records read, duplicates included.
    pub records: u64,
    /// Records whose `eventID` had already been read.
    pub duplicates: u64,
    /// Distinct multipart events (all seven operations, failed ones included).
    pub multipart_events: u64,
    /// Problems, sorted by origin.
    pub problems: Vec<Problem>,
    /// Distinct lifecycle-configuration changes.
    pub lifecycle_events: u64,
    /// Distinct records of other API calls (counted, not needed).
    pub other_records: u64,
    /// Distinct CloudTrail Insights events (skipped: not API calls).
    pub insight_records: u64,
    /// Distinct records that could not be used (each is named in `problems`).
    pub invalid_records: u64,
    /// Distinct multipart events outside `--since` / `--until`.
    pub outside_window: u64,
    /// CloudTrail digest files (skipped: they hold no records).
    pub digest_files: u64,
    /// JSON objects that are not CloudTrail records (S3 notifications, other clouds' logs…).
    pub other_objects: u64,
    /// Records sharing an `eventID` with another record whose content differs.
    pub conflicting_duplicates: u64,
    /// Problems not listed because a file had too many.
    pub problems_not_listed: u64,
    /// Bytes read, before decompression.
    pub bytes_read: u64,
    /// Bytes of JSON after decompression.
    pub bytes_decoded: u64,
    /// The earliest `eventTime` of any record read.
    pub first_event: Option<Time>,
    /// The latest `eventTime` of any record read.
    pub last_event: Option<Time>,
    /// Distinct records kept for a diagnosis that are not multipart events (permission changes,
    /// deleted buckets and objects, writes of keys, KMS key changes).
    pub context_events: u64,
}

impl InputSummary {
    /// Adds what adds up: inputs, records, bytes and problems, and widens the span. The counts
    /// by category are not among them: they are decided once, over every fingerprint.
    pub(crate) fn add(&mut self, other: InputSummary) {
        self.files += other.files;
        self.files_failed += other.files_failed;
        self.records += other.records;
        self.digest_files += other.digest_files;
        self.other_objects += other.other_objects;
        self.bytes_read += other.bytes_read;
        self.bytes_decoded += other.bytes_decoded;
        self.problems_not_listed += other.problems_not_listed;
        self.problems.extend(other.problems);
        self.widen(other.first_event.zip(other.last_event));
    }

    /// Widens the span of the records' times to hold `span`.
    pub(crate) fn widen(&mut self, span: Option<(Time, Time)>) {
        let now = self.first_event.zip(self.last_event);
        (self.first_event, self.last_event) = widen(now, span).unzip();
    }

    /// Counts what one decoded input of `origin` holds (its records, bytes, problems), but not
    /// its span.
    pub(super) fn count(&mut self, origin: &str, d: &Decoded) {
        self.records += d.records;
        self.files_failed += u64::from(d.failed);
        self.digest_files += u64::from(d.digest);
        self.other_objects += d.foreign_objects;
        self.bytes_decoded += d.bytes_decoded;
        self.problems_not_listed += d.problems_dropped;
        self.problems.extend(d.problems.iter().map(|error| Problem {
            origin: origin.to_owned(),
            error: error.clone(),
        }));
    }
}

/// The smallest span that holds both.
fn widen(a: Option<(Time, Time)>, b: Option<(Time, Time)>) -> Option<(Time, Time)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, b) => a.or(b),
    }
}
