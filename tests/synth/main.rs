//! Regenerates the repository's synthetic data.
//!
//! ```text
//! cargo run --example synth -- fixtures fixtures                  # rewrite fixtures/
//! cargo run --release --example synth -- corpus DIR 1024 [SEED]    # ~1 GiB benchmark trail
//! cargo run --release --example synth -- access-logs DIR 512 [SEED] # ~512 MiB of access logs
//! cargo run --release --example synth -- oss-access-logs DIR 512 [SEED] # the same in OSS's format
//! cargo run --release --example synth -- export FILE 2048 [SEED]    # a ~2 GiB one-event-per-line export
//! ```

#[path = "mod.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["fixtures", dir] => synth::write_fixtures(&PathBuf::from(dir)),
        ["corpus", dir, mb, rest @ ..] if rest.len() <= 1 => {
            let (Ok(mb), Ok(seed)) = (mb.parse(), rest.first().unwrap_or(&"1").parse()) else {
                eprintln!("usage: synth corpus DIR MIB [SEED]");
                return ExitCode::from(2);
            };
            synth::corpus::write_corpus(&PathBuf::from(dir), mb, seed).map(|w| {
                println!(
                    "{} files, {} records ({} multipart), {} MiB of JSON, {} MiB of gzip; failures by cause: {:?}",
                    w.files,
                    w.records,
                    w.multipart_events,
                    w.json_bytes >> 20,
                    w.gzip_bytes >> 20,
                    w.truth
                )
            })
        }
        ["export", file, mb, rest @ ..] if rest.len() <= 1 => {
            let (Ok(mb), Ok(seed)) = (mb.parse(), rest.first().unwrap_or(&"1").parse()) else {
                eprintln!("usage: synth export FILE MIB [SEED]");
                return ExitCode::from(2);
            };
            synth::corpus::write_export(&PathBuf::from(file), mb, seed).map(|w| {
                println!(
                    "{} records, {} MiB of NDJSON; failures by cause: {:?}",
                    w.records,
                    w.json_bytes >> 20,
                    w.truth
                )
            })
        }
        [
            cloud @ ("access-logs" | "oss-access-logs"),
            dir,
            mb,
            rest @ ..,
        ] if rest.len() <= 1 => {
            let (Ok(mb), Ok(seed)) = (mb.parse(), rest.first().unwrap_or(&"1").parse()) else {
                eprintln!("usage: synth {cloud} DIR MIB [SEED]");
                return ExitCode::from(2);
            };
            let write = match *cloud {
                "access-logs" => synth::corpus::write_access_logs,
                _ => synth::corpus::write_oss_access_logs,
            };
            write(&PathBuf::from(dir), mb, seed).map(|w| {
                println!(
                    "{} files, {} lines, {} MiB",
                    w.files,
                    w.records,
                    w.json_bytes >> 20
                )
            })
        }
        _ => {
            eprintln!(
                "usage: synth fixtures DIR | synth corpus DIR MIB [SEED] | synth access-logs DIR MIB [SEED] | synth oss-access-logs DIR MIB [SEED] | synth export FILE MIB [SEED]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}
