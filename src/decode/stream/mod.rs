//! Inputs decoded as they are read, never held whole: memory stays flat whatever their size.
//!
//! Large inputs come in two kinds. One-event-per-line exports (CloudTrail Lake and Athena
//! results, SIEM dumps) and S3 access logs are decoded a chunk of whole lines at a time. Documents
//! — `{"Records":[…]}` (CloudTrail writes files of up to about half a gigabyte of JSON), a bare
//! array, `aws cloudtrail lookup-events` output, CloudWatch Logs payloads — are read one element of
//! their record array at a time, through a window that slides over the input. Decompression bombs
//! are streams too: they cost time up to `--max-decoded-mib`, never memory.
//!
//! Small inputs do not come here: [`super::decode`] reads them whole, which is faster.

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;

use super::frame::{self, Framer, line_of};
use super::skim::SkimError;
use super::{Decoded, Options, access_log, finish, gzip, oss};
use crate::strings::Interner;
use window::{Piece, Reading, Stop, Window, absolute, fill, skip_bom};

mod window;

/// Local files larger than this (or than the cap, if lower) are read as streams.
const STREAM_FROM: u64 = 16 << 20;
/// Inputs are read this many bytes at a time.
const CHUNK: usize = 8 << 20;
/// What is read to decide what an input holds.
const HEAD: usize = 1 << 20;
/// The largest single line or JSON value held to be read.
pub const MAX_VALUE: usize = 64 << 20;

/// Whether a local file of `size` bytes is read as a stream rather than loaded whole.
pub fn streams(size: u64, opts: &Options) -> bool {
    size > STREAM_FROM.min(opts.max_decoded)
}

/// What a streamed input gave: what was decoded, and the bytes read before decompression.
pub struct Streamed {
    /// The decoded input.
    pub decoded: Decoded,
    /// Bytes read from the reader.
    pub bytes_read: u64,
}

/// Counts the bytes that pass through a reader.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Decodes everything `reader` yields. `buf` is the thread's reusable buffer.
pub fn decode_reader(
    reader: impl Read,
    origin: u32,
    opts: &Options,
    interner: &Interner,
    buf: &mut Vec<u8>,
) -> Streamed {
    decode_chunked(reader, origin, opts, interner, buf, (HEAD, CHUNK), None)
}

/// [`decode_reader`], handing every record flattened to `sink` too.
pub fn decode_reader_with(
    reader: impl Read,
    origin: u32,
    opts: &Options,
    interner: &Interner,
    buf: &mut Vec<u8>,
    sink: Option<&dyn super::RecordSink>,
) -> Streamed {
    decode_chunked(reader, origin, opts, interner, buf, (HEAD, CHUNK), sink)
}

/// Decodes `bytes` as a stream read `piece` bytes at a time (for fuzzing: the answer must not
/// depend on where the pieces end).
#[doc(hidden)]
pub fn decode_in_pieces(
    bytes: &[u8],
    piece: usize,
    opts: &Options,
    interner: &Interner,
) -> Decoded {
    decode_chunked(
        bytes,
        0,
        opts,
        interner,
        &mut Vec::new(),
        (4096, piece.max(1)),
        None,
    )
    .decoded
}

