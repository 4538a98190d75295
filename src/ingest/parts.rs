//! Successful part uploads, folded into one summary per upload.
//!
//! An upload can have 10,000 parts, and a trail millions of them; attribution needs none of them
//! as full events. What it needs is, per part number, each successful upload of it (when, how
//! big, by whom: a retried part replaces the earlier one, a part under 5 MiB fails the
//! completion), when parts started and stopped arriving (the upload was alive then), and one part
//! request that shows the upload's key when its creation is not in the logs. A part is kept as a
//! compact [`PartUpload`] instead of an [`Event`], so memory grows with the parts, a few per cent
//! of the records, not with the records.
//!
//! Folding is insensitive to duplicates and to the order files are read in: the same request in
//! two logs (same request ID) counts once, and the witnesses are chosen once strings are frozen.
//! All decoding threads fold into one map ([`Shared`]), so memory holds each upload once.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use crate::model::{Event, Evidence, Op, Sighting, Time};
use crate::strings::{ActorId, Id, Renumber, Strings, Sym};

/// One successful UploadPart or UploadPartCopy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartUpload {
    /// Its part number (0 when the log named none).
    pub number: u32,
    /// When.
    pub time: Time,
    /// Its size, when a log says it: `bytesTransferredIn` or an access log's object size for
    /// UploadPart; the `x-amz-copy-source-range` for UploadPartCopy (CloudTrail logs 0 bytes).
    pub bytes: Option<u64>,
    /// UploadPart or UploadPartCopy.
    pub op: Op,
    /// Who sent it.
    pub actor: ActorId,
    /// Its `eventID`.
    pub event_id: Option<Id>,
    /// Its request ID.
    pub request_id: Option<Id>,
    /// Which log showed it.
    pub evidence: Evidence,
}

impl PartUpload {
    /// The part request `e` (a successful UploadPart or UploadPartCopy).
    pub fn of(e: &Event) -> PartUpload {
        let bytes = match e.op {
            Op::UploadPartCopy => e.extra().copy_range.map(|(a, b)| b.saturating_sub(a) + 1),
            _ => e.bytes,
        };
        PartUpload {
            number: e.part_number.unwrap_or(0),
            time: e.time,
            bytes,
            op: e.op,
            actor: e.actor,
            event_id: e.event_id,
            request_id: e.request_id,
            evidence: e.evidence,
        }
    }

    fn renumbered(self, r: &Renumber) -> PartUpload {
        PartUpload {
            actor: r.actor(self.actor),
            event_id: self.event_id.map(|id| r.id(id)),
            request_id: self.request_id.map(|id| r.id(id)),
            ..self
        }
    }
}

/// What is gathered for one upload while decoding.
#[derive(Debug, Default)]
pub struct Gather {
    /// Every successful part request.
    uploads: Vec<PartUpload>,
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
        self.uploads.push(PartUpload::of(e));
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
    pub fn finish(self, renumber: &Renumber, strings: &Strings) -> PartSummary {
        let mut history: Vec<PartUpload> = self
            .uploads
            .into_iter()
            .map(|u| u.renumbered(renumber))
            .collect();
        // The same request in two logs (the same request ID) once: CloudTrail's copy, with the
        // size whichever copy has.
        let order = |a: &PartUpload, b: &PartUpload| {
            (a.number, a.time, a.evidence, a.actor, a.bytes)
                .cmp(&(b.number, b.time, b.evidence, b.actor, b.bytes))
                .then_with(|| compare_ids(strings, a.event_id, b.event_id))
                .then_with(|| compare_ids(strings, a.request_id, b.request_id))
        };
        history.sort_unstable_by(|a, b| {
            (a.request_id.is_none(), a.request_id)
                .cmp(&(b.request_id.is_none(), b.request_id))
                .then_with(|| order(a, b))
        });
        history.dedup_by(|later, kept| {
            let same = kept.request_id.is_some() && later.request_id == kept.request_id;
            if same && kept.bytes.is_none() {
                kept.bytes = later.bytes;
            }
            same
        });
        // By part number, then time.
        history.sort_unstable_by(order);
        // The latest upload of each part number counts (a retried part replaces the earlier one).
        let mut parts = 0;
        let mut bytes = 0;
        for (i, u) in history.iter().enumerate() {
            if history
                .get(i + 1)
                .is_none_or(|next| next.number != u.number)
            {
                parts += 1;
                bytes += u.bytes.unwrap_or(0);
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
            history,
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
    /// Every successful part request, by part number then time, each request once.
    pub history: Vec<PartUpload>,
}

impl PartSummary {
    /// The successful uploads of part `number`, in time order.
    pub fn of_number(&self, number: u32) -> &[PartUpload] {
        let start = self.history.partition_point(|u| u.number < number);
        let end = self.history.partition_point(|u| u.number <= number);
        &self.history[start..end]
    }
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
