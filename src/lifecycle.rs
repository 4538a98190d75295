//! Lifecycle rules that abort incomplete multipart uploads, and when they make an upload eligible.
//!
//! S3 never logs a lifecycle abort in CloudTrail, so a lifecycle cause is an inference from the
//! bucket's configuration. The configuration in force at each moment comes from the
//! `PutBucketLifecycle*` / `DeleteBucketLifecycle` history in the logs; a `--lifecycle` file, or
//! else the configuration read from S3 with `--fetch-lifecycle` (both: the configuration today), is
//! used for a bucket whose history the logs do not show, as if in force throughout.
//!
//! Evaluation follows S3: only `Enabled` rules with `AbortIncompleteMultipartUpload`, a key-prefix
//! filter, eligibility at initiation + `DaysAfterInitiation` days rounded up to the next 00:00 UTC,
//! rules also apply to uploads begun before they existed, and the earliest eligible rule wins.
//! There is no default: without a rule, S3 keeps incomplete uploads (and bills them) forever.
//!
//! OSS rules (`AbortMultipartUpload`) are read into the same [`Rule`]: `Days` is evaluated as
//! S3's `DaysAfterInitiation` (OSS runs its rules once a day, so eligibility starts at the next
//! 00:00 UTC, 08:00 in China), `CreatedBeforeDate` makes every upload begun before that date
//! eligible from it, and a `<Filter><Not>` prefix exempts the keys it matches. OSS has no default
//! either.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::{Duration, TimeDelta};

use crate::model::{BucketName, Evidence, LifecycleChange, Provider, Rule, Time};

/// Where a rule set was learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    /// A `PutBucketLifecycle*` event in the logs.
    Logs {
        /// Its `eventID`.
        event_id: Option<String>,
        /// The cloud whose trail logged it (CloudTrail, ActionTrail).
        provider: Provider,
    },
    /// A `--lifecycle` file, assumed to hold for the whole window.
    File(PathBuf),
    /// The `x-amz-abort-*` headers of the upload's CreateMultipartUpload response.
    CreateResponse,
    /// GetBucketLifecycleConfiguration (`--fetch-lifecycle`), assumed to hold for the whole window.
    Fetched,
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleSource::Logs { event_id, provider } => {
                f.write_str(Evidence::Cloudtrail.name(*provider))?;
                match event_id {
                    Some(id) => write!(f, ":{id}"),
                    None => Ok(()),
                }
            }
            RuleSource::File(path) => write!(f, "file:{}", path.display()),
            RuleSource::CreateResponse => f.write_str("create_response"),
            RuleSource::Fetched => f.write_str("s3api"),
        }
    }
}

/// A bucket's configuration over one stretch of time.
#[derive(Debug, Clone)]
struct Period {
    from: Option<Time>,
    until: Option<Time>,
    /// `None` when the configuration is not known (the log omitted it).
    rules: Option<Vec<Rule>>,
    source: RuleSource,
}

/// When and by which rule an upload became (or becomes) eligible for abort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    /// The rule's `ID`.
    pub rule_id: Option<String>,
    /// Its `DaysAfterInitiation` (OSS: `Days`).
    pub days: Option<u32>,
    /// Its `CreatedBeforeDate` (OSS only).
    pub created_before: Option<Time>,
    /// The moment the upload became eligible.
    pub at: Time,
    /// Where the rule was learned.
    pub source: RuleSource,
}

/// Lifecycle configurations of all buckets over time.
#[derive(Debug, Default)]
pub struct Lifecycle {
    buckets: BTreeMap<BucketName, Vec<Period>>,
}

/// What the configuration of one bucket can tell about one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A rule made the upload eligible before the moment asked about.
    Eligible(Eligibility),
    /// Nothing is known about the bucket's lifecycle configuration.
    Unknown,
    /// Rules are known, and none applies to the key.
    NoMatchingRule,
    /// A rule applies, but only from this later moment.
    EligibleLater(Eligibility),
    /// The configuration before this moment, after the upload began, is not known (the logs
    /// start with a change).
    UnknownBefore(Time),
}

/// The next 00:00 UTC at or after `t`.
pub fn ceil_to_midnight(t: Time) -> Time {
    let midnight = t
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|m| m.and_utc())
        .unwrap_or(t);
    if midnight == t {
        t
    } else {
        midnight + Duration::days(1)
    }
}