fn decode_chunked(
    reader: impl Read,
    origin: u32,
    opts: &Options,
    interner: &Interner,
    buf: &mut Vec<u8>,
    (head, chunk): (usize, usize),
    sink: Option<&dyn super::RecordSink>,
) -> Streamed {
    let count = Rc::new(Cell::new(0));
    let mut reader = Counting {
        inner: reader,
        count: count.clone(),
    };
    let mut magic = Vec::new();
    let read_magic = fill(&mut reader, &mut magic, 2);
    let gzip = gzip::is_gzip(&magic);
    let whole = Cursor::new(magic).chain(reader);
    let mut source: Box<dyn Read> = if gzip {
        Box::new(gzip::reader(BufReader::new(whole), opts.max_decoded))
    } else {
        Box::new(whole)
    };
    buf.clear();
    let mut w = Window {
        buf,
        source: &mut *source,
        gzip,
        chunk,
        ended: false,
        error: read_magic.err(),
        read: 0,
        limit: opts.max_decoded,
        forgotten: 0,
        lines_forgotten: 0,
        pinned: false,
    };
    let mut out = Decoded::default();
    w.ended = w.error.is_some();
    w.more_until(head);
    let mut framer = Framer::new(&mut out, origin, opts, interner, sink);
    match w.next(skip_bom(w.buf)) {
        Err(_) => {
            if w.error.is_none() && !w.too_large() {
                framer.out.problem(super::nothing_in(w.read));
            }
        }
        Ok(first) if access_log::looks_like(&w.buf[first..]) => w.lines(|piece| match piece {
            Piece::Lines(text, _) => access_log::read(text, framer.out, origin, opts, interner),
            Piece::TooLong(line) => too_long(framer.out, line),
        }),
        Ok(first) if oss::access_log::looks_like(&w.buf[first..]) => w.lines(|piece| match piece {
            Piece::Lines(text, line) => {
                oss::access_log::read(text, line, framer.out, origin, opts, interner)
            }
            Piece::TooLong(line) => too_long(framer.out, line),
        }),
        Ok(first) if frame::line_delimited(w.buf, first) => w.lines(|piece| match piece {
            Piece::Lines(text, line) => {
                framer.lines(text, line);
            }
            Piece::TooLong(line) => too_long(framer.out, line),
        }),
        Ok(first) => {
            if let Some(why) = super::not_json(&w.buf[first..]) {
                framer.out.failed = true;
                framer.out.problem(why);
            } else if let Err(stop) = document(&mut framer, &mut w, first) {
                framer.out.failed = true;
                let kept = framer.out.records;
                let reading_failed = w.error.is_some() || w.too_large();
                let message = match stop {
                    // A stream cut short by its gzip data ends the JSON early too: said once, below.
                    Stop::Json(SkimError::Truncated) if reading_failed => None,
                    Stop::Json(SkimError::Truncated) => Some(format!(
                        "the JSON is truncated; the {kept} records before the end were read"
                    )),
                    Stop::Json(error) => {
                        let at = match error {
                            SkimError::Unexpected { at } | SkimError::TooDeep { at } => at,
                            SkimError::Truncated => w.buf.len(),
                        };
                        Some(format!(
                            "invalid JSON at line {} ({}); the {kept} records before it were read",
                            w.lines_forgotten + line_of(w.buf, at),
                            absolute(error, w.forgotten)
                        ))
                    }
                    Stop::Huge { at } => Some(format!(
                        "a single JSON value at line {} is larger than {} MiB; the {kept} records before it were read",
                        w.lines_forgotten + line_of(w.buf, at),
                        MAX_VALUE >> 20
                    )),
                };
                if let Some(message) = message {
                    framer.out.problem(message);
                }
            }
        }
    }
    let problem = w.reading_problem();
    let bytes_decoded = w.read;
    w.buf.clear();
    out.bytes_decoded = bytes_decoded;
    let gzip_error = match problem {
        Some(Reading::Gzip(e)) => Some(e),
        Some(Reading::Io(why)) => {
            out.failed = true;
            out.problem(why);
            None
        }
        Some(Reading::TooLarge(limit)) => {
            out.failed = true;
            let kept = out.records;
            out.problem(format!(
                "the input goes on past the limit of {} MiB (see --max-decoded-mib); the {kept} records within the limit were read",
                limit >> 20
            ));
            None
        }
        None => None,
    };
    finish(&mut out, gzip_error);
    Streamed {
        decoded: out,
        bytes_read: count.get(),
    }
}

fn too_long(out: &mut Decoded, line: usize) {
    out.failed = true;
    out.problem(format!(
        "line {line} is longer than {} MiB; the line was skipped",
        MAX_VALUE >> 20
    ));
}

/// What the elements of an array hold.
#[derive(Clone, Copy)]
enum Elements {
    /// CloudTrail records (`Records`).
    Records,
    /// Anything: records or envelopes (a bare array, lookup-events `Events`).
    Values,
    /// CloudWatch Logs `logEvents`.
    LogEvents,
}

/// Reads a document whose top-level value starts at `at`: its record array one element at a time.
fn document(framer: &mut Framer<'_>, w: &mut Window<'_>, at: usize) -> Result<(), Stop> {
    let end = match w.buf[at] {
        b'[' => array(framer, w, at, Elements::Values, 1)?,
        _ => object(framer, w, at)?,
    };
    // Anything after the document is read as more documents, whole.
    let mut at = end;
    loop {
        at = match w.next(at) {
            Ok(at) => w.forget(at),
            Err(_) => return Ok(()),
        };
        let end = w.value_end(at, 0)?;
        framer.value(w.buf, at, 0)?;
        at = end;
    }
}

