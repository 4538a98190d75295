//! `manifest.json`: what a state holds, unit by unit, and what it is for; read back and checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::folder::{corrupt, fail};
use super::{Counts, Piece, UnitKey};
use crate::error::{Result, plain};
use crate::model::Time;
use crate::sources::{Listing, Mark};

/// The layout of the files of a state; a state of another layout is refused.
pub(super) const FORMAT: u32 = 1;

/// What a state is for: a run that differs in any of these would not give its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The sources, as given.
    pub sources: Vec<String>,
    /// `--until`.
    pub until: Option<Time>,
    /// `--account`.
    pub accounts: Vec<String>,
    /// `--log-region`.
    pub log_regions: Vec<String>,
    /// `--max-decoded-mib`.
    pub max_decoded_mib: u64,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
}

impl Identity {
    /// The first option in which two identities differ, as the command line names it.
    fn difference(&self, other: &Identity) -> Option<&'static str> {
        if self.sources != other.sources {
            Some("sources")
        } else if self.until != other.until {
            Some("--until")
        } else if self.accounts != other.accounts {
            Some("--account")
        } else if self.log_regions != other.log_regions {
            Some("--log-region")
        } else if self.max_decoded_mib != other.max_decoded_mib {
            Some("--max-decoded-mib")
        } else if self.endpoint_url != other.endpoint_url {
            Some("--endpoint-url")
        } else {
            None
        }
    }
}

/// One unit of a state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct UnitRecord {
    pub(super) unit: UnitKey,
    pub(super) counts: Counts,
    /// Its rows in the events files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) rows: Vec<Piece>,
    /// Its rows in the objects files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) objects: Vec<Piece>,
    /// Its fingerprints in the fingerprints files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) fingerprints: Vec<Piece>,
}

impl UnitRecord {
    /// Every piece of it, in every data file.
    pub(super) fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.rows
            .iter()
            .chain(&self.objects)
            .chain(&self.fingerprints)
    }
}

/// What a data file holds in all, to know when most of it left the state.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(super) struct FileSize {
    /// Rows of its events file.
    pub(super) rows: u64,
    /// Rows of its objects file.
    #[serde(default)]
    pub(super) objects: u64,
    /// Fingerprints of its fingerprints file.
    pub(super) fingerprints: u64,
}

/// Where one listing resumes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ListingRecord {
    pub(super) listing: Listing,
    pub(super) mark: Mark,
}

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub(super) format: u32,
    /// The version of uploadtrail that wrote it.
    pub(super) version: String,
    pub(super) identity: Identity,
    /// `--since` of the run that wrote it.
    pub(super) since: Option<Time>,
    pub(super) units: Vec<UnitRecord>,
    /// The data files, by the generation that wrote them.
    pub(super) files: BTreeMap<u64, FileSize>,
    pub(super) listings: Vec<ListingRecord>,
    /// What that run reported (see [`Session::reported_before`]).
    pub(super) reported: BTreeSet<String>,
}

pub(super) fn read_manifest(dir: &Path, folder: &Path) -> Result<Manifest> {
    let path = folder.join("manifest.json");
    let bytes = fs::read(&path).map_err(|e| {
        fail(
            dir,
            format!("cannot read {}: {}", path.display(), plain(&e)),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, &e.to_string()))
}

/// Refuses a state written by another version, for another run, or from a later `--since`.
pub(super) fn check(
    dir: &Path,
    m: &Manifest,
    identity: &Identity,
    since: Option<Time>,
) -> Result<()> {
    let start_again =
        "remove the folder (the next run reads everything again) or give another --state";
    if m.format != FORMAT || m.version != env!("CARGO_PKG_VERSION") {
        return Err(fail(
            dir,
            format!(
                "written by uploadtrail {} (state format {}), not by this version {}: {start_again}",
                m.version,
                m.format,
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    if let Some(what) = m.identity.difference(identity) {
        return Err(fail(
            dir,
            format!(
                "it holds what a run with different {what} read, which would not give this run's answer: give the same, or {start_again}"
            ),
        ));
    }
    let earlier = match (m.since, since) {
        (Some(_), None) => true,
        (Some(before), Some(now)) => now < before,
        _ => false,
    };
    if earlier {
        let before = m.since.map(|t| t.to_rfc3339()).unwrap_or_default();
        return Err(fail(
            dir,
            format!(
                "it holds what was read from --since {before}; an earlier start needs what it dropped: {start_again}"
            ),
        ));
    }
    Ok(())
}
