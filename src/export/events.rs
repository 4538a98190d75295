//! `events.parquet`: every multipart event (successful part uploads included), lifecycle change
//! and context record, in the columns of [`EVENTS`], in the order of the analysis, written a row
//! group at a time.

use std::path::Path;

use serde_json::json;

use super::schema::EVENTS;
use super::table::{self, ColumnKind, Table, Value};
use super::text;
use crate::ingest::{Ingested, compare_events};
use crate::model::{ContextEvent, Event, Evidence, LifecycleChange, Provider, Rule};
use crate::strings::Strings;

/// Rows of `events.parquet` built at a time: the events are many (every part upload), so the
/// file is written a row group at a time rather than built whole.
const EVENT_ROWS: usize = 8_192;

/// Writes `events.parquet`: multipart events, part uploads, lifecycle changes and context
/// records, in the order of the analysis. Returns its rows.
pub(super) fn write(path: &Path, ingested: &Ingested) -> Result<usize, String> {
    let mut all: Vec<&Event> = ingested
        .events
        .iter()
        .chain(&ingested.part_events)
        .collect();
    all.sort_by(|a, b| compare_events(a, b, &ingested.origins));
    let rows = Rows::new(
        &ingested.strings,
        &ingested.origins,
        (ingested.inputs.first_event, ingested.inputs.last_event),
    );
    let rows = all
        .into_iter()
        .map(|e| rows.event(e))
        .chain(ingested.lifecycle.iter().map(|c| rows.change(c)))
        .chain(ingested.context.iter().map(|c| rows.context(c)));
    write_rows(path, rows)
}

/// Writes rows of the columns of [`EVENTS`] to `path`, a row group at a time. Returns how many.
pub fn write_rows(path: &Path, rows: impl Iterator<Item = Vec<Value>>) -> Result<usize, String> {
    let columns: Vec<_> = EVENTS
        .iter()
        .map(|c| (c.name, ColumnKind::Of(c.kind)))
        .collect();
    let mut table = Table::new(&columns);
    let mut file = None;
    let mut written = 0;
    let build = |table: &mut Table| {
        table
            .take()
            .map_err(|e| format!("cannot build {}: {e}", path.display()))
    };
    for row in rows {
        table.push(row);
        if table.len() >= EVENT_ROWS {
            let frame = build(&mut table)?;
            written += table::write_batch(&mut file, path, &frame)?;
        }
    }
    // The last rows, or none: the file has the columns even when empty.
    let frame = build(&mut table)?;
    if frame.height() > 0 || file.is_none() {
        written += table::write_batch(&mut file, path, &frame)?;
    }
    table::finish(file, path)?;
    Ok(written)
}

/// Makes the rows of `events.parquet`.
pub struct Rows<'a> {
    strings: &'a Strings,
    origins: &'a [String],
    /// What the logs read cover (`logs_from`, `logs_to`).
    coverage: [Value; 2],
}

impl<'a> Rows<'a> {
    /// Rows of events named in `strings`, read from `origins`, of logs covering `span`.
    pub fn new(
        strings: &'a Strings,
        origins: &'a [String],
        span: (Option<crate::model::Time>, Option<crate::model::Time>),
    ) -> Rows<'a> {
        Rows {
            strings,
            origins,
            coverage: [Value::Time(span.0), Value::Time(span.1)],
        }
    }

    /// The row of a multipart event.
    pub fn event(&self, e: &Event) -> Vec<Value> {
        event_row(e, self.strings, self.origins, &self.coverage)
    }

    /// The row of a lifecycle change.
    pub fn change(&self, c: &LifecycleChange) -> Vec<Value> {
        change_row(c, self.origins, &self.coverage)
    }

    /// The row of a context record.
    pub fn context(&self, c: &ContextEvent) -> Vec<Value> {
        context_row(c, self.strings, self.origins, &self.coverage)
    }
}

fn event_row(
    e: &Event,
    strings: &Strings,
    origins: &[String],
    coverage: &[Value; 2],
) -> Vec<Value> {
    let actor = strings.actor(e.actor);
    let owned = |s: &Option<String>| Value::Text(s.clone());
    let id = |id: Option<crate::strings::Id>| Value::Text(id.map(|id| strings.id(id).to_string()));
    let extra = e.extra();
    let hint = extra.abort_hint.as_ref();
    vec![
        Value::Time(Some(e.time)),
        text(e.op.name()),
        text(&strings[e.bucket]),
        Value::Text(strings.owned(e.key)),
        Value::Text(strings.owned(e.upload_id)),
        Value::U32(e.part_number),
        Value::U64(e.bytes),
        Value::Text(e.error_code(strings).map(str::to_owned)),
        Value::Text(actor.kind.as_str().map(str::to_owned)),
        owned(&actor.arn),
        owned(&actor.account_id),
        owned(&actor.principal_id),
        owned(&actor.issuer_arn),
        owned(&actor.invoked_by),
        owned(&actor.user_name),
        owned(&actor.on_behalf_of),
        Value::Text(strings.owned(e.source_ip)),
        Value::Text(strings.owned(e.user_agent)),
        id(e.request_id),
        id(e.event_id),
        Value::Text(strings.owned(e.region)),
        Value::Text(strings.owned(e.account)),
        Value::Text(hint.and_then(|h| h.date).map(|d| d.to_rfc3339())),
        Value::Text(hint.and_then(|h| h.rule_id.clone())),
        Value::Text(None),
        text(e.evidence.name(e.provider)),
        Value::Text(e.also_in.map(|k| k.name(e.provider).to_owned())),
        Value::Text(origins.get(e.origin as usize).cloned()),
        coverage[0].clone(),
        coverage[1].clone(),
        Value::Text(extra.condition.map(|c| c.name().to_owned())),
        Value::Text(strings.owned(extra.referer)),
        Value::Text(extra.error_message.clone()),
        Value::Text(extra.kms.then(|| "aws:kms".to_owned())),
        Value::Text(extra.kms_key.clone()),
        Value::Text(extra.copy_source.clone()),
        Value::Text(extra.copy_range.map(|(a, b)| format!("bytes={a}-{b}"))),
        Value::Text(None),
        text(e.provider.name()),
        owned(&actor.name),
        owned(&actor.access_key_id),
    ]
}

