//! What the logs could not see. An `unknown_upload` or `unexplained` answer is a statement about
//! the logs read, not about the world: the upload may have been created before them, its bucket's
//! data events may not be logged, the caller's account may keep them in its own trail, and the
//! lifecycle configuration or access logs that would show a lifecycle abort may be missing. Each
//! such gap is named, so that a reader knows what to add.

use serde::Serialize;

use super::{Cause, Evidence};
use crate::correlate::Upload;
use crate::model::IdentityKind;

/// One piece of evidence the logs could not see. The order is the order of the names, so that a
/// sorted list is in alphabetical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// No successful CreateMultipartUpload of the upload is in the logs.
    CreatedBeforeLogs,
    /// The caller belongs to another account than the one whose logs hold the record.
    CrossAccountCaller,
    /// No S3 server access log of the bucket was read.
    NoAccessLogs,
    /// No successful data event of the bucket is in the logs.
    NoDataEventsForBucket,
    /// No lifecycle configuration of the bucket is known.
    NoLifecycleConfiguration,
}

impl Missing {
    /// The name used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Missing::CreatedBeforeLogs => "created_before_logs",
            Missing::CrossAccountCaller => "cross_account_caller",
            Missing::NoAccessLogs => "no_access_logs",
            Missing::NoDataEventsForBucket => "no_data_events_for_bucket",
            Missing::NoLifecycleConfiguration => "no_lifecycle_configuration",
        }
    }
}

/// The evidence missing for failure `i`, found to be `cause`, of `upload` (when the logs show
/// it), sorted.
pub fn missing(ev: &Evidence<'_>, i: usize, cause: Cause, upload: Option<&Upload>) -> Vec<Missing> {
    let f = &ev.events[i];
    let bucket = ev.strings.bucket_name(f.bucket);
    let seen = ev.buckets.get(&bucket);
    let actor = ev.strings.actor(f.actor);
    let mut out = Vec::new();
    let created_in_view = upload.is_some_and(|u| u.creation.is_some());
    if f.upload_id.is_some() && (cause == Cause::UnknownUpload || !created_in_view) {
        out.push(Missing::CreatedBeforeLogs);
    }
    if !seen.has_data() {
        out.push(Missing::NoDataEventsForBucket);
    }
    let caller = actor
        .account_id
        .as_deref()
        .filter(|_| !actor.is_anonymous() && actor.kind != IdentityKind::AwsService);
    if caller
        .zip(ev.strings.opt(f.account))
        .is_some_and(|(a, b)| a != b)
    {
        out.push(Missing::CrossAccountCaller);
    }
    if cause == Cause::Unexplained {
        if !ev.lifecycle.knows(&bucket) {
            out.push(Missing::NoLifecycleConfiguration);
        }
        if !seen.has_access_log() {
            out.push(Missing::NoAccessLogs);
        }
    }
    out.sort_unstable();
    out
}
