//! Stage 4: one timeline per upload, keyed by bucket and upload ID.
//!
//! Bucket, key and upload ID are compared exactly as logged, because S3 compares them that way.
//! A CreateMultipartUpload record that carries no upload ID (CloudTrail does not document where,
//! or whether, it logs the new ID) is paired with the uploads it most likely started: for an
//! upload whose creation is not in the logs, the latest earlier creation of the same bucket and
//! key. Such pairings are marked as inferred.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Event, Op, Time};

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
    pub bucket: String,
    /// The upload ID.
    pub upload_id: String,
    /// The key the upload belongs to: the creation's, else that of its earliest successful
    /// request; `None` when only failed requests name this ID.
    pub key: Option<String>,
    /// The event that shows the key (the creation, or the earliest successful request).
    pub key_event: Option<usize>,
    /// The creation, if found.
    pub creation: Option<Creation>,
    /// Indices of every event naming this bucket and upload ID, in timeline order.
    pub events: Vec<usize>,
}

/// Summary figures of one upload, derived from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Distinct part numbers uploaded successfully.
    pub parts: u64,
    /// Bytes of those parts (the last successful upload of each part number).
    pub bytes: u64,
    /// Time of the first successful part.
    pub first_part: Option<Time>,
    /// Time of the last successful part.
    pub last_part: Option<Time>,
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
        self.successes(events).next().is_some()
    }

    /// The first successful completion or abort at or before `t` (any time if `None`).
    pub fn termination(&self, events: &[Event], t: Option<Time>) -> Option<usize> {
        self.successes(events)
            .find(|(_, e)| e.op.terminates() && t.is_none_or(|t| e.time <= t))
            .map(|(i, _)| i)
    }

    /// When the upload began: the creation time, else the first event seen (an upper bound).
    pub fn initiated(&self, events: &[Event]) -> Option<(Time, bool)> {
        if let Some(c) = self.creation {
            return Some((events[c.event].time, true));
        }
        self.events.first().map(|&i| (events[i].time, false))
    }

    /// Parts and bytes uploaded successfully.
    pub fn progress(&self, events: &[Event]) -> Progress {
        let mut parts: BTreeMap<u32, u64> = BTreeMap::new();
        let mut out = Progress::default();
        for (_, e) in self.successes(events) {
            if !matches!(e.op, Op::UploadPart | Op::UploadPartCopy) {
                continue;
            }
            out.first_part.get_or_insert(e.time);
            out.last_part = Some(e.time);
            parts.insert(e.part_number.unwrap_or(0), e.bytes.unwrap_or(0));
        }
        out.parts = parts.len() as u64;
        out.bytes = parts.values().sum();
        out
    }
}

/// All uploads of a run, and how to find them.
#[derive(Debug, Default)]
pub struct Timelines {
    /// Uploads, sorted by bucket and upload ID.
    pub uploads: Vec<Upload>,
    by_key: HashMap<(String, String), usize>,
    by_id: HashMap<String, Vec<usize>>,
    /// Indices of creations that carry no upload ID and could not be paired with any upload.
    pub unpaired_creations: Vec<usize>,
}

impl Timelines {
    /// The upload with this bucket and ID.
    pub fn get(&self, bucket: &str, upload_id: &str) -> Option<&Upload> {
        self.by_key
            .get(&(bucket.to_owned(), upload_id.to_owned()))
            .map(|&i| &self.uploads[i])
    }

    /// Every upload with this ID, in any bucket.
    pub fn with_id(&self, upload_id: &str) -> impl Iterator<Item = &Upload> {
        self.by_id
            .get(upload_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.uploads[i])
    }
}