/// A top-level object: an envelope whose record array is read element by element, or a single
/// value read whole.
fn object(framer: &mut Framer<'_>, w: &mut Window<'_>, start: usize) -> Result<usize, Stop> {
    // Until an envelope array shows up, the object may be a single record: keep it whole.
    w.pinned = true;
    let read = object_members(framer, w, start);
    w.pinned = false;
    read
}

fn object_members(
    framer: &mut Framer<'_>,
    w: &mut Window<'_>,
    start: usize,
) -> Result<usize, Stop> {
    let mut envelope = false;
    let mut at = w.next(start + 1)?;
    if w.buf[at] == b'}' {
        return finish_object(framer, w, start, at + 1, envelope);
    }
    loop {
        let key_end = w.string_end(at)?;
        let elements = match &w.buf[at..key_end] {
            b"\"Records\"" => Some(Elements::Records),
            b"\"Events\"" => Some(Elements::Values),
            b"\"logEvents\"" => Some(Elements::LogEvents),
            _ => None,
        };
        at = w.next(key_end)?;
        if w.buf[at] != b':' {
            return Err(SkimError::Unexpected { at }.into());
        }
        at = w.next(at + 1)?;
        at = match elements {
            Some(kind) if w.buf[at] == b'[' => {
                envelope = true;
                w.pinned = false;
                array(framer, w, at, kind, 2)?
            }
            _ => w.value_end(at, 1)?,
        };
        at = w.next(at)?;
        match w.buf[at] {
            b',' => at = w.next(at + 1)?,
            b'}' => return finish_object(framer, w, start, at + 1, envelope),
            _ => return Err(SkimError::Unexpected { at }.into()),
        }
    }
}

/// An envelope's other members were skipped: nothing more to do. Anything else is one value,
/// still whole in the window, read as any small input is.
fn finish_object(
    framer: &mut Framer<'_>,
    w: &mut Window<'_>,
    start: usize,
    end: usize,
    envelope: bool,
) -> Result<usize, Stop> {
    if !envelope {
        framer.value(w.buf, start, 0)?;
    }
    Ok(end)
}

