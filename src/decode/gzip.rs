//! The only place that inflates gzip. Whole buffers go through [`gunzip`], streams through
//! [`reader`].
//!
//! A CloudTrail delivery file is one gzip member whose trailer states its size, so [`gunzip`]
//! first hands it to libdeflate, which inflates a whole buffer into an exactly sized one about
//! twice as fast as a streaming inflater. Anything else — several members back to back
//! (`cat a.gz b.gz` is valid gzip), a damaged stream, a size over the cap — goes through flate2
//! (zlib-rs backend), which reads every member, keeps what comes before damage, and says what went
//! wrong. Output is always capped: a few kilobytes can inflate to gigabytes, and a log file from
//! the wild must not be able to take the machine's memory. A test in `tests/` keeps other modules
//! from constructing gzip decoders of their own.

use std::io::{BufRead, Read};
use std::ptr::NonNull;

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

impl std::error::Error for GzipError {}

/// The single constructor of gzip decoders in this crate.
fn decoder<R: BufRead>(compressed: R) -> MultiGzDecoder<R> {
    MultiGzDecoder::new(compressed)
}

/// Inflates a whole gzip buffer into `out` (which is cleared first, and whose memory is reused),
/// writing at most `limit` bytes. Returns why inflating stopped early, if it did; what was
/// inflated before that stays in `out`, so records before damage can still be read.
///
/// The flate2 path sizes its output from the gzip trailer (ISIZE, the size of the last member
/// modulo 2^32), which roughly doubles its speed; the trailer is untrusted, so the size is
/// clamped to what deflate can produce and to the cap.
pub fn gunzip(compressed: &[u8], limit: u64, out: &mut Vec<u8>) -> Option<GzipError> {
    out.clear();
    if inflate_whole(compressed, limit, out) {
        return None;
    }
    out.clear();
    out.reserve(output_size_hint(compressed, limit));
    match decoder(compressed)
        .take(limit.saturating_add(1))
        .read_to_end(out)
    {
        Err(e) => Some(classify(&e)),
        Ok(_) if out.len() as u64 > limit => {
            out.truncate(limit as usize);
            Some(GzipError::TooLarge { limit })
        }
        Ok(_) => None,
    }
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
            return Err(std::io::Error::other(GzipError::TooLarge {
                limit: self.limit,
            }));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A libdeflate decompressor, one per thread (it holds about 32 KiB of tables).
struct Libdeflate(NonNull<libdeflate_sys::libdeflate_decompressor>);

impl Libdeflate {
    fn new() -> Option<Libdeflate> {
        // SAFETY: allocating a decompressor has no preconditions; a null result means no memory.
        NonNull::new(unsafe { libdeflate_sys::libdeflate_alloc_decompressor() }).map(Libdeflate)
    }
}

impl Drop for Libdeflate {
    fn drop(&mut self) {
        // SAFETY: the pointer came from libdeflate_alloc_decompressor and is freed once.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

thread_local! {
    static LIBDEFLATE: Option<Libdeflate> = Libdeflate::new();
}

/// Inflates `compressed` into the empty `out` with libdeflate, if it is exactly one intact gzip
/// member whose trailer size is within `limit`; `false` otherwise (the caller then uses flate2).
fn inflate_whole(compressed: &[u8], limit: u64, out: &mut Vec<u8>) -> bool {
    let Some(size) = trailer_size(compressed) else {
        return false;
    };
    if size as u64 > limit || size > compressed.len().saturating_mul(MAX_DEFLATE_RATIO) {
        return false;
    }
    LIBDEFLATE.with(|d| {
        let Some(d) = d.as_ref() else {
            return false;
        };
        out.reserve(size);
        let (mut consumed, mut written) = (0usize, 0usize);
        // SAFETY: the input pointer and length describe `compressed`; `out` is empty with a
        // capacity of at least `size`, and libdeflate writes at most `size` bytes into it; the two result pointers are valid for writes. libdeflate checks the CRC
        // and the size in the trailer, and fails on bad data rather than reading or writing
        // out of bounds.
        let result = unsafe {
            libdeflate_sys::libdeflate_gzip_decompress_ex(
                d.0.as_ptr(),
                compressed.as_ptr().cast(),
                compressed.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut consumed,
                &mut written,
            )
        };
        if result != libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS
            || consumed != compressed.len()
            || written != size
        {
            return false; // several members, damage or a lying trailer: flate2 sorts it out
        }
        // SAFETY: libdeflate initialised the first `written` bytes of the buffer.
        unsafe { out.set_len(written) };
        true
    })
}

/// The size that the last gzip member's trailer (ISIZE) states, modulo 2^32.
fn trailer_size(compressed: &[u8]) -> Option<usize> {
    let tail: &[u8; 4] = compressed.last_chunk()?;
    usize::try_from(u32::from_le_bytes(*tail)).ok()
}

/// The largest ratio deflate can reach is about 1032:1.
const MAX_DEFLATE_RATIO: usize = 1032;

fn output_size_hint(compressed: &[u8], limit: u64) -> usize {
    let len = compressed.len();
    let trailer = trailer_size(compressed).unwrap_or(0);
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

/// What an error from a gzip stream means.
pub fn classify(e: &std::io::Error) -> GzipError {
    if let Some(known) = e.get_ref().and_then(|e| e.downcast_ref::<GzipError>()) {
        return known.clone();
    }
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
        let mut out = Vec::new();
        assert_eq!(gunzip(&two, 1 << 20, &mut out), None);
        assert_eq!(out, b"hello world");
    }

    #[test]
    fn keeps_what_came_before_truncation() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let full = gz(&data);
        let mut out = Vec::new();
        assert_eq!(
            gunzip(&full[..full.len() / 2], 1 << 30, &mut out),
            Some(GzipError::Truncated)
        );
        assert!(!out.is_empty());
        assert_eq!(out, data[..out.len()]);
    }

    #[test]
    fn stops_at_the_cap() {
        let zeros = gz(&vec![0u8; 10 << 20]);
        let mut out = Vec::new();
        assert_eq!(
            gunzip(&zeros, 1 << 20, &mut out),
            Some(GzipError::TooLarge { limit: 1 << 20 })
        );
        assert_eq!(out.len(), 1 << 20);

        let mut streamed = Vec::new();
        let err = reader(&zeros[..], 1 << 20)
            .read_to_end(&mut streamed)
            .unwrap_err();
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
    }

    #[test]
    fn the_fast_path_takes_only_whole_single_members() {
        let whole = |data: &[u8], limit| {
            let mut out = Vec::new();
            inflate_whole(data, limit, &mut out).then_some(out)
        };
        let one = gz(b"single member");
        assert_eq!(whole(&one, 1 << 20).as_deref(), Some(&b"single member"[..]));
        let mut two = gz(b"first ");
        two.extend(gz(b"second"));
        assert_eq!(whole(&two, 1 << 20), None);
        let mut out = Vec::new();
        assert_eq!(gunzip(&two, 1 << 20, &mut out), None);
        assert_eq!(out, b"first second");
        assert_eq!(whole(&one[..one.len() - 1], 1 << 20), None);
        assert_eq!(whole(&one, 4), None, "over the cap");
    }

    #[test]
    fn detects_a_bad_checksum() {
        let mut bad = gz(b"some text that is long enough");
        let n = bad.len();
        bad[n - 8] ^= 0xff; // CRC32 sits before ISIZE in the trailer
        let error = gunzip(&bad, 1 << 20, &mut Vec::new());
        assert!(matches!(error, Some(GzipError::Corrupt(_))), "{error:?}");
    }
}
