//! Reading one input: small ones whole into the thread's reused buffers, large ones, standard
//! input and pipes as streams; then decoding what was read.

use crate::decode::{self, Decoded, Options};
use crate::sources::{Body, Input, Origin};
use crate::strings::Interner;

thread_local! {
    /// Per thread, the bytes of the input being read and its inflated JSON, reused from file to
    /// file: allocating and freeing a megabyte or two per file fragments the heap over thousands
    /// of files, and the process keeps growing although it holds little.
    static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Above this, a buffer is not kept for the next file (one huge file should not pin its memory).
const KEEP_BUFFER: usize = 64 << 20;

fn trim(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
}

/// Frees the buffers of every thread of the current pool, once its inputs are all read: they
/// are as large as the largest file, and the stages after decoding need that memory more.
pub fn release_buffers() {
    rayon::broadcast(|_| BUFFERS.set((Vec::new(), Vec::new())));
}

/// What reading one input gave.
pub enum Read {
    /// A CloudTrail digest file, skipped.
    Digest,
    /// The input could not be read: why.
    Failed(String),
    /// What it held, and the bytes read before decompression.
    Decoded(Box<Decoded>, u64),
}

/// Reads and decodes one input with the thread's buffers: small ones whole, large ones, standard
/// input and pipes as streams. `sink` receives every record flattened, if given.
pub fn read_input(
    input: Input,
    id: u32,
    opts: &Options,
    interner: &Interner,
    sink: Option<&dyn decode::RecordSink>,
) -> Read {
    let streamed = match (&input.body, &input.origin) {
        (Body::Digest, _) => return Read::Digest,
        (Body::Stdin | Body::Pipe, _) => true,
        // Parquet is read whole: its footer says where everything is.
        (Body::File(_), Origin::File(path)) if path.extension().is_some_and(|e| e == "parquet") => {
            false
        }
        (Body::File(size), Origin::File(_)) => decode::stream::streams(*size, opts),
        _ => false,
    };
    BUFFERS.with_borrow_mut(|(raw, json)| {
        let read = if streamed {
            let reader: Result<Box<dyn std::io::Read>, String> = match &input.origin {
                Origin::File(path) => std::fs::File::open(path)
                    .map(|f| Box::new(f) as Box<dyn std::io::Read>)
                    .map_err(|e| format!("cannot read: {}", crate::error::plain(&e))),
                _ => Ok(Box::new(std::io::stdin().lock())),
            };
            match reader {
                Ok(reader) => {
                    let s =
                        decode::stream::decode_reader_with(reader, id, opts, interner, raw, sink);
                    Read::Decoded(Box::new(s.decoded), s.bytes_read)
                }
                Err(why) => Read::Failed(why),
            }
        } else {
            match input.load_into(opts.max_decoded, raw) {
                Err(why) => Read::Failed(why),
                Ok(()) => {
                    let decoded = decode::decode_with(raw, id, opts, interner, json, sink);
                    Read::Decoded(Box::new(decoded), raw.len() as u64)
                }
            }
        };
        trim(raw);
        trim(json);
        read
    })
}