/// Builds the timelines. `events` must be in timeline order (as `ingest` delivers them).
pub fn correlate(events: &[Event]) -> Timelines {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    // Creations without an upload ID, by bucket and key, in time order.
    let mut anonymous: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        match (&e.upload_id, e.op) {
            (_, Op::ListMultipartUploads) => {}
            (Some(id), _) => groups.entry((&e.bucket, id)).or_default().push(i),
            (None, Op::CreateMultipartUpload) if e.succeeded() => {
                if let Some(key) = &e.key {
                    anonymous.entry((&e.bucket, key)).or_default().push(i);
                }
            }
            (None, _) => {}
        }
    }

    let mut paired = vec![false; events.len()];
    let mut uploads = Vec::with_capacity(groups.len());
    for ((bucket, id), members) in groups {
        let explicit = members
            .iter()
            .copied()
            .find(|&i| events[i].op == Op::CreateMultipartUpload && events[i].succeeded());
        let (key_event, key) = match explicit {
            Some(i) => (Some(i), events[i].key.clone()),
            None => members
                .iter()
                .copied()
                .find(|&i| events[i].succeeded() && events[i].key.is_some())
                .map_or((None, None), |i| (Some(i), events[i].key.clone())),
        };
        let creation = match explicit {
            Some(event) => Some(Creation {
                event,
                inferred: false,
            }),
            None => key.as_deref().and_then(|key| {
                let first = events[members[0]].time;
                let candidates = anonymous.get(&(bucket, key))?;
                // The latest creation at or before the first event of the upload.
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
            bucket: bucket.to_owned(),
            upload_id: id.to_owned(),
            key,
            key_event,
            creation,
            events: members,
        });
    }

    let mut by_key = HashMap::with_capacity(uploads.len());
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, u) in uploads.iter().enumerate() {
        by_key.insert((u.bucket.clone(), u.upload_id.clone()), i);
        by_id.entry(u.upload_id.clone()).or_default().push(i);
    }
    let mut unpaired_creations: Vec<usize> = anonymous
        .into_values()
        .flatten()
        .filter(|&i| !paired[i])
        .collect();
    unpaired_creations.sort_unstable();
    Timelines {
        uploads,
        by_key,
        by_id,
        unpaired_creations,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Actor, Evidence};

    /// A hand-built event: `at` is minutes after 2026-11-02 10:00 UTC.
    pub fn event(at: i64, op: Op, bucket: &str, key: &str, id: Option<&str>) -> Event {
        let base = crate::decode::parse_time("2026-11-02T10:00:00Z").unwrap();
        Event {
            time: base + chrono::Duration::minutes(at),
            op,
            bucket: bucket.to_owned(),
            key: Some(key.to_owned()),
            upload_id: id.map(str::to_owned),
            part_number: None,
            bytes: None,
            actor: Actor {
                arn: Some("arn:aws:iam::111122223333:user/uploader".to_owned()),
                ..Actor::default()
            },
            source_ip: None,
            user_agent: None,
            error_code: None,
            request_id: None,
            event_id: Some(format!("e-{at}-{op:?}-{}", id.unwrap_or("none"))),
            region: None,
            account: None,
            abort_hint: None,
            origin: 0,
            evidence: Evidence::Cloudtrail,
        }
    }

    pub fn part(at: i64, id: &str, n: u32, bytes: u64) -> Event {
        Event {
            part_number: Some(n),
            bytes: Some(bytes),
            ..event(at, Op::UploadPart, "b", "k", Some(id))
        }
    }

    #[test]
    fn groups_by_bucket_and_id_and_counts_parts() {
        let events = vec![
            event(0, Op::CreateMultipartUpload, "b", "k", Some("u1")),
            part(1, "u1", 1, 100),
            part(2, "u1", 2, 50),
            part(3, "u1", 2, 70), // a retried part replaces the earlier one
            event(4, Op::UploadPart, "other", "k", Some("u1")),
        ];
        let t = correlate(&events);
        assert_eq!(t.uploads.len(), 2);
        let u = t.get("b", "u1").unwrap();
        assert_eq!(
            u.creation,
            Some(Creation {
                event: 0,
                inferred: false
            })
        );
        assert_eq!(u.events, [0, 1, 2, 3]);
        let p = u.progress(&events);
        assert_eq!((p.parts, p.bytes), (2, 170));
        assert_eq!(t.with_id("u1").count(), 2);
    }

    #[test]
    fn pairs_a_creation_without_id_with_the_latest_earlier_one() {
        let events = vec![
            event(0, Op::CreateMultipartUpload, "b", "k", None),
            event(5, Op::CreateMultipartUpload, "b", "k", None),
            part(6, "u2", 1, 10),
            event(7, Op::CreateMultipartUpload, "b", "k", None),
            event(8, Op::CreateMultipartUpload, "b", "other", None),
        ];
        let t = correlate(&events);
        let u = t.get("b", "u2").unwrap();
        assert_eq!(
            u.creation,
            Some(Creation {
                event: 1,
                inferred: true
            })
        );
        assert!(u.initiated(&events).unwrap().1);
        assert_eq!(t.unpaired_creations, [0, 3, 4]);
    }

    #[test]
    fn the_key_comes_from_successes_only() {
        let mut wrong = event(1, Op::UploadPart, "b", "K", Some("u"));
        wrong.error_code = Some("NoSuchUpload".to_owned());
        let events = vec![wrong, part(2, "u", 1, 1)];
        let u = correlate(&events).uploads.remove(0);
        assert_eq!((u.key.as_deref(), u.key_event), (Some("k"), Some(1)));
        assert_eq!(u.initiated(&events).unwrap(), (events[0].time, false));
    }
}
