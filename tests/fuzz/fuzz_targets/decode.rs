//! Any bytes, as a file: gzip or not, JSON in any shape, an access log, or anything else. Decoding
//! never panics, never reads past the cap, and accounts for every record it counts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uploadtrail::decode::{self, Options};
use uploadtrail::strings::Interner;

fuzz_target!(|bytes: &[u8]| {
    let opts = Options {
        max_decoded: 1 << 20,
        ..Options::default()
    };
    let interner = Interner::default();
    let decoded = decode::decode(bytes, 0, &opts, &interner, &mut Vec::new());
    assert!(decoded.bytes_decoded <= opts.max_decoded);
    let identified = decoded.fingerprints.len() as u64;
    let unidentified: u64 = decoded.unidentified.iter().sum();
    assert_eq!(decoded.records, identified + unidentified);
});
