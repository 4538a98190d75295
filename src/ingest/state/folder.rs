//! The folder of a state: `lock`, held by the run using it; `CURRENT`, the name of the complete
//! generation; and the generations. The next generation is written into a temporary folder,
//! renamed into place, then named by `CURRENT` (replaced by a rename): a run killed at any point
//! leaves the previous state whole, and the next run removes what it left.

use std::collections::BTreeSet;
use std::fs::{self, File, TryLockError};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use super::Session;
use super::manifest::Manifest;
use crate::error::{Error, Result, plain};

/// The next state, written but not yet in place.
pub struct Pending {
    pub(super) folder: PathBuf,
    pub(super) manifest: Manifest,
}

pub(super) fn fail(dir: &Path, reason: impl Into<String>) -> Error {
    Error::State {
        dir: dir.to_owned(),
        reason: reason.into(),
    }
}

impl Pending {
    /// Puts the state in place, remembering `reported` (see [`Session::reported_before`]).
    pub fn commit(mut self, session: &Session, reported: BTreeSet<String>) -> Result<()> {
        let dir = &session.dir;
        let failed =
            |what: &str, e: std::io::Error| fail(dir, format!("cannot {what}: {}", plain(&e)));
        self.manifest.reported = reported;
        let json = serde_json::to_vec(&self.manifest)
            .map_err(|e| fail(dir, format!("cannot write the manifest: {e}")))?;
        write_synced(&self.folder.join("manifest.json"), &json)
            .map_err(|e| failed("write the manifest", e))?;
        let number = session.previous.as_ref().map_or(1, |(n, _)| n + 1);
        let name = format!("gen-{number}");
        fs::rename(&self.folder, dir.join(&name))
            .map_err(|e| failed("rename the new state into place", e))?;
        write_synced(&dir.join("CURRENT.tmp"), name.as_bytes())
            .map_err(|e| failed("write CURRENT.tmp", e))?;
        fs::rename(dir.join("CURRENT.tmp"), dir.join("CURRENT"))
            .map_err(|e| failed("replace CURRENT", e))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        if let Some((_, old)) = &session.previous {
            let _ = fs::remove_dir_all(old);
        }
        Ok(())
    }
}

/// Links a data file of the previous generation into the next one (copies it where links cannot
/// be made).
pub(super) fn link(from: &Path, to: &Path) -> std::result::Result<(), String> {
    fs::hard_link(from, to)
        .or_else(|_| fs::copy(from, to).map(|_| ()))
        .map_err(|e| {
            format!(
                "cannot link {} into the new state: {}",
                from.display(),
                plain(&e)
            )
        })
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub(super) fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

pub(super) fn corrupt(path: &Path, why: &str) -> Error {
    Error::State {
        dir: path.to_owned(),
        reason: format!(
            "corrupt ({why}); remove the state folder and the next run reads everything again"
        ),
    }
}

/// Locks the state against other runs, or says which run holds it.
pub(super) fn lock(dir: &Path) -> Result<File> {
    let path = dir.join("lock");
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            fail(
                dir,
                format!("cannot open {}: {}", path.display(), plain(&e)),
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(fail(
                dir,
                format!(
                    "another uploadtrail run is using it ({}); try again when it has finished",
                    if holder.is_empty() {
                        "process unknown".to_owned()
                    } else {
                        format!("process {holder}")
                    }
                ),
            ));
        }
        Err(TryLockError::Error(e)) => {
            return Err(fail(
                dir,
                format!("cannot lock {}: {}", path.display(), plain(&e)),
            ));
        }
    }
    // Who holds it, for the message another run gives.
    let _ = file.set_len(0);
    let _ = write!(file, "{}", std::process::id());
    Ok(file)
}

/// The complete generation `CURRENT` names, if any.
pub(super) fn current(dir: &Path) -> Result<Option<(u64, PathBuf)>> {
    let path = dir.join("CURRENT");
    let name = match fs::read_to_string(&path) {
        Ok(name) => name,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(fail(
                dir,
                format!("cannot read {}: {}", path.display(), plain(&e)),
            ));
        }
    };
    let name = name.trim();
    let number = name
        .strip_prefix("gen-")
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| corrupt(&path, &format!("it names {name:?}, not a generation")))?;
    let folder = dir.join(name);
    if !folder.is_dir() {
        return Err(corrupt(
            &path,
            &format!("it names {name}, which is not there"),
        ));
    }
    Ok(Some((number, folder)))
}

/// Removes what runs that were killed left: temporary folders and generations not current.
pub(super) fn clean(dir: &Path, current: Option<&Path>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = (name.starts_with("tmp-") || name.starts_with("gen-"))
            && Some(path.as_path()) != current;
        if stale && path.is_dir() {
            let _ = fs::remove_dir_all(&path);
        }
    }
}