/// When an upload initiated at `initiated` becomes eligible under `rule`, if ever: `days` after
/// it, rounded up to midnight; or, under an OSS `CreatedBeforeDate`, at that date when it began
/// before it.
pub fn eligible_at(rule: &Rule, initiated: Time) -> Option<Time> {
    if let Some(days) = rule.abort_days {
        let t = initiated.checked_add_signed(TimeDelta::try_days(i64::from(days))?)?;
        return Some(ceil_to_midnight(t));
    }
    rule.created_before.filter(|&date| initiated < date)
}

/// Whether a rule aborts incomplete uploads of `key`.
pub fn applies(rule: &Rule, key: Option<&str>) -> bool {
    let matches = |prefix: &String| prefix.is_empty() || key.is_some_and(|k| k.starts_with(prefix));
    rule.enabled
        && (rule.abort_days.is_some() || rule.created_before.is_some())
        && !rule.other_filters
        && matches(&rule.prefix)
        && !rule
            .excluded_prefixes
            .iter()
            .any(|p| key.is_some_and(|k| k.starts_with(p)))
}

impl Lifecycle {
    /// Builds the history of every bucket from the changes in the logs, then adds the
    /// `--lifecycle` files for buckets whose history the logs do not show.
    ///
    /// `today` holds configurations as they are now (from `--lifecycle` files first, then from
    /// S3), each used only for a bucket whose history the logs do not show.
    pub fn new(
        changes: &[LifecycleChange],
        today: Vec<(BucketName, RuleSource, Vec<Rule>)>,
    ) -> Lifecycle {
        let mut buckets: BTreeMap<BucketName, Vec<Period>> = BTreeMap::new();
        for change in changes.iter().filter(|c| c.error_code.is_none()) {
            let bucket = BucketName::new(change.provider, change.bucket.as_str());
            let periods = buckets.entry(bucket).or_default();
            if let Some(last) = periods.last_mut() {
                last.until = Some(change.time);
            }
            periods.push(Period {
                from: Some(change.time),
                until: None,
                rules: change.rules.clone(),
                source: RuleSource::Logs {
                    event_id: change.event_id.clone(),
                    provider: change.provider,
                },
            });
        }
        for (bucket, source, rules) in today {
            buckets.entry(bucket).or_insert_with(|| {
                vec![Period {
                    from: None,
                    until: None,
                    rules: Some(rules),
                    source,
                }]
            });
        }
        Lifecycle { buckets }
    }

    /// Whether anything is known about the bucket's configuration.
    pub fn knows(&self, bucket: &BucketName) -> bool {
        self.buckets.contains_key(bucket)
    }

    /// Whether the bucket's history comes from the logs (rather than a file).
    pub fn history_in_logs(&self, bucket: &BucketName) -> bool {
        self.buckets.get(bucket).is_some_and(|p| {
            p.iter()
                .any(|p| matches!(p.source, RuleSource::Logs { .. }))
        })
    }

