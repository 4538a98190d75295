//! Regenerates the repository's synthetic data.
//!
//! ```text
//! cargo run --example synth -- fixtures fixtures      # rewrite fixtures/
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
        _ => {
            eprintln!("usage: synth fixtures DIR");
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
