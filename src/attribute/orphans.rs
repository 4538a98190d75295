//! Incomplete uploads: created, never completed or aborted (by a caller, or by S3 under a
//! lifecycle rule as access logs show) by the end of the logs, and not shown to be gone. S3 bills their parts until something removes them, and it removes nothing
//! on its own: only a lifecycle rule or an explicit abort does.

use chrono::Duration;

use super::{Evidence, abort_hint, lifecycle_abort};
use crate::lifecycle::{Eligibility, Verdict};
use crate::model::Time;

/// One incomplete upload.
#[derive(Debug, Clone)]
pub struct Orphan {
    /// Index of the upload in the timelines.
    pub upload: usize,
    /// When it began (or, when its creation is not in the logs, when it was first seen).
    pub initiated: Time,
    /// Whether `initiated` is the creation time (rather than the first event seen).
    pub initiated_known: bool,
    /// The creation event, when found.
    pub creation: Option<usize>,
    /// Its parts (distinct part numbers).
    pub parts: u64,
    /// Their bytes (the latest upload of each part number).
    pub bytes: u64,
    /// Its last successful request.
    pub last_activity: Time,
    /// Its age at the end of the logs.
    pub age: Duration,
    /// The lifecycle rule that will remove it (or already made it eligible), if any is known.
    pub lifecycle: Option<Eligibility>,
}

/// Lists the uploads left open at the end of the logs, oldest first.
pub fn orphans(ev: &Evidence<'_>) -> Vec<Orphan> {
    let end = ev.span.map(|(_, last)| last);
    let mut out: Vec<Orphan> = ev
        .timelines
        .uploads
        .iter()
        .enumerate()
        .filter(|(_, u)| u.existed(ev.events) && u.termination(ev.events, None).is_none())
        // An access log shows S3 aborting it under a lifecycle rule.
        .filter(|(_, u)| lifecycle_abort(ev, u, Time::MAX_UTC).is_none())
        .filter(|(_, u)| {
            // A NoSuchUpload on its own key shows the upload is already gone.
            !u.events
                .iter()
                .map(|&i| &ev.events[i])
                .any(|e| e.is_no_such_upload() && (e.key.is_none() || e.key == u.key))
        })
        .filter_map(|(index, u)| {
            let (initiated, initiated_known) = u.initiated(ev.events)?;
            let last_activity = u.last_success(ev.events).map_or(initiated, |(t, _)| t);
            let end = end.unwrap_or(last_activity).max(last_activity);
            let lifecycle = abort_hint(ev, u).or_else(|| {
                match ev.lifecycle.verdict(
                    &ev.strings.bucket_name(u.bucket),
                    ev.strings.opt(u.key),
                    initiated,
                    None,
                ) {
                    Verdict::Eligible(e) => Some(e),
                    _ => None,
                }
            });
            Some(Orphan {
                upload: index,
                initiated,
                initiated_known,
                creation: u.creation.map(|c| c.event),
                parts: u.parts.parts,
                bytes: u.parts.bytes,
                last_activity,
                age: end - initiated,
                lifecycle,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        let (ua, ub) = (
            &ev.timelines.uploads[a.upload],
            &ev.timelines.uploads[b.upload],
        );
        (a.initiated, &ua.bucket, &ua.key, &ua.upload_id).cmp(&(
            b.initiated,
            &ub.bucket,
            &ub.key,
            &ub.upload_id,
        ))
    });
    out
}
