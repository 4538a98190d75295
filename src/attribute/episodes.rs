//! Abort episodes: the successful aborts of one identity, grouped by time. A cleanup job, a Hadoop
//! S3A job commit or a janitor script lists the pending uploads of a bucket and aborts them one
//! after the other; an uploader that gives up aborts only its own. Telling them apart needs the
//! aborts of each identity together: an episode is a run of aborts in which each follows the one
//! before by at most 15 minutes, and an episode that removed 3 uploads or more is a sweep.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Duration;

use crate::model::{Event, Op, Time};
use crate::strings::{Identity, Strings, Sym};

/// The longest pause between two aborts of one episode, and how far before its first abort a
/// listing of the bucket's uploads counts as the one the episode worked from.
pub const GAP: Duration = Duration::minutes(15);

/// An episode that removed at least this many distinct uploads is a sweep.
pub const SWEEP: usize = 3;

/// A run of successful aborts by one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// The aborts, in timeline order (indices into the events).
    pub aborts: Vec<usize>,
    /// Distinct uploads (bucket and upload ID) they removed.
    pub uploads: usize,
    /// Distinct keys (bucket and key) among those uploads.
    pub keys: usize,
    /// The buckets, in name order.
    pub buckets: Vec<Sym>,
    /// The latest successful ListMultipartUploads by the same identity within [`GAP`] before the
    /// first abort: the listing the sweep worked from.
    pub listing: Option<usize>,
}

impl Episode {
    /// Whether it removed enough uploads to be a sweep.
    pub fn is_sweep(&self) -> bool {
        self.uploads >= SWEEP
    }

    /// The time of its first abort.
    pub fn first(&self, events: &[Event]) -> Time {
        self.aborts
            .first()
            .map_or(Time::MIN_UTC, |&i| events[i].time)
    }

    /// The time of its last abort.
    pub fn last(&self, events: &[Event]) -> Time {
        self.aborts
            .last()
            .map_or(Time::MIN_UTC, |&i| events[i].time)
    }
}

/// Every abort episode of a run.
#[derive(Debug, Default)]
pub struct Episodes {
    /// The episodes, by identity, then in time order.
    pub list: Vec<Episode>,
    /// The episode of each abort.
    of_abort: HashMap<usize, usize>,
}

impl Episodes {
    /// The episode a successful abort belongs to.
    pub fn of(&self, abort: usize) -> Option<usize> {
        self.of_abort.get(&abort).copied()
    }
}

/// Groups the successful aborts of `events` (in timeline order) into episodes.
pub fn episodes(events: &[Event], strings: &Strings) -> Episodes {
    let mut aborts: BTreeMap<Identity<'_>, Vec<usize>> = BTreeMap::new();
    let mut listings: BTreeMap<Identity<'_>, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate().filter(|(_, e)| e.succeeded()) {
        let by = match e.op {
            Op::AbortMultipartUpload => &mut aborts,
            Op::ListMultipartUploads => &mut listings,
            _ => continue,
        };
        by.entry(strings.identity(e.actor)).or_default().push(i);
    }
    let mut out = Episodes::default();
    for (who, aborts) in aborts {
        let listed = listings.get(&who).map_or(&[][..], Vec::as_slice);
        let mut start = 0;
        for end in 1..=aborts.len() {
            let split = aborts
                .get(end)
                .is_none_or(|&next| events[next].time - events[aborts[end - 1]].time > GAP);
            if split {
                let episode = episode(events, aborts[start..end].to_vec(), listed);
                for &a in &episode.aborts {
                    out.of_abort.insert(a, out.list.len());
                }
                out.list.push(episode);
                start = end;
            }
        }
    }
    out
}

