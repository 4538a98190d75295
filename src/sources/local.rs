//! Files and folders on disk, and standard input.
//!
//! Folders are walked recursively in name order, following symbolic links but never entering a
//! folder twice (so a link loop ends). Hidden entries inside walked folders are skipped, as `fd`
//! and `ripgrep` do; files named explicitly are always read.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::bundle::BundleKind;
use super::{Body, Input, Origin, is_digest_path};
use crate::error::plain;

/// One entry found while listing sources.
pub enum Listed {
    /// A file to decode (or a reason why it cannot be).
    Input(Input),
    /// A bundle whose members are read later.
    Bundle(PathBuf, BundleKind),
    /// Standard input.
    Stdin,
}

impl Listed {
    pub fn size(&self) -> u64 {
        match self {
            Listed::Input(input) => input.size(),
            Listed::Bundle(..) | Listed::Stdin => 0,
        }
    }

    /// The file on disk it names (a file, a bundle, or one that cannot be read), if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Listed::Input(Input {
                origin: Origin::File(path),
                ..
            })
            | Listed::Bundle(path, _) => Some(path),
            Listed::Input(_) | Listed::Stdin => None,
        }
    }
}

fn unreadable(path: &Path, why: String) -> Listed {
    Listed::Input(Input::new(
        Origin::File(path.to_owned()),
        Body::Unreadable(why),
    ))
}

/// Lists a file, folder or bundle given on the command line.
pub fn list(path: &Path, out: &mut Vec<Listed>) {
    let mut seen = HashSet::new();
    visit(path, out, &mut seen, true);
}

/// What kind of special file `meta` describes, if it is not a regular file or a folder.
fn special(meta: &fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_fifo() {
        Some("a named pipe")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else {
        None
    }
}

fn visit(path: &Path, out: &mut Vec<Listed>, seen: &mut HashSet<(u64, u64)>, named: bool) {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if fs::symlink_metadata(path).is_ok() => {
            return out.push(unreadable(
                path,
                format!("broken symbolic link ({})", plain(&e)),
            ));
        }
        Err(e) => return out.push(unreadable(path, format!("cannot read: {}", plain(&e)))),
    };
    if meta.is_dir() {
        if !seen.insert((meta.dev(), meta.ino())) {
            return out.push(unreadable(
                path,
                "folder already visited (a symbolic link loop?); skipped".to_owned(),
            ));
        }
        let mut entries = match fs::read_dir(path).and_then(|dir| {
            dir.map(|e| e.map(|e| e.path()))
                .collect::<Result<Vec<_>, _>>()
        }) {
            Ok(entries) => entries,
            Err(e) => {
                return out.push(unreadable(
                    path,
                    format!("cannot list folder: {}", plain(&e)),
                ));
            }
        };
        entries.sort();
        for entry in entries {
            // Hidden entries, and the commit markers engines leave beside their part files.
            let skipped = entry.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with('.') || n == "_SUCCESS"
            });
            if !skipped {
                visit(&entry, out, seen, false);
            }
        }
    } else if let Some(kind) = special(&meta) {
        // A pipe named on the command line (`<(zcat …)`) is read as it comes; anything special
        // found in a folder could block forever, so it is skipped.
        if named && kind != "a socket" {
            out.push(Listed::Input(Input::new(
                Origin::File(path.to_owned()),
                Body::Pipe,
            )));
        } else {
            out.push(unreadable(
                path,
                format!("not a regular file ({kind}); skipped"),
            ));
        }
    } else if let Some(kind) = BundleKind::from_name(path) {
        out.push(Listed::Bundle(path.to_owned(), kind));
    } else {
        let body = if is_digest_path(&path.to_string_lossy()) {
            Body::Digest
        } else {
            Body::File(meta.len())
        };
        out.push(Listed::Input(Input::new(
            Origin::File(path.to_owned()),
            body,
        )));
    }
}

/// Reads a whole file into `bytes` (cleared first), refusing files larger than `limit`.
pub fn read_into(path: &Path, limit: u64, bytes: &mut Vec<u8>) -> Result<(), String> {
    let mut file = fs::File::open(path).map_err(|e| format!("cannot read: {}", plain(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Err(format!(
            "the file is {} MiB, more than the limit of {} MiB (see --max-decoded-mib)",
            size >> 20,
            limit >> 20
        ));
    }
    bytes.clear();
    bytes.reserve(size as usize);
    file.by_ref()
        .take(limit + 1)
        .read_to_end(bytes)
        .map_err(|e| format!("cannot read: {}", plain(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "the file grew past the limit of {} MiB while being read",
            limit >> 20
        ));
    }
    Ok(())
}

/// Standard input, to be read as it is decoded.
pub fn stdin() -> Input {
    Input::new(Origin::Stdin, Body::Stdin)
}

/// Reads standard input whole, at most `limit` bytes.
pub fn read_stdin(limit: u64, bytes: &mut Vec<u8>) -> Result<(), String> {
    bytes.clear();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(bytes)
        .map_err(|e| format!("cannot read standard input: {}", plain(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "standard input holds more than the limit of {} MiB (see --max-decoded-mib)",
            limit >> 20
        ));
    }
    Ok(())
}
