//! `export --all-records`: every CloudTrail record, flattened (see [`crate::decode::flat`]),
//! written under `DIR/records/account=…/region=…/date=…/part-NNNNN.parquet` in the Hive layout
//! Athena, Spark, DuckDB and polars read as partitions.
//!
//! Memory stays bounded whatever the input: inputs are decoded in parallel as `analyze` decodes
//! them (large ones as streams), each handing its records over in small batches through a bounded
//! channel, and a single writer takes the inputs in their listing order, so that the files are the
//! same for any number of threads. The writer holds at most [`HELD`] rows: a partition is written
//! out when it reaches [`PER_FILE`] rows, and all of them when the writer holds too many.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

use indicatif::ProgressBar;
use rayon::prelude::*;

use super::table::{self, ColumnKind, Table, Value};
use super::{Written, schema::Kind};
use crate::cli::Config;
use crate::decode::flat::{COLUMNS, Flat};
use crate::decode::{HOLD, RecordSink};
use crate::ingest::{Read, read_input};
use crate::sources;
use crate::strings::Interner;

/// Records handed over at a time.
const BATCH: usize = 1_000;
/// The most rows in one part file.
const PER_FILE: usize = 50_000;
/// The most rows the writer holds.
const HELD: usize = 100_000;

/// One input: its name, and its records in batches.
type Batches = (String, Receiver<Vec<Flat>>);

/// Hands one input's records to the writer in batches.
struct Batcher {
    tx: SyncSender<Vec<Flat>>,
    batch: Mutex<Vec<Flat>>,
}

impl RecordSink for Batcher {
    fn record(&self, flat: Flat) {
        let full = {
            let Ok(mut batch) = self.batch.lock() else {
                return;
            };
            batch.push(flat);
            (batch.len() >= BATCH).then(|| std::mem::take(&mut *batch))
        };
        if let Some(full) = full {
            // The writer gone means the export failed; it says so itself.
            let _ = self.tx.send(full);
        }
    }
}

impl Batcher {
    fn flush(self) {
        if let Ok(rest) = self.batch.into_inner()
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
    );
    let (announce, announced) = channel::<(usize, Batches)>();
    let writer = std::thread::Builder::new()
        .name("records".to_owned())
        .spawn({
            let root = root.clone();
            move || Writer::new(root).run(&announced)
        })
        .map_err(|e| format!("cannot start the writer: {e}"))?;
    let interner = Interner::default();
    let opts = &config.decode;
    inputs
        .stream
        .enumerate()
        .par_bridge()
        .for_each_with(announce, |announce, (k, input)| {
            let (tx, rx) = sync_channel(4);
            if announce.send((k, (input.origin.to_string(), rx))).is_err() {
                return;
            }
            let batcher = Batcher {
                tx,
                batch: Mutex::new(Vec::new()),
            };
            let id = u32::try_from(k).unwrap_or(u32::MAX);
            // Problems are reported by the analysis that ran first; here only records count.
            let _: Read = read_input(input, id, opts, &interner, Some(&batcher));
            batcher.flush();
        });
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

struct Writer {
    root: PathBuf,
    held: BTreeMap<Partition, Table>,
    rows_held: usize,
    files: BTreeMap<Partition, usize>,
    rows: u64,
}

impl Writer {
    fn new(root: PathBuf) -> Writer {
        Writer {
            root,
            held: BTreeMap::new(),
            rows_held: 0,
            files: BTreeMap::new(),
            rows: 0,
        }
    }

    /// Takes the inputs in order, each to its end; returns the rows written.
    fn run(mut self, announced: &Receiver<(usize, Batches)>) -> Result<u64, String> {
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
        }
        let all: Vec<Partition> = self.held.keys().cloned().collect();
        for p in all {
            self.flush(&p)?;
        }
        Ok(self.rows)
    }

    fn add(&mut self, flat: Flat, origin: &str) -> Result<(), String> {
        let p = partition(&flat);
        let mut row = vec![Value::Time(flat.time)];
        row.extend(flat.fields.into_iter().map(Value::Text));
        row.push(Value::Text(Some(origin.to_owned())));
        let table = self
            .held
            .entry(p.clone())
            .or_insert_with(|| Table::new(&columns()));
        table.push(row);
        self.rows_held += 1;
        self.rows += 1;
        if table.len() >= PER_FILE {
            self.flush(&p)?;
        }
        if self.rows_held >= HELD {
            let all: Vec<Partition> = self.held.keys().cloned().collect();
            for p in all {
                self.flush(&p)?;
            }
        }
        Ok(())
    }

    fn flush(&mut self, p: &Partition) -> Result<(), String> {
        let Some(mut table) = self.held.remove(p) else {
            return Ok(());
        };
        if table.is_empty() {
            return Ok(());
        }
        self.rows_held -= table.len();
        let dir = self
            .root
            .join(format!("account={}", p.0))
            .join(format!("region={}", p.1))
            .join(format!("date={}", p.2));
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
        let mut frame = table
            .take()
            .map_err(|e| format!("cannot build {}: {e}", path.display()))?;
        table::write(&mut frame, &path)?;
        Ok(())
    }
}
