//! Errors that stop a run. Problems with single inputs never do (they go into the report),
//! except under `--strict`.

use std::path::PathBuf;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value could not be used.
    #[error("{0}")]
    Usage(String),
    /// A `--lifecycle` file could not be read.
    #[error("--lifecycle {bucket}={path}: {reason}")]
    LifecycleFile {
        /// The bucket it was given for.
        bucket: String,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `--strict` was given and an input had a problem.
    #[error("{origin}: {error} (--strict stops at the first problem; {count} in all)")]
    Strict {
        /// The first problem's input.
        origin: String,
        /// The first problem.
        error: String,
        /// How many problems there were.
        count: usize,
    },
    /// The sources (named) hold no file or object at all.
    #[error("no files to read in {0}")]
    NoFiles(String),
    /// Nothing could be read at all.
    #[error("no input could be read ({0} problem(s); the first: {1})")]
    NothingRead(usize, String),
    /// An export could not be written.
    #[error("cannot export to {target}: {reason}")]
    Export {
        /// The folder.
        target: String,
        /// Why.
        reason: String,
    },
    /// The report could not be written.
    #[error("cannot write {target}: {source}")]
    Output {
        /// The file, or "standard output".
        target: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The state of an incremental run (`--state`) cannot be used or written.
    #[error("--state {}: {reason}", dir.display())]
    State {
        /// The state's folder, or the file of it at fault.
        dir: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// `--exit-code` was given and the report holds failures.
    #[error("the report holds {0} failure(s) (--exit-code)")]
    Found(u64),
    /// The thread pool could not be started.
    #[error("cannot start {threads} threads: {source}")]
    Threads {
        /// The number asked for.
        threads: usize,
        /// Why it failed.
        source: rayon::ThreadPoolBuildError,
    },
}

/// An I/O error in plain words, without the "(os error N)" suffix.
pub fn plain(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
