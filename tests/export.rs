//! `export` writes Parquet that reads back with the documented schema and the report's counts;
//! `analyze` gives the same answer from the exported events as from the logs; `--all-records`
//! writes every record, partitioned, without credentials; `sql` prints the columns of the schema.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{DataFrame, DataType, ParquetReader, SerReader, TimeUnit, TimeZone};
use serde_json::{Value, json};

use crate::util::{TestEnv, analyze_json, fixture, run, trail_args};
use uploadtrail::export::schema::{EVENTS, Kind};

pub fn read(path: &Path) -> DataFrame {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file)
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export(sources: &[String], out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["export".to_owned()];
    args.extend(sources.iter().cloned());
    args.extend(["--out".to_owned(), out.display().to_string()]);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let run = run(&args);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    run.stdout
}

fn lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

/// The answer of a report: what it says, not how much it read.
fn answer(report: &Value) -> Value {
    json!({
        "summary": report["summary"],
        "failures": report["failures"],
        "orphans": report["orphans"],
    })
}

pub fn texts(df: &DataFrame, column: &str) -> Vec<Option<String>> {
    let series = df
        .column(column)
        .unwrap_or_else(|e| panic!("{column}: {e}"))
        .as_materialized_series()
        .cast(&DataType::String)
        .unwrap_or_else(|e| panic!("{column}: {e}"));
    let text = series.str().unwrap_or_else(|e| panic!("{column}: {e}"));
    (0..text.len())
        .map(|i| text.get(i).map(str::to_owned))
        .collect()
}

