//! Successful part uploads, folded into one summary per upload.
//!
//! An upload can have 10,000 parts, and a trail millions of them; attribution needs none of them
//! one by one. What it needs is which part numbers arrived (and their size, for the bill), when
//! parts started and stopped arriving (the upload was alive then), and one part request that
//! shows the upload's key when its creation is not in the logs. Folding keeps memory
//! proportional to the number of uploads rather than the number of records.
//!
//! Folding is insensitive to duplicates and to the order files are read in: each part number
//! keeps its latest upload, and the witnesses are chosen once strings are frozen. All decoding
//! threads fold into one map ([`Shared`]), so memory holds each upload once.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use crate::model::{Event, Op, Sighting, Time};
use crate::strings::{Id, Renumber, Strings, Sym};

/// What is gathered for one upload while decoding.
#[derive(Debug, Default)]
pub struct Gather {
    /// (part number, seconds since the epoch, bytes) of every successful part request.
    numbers: Vec<(u32, i64, u64)>,
    /// A part request of the earliest second, and any others of that same second (rare: they
    /// are sorted out once strings are frozen, so that the choice never depends on file order).
    first: Option<Sighting>,
    first_ties: Vec<Sighting>,
    /// The latest successful part request: its time and operation.
    last: Option<(Time, Op)>,
}

impl Gather {
    /// Takes in one successful UploadPart or UploadPartCopy.
    pub fn add(&mut self, e: &Event) {
        self.numbers.push((
            e.part_number.unwrap_or(0),
            e.time.timestamp(),
            e.bytes.unwrap_or(0),
        ));
        self.see(Sighting::of(e));
        self.last = self.last.max(Some((e.time, e.op)));
    }

    fn see(&mut self, seen: Sighting) {
        match self.first.map(|f| f.time) {
            Some(t) if t < seen.time => {}
            Some(t) if t == seen.time => self.first_ties.push(seen),
            _ => {
                self.first = Some(seen);
                self.first_ties.clear();
            }
        }
    }

    /// The summary, in the symbols of the frozen string table.
    pub fn finish(mut self, renumber: &Renumber, strings: &Strings) -> PartSummary {
        // The latest upload of each part number counts (a retried part replaces the earlier one).
        self.numbers.sort_unstable();
        let mut parts = 0;
        let mut bytes = 0;
        for (i, &(number, _, size)) in self.numbers.iter().enumerate() {
            if self.numbers.get(i + 1).is_none_or(|next| next.0 != number) {
                parts += 1;
                bytes += size;
            }
        }
        let mut first: Vec<Sighting> = self
            .first
            .into_iter()
            .chain(self.first_ties)
            .map(|s| s.renumbered(renumber))
            .collect();
        first.sort_by(|a, b| {
            a.key
                .cmp(&b.key)
                .then_with(|| compare_ids(strings, a.event_id, b.event_id))
                .then_with(|| compare_ids(strings, a.request_id, b.request_id))
                .then_with(|| a.evidence.cmp(&b.evidence))
        });
        let first = first.into_iter().next();
        PartSummary {
            parts,
            bytes,
            first_part: first.as_ref().map(|s| s.time),
            last_part: self.last,
            first,
        }
    }
}

fn compare_ids(strings: &Strings, a: Option<Id>, b: Option<Id>) -> std::cmp::Ordering {
    let text = |id: Option<Id>| id.map(|id| strings.id(id).to_string());
    text(a).cmp(&text(b))
}

/// What the logs say about an upload's successful part requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartSummary {
    /// Distinct part numbers uploaded.
    pub parts: u64,
    /// Bytes of those parts (the latest upload of each part number).
    pub bytes: u64,
    /// When the first part arrived.
    pub first_part: Option<Time>,
    /// When the last part arrived, and by which operation.
    pub last_part: Option<(Time, Op)>,
    /// The earliest part request: it shows the upload's key.
    pub first: Option<Sighting>,
}

/// Gathered summaries, by bucket and upload ID (provisional symbols while decoding).
pub type Gathered = HashMap<(Sym, Sym), Gather>;

/// Final summaries, by bucket and upload ID.
pub type Summaries = HashMap<(Sym, Sym), PartSummary>;

/// Shards of [`Shared`]: enough that two threads rarely wait for each other.
const SHARDS: usize = 16;

/// Summaries gathered by every decoding thread into one map, in shards by bucket and upload ID.
pub struct Shared {
    shards: Vec<Mutex<Gathered>>,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Shared {
    /// Takes in one successful part request of upload `key` (bucket, upload ID).
    pub fn add(&self, key: (Sym, Sym), e: &Event) {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let shard = (hasher.finish() % SHARDS as u64) as usize;
        if let Some(shard) = self.shards.get(shard) {
            // A panic while holding the lock would have stopped the run: the map is as it was.
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(key).or_default().add(e);
        }
    }

    /// Freezes every upload's summary into the final table, one shard at a time: each shard's
    /// map is freed before the next is read, so the gathered and the final forms of all uploads
    /// are never in memory together.
    pub fn finish(mut self, renumber: &Renumber, strings: &Strings) -> Summaries {
        let uploads = self
            .shards
            .iter_mut()
            .map(|shard| shard.get_mut().map_or(0, |map| map.len()))
            .sum();
        let mut all = Summaries::with_capacity(uploads);
        for shard in self.shards {
            let gathered = shard.into_inner().unwrap_or_else(PoisonError::into_inner);
            all.extend(gathered.into_iter().map(|((bucket, id), g)| {
                (
                    (renumber.sym(bucket), renumber.sym(id)),
                    g.finish(renumber, strings),
                )
            }));
        }
        all
    }
}

/// Whether an event is folded into its upload's summary instead of kept.
pub fn folds(e: &Event) -> bool {
    e.succeeded() && matches!(e.op, Op::UploadPart | Op::UploadPartCopy) && e.upload_id.is_some()
}