    /// The earliest moment any rule made an upload of `key`, initiated at `initiated`, eligible
    /// for abort, and whether that was strictly before `before` (the failing request). With
    /// `before` = `None`, the earliest eligibility at any time.
    pub fn verdict(
        &self,
        bucket: &BucketName,
        key: Option<&str>,
        initiated: Time,
        before: Option<Time>,
    ) -> Verdict {
        let Some(periods) = self.buckets.get(bucket) else {
            return Verdict::Unknown;
        };
        let mut best: Option<Eligibility> = None;
        for period in periods {
            let Some(rules) = &period.rules else { continue };
            for rule in rules.iter().filter(|r| applies(r, key)) {
                let Some(mut at) = eligible_at(rule, initiated) else {
                    continue;
                };
                // A rule added later applies to older uploads from the moment it exists.
                if let Some(from) = period.from {
                    at = at.max(from);
                }
                if period.until.is_some_and(|until| at >= until) {
                    continue; // replaced or deleted before the upload became eligible
                }
                let candidate = Eligibility {
                    rule_id: rule.id.clone(),
                    days: rule.abort_days,
                    created_before: rule.created_before.filter(|_| rule.abort_days.is_none()),
                    at,
                    source: period.source.clone(),
                };
                if best
                    .as_ref()
                    .is_none_or(|b| (candidate.at, &candidate.rule_id) < (b.at, &b.rule_id))
                {
                    best = Some(candidate);
                }
            }
        }
        match best {
            Some(e) if before.is_none_or(|b| e.at < b) => Verdict::Eligible(e),
            Some(e) => Verdict::EligibleLater(e),
            None => match periods.first().and_then(|p| p.from) {
                // The logs start with a change after the upload began: a rule in force before it
                // may have removed the upload.
                Some(first) if first > initiated => Verdict::UnknownBefore(first),
                _ if periods.iter().any(|p| p.rules.is_none()) => Verdict::Unknown,
                _ => Verdict::NoMatchingRule,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::parse_time;
    use crate::model::Actor;

    fn t(s: &str) -> Time {
        parse_time(s).unwrap()
    }

    fn rule(id: &str, prefix: &str, days: u32) -> Rule {
        Rule {
            id: Some(id.to_owned()),
            enabled: true,
            prefix: prefix.to_owned(),
            abort_days: Some(days),
            created_before: None,
            excluded_prefixes: Vec::new(),
            other_filters: false,
        }
    }

    fn s3(name: &str) -> BucketName {
        BucketName::s3(name)
    }

    fn change(at: &str, rules: Option<Vec<Rule>>) -> LifecycleChange {
        LifecycleChange {
            time: t(at),
            bucket: "b".to_owned(),
            rules,
            event_name: "PutBucketLifecycle".to_owned(),
            event_id: Some(format!("put-{at}")),
            actor: Actor::default(),
            error_code: None,
            origin: 0,
            provider: crate::model::Provider::Aws,
        }
    }

    fn from_file(rules: Vec<Rule>) -> Lifecycle {
        Lifecycle::new(
            &[],
            vec![(s3("b"), RuleSource::File(PathBuf::from("r.json")), rules)],
        )
    }

    #[test]
    fn rounds_up_to_midnight() {
        assert_eq!(
            ceil_to_midnight(t("2014-01-18T10:30:00Z")),
            t("2014-01-19T00:00:00Z")
        );
        assert_eq!(
            ceil_to_midnight(t("2014-01-19T00:00:00Z")),
            t("2014-01-19T00:00:00Z")
        );
        // The documented example: created 1/15 10:30 + 3 days → 1/19 00:00.
        assert_eq!(
            eligible_at(&rule("r", "", 3), t("2014-01-15T10:30:00Z")),
            Some(t("2014-01-19T00:00:00Z"))
        );
    }

    #[test]
    fn only_enabled_abort_rules_with_a_matching_prefix_apply() {
        let mut disabled = rule("d", "", 1);
        disabled.enabled = false;
        let mut tagged = rule("t", "", 1);
        tagged.other_filters = true;
        let no_abort = Rule {
            abort_days: None,
            ..rule("x", "", 1)
        };
        for r in [&disabled, &tagged, &no_abort] {
            assert!(!applies(r, Some("a/b")), "{r:?}");
        }
        assert!(applies(&rule("p", "a/", 1), Some("a/b")));
        assert!(
            !applies(&rule("p", "A/", 1), Some("a/b")),
            "prefixes are case-sensitive"
        );
        assert!(
            !applies(&rule("p", "*", 1), Some("a/b")),
            "no wildcards: * is a literal prefix"
        );
    }

    #[test]
    fn eligibility_must_come_strictly_before_the_failure() {
        let lc = from_file(vec![rule("r", "", 1)]);
        let init = t("2026-11-02T10:00:00Z");
        let at = t("2026-11-04T00:00:00Z");
        assert!(
            matches!(lc.verdict(&s3("b"), Some("k"), init, Some(at + Duration::seconds(1))), Verdict::Eligible(e) if e.at == at)
        );
        assert!(
            matches!(lc.verdict(&s3("b"), Some("k"), init, Some(at)), Verdict::EligibleLater(e) if e.at == at)
        );
        assert_eq!(
            lc.verdict(&s3("other"), Some("k"), init, Some(at)),
            Verdict::Unknown
        );
    }

    #[test]
    fn the_earliest_eligible_rule_wins() {
        let lc = from_file(vec![rule("slow", "", 7), rule("fast", "tmp/", 2)]);
        let Verdict::Eligible(e) =
            lc.verdict(&s3("b"), Some("tmp/x"), t("2026-11-02T10:00:00Z"), None)
        else {
            panic!()
        };
        assert_eq!(e.rule_id.as_deref(), Some("fast"));
        let Verdict::Eligible(e) =
            lc.verdict(&s3("b"), Some("other/x"), t("2026-11-02T10:00:00Z"), None)
        else {
            panic!()
        };
        assert_eq!(e.rule_id.as_deref(), Some("slow"));
    }

    #[test]
    fn a_rule_added_later_applies_from_when_it_exists() {
        let lc = Lifecycle::new(
            &[change(
                "2026-11-20T15:00:00Z",
                Some(vec![rule("late", "", 1)]),
            )],
            vec![],
        );
        let Verdict::Eligible(e) = lc.verdict(
            &s3("b"),
            Some("k"),
            t("2026-11-01T10:00:00Z"),
            Some(t("2026-11-21T00:00:00Z")),
        ) else {
            panic!()
        };
        assert_eq!(e.at, t("2026-11-20T15:00:00Z"));
    }

    #[test]
    fn a_deleted_rule_no_longer_applies() {
        let mut delete = change("2026-11-03T12:00:00Z", Some(vec![]));
        delete.event_name = "DeleteBucketLifecycle".to_owned();
        let lc = Lifecycle::new(
            &[
                change("2026-10-01T00:00:00Z", Some(vec![rule("r", "", 2)])),
                delete,
            ],
            vec![],
        );
        // Eligible on 11-05, but the rule was gone on 11-03.
        let v = lc.verdict(
            &s3("b"),
            Some("k"),
            t("2026-11-02T10:00:00Z"),
            Some(t("2026-11-06T00:00:00Z")),
        );
        assert_eq!(v, Verdict::NoMatchingRule);
    }

    #[test]
    fn a_failed_change_changes_nothing_and_unknown_history_is_said() {
        let mut denied = change("2026-11-01T00:00:00Z", Some(vec![rule("r", "", 1)]));
        denied.error_code = Some("AccessDenied".to_owned());
        let lc = Lifecycle::new(&[denied], vec![]);
        assert_eq!(
            lc.verdict(&s3("b"), Some("k"), t("2026-11-02T00:00:00Z"), None),
            Verdict::Unknown
        );

        let lc = Lifecycle::new(&[change("2026-11-10T00:00:00Z", Some(vec![]))], vec![]);
        assert_eq!(
            lc.verdict(
                &s3("b"),
                Some("k"),
                t("2026-11-02T00:00:00Z"),
                Some(t("2026-11-05T00:00:00Z"))
            ),
            Verdict::UnknownBefore(t("2026-11-10T00:00:00Z"))
        );
    }

    #[test]
    fn oss_rules_by_date_and_exemption_and_per_cloud() {
        let oss = |name: &str| BucketName::new(crate::model::Provider::Alibaba, name);
        let by_date = Rule {
            abort_days: None,
            created_before: Some(t("2026-11-05T00:00:00Z")),
            ..rule("before", "", 0)
        };
        let exempt = Rule {
            excluded_prefixes: vec!["keep/".to_owned()],
            ..rule("days", "", 1)
        };
        let mut changed = change("2026-11-03T12:00:00Z", Some(vec![by_date.clone()]));
        changed.provider = crate::model::Provider::Alibaba;
        let lc = Lifecycle::new(
            &[changed],
            vec![(
                oss("x"),
                RuleSource::File(PathBuf::from("x.xml")),
                vec![exempt],
            )],
        );
        // Begun before the date: eligible from the date, once the rule exists.
        let Verdict::Eligible(e) =
            lc.verdict(&oss("b"), Some("k"), t("2026-11-01T00:00:00Z"), None)
        else {
            panic!("eligible by date");
        };
        assert_eq!(e.at, t("2026-11-05T00:00:00Z"));
        assert_eq!((e.days, e.created_before), (None, by_date.created_before));
        // Begun after it: never.
        assert_eq!(
            lc.verdict(&oss("b"), Some("k"), t("2026-11-06T00:00:00Z"), None),
            Verdict::NoMatchingRule
        );
        // The S3 bucket of the same name knows nothing.
        assert_eq!(
            lc.verdict(&s3("b"), Some("k"), t("2026-11-01T00:00:00Z"), None),
            Verdict::Unknown
        );
        // `Not` exempts its prefix.
        assert!(matches!(
            lc.verdict(&oss("x"), Some("tmp/k"), t("2026-11-01T10:00:00Z"), None),
            Verdict::Eligible(e) if e.at == t("2026-11-03T00:00:00Z")
        ));
        assert_eq!(
            lc.verdict(&oss("x"), Some("keep/k"), t("2026-11-01T10:00:00Z"), None),
            Verdict::NoMatchingRule
        );
    }
}
