//! Lifecycle configurations as the S3 API spells them, both in the `requestParameters` of a
//! `PutBucketLifecycle*` record and in what `aws s3api get-bucket-lifecycle-configuration` prints:
//! `Rule` or `Rules`, an object or an array, the prefix in any of its three places.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::lenient::{Lenient, Num, OneOrMany, Text};
use crate::model::{Provider, Rule};

#[derive(Deserialize, Default)]
pub(super) struct RawLifecycleConfiguration<'a> {
    #[serde(rename = "Rule", borrow, default)]
    rule: Option<OneOrMany<RawRule<'a>>>,
    #[serde(rename = "Rules", borrow, default)]
    rules: Option<OneOrMany<RawRule<'a>>>,
}

impl RawLifecycleConfiguration<'_> {
    /// The rules, or `None` when the object has neither `Rules` nor `Rule`.
    pub(super) fn normalise(&self) -> Option<Vec<Rule>> {
        if self.rule.is_none() && self.rules.is_none() {
            return None;
        }
        let all = self.rules.iter().chain(&self.rule).flat_map(|r| &r.0);
        Some(all.map(RawRule::normalise).collect())
    }
}

/// One lifecycle rule as the S3 API spells it, both in CloudTrail `requestParameters` and in the
/// output of `aws s3api get-bucket-lifecycle-configuration`.
#[derive(Deserialize, Default)]
struct RawRule<'a> {
    #[serde(rename = "ID", borrow, default)]
    id: Text<'a>,
    #[serde(rename = "Status", borrow, default)]
    status: Text<'a>,
    #[serde(rename = "Prefix", borrow, default)]
    prefix: Text<'a>,
    #[serde(rename = "Filter", borrow, default)]
    filter: Lenient<RawFilter<'a>>,
    #[serde(rename = "AbortIncompleteMultipartUpload", default)]
    abort: Lenient<RawAbort>,
}

#[derive(Deserialize, Default)]
struct RawFilter<'a> {
    #[serde(rename = "Prefix", borrow, default)]
    prefix: Text<'a>,
    #[serde(rename = "And", borrow, default)]
    and: Lenient<RawAnd<'a>>,
    #[serde(rename = "Tag", default)]
    tag: Option<IgnoredAny>,
    #[serde(rename = "ObjectSizeGreaterThan", default)]
    size_above: Option<IgnoredAny>,
    #[serde(rename = "ObjectSizeLessThan", default)]
    size_below: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct RawAnd<'a> {
    #[serde(rename = "Prefix", borrow, default)]
    prefix: Text<'a>,
    #[serde(rename = "Tags", default)]
    tags: Option<IgnoredAny>,
    #[serde(rename = "Tag", default)]
    tag: Option<IgnoredAny>,
    #[serde(rename = "ObjectSizeGreaterThan", default)]
    size_above: Option<IgnoredAny>,
    #[serde(rename = "ObjectSizeLessThan", default)]
    size_below: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct RawAbort {
    #[serde(rename = "DaysAfterInitiation", default)]
    days: Num,
}

impl RawRule<'_> {
    fn normalise(&self) -> Rule {
        let filter = self.filter.0.as_ref();
        let and = filter.and_then(|f| f.and.0.as_ref());
        let prefix = filter
            .and_then(|f| f.prefix.get())
            .or_else(|| and.and_then(|a| a.prefix.get()))
            .or_else(|| self.prefix.get())
            .unwrap_or("");
        let other_filters = filter
            .is_some_and(|f| f.tag.is_some() || f.size_above.is_some() || f.size_below.is_some())
            || and.is_some_and(|a| {
                a.tags.is_some()
                    || a.tag.is_some()
                    || a.size_above.is_some()
                    || a.size_below.is_some()
            });
        Rule {
            id: self.id.owned(),
            enabled: self.status.get() == Some("Enabled"),
            prefix: prefix.to_owned(),
            abort_days: self
                .abort
                .0
                .as_ref()
                .and_then(|a| a.days.0)
                .and_then(|d| u32::try_from(d).ok()),
            created_before: None,
            excluded_prefixes: Vec::new(),
            other_filters,
        }
    }
}

/// Reads a lifecycle configuration as `aws s3api get-bucket-lifecycle-configuration` prints it
/// (`{"Rules": [...]}`); also accepts the XML-as-JSON spelling with `Rule`.
pub fn parse_rules_file(json: &[u8]) -> Result<Vec<Rule>, String> {
    let config: RawLifecycleConfiguration =
        serde_json::from_slice(json).map_err(|e| format!("not a lifecycle configuration: {e}"))?;
    config.normalise().ok_or_else(|| {
        "not a lifecycle configuration: no \"Rules\" (write what `aws s3api get-bucket-lifecycle-configuration` prints)".to_owned()
    })
}

/// Reads a `--lifecycle` file, recognised by content: the XML of OSS's `GetBucketLifecycle` (or
/// of S3's API), or the JSON `aws s3api get-bucket-lifecycle-configuration` prints. Returns the
/// cloud it was written for with its rules.
pub fn parse_lifecycle_file(bytes: &[u8]) -> Result<(Provider, Vec<Rule>), String> {
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .trim_ascii_start();
    if text.first() == Some(&b'<') {
        let text = std::str::from_utf8(text)
            .map_err(|_| "not a lifecycle configuration: XML that is not UTF-8".to_owned())?;
        return super::oss::lifecycle::parse_rules_xml(text);
    }
    parse_rules_file(text).map(|rules| (Provider::Aws, rules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_cli_prints_and_names_what_is_not() {
        let single = br#"{"Rules":[{"ID":"r","Status":"Enabled","Filter":{},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}}]}"#;
        assert_eq!(parse_rules_file(single).unwrap()[0].prefix, "");
        assert!(
            parse_rules_file(br#"{"Records":[]}"#)
                .unwrap_err()
                .contains("no \"Rules\"")
        );
        assert_eq!(parse_rules_file(br#"{"Rules":[]}"#).unwrap(), vec![]);
    }
}