fn episode(events: &[Event], aborts: Vec<usize>, listings: &[usize]) -> Episode {
    let uploads: BTreeSet<(Sym, Option<Sym>)> = aborts
        .iter()
        .map(|&i| (events[i].bucket, events[i].upload_id))
        .collect();
    let keys: BTreeSet<(Sym, Option<Sym>)> = aborts
        .iter()
        .map(|&i| (events[i].bucket, events[i].key))
        .collect();
    let buckets: BTreeSet<Sym> = aborts.iter().map(|&i| events[i].bucket).collect();
    let first = aborts.first().map(|&i| events[i].time);
    let listing = first.and_then(|first| {
        listings
            .iter()
            .copied()
            .rfind(|&l| (first - GAP..=first).contains(&events[l].time))
    });
    Episode {
        uploads: uploads.len(),
        keys: keys.len(),
        buckets: buckets.into_iter().collect(),
        listing,
        aborts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::tests::Scene;

    const CLEANER: &str = "arn:aws:sts::1:assumed-role/cleanup/run";

    fn abort(s: &Scene, at: i64, id: &str) -> Event {
        Event {
            actor: s.actor(CLEANER).actor,
            ..s.event(
                at,
                Op::AbortMultipartUpload,
                "b",
                &format!("k-{id}"),
                Some(id),
            )
        }
    }

    fn list(s: &Scene, at: i64) -> Event {
        Event {
            actor: s.actor(CLEANER).actor,
            upload_id: None,
            ..s.event(at, Op::ListMultipartUploads, "b", "", None)
        }
    }

    fn run(s: Scene, events: Vec<Event>) -> (Vec<Event>, Episodes) {
        let (events, _, strings) = s.finish(events);
        let episodes = episodes(&events, &strings);
        (events, episodes)
    }

    #[test]
    fn a_gap_of_exactly_15_minutes_stays_in_the_episode() {
        let s = Scene::default();
        let events = vec![abort(&s, 0, "a"), abort(&s, 15, "b"), abort(&s, 31, "c")];
        let (_, e) = run(s, events);
        let sizes: Vec<usize> = e.list.iter().map(|e| e.uploads).collect();
        assert_eq!(sizes, [2, 1], "15 minutes joins, 16 splits");
        assert!(e.list.iter().all(|e| !e.is_sweep()));
    }

    #[test]
    fn three_uploads_make_a_sweep_and_repeated_aborts_count_once() {
        let s = Scene::default();
        let events = vec![
            abort(&s, 0, "a"),
            abort(&s, 1, "a"),
            abort(&s, 2, "b"),
            abort(&s, 3, "c"),
        ];
        let (_, e) = run(s, events);
        assert_eq!(e.list.len(), 1);
        let sweep = &e.list[0];
        assert_eq!((sweep.uploads, sweep.keys, sweep.aborts.len()), (3, 3, 4));
        assert!(sweep.is_sweep());
    }

    #[test]
    fn episodes_are_per_identity_and_failed_aborts_do_not_count() {
        let s = Scene::default();
        let mut failed = abort(&s, 2, "c");
        failed.error = Some(crate::model::ErrorCode::NoSuchUpload);
        let other = Event {
            actor: s
                .actor("arn:aws:sts::1:assumed-role/cleanup/other-run")
                .actor,
            ..s.event(1, Op::AbortMultipartUpload, "b", "k", Some("x"))
        };
        let events = vec![abort(&s, 0, "a"), other, failed, abort(&s, 3, "b")];
        let (_, e) = run(s, events);
        let mut sizes: Vec<usize> = e.list.iter().map(|e| e.uploads).collect();
        sizes.sort();
        assert_eq!(sizes, [1, 2], "two sessions of one role are two identities");
    }

    #[test]
    fn the_listing_is_the_latest_within_15_minutes_before_the_first_abort() {
        let s = Scene::default();

        let events = vec![
            list(&s, 0),
            list(&s, 10),
            list(&s, 30),
            abort(&s, 40, "a"),
            abort(&s, 41, "b"),
            abort(&s, 42, "c"),
            list(&s, 60),
        ];
        let (events, e) = run(s, events);
        let listing = e.list[0].listing.expect("a listing");
        let first = events[e.list[0].aborts[0]].time;
        assert_eq!(first - events[listing].time, Duration::minutes(10));

        let s = Scene::default();
        let events = vec![list(&s, 0), abort(&s, 16, "a")];
        let (_, e) = run(s, events);
        assert_eq!(e.list[0].listing, None, "16 minutes before is too early");
    }
}
