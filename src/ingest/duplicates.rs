//! Counting records whose `eventID` was already read, exactly, in bounded memory.
//!
//! Duplicates are counted over every record, not only the few the analysis keeps, so a trail of
//! billions of records would need billions of IDs in memory. Instead each record leaves a 64-bit
//! fingerprint (a hash of its ID, with its category in the low 3 bits); past a limit, the
//! fingerprints in memory are sorted and written to an anonymous temporary file, and at the end
//! all sorted runs are merged. Memory stays at the limit whatever the size of the input.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

use crate::decode::CATEGORIES;

/// Fingerprints kept in memory before a run is written out: 256 Ki of them, 2 MiB.
pub const DEFAULT_LIMIT: usize = 256 << 10;

/// Fingerprints of the records read so far.
pub struct Fingerprints {
    memory: Vec<u64>,
    runs: Vec<File>,
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

    /// Writes the fingerprints in memory as a sorted run. If the temporary file cannot be
    /// written, they stay in memory: the count stays exact, only the memory bound is lost.
    fn spill(&mut self) {
        self.memory.sort_unstable();
        let written = tempfile::tempfile().and_then(|file| {
            let mut out = BufWriter::new(file);
            for fp in &self.memory {
                out.write_all(&fp.to_le_bytes())?;
            }
            let mut file = out.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            Ok(file)
        });
        match written {
            Ok(file) => {
                self.runs.push(file);
                self.memory.clear();
            }
            Err(_) => self.limit = self.limit.saturating_mul(2),
        }
    }

    /// Merges everything in order and counts: for each ID the first copy counts as distinct
    /// in its category (`distinct` is added to), the other copies are returned as duplicates.
    pub fn tally(mut self, distinct: &mut [u64; CATEGORIES]) -> std::io::Result<u64> {
        self.memory.sort_unstable();
        let mut runs: Vec<Box<dyn Iterator<Item = std::io::Result<u64>>>> = Vec::new();
        for file in self.runs {
            runs.push(Box::new(read_run(file)));
        }
        runs.push(Box::new(
            std::mem::take(&mut self.memory).into_iter().map(Ok),
        ));

        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(fp) = run.next().transpose()? {
                heap.push(Reverse((fp, i)));
            }
        }
        let (mut duplicates, mut previous) = (0, None);
        while let Some(Reverse((fp, i))) = heap.pop() {
            let id = fp >> 3;
            if previous == Some(id) {
                duplicates += 1;
            } else {
                distinct[(fp & 0b111) as usize] += 1;
                previous = Some(id);
            }
            if let Some(next) = runs[i].next().transpose()? {
                heap.push(Reverse((next, i)));
            }
        }
        Ok(duplicates)
    }
}

fn read_run(file: File) -> impl Iterator<Item = std::io::Result<u64>> {
    let mut reader = BufReader::new(file);
    std::iter::from_fn(move || {
        let mut bytes = [0u8; 8];
        match reader.read_exact(&mut bytes) {
            Ok(()) => Some(Ok(u64::from_le_bytes(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
            Err(e) => Some(Err(e)),
        }
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
