//! Bundles as people download them: `.tar`, `.tar.gz` / `.tgz` and `.zip` holding CloudTrail files.
//!
//! Members are read one after another and handed over as bytes; nothing is written to disk, so a
//! member name such as `../../etc/passwd` is only ever a label. Each member is capped like any
//! other input, so a zip bomb costs at most the cap.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::{Body, Input, Origin, is_digest_path};
use crate::decode::gzip;
use crate::error::plain;

/// The kinds of bundle, told apart by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    /// `.tar`
    Tar,
    /// `.tar.gz` or `.tgz`
    TarGz,
    /// `.zip`
    Zip,
}

impl BundleKind {
    /// The bundle kind a file name announces, if any.
    pub fn from_name(path: &Path) -> Option<BundleKind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".tar") {
            Some(BundleKind::Tar)
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(BundleKind::TarGz)
        } else if name.ends_with(".zip") {
            Some(BundleKind::Zip)
        } else {
            None
        }
    }
}

/// A bundle's whole decompressed stream may be far larger than one member; this only stops
/// a stream that never ends.
const MAX_STREAM: u64 = 1 << 40;

/// The members of a bundle, read lazily.
pub fn members(
    path: PathBuf,
    kind: BundleKind,
    limit: u64,
) -> Box<dyn Iterator<Item = Input> + Send> {
    match kind {
        BundleKind::Zip => zip_members(path, limit),
        BundleKind::Tar | BundleKind::TarGz => tar_members(path, kind, limit),
    }
}

fn failed(bundle: &Path, why: String) -> Input {
    Input::new(Origin::File(bundle.to_owned()), Body::Unreadable(why))
}

fn member(bundle: &Path, name: String, body: Body) -> Input {
    Input::new(
        Origin::Member {
            bundle: bundle.to_owned(),
            member: name,
        },
        body,
    )
}

/// Reads at most `limit` bytes of a member; more is an error that names the limit.
fn read_member(reader: impl Read, limit: u64) -> Body {
    let mut bytes = Vec::new();
    match reader.take(limit + 1).read_to_end(&mut bytes) {
        Err(e) => Body::Unreadable(format!("cannot read member: {}", plain(&e))),
        Ok(_) if bytes.len() as u64 > limit => Body::Unreadable(format!(
            "the member is larger than the limit of {} MiB (see --max-decoded-mib)",
            limit >> 20
        )),
        Ok(_) => Body::Bytes(bytes),
    }
}

/// Tar streams can only be read in order, so a thread reads them and hands members over through
/// a small channel: at most two members wait in memory.
fn tar_members(
    path: PathBuf,
    kind: BundleKind,
    limit: u64,
) -> Box<dyn Iterator<Item = Input> + Send> {
    let (tx, rx) = mpsc::sync_channel(2);
    std::thread::spawn(move || {
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) => {
                let _ = tx.send(failed(&path, format!("cannot read: {}", plain(&e))));
                return;
            }
        };
        let stream: Box<dyn Read> = match kind {
            BundleKind::TarGz => Box::new(gzip::reader(BufReader::new(file), MAX_STREAM)),
            _ => Box::new(file),
        };
        if let Err(why) = read_tar(&path, stream, limit, &tx) {
            let _ = tx.send(failed(&path, why));
        }
    });
    Box::new(rx.into_iter())
}

fn read_tar(
    path: &Path,
    stream: Box<dyn Read>,
    limit: u64,
    tx: &mpsc::SyncSender<Input>,
) -> Result<(), String> {
    let mut archive = tar::Archive::new(stream);
    let broken = |count: usize, e: std::io::Error| {
        format!(
            "the tar archive is damaged after {count} members: {}",
            plain(&e)
        )
    };
    let entries = archive.entries().map_err(|e| broken(0, e))?;
    for (count, entry) in entries.enumerate() {
        let entry = entry.map_err(|e| broken(count, e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let body = if is_digest_path(&name) {
            Body::Digest
        } else if entry.header().size().unwrap_or(0) > limit {
            Body::Unreadable(format!(
                "the member is larger than the limit of {} MiB (see --max-decoded-mib)",
                limit >> 20
            ))
        } else {
            read_member(entry, limit)
        };
        if tx.send(member(path, name, body)).is_err() {
            return Ok(()); // the run stopped reading
        }
    }
    Ok(())
}

fn zip_members(path: PathBuf, limit: u64) -> Box<dyn Iterator<Item = Input> + Send> {
    let archive = File::open(&path)
        .map_err(|e| format!("cannot read: {}", plain(&e)))
        .and_then(|file| {
            zip::ZipArchive::new(file).map_err(|e| format!("not a readable zip archive: {e}"))
        });
    let mut archive = match archive {
        Ok(archive) => archive,
        Err(why) => return Box::new(std::iter::once(failed(&path, why))),
    };
    let mut index = 0;
    Box::new(std::iter::from_fn(move || {
        while index < archive.len() {
            let i = index;
            index += 1;
            let entry = match archive.by_index(i) {
                Ok(entry) => entry,
                Err(e) => {
                    return Some(member(
                        &path,
                        format!("#{i}"),
                        Body::Unreadable(format!("cannot read member: {e}")),
                    ));
                }
            };
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().map_or_else(
                |_| String::from_utf8_lossy(entry.name_raw()).into_owned(),
                |n| n.into_owned(),
            );
            let body = if is_digest_path(&name) {
                Body::Digest
            } else {
                read_member(entry, limit)
            };
            return Some(member(&path, name, body));
        }
        None
    }))
}
