//! The physical floors the benchmark compares `analyze` with: read every file and inflate it, on
//! the same number of threads, and nothing else; with flate2 and its zlib-rs backend as a stream
//! (output sized from the gzip trailer), or with libdeflate into one buffer (what `analyze` does
//! with an intact single-member file: `uploadtrail::decode::gzip::gunzip`).
//!
//! `brackets` inflates with libdeflate and then finds where the file's JSON value ends by its
//! brackets and strings alone (`uploadtrail::decode::skim::skip_nested`, the skimmer's AVX-512
//! skip): the least any reader adds to inflating when it must find every record's end in a file
//! whose strings may hold any bracket or quote, before it looks at a single key.
//!
//! ```text
//! cargo run --release --example floor -- DIR THREADS [flate2|libdeflate|brackets]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use std::io::Read;

use flate2::bufread::MultiGzDecoder;
use rayon::prelude::*;
use uploadtrail::decode::skim;

/// What each file goes through.
#[derive(Clone, Copy, PartialEq)]
enum Floor {
    /// flate2 with zlib-rs, as a stream.
    Flate2,
    /// libdeflate, into one buffer.
    Libdeflate,
    /// libdeflate, then the JSON's end found by its brackets and strings.
    Brackets,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(Ok(threads))) = (args.first(), args.get(1).map(|t| t.parse::<usize>()))
    else {
        eprintln!("usage: floor DIR THREADS [flate2|libdeflate|brackets]");
        return ExitCode::from(2);
    };
    let floor = match args.get(2).map(String::as_str) {
        None | Some("flate2") => Floor::Flate2,
        Some("libdeflate") => Floor::Libdeflate,
        Some("brackets") => Floor::Brackets,
        Some(other) => {
            eprintln!("floor: {other:?}: write flate2, libdeflate or brackets");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut list = Vec::new();
    if let Err(e) = files(Path::new(dir), &mut list) {
        eprintln!("floor: {dir}: {e}");
        return ExitCode::FAILURE;
    }
    let (read, inflated) = (AtomicU64::new(0), AtomicU64::new(0));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(|| {
        list.par_iter().for_each(|path| {
            let Ok(bytes) = std::fs::read(path) else {
                return;
            };
            read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            let Some(trailer) = bytes.last_chunk::<4>() else {
                return;
            };
            let mut out = Vec::with_capacity(u32::from_le_bytes(*trailer) as usize + 1);
            let ok = match floor {
                Floor::Flate2 => MultiGzDecoder::new(&bytes[..])
                    .read_to_end(&mut out)
                    .is_ok(),
                Floor::Libdeflate | Floor::Brackets => {
                    uploadtrail::decode::gzip::gunzip(&bytes, u64::MAX, &mut out).is_none()
                }
            };
            if ok && floor == Floor::Brackets {
                let start = skim::skip_ws(&out, 0);
                if skim::skip_nested(&out, start, 0).is_err() {
                    eprintln!("floor: {}: the JSON breaks off", path.display());
                }
            }
            if ok {
                inflated.fetch_add(out.len() as u64, Ordering::Relaxed);
            }
        })
    });
    let secs = started.elapsed().as_secs_f64();
    let mb = inflated.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "{} files, {:.0} MB read, {mb:.0} MB inflated in {secs:.3} s: {:.0} MB/s",
        list.len(),
        read.load(Ordering::Relaxed) as f64 / 1e6,
        mb / secs
    );
    ExitCode::SUCCESS
}
