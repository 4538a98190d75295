//! Focus: `--bucket`, `--key`, `--upload-id` and `--actor` narrow what a report shows. The
//! analysis still reads and decides everything (a failure's cause may lie in a request outside
//! the focus); only what is reported is narrowed, and `summary` counts what is reported.

use std::collections::BTreeSet;

use super::{ActorOut, FailureOut, OrphanOut, OtherFailureOut, Report, Summary};
use crate::model::{Provider, Time};

/// What to report. Each list that is not empty must match (any of its entries); empty lists
/// match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Focus {
    /// Bucket names (`NAME`, or `s3://NAME` / `oss://NAME` for one cloud's bucket).
    pub buckets: Vec<String>,
    /// Key prefixes.
    pub keys: Vec<String>,
    /// Upload IDs, exactly.
    pub upload_ids: Vec<String>,
    /// Text found in an actor's name, ARN or role ARN.
    pub actors: Vec<String>,
}

/// The key of a failed request: its `eventID`, else its request ID, else what it was.
fn request_key(
    kind: &str,
    (event_id, request_id): (Option<&str>, Option<&str>),
    (time, name, bucket, key): (Time, &str, &str, Option<&str>),
) -> String {
    match event_id.or(request_id) {
        Some(id) => format!("{kind}:{id}"),
        None => format!(
            "{kind}:{}|{name}|{bucket}|{}",
            time.to_rfc3339(),
            key.unwrap_or_default()
        ),
    }
}

fn failure_key(f: &FailureOut) -> String {
    request_key(
        "failure",
        (f.event_id.as_deref(), f.request_id.as_deref()),
        (f.event_time, f.event_name, &f.bucket, f.key.as_deref()),
    )
}

fn other_key(f: &OtherFailureOut) -> String {
    request_key(
        "other",
        (f.event_id.as_deref(), f.request_id.as_deref()),
        (f.event_time, f.event_name, &f.bucket, f.key.as_deref()),
    )
}

fn orphan_key(o: &OrphanOut) -> String {
    format!(
        "upload:{}:{}:{}",
        o.provider.scheme(),
        o.bucket,
        o.upload_id
    )
}

/// What one reported item names.
struct Item<'a> {
    provider: Provider,
    bucket: &'a str,
    key: Option<&'a str>,
    upload_id: Option<&'a str>,
    actors: [Option<&'a ActorOut>; 2],
}

impl Focus {
    /// Whether nothing is narrowed.
    pub fn is_empty(&self) -> bool {
        self == &Focus::default()
    }

    fn matches(&self, item: &Item<'_>) -> bool {
        let bucket = |b: &String| match (b.strip_prefix("s3://"), b.strip_prefix("oss://")) {
            (Some(name), _) => item.provider == Provider::Aws && name == item.bucket,
            (_, Some(name)) => item.provider == Provider::Alibaba && name == item.bucket,
            _ => b == item.bucket,
        };
        let key = |prefix: &String| item.key.is_some_and(|k| k.starts_with(prefix.as_str()));
        let upload = |id: &String| item.upload_id == Some(id.as_str());
        let actor = |text: &String| {
            item.actors.iter().flatten().any(|a| {
                [Some(&a.name), a.arn.as_ref(), a.role_arn.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|s| s.contains(text.as_str()))
            })
        };
        (self.buckets.is_empty() || self.buckets.iter().any(bucket))
            && (self.keys.is_empty() || self.keys.iter().any(key))
            && (self.upload_ids.is_empty() || self.upload_ids.iter().any(upload))
            && (self.actors.is_empty() || self.actors.iter().any(actor))
    }

    /// Whether an upload is in focus: its bucket, key, ID, and the caller of its first request.
    pub fn upload(
        &self,
        provider: Provider,
        bucket: &str,
        key: Option<&str>,
        upload_id: &str,
        first_caller: Option<&str>,
    ) -> bool {
        let caller = first_caller.map(ActorOut::named);
        self.matches(&Item {
            provider,
            bucket,
            key,
            upload_id: Some(upload_id),
            actors: [caller.as_ref(), None],
        })
    }

