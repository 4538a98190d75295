//! Events Parquet: what `uploadtrail export` writes, or the same columns produced by the queries
//! of `uploadtrail sql` on Athena or Spark (see [`crate::export::schema::EVENTS`]). Each row is
//! one event; `analyze` reads it as it reads the log record it came from, so the answer is the
//! same. Columns may come in any order and any compatible type (Spark writes 32-bit part numbers
//! and nanosecond timestamps); a missing column counts as empty, except the three every row needs.

use std::io::Cursor;

use polars::prelude::{
    Column, DataFrame, DataType, ParquetReader, SerReader, Series, StringChunked, TimeUnit,
};

use super::{BucketSeen, Category, Decoded, Options, ROW_ORIGIN, check_names, parse_time};
use crate::export::schema::{EVENTS, Kind};
use crate::model::{
    AbortHint, Actor, Condition, ContextEvent, ContextKind, ErrorCode, Event, Evidence, Extra,
    IdentityKind, LifecycleChange, NO_SUCH_UPLOAD, Op, Provider, Time, key_hash,
};
use crate::strings::Interner;

/// The position of a column of the events schema, found when compiling (a name that is not a
/// column does not compile).
macro_rules! at {
    ($name:literal) => {{
        const AT: usize = crate::export::schema::at($name);
        const _: () = assert!(AT < crate::export::schema::EVENTS.len(), "not a column");
        AT
    }};
}

/// Whether `b` is a Parquet file (it starts and ends with `PAR1`).
pub fn is_parquet(b: &[u8]) -> bool {
    b.len() >= 8 && b.starts_with(b"PAR1") && b.ends_with(b"PAR1")
}

/// A time column: timestamps of some unit, or text.
enum Times {
    Stamps(Series, TimeUnit),
    Text(Series),
}

impl Times {
    fn of(df: &DataFrame, name: &str) -> Result<Option<Times>, String> {
        let Ok(column) = df.column(name) else {
            return Ok(None);
        };
        let series = column.as_materialized_series();
        match series.dtype() {
            DataType::Datetime(unit, _) => Ok(Some(Times::Stamps(series.clone(), *unit))),
            DataType::String => Ok(Some(Times::Text(series.clone()))),
            other => Err(format!("column {name:?} is {other}, not a timestamp")),
        }
    }

    fn get(&self, row: usize) -> Option<Time> {
        match self {
            Times::Stamps(series, unit) => {
                let value = series.datetime().ok()?.physical().get(row)?;
                let millis = match unit {
                    TimeUnit::Nanoseconds => value.div_euclid(1_000_000),
                    TimeUnit::Microseconds => value.div_euclid(1_000),
                    TimeUnit::Milliseconds => value,
                };
                chrono::DateTime::from_timestamp_millis(millis)
            }
            Times::Text(series) => parse_time(series.str().ok()?.get(row)?),
        }
    }
}

/// The columns of one file, by the schema's positions, as values of the schema's types.
struct Columns {
    /// By position in [`EVENTS`]: the column as text.
    text: Vec<Option<StringChunked>>,
    times: Times,
    coverage: [Option<Times>; 2],
}

fn text_of(column: Option<&Column>) -> Result<Option<StringChunked>, String> {
    column
        .map(|c| {
            let text = c
                .as_materialized_series()
                .cast(&DataType::String)
                .map_err(|e| format!("column {:?} is not text: {e}", c.name()))?;
            text.str()
                .cloned()
                .map_err(|e| format!("column {:?} is not text: {e}", c.name()))
        })
        .transpose()
}

impl Columns {
    fn of(df: &DataFrame) -> Result<Columns, String> {
        let mut text = Vec::new();
        for c in &EVENTS {
            let column = df.column(c.name).ok();
            text.push(match c.kind {
                Kind::Time => None,
                _ => text_of(column)?,
            });
        }
        let times = Times::of(df, "event_time")?
            .ok_or_else(|| "no column \"event_time\": not an events file".to_owned())?;
        Ok(Columns {
            text,
            times,
            coverage: [Times::of(df, "logs_from")?, Times::of(df, "logs_to")?],
        })
    }