/// Reads the array at `at` one element at a time; returns the offset just after it.
fn array(
    framer: &mut Framer<'_>,
    w: &mut Window<'_>,
    at: usize,
    kind: Elements,
    depth: usize,
) -> Result<usize, Stop> {
    let mut at = w.next(at + 1)?;
    if w.buf[at] == b']' {
        return Ok(at + 1);
    }
    loop {
        at = w.forget(at);
        let end = w.value_end(at, depth)?;
        match kind {
            Elements::Records => framer.record_slot(w.buf, at, depth)?,
            Elements::Values => framer.value(w.buf, at, depth)?,
            Elements::LogEvents => framer.log_event(w.buf, at, depth)?,
        };
        at = w.next(end)?;
        match w.buf[at] {
            b',' => at = w.next(at + 1)?,
            b']' => return Ok(at + 1),
            _ => return Err(SkimError::Unexpected { at }.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strings::Interner;

    fn whole(bytes: &[u8]) -> Decoded {
        super::super::decode(
            bytes,
            0,
            &Options::default(),
            &Interner::default(),
            &mut Vec::new(),
        )
    }

    fn streamed(bytes: &[u8], chunk: usize) -> Decoded {
        let sizes = (chunk.max(400), chunk);
        decode_chunked(
            bytes,
            0,
            &Options::default(),
            &Interner::default(),
            &mut Vec::new(),
            sizes,
            None,
        )
        .decoded
    }

    fn summary(d: &Decoded) -> (u64, usize, usize, Vec<String>, u64) {
        (
            d.records,
            d.events.len(),
            d.fingerprints.len(),
            d.problems.clone(),
            d.bytes_decoded,
        )
    }

    const RECORD: &str = r#"{"eventVersion":"1.09","eventTime":"2026-11-03T09:31:05Z","eventSource":"s3.amazonaws.com","eventName":"UploadPart","eventID":"ID","requestParameters":{"bucketName":"b","key":"k","uploadId":"u","partNumber":"1"},"errorCode":"NoSuchUpload"}"#;

    fn records(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| RECORD.replace("\"ID\"", &format!("\"id-{i}\"")))
            .collect()
    }

    #[test]
    fn a_document_read_in_small_pieces_is_read_as_a_whole() {
        let doc = format!(
            "{{\"x\":[1,2],\"Records\":[{}],\"y\":\"z\"}}",
            records(40).join(",")
        );
        let expected = summary(&whole(doc.as_bytes()));
        assert_eq!(expected.0, 40);
        for chunk in [1, 7, 64, 1000, 1 << 20] {
            assert_eq!(
                summary(&streamed(doc.as_bytes(), chunk)),
                expected,
                "chunk {chunk}"
            );
        }
        // A bare array, and lines.
        let array = format!("[{}]", records(9).join(","));
        let lines = records(9).join("\n");
        for text in [array, lines] {
            let expected = summary(&whole(text.as_bytes()));
            assert_eq!(expected.0, 9);
            for chunk in [1, 5, 333] {
                assert_eq!(
                    summary(&streamed(text.as_bytes(), chunk)),
                    expected,
                    "chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn an_access_log_read_in_pieces_is_read_as_a_whole() {
        // Found by the `stream` fuzz target: a request ID too long to keep inline (NUL bytes in
        // it) is interned, so both reads must share one string table to compare.
        let line = |id: &str, part: u32| {
            format!(
                "7d4b backups [04/Nov/2026:02:0{part}:00 +0000] 10.0.7.7 arn:aws:iam::1:user/u {id} REST.PUT.PART k \"PUT /k?partNumber={part}&uploadId=U HTTP/1.1\" 200 - - 5 1 1 \"-\" \"ua\" -\n"
            )
        };
        let log = [line("P52KSGTWH6B0O\0\0\0\0\0\0\0\0Q9I", 1), line("A1B2", 2)].concat();
        let interner = Interner::default();
        let opts = Options::default();
        let whole = super::super::decode(log.as_bytes(), 0, &opts, &interner, &mut Vec::new());
        assert_eq!((whole.records, whole.events.len()), (2, 2));
        for piece in [1, 3, 50] {
            let streamed = decode_in_pieces(log.as_bytes(), piece, &opts, &interner);
            assert_eq!(summary(&streamed), summary(&whole), "piece {piece}");
        }
    }

    #[test]
    fn values_nobody_reads_are_skipped_by_their_brackets_as_when_read_whole() {
        // Found by the `stream` fuzz target: damage inside a value the decoder does not read
        // (requestParameters of a management event) costs nothing either way.
        let doc = "[\n {\"eventVersion\": \"1.08\", \"eventSource\": \"ce.amazonaws.com\",\n  \"eventName\": \"GetCostAndUsage\", \"eventTime\": \"2024-08-18T10:35:40Z\",\n  \"requestParameters\": {\"GroupBy\": [{\"Key\": 1}, {   ( \"Key\": 2}]}}\n]";
        let interner = Interner::default();
        let opts = Options::default();
        let whole = super::super::decode(doc.as_bytes(), 0, &opts, &interner, &mut Vec::new());
        assert_eq!((whole.records, whole.problems.len()), (1, 0));
        for piece in [1, 10, 93] {
            let streamed = decode_in_pieces(doc.as_bytes(), piece, &opts, &interner);
            assert_eq!(summary(&streamed), summary(&whole), "piece {piece}");
        }
    }

    #[test]
    fn damage_is_named_where_it_is() {
        let doc = format!(
            "{{\"Records\":[{},{{\"eventVersion\":]}}",
            records(3).join(",")
        );
        let d = streamed(doc.as_bytes(), 16);
        assert_eq!(d.records, 3);
        assert!(d.failed);
        assert!(
            d.problems[0].starts_with("invalid JSON at line 1 (invalid JSON at byte "),
            "{:?}",
            d.problems
        );
        // Cut inside the third record: two are read, as when the file is read whole.
        let cut = &doc.as_bytes()[..doc.len() - 30];
        let d = streamed(cut, 16);
        assert_eq!(
            d.problems,
            ["the JSON is truncated; the 2 records before the end were read"]
        );
        assert_eq!(d.problems, whole(cut).problems);
    }
}
