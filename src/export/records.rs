//! `export --all-records`: every CloudTrail record, flattened (see [`crate::decode::flat`]),
//! written under `DIR/records/account=…/region=…/date=…/part-NNNNN.parquet` in the Hive layout
//! Athena, Spark, DuckDB and polars read as partitions.
//!
//! Memory stays bounded whatever the input: inputs are decoded in parallel as `analyze` decodes
//! them (large ones as streams), each handing its records over in small batches through a bounded
//! channel, and a single writer takes the inputs in their listing order, so that the files are the
//! same for any number of threads. Batches are bounded in rows and bytes, and the writer holds
//! at most `LIMITS.held` bytes of rows: beyond that, the partition holding most is written out
//! as a row group of its open part file. A part file ends at `LIMITS.per_file` rows, or when
//! too many are open and it is the one written to least recently.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use indicatif::ProgressBar;
use polars::prelude::{BatchedWriter, DataFrame};
use rayon::prelude::*;

use super::table::{self, ColumnKind, Table, Value};
use super::{Written, schema::Kind};
use crate::cli::Config;
use crate::decode::flat::{COLUMNS, Flat};
use crate::decode::{HOLD, RecordSink};
use crate::ingest::{Read, read_input, release_buffers};
use crate::sources;
use crate::strings::Interner;

/// Records handed over at a time.
const BATCH: usize = 1_000;
/// Bytes of records handed over at a time, at most (about).
const BATCH_BYTES: usize = 1 << 20;

/// Inputs decoded ahead of the one being written: each holds at most a few batches, and inputs
/// too small to fill their channel would otherwise all be decoded before the writer reaches them.
const AHEAD: usize = 4;

/// Lets the decoders run at most [`AHEAD`] inputs ahead of the writer.
#[derive(Default)]
struct Gate {
    /// Inputs written so far, and whether the writer has stopped.
    state: Mutex<(usize, bool)>,
    moved: Condvar,
}

impl Gate {
    /// Waits until input `k` may be decoded; false if the writer has stopped.
    fn wait_for(&self, k: usize, ahead: usize) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        while !state.1 && k >= state.0 + ahead {
            state = match self.moved.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
        !state.1
    }

    /// Records that the first `done` inputs are written.
    fn advance(&self, done: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.0 = done;
        }
        self.moved.notify_all();
    }
}

/// Opens the gate for good when the writer returns, whether it finished or failed.
struct Closer<'a>(&'a Gate);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.state.lock() {
            state.1 = true;
        }
        self.0.moved.notify_all();
    }
}

/// One input: its name, and its records in batches.
type Batches = (String, Receiver<Vec<Flat>>);

/// Hands one input's records to the writer in batches.
struct Batcher {
    tx: SyncSender<Vec<Flat>>,
    /// The records not yet handed over, and their bytes.
    batch: Mutex<(Vec<Flat>, usize)>,
}

impl RecordSink for Batcher {
    fn record(&self, flat: Flat) {
        let full = {
            let Ok(mut batch) = self.batch.lock() else {
                return;
            };
            let (records, bytes) = &mut *batch;
            *bytes += flat.bytes();
            records.push(flat);
            (records.len() >= BATCH || *bytes >= BATCH_BYTES).then(|| {
                *bytes = 0;
                std::mem::take(records)
            })
        };
        if let Some(full) = full {
            // The writer gone means the export failed; it says so itself.
            let _ = self.tx.send(full);
        }
    }
}

impl Batcher {
    fn flush(self) {
        if let Ok((rest, _)) = self.batch.into_inner()
            && !rest.is_empty()
        {
            let _ = self.tx.send(rest);
        }
    }
}

/// Writes every record of the configured sources under `out/records/`.
pub fn write(config: &Config, out: &Path) -> Result<Vec<Written>, String> {
    let root = out.join("records");
    let inputs = sources::open(
        &config.sources,
        config.decode.max_decoded.min(HOLD),
        &config.s3,
        &ProgressBar::hidden(),
        None,
    );
    let (announce, announced) = channel::<(usize, Batches)>();
    let gate = Arc::new(Gate::default());
    let writer = std::thread::Builder::new()
        .name("records".to_owned())
        .spawn({
            let (root, gate) = (root.clone(), Arc::clone(&gate));
            move || {
                let _closed_on_return = Closer(&gate);
                Writer::new(root, LIMITS).run(&announced, &gate)
            }
        })
        .map_err(|e| format!("cannot start the writer: {e}"))?;
    let interner = Interner::default();
    let opts = &config.decode;
    inputs
        .stream
        .enumerate()
        .par_bridge()
        .for_each_with(announce, |announce, (k, input)| {
            if !gate.wait_for(k, AHEAD) {
                return;
            }
            let (tx, rx) = sync_channel(4);
            if announce.send((k, (input.origin.to_string(), rx))).is_err() {
                return;
            }
            let batcher = Batcher {
                tx,
                batch: Mutex::new((Vec::new(), 0)),
            };
            let id = u32::try_from(k).unwrap_or(u32::MAX);
            // Problems are reported by the analysis that ran first; here only records count.
            let _: Read = read_input(input, id, opts, &interner, Some(&batcher));
            batcher.flush();
        });
    release_buffers();
    let rows = writer
        .join()
        .map_err(|_| "the writer stopped".to_owned())??;
    Ok(vec![Written {
        path: root,
        rows: usize::try_from(rows).unwrap_or(usize::MAX),
    }])
}

