//! The only place that inflates gzip. Everything compressed goes through [`decoder`].
//!
//! A gzip file may hold several members back to back (`cat a.gz b.gz` is valid gzip), so the
//! decoder reads all of them. Its output is capped: a few kilobytes can inflate to gigabytes, and a
//! log file from the wild must not be able to take the machine's memory. A test in `tests/` keeps
//! other modules from constructing gzip decoders of their own.

use std::io::{BufRead, Read};

use flate2::bufread::MultiGzDecoder;

/// The two bytes every gzip member starts with.
pub const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` start like gzip.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Why inflating stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GzipError {
    /// The compressed data ends before the end of the stream.
    Truncated,
    /// The stream is damaged (bad header, bad deflate data or bad checksum).
    Corrupt(String),
    /// The output would exceed the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
}

impl std::fmt::Display for GzipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GzipError::Truncated => f.write_str("gzip data is truncated"),
            GzipError::Corrupt(why) => write!(f, "gzip data is corrupt ({why})"),
            GzipError::TooLarge { limit } => write!(
                f,
                "decompresses to more than {} MiB (the limit; see --max-decoded-mib)",
                limit >> 20
            ),
        }
    }
}

/// The result of inflating a whole buffer: everything that could be inflated, and why it stopped
/// early if it did. Records before the damage can still be read.
#[derive(Debug)]
pub struct Inflated {
    /// The inflated bytes (at most the cap).
    pub data: Vec<u8>,
    /// Set when the input could not be inflated to its end.
    pub error: Option<GzipError>,
}

/// The single constructor of gzip decoders in this crate.
fn decoder<R: BufRead>(compressed: R) -> MultiGzDecoder<R> {
    MultiGzDecoder::new(compressed)
}

/// Inflates a whole gzip buffer, reading at most `limit` bytes of output.
///
/// The output buffer is sized from the gzip trailer (ISIZE, the size of the last member modulo
/// 2^32), which roughly doubles the speed of inflating; the trailer is untrusted, so the size is
/// clamped to what deflate can produce and to the cap.
pub fn gunzip(compressed: &[u8], limit: u64) -> Inflated {
    let mut data = Vec::with_capacity(output_size_hint(compressed, limit));
    let result = decoder(compressed)
        .take(limit.saturating_add(1))
        .read_to_end(&mut data);
    let error = match result {
        Err(e) => Some(classify(&e)),
        Ok(_) if data.len() as u64 > limit => {
            data.truncate(limit as usize);
            Some(GzipError::TooLarge { limit })
        }
        Ok(_) => None,
    };
    Inflated { data, error }
}

/// A streaming reader over gzip data (for bundles too big to hold), capped at `limit` bytes of
/// output. Reading past the cap fails with an error whose message names the cap.
pub fn reader<R: BufRead>(compressed: R, limit: u64) -> impl Read {
    Capped {
        inner: decoder(compressed).take(limit.saturating_add(1)),
        left: limit,
        limit,
    }
}

struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(
                GzipError::TooLarge { limit: self.limit }.to_string(),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The largest ratio deflate can reach is about 1032:1.
const MAX_DEFLATE_RATIO: usize = 1032;

fn output_size_hint(compressed: &[u8], limit: u64) -> usize {
    let len = compressed.len();
    let trailer = compressed
        .len()
        .checked_sub(4)
        .map(|at| {
            u32::from_le_bytes([
                compressed[at],
                compressed[at + 1],
                compressed[at + 2],
                compressed[at + 3],
            ]) as usize
        })
        .unwrap_or(0);
    let plausible = trailer >= len / 2 && trailer <= len.saturating_mul(MAX_DEFLATE_RATIO);
    let guess = if plausible {
        trailer
    } else {
        len.saturating_mul(8)
    };
    guess
        .min(usize::try_from(limit).unwrap_or(usize::MAX))
        .saturating_add(1)
}

fn classify(e: &std::io::Error) -> GzipError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => GzipError::Truncated,
        _ => GzipError::Corrupt(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflates_all_members() {
        let mut two = gz(b"hello ");
        two.extend(gz(b"world"));
        let out = gunzip(&two, 1 << 20);
        assert_eq!(out.data, b"hello world");
        assert_eq!(out.error, None);
    }

    #[test]
    fn keeps_what_came_before_truncation() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let full = gz(&data);
        let out = gunzip(&full[..full.len() / 2], 1 << 30);
        assert_eq!(out.error, Some(GzipError::Truncated));
        assert!(!out.data.is_empty());
        assert_eq!(out.data, data[..out.data.len()]);
    }

    #[test]
    fn stops_at_the_cap() {
        let zeros = gz(&vec![0u8; 10 << 20]);
        let out = gunzip(&zeros, 1 << 20);
        assert_eq!(out.error, Some(GzipError::TooLarge { limit: 1 << 20 }));
        assert_eq!(out.data.len(), 1 << 20);

        let mut streamed = Vec::new();
        let err = reader(&zeros[..], 1 << 20)
            .read_to_end(&mut streamed)
            .unwrap_err();
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
    }

    #[test]
    fn detects_a_bad_checksum() {
        let mut bad = gz(b"some text that is long enough");
        let n = bad.len();
        bad[n - 8] ^= 0xff; // CRC32 sits before ISIZE in the trailer
        let out = gunzip(&bad, 1 << 20);
        assert!(
            matches!(out.error, Some(GzipError::Corrupt(_))),
            "{:?}",
            out.error
        );
    }
}