/// The row of a context record: its name, what it names, who, and where it was read.
fn context_row(
    c: &ContextEvent,
    strings: &Strings,
    origins: &[String],
    coverage: &[Value; 2],
) -> Vec<Value> {
    let actor = strings.actor(c.actor);
    let owned = |s: &Option<String>| Value::Text(s.clone());
    let id = |id: Option<crate::strings::Id>| Value::Text(id.map(|id| strings.id(id).to_string()));
    let mut row = vec![
        Value::Time(Some(c.time)),
        text(c.kind.name()),
        Value::Text(strings.owned(c.bucket)),
        Value::Text(strings.owned(c.key)),
        Value::Text(None),
        Value::U32(None),
        Value::U64(None),
        Value::Text(None),
        Value::Text(actor.kind.as_str().map(str::to_owned)),
        owned(&actor.arn),
        owned(&actor.account_id),
        owned(&actor.principal_id),
        owned(&actor.issuer_arn),
        owned(&actor.invoked_by),
        owned(&actor.user_name),
        owned(&actor.on_behalf_of),
        Value::Text(None),
        Value::Text(None),
        id(c.request_id),
        id(c.event_id),
        Value::Text(strings.owned(c.region)),
        Value::Text(strings.owned(c.account)),
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        text(c.evidence.name(c.provider)),
        Value::Text(None),
        Value::Text(origins.get(c.origin as usize).cloned()),
        coverage[0].clone(),
        coverage[1].clone(),
    ];
    row.extend(std::iter::repeat_n(Value::Text(None), 7));
    row.extend([
        Value::Text(strings.owned(c.target)),
        text(c.provider.name()),
        owned(&actor.name),
        owned(&actor.access_key_id),
    ]);
    row
}

fn change_row(c: &LifecycleChange, origins: &[String], coverage: &[Value; 2]) -> Vec<Value> {
    let a = &c.actor;
    let owned = |s: &Option<String>| Value::Text(s.clone());
    let mut row = vec![
        Value::Time(Some(c.time)),
        text(&c.event_name),
        text(&c.bucket),
        Value::Text(None),
        Value::Text(None),
        Value::U32(None),
        Value::U64(None),
        owned(&c.error_code),
        Value::Text(a.kind.as_str().map(str::to_owned)),
        owned(&a.arn),
        owned(&a.account_id),
        owned(&a.principal_id),
        owned(&a.issuer_arn),
        owned(&a.invoked_by),
        owned(&a.user_name),
        owned(&a.on_behalf_of),
    ];
    row.extend([
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        owned(&c.event_id),
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        Value::Text(None),
        Value::Text(c.rules.as_deref().map(|r| rules_json(r, c.provider))),
        text(Evidence::Cloudtrail.name(c.provider)),
        Value::Text(None),
        Value::Text(origins.get(c.origin as usize).cloned()),
        coverage[0].clone(),
        coverage[1].clone(),
    ]);
    row.extend(std::iter::repeat_n(Value::Text(None), 8));
    row.extend([
        text(c.provider.name()),
        owned(&a.name),
        owned(&a.access_key_id),
    ]);
    row
}

/// Rules as JSON the decoder reads back: as `aws s3api get-bucket-lifecycle-configuration`
/// prints them for S3, in OSS's element names for OSS.
pub fn rules_json(rules: &[Rule], provider: Provider) -> String {
    if provider == Provider::Alibaba {
        return oss_rules_json(rules);
    }
    let rules: Vec<_> = rules
        .iter()
        .map(|r| {
            let mut filter = json!({ "Prefix": r.prefix });
            if r.other_filters {
                filter["Tag"] = json!({});
            }
            let mut rule = json!({
                "Status": if r.enabled { "Enabled" } else { "Disabled" },
                "Filter": filter,
            });
            if let Some(id) = &r.id {
                rule["ID"] = json!(id);
            }
            if let Some(days) = r.abort_days {
                rule["AbortIncompleteMultipartUpload"] = json!({ "DaysAfterInitiation": days });
            }
            rule
        })
        .collect();
    json!({ "Rules": rules }).to_string()
}

/// OSS rules, in the element names of OSS's lifecycle XML.
fn oss_rules_json(rules: &[Rule]) -> String {
    let rules: Vec<_> = rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "Status": if r.enabled { "Enabled" } else { "Disabled" },
                "Prefix": r.prefix,
            });
            if let Some(id) = &r.id {
                rule["ID"] = json!(id);
            }
            if r.other_filters {
                rule["Tag"] = json!({});
            }
            if !r.excluded_prefixes.is_empty() {
                let not: Vec<_> = r
                    .excluded_prefixes
                    .iter()
                    .map(|p| json!({ "Prefix": p }))
                    .collect();
                rule["Filter"] = json!({ "Not": not });
            }
            match (r.abort_days, r.created_before) {
                (Some(days), _) => rule["AbortMultipartUpload"] = json!({ "Days": days }),
                (None, Some(date)) => {
                    rule["AbortMultipartUpload"] = json!({ "CreatedBeforeDate": date.to_rfc3339() })
                }
                (None, None) => {}
            }
            rule
        })
        .collect();
    json!({ "Rule": rules }).to_string()
}