    /// The text cell of column `at` (numbers as their decimal text), `None` when empty.
    fn get(&self, at: usize, row: usize) -> Option<&str> {
        self.text
            .get(at)?
            .as_ref()?
            .get(row)
            .filter(|s| !s.is_empty())
    }

    fn number<T: std::str::FromStr>(&self, at: usize, row: usize) -> Option<T> {
        self.get(at, row).and_then(|s| s.parse().ok())
    }

    fn time(&self, row: usize) -> Option<Time> {
        self.times.get(row)
    }

    /// What the logs the row came from cover.
    fn coverage(&self, row: usize) -> impl Iterator<Item = Time> + '_ {
        self.coverage
            .iter()
            .flatten()
            .filter_map(move |t| t.get(row))
    }
}

/// Reads an events Parquet file into `out`.
pub fn read(bytes: &[u8], out: &mut Decoded, origin: u32, opts: &Options, interner: &Interner) {
    match ParquetReader::new(Cursor::new(bytes)).finish() {
        Ok(df) => read_frame(&df, out, origin, opts, interner),
        Err(e) => {
            out.failed = true;
            out.problem(format!("an unreadable Parquet file: {e}"));
        }
    }
}

/// Reads rows of events (the columns of an events Parquet file) into `out`.
pub fn read_frame(
    df: &DataFrame,
    out: &mut Decoded,
    origin: u32,
    opts: &Options,
    interner: &Interner,
) {
    let columns = match Columns::of(df) {
        Ok(columns) => columns,
        Err(why) => {
            out.failed = true;
            out.problem(format!("a Parquet file that is not an events file: {why}"));
            return;
        }
    };
    // The log files rows name, numbered as they first appear.
    let mut origins: Vec<String> = Vec::new();
    let mut numbers: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut origin_of = |name: Option<&str>| match name {
        None => origin,
        Some(name) => match numbers.get(name) {
            Some(&k) => ROW_ORIGIN + k,
            None => {
                let k = origins.len() as u32;
                numbers.insert(name.to_owned(), k);
                origins.push(name.to_owned());
                ROW_ORIGIN + k
            }
        },
    };
    for row in 0..df.height() {
        out.records += 1;
        let index = out.records;
        let time = columns.time(row);
        for t in time.into_iter().chain(columns.coverage(row)) {
            out.saw_time(t);
        }
        let name = columns.get(at!("event_name"), row).unwrap_or_default();
        let in_window = time.is_none_or(|t| opts.contains(t));
        let row_origin = origin_of(columns.get(at!("origin"), row));
        let category = if let Some(op) = Op::from_event_name(name).or(match name {
            "S3.DELETE.UPLOAD" => Some(Op::LifecycleAbort),
            _ => None,
        }) {
            if !in_window {
                Category::OutsideWindow
            } else {
                match event(&columns, row, op, time, row_origin, interner) {
                    Ok(e) => {
                        let request = e.request_id;
                        // The row came from an access log of its bucket, as a direct read records.
                        let access_log = e.evidence == Evidence::AccessLog
                            || e.also_in == Some(Evidence::AccessLog);
                        if access_log && let Some(bucket) = columns.get(at!("bucket"), row) {
                            out.saw_bucket(e.provider, bucket, BucketSeen::ACCESS_LOG);
                        }
                        out.events.push(e);
                        match request {
                            Some(id) => {
                                out.tally_request(id, Category::Multipart);
                                continue;
                            }
                            None => Category::Multipart,
                        }
                    }
                    Err(why) => {
                        out.problem(format!("row {index} ({name}): {why}"));
                        Category::Invalid
                    }
                }
            }
        } else if let Some(kind) = context_kind(name) {
            match context(&columns, row, kind, time, row_origin, opts, interner) {
                Some(c) if in_window && columns.get(at!("error_code"), row).is_none() => {
                    let request = c.request_id;
                    out.context.push(c);
                    match request {
                        Some(id) => {
                            out.tally_request(id, Category::Context);
                            continue;
                        }
                        None => Category::Context,
                    }
                }
                _ => Category::Other,
            }
        } else if matches!(
            name,
            "PutBucketLifecycle" | "PutBucketLifecycleConfiguration" | "DeleteBucketLifecycle"
        ) {
            match change(&columns, row, name, time, row_origin) {
                Ok(c) => {
                    if in_window {
                        out.saw_bucket(c.provider, &c.bucket, BucketSeen::MANAGEMENT);
                    }
                    out.lifecycle.push(c);
                    Category::Lifecycle
                }
                Err(why) => {
                    out.problem(format!("row {index} ({name}): {why}"));
                    Category::Invalid
                }
            }
        } else {
            Category::Other
        };
        let id = columns.get(at!("event_id"), row).map(str::as_bytes);
        out.tally(category, id);
    }
    out.row_origins = origins;
}

