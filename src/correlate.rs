//! Stage 4: one timeline per upload, keyed by bucket and upload ID.
//!
//! Bucket, key and upload ID are compared exactly as logged, because S3 compares them that way.
//! Successful part uploads arrive already folded into a summary per upload (see
//! [`crate::ingest::parts`]); everything else is an event on the timeline.
//!
//! A CreateMultipartUpload record that carries no upload ID (CloudTrail does not document where,
//! or whether, it logs the new ID) is paired with the uploads it most likely started: for an
//! upload whose creation is not in the logs, the latest earlier creation of the same bucket and
//! key. Such pairings are marked as inferred.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ingest::parts::{PartSummary, Summaries};
use crate::model::{Event, Op, Sighting, Time};
use crate::strings::Sym;

/// How an upload's creation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Creation {
    /// Index of the CreateMultipartUpload event.
    pub event: usize,
    /// The creation record carries no upload ID; it was paired by bucket, key and time.
    pub inferred: bool,
}

/// Everything the logs say about one upload.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The bucket.
    pub bucket: Sym,
    /// The upload ID.
    pub upload_id: Sym,
    /// The key the upload belongs to: the creation's, else that of its earliest successful
    /// request; `None` when only failed requests name this ID.
    pub key: Option<Sym>,
    /// The request that shows the key (the creation, or the earliest successful request).
    pub key_seen: Option<Sighting>,
    /// The creation, if found.
    pub creation: Option<Creation>,
    /// Indices of every event naming this bucket and upload ID, in timeline order (successful
    /// part uploads aside).
    pub events: Vec<usize>,
    /// Its successful part uploads.
    pub parts: PartSummary,
}

impl Upload {
    /// The events of this upload that succeeded.
    pub fn successes<'s, 'e: 's>(
        &'s self,
        events: &'e [Event],
    ) -> impl Iterator<Item = (usize, &'e Event)> + 's {
        self.events
            .iter()
            .map(|&i| (i, &events[i]))
            .filter(|(_, e)| e.succeeded())
    }

    /// Whether any request of this upload succeeded: then S3 knew the upload.
    pub fn existed(&self, events: &[Event]) -> bool {
        self.parts.first.is_some() || self.successes(events).next().is_some()
    }

    /// The first successful completion or abort at or before `t` (any time if `None`).
    pub fn termination(&self, events: &[Event], t: Option<Time>) -> Option<usize> {
        self.successes(events)
            .find(|(_, e)| e.op.terminates() && t.is_none_or(|t| e.time <= t))
            .map(|(i, _)| i)
    }

    /// When the upload began: the creation time, else the first request seen (an upper bound).
    pub fn initiated(&self, events: &[Event]) -> Option<(Time, bool)> {
        if let Some(c) = self.creation {
            return Some((events[c.event].time, true));
        }
        let first_event = self.events.first().map(|&i| events[i].time);
        first_event
            .into_iter()
            .chain(self.parts.first_part)
            .min()
            .map(|t| (t, false))
    }

    /// The latest successful request: when, and which operation.
    pub fn last_success(&self, events: &[Event]) -> Option<(Time, Op)> {
        let last_event = self.successes(events).map(|(_, e)| (e.time, e.op)).last();
        last_event.max(self.parts.last_part)
    }
}

/// All uploads of a run, and how to find them.
#[derive(Debug, Default)]
pub struct Timelines {
    /// Uploads, sorted by bucket and upload ID.
    pub uploads: Vec<Upload>,
    /// Indices of `uploads` in upload-ID order (a sorted list costs a word per upload, where a
    /// map of lists costs a table slot and an allocation).
    by_id: Vec<usize>,
    /// Indices of creations that carry no upload ID and could not be paired with any upload.
    pub unpaired_creations: Vec<usize>,
    /// Lifecycle aborts that name no upload ID (access logs show the key only), by bucket and
    /// key, in time order.
    lifecycle_aborts: HashMap<(Sym, Sym), Vec<usize>>,
    /// Indices of the uploads whose key is known, in bucket and key order.
    by_object: Vec<usize>,
    /// The unpaired creations by bucket and key, in time order.
    unpaired_by_object: HashMap<(Sym, Sym), Vec<usize>>,
}

impl Timelines {
    /// The upload with this bucket and ID.
    pub fn get(&self, bucket: Sym, upload_id: Sym) -> Option<&Upload> {
        self.position(bucket, upload_id).map(|i| &self.uploads[i])
    }

