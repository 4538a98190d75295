//! `--state DIR`: runs that read only what is new.
//!
//! A state holds what the next run needs to give the answer a full run would: the events kept,
//! the fingerprint of every record read (for the counts of distinct records and duplicates), and a
//! manifest of what was read, unit by unit (a file on disk, or a day of a bucket's listing), with
//! what each unit added to the counts, and where each listing resumes (`store`, `manifest`).
//! A run reads the units kept, reads the inputs that are new, and hands both to the stages after
//! ingest as one (`seed`); since those decide everything by content, the answer is the full
//! run's. How the folder is kept whole against killed and concurrent runs is `folder`'s.

mod folder;
mod manifest;
mod seed;
mod store;
mod units;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Result, plain};
use crate::model::Time;
use crate::sources::{Listing, Mark, Resume, file_stamp};

use folder::{corrupt, fail, link, nanos};
use manifest::{FileSize, ListingRecord, Manifest, UnitRecord};

pub use folder::Pending;
pub use manifest::Identity;
pub use seed::ingest_with_state;
pub use store::{Fold, Kept, Loaded, Piece};
pub use units::{Counts, Outcome, Tracked, Tracker, UnitKey};

/// Which rows kept in a state to read.
pub enum KeptRows<'a> {
    /// The events, but the writes and deletions of objects.
    Events,
    /// The writes and deletions of objects: of those `named` holds (hashes of bucket and key),
    /// or all.
    Objects(Option<&'a std::collections::HashSet<(u64, u64)>>),
}

/// Data files referenced by more generations than this are written again as one.
const MOST_FILES: usize = 32;

/// A run with `--state`: the state it starts from, and what it reads into the next one. The
/// folder stays locked while it lives.
pub struct Session {
    dir: PathBuf,
    _lock: File,
    /// The generation it starts from: its number and folder.
    previous: Option<(u64, PathBuf)>,
    /// The units kept from it, numbered from 0 as the tracker numbers them.
    kept: Vec<UnitRecord>,
    /// Its data files.
    files: BTreeMap<u64, FileSize>,
    identity: Identity,
    since: Option<Time>,
    /// What the sources skip, and where each listing resumes.
    resume: Arc<Resume>,
    reported: BTreeSet<String>,
    /// The units of this run.
    pub tracker: Tracker,
}

impl Session {
    /// Opens (or starts) the state in `dir` for a run of `identity` from `since`: locks it,
    /// checks that it was written for such a run, and drops the units the run would not read
    /// (files changed or gone, days before the window, units whose records the window's new
    /// start cuts through: those are read again).
    pub fn open(dir: &Path, identity: Identity, since: Option<Time>) -> Result<Session> {
        fs::create_dir_all(dir)
            .map_err(|e| fail(dir, format!("cannot create it: {}", plain(&e))))?;
        let lock = folder::lock(dir)?;
        let previous = folder::current(dir)?;
        let manifest = match &previous {
            Some((_, folder)) => Some(manifest::read_manifest(dir, folder)?),
            None => None,
        };
        folder::clean(dir, previous.as_ref().map(|(_, f)| f.as_path()));
        let Some(manifest) = manifest else {
            return Ok(Session {
                dir: dir.to_owned(),
                _lock: lock,
                previous: None,
                kept: Vec::new(),
                files: BTreeMap::new(),
                identity,
                since,
                resume: Arc::default(),
                reported: BTreeSet::new(),
                tracker: Tracker::new(Vec::new()),
            });
        };
        manifest::check(dir, &manifest, &identity, since)?;
        let mut marks: HashMap<Listing, Mark> = manifest
            .listings
            .into_iter()
            .map(|l| (l.listing, l.mark))
            .collect();
        let moved = manifest.since != since;
        let first_day = since.map(|s| s.date_naive());
        let mut again: HashMap<Listing, BTreeSet<chrono::NaiveDate>> = HashMap::new();
        let mut relist = BTreeSet::new();
        let mut kept = Vec::new();
        for record in manifest.units {
            let cut = moved
                && record
                    .counts
                    .summary
                    .first_event
                    .zip(since)
                    .is_some_and(|(first, since)| first < since);
            match &record.unit {
                // Nothing of it was kept: read it again.
                _ if record.counts.summary.files == 0 => {}
                UnitKey::File { .. } => {
                    let unchanged = record.unit.file().is_some_and(|(path, size, modified)| {
                        file_stamp(path) == Some((size, modified))
                    });
                    if !cut && unchanged {
                        kept.push(record);
                    }
                }
                UnitKey::Object { listing, day } => {
                    let before = listing.by_day && day.zip(first_day).is_some_and(|(d, f)| d < f);
                    match (before, cut, day) {
                        (true, ..) => {}
                        (false, false, _) => kept.push(record),
                        (false, true, Some(day)) if listing.by_day => {
                            again.entry(listing.clone()).or_default().insert(*day);
                        }
                        (false, true, _) => {
                            relist.insert(listing.clone());
                        }
                    }
                }
            }
        }
        // A listing read whole whose records the window cuts through is read again whole.
        kept.retain(
            |r| !matches!(&r.unit, UnitKey::Object { listing, .. } if relist.contains(listing)),
        );
        for listing in &relist {
            marks.remove(listing);
        }
        let files = kept
            .iter()
            .filter_map(|r| r.unit.file())
            .map(|(path, size, modified)| (path.to_owned(), size, modified))
            .collect();
        let resume = Resume {
            files,
            marks,
            again,
        };
        Ok(Session {
            dir: dir.to_owned(),
            _lock: lock,
            previous,
            tracker: Tracker::new(kept.iter().map(|r| r.unit.clone()).collect()),
            kept,
            files: manifest.files,
            identity,
            since,
            resume: Arc::new(resume),
            reported: manifest.reported,
        })
    }

