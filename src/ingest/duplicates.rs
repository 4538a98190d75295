//! Counting records whose `eventID` was already read, exactly, in bounded memory.
//!
//! Duplicates are counted over every record, not only the few the analysis keeps, so a trail of
//! billions of records would need billions of IDs in memory. Instead each record leaves a 64-bit
//! fingerprint (a hash of its ID, with its category in the low 3 bits); past a limit, the
//! fingerprints in memory are sorted and appended as a run to a temporary file, and at the end
//! all sorted runs are merged. Memory stays at the limit whatever the size of the input.
//!
//! Each run is cut into [`RANGES`] ranges of fingerprint values, and the ranges are merged and
//! counted in parallel: copies of one ID differ only in their low 3 bits, so they always fall in
//! the same range.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use rayon::prelude::*;

use crate::decode::CATEGORIES;

/// Fingerprints kept in memory before a run is written out: 256 Ki of them, 2 MiB.
pub const DEFAULT_LIMIT: usize = 256 << 10;

/// Ranges of fingerprint values merged in parallel (by their top 4 bits).
const RANGES: usize = 16;

/// Where range `r` of sorted fingerprints begins: the first with top bits `r`.
fn range_starts(sorted: &[u64]) -> [usize; RANGES + 1] {
    std::array::from_fn(|r| match r {
        RANGES => sorted.len(),
        r => sorted.partition_point(|&fp| ((fp >> 60) as usize) < r),
    })
}

/// A sorted run in a temporary file.
struct Run {
    file: Arc<File>,
    /// Byte offset of the run in the file.
    offset: u64,
    /// Where each range begins, in fingerprints from the start of the run.
    starts: [usize; RANGES + 1],
}

/// Fingerprints of the records read so far.
pub struct Fingerprints {
    memory: Vec<u64>,
    /// The file runs are appended to (one per counter), and its length.
    file: Option<(Arc<File>, u64)>,
    runs: Vec<Run>,
    limit: usize,
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints::with_limit(DEFAULT_LIMIT)
    }
}

