//! The `uploadtrail` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use uploadtrail::{app, cli, report::escape};

/// jemalloc rather than glibc's malloc: reading from S3, the SDK allocates hundreds of times a
/// request and a decoding thread frees what the network thread allocated, which costs glibc a
/// quarter of the CPU (see README, "Speed and memory").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before the first allocation. One arena for every thread: the stages
/// run one after another, and a thread then reuses what the threads before it freed (with an
/// arena per thread, runs with a state peaked 30% higher, measured, and no faster).
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_OPTIONS: &[u8; 10] = b"narenas:1\0";

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match app::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if app::is_broken_pipe(&err) => ExitCode::SUCCESS,
        // The report says what was found: nothing to add.
        Err(uploadtrail::error::Error::Found(_)) => ExitCode::from(3),
        Err(err) => {
            eprintln!("uploadtrail: {}", escape::terminal(&err.to_string()));
            ExitCode::from(if matches!(err, uploadtrail::error::Error::Usage(_)) {
                2
            } else {
                1
            })
        }
    }
}
