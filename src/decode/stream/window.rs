//! A window on a decompressed input that slides over it: bytes are read a chunk at a time and
//! forgotten once decoded, so that memory holds one chunk and the value being read, never the
//! whole input.

use std::io::Read;

use super::MAX_VALUE;
use crate::decode::gzip;
use crate::decode::skim::{self, SkimError};

/// Why reading a document stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// The JSON is damaged, or ends early.
    Json(SkimError),
    /// One value is too large to hold.
    Huge { at: usize },
}

impl From<SkimError> for Stop {
    fn from(e: SkimError) -> Stop {
        Stop::Json(e)
    }
}

/// A run of whole lines with the number of its first, or a line too long to hold.
pub(super) enum Piece<'a> {
    Lines(&'a [u8], usize),
    TooLong(usize),
}

pub(super) fn skip_bom(b: &[u8]) -> usize {
    if b.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 }
}

/// The error with its offset counted from the start of the input.
pub(super) fn absolute(error: SkimError, forgotten: u64) -> SkimError {
    let shift = |at: usize| usize::try_from(forgotten).map_or(at, |f| at.saturating_add(f));
    match error {
        SkimError::Unexpected { at } => SkimError::Unexpected { at: shift(at) },
        SkimError::TooDeep { at } => SkimError::TooDeep { at: shift(at) },
        SkimError::Truncated => SkimError::Truncated,
    }
}

/// Why reading stopped early.
pub(super) enum Reading {
    Gzip(gzip::GzipError),
    Io(String),
    /// A plain input goes on past the cap.
    TooLarge(u64),
}

/// A window on the decompressed input: the bytes from `forgotten` on, read on demand.
pub(super) struct Window<'a> {
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) source: &'a mut dyn Read,
    /// The source inflates gzip (so its errors are gzip errors).
    pub(super) gzip: bool,
    pub(super) chunk: usize,
    pub(super) ended: bool,
    pub(super) error: Option<std::io::Error>,
    /// Decompressed bytes read.
    pub(super) read: u64,
    pub(super) limit: u64,
    /// Bytes dropped from the front of the window.
    pub(super) forgotten: u64,
    /// Line breaks among them.
    pub(super) lines_forgotten: usize,
    /// Offsets held by a caller must stay valid: nothing may be forgotten.
    pub(super) pinned: bool,
}

