//! Runs sources → decode in parallel, then merges what the files yielded: duplicates removed,
//! events in a deterministic order, and an exact account of every record read.
//!
//! Files are decoded in any order by any number of threads; everything that depends on order is
//! decided here, after the parallel part, by sorting on content (the string table is frozen in
//! string order first, so that symbols compare like their strings). The result is the same for
//! any thread count and any order of files on disk.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering as Atomic};

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

mod duplicates;
mod objects;
mod order;
pub mod parts;
mod read;

use crate::decode::{self, BucketSeen, BucketsSeen, CATEGORIES, Category, Decoded, Options};
use crate::model::{ContextEvent, Event, LifecycleChange, Time, key_hash};
use crate::sources::{Body, Input};
use crate::strings::{Interner, Strings};
use crate::url::copy_source;

pub use duplicates::Fingerprints;
use objects::ObjectRecords;
pub use order::compare_events;
use order::{compare_changes, compare_context, context_identity, dedupe, identity};
pub use read::{Read, read_input, release_buffers};

/// Progress of the decode stage (files and bytes) on a bar that may be hidden.
pub struct Meter {
    bar: ProgressBar,
    files: AtomicU64,
}

impl Meter {
    /// A meter drawing on `bar`.
    pub fn new(bar: ProgressBar) -> Meter {
        Meter {
            bar,
            files: AtomicU64::new(0),
        }
    }

    /// A meter that shows nothing.
    pub fn hidden() -> Meter {
        Meter::new(ProgressBar::hidden())
    }

    /// Bytes that were not known when the bar was made (bundle members).
    fn grow(&self, bytes: u64) {
        self.bar.inc_length(bytes);
    }

    fn file_done(&self, bytes: u64) {
        let files = self.files.fetch_add(1, Atomic::Relaxed) + 1;
        self.bar.inc(bytes);
        if files.is_multiple_of(8) || self.bar.position() >= self.bar.length().unwrap_or(u64::MAX) {
            self.bar.set_message(format!("{files} files read"));
        }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// One problem with one input, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

/// Everything the later stages need.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Multipart events: no two with the same `eventID`, in timeline order. Successful part
    /// uploads are not among them: they are folded into `parts`.
    pub events: Vec<Event>,
    /// Successful part uploads, summarised per bucket and upload ID.
    pub parts: parts::Summaries,
    /// The successful part uploads themselves, in timeline order, when the options ask to keep
    /// them (`export`); empty otherwise.
    pub part_events: Vec<Event>,
    /// Lifecycle-configuration changes, in time order.
    pub lifecycle: Vec<LifecycleChange>,
    /// Records a diagnosis needs besides multipart events: no two of one request, in time order.
    pub context: Vec<ContextEvent>,
    /// The name of every input, indexed by the `origin` of events.
    pub origins: Vec<String>,
    /// The strings and actors the events refer to.
    pub strings: Strings,
    /// Buckets named by S3 records in the window, and in which kinds of event.
    pub buckets: BucketsSeen,
    /// The account of what was read.
    pub inputs: InputSummary,
}

/// What the parallel part gathers; merged pairwise.
#[derive(Default)]
struct Gathered {
    summary: InputSummary,
    unidentified: [u64; CATEGORIES],
    fingerprints: Fingerprints,
    /// Events, in one vector that grows in place: a large allocation grows by remapping its
    /// pages, without a copy, and needs no joining at the end.
    events: Vec<Event>,
    /// Successful part uploads kept for export.
    part_events: Vec<Event>,
    lifecycle: Vec<LifecycleChange>,
    context: Vec<ContextEvent>,
    /// Writes and deletions of objects, until it is known which keys matter.
    objects: ObjectRecords,
    origins: Vec<(u32, String)>,
    buckets: BucketsSeen,
    span: Option<(Time, Time)>,
}

/// What the decoding threads share.
struct Shared<'a> {
    opts: &'a Options,
    interner: Interner,
    meter: &'a Meter,
    /// The next origin number for log files named by Parquet rows.
    row_ids: AtomicU32,
    /// Part uploads folded per upload: one map for all threads, so that no thread keeps its own
    /// copy of every upload and nothing is merged.
    parts: parts::Shared,
}

impl Gathered {
    fn add(mut self, id: u32, input: Input, shared: &Shared<'_>) -> Gathered {
        let Shared {
            opts,
            interner,
            meter,
            ..
        } = shared;
        let origin = input.origin.to_string();
        self.summary.files += 1;
        let size = input.size();
        if matches!(input.body, Body::Bytes(_)) {
            meter.grow(size);
        }
        match read_input(input, id, opts, interner, None) {
            Read::Digest => self.summary.digest_files += 1,
            Read::Failed(why) => {
                self.summary.files_failed += 1;
                self.problem(&origin, why);
            }
            Read::Decoded(decoded, bytes_read) => {
                self.summary.bytes_read += bytes_read;
                self.absorb(&origin, *decoded, shared);
            }
        }
        meter.file_done(size);
        self.origins.push((id, origin));
        self
    }

    fn problem(&mut self, origin: &str, error: String) {
        self.summary.problems.push(Problem {
            origin: origin.to_owned(),
            error,
        });
    }