/// A partition: account, region, day.
type Partition = (String, String, String);

/// A partition value safe as a folder name: letters, digits, `-` and `_` only.
fn folder_value(value: Option<&str>) -> String {
    let cleaned: String = value
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "unknown".to_owned()
    } else {
        cleaned
    }
}

fn partition(flat: &Flat) -> Partition {
    (
        folder_value(flat.get("recipient_account_id")),
        folder_value(flat.get("aws_region")),
        flat.time.map_or_else(
            || "unknown".to_owned(),
            |t| t.format("%Y-%m-%d").to_string(),
        ),
    )
}

fn columns() -> Vec<(&'static str, ColumnKind)> {
    std::iter::once(("event_time", ColumnKind::Of(Kind::Time)))
        .chain(COLUMNS.iter().map(|c| (*c, ColumnKind::Of(Kind::Text))))
        .chain(std::iter::once(("origin", ColumnKind::Of(Kind::Text))))
        .collect()
}

/// How much the writer may hold.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Bytes of rows held before the largest partition is written out as a row group.
    held: usize,
    /// Rows in one part file before the next one is begun.
    per_file: u64,
    /// Part files open at once (each keeps only its row groups' metadata).
    open: usize,
}

const LIMITS: Limits = Limits {
    held: 32 << 20,
    per_file: 1_000_000,
    open: 16,
};

/// The rows of a partition not yet written, and their size.
struct Pending {
    table: Table,
    bytes: usize,
}

/// A part file being written, a row group at a time.
struct PartFile {
    path: PathBuf,
    writer: BatchedWriter<BufWriter<File>>,
    rows: u64,
    /// When it was last written to (the writer's row count then), to close the least recent.
    used: u64,
}

struct Writer {
    root: PathBuf,
    limits: Limits,
    pending: BTreeMap<Partition, Pending>,
    held: usize,
    open: BTreeMap<Partition, PartFile>,
    /// Part files begun per partition.
    files: BTreeMap<Partition, usize>,
    rows: u64,
}

impl Writer {
    fn new(root: PathBuf, limits: Limits) -> Writer {
        Writer {
            root,
            limits,
            pending: BTreeMap::new(),
            held: 0,
            open: BTreeMap::new(),
            files: BTreeMap::new(),
            rows: 0,
        }
    }

    /// Takes the inputs in order, each to its end; returns the rows written.
    fn run(mut self, announced: &Receiver<(usize, Batches)>, gate: &Gate) -> Result<u64, String> {
        let mut waiting: BTreeMap<usize, Batches> = BTreeMap::new();
        let mut next = 0;
        loop {
            let batches = match waiting.remove(&next) {
                Some(batches) => batches,
                None => match announced.recv() {
                    Ok((k, batches)) => {
                        waiting.insert(k, batches);
                        continue;
                    }
                    Err(_) => break,
                },
            };
            let (origin, batches) = batches;
            for batch in batches {
                for flat in batch {
                    self.add(flat, &origin)?;
                }
            }
            next += 1;
            gate.advance(next);
        }
        self.finish()
    }

    fn add(&mut self, flat: Flat, origin: &str) -> Result<(), String> {
        let p = partition(&flat);
        let bytes = flat.bytes() + origin.len();
        let mut row = vec![Value::Time(flat.time)];
        row.extend(flat.fields.into_iter().map(Value::Text));
        row.push(Value::Text(Some(origin.to_owned())));
        let pending = self.pending.entry(p).or_insert_with(|| Pending {
            table: Table::new(&columns()),
            bytes: 0,
        });
        pending.table.push(row);
        pending.bytes += bytes;
        self.held += bytes;
        self.rows += 1;
        while self.held >= self.limits.held {
            // The largest partition goes out: the fewest, largest row groups.
            let Some(largest) = self
                .pending
                .iter()
                .max_by_key(|(_, pending)| pending.bytes)
                .map(|(p, _)| p.clone())
            else {
                break;
            };
            self.write_out(&largest)?;
        }
        Ok(())
    }

