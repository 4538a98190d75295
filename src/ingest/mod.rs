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

mod duplicates;
mod objects;
mod order;
pub mod parts;
mod read;
pub mod state;
mod summary;

use crate::decode::{self, BucketSeen, BucketsSeen, Category, Decoded, Options};
use crate::model::{ContextEvent, Event, LifecycleChange, key_hash};
use crate::sources::{Body, Input};
use crate::strings::{Interner, Strings};
use crate::url::copy_source;

pub use duplicates::Fingerprints;
use objects::ObjectRecords;
pub use order::compare_events;
use order::{compare_changes, compare_context, context_identity, dedupe, identity};
pub use read::{Read, read_input, release_buffers};
pub use state::ingest_with_state;
pub use summary::{InputSummary, Problem};

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
    /// Inputs, records, bytes, problems, the span of the records' times, buckets.
    counts: state::Counts,
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
    /// What an incremental run learns for its next state (nothing otherwise).
    tracked: state::Tracked,
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
    /// The incremental run, with `--state`.
    session: Option<&'a state::Session>,
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
        let size = input.size();
        if matches!(input.body, Body::Bytes(_)) {
            meter.grow(size);
        }
        // With --state: the unit the input belongs to, and the listing that found it.
        let unit = shared.session.and_then(|s| s.tracker.unit_of(&input));
        let listed = shared
            .session
            .and(input.listing.clone())
            .zip(input.origin.key().map(str::to_owned));
        let outcome = match read_input(input, id, opts, interner, None) {
            Read::Digest => {
                self.counts.digest();
                if let Some(unit) = unit {
                    self.tracked.digest(unit);
                }
                state::Outcome::Read
            }
            Read::Failed(why) => {
                if let Some(unit) = unit {
                    self.tracked.failed(unit, &origin, &why);
                }
                self.counts.failed(&origin, why);
                state::Outcome::Failed
            }
            Read::Decoded(decoded, bytes_read) => {
                let mut decoded = *decoded;
                let rows = number_rows(&mut decoded, shared);
                if let Some(unit) = unit {
                    let ids = std::iter::once(id).chain(rows.iter().map(|(id, _)| *id));
                    self.tracked
                        .decoded(unit, &origin, ids, (&decoded, bytes_read));
                }
                self.origins.extend(rows);
                let buckets = std::mem::take(&mut decoded.buckets);
                self.counts.decoded(&origin, &decoded, bytes_read, buckets);
                self.keep(decoded, shared, opts.keep_parts);
                state::Outcome::Read
            }
        };
        if let Some((listing, key)) = listed {
            // A listing that failed is named by its prefix.
            let outcome = match outcome {
                state::Outcome::Failed if key == listing.prefix => state::Outcome::ListingFailed,
                other => other,
            };
            self.tracked.listed(listing, key, outcome);
        }
        meter.file_done(size);
        self.origins.push((id, origin));
        self
    }

    /// Keeps the events, lifecycle changes and context records of a decoded input (its part
    /// uploads folded, and kept as events too with `keep_parts`), and the fingerprints of its
    /// records.
    fn keep(&mut self, mut d: Decoded, shared: &Shared<'_>, keep_parts: bool) {
        self.fingerprints
            .extend(std::mem::take(&mut d.fingerprints));
        for e in d.events {
            if !parts::folds(&e) {
                self.events.push(e);
                continue;
            }
            if let Some(id) = e.upload_id {
                shared.parts.add((e.bucket, id), &e);
            }
            if keep_parts {
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
    }

    fn merge(mut self, other: Gathered) -> Gathered {
        self.counts.add(other.counts);
        self.fingerprints = self.fingerprints.merge(other.fingerprints);
        join(&mut self.events, other.events);
        join(&mut self.part_events, other.part_events);
        self.lifecycle.extend(other.lifecycle);
        join(&mut self.context, other.context);
        self.objects = self.objects.merge(other.objects);
        self.origins.extend(other.origins);
        self.tracked.merge(other.tracked);
        self
    }
}

/// Gives the log files that rows of a decoded input name (Parquet rows) origins of their own,
/// and returns them with their numbers.
fn number_rows(d: &mut Decoded, shared: &Shared<'_>) -> Vec<(u32, String)> {
    if d.row_origins.is_empty() {
        return Vec::new();
    }
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
    (first..).zip(std::mem::take(&mut d.row_origins)).collect()
}

/// Appends `b` to `a`, copying the shorter of the two.
fn join<T>(a: &mut Vec<T>, mut b: Vec<T>) {
    if b.len() > a.len() {
        std::mem::swap(a, &mut b);
    }
    a.append(&mut b);
}

/// Decodes every input on the current rayon pool and merges the results.
pub fn ingest(
    inputs: impl Iterator<Item = Input> + Send,
    opts: &Options,
    meter: &Meter,
) -> Ingested {
    let shared = Shared::new(opts, meter, None);
    let gathered = gather(inputs, &shared);
    finish(gathered, shared).0
}

impl<'a> Shared<'a> {
    fn new(opts: &'a Options, meter: &'a Meter, session: Option<&'a state::Session>) -> Self {
        Shared {
            opts,
            interner: Interner::default(),
            meter,
            row_ids: AtomicU32::new(decode::ROW_ORIGIN),
            parts: parts::Shared::default(),
            session,
        }
    }
}

fn gather(inputs: impl Iterator<Item = Input> + Send, shared: &Shared<'_>) -> Gathered {
    let gathered = inputs
        .enumerate()
        .par_bridge()
        .fold(Gathered::default, |acc, (id, input)| {
            let id = u32::try_from(id)
                .unwrap_or(u32::MAX)
                .min(decode::ROW_ORIGIN - 1);
            acc.add(id, input, shared)
        })
        .reduce(Gathered::default, Gathered::merge);
    release_buffers();
    gathered
}

/// What was read, and with a session the next state written beside its own (or why it could
/// not be).
type Finished = (Ingested, Option<crate::error::Result<state::Pending>>);

fn finish(mut g: Gathered, shared: Shared<'_>) -> Finished {
    // Duplicates are counted over all records: the first copy of an eventID counts in its
    // category, the others are duplicates. The count runs beside everything else.
    let fingerprints = std::mem::take(&mut g.fingerprints);
    let mut distinct = g.counts.unidentified;
    let Shared {
        interner,
        parts,
        session,
        ..
    } = shared;
    let (tally, assembled) = rayon::join(
        || fingerprints.tally(&mut distinct),
        || assemble(g, interner, parts, session),
    );
    let (mut ingested, pending) = assembled;
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
    (ingested, pending)
}

/// Everything but the counts by category: strings frozen, events renumbered, in timeline order
/// and without duplicates; and with a session, the next state written from them.
fn assemble(
    mut g: Gathered,
    interner: Interner,
    parts: parts::Shared,
    session: Option<&state::Session>,
) -> Finished {
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
    // Writes and deletions of objects: the analysis needs those of objects a multipart request
    // names; a state also keeps those this run read (a later request may name their key), and
    // all of them when it is written whole.
    let named = named_objects(&events, |s| key_hash(&strings[s]));
    let is_named = |bucket: Option<crate::strings::Sym>, key: Option<u64>| {
        let bucket = strings.opt(bucket).map(key_hash);
        bucket
            .zip(key)
            .is_some_and(|object| named.contains(&object))
    };
    let whole = session.is_some_and(state::Session::compacts);
    let fresh: HashSet<u32> = match session {
        Some(_) if !whole => g.tracked.origins.iter().map(|(id, _)| *id).collect(),
        _ => HashSet::new(),
    };
    let kept_objects = std::mem::take(&mut g.objects).keep(|c| {
        whole || fresh.contains(&c.origin) || is_named(renumber.opt(c.bucket), c.key_hash)
    });
    let mut objects = kept_objects.unwrap_or_else(|e| {
        g.counts.summary.problems.push(Problem {
            origin: "(temporary file)".to_owned(),
            error: format!("cannot read back the object writes set aside for diagnoses: {e}"),
        });
        Vec::new()
    });
    context
        .par_iter_mut()
        .chain(objects.par_iter_mut())
        .for_each(|c| {
            c.renumber(&renumber);
            c.origin = dense(c.origin);
        });
    let mut origins = vec![String::new(); g.origins.len()];
    for (id, name) in std::mem::take(&mut g.origins) {
        if let Some(slot) = origins.get_mut(dense(id) as usize) {
            *slot = name;
        }
    }
    let pending = match session {
        Some(session) => {
            let mut unit_of_origin = vec![None; origins.len()];
            let fresh = g.tracked.origins.iter().map(|&(id, unit)| (id, unit, true));
            let kept = g
                .tracked
                .kept_origins
                .iter()
                .map(|&(id, unit)| (id, unit, false));
            for (id, unit, fresh) in fresh.chain(kept) {
                if let Some(slot) = unit_of_origin.get_mut(dense(id) as usize) {
                    *slot = Some((unit, fresh));
                }
            }
            let kept = state::Kept {
                strings: &strings,
                origins: &origins,
                unit_of_origin: &unit_of_origin,
                events: &events,
                part_events: &part_events,
                lifecycle: &g.lifecycle,
                context: &context,
                objects: &objects,
            };
            Some(session.write(&kept, &g.tracked, whole))
        }
        None => None,
    };
    context.extend(
        objects
            .into_iter()
            .filter(|c| is_named(c.bucket, c.key_hash)),
    );
    let parts = parts.finish(&renumber, &strings);
    // Buckets whose uploads can be followed: a successful multipart request names them.
    for bucket in events
        .iter()
        .filter(|e| e.succeeded())
        .map(|e| e.bucket)
        .chain(parts.keys().map(|(bucket, _)| *bucket))
    {
        g.counts
            .buckets
            .saw(strings.provider(bucket), &strings[bucket], BucketSeen::DATA);
    }
    // A bucket named only by failed requests is named all the same.
    for bucket in events.iter().filter(|e| !e.succeeded()).map(|e| e.bucket) {
        g.counts.buckets.saw(
            strings.provider(bucket),
            &strings[bucket],
            BucketSeen::MANAGEMENT,
        );
    }

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
    let s = &mut g.counts.summary;
    for (kept, other) in conflicts.iter().chain(&lifecycle_conflicts) {
        s.problems.push(Problem {
            origin: origins[*other as usize].clone(),
            error: format!("holds a different record with the same eventID as {}; the copy that sorts first was kept", origins[*kept as usize]),
        });
    }
    s.conflicting_duplicates = (conflicts.len() + lifecycle_conflicts.len()) as u64;
    let ingested = Ingested {
        events,
        parts,
        part_events,
        lifecycle,
        context,
        origins,
        strings,
        buckets: g.counts.buckets,
        inputs: g.counts.summary,
    };
    (ingested, pending)
}

/// The objects that multipart requests name, as hashes of bucket and key ([`key_hash`] of their
/// text, which `hash` gives for a symbol): the key each request writes, and the object a part
/// copy reads.
fn named_objects(
    events: &[Event],
    hash: impl Fn(crate::strings::Sym) -> u64,
) -> HashSet<(u64, u64)> {
    let mut named = HashSet::new();
    for e in events {
        if let Some(key) = e.key {
            named.insert((hash(e.bucket), hash(key)));
        }
        if let Some((bucket, key)) = e.extra().copy_source.as_deref().and_then(copy_source) {
            named.insert((key_hash(&bucket), key_hash(&key)));
        }
    }
    named
}