#[test]
fn the_exported_files_read_back_with_the_schema_and_the_counts_of_the_report() {
    let env = TestEnv::new();
    let out = env.path().join("out");
    let mut sources = vec![fixture("trail")];
    sources.extend(lifecycle());
    let printed = export(&sources, &out, &[]);
    for name in [
        "events.parquet",
        "uploads.parquet",
        "failures.parquet",
        "incidents.parquet",
    ] {
        assert!(printed.contains(name), "{printed}");
    }
    let report = analyze_json(&trail_args());
    let inputs = &report["inputs"];

    let events = read(&out.join("events.parquet"));
    let names: Vec<&str> = EVENTS.iter().map(|c| c.name).collect();
    let columns: Vec<String> = events
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(columns, names);
    for c in &EVENTS {
        let dtype = events.column(c.name).expect("a column").dtype().clone();
        let want = match c.kind {
            Kind::Time => DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
            Kind::Text => DataType::String,
            Kind::U32 => DataType::UInt32,
            Kind::U64 => DataType::UInt64,
        };
        assert_eq!(dtype, want, "{}", c.name);
    }
    // Every distinct multipart request (successful part uploads included), every lifecycle
    // change and every context record.
    let rows = inputs["multipart_events"].as_u64().expect("a count")
        + inputs["lifecycle_events"].as_u64().expect("a count")
        + inputs["context_events"].as_u64().expect("a count");
    assert_eq!(events.height() as u64, rows);
    let names = texts(&events, "event_name");
    let lifecycle_rows = names
        .iter()
        .filter(|n| n.as_deref().is_some_and(|n| n.contains("Lifecycle")))
        .count();
    assert_eq!(
        lifecycle_rows as u64,
        inputs["lifecycle_events"].as_u64().unwrap_or(0)
    );

    let failures = read(&out.join("failures.parquet"));
    assert_eq!(
        failures.height() as u64,
        report["summary"]["failures"].as_u64().unwrap_or(0)
    );
    let mut by_cause: BTreeMap<String, u64> = BTreeMap::new();
    for cause in texts(&failures, "cause").into_iter().flatten() {
        *by_cause.entry(cause).or_default() += 1;
    }
    for (cause, n) in report["summary"]["by_cause"].as_object().expect("by_cause") {
        assert_eq!(
            by_cause.get(cause).copied().unwrap_or(0),
            n.as_u64().unwrap_or(0),
            "{cause}"
        );
    }

    // The incident of each failure, and one row per incident, as in the report.
    let incident_of: Vec<Option<String>> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| f["incident"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(texts(&failures, "incident"), incident_of);
    let incidents = read(&out.join("incidents.parquet"));
    let ids: Vec<Option<String>> = report["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(texts(&incidents, "id"), ids);
    let summaries = texts(&incidents, "summary");
    assert!(summaries.iter().all(Option::is_some), "{summaries:?}");

    // One row per bucket and upload ID that the events name.
    let uploads = read(&out.join("uploads.parquet"));
    let mut ids: Vec<(Option<String>, Option<String>)> = texts(&events, "bucket")
        .into_iter()
        .zip(texts(&events, "upload_id"))
        .zip(names)
        .filter(|((_, id), name)| id.is_some() && name.as_deref() != Some("ListMultipartUploads"))
        .map(|(pair, _)| pair)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(uploads.height(), ids.len());
    let open = texts(&uploads, "outcome")
        .into_iter()
        .filter(|o| o.as_deref() == Some("open"))
        .count();
    assert_eq!(
        open as u64,
        report["summary"]["orphans"].as_u64().unwrap_or(0)
    );
}

#[test]
fn analyze_gives_the_same_answer_from_exported_events() {
    let env = TestEnv::new();
    for (name, sources) in [
        ("trail", vec![fixture("trail")]),
        // CloudTrail and access logs together: evidence and merged copies survive the trip.
        ("mixed", vec![fixture("trail"), fixture("access-logs/s3")]),
    ] {
        let out = env.path().join(name);
        let mut args = sources.clone();
        args.extend(lifecycle());
        export(&args, &out, &[]);
        let direct = analyze_json(&args);
        let mut again = vec![out.join("events.parquet").display().to_string()];
        again.extend(lifecycle());
        let from_parquet = analyze_json(&again);
        assert_eq!(answer(&from_parquet), answer(&direct), "{name}");
        // Each row was one record.
        assert_eq!(
            from_parquet["inputs"]["multipart_events"],
            direct["inputs"]["multipart_events"]
        );
    }
}

#[test]
fn a_folder_of_part_files_reads_like_one_file() {
    let env = TestEnv::new();
    let out = env.path().join("out");
    let mut sources = vec![fixture("trail")];
    sources.extend(lifecycle());
    export(&sources, &out, &[]);
    // As engines write them: part files, a commit marker, checksums.
    let parts = env.path().join("parts");
    std::fs::create_dir_all(&parts).expect("a folder");
    std::fs::copy(out.join("events.parquet"), parts.join("part-00000.parquet")).expect("a copy");
    std::fs::write(parts.join("_SUCCESS"), "").expect("a marker");
    std::fs::write(parts.join(".part-00000.parquet.crc"), "crc").expect("a checksum");
    let mut args = vec![parts.display().to_string()];
    args.extend(lifecycle());
    let report = analyze_json(&args);
    assert_eq!(report["inputs"]["problems"], json!([]));
    assert_eq!(answer(&report), answer(&analyze_json(&trail_args())));
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn all_records_are_written_partitioned_and_without_credentials() {
    let env = TestEnv::new();
    const TOKEN: &str = "IQoJb3JpZ2luX2VjSECRETSESSIONTOKEN";
    let mut records: Vec<Value> = crate::synth::scenarios::small()
        .records
        .into_iter()
        .map(|r| r.json)
        .collect();
    records[5]["responseElements"] =
        json!({"credentials": {"sessionToken": TOKEN, "accessKeyId": "ASIAX"}});
    env.write("logs/extra.json", json!({ "Records": records }).to_string());
    let logs = env.path().join("logs").display().to_string();
    let out = env.path().join("out");
    let sources = vec![fixture("trail"), logs.clone()];
    export(&sources, &out, &["--all-records"]);
    let report = analyze_json(&sources);

    let mut files = Vec::new();
    files_under(&out.join("records"), &mut files);
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "parquet"))
    );
    let mut rows = 0;
    for file in &files {
        let partition: Vec<String> = file
            .parent()
            .expect("a folder")
            .components()
            .rev()
            .take(3)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let df = read(file);
        rows += df.height();
        // Every row of a partition belongs there.
        let date = partition[0].trim_start_matches("date=");
        let region = partition[1].trim_start_matches("region=");
        for (time, r) in texts(&df, "event_time")
            .into_iter()
            .zip(texts(&df, "aws_region"))
        {
            assert!(
                time.as_deref().is_some_and(|t| t.starts_with(date)),
                "{time:?} in {date}"
            );
            assert_eq!(r.as_deref().unwrap_or("unknown"), region);
        }
        for response in texts(&df, "response_elements").into_iter().flatten() {
            assert!(!response.contains(TOKEN), "{response}");
        }
    }
    // Every record read, duplicates and Insights events included.
    assert_eq!(
        rows as u64,
        report["inputs"]["records"].as_u64().unwrap_or(0)
    );
    assert!(
        files.iter().any(|f| f.to_string_lossy().contains(
            "records/account=111122223333/region=us-east-1/date=2026-11-03/part-00000.parquet"
        )),
        "{files:?}"
    );
}

