//! Stage 1: where the bytes come from.
//!
//! A source is what the user typed (a file, a folder, a bundle, `-`, or later `s3://…`); an
//! [`Input`] is one file to decode, named by its [`Origin`]. Sources are expanded into a stream of
//! inputs that the parallel decoder pulls from. Local files are read by the decoding thread itself,
//! so reading overlaps decoding; bundle members and stdin arrive as bytes.

mod bundle;
mod local;

use std::fmt;
use std::path::PathBuf;

/// One source named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, folder or bundle on disk.
    Local(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Source {
    /// Reads a SOURCE argument.
    pub fn parse(arg: &str) -> Source {
        match arg {
            "-" => Source::Stdin,
            path => Source::Local(PathBuf::from(path)),
        }
    }
}

/// Where an input was read: what the report names when it speaks of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// A member of a `.tar`, `.tar.gz` or `.zip` bundle.
    Member {
        /// The bundle.
        bundle: PathBuf,
        /// The member's name inside it, as stored.
        member: String,
    },
    /// Standard input.
    Stdin,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Member { bundle, member } => write!(f, "{}!{member}", bundle.display()),
            Origin::Stdin => f.write_str("<stdin>"),
        }
    }
}

/// What an input holds, or why it cannot be read.
#[derive(Debug)]
pub enum Body {
    /// A file to read from disk (the path is the origin's); its size as listed.
    File(u64),
    /// Bytes already in memory.
    Bytes(Vec<u8>),
    /// A CloudTrail digest file, recognised by its path and never read.
    Digest,
    /// The input could not be read; the reason, in plain words.
    Unreadable(String),
}

/// One file to decode.
#[derive(Debug)]
pub struct Input {
    /// Where it comes from.
    pub origin: Origin,
    /// What it holds.
    pub body: Body,
}

impl Input {
    /// Puts the bytes of the input in `buf` (read from disk if need be, at most `limit` of
    /// them), reusing its memory.
    pub fn load_into(self, limit: u64, buf: &mut Vec<u8>) -> Result<(), String> {
        match self.body {
            Body::Bytes(bytes) => {
                *buf = bytes;
                Ok(())
            }
            Body::File(_) => match &self.origin {
                Origin::File(path) => local::read_into(path, limit, buf),
                other => Err(format!("{other} is not a file")),
            },
            Body::Digest => {
                buf.clear();
                Ok(())
            }
            Body::Unreadable(why) => Err(why),
        }
    }

    /// The size of the input before decompression, when known.
    pub fn size(&self) -> u64 {
        match &self.body {
            Body::File(size) => *size,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Digest | Body::Unreadable(_) => 0,
        }
    }
}

/// Whether a path or object key lies in a CloudTrail digest folder.
pub fn is_digest_path(path: &str) -> bool {
    path.split(['/', '\\'])
        .any(|part| part == "CloudTrail-Digest")
}

/// The inputs of a run, and the total size of those known in advance (for progress).
pub struct Inputs {
    /// The inputs, in a deterministic order.
    pub stream: Box<dyn Iterator<Item = Input> + Send>,
    /// Bytes of the inputs listed up front (local files); bundles add theirs as they are read.
    pub known_bytes: u64,
}

/// Expands sources into inputs. Folders are listed now; bundles and stdin are read lazily.
pub fn open(sources: &[Source], limit: u64) -> Inputs {
    let mut listed = Vec::new();
    for source in sources {
        match source {
            Source::Local(path) => local::list(path, &mut listed),
            Source::Stdin => listed.push(local::Listed::Stdin),
        }
    }
    let known_bytes = listed.iter().map(local::Listed::size).sum();
    let stream =
        listed
            .into_iter()
            .flat_map(move |item| -> Box<dyn Iterator<Item = Input> + Send> {
                match item {
                    local::Listed::Input(input) => Box::new(std::iter::once(input)),
                    local::Listed::Bundle(path, kind) => bundle::members(path, kind, limit),
                    local::Listed::Stdin => Box::new(std::iter::once(local::stdin(limit))),
                }
            });
    Inputs {
        stream: Box::new(stream),
        known_bytes,
    }
}
