//! One listing of a prefix, page after page: each page's objects go to the fetcher as the page
//! arrives, counted on the progress bar; an incremental run's listing leaves out what the runs
//! before it read ([`Objects`]).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_s3::Client;
use chrono::NaiveDate;
use indicatif::ProgressBar;
use tokio::sync::mpsc;

use super::{Action, Listed, Location, describe, patiently};
use crate::sources::{Listing, Mark, Resume, day_of_key, is_digest_path};

/// Where listed objects go: to the fetcher as soon as their page arrives, counted on the
/// progress bar.
#[derive(Clone)]
pub(super) struct Sink {
    pub(super) found: mpsc::UnboundedSender<Listed>,
    pub(super) bar: ProgressBar,
    pub(super) listed: Arc<AtomicU64>,
}

impl Sink {
    /// Hands one page of objects on; `false` once the fetcher has stopped.
    fn send(&self, objects: Vec<(String, u64)>, digest: bool, listing: &Arc<Listing>) -> bool {
        let count = objects.len() as u64;
        for (key, size) in objects {
            self.bar.inc_length(size);
            let object = Listed {
                digest: digest || is_digest_path(&key),
                key,
                size,
                listing: Arc::clone(listing),
            };
            if self.found.send(object).is_err() {
                return false;
            }
        }
        let listed = self.listed.fetch_add(count, Ordering::Relaxed) + count;
        self.bar.set_prefix(format!("{listed} objects listed, "));
        true
    }
}

/// The objects of a listing: which listing it is, and what an earlier run read of it.
pub(super) struct Objects<'a> {
    listing: Arc<Listing>,
    /// Where the listing resumes, if it was listed before.
    mark: Option<&'a Mark>,
    /// Its days listed again by listings of their own.
    pub(super) again: Option<&'a BTreeSet<NaiveDate>>,
}

impl<'a> Objects<'a> {
    /// The listing of `prefix` (of a region's days when `by_day`), resumed as `resume` says.
    pub(super) fn of(
        location: &Location,
        resume: &'a Resume,
        prefix: &str,
        by_day: bool,
    ) -> Objects<'a> {
        let listing = location.listing(prefix, by_day);
        Objects {
            mark: resume.mark(&listing),
            again: resume.again(&listing),
            listing: Arc::new(listing),
        }
    }

    /// The same listing, every key of it.
    pub(super) fn whole(&self) -> Objects<'a> {
        Objects {
            listing: Arc::clone(&self.listing),
            mark: None,
            again: None,
        }
    }

    /// Whether `key` was read before, or is read by the listing of its day.
    fn skip(&self, key: &str) -> bool {
        let read = self.mark.is_some_and(|m| {
            m.after.as_deref().is_some_and(|a| key <= a) || m.recent.contains(key)
        });
        read || self.again.is_some_and(|days| {
            key.strip_prefix(self.listing.prefix.as_str())
                .and_then(day_of_key)
                .is_some_and(|day| days.contains(&day))
        })
    }

    /// Where to start listing: after `bound` (the window's first day) or the mark, the later.
    pub(super) fn start_after(&self, bound: Option<String>) -> Option<String> {
        let after = self.mark.and_then(|m| m.after.clone());
        bound.max(after)
    }
}

/// Lists `prefix`: one level when `delimiter`, otherwise everything, between the bounds. Each
/// page's objects go to `sink` as the page arrives (but for those `objects` skips), so that
/// fetching starts before a long listing ends; the folders are returned.
pub(super) async fn list(
    client: &Client,
    location: &Location,
    prefix: &str,
    delimiter: bool,
    (start_after, stop_at): (Option<String>, Option<String>),
    objects: &Objects<'_>,
    (sink, digest): (&Sink, bool),
) -> Result<Vec<String>, String> {
    let mut folders = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = client
            .list_objects_v2()
            .bucket(&location.bucket)
            .prefix(prefix)
            .set_start_after(start_after.clone())
            .set_continuation_token(token.clone());
        if delimiter {
            request = request.delimiter("/");
        }
        let out = patiently(|| request.clone().send())
            .await
            .map_err(|e| describe(&e, &location.name(prefix), Action::List))?;
        folders.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|folder| folder.prefix().map(str::to_owned)),
        );
        let mut found = Vec::with_capacity(out.contents().len());
        let mut past_the_end = false;
        for object in out.contents() {
            let Some(key) = object.key() else { continue };
            if stop_at.as_deref().is_some_and(|stop| key >= stop) {
                past_the_end = true;
                break;
            }
            if !key.ends_with('/') && !objects.skip(key) {
                let size = object
                    .size()
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(0);
                found.push((key.to_owned(), size));
            }
        }
        if !sink.send(found, digest, &objects.listing) {
            return Ok(folders);
        }
        match out.next_continuation_token() {
            Some(next) if !past_the_end && out.is_truncated() == Some(true) => {
                token = Some(next.to_owned());
            }
            _ => return Ok(folders),
        }
    }
}