impl Window<'_> {
    /// Reads one more chunk; `false` when nothing more can come.
    pub(super) fn more(&mut self) -> bool {
        if self.ended {
            return false;
        }
        let before = self.buf.len();
        let room = self.limit.saturating_sub(self.read).saturating_add(1);
        let want = before + usize::try_from(room).unwrap_or(usize::MAX).min(self.chunk);
        if let Err(e) = fill(self.source, self.buf, want) {
            self.error = Some(e);
            self.ended = true;
        }
        let n = self.buf.len() - before;
        self.read += n as u64;
        if self.buf.len() < want || self.too_large() {
            self.ended = true;
        }
        if self.too_large() {
            // Nothing past the cap is read.
            let over = usize::try_from(self.read - self.limit).unwrap_or(0);
            self.buf.truncate(self.buf.len().saturating_sub(over));
        }
        n > 0
    }

    /// Reads until the window holds `n` bytes or the input ends.
    pub(super) fn more_until(&mut self, n: usize) {
        while self.buf.len() < n && self.more() {}
    }

    pub(super) fn too_large(&self) -> bool {
        self.read > self.limit
    }

    /// The offset of the next byte that is not white space, at or after `at`, reading as needed
    /// (and, unless pinned, forgetting the white space).
    pub(super) fn next(&mut self, mut at: usize) -> Result<usize, Stop> {
        loop {
            at = skim::skip_ws(self.buf, at);
            if at < self.buf.len() {
                return Ok(at);
            }
            at = self.forget(at);
            if self.pinned && self.buf.len() > MAX_VALUE {
                return Err(Stop::Huge { at });
            }
            if !self.more() {
                return Err(SkimError::Truncated.into());
            }
        }
    }

    /// Where the JSON value at `at` ends, reading until it is whole. Objects and arrays are
    /// delimited by their brackets alone, as when the input is read whole: what is inside is
    /// checked by whoever reads it.
    pub(super) fn value_end(&mut self, at: usize, depth: usize) -> Result<usize, Stop> {
        loop {
            match skim::skip_nested(self.buf, at, depth) {
                // A number or word that reaches the end of the window may go on after it.
                Ok(end) if end < self.buf.len() || self.ended => return Ok(end),
                Err(SkimError::Truncated) if self.ended => return Err(SkimError::Truncated.into()),
                Ok(_) | Err(SkimError::Truncated) => {
                    if self.buf.len() - at > MAX_VALUE {
                        return Err(Stop::Huge { at });
                    }
                    self.more();
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The string at `at` and where it ends, reading until it is whole.
    pub(super) fn string_end(&mut self, at: usize) -> Result<usize, SkimError> {
        loop {
            let result = skim::read_string(self.buf, at).map(|(_, end)| end);
            match result {
                Err(SkimError::Truncated) if self.more() => {}
                result => return result,
            }
        }
    }

    /// Drops the bytes before `at` once there are many (unless pinned); returns the new offset
    /// of `at`.
    pub(super) fn forget(&mut self, at: usize) -> usize {
        if at < self.chunk || self.pinned {
            return at;
        }
        self.lines_forgotten += memchr::memchr_iter(b'\n', &self.buf[..at]).count();
        self.forgotten += at as u64;
        self.buf.drain(..at);
        0
    }

    /// Hands over the input a run of whole lines at a time, with the number of the first line.
    pub(super) fn lines(&mut self, mut read: impl FnMut(Piece<'_>)) {
        let mut line = 1 + self.lines_forgotten;
        // Inside a line longer than MAX_VALUE: dropping bytes up to its end.
        let mut skipping = false;
        loop {
            if skipping {
                match memchr::memchr(b'\n', self.buf) {
                    Some(nl) => {
                        self.buf.drain(..=nl);
                        skipping = false;
                    }
                    None => self.buf.clear(),
                }
            }
            let cut = match memchr::memrchr(b'\n', self.buf) {
                _ if self.ended => self.buf.len(),
                Some(nl) => nl + 1,
                None if self.buf.len() > MAX_VALUE => {
                    read(Piece::TooLong(line));
                    self.buf.clear();
                    skipping = true;
                    line += 1;
                    self.more();
                    continue;
                }
                None => {
                    self.more();
                    continue;
                }
            };
            let start = if self.forgotten == 0 && line == 1 {
                skip_bom(self.buf).min(cut)
            } else {
                0
            };
            read(Piece::Lines(&self.buf[start..cut], line));
            line += memchr::memchr_iter(b'\n', &self.buf[..cut]).count();
            self.buf.drain(..cut);
            if self.ended {
                return;
            }
            self.more();
        }
    }

    /// Why reading stopped before the end, if it did.
    pub(super) fn reading_problem(&mut self) -> Option<Reading> {
        if self.too_large() {
            return Some(if self.gzip {
                Reading::Gzip(gzip::GzipError::TooLarge { limit: self.limit })
            } else {
                Reading::TooLarge(self.limit)
            });
        }
        let e = self.error.take()?;
        Some(if self.gzip {
            Reading::Gzip(gzip::classify(&e))
        } else {
            Reading::Io(format!("cannot read: {}", crate::error::plain(&e)))
        })
    }
}

/// Reads until `buf` holds `want` bytes or the reader ends.
pub(super) fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
    let missing = want.saturating_sub(buf.len());
    reader.take(missing as u64).read_to_end(buf).map(|_| ())
}
