//! Stage 6: the failures grouped into the incidents a person investigates.
//!
//! One sweep of a cleanup job, one lifecycle rule, one lost race for a key: each makes many
//! requests fail, and a reader wants the one thing that happened first, with its size. Failures
//! are grouped by what removed their upload (the table in `contract/incidents.md`): a self-abort,
//! a completion, an unknown or unexplained upload by the upload; another identity's aborts by its
//! abort episode; lifecycle by bucket and rule; a race by bucket and key; a wrong key by the caller
//! and the upload ID it used. Incidents are numbered `I1`, `I2`, … largest first, so the same logs
//! give the same numbers whatever the thread count or file order.

use std::collections::{BTreeMap, BTreeSet};

use crate::attribute::text::{request, span};
use crate::attribute::{Abort, AbortKind, Cause, Culprit, Episodes, Finding};
use crate::model::{Event, Provider, Time};
use crate::strings::{Identity, Strings, Sym};
use crate::words::plural;

/// A group of failures with one origin.
#[derive(Debug, Clone)]
pub struct Incident {
    /// The cause its failures share.
    pub cause: Cause,
    /// For `aborted`: the kind of abort.
    pub abort_kind: Option<AbortKind>,
    /// Who or what caused it, for display: an identity, `rule "ID" of bucket B`, or nothing.
    pub culprit: Option<String>,
    /// Its failures (indices into the findings), in timeline order.
    pub findings: Vec<usize>,
    /// Distinct uploads among its failures.
    pub uploads: usize,
    /// The buckets of its failures, in name order.
    pub buckets: Vec<String>,
    /// The cloud of its failures.
    pub provider: Provider,
    /// Its first failure.
    pub first_failure: Time,
    /// Its last failure.
    pub last_failure: Time,
    /// One sentence that tells it.
    pub summary: String,
}

impl Incident {
    /// Its id, from its place in the list (`I1` first).
    pub fn id(index: usize) -> String {
        format!("I{}", index + 1)
    }
}

/// The incidents of a run.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// The incidents, in id order (largest first).
    pub list: Vec<Incident>,
    /// The incident of each finding (an index into `list`).
    pub of_finding: Vec<usize>,
}