    /// Where the upload with this bucket and ID is in `uploads`.
    pub fn position(&self, bucket: Sym, upload_id: Sym) -> Option<usize> {
        self.uploads
            .binary_search_by(|u| (u.bucket, u.upload_id).cmp(&(bucket, upload_id)))
            .ok()
    }

    /// Every upload with this ID, in any bucket.
    pub fn with_id(&self, upload_id: Sym) -> impl Iterator<Item = &Upload> {
        self.run_of(&self.by_id, move |u| {
            Some(u.upload_id).cmp(&Some(upload_id))
        })
    }

    /// The uploads of `index` for which `order` is `Equal` (`index` is sorted by it).
    fn run_of<'s>(
        &'s self,
        index: &'s [usize],
        order: impl Fn(&Upload) -> std::cmp::Ordering + 's,
    ) -> impl Iterator<Item = &'s Upload> + 's {
        let start = index.partition_point(|&i| order(&self.uploads[i]).is_lt());
        index[start..]
            .iter()
            .map(|&i| &self.uploads[i])
            .take_while(move |u| order(u).is_eq())
    }

    /// The lifecycle aborts of this bucket and key that name no upload ID, in time order.
    pub fn lifecycle_aborts(&self, bucket: Sym, key: Sym) -> &[usize] {
        self.lifecycle_aborts
            .get(&(bucket, key))
            .map_or(&[], Vec::as_slice)
    }

    /// The creations of this bucket and key that carry no upload ID and were paired with no
    /// upload, in time order.
    pub fn creations_without_id(&self, bucket: Sym, key: Sym) -> &[usize] {
        self.unpaired_by_object
            .get(&(bucket, key))
            .map_or(&[], Vec::as_slice)
    }

    /// Every upload of this bucket and key.
    pub fn of_object(&self, bucket: Sym, key: Sym) -> impl Iterator<Item = &Upload> {
        self.run_of(&self.by_object, move |u| {
            (u.bucket, u.key).cmp(&(bucket, Some(key)))
        })
    }
}