#[test]
fn sql_prints_the_columns_of_events_parquet_for_both_engines() {
    let spark = run(&["sql", "--engine", "spark", "--path", "/data/trail"]);
    assert_eq!(spark.status, Some(0), "{}", spark.stderr);
    assert!(
        spark.stdout.contains("OPTIONS (path '/data/trail'"),
        "{}",
        spark.stdout
    );
    let athena = run(&[
        "sql",
        "--engine",
        "athena",
        "--ddl",
        "--location",
        "s3://trail/AWSLogs/111122223333/CloudTrail/",
    ]);
    assert_eq!(athena.status, Some(0), "{}", athena.stderr);
    assert!(
        athena
            .stdout
            .contains("CREATE EXTERNAL TABLE cloudtrail_logs")
    );
    for c in &EVENTS {
        assert!(
            spark.stdout.contains(&format!(" AS {}", c.name)),
            "spark: {}",
            c.name
        );
        assert!(
            athena.stdout.contains(&format!(" AS {}", c.name)),
            "athena: {}",
            c.name
        );
    }
    let missing = run(&["sql", "--engine", "spark"]);
    assert_eq!(missing.status, Some(2));
}

#[test]
fn the_readme_documents_every_column_in_order() {
    let readme = std::fs::read_to_string(crate::util::repo().join("README.md")).expect("README.md");
    let section = readme
        .split_once("### Parquet")
        .and_then(|(_, rest)| rest.split_once("\n### "))
        .map(|(section, _)| section)
        .expect("a Parquet section in README.md");

    // events.parquet: a table row per column, with its type.
    let documented: Vec<(String, String)> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| {
            let (name, rest) = rest.split_once("` | ")?;
            let (kind, _) = rest.split_once(" |")?;
            Some((name.to_owned(), kind.to_owned()))
        })
        .collect();
    let expected: Vec<(String, String)> = EVENTS
        .iter()
        .map(|c| {
            let kind = match c.kind {
                Kind::Time => "timestamp",
                Kind::Text => "string",
                Kind::U32 => "uint32",
                Kind::U64 => "uint64",
            };
            (c.name.to_owned(), kind.to_owned())
        })
        .collect();
    assert_eq!(documented, expected, "README's table of events.parquet");

    // uploads.parquet and failures.parquet: a paragraph each naming the columns in order.
    for (file, columns) in [
        (
            "`uploads.parquet`",
            uploadtrail::export::UPLOADS.map(|(name, _)| name).to_vec(),
        ),
        (
            "`failures.parquet`",
            uploadtrail::export::FAILURES.map(|(name, _)| name).to_vec(),
        ),
        (
            "`incidents.parquet`",
            uploadtrail::export::INCIDENTS
                .map(|(name, _)| name)
                .to_vec(),
        ),
    ] {
        let paragraph = section
            .split("\n\n")
            .find(|p| p.starts_with(file))
            .unwrap_or_else(|| panic!("no paragraph on {file} in README.md"));
        let named: Vec<&str> = paragraph
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|name| columns.contains(name))
            .collect();
        assert_eq!(named, columns, "README's columns of {file}");
    }
}

#[test]
fn all_records_are_the_same_files_for_any_number_of_threads() {
    let env = TestEnv::new();
    let contents = |threads: &str| {
        let out = env.path().join(format!("out-{threads}"));
        export(&[fixture("trail")], &out, &["--all-records", "-j", threads]);
        let mut files = Vec::new();
        files_under(&out.join("records"), &mut files);
        files.sort();
        files
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(&f).expect("a part file");
                (
                    f.strip_prefix(&out).expect("under out").to_path_buf(),
                    bytes,
                )
            })
            .collect::<Vec<_>>()
    };
    let one = contents("1");
    assert!(one.len() > 10, "{} part files", one.len());
    assert!(
        one == contents("2"),
        "the part files differ between 1 and 2 threads"
    );
}

#[test]
fn parquet_keeps_hostile_strings_raw() {
    let env = TestEnv::new();
    let (dir, key, agent) = crate::formats::hostile_trail(&env);
    let out = env.path().join("out");
    export(&[dir], &out, &[]);
    let events = read(&out.join("events.parquet"));
    assert!(texts(&events, "key").contains(&Some(key.clone())));
    assert!(texts(&events, "user_agent").contains(&Some(agent.clone())));
    let failures = read(&out.join("failures.parquet"));
    assert_eq!(texts(&failures, "key"), vec![Some(key)]);
    assert_eq!(texts(&failures, "cause"), vec![Some("aborted".to_owned())]);
}
