//! Which copy of a request is kept, and the order of what is kept: copies are told apart by
//! their IDs, a CloudTrail record is preferred to an access-log line of the same request, and
//! everything is ordered by content so that the answer does not depend on file order.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::model::{ContextEvent, Event, Evidence, LifecycleChange};
use crate::strings::Id;

/// Removes items whose ID was already seen, keeping the preferred copy (a CloudTrail record over
/// an access-log line, then the copy that sorts first), and returns the rest in order. Also
/// returns, for each copy of the same kind whose content differs from the kept one, the origins
/// of both (kept, dropped).
pub(super) fn dedupe<T: Record + Send, K: Ord>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> Option<K> + Sync,
    order: impl Fn(&T, &T) -> Ordering + Sync,
) -> (Vec<T>, Vec<(u32, u32)>) {
    items.par_sort_unstable_by(|a, b| {
        id(a)
            .cmp(&id(b))
            .then_with(|| a.evidence().cmp(&b.evidence()))
            .then_with(|| order(a, b))
    });
    // In place: `later` is dropped when it repeats the ID of `kept`.
    let mut conflicts = Vec::new();
    items.dedup_by(|later, kept| {
        let repeated = id(later).is_some() && id(later) == id(kept);
        if repeated && later.evidence() != kept.evidence() {
            kept.seen_also_in(later);
        } else if repeated && !kept.same_content(later) {
            conflicts.push((kept.origin(), later.origin()));
        }
        repeated
    });
    items.par_sort_unstable_by(&order);
    (items, conflicts)
}

/// What removing duplicates needs to know of an item.
pub(super) trait Record {
    fn origin(&self) -> u32;
    fn same_content(&self, other: &Self) -> bool;
    /// The kind of log it comes from; lower is preferred.
    fn evidence(&self) -> Evidence {
        Evidence::Cloudtrail
    }
    /// Notes that another kind of log holds the same request (`other`).
    fn seen_also_in(&mut self, _other: &Self) {}
}

impl Record for Event {
    fn origin(&self) -> u32 {
        self.origin
    }
    fn same_content(&self, other: &Self) -> bool {
        Event {
            origin: 0,
            ..self.clone()
        } == Event {
            origin: 0,
            ..other.clone()
        }
    }
    fn evidence(&self) -> Evidence {
        self.evidence
    }
    /// The other log's record of the request also lends what the kept one lacks: an OSS access
    /// log has the size of a part that ActionTrail does not log.
    fn seen_also_in(&mut self, other: &Self) {
        self.also_in = Some(other.evidence);
        self.bytes = self.bytes.or(other.bytes);
    }
}

impl Record for ContextEvent {
    fn origin(&self) -> u32 {
        self.origin
    }
    fn same_content(&self, other: &Self) -> bool {
        ContextEvent {
            origin: 0,
            ..self.clone()
        } == ContextEvent {
            origin: 0,
            ..other.clone()
        }
    }
    fn evidence(&self) -> Evidence {
        self.evidence
    }
}

impl Record for LifecycleChange {
    fn origin(&self) -> u32 {
        self.origin
    }
    fn same_content(&self, other: &Self) -> bool {
        LifecycleChange {
            origin: 0,
            ..self.clone()
        } == LifecycleChange {
            origin: 0,
            ..other.clone()
        }
    }
}

/// The identity of a request for removing duplicates: its S3 request ID (one request is in
/// CloudTrail twice when delivered to two accounts, and again in the access log), else its
/// `eventID`.
pub(super) fn identity(e: &Event) -> Option<(u8, Id)> {
    e.request_id
        .map(|r| (0, r))
        .or(e.event_id.map(|id| (1, id)))
}

/// The timeline order: by time; within a second by meaning (creation, parts, lists, completion,
/// abort, then failures); then by content, so that the order never depends on file order.
pub fn compare_events(a: &Event, b: &Event, origins: &[String]) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.semantic_rank().cmp(&b.semantic_rank()))
        .then_with(|| a.event_id.cmp(&b.event_id))
        .then_with(|| a.request_id.cmp(&b.request_id))
        .then_with(|| a.bucket.cmp(&b.bucket))
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.upload_id.cmp(&b.upload_id))
        .then_with(|| a.part_number.cmp(&b.part_number))
        .then_with(|| a.bytes.cmp(&b.bytes))
        .then_with(|| a.error.cmp(&b.error))
        .then_with(|| a.actor.cmp(&b.actor))
        .then_with(|| a.source_ip.cmp(&b.source_ip))
        .then_with(|| a.user_agent.cmp(&b.user_agent))
        .then_with(|| a.region.cmp(&b.region))
        .then_with(|| a.account.cmp(&b.account))
        .then_with(|| a.extra.cmp(&b.extra))
        .then_with(|| a.evidence.cmp(&b.evidence))
        .then_with(|| origin_name(origins, a.origin).cmp(origin_name(origins, b.origin)))
}

/// The identity of a context record for removing duplicates, as for [`identity`].
pub(super) fn context_identity(c: &ContextEvent) -> Option<(u8, Id)> {
    c.request_id
        .map(|r| (0, r))
        .or(c.event_id.map(|id| (1, id)))
}

/// The order of context records: by time, then by content.
pub(super) fn compare_context(a: &ContextEvent, b: &ContextEvent, origins: &[String]) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.event_id.cmp(&b.event_id))
        .then_with(|| a.request_id.cmp(&b.request_id))
        .then_with(|| a.bucket.cmp(&b.bucket))
        .then_with(|| a.key_hash.cmp(&b.key_hash))
        .then_with(|| a.target.cmp(&b.target))
        .then_with(|| a.actor.cmp(&b.actor))
        .then_with(|| a.evidence.cmp(&b.evidence))
        .then_with(|| origin_name(origins, a.origin).cmp(origin_name(origins, b.origin)))
}

pub(super) fn compare_changes(
    a: &LifecycleChange,
    b: &LifecycleChange,
    origins: &[String],
) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.event_id.cmp(&b.event_id))
        .then_with(|| a.bucket.cmp(&b.bucket))
        .then_with(|| a.event_name.cmp(&b.event_name))
        .then_with(|| a.error_code.cmp(&b.error_code))
        .then_with(|| a.rules.cmp(&b.rules))
        .then_with(|| a.actor.cmp(&b.actor))
        .then_with(|| origin_name(origins, a.origin).cmp(origin_name(origins, b.origin)))
}

fn origin_name(origins: &[String], id: u32) -> &str {
    origins.get(id as usize).map_or("", String::as_str)
}
