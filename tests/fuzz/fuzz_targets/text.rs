//! The text parsers: event times, S3 access-log lines, lifecycle configurations, `s3://` URLs.
//! None may panic; what they accept must make sense.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uploadtrail::decode::{self, Decoded, Options, access_log};
use uploadtrail::sources::s3::Location;
use uploadtrail::strings::Interner;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Some(t) = decode::parse_time(text) {
            // A time that parses prints as a time that parses to the same instant.
            assert_eq!(decode::parse_time(&t.to_rfc3339()), Some(t));
        }
        if let Some(Ok(location)) = Location::parse(text) {
            assert!(!location.bucket.is_empty());
        }
    }
    let _ = access_log::parse_time(bytes);
    // Every line, access log or not: each is counted once, as a record or as a foreign entry.
    let mut out = Decoded::default();
    access_log::read(bytes, &mut out, 0, &Options::default(), &Interner::default());
    let identified = out.fingerprints.len() as u64;
    let unidentified: u64 = out.unidentified.iter().sum();
    assert_eq!(out.records, identified + unidentified);
    let _ = decode::parse_rules_file(bytes);
});