    fn absorb(&mut self, origin: &str, mut d: Decoded, shared: &Shared<'_>) {
        if !d.row_origins.is_empty() {
            // Rows that name their own log file: give each name an origin of its own.
            let first = shared
                .row_ids
                .fetch_add(d.row_origins.len() as u32, Atomic::Relaxed);
            let global = |o: u32| match o.checked_sub(decode::ROW_ORIGIN) {
                Some(k) => first + k,
                None => o,
            };
            for e in &mut d.events {
                e.origin = global(e.origin);
            }
            for c in &mut d.lifecycle {
                c.origin = global(c.origin);
            }
            for c in &mut d.context {
                c.origin = global(c.origin);
            }
            let names = std::mem::take(&mut d.row_origins);
            self.origins.extend((first..).zip(names));
        }
        let s = &mut self.summary;
        s.records += d.records;
        s.files_failed += u64::from(d.failed);
        s.digest_files += u64::from(d.digest);
        s.other_objects += d.foreign_objects;
        s.bytes_decoded += d.bytes_decoded;
        s.problems_not_listed += d.problems_dropped;
        for error in d.problems {
            self.problem(origin, error);
        }
        for (slot, n) in self.unidentified.iter_mut().zip(d.unidentified) {
            *slot += n;
        }
        self.fingerprints.extend(d.fingerprints);
        for e in d.events {
            if !parts::folds(&e) {
                self.events.push(e);
                continue;
            }
            if let Some(id) = e.upload_id {
                shared.parts.add((e.bucket, id), &e);
            }
            if shared.opts.keep_parts {
                self.part_events.push(e);
            }
        }
        self.lifecycle.extend(d.lifecycle);
        for c in d.context {
            if c.kind.is_object() {
                self.objects.push(c);
            } else {
                self.context.push(c);
            }
        }
        self.buckets.merge(d.buckets);
        self.span = widen(self.span, d.span);
    }

    fn merge(mut self, other: Gathered) -> Gathered {
        let (a, b) = (&mut self.summary, other.summary);
        a.files += b.files;
        a.files_failed += b.files_failed;
        a.records += b.records;
        a.digest_files += b.digest_files;
        a.other_objects += b.other_objects;
        a.bytes_read += b.bytes_read;
        a.bytes_decoded += b.bytes_decoded;
        a.problems_not_listed += b.problems_not_listed;
        a.problems.extend(b.problems);
        for (slot, n) in self.unidentified.iter_mut().zip(other.unidentified) {
            *slot += n;
        }
        self.fingerprints = self.fingerprints.merge(other.fingerprints);
        join(&mut self.events, other.events);
        join(&mut self.part_events, other.part_events);
        self.lifecycle.extend(other.lifecycle);
        join(&mut self.context, other.context);
        self.objects = self.objects.merge(other.objects);
        self.origins.extend(other.origins);
        self.buckets.merge(other.buckets);
        self.span = widen(self.span, other.span);
        self
    }
}

/// Appends `b` to `a`, copying the shorter of the two.
fn join<T>(a: &mut Vec<T>, mut b: Vec<T>) {
    if b.len() > a.len() {
        std::mem::swap(a, &mut b);
    }
    a.append(&mut b);
}

fn widen(a: Option<(Time, Time)>, b: Option<(Time, Time)>) -> Option<(Time, Time)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, b) => a.or(b),
    }
}

/// Decodes every input on the current rayon pool and merges the results.
pub fn ingest(
    inputs: impl Iterator<Item = Input> + Send,
    opts: &Options,
    meter: &Meter,
) -> Ingested {
    let shared = Shared {
        opts,
        interner: Interner::default(),
        meter,
        row_ids: AtomicU32::new(decode::ROW_ORIGIN),
        parts: parts::Shared::default(),
    };
    let gathered = inputs
        .enumerate()
        .par_bridge()
        .fold(Gathered::default, |acc, (id, input)| {
            let id = u32::try_from(id)
                .unwrap_or(u32::MAX)
                .min(decode::ROW_ORIGIN - 1);
            acc.add(id, input, &shared)
        })
        .reduce(Gathered::default, Gathered::merge);
    release_buffers();
    finish(gathered, shared.interner, shared.parts)
}

fn finish(mut g: Gathered, interner: Interner, parts: parts::Shared) -> Ingested {
    // Duplicates are counted over all records: the first copy of an eventID counts in its
    // category, the others are duplicates. The count runs beside everything else.
    let fingerprints = std::mem::take(&mut g.fingerprints);
    let mut distinct = g.unidentified;
    let (tally, mut ingested) = rayon::join(
        || fingerprints.tally(&mut distinct),
        || assemble(g, interner, parts),
    );
    let s = &mut ingested.inputs;
    match tally {
        Ok(duplicates) => s.duplicates = duplicates,
        Err(e) => s.problems.push(Problem {
            origin: "(temporary file)".to_owned(),
            error: format!("cannot read back the eventIDs set aside to count duplicates: {e}"),
        }),
    }
    for category in Category::ALL {
        let n = distinct[category as usize];
        match category {
            Category::Multipart => s.multipart_events = n,
            Category::Lifecycle => s.lifecycle_events = n,
            Category::Other => s.other_records = n,
            Category::Insight => s.insight_records = n,
            Category::Invalid => s.invalid_records = n,
            Category::OutsideWindow => s.outside_window = n,
            Category::Context => s.context_events = n,
        }
    }
    // By input, and within an input in the order they were found (record 2 before record 10).
    s.problems.sort_by(|a, b| a.origin.cmp(&b.origin));
    crate::memory::give_back();
    ingested
}