/// What failures of one incident share, besides their cause.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Group<'s> {
    /// One upload: a self-abort, a completion, an unknown or unexplained upload.
    Upload(Sym, Option<Sym>),
    /// One abort episode of another identity.
    Episode(Option<usize>, Identity<'s>),
    /// One lifecycle rule of a bucket (or the bucket, when no rule is known).
    Rule(Sym, Option<String>),
    /// One key of a bucket: uploads that raced for it.
    Object(Sym, Option<Sym>),
    /// One caller using one upload ID for the wrong key.
    Caller(Identity<'s>, Option<Sym>),
}

/// Groups the findings into incidents.
pub fn group(
    findings: &[Finding],
    events: &[Event],
    strings: &Strings,
    episodes: &Episodes,
) -> Incidents {
    let mut groups: BTreeMap<(Cause, Group<'_>), Vec<usize>> = BTreeMap::new();
    for (n, f) in findings.iter().enumerate() {
        let e = &events[f.failure];
        let group = match (&f.culprit, f.cause) {
            (
                Culprit::Request {
                    event,
                    abort: Some(Abort::ByOther { episode, .. }),
                    ..
                },
                _,
            ) => Group::Episode(*episode, strings.identity(events[*event].actor)),
            (Culprit::Rule { eligibility, .. }, _) => Group::Rule(
                e.bucket,
                eligibility.as_ref().and_then(|r| r.rule_id.clone()),
            ),
            (Culprit::Winner { .. }, _) => Group::Object(e.bucket, e.key),
            (_, Cause::WrongKey) => Group::Caller(strings.identity(e.actor), e.upload_id),
            _ => Group::Upload(e.bucket, e.upload_id),
        };
        groups.entry((f.cause, group)).or_default().push(n);
    }
    let mut list: Vec<(String, Incident)> = groups
        .into_iter()
        .map(|((cause, group), members)| {
            let key = key_text(&group, strings, episodes, events);
            (
                key,
                incident(cause, members, findings, events, strings, episodes),
            )
        })
        .collect();
    list.sort_by(|(ka, a), (kb, b)| {
        b.findings
            .len()
            .cmp(&a.findings.len())
            .then_with(|| a.first_failure.cmp(&b.first_failure))
            .then_with(|| a.cause.name().cmp(b.cause.name()))
            .then_with(|| ka.cmp(kb))
    });
    let mut of_finding = vec![0; findings.len()];
    for (index, (_, incident)) in list.iter().enumerate() {
        for &n in &incident.findings {
            of_finding[n] = index;
        }
    }
    Incidents {
        list: list.into_iter().map(|(_, i)| i).collect(),
        of_finding,
    }
}

/// The group's key as text, the last tie-break of the order.
fn key_text(group: &Group<'_>, strings: &Strings, episodes: &Episodes, events: &[Event]) -> String {
    let who = |id: &Identity<'_>| match id {
        Identity::Arn(arn) => (*arn).to_owned(),
        Identity::Named(name, key) => format!("{name}:{}", key.unwrap_or_default()),
        Identity::Whole(actor) => strings.actor(*actor).display_name(),
    };
    match group {
        Group::Upload(b, id) | Group::Object(b, id) => {
            format!("{}/{}", &strings[*b], strings.opt(*id).unwrap_or_default())
        }
        Group::Episode(episode, id) => {
            let first = episode.map(|e| episodes.list[e].first(events).to_rfc3339());
            format!("{}@{}", who(id), first.unwrap_or_default())
        }
        Group::Rule(b, rule) => format!("{}/{}", &strings[*b], rule.as_deref().unwrap_or("")),
        Group::Caller(id, upload) => {
            format!("{}/{}", who(id), strings.opt(*upload).unwrap_or_default())
        }
    }
}

fn incident(
    cause: Cause,
    members: Vec<usize>,
    findings: &[Finding],
    events: &[Event],
    strings: &Strings,
    episodes: &Episodes,
) -> Incident {
    let failures: Vec<&Event> = members
        .iter()
        .map(|&n| &events[findings[n].failure])
        .collect();
    let uploads: BTreeSet<(Sym, Option<Sym>)> =
        failures.iter().map(|e| (e.bucket, e.upload_id)).collect();
    let buckets: BTreeSet<&str> = failures.iter().map(|e| &strings[e.bucket]).collect();
    let first_failure = failures
        .iter()
        .map(|e| e.time)
        .min()
        .unwrap_or(Time::MIN_UTC);
    let last_failure = failures
        .iter()
        .map(|e| e.time)
        .max()
        .unwrap_or(Time::MIN_UTC);
    let first = &findings[members[0]];
    let abort = match &first.culprit {
        Culprit::Request { abort, .. } => *abort,
        _ => None,
    };
    let culprit = match &first.culprit {
        Culprit::Request { event, .. } | Culprit::Winner { event, .. } => {
            Some(strings.actor(events[*event].actor).display_name())
        }
        Culprit::Rule {
            bucket,
            eligibility: Some(e),
            ..
        } => e
            .rule_id
            .as_ref()
            .map(|id| format!("rule {id:?} of bucket {bucket}")),
        _ if cause == Cause::WrongKey => Some(strings.actor(failures[0].actor).display_name()),
        _ => None,
    };
    let told = Told {
        failures: failures.len(),
        uploads: uploads.len(),
        first: failures[0],
        finding: first,
        events,
        strings,
    };
    let summary = match abort {
        Some(abort) => told.aborted(abort, episodes),
        None => {
            let who = match &first.culprit {
                Culprit::Request { event, .. } | Culprit::Winner { event, .. } => {
                    Some(strings.actor(events[*event].actor).short_name(true))
                }
                _ if cause == Cause::WrongKey => {
                    Some(strings.actor(failures[0].actor).short_name(true))
                }
                _ => culprit.clone(),
            };
            told.other(cause, who.as_deref())
        }
    };
    Incident {
        cause,
        abort_kind: abort.map(Abort::kind),
        culprit,
        uploads: uploads.len(),
        buckets: buckets.into_iter().map(str::to_owned).collect(),
        provider: failures.first().map(|e| e.provider).unwrap_or_default(),
        first_failure,
        last_failure,
        findings: members,
        summary,
    }
}

/// What a summary sentence needs.
struct Told<'a> {
    failures: usize,
    uploads: usize,
    first: &'a Event,
    finding: &'a Finding,
    events: &'a [Event],
    strings: &'a Strings,
}

