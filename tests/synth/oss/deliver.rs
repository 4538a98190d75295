//! The files an OSS user has: ActionTrail trail files in an OSS bucket, Log Service exports of
//! the trail's logstore (rows in each documented shape), and OSS access-log objects.

use std::collections::BTreeMap;

use chrono::{Duration, DurationRound};
use serde_json::{Map, Value, json};

use super::super::access_log::Line;
use super::super::layout::{File, gzip};
use super::super::records::Time;
use super::super::rng::Rng;
use super::hex;

fn hour_of(t: Time) -> Time {
    t.duration_trunc(Duration::hours(1)).expect("a valid time")
}

fn time_of(event: &Value) -> Time {
    event["eventTime"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc())
        .expect("every event has a time")
}

/// Trail files as ActionTrail delivers them to a bucket:
/// `AliyunLogs/Actiontrail/REGION/YYYY/MM/DD/Actiontrail_REGION_YYYYMMDDHHMMSS_1002_N_SIZE_MD5.gz`,
/// one per region and hour, each a gzipped JSON array of events.
pub fn trail_files(events: &[&Value]) -> Vec<File> {
    let mut slots: BTreeMap<(String, Time), Vec<&Value>> = BTreeMap::new();
    for e in events {
        let region = e["acsRegion"].as_str().unwrap_or_default().to_owned();
        slots
            .entry((region, hour_of(time_of(e))))
            .or_default()
            .push(e);
    }
    slots
        .into_iter()
        .map(|((region, hour), events)| {
            let json = serde_json::to_vec(&events).expect("serialising JSON");
            let written = hour + Duration::minutes(55);
            let name = format!(
                "Actiontrail_{region}_{}_1002_{}_{}_{}.gz",
                written.format("%Y%m%d%H%M%S"),
                events.len(),
                json.len(),
                hex(&format!("{region}{hour}"), 32).to_lowercase()
            );
            File {
                path: format!(
                    "AliyunLogs/Actiontrail/{region}/{}/{name}",
                    hour.format("%Y/%m/%d")
                ),
                bytes: gzip(&json),
            }
        })
        .collect()
}

/// How a Log Service export holds each event.
#[derive(Clone, Copy)]
pub enum Row {
    /// The event as a JSON string in `event`, beside SLS's own members.
    Event,
    /// The event as a JSON string in `contents.event`.
    Contents,
    /// The event's members flattened into `event.*`, every value a string.
    Flattened,
}

fn sls_members(event: &Value) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("__topic__".into(), json!("actiontrail_audit_event"));
    row.insert("__source__".into(), json!("actiontrail"));
    row.insert(
        "__time__".into(),
        json!(time_of(event).timestamp().to_string()),
    );
    row.insert(
        "__tag__:__receive_time__".into(),
        json!((time_of(event).timestamp() + 4).to_string()),
    );
    row
}

fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(members) => {
            for (k, v) in members {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(prefix.to_owned(), json!(s));
        }
        other => {
            out.insert(prefix.to_owned(), json!(other.to_string()));
        }
    }
}

/// One Log Service row holding `event`.
pub fn row(event: &Value, shape: Row) -> Value {
    let mut row = sls_members(event);
    let text = event.to_string();
    match shape {
        Row::Event => {
            row.insert("event".into(), json!(text));
        }
        Row::Contents => {
            row.insert("contents".into(), json!({"event": text}));
        }
        Row::Flattened => flatten("event", event, &mut row),
    }
    Value::Object(row)
}

/// Rows one per line.
pub fn ndjson(rows: &[Value]) -> Vec<u8> {
    rows.iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

/// OSS access-log objects, `PREFIX/BUCKETYYYY-mm-DD-HH-MM-SS-UNIQUE`: one per bucket and hour,
/// the name's time in UTC+8 (the analysis never uses it).
pub fn access_logs(rng: &mut Rng, prefix: &str, lines: &[Line]) -> Vec<File> {
    let mut slots: BTreeMap<(String, Time), Vec<&Line>> = BTreeMap::new();
    for l in lines {
        slots
            .entry((l.bucket.clone(), hour_of(l.time)))
            .or_default()
            .push(l);
    }
    slots
        .into_iter()
        .map(|((bucket, hour), mut lines)| {
            lines.sort_by_key(|l| l.time);
            let named = hour + Duration::hours(9);
            let text: String = lines.iter().map(|l| format!("{}\n", l.text)).collect();
            File {
                path: format!(
                    "{prefix}/{bucket}{}-{}",
                    named.format("%Y-%m-%d-%H-%M-%S"),
                    rng.hex(4)
                ),
                bytes: text.into_bytes(),
            }
        })
        .collect()
}