    /// What the sources skip: what the state holds.
    pub fn resume(&self) -> Arc<Resume> {
        Arc::clone(&self.resume)
    }

    /// What the run that wrote the state reported (the keys [`Pending::commit`] was given).
    pub fn reported_before(&self) -> &BTreeSet<String> {
        &self.reported
    }

    /// Reads the rows kept from the state that `rows` names, a slice of a file at a time on
    /// every thread, into `into`, with the unit (by number) of each log file they name; read
    /// with `opts`.
    pub fn kept_rows<T: Send>(
        &self,
        rows: KeptRows<'_>,
        opts: &crate::decode::Options,
        interner: &crate::strings::Interner,
        into: &Fold<'_, T>,
    ) -> Result<T> {
        match rows {
            KeptRows::Events => self.read_kept(
                |r| &r.rows,
                store::events_file,
                (opts, interner, None),
                into,
            ),
            KeptRows::Objects(named) => self.read_kept(
                |r| &r.objects,
                store::objects_file,
                (opts, interner, named),
                into,
            ),
        }
    }

    fn read_kept<T: Send>(
        &self,
        pieces: impl Fn(&UnitRecord) -> &Vec<Piece>,
        file_name: fn(u64) -> String,
        how: (
            &crate::decode::Options,
            &crate::strings::Interner,
            Option<&std::collections::HashSet<(u64, u64)>>,
        ),
        into: &Fold<'_, T>,
    ) -> Result<T> {
        let Some((_, folder)) = &self.previous else {
            return Ok((into.init)());
        };
        let mut by_file: BTreeMap<u64, Vec<(u32, Piece)>> = BTreeMap::new();
        for (unit, record) in (0..).zip(&self.kept) {
            for piece in pieces(record) {
                by_file.entry(piece.file).or_default().push((unit, *piece));
            }
        }
        let mut held = (into.init)();
        for (file, pieces) in by_file {
            let path = folder.join(file_name(file));
            let read = store::read_events(&path, &pieces, how, into);
            held = (into.merge)(held, read.map_err(|why| corrupt(&path, &why))?);
        }
        Ok(held)
    }

    /// What the units kept from the state added to the counts, by number.
    pub fn kept_counts(&self) -> impl Iterator<Item = &Counts> {
        self.kept.iter().map(|r| &r.counts)
    }

    /// Reads the fingerprints of the units kept into `into`.
    pub fn kept_fingerprints(&self, into: &mut crate::ingest::Fingerprints) -> Result<()> {
        let Some((_, folder)) = &self.previous else {
            return Ok(());
        };
        let mut by_file: BTreeMap<u64, Vec<Piece>> = BTreeMap::new();
        for piece in self.kept.iter().flat_map(|r| &r.fingerprints) {
            by_file.entry(piece.file).or_default().push(*piece);
        }
        for (file, pieces) in by_file {
            let path = folder.join(store::fingerprints_file(file));
            store::read_fingerprints(&path, &pieces, into).map_err(|why| corrupt(&path, &why))?;
        }
        Ok(())
    }

    /// The data files that what is kept lies in, by generation.
    fn referenced(&self) -> BTreeSet<u64> {
        self.kept
            .iter()
            .flat_map(UnitRecord::pieces)
            .map(|p| p.file)
            .collect()
    }

    /// Whether the next state is written whole: the data files kept are many, or hold more of
    /// what left the state than of what stays.
    pub fn compacts(&self) -> bool {
        let referenced = self.referenced();
        let total: u64 = referenced
            .iter()
            .filter_map(|f| self.files.get(f))
            .map(|f| f.rows + f.objects + f.fingerprints)
            .sum();
        let live: u64 = self
            .kept
            .iter()
            .flat_map(UnitRecord::pieces)
            .map(|p| p.count)
            .sum();
        referenced.len() > MOST_FILES || total > 2 * live
    }

