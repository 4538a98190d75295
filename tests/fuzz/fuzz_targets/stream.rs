//! Any bytes, read as a stream in small pieces: what is read equals what is read whole, whenever
//! the whole read finds nothing wrong (the window over the input must not change the answer).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uploadtrail::decode::{self, Options, stream};
use uploadtrail::strings::Interner;

fuzz_target!(|input: (u8, &[u8])| {
    let (piece, bytes) = input;
    let opts = Options::default();
    // One string table for both: fingerprints of long request IDs name their interned string.
    let interner = Interner::default();
    let whole = decode::decode(bytes, 0, &opts, &interner, &mut Vec::new());
    let streamed = stream::decode_in_pieces(bytes, usize::from(piece) + 1, &opts, &interner);
    let identified = streamed.fingerprints.len() as u64;
    let unidentified: u64 = streamed.unidentified.iter().sum();
    assert_eq!(streamed.records, identified + unidentified);
    if whole.problems.is_empty() && !whole.failed {
        assert_eq!(streamed.records, whole.records, "records");
        assert_eq!(streamed.events.len(), whole.events.len(), "events");
        assert_eq!(streamed.fingerprints, whole.fingerprints, "fingerprints");
    }
});
