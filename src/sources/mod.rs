//! Stage 1: where the bytes come from.
//!
//! A source is what the user typed (a file, a folder, a bundle, `-`, or `s3://…`); an
//! [`Input`] is one file to decode, named by its [`Origin`]. Sources are expanded into a stream of
//! inputs that the parallel decoder pulls from. Local files are read by the decoding thread itself,
//! so reading overlaps decoding; bundle members, S3 objects and stdin arrive as bytes.

mod bundle;
mod local;
mod resume;
pub mod s3;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use indicatif::ProgressBar;

use crate::model::Provider;

pub use resume::{Listing, Mark, Resume, day_of_key, file_stamp};

/// One source named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, folder or bundle on disk.
    Local(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// `s3://bucket[/prefix]` or `oss://bucket[/prefix]`.
    Bucket(s3::Location),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Local(path) => write!(f, "{}", path.display()),
            Source::Stdin => f.write_str("standard input"),
            Source::Bucket(location) => f.write_str(&location.name(&location.prefix)),
        }
    }
}

impl Source {
    /// Reads a SOURCE argument.
    pub fn parse(arg: &str) -> Result<Source, String> {
        if let Some(location) = s3::Location::parse(arg) {
            return location.map(Source::Bucket);
        }
        Ok(match arg {
            "-" => Source::Stdin,
            path => Source::Local(PathBuf::from(path)),
        })
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
    /// An object of S3 or OSS (or, for a listing that failed, the prefix).
    Object {
        /// The object store.
        provider: Provider,
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
}

impl Origin {
    /// The key of an object.
    pub fn key(&self) -> Option<&str> {
        match self {
            Origin::Object { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Member { bundle, member } => write!(f, "{}!{member}", bundle.display()),
            Origin::Stdin => f.write_str("<stdin>"),
            Origin::Object {
                provider,
                bucket,
                key,
            } => write!(f, "{}://{bucket}/{key}", provider.scheme()),
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
    /// Standard input, read by the decoding thread as it decodes.
    Stdin,
    /// A named pipe or device given on the command line (the path is the origin's), read as it
    /// comes.
    Pipe,
    /// The bytes of an S3 object, whose size the progress bar counted when it was listed.
    Object(Vec<u8>),
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
    /// For an object (or a listing that failed), the listing that found it: what an incremental
    /// run resumes from.
    pub listing: Option<Arc<Listing>>,
}

impl Input {
    /// An input found otherwise than by listing a bucket.
    pub fn new(origin: Origin, body: Body) -> Input {
        Input {
            origin,
            body,
            listing: None,
        }
    }

    /// Puts the bytes of the input in `buf` (read from disk if need be, at most `limit` of
    /// them), reusing its memory.
    pub fn load_into(self, limit: u64, buf: &mut Vec<u8>) -> Result<(), String> {
        match self.body {
            // Taken as they are: copying them into the thread's buffer would be one more pass
            // over every byte.
            Body::Bytes(bytes) | Body::Object(bytes) => {
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
            Body::Stdin => local::read_stdin(limit, buf),
            Body::Pipe => match &self.origin {
                Origin::File(path) => local::read_into(path, limit, buf),
                other => Err(format!("{other} is not a file")),
            },
            Body::Unreadable(why) => Err(why),
        }
    }

    /// The size of the input before decompression, when known.
    pub fn size(&self) -> u64 {
        match &self.body {
            Body::File(size) => *size,
            Body::Bytes(bytes) | Body::Object(bytes) => bytes.len() as u64,
            Body::Digest | Body::Stdin | Body::Pipe | Body::Unreadable(_) => 0,
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

/// A source, expanded as far as it is before decoding starts.
enum Planned {
    /// Found on disk (or standard input).
    Local(local::Listed),
    /// An S3 location, listed and fetched when its turn comes.
    S3(s3::Location),
}

/// Expands sources into inputs. Folders are listed now; bundles and stdin are read lazily; S3
/// locations are listed and fetched in the background, their sizes added to `bar` as they are
/// listed. With `resume`, what an earlier run read is left out (see [`Resume`]).
pub fn open(
    sources: &[Source],
    limit: u64,
    s3: &s3::Settings,
    bar: &ProgressBar,
    resume: Option<Arc<Resume>>,
) -> Inputs {
    let mut listed = Vec::new();
    let mut planned = Vec::new();
    for source in sources {
        match source {
            Source::Local(path) => {
                let mut found = Vec::new();
                local::list(path, &mut found);
                if let Some(resume) = &resume {
                    found.retain(|item| !item.path().is_some_and(|p| resume.read_before(p)));
                }
                listed.extend(found);
            }
            Source::Stdin => listed.push(local::Listed::Stdin),
            Source::Bucket(location) => {
                planned.extend(listed.drain(..).map(Planned::Local));
                planned.push(Planned::S3(location.clone()));
            }
        }
    }
    planned.extend(listed.into_iter().map(Planned::Local));
    let known_bytes = planned
        .iter()
        .map(|p| match p {
            Planned::Local(item) => item.size(),
            Planned::S3(_) => 0,
        })
        .sum();
    let (s3, bar) = (s3.clone(), bar.clone());
    let resume = resume.unwrap_or_default();
    let stream =
        planned
            .into_iter()
            .flat_map(move |item| -> Box<dyn Iterator<Item = Input> + Send> {
                match item {
                    Planned::Local(local::Listed::Input(input)) => Box::new(std::iter::once(input)),
                    Planned::Local(local::Listed::Bundle(path, kind)) => {
                        bundle::members(path, kind, limit)
                    }
                    Planned::Local(local::Listed::Stdin) => {
                        Box::new(std::iter::once(local::stdin()))
                    }
                    Planned::S3(location) => {
                        s3::objects(location, s3.clone(), limit, bar.clone(), resume.clone())
                    }
                }
            });
    Inputs {
        stream: Box::new(stream),
        known_bytes,
    }
}