/// Everything but the counts by category: strings frozen, events renumbered, in timeline order
/// and without duplicates.
fn assemble(mut g: Gathered, interner: Interner, parts: parts::Shared) -> Ingested {
    let (strings, renumber) = interner.freeze();
    let mut events = std::mem::take(&mut g.events);
    let mut part_events = std::mem::take(&mut g.part_events);
    // Origins: inputs are numbered from 0, log files named by Parquet rows from ROW_ORIGIN;
    // the table is made dense.
    let inputs = g
        .origins
        .iter()
        .filter(|(id, _)| *id < decode::ROW_ORIGIN)
        .count() as u32;
    let dense = |o: u32| match o.checked_sub(decode::ROW_ORIGIN) {
        Some(k) => inputs + k,
        None => o,
    };
    events
        .par_iter_mut()
        .chain(part_events.par_iter_mut())
        .for_each(|e| {
            e.renumber(&renumber);
            e.origin = dense(e.origin);
        });
    for c in &mut g.lifecycle {
        c.origin = dense(c.origin);
    }
    let mut context = std::mem::take(&mut g.context);
    // Of the writes and deletions of objects, only those of objects a multipart request names.
    let named = named_objects(&events, &strings);
    let objects = std::mem::take(&mut g.objects).keep(|c| {
        let bucket = strings.opt(renumber.opt(c.bucket)).map(key_hash);
        bucket
            .zip(c.key_hash)
            .is_some_and(|object| named.contains(&object))
    });
    match objects {
        Ok(objects) => context.extend(objects),
        Err(e) => g.summary.problems.push(Problem {
            origin: "(temporary file)".to_owned(),
            error: format!("cannot read back the object writes set aside for diagnoses: {e}"),
        }),
    }
    context.par_iter_mut().for_each(|c| {
        c.renumber(&renumber);
        c.origin = dense(c.origin);
    });
    let parts = parts.finish(&renumber, &strings);
    // Buckets whose uploads can be followed: a successful multipart request names them.
    for bucket in events
        .iter()
        .filter(|e| e.succeeded())
        .map(|e| e.bucket)
        .chain(parts.keys().map(|(bucket, _)| *bucket))
    {
        g.buckets
            .saw(strings.provider(bucket), &strings[bucket], BucketSeen::DATA);
    }
    // A bucket named only by failed requests is named all the same.
    for bucket in events.iter().filter(|e| !e.succeeded()).map(|e| e.bucket) {
        g.buckets.saw(
            strings.provider(bucket),
            &strings[bucket],
            BucketSeen::MANAGEMENT,
        );
    }
    let mut origins = vec![String::new(); g.origins.len()];
    for (id, name) in g.origins {
        if let Some(slot) = origins.get_mut(dense(id) as usize) {
            *slot = name;
        }
    }

    let s = &mut g.summary;
    (s.first_event, s.last_event) = g.span.unzip();

    let (events, conflicts) = dedupe(events, identity, |a, b| compare_events(a, b, &origins));
    let (part_events, _) = dedupe(part_events, identity, |a, b| compare_events(a, b, &origins));
    let (context, _) = dedupe(context, context_identity, |a, b| {
        compare_context(a, b, &origins)
    });
    let (lifecycle, lifecycle_conflicts) = dedupe(
        g.lifecycle,
        |c| c.event_id.clone(),
        |a, b| compare_changes(a, b, &origins),
    );
    for (kept, other) in conflicts.iter().chain(&lifecycle_conflicts) {
        s.problems.push(Problem {
            origin: origins[*other as usize].clone(),
            error: format!("holds a different record with the same eventID as {}; the copy that sorts first was kept", origins[*kept as usize]),
        });
    }
    s.conflicting_duplicates = (conflicts.len() + lifecycle_conflicts.len()) as u64;
    Ingested {
        events,
        parts,
        part_events,
        lifecycle,
        context,
        origins,
        strings,
        buckets: g.buckets,
        inputs: g.summary,
    }
}

/// The objects that multipart requests name, as hashes of bucket and key: the key each request
/// writes, and the object a part copy reads.
fn named_objects(events: &[Event], strings: &Strings) -> HashSet<(u64, u64)> {
    let mut named = HashSet::new();
    for e in events {
        if let Some(key) = e.key {
            named.insert((key_hash(&strings[e.bucket]), key_hash(&strings[key])));
        }
        if let Some((bucket, key)) = e.extra().copy_source.as_deref().and_then(copy_source) {
            named.insert((key_hash(&bucket), key_hash(&key)));
        }
    }
    named
}