    /// Whether a failure is in focus: its bucket, key, upload, and its caller or culprit.
    pub fn failure(&self, f: &FailureOut) -> bool {
        let culprit = match &f.culprit {
            super::CulpritOut::Request { actor, .. } => Some(actor),
            _ => None,
        };
        self.matches(&Item {
            provider: f.provider,
            bucket: &f.bucket,
            key: f.key.as_deref(),
            upload_id: f.upload_id.as_deref(),
            actors: [Some(&f.actor), culprit],
        })
    }

    /// Whether another failure is in focus: its bucket, key, upload, and its caller or culprit.
    pub fn other_failure(&self, f: &OtherFailureOut) -> bool {
        self.matches(&Item {
            provider: f.provider,
            bucket: &f.bucket,
            key: f.key.as_deref(),
            upload_id: f.upload_id.as_deref(),
            actors: [
                Some(&f.actor),
                match &f.culprit {
                    super::OtherCulpritOut::Event(e) => Some(&e.actor),
                    super::OtherCulpritOut::Nobody {} => None,
                },
            ],
        })
    }

    /// Whether an incomplete upload is in focus: its bucket, key, upload and creator.
    pub fn orphan(&self, o: &OrphanOut) -> bool {
        self.matches(&Item {
            provider: o.provider,
            bucket: &o.bucket,
            key: o.key.as_deref(),
            upload_id: Some(&o.upload_id),
            actors: [o.initiated_by.as_ref(), None],
        })
    }
}

impl Report {
    /// Keeps what `focus` names: failures, other failures and incomplete uploads, and the
    /// incidents of the failures kept; `summary` then counts what is kept.
    pub fn focus(&mut self, focus: &Focus) {
        if focus.is_empty() {
            return;
        }
        self.narrow(
            |f| focus.failure(f),
            |f| focus.other_failure(f),
            |o| focus.orphan(o),
        );
    }

    /// What the report names, each by a key that stays the same from run to run: failures and
    /// other failures by their `eventID` (else their request ID, else time, bucket, key and
    /// operation), incomplete uploads by bucket and upload ID.
    pub fn keys(&self) -> BTreeSet<String> {
        let failures = self.failures.iter().map(failure_key);
        let others = self.other_failures.iter().map(other_key);
        let orphans = self.orphans.iter().map(orphan_key);
        failures.chain(others).chain(orphans).collect()
    }

    /// Narrows the report to what `reported` (the [`Report::keys`] of an earlier report) does
    /// not hold.
    /// A `new_only` note says how much was left out.
    pub fn only_new(&mut self, reported: &BTreeSet<String>) {
        let before = self.summary.clone();
        self.narrow(
            |f| !reported.contains(&failure_key(f)),
            |f| !reported.contains(&other_key(f)),
            |o| !reported.contains(&orphan_key(o)),
        );
        let left_out = |all: u64, now: u64| all - now.min(all);
        self.notes.push(super::Note {
            kind: "new_only",
            bucket: None,
            message: format!(
                "Only what the last run with this state did not report (--new-only): {} failure(s), {} other failure(s) and {} incomplete upload(s) reported before are left out.",
                left_out(before.failures, self.summary.failures),
                left_out(before.other_failures, self.summary.other_failures),
                left_out(before.orphans, self.summary.orphans),
            ),
        });
    }

    /// Keeps the failures, other failures and orphans the tests accept, the incidents of the
    /// failures kept, and counts them.
    fn narrow(
        &mut self,
        failure: impl Fn(&FailureOut) -> bool,
        other: impl Fn(&OtherFailureOut) -> bool,
        orphan: impl Fn(&OrphanOut) -> bool,
    ) {
        self.failures.retain(failure);
        self.other_failures.retain(other);
        self.orphans.retain(orphan);
        let kept: BTreeSet<&str> = self.failures.iter().map(|f| f.incident.as_str()).collect();
        self.incidents.retain(|i| kept.contains(i.id.as_str()));
        self.summary = Summary::of(
            &self.failures,
            &self.incidents,
            &self.other_failures,
            &self.orphans,
        );
    }
}