/// The kind of a context record named `name` (the names are unique across services).
fn context_kind(name: &str) -> Option<ContextKind> {
    ContextKind::ALL.into_iter().find(|k| k.name() == name)
}

/// The context record of a row, as the decoder keeps it from the log record.
fn context(
    columns: &Columns,
    row: usize,
    kind: ContextKind,
    time: Option<Time>,
    origin: u32,
    opts: &Options,
    interner: &Interner,
) -> Option<ContextEvent> {
    let sym = |name| columns.get(name, row).map(|s| interner.sym(s));
    let id = |name| columns.get(name, row).map(|s| interner.id(s));
    let key = columns.get(at!("key"), row);
    let actor = actor(columns, row);
    let provider = provider(columns, row);
    Some(ContextEvent {
        time: time?,
        kind,
        bucket: columns
            .get(at!("bucket"), row)
            .map(|b| interner.bucket(provider, b)),
        key_hash: key.map(key_hash),
        key: key.filter(|_| opts.keep_parts).map(|k| interner.sym(k)),
        target: sym(at!("target")),
        actor: interner.actor(format!("parquet:{}", identity(&actor)).as_bytes(), || actor),
        event_id: id(at!("event_id")),
        request_id: id(at!("request_id")),
        region: sym(at!("region")),
        account: sym(at!("account")),
        origin,
        evidence: columns
            .get(at!("evidence"), row)
            .and_then(Evidence::parse)
            .unwrap_or(Evidence::Cloudtrail),
        provider,
    })
}

/// The key by which actors of rows are interned: every identity column.
fn identity(actor: &Actor) -> String {
    [
        actor.kind.as_str(),
        actor.arn.as_deref(),
        actor.account_id.as_deref(),
        actor.principal_id.as_deref(),
        actor.issuer_arn.as_deref(),
        actor.invoked_by.as_deref(),
        actor.user_name.as_deref(),
        actor.on_behalf_of.as_deref(),
        Some(actor.provider.name()),
        actor.name.as_deref(),
        actor.access_key_id.as_deref(),
    ]
    .iter()
    .map(|f| f.unwrap_or("\u{0}"))
    .collect::<Vec<_>>()
    .join("\u{1}")
}

fn actor(columns: &Columns, row: usize) -> Actor {
    let get = |name| columns.get(name, row).map(str::to_owned);
    Actor {
        kind: columns
            .get(at!("actor_type"), row)
            .map(IdentityKind::parse)
            .unwrap_or_default(),
        arn: get(at!("actor_arn")),
        account_id: get(at!("actor_account_id")),
        principal_id: get(at!("actor_principal_id")),
        issuer_arn: get(at!("actor_role_arn")),
        invoked_by: get(at!("actor_invoked_by")),
        user_name: get(at!("actor_user_name")),
        on_behalf_of: get(at!("actor_on_behalf_of")),
        provider: provider(columns, row),
        name: get(at!("actor_name")),
        access_key_id: get(at!("actor_access_key_id")),
    }
}