impl Told<'_> {
    /// `; 3 requests failed` (of how many uploads, when it matters).
    fn count(&self) -> String {
        let requests = plural(self.failures as u64, "request", "requests");
        match self.uploads {
            1 => format!("{} {requests} failed", self.failures),
            n => format!("{} {requests} of {n} uploads failed", self.failures),
        }
    }

    fn object(&self) -> String {
        format!(
            "{}/{}",
            &self.strings[self.first.bucket],
            self.strings.opt(self.first.key).unwrap_or_default()
        )
    }

    fn aborted(&self, abort: Abort, episodes: &Episodes) -> String {
        let Culprit::Request { event, .. } = &self.finding.culprit else {
            return self.count();
        };
        let aborter = &self.events[*event];
        let name = self.strings.actor(aborter.actor).short_name(false);
        match abort {
            Abort::Own { trigger } => {
                let after = trigger
                    .map(|t| {
                        let e = &self.events[t];
                        let code = e.error_code(self.strings).unwrap_or("an error");
                        format!(" after {} failed with {code}", request(e))
                    })
                    .unwrap_or_default();
                format!(
                    "{name} aborted its own upload of {}{after}; {}",
                    self.object(),
                    self.count()
                )
            }
            Abort::ByOther { episode, sweep } => {
                let episode = episode.map(|e| &episodes.list[e]);
                match episode.filter(|_| sweep) {
                    Some(e) => format!(
                        "{name} aborted {} uploads in one sweep ({}){}; {}",
                        e.uploads,
                        between(e.first(self.events), e.last(self.events)),
                        if e.listing.is_some() {
                            " after listing them"
                        } else {
                            ""
                        },
                        self.count()
                    ),
                    None => format!(
                        "{name} aborted {} still in use at {}; {}",
                        if self.uploads == 1 {
                            "an upload".to_owned()
                        } else {
                            format!("{} uploads", self.uploads)
                        },
                        clock(aborter.time),
                        self.count()
                    ),
                }
            }
        }
    }

    fn other(&self, cause: Cause, culprit: Option<&str>) -> String {
        let bucket = &self.strings[self.first.bucket];
        // The failures name the whole ID; a sentence needs only enough of it to tell uploads apart.
        let id = match self.strings.opt(self.first.upload_id) {
            Some(id) if id.chars().count() > 16 => {
                format!("{}…", id.chars().take(12).collect::<String>())
            }
            Some(id) => id.to_owned(),
            None => "(none)".to_owned(),
        };
        match cause {
            Cause::Completed => format!(
                "the upload of {} was already completed by {}; {}",
                self.object(),
                culprit.unwrap_or("someone"),
                self.count()
            ),
            Cause::Lifecycle => format!(
                "{} removed {} still in use; {}",
                culprit.map_or_else(
                    || format!("a lifecycle rule of bucket {bucket}"),
                    str::to_owned
                ),
                if self.uploads == 1 {
                    "an upload".to_owned()
                } else {
                    format!("{} uploads", self.uploads)
                },
                self.count()
            ),
            Cause::Superseded => format!(
                "another upload of {} was completed first, by {}; {}",
                self.object(),
                culprit.unwrap_or("someone"),
                self.count()
            ),
            Cause::WrongKey => format!(
                "{} used upload {id} for {}, which is not its key; {}",
                culprit.unwrap_or("a caller"),
                self.object(),
                self.count()
            ),
            Cause::UnknownUpload => format!(
                "upload {id} of {} is in no successful request of the logs; {}",
                self.object(),
                self.count()
            ),
            Cause::Unexplained => format!(
                "upload {id} of {} vanished with nothing in view; {}",
                self.object(),
                self.count()
            ),
            Cause::Aborted => self.count(),
        }
    }
}

/// `23:50–23:58 UTC on 2026-11-03` (with seconds within one minute), or two full times when the
/// days differ.
fn between(a: Time, b: Time) -> String {
    if a.date_naive() == b.date_naive()
        && a.format("%H:%M").to_string() == b.format("%H:%M").to_string()
    {
        format!(
            "{}–{} UTC on {}",
            a.format("%H:%M:%S"),
            b.format("%H:%M:%S"),
            a.format("%Y-%m-%d")
        )
    } else if a.date_naive() == b.date_naive() {
        format!(
            "{}–{} UTC on {}",
            a.format("%H:%M"),
            b.format("%H:%M"),
            a.format("%Y-%m-%d")
        )
    } else {
        format!(
            "{} – {} UTC, {}",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M"),
            span(b - a)
        )
    }
}

/// `2026-11-03 09:30 UTC`.
fn clock(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}