    /// Writes the pending rows of partition `p` as a row group of its part file.
    fn write_out(&mut self, p: &Partition) -> Result<(), String> {
        let Some(mut pending) = self.pending.remove(p) else {
            return Ok(());
        };
        self.held -= pending.bytes;
        if pending.table.is_empty() {
            return Ok(());
        }
        let rows = pending.table.len() as u64;
        let frame = pending
            .table
            .take()
            .map_err(|e| format!("cannot build the rows of {}: {e}", self.folder(p).display()))?;
        if !self.open.contains_key(p) {
            if self.open.len() >= self.limits.open
                && let Some(least) = self
                    .open
                    .iter()
                    .min_by_key(|(_, file)| file.used)
                    .map(|(p, _)| p.clone())
            {
                self.close(&least)?;
            }
            let file = self.begin(p, &frame)?;
            self.open.insert(p.clone(), file);
        }
        let now = self.rows;
        let Some(file) = self.open.get_mut(p) else {
            return Ok(());
        };
        file.writer
            .write_batch(&frame)
            .map_err(|e| format!("cannot write {}: {e}", file.path.display()))?;
        file.rows += rows;
        file.used = now;
        if file.rows >= self.limits.per_file {
            self.close(p)?;
        }
        Ok(())
    }

    fn folder(&self, p: &Partition) -> PathBuf {
        self.root
            .join(format!("account={}", p.0))
            .join(format!("region={}", p.1))
            .join(format!("date={}", p.2))
    }

    /// Begins the next part file of partition `p`.
    fn begin(&mut self, p: &Partition, frame: &DataFrame) -> Result<PartFile, String> {
        let dir = self.folder(p);
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "cannot create {}: {}",
                dir.display(),
                crate::error::plain(&e)
            )
        })?;
        let n = self.files.entry(p.clone()).or_default();
        let path = dir.join(format!("part-{n:05}.parquet"));
        *n += 1;
        let writer = table::batched(&path, frame)?;
        Ok(PartFile {
            path,
            writer,
            rows: 0,
            used: 0,
        })
    }

    /// Finishes the part file of partition `p`.
    fn close(&mut self, p: &Partition) -> Result<(), String> {
        match self.open.remove(p) {
            Some(file) => table::finish(Some(file.writer), &file.path),
            None => Ok(()),
        }
    }

    /// Writes what is pending and finishes every file; returns the rows written.
    fn finish(mut self) -> Result<u64, String> {
        let pending: Vec<Partition> = self.pending.keys().cloned().collect();
        for p in pending {
            self.write_out(&p)?;
        }
        let open: Vec<Partition> = self.open.keys().cloned().collect();
        for p in open {
            self.close(&p)?;
        }
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{ParquetReader, SerReader};

    fn flat(account: &str, day: u32, n: usize) -> Flat {
        let mut fields = vec![None; COLUMNS.len()];
        let at = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
        fields[at("recipient_account_id")] = Some(account.to_owned());
        fields[at("aws_region")] = Some("us-east-1".to_owned());
        fields[at("event_id")] = Some(format!("e{n:04}"));
        Flat {
            time: crate::model::Time::from_timestamp(1_793_000_000 + i64::from(day) * 86_400, 0),
            fields,
        }
    }

    /// Event IDs per part file, in file order.
    fn written(root: &Path) -> BTreeMap<PathBuf, Vec<String>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let df = ParquetReader::new(File::open(&path).unwrap())
                    .finish()
                    .unwrap();
                let ids = df.column("event_id").unwrap().str().unwrap().clone();
                let ids = (0..ids.len())
                    .map(|i| ids.get(i).unwrap().to_owned())
                    .collect();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), ids);
            }
        }
        out
    }

    #[test]
    fn a_small_budget_splits_into_row_groups_and_files_without_losing_or_reordering_rows() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            held: 4_000,
            per_file: 7,
            open: 2,
        };
        let mut writer = Writer::new(dir.path().to_path_buf(), limits);
        let mut expected: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
        for n in 0..60 {
            // Three accounts and two days interleaved, as records of many inputs are.
            let (account, day) = (["1", "2", "3"][n % 3], (n / 30) as u32);
            writer.add(flat(account, day, n), "origin").unwrap();
            expected
                .entry((account.to_owned(), day))
                .or_default()
                .push(format!("e{n:04}"));
            assert!(writer.held < limits.held, "held {} bytes", writer.held);
            assert!(writer.open.len() <= limits.open);
        }
        assert_eq!(writer.finish().unwrap(), 60);

        let files = written(dir.path());
        let mut found: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
        for (path, ids) in &files {
            assert!(
                ids.len() as u64 <= limits.per_file + 6,
                "{path:?}: {}",
                ids.len()
            );
            let text = path.to_string_lossy();
            let account = text
                .split("account=")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap();
            let day = u32::from(!text.contains(&files_day(0)));
            found
                .entry((account.to_owned(), day))
                .or_default()
                .extend(ids.iter().cloned());
        }
        // Every row once, in its partition, in the order it came (part files sort in order).
        assert_eq!(found, expected);
        assert!(files.len() > 6, "{:?}", files.keys());
    }

    fn files_day(day: i64) -> String {
        let t = crate::model::Time::from_timestamp(1_793_000_000 + day * 86_400, 0).unwrap();
        format!("date={}", t.format("%Y-%m-%d"))
    }
}
