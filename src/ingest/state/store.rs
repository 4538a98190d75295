//! The data files of a state. Each run that reads something new adds one pair, named by its
//! generation: `events-N.parquet`, the events kept (the columns of `export`'s `events.parquet`),
//! and `fingerprints-N.bin`, the fingerprint of every record read (8 bytes each, little-endian);
//! both grouped by unit, so that what a unit holds in a file is a range of it ([`Piece`]). The
//! files of earlier generations that still hold something are linked into the next one; when they
//! are many, or mostly hold what left the state, a run writes everything into one pair again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use polars::prelude::{
    BooleanChunked, DataFrame, NewChunkedArray, ParallelStrategy, ParquetReader, SerReader,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::decode::{Decoded, Options, parquet};
use crate::export::{Rows, Value, write_rows};
use crate::ingest::Fingerprints;
use crate::model::{ContextEvent, Event, LifecycleChange, key_hash};
use crate::strings::{Interner, Strings};

/// Rows or fingerprints of one unit in one file: the file's generation, where they start in it,
/// and how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// The generation that wrote the file.
    pub file: u64,
    /// The first, counted from 0.
    pub start: u64,
    /// How many.
    pub count: u64,
}

/// `events-N.parquet`.
pub fn events_file(generation: u64) -> String {
    format!("events-{generation}.parquet")
}

/// `objects-N.parquet`: the writes and deletions of objects, apart from the other events because
/// a run reads only those whose key a multipart request names.
pub fn objects_file(generation: u64) -> String {
    format!("objects-{generation}.parquet")
}

/// `fingerprints-N.bin`.
pub fn fingerprints_file(generation: u64) -> String {
    format!("fingerprints-{generation}.bin")
}

/// The events of a run, with the unit of each origin and whether it was read by this run.
pub struct Kept<'a> {
    /// The strings they name.
    pub strings: &'a Strings,
    /// The names of their origins.
    pub origins: &'a [String],
    /// The unit of each origin, and whether this run read it (`None`: read again next time).
    pub unit_of_origin: &'a [Option<(u32, bool)>],
    /// Multipart events, duplicates included.
    pub events: &'a [Event],
    /// Successful part uploads.
    pub part_events: &'a [Event],
    /// Lifecycle changes.
    pub lifecycle: &'a [LifecycleChange],
    /// Context records but writes and deletions of objects.
    pub context: &'a [ContextEvent],
    /// Writes and deletions of objects, every one read.
    pub objects: &'a [ContextEvent],
}