    /// Writes the next state beside the current one: the files of what was kept (linked, or
    /// written again `whole`, as [`Session::compacts`] decides) and those of what this run read.
    pub fn write(&self, kept: &Kept<'_>, tracked: &Tracked, whole: bool) -> Result<Pending> {
        let keys = self.tracker.keys();
        let generation = self.previous.as_ref().map_or(1, |(n, _)| n + 1);
        let folder = self
            .dir
            .join(format!("tmp-{}-{}", std::process::id(), nanos()));
        let failed = |why: String| fail(&self.dir, why);
        fs::create_dir(&folder)
            .map_err(|e| failed(format!("cannot create {}: {}", folder.display(), plain(&e))))?;
        let mut rows: Vec<Vec<Piece>> = vec![Vec::new(); keys.len()];
        let mut objects: Vec<Vec<Piece>> = vec![Vec::new(); keys.len()];
        let mut fingerprints: Vec<Vec<Piece>> = vec![Vec::new(); keys.len()];
        let mut files = BTreeMap::new();
        if !whole && let Some((_, from)) = &self.previous {
            // What was kept stays where it is: its files are linked into the new generation.
            for (i, record) in self.kept.iter().enumerate() {
                rows[i].clone_from(&record.rows);
                objects[i].clone_from(&record.objects);
                fingerprints[i].clone_from(&record.fingerprints);
            }
            for file in self.referenced() {
                let names = [
                    store::events_file(file),
                    store::objects_file(file),
                    store::fingerprints_file(file),
                ];
                for name in names.iter().filter(|n| from.join(n).exists()) {
                    link(&from.join(name), &folder.join(name)).map_err(&failed)?;
                }
                files.insert(file, self.files.get(&file).copied().unwrap_or_default());
            }
        }
        let [new_rows, new_objects] =
            store::write_events(&folder, generation, kept, !whole).map_err(&failed)?;
        let old_fingerprints: BTreeMap<u32, Vec<Piece>> = if whole {
            (0..)
                .zip(self.kept.iter().map(|r| r.fingerprints.clone()))
                .collect()
        } else {
            BTreeMap::new()
        };
        let from = self
            .previous
            .as_ref()
            .map_or(self.dir.as_path(), |(_, f)| f.as_path());
        let new_fingerprints = store::write_fingerprints(
            &folder.join(store::fingerprints_file(generation)),
            generation,
            (from, &old_fingerprints),
            &tracked.fingerprints,
        )
        .map_err(&failed)?;
        let size = FileSize {
            rows: new_rows.values().map(|p| p.count).sum(),
            objects: new_objects.values().map(|p| p.count).sum(),
            fingerprints: new_fingerprints.values().map(|p| p.count).sum(),
        };
        if size.rows + size.objects + size.fingerprints > 0 {
            files.insert(generation, size);
        }
        for (unit, piece) in new_rows {
            rows[unit as usize].push(piece);
        }
        for (unit, piece) in new_objects {
            objects[unit as usize].push(piece);
        }
        for (unit, piece) in new_fingerprints {
            fingerprints[unit as usize].push(piece);
        }
        let units = keys
            .into_iter()
            .zip(rows.into_iter().zip(objects).zip(fingerprints))
            .enumerate()
            .map(|(i, (unit, ((rows, objects), fingerprints)))| {
                let mut counts = self
                    .kept
                    .get(i)
                    .map(|r| r.counts.clone())
                    .unwrap_or_default();
                if let Some(new) = tracked.counts.get(&(i as u32)) {
                    counts.add(new.clone());
                }
                UnitRecord {
                    unit,
                    counts,
                    rows,
                    objects,
                    fingerprints,
                }
            })
            .collect();
        Ok(Pending {
            folder,
            manifest: Manifest {
                format: manifest::FORMAT,
                version: env!("CARGO_PKG_VERSION").to_owned(),
                identity: self.identity.clone(),
                since: self.since,
                units,
                files,
                listings: self.next_marks(tracked),
                reported: BTreeSet::new(),
            },
        })
    }

    /// Where each listing resumes next time.
    fn next_marks(&self, tracked: &Tracked) -> Vec<ListingRecord> {
        let mut listed: BTreeMap<&Listing, Vec<(&str, Outcome)>> = BTreeMap::new();
        for (listing, key, outcome) in &tracked.listed {
            listed
                .entry(listing)
                .or_default()
                .push((key.as_str(), *outcome));
        }
        let old = &self.resume.marks;
        let mut marks: BTreeMap<Listing, Mark> =
            old.iter().map(|(l, m)| (l.clone(), m.clone())).collect();
        for (listing, keys) in listed {
            let mark = units::next_mark(old.get(listing), listing, &keys);
            marks.insert(listing.clone(), mark);
        }
        marks
            .into_iter()
            .map(|(listing, mark)| ListingRecord { listing, mark })
            .collect()
    }
}