fn event(
    columns: &Columns,
    row: usize,
    op: Op,
    time: Option<Time>,
    origin: u32,
    interner: &Interner,
) -> Result<Event, String> {
    let time = time.ok_or("the row has no event_time")?;
    let bucket = columns
        .get(at!("bucket"), row)
        .ok_or("the row names no bucket")?;
    let key = columns.get(at!("key"), row);
    check_names(bucket, key)?;
    let sym = |name| columns.get(name, row).map(|s| interner.sym(s));
    let id = |name| columns.get(name, row).map(|s| interner.id(s));
    let actor = actor(columns, row);
    let identity = identity(&actor);
    let evidence = columns
        .get(at!("evidence"), row)
        .and_then(Evidence::parse)
        .unwrap_or(Evidence::Cloudtrail);
    let provider = provider(columns, row);
    let date = columns
        .get(at!("abort_date"), row)
        .and_then(super::time::parse_http_date);
    let rule_id = columns.get(at!("abort_rule_id"), row).map(str::to_owned);
    Ok(Event {
        time,
        op,
        bucket: interner.bucket(provider, bucket),
        key: key.map(|k| interner.sym(k)),
        upload_id: sym(at!("upload_id")),
        part_number: columns.number(at!("part_number"), row),
        bytes: columns.number(at!("bytes"), row),
        actor: interner.actor(format!("parquet:{identity}").as_bytes(), || actor),
        source_ip: sym(at!("source_ip")),
        user_agent: sym(at!("user_agent")),
        error: columns.get(at!("error_code"), row).map(|code| match code {
            NO_SUCH_UPLOAD => ErrorCode::NoSuchUpload,
            other => ErrorCode::Other(interner.sym(other)),
        }),
        request_id: id(at!("request_id")),
        event_id: id(at!("event_id")),
        region: sym(at!("region")),
        account: sym(at!("account")),
        extra: Extra {
            abort_hint: (date.is_some() || rule_id.is_some())
                .then_some(AbortHint { date, rule_id }),
            condition: columns
                .get(at!("condition"), row)
                .and_then(Condition::parse),
            referer: sym(at!("referer")),
            error_message: columns.get(at!("error_message"), row).map(str::to_owned),
            kms: columns
                .get(at!("sse"), row)
                .is_some_and(|s| s.starts_with("aws:kms")),
            kms_key: columns.get(at!("kms_key_id"), row).map(str::to_owned),
            copy_source: columns.get(at!("copy_source"), row).map(str::to_owned),
            copy_range: columns
                .get(at!("copy_source_range"), row)
                .and_then(super::record::byte_range),
        }
        .boxed(),
        origin,
        evidence,
        also_in: columns.get(at!("also_in"), row).and_then(Evidence::parse),
        provider,
    })
}

/// The cloud of a row: tables written before the provider column are of S3.
fn provider(columns: &Columns, row: usize) -> Provider {
    columns
        .get(at!("provider"), row)
        .and_then(Provider::parse)
        .unwrap_or_default()
}

fn change(
    columns: &Columns,
    row: usize,
    name: &str,
    time: Option<Time>,
    origin: u32,
) -> Result<LifecycleChange, String> {
    let time = time.ok_or("the row has no event_time")?;
    let bucket = columns
        .get(at!("bucket"), row)
        .ok_or("the row names no bucket")?
        .to_owned();
    let rules = if name == "DeleteBucketLifecycle" {
        Some(Vec::new())
    } else {
        match columns.get(at!("lifecycle_configuration"), row) {
            Some(json) if provider(columns, row) == Provider::Alibaba => {
                let config = super::oss::lifecycle::from_json("LifecycleConfiguration", json)
                    .map_err(|why| format!("lifecycle_configuration is {why}"))?;
                Some(super::oss::lifecycle::rules(&config))
            }
            Some(json) => Some(
                super::parse_rules_file(json.as_bytes())
                    .map_err(|why| format!("lifecycle_configuration is {why}"))?,
            ),
            None => None,
        }
    };
    Ok(LifecycleChange {
        time,
        bucket,
        rules,
        event_name: name.to_owned(),
        event_id: columns.get(at!("event_id"), row).map(str::to_owned),
        actor: actor(columns, row),
        error_code: columns.get(at!("error_code"), row).map(str::to_owned),
        origin,
        provider: provider(columns, row),
    })
}