/// Builds the timelines. `events` must be in timeline order (as `ingest` delivers them).
pub fn correlate(events: &[Event], mut parts: Summaries) -> Timelines {
    // Symbols are in string order, so this map orders uploads by bucket, then upload ID.
    let mut groups: BTreeMap<(Sym, Sym), Vec<usize>> = BTreeMap::new();
    // Creations without an upload ID, by bucket and key, in time order.
    let mut anonymous: HashMap<(Sym, Sym), Vec<usize>> = HashMap::new();
    let mut lifecycle_aborts: HashMap<(Sym, Sym), Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        match (&e.upload_id, e.op, e.key) {
            (_, Op::ListMultipartUploads, _) => {}
            (Some(id), ..) => groups.entry((e.bucket, *id)).or_default().push(i),
            (None, Op::CreateMultipartUpload, Some(key)) if e.succeeded() => {
                anonymous.entry((e.bucket, key)).or_default().push(i);
            }
            (None, Op::LifecycleAbort, Some(key)) if e.succeeded() => {
                lifecycle_aborts.entry((e.bucket, key)).or_default().push(i);
            }
            (None, ..) => {}
        }
    }
    // Uploads known only from their parts.
    let only_parts: BTreeSet<(Sym, Sym)> = parts
        .keys()
        .filter(|k| !groups.contains_key(k))
        .copied()
        .collect();
    for key in only_parts {
        groups.insert(key, Vec::new());
    }

    let mut paired = vec![false; events.len()];
    let mut uploads = Vec::with_capacity(groups.len());
    for ((bucket, id), members) in groups {
        let parts = parts.remove(&(bucket, id)).unwrap_or_default();
        let explicit = members
            .iter()
            .copied()
            .find(|&i| events[i].op == Op::CreateMultipartUpload && events[i].succeeded());
        let key_seen = match explicit {
            Some(i) => Some(Sighting::of(&events[i])),
            None => members
                .iter()
                .map(|&i| &events[i])
                .find(|e| e.succeeded() && e.key.is_some())
                .map(Sighting::of)
                .into_iter()
                .chain(parts.first.filter(|s| s.key.is_some()))
                .min_by_key(|s| s.time),
        };
        let key = key_seen.and_then(|s| s.key);
        let first_seen = members
            .first()
            .map(|&i| events[i].time)
            .into_iter()
            .chain(parts.first_part)
            .min();
        let creation = match explicit {
            Some(event) => Some(Creation {
                event,
                inferred: false,
            }),
            None => key.zip(first_seen).and_then(|(key, first)| {
                let candidates = anonymous.get(&(bucket, key))?;
                // The latest creation at or before the first request of the upload.
                let at = candidates.partition_point(|&c| events[c].time <= first);
                let event = *candidates.get(at.checked_sub(1)?)?;
                paired[event] = true;
                Some(Creation {
                    event,
                    inferred: true,
                })
            }),
        };
        uploads.push(Upload {
            bucket,
            upload_id: id,
            key,
            key_seen,
            creation,
            events: members,
            parts,
        });
    }

    // Every summary has moved into its upload.
    drop(parts);
    let mut by_id: Vec<usize> = (0..uploads.len()).collect();
    by_id.sort_by_key(|&i| (uploads[i].upload_id, i));
    let mut by_object: Vec<usize> = (0..uploads.len())
        .filter(|&i| uploads[i].key.is_some())
        .collect();
    by_object.sort_by_key(|&i| (uploads[i].bucket, uploads[i].key, i));
    let mut unpaired_by_object = anonymous;
    for creations in unpaired_by_object.values_mut() {
        creations.retain(|&i| !paired[i]);
    }
    unpaired_by_object.retain(|_, creations| !creations.is_empty());
    let mut unpaired_creations: Vec<usize> =
        unpaired_by_object.values().flatten().copied().collect();
    unpaired_creations.sort_unstable();
    Timelines {
        uploads,
        by_id,
        unpaired_creations,
        lifecycle_aborts,
        by_object,
        unpaired_by_object,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::parts;
    use crate::model::{Actor, Evidence, Provider};
    use crate::strings::{Interner, Strings};

    /// Hand-built events: times are minutes after 2026-11-02 10:00 UTC.
    #[derive(Default)]
    pub struct Scene {
        interner: Interner,
    }

    impl Scene {
        pub fn event(&self, at: i64, op: Op, bucket: &str, key: &str, id: Option<&str>) -> Event {
            let base = crate::decode::parse_time("2026-11-02T10:00:00Z").unwrap();
            Event {
                time: base + chrono::Duration::minutes(at),
                op,
                bucket: self.interner.sym(bucket),
                key: Some(self.interner.sym(key)),
                upload_id: id.map(|id| self.interner.sym(id)),
                part_number: None,
                bytes: None,
                actor: self.actor("arn:aws:iam::111122223333:user/uploader").actor,
                source_ip: None,
                user_agent: None,
                error: None,
                request_id: None,
                event_id: Some(
                    self.interner
                        .id(&format!("e-{at}-{op:?}-{}", id.unwrap_or("none"))),
                ),
                region: None,
                account: None,
                extra: None,
                origin: 0,
                evidence: Evidence::Cloudtrail,
                also_in: None,
                provider: Provider::Aws,
            }
        }

        pub fn part(&self, at: i64, id: &str, n: u32, bytes: u64) -> Event {
            Event {
                part_number: Some(n),
                bytes: Some(bytes),
                ..self.event(at, Op::UploadPart, "b", "k", Some(id))
            }
        }

        /// The symbol of a string.
        pub fn sym(&self, s: &str) -> crate::strings::Sym {
            self.interner.sym(s)
        }

        /// An event whose only interesting field is this actor (`key` tells actors apart).
        pub fn actor_of(&self, key: &str, actor: Actor) -> Event {
            Event {
                actor: self.interner.actor(key.as_bytes(), || actor),
                ..self.blank()
            }
        }

        /// An event whose only interesting field is an actor with this ARN.
        pub fn actor(&self, arn: &str) -> Event {
            let actor = self.interner.actor(arn.as_bytes(), || Actor {
                arn: Some(arn.to_owned()),
                ..Actor::default()
            });
            Event {
                actor,
                ..self.blank()
            }
        }

        fn blank(&self) -> Event {
            Event {
                time: chrono::DateTime::UNIX_EPOCH,
                op: Op::ListParts,
                bucket: self.interner.sym(""),
                key: None,
                upload_id: None,
                part_number: None,
                bytes: None,
                actor: self.interner.actor(b"", Actor::default),
                source_ip: None,
                user_agent: None,
                error: None,
                request_id: None,
                event_id: None,
                region: None,
                account: None,
                extra: None,
                origin: 0,
                evidence: Evidence::Cloudtrail,
                also_in: None,
                provider: Provider::Aws,
            }
        }

        /// [`Scene::finish`], with context records too (in time order).
        pub fn finish_with(
            self,
            events: Vec<Event>,
            mut context: Vec<crate::model::ContextEvent>,
        ) -> (
            Vec<Event>,
            Summaries,
            Strings,
            Vec<crate::model::ContextEvent>,
        ) {
            // Interned before the table is frozen: renumbered with it.
            let (events, parts, strings, renumber) = self.freeze(events);
            for c in &mut context {
                c.renumber(&renumber);
            }
            context.sort_by_key(|c| c.time);
            (events, parts, strings, context)
        }

        /// Folds successful parts as `ingest` does, freezes the strings and puts the events in
        /// timeline order.
        pub fn finish(self, events: Vec<Event>) -> (Vec<Event>, Summaries, Strings) {
            let (events, parts, strings, _) = self.freeze(events);
            (events, parts, strings)
        }

        fn freeze(
            self,
            events: Vec<Event>,
        ) -> (Vec<Event>, Summaries, Strings, crate::strings::Renumber) {
            let gathered = parts::Shared::default();
            let mut kept = Vec::new();
            for e in events {
                match e.upload_id.filter(|_| parts::folds(&e)) {
                    Some(id) => gathered.add((e.bucket, id), &e),
                    None => kept.push(e),
                }
            }
            let (strings, renumber) = self.interner.freeze();
            for e in &mut kept {
                e.renumber(&renumber);
            }
            kept.sort_by(|a, b| crate::ingest::compare_events(a, b, &[]));
            let parts = gathered.finish(&renumber, &strings);
            (kept, parts, strings, renumber)
        }
    }

    fn find(strings: &Strings, t: &Timelines, bucket: &str, id: &str) -> Upload {
        t.uploads
            .iter()
            .find(|u| &strings[u.bucket] == bucket && &strings[u.upload_id] == id)
            .cloned()
            .unwrap()
    }

    #[test]
    fn groups_by_bucket_and_id_and_folds_parts() {
        let s = Scene::default();
        let events = vec![
            s.event(0, Op::CreateMultipartUpload, "b", "k", Some("u1")),
            s.part(1, "u1", 1, 100),
            s.part(2, "u1", 2, 50),
            s.part(3, "u1", 2, 70), // a retried part replaces the earlier one
            s.event(4, Op::UploadPart, "other", "k", Some("u1")),
        ];
        let (events, parts, strings) = s.finish(events);
        let t = correlate(&events, parts);
        assert_eq!(
            t.uploads.len(),
            2,
            "the part sent to another bucket is another upload"
        );
        let u = find(&strings, &t, "b", "u1");
        assert_eq!(
            u.creation,
            Some(Creation {
                event: 0,
                inferred: false
            })
        );
        assert_eq!(u.events, [0], "parts are folded, not kept");
        assert_eq!((u.parts.parts, u.parts.bytes), (2, 170));
        assert_eq!(
            u.last_success(&events).map(|(_, op)| op),
            Some(Op::UploadPart)
        );
        assert_eq!(t.with_id(u.upload_id).count(), 2);
    }

    #[test]
    fn pairs_a_creation_without_id_with_the_latest_earlier_one() {
        let s = Scene::default();
        let events = vec![
            s.event(0, Op::CreateMultipartUpload, "b", "k", None),
            s.event(5, Op::CreateMultipartUpload, "b", "k", None),
            s.part(6, "u2", 1, 10),
            s.event(7, Op::CreateMultipartUpload, "b", "k", None),
            s.event(8, Op::CreateMultipartUpload, "b", "other", None),
        ];
        let (events, parts, strings) = s.finish(events);
        let t = correlate(&events, parts);
        let u = find(&strings, &t, "b", "u2");
        assert_eq!(
            u.creation,
            Some(Creation {
                event: 1,
                inferred: true
            })
        );
        assert!(u.initiated(&events).unwrap().1);
        assert_eq!(t.unpaired_creations, [0, 2, 3]);
    }

    #[test]
    fn the_key_comes_from_successes_only() {
        let s = Scene::default();
        let mut wrong = s.event(1, Op::UploadPart, "b", "K", Some("u"));
        wrong.error = Some(crate::model::ErrorCode::NoSuchUpload);
        let events = vec![wrong, s.part(2, "u", 1, 1)];
        let (events, parts, strings) = s.finish(events);
        let u = correlate(&events, parts).uploads.remove(0);
        assert_eq!(strings.opt(u.key), Some("k"));
        assert_eq!(u.key_seen.map(|k| k.op), Some(Op::UploadPart));
        assert_eq!(u.initiated(&events).unwrap(), (events[0].time, false));
    }
}