/// Writes the events of `kept` (only those this run read, when `fresh_only`) into `folder`, grouped
/// by unit: the writes and deletions of objects into its objects file, the others into its
/// events file. Returns the pieces of each unit with rows in them, in that order.
pub fn write_events(
    folder: &Path,
    generation: u64,
    kept: &Kept<'_>,
    fresh_only: bool,
) -> Result<[BTreeMap<u32, Piece>; 2], String> {
    enum Item<'e> {
        Event(&'e Event),
        Change(&'e LifecycleChange),
        Context(&'e ContextEvent),
    }
    let unit = |origin: u32| match kept.unit_of_origin.get(origin as usize).copied().flatten() {
        Some((unit, fresh)) if fresh || !fresh_only => Some(unit),
        _ => None,
    };
    let events: Vec<(u32, Item<'_>)> = kept
        .events
        .iter()
        .chain(kept.part_events)
        .filter_map(|e| Some((unit(e.origin)?, Item::Event(e))))
        .chain(
            kept.lifecycle
                .iter()
                .filter_map(|c| Some((unit(c.origin)?, Item::Change(c)))),
        )
        .chain(
            kept.context
                .iter()
                .filter_map(|c| Some((unit(c.origin)?, Item::Context(c)))),
        )
        .collect();
    let objects: Vec<(u32, Item<'_>)> = kept
        .objects
        .iter()
        .filter_map(|c| Some((unit(c.origin)?, Item::Context(c))))
        .collect();
    let rows = Rows::new(kept.strings, kept.origins, (None, None));
    let write = |path: &Path, mut items: Vec<(u32, Item<'_>)>| {
        let mut pieces: BTreeMap<u32, Piece> = BTreeMap::new();
        if items.is_empty() {
            return Ok(pieces);
        }
        items.sort_by_key(|(unit, _)| *unit);
        for (at, (unit, _)) in items.iter().enumerate() {
            pieces
                .entry(*unit)
                .or_insert(Piece {
                    file: generation,
                    start: at as u64,
                    count: 0,
                })
                .count += 1;
        }
        write_rows(
            path,
            items.iter().map(|(_, item)| -> Vec<Value> {
                match item {
                    Item::Event(e) => rows.event(e),
                    Item::Change(c) => rows.change(c),
                    Item::Context(c) => rows.context(c),
                }
            }),
        )?;
        Ok::<_, String>(pieces)
    };
    Ok([
        write(&folder.join(events_file(generation)), events)?,
        write(&folder.join(objects_file(generation)), objects)?,
    ])
}

/// The events of one file of a state, with the unit of each log file they name.
pub struct Loaded {
    /// The events, as the decoder reads them from an events file.
    pub decoded: Decoded,
    /// The unit of each of `decoded.row_origins`.
    pub units: Vec<u32>,
}

/// Rows of an events file read at a time, by each thread: what bounds the memory a state's
/// events take while they are read.
const SLICE: usize = 8 << 10;

/// How the events a state kept are taken in: each thread starts a holder (`init`), folds into it
/// what it reads (`fold`), and the holders are merged (`merge`).
pub struct Fold<'f, T> {
    /// A new holder.
    pub init: &'f (dyn Fn() -> T + Sync),
    /// Takes in the events of one slice.
    pub fold: &'f (dyn Fn(T, Loaded) -> T + Sync),
    /// Merges two holders.
    pub merge: &'f (dyn Fn(T, T) -> T + Sync),
}

/// Reads from the events file at `path` the rows of `pieces` (each with its unit), a slice at a
/// time on every thread, each slice folded in as soon as it is read. With `named`, only the rows
/// of objects it holds are read (as hashes of bucket and key), found from those two columns first.
pub fn read_events<T: Send>(
    path: &Path,
    pieces: &[(u32, Piece)],
    (opts, interner, named): (&Options, &Interner, Option<&HashSet<(u64, u64)>>),
    into: &Fold<'_, T>,
) -> Result<T, String> {
    let open = || File::open(path).map_err(|e| crate::error::plain(&e));
    let height = ParquetReader::new(open()?)
        .num_rows()
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let mut unit_of_row: Vec<Option<u32>> = vec![None; height];
    for (unit, piece) in pieces {
        let end = piece.start.saturating_add(piece.count);
        if end > height as u64 {
            return Err(format!(
                "holds {height} rows, but the manifest places a unit's at {}..{end}",
                piece.start
            ));
        }
        for slot in &mut unit_of_row[piece.start as usize..end as usize] {
            *slot = Some(*unit);
        }
    }
    if let Some(named) = named {
        let columns = ["bucket", "key"].map(str::to_owned).to_vec();
        let names = ParquetReader::new(open()?)
            .with_columns(Some(columns))
            .finish()
            .map_err(|e| format!("not a readable Parquet file: {e}"))?;
        let text = |name: &str| {
            names
                .column(name)
                .ok()
                .and_then(|c| c.as_materialized_series().str().ok().cloned())
                .ok_or_else(|| format!("has no {name} column"))
        };
        let (buckets, keys) = (text("bucket")?, text("key")?);
        for ((slot, bucket), key) in unit_of_row.iter_mut().zip(buckets.iter()).zip(keys.iter()) {
            let object = bucket.map(key_hash).zip(key.map(key_hash));
            if !object.is_some_and(|o| named.contains(&o)) {
                *slot = None;
            }
        }
    }
    let slices: Vec<usize> = (0..height)
        .step_by(SLICE)
        .filter(|&start| {
            unit_of_row[start..(start + SLICE).min(height)]
                .iter()
                .any(Option::is_some)
        })
        .collect();
    let read = |start: usize| -> Result<Vec<Loaded>, String> {
        let end = (start + SLICE).min(height);
        // One slice per thread of ours: polars' own threads would hold more slices at once.
        let df = ParquetReader::new(open()?)
            .read_parallel(ParallelStrategy::None)
            .with_slice(Some((start, end - start)))
            .finish()
            .map_err(|e| format!("not a readable Parquet file: {e}"))?;
        read_slice(df, &unit_of_row[start..end], opts, interner)
    };
    slices
        .into_par_iter()
        .try_fold(into.init, |held, start| {
            Ok(read(start)?.into_iter().fold(held, into.fold))
        })
        .try_reduce(into.init, |a, b| Ok((into.merge)(a, b)))
}

/// Reads the rows of one slice of an events file that belong to a unit (`units` has the unit of
/// each row, or `None`).
fn read_slice(
    df: DataFrame,
    units: &[Option<u32>],
    opts: &Options,
    interner: &Interner,
) -> Result<Vec<Loaded>, String> {
    if df.height() != units.len() {
        return Err(format!(
            "a slice of {} rows read {}",
            units.len(),
            df.height()
        ));
    }
    let df = if units.iter().all(Option::is_some) {
        df
    } else {
        let kept: Vec<bool> = units.iter().map(Option::is_some).collect();
        df.filter(&BooleanChunked::from_slice("kept".into(), &kept))
            .map_err(|e| e.to_string())?
    };
    let units: Vec<u32> = units.iter().flatten().copied().collect();
    let read = |df: &DataFrame| -> Result<Decoded, String> {
        let mut out = Decoded::default();
        parquet::read_frame(df, &mut out, u32::MAX, opts, interner);
        match out.problems.first() {
            Some(problem) => Err(problem.clone()),
            None => Ok(out),
        }
    };
    // Each log file belongs to one unit; when one is named in two (rows of Parquet inputs that
    // name the same log file), each unit's rows are read apart. (A log file named in two slices
    // is two origins of one name, which compare and print as one.)
    let names = df
        .column("origin")
        .ok()
        .and_then(|c| c.as_materialized_series().str().ok().cloned())
        .ok_or("has no origin column")?;
    let mut unit_of_name: HashMap<&str, u32> = HashMap::new();
    let mut shared = false;
    for (name, &unit) in names.iter().zip(&units) {
        shared |= *unit_of_name.entry(name.unwrap_or_default()).or_insert(unit) != unit;
    }
    if !shared {
        let decoded = read(&df)?;
        let units = decoded
            .row_origins
            .iter()
            .map(|name| unit_of_name.get(name.as_str()).copied().unwrap_or_default())
            .collect();
        return Ok(vec![Loaded { decoded, units }]);
    }
    let mut loaded = Vec::new();
    let mut start = 0;
    while start < units.len() {
        let unit = units[start];
        let end = start + units[start..].iter().take_while(|&&u| u == unit).count();
        let decoded = read(&df.slice(start as i64, end - start))?;
        let units = vec![unit; decoded.row_origins.len()];
        loaded.push(Loaded { decoded, units });
        start = end;
    }
    Ok(loaded)
}

/// Reads the fingerprints of `pieces` from the file at `path` into `into`.
pub fn read_fingerprints(
    path: &Path,
    pieces: &[Piece],
    into: &mut Fingerprints,
) -> Result<(), String> {
    let file = File::open(path).map_err(|e| crate::error::plain(&e))?;
    for piece in pieces {
        into.extend(read_piece(&file, *piece)?);
    }
    Ok(())
}

fn read_piece(file: &File, piece: Piece) -> Result<Vec<u64>, String> {
    let mut bytes = vec![0u8; (piece.count as usize).saturating_mul(8)];
    file.read_exact_at(&mut bytes, piece.start.saturating_mul(8))
        .map_err(|e| format!("ends before the fingerprints the manifest names: {e}"))?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect())
}

/// Writes fingerprints grouped by unit: for each unit, those of `old` (pieces of the files in
/// the folder `from`), then the new ones. Returns the piece of each unit with any.
pub fn write_fingerprints(
    path: &Path,
    generation: u64,
    old: (&Path, &BTreeMap<u32, Vec<Piece>>),
    new: &[(u64, u32)],
) -> Result<BTreeMap<u32, Piece>, String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {}", path.display(), e);
    let mut new_of: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for &(fp, unit) in new {
        new_of.entry(unit).or_default().push(fp);
    }
    let (from, old) = old;
    if old.values().all(Vec::is_empty) && new_of.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut files: HashMap<u64, File> = HashMap::new();
    let mut out = BufWriter::new(File::create(path).map_err(fail)?);
    let mut written = 0u64;
    let mut pieces = BTreeMap::new();
    let units: std::collections::BTreeSet<u32> = old.keys().chain(new_of.keys()).copied().collect();
    for unit in units {
        let start = written;
        for piece in old.get(&unit).into_iter().flatten() {
            let file = match files.entry(piece.file) {
                std::collections::hash_map::Entry::Occupied(f) => f.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let name = from.join(fingerprints_file(piece.file));
                    slot.insert(File::open(&name).map_err(|e| format!("{}: {e}", name.display()))?)
                }
            };
            for fp in read_piece(file, *piece)? {
                out.write_all(&fp.to_le_bytes()).map_err(fail)?;
                written += 1;
            }
        }
        for fp in new_of.remove(&unit).into_iter().flatten() {
            out.write_all(&fp.to_le_bytes()).map_err(fail)?;
            written += 1;
        }
        pieces.insert(
            unit,
            Piece {
                file: generation,
                start,
                count: written - start,
            },
        );
    }
    out.into_inner()
        .map_err(|e| fail(e.into_error()))?
        .sync_all()
        .map_err(fail)?;
    Ok(pieces)
}