impl Fingerprints {
    /// Keeps at most `limit` fingerprints in memory.
    pub fn with_limit(limit: usize) -> Fingerprints {
        Fingerprints {
            memory: Vec::new(),
            file: None,
            runs: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Adds fingerprints.
    pub fn extend(&mut self, fingerprints: impl IntoIterator<Item = u64>) {
        for fp in fingerprints {
            self.memory.push(fp);
            if self.memory.len() >= self.limit {
                self.spill();
            }
        }
    }

    /// Takes in the fingerprints of another counter.
    pub fn merge(mut self, other: Fingerprints) -> Fingerprints {
        self.runs.extend(other.runs);
        self.extend(other.memory);
        self
    }

    /// Appends the fingerprints in memory to the temporary file as a sorted run. If the file
    /// cannot be written, they stay in memory: the count stays exact, only the memory bound is
    /// lost.
    fn spill(&mut self) {
        self.memory.sort_unstable();
        let written = self.append_run();
        match written {
            Ok(run) => {
                self.runs.push(run);
                self.memory.clear();
            }
            Err(_) => self.limit = self.limit.saturating_mul(2),
        }
    }

    fn append_run(&mut self) -> std::io::Result<Run> {
        let (file, offset) = match self.file.take() {
            Some(open) => open,
            None => (Arc::new(tempfile::tempfile()?), 0),
        };
        let mut out = BufWriter::new(&*file);
        for fp in &self.memory {
            out.write_all(&fp.to_le_bytes())?;
        }
        out.flush()?;
        drop(out);
        let run = Run {
            file: Arc::clone(&file),
            offset,
            starts: range_starts(&self.memory),
        };
        self.file = Some((file, offset + 8 * self.memory.len() as u64));
        Ok(run)
    }

    /// Merges everything in order and counts: for each ID the first copy counts as distinct
    /// in its category (`distinct` is added to), the other copies are returned as duplicates.
    pub fn tally(mut self, distinct: &mut [u64; CATEGORIES]) -> std::io::Result<u64> {
        self.memory.sort_unstable();
        let memory_starts = range_starts(&self.memory);
        let counts = (0..RANGES)
            .into_par_iter()
            .map(|r| {
                let mut sources: Vec<Box<dyn Iterator<Item = std::io::Result<u64>> + '_>> = self
                    .runs
                    .iter()
                    .map(|run| {
                        let from = run.offset + 8 * run.starts[r] as u64;
                        let count = run.starts[r + 1] - run.starts[r];
                        Box::new(read_run(&run.file, from, count)) as Box<dyn Iterator<Item = _>>
                    })
                    .collect();
                let in_memory = &self.memory[memory_starts[r]..memory_starts[r + 1]];
                sources.push(Box::new(in_memory.iter().copied().map(Ok)));
                count_range(sources)
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        let mut duplicates = 0;
        for (range_distinct, range_duplicates) in counts {
            for (slot, n) in distinct.iter_mut().zip(range_distinct) {
                *slot += n;
            }
            duplicates += range_duplicates;
        }
        Ok(duplicates)
    }
}

/// Merges sorted sources of one range and counts (distinct per category, duplicates).
fn count_range(
    mut sources: Vec<Box<dyn Iterator<Item = std::io::Result<u64>> + '_>>,
) -> std::io::Result<([u64; CATEGORIES], u64)> {
    let mut heap = BinaryHeap::new();
    for (i, source) in sources.iter_mut().enumerate() {
        if let Some(fp) = source.next().transpose()? {
            heap.push(Reverse((fp, i)));
        }
    }
    let (mut distinct, mut duplicates, mut previous) = ([0; CATEGORIES], 0, None);
    while let Some(Reverse((fp, i))) = heap.pop() {
        let id = fp >> 3;
        if previous == Some(id) {
            duplicates += 1;
        } else {
            distinct[(fp & 0b111) as usize] += 1;
            previous = Some(id);
        }
        if let Some(next) = sources[i].next().transpose()? {
            heap.push(Reverse((next, i)));
        }
    }
    Ok((distinct, duplicates))
}

/// `count` fingerprints of `file` from byte `from`, read a block at a time.
fn read_run(file: &File, from: u64, count: usize) -> impl Iterator<Item = std::io::Result<u64>> {
    const BLOCK: usize = 1024;
    let mut block: Vec<u64> = Vec::new();
    let mut bytes = vec![0u8; 8 * BLOCK.min(count)];
    let (mut read, mut next) = (0, 0);
    std::iter::from_fn(move || {
        if next == block.len() {
            if read == count {
                return None;
            }
            let n = BLOCK.min(count - read);
            let buf = &mut bytes[..8 * n];
            if let Err(e) = file.read_exact_at(buf, from + 8 * read as u64) {
                read = count;
                return Some(Err(e));
            }
            block.clear();
            block.extend(
                buf.chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())),
            );
            read += n;
            next = 0;
        }
        next += 1;
        Some(Ok(block[next - 1]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Category, fingerprint};

    #[test]
    fn counts_the_same_in_memory_and_spilled() {
        let ids: Vec<u64> = (0..10_000u64)
            .map(|i| {
                fingerprint(
                    format!("id-{}", i % 7_000).as_bytes(),
                    if i % 3 == 0 {
                        Category::Other
                    } else {
                        Category::Multipart
                    },
                )
            })
            .collect();
        let mut results = Vec::new();
        for limit in [usize::MAX, 1_000, 7] {
            let mut a = Fingerprints::with_limit(limit);
            let mut b = Fingerprints::with_limit(limit);
            a.extend(ids[..4_000].iter().copied());
            b.extend(ids[4_000..].iter().copied());
            let mut distinct = [0; CATEGORIES];
            let duplicates = a.merge(b).tally(&mut distinct).unwrap();
            results.push((duplicates, distinct));
        }
        assert_eq!(results[0].0, 3_000);
        assert_eq!(results[0].1.iter().sum::<u64>(), 7_000);
        assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
    }
}
