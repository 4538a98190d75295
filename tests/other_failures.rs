//! Failed requests that are not NoSuchUpload: every diagnosis of `contract/other-failures.md`
//! on the fixture trail, from CloudTrail, from access logs (with CloudTrail's management events),
//! and from both; and in every output.

use serde_json::{Value, json};

use crate::synth::{self, scenarios::ExpectOther};
use crate::util::{TestEnv, analyze_json, fixture, run, trail_args};

fn lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

/// The other failure with this member (`event_id` or `request_id`) equal to `id`.
fn other<'a>(report: &'a Value, member: &str, id: &str) -> &'a Value {
    let found: Vec<&Value> = report["other_failures"]
        .as_array()
        .expect("other_failures")
        .iter()
        .filter(|o| o[member] == id)
        .collect();
    assert_eq!(found.len(), 1, "other failures with {member} {id}");
    found[0]
}

/// Checks one other failure against what its story expects (`access_logs`: as access logs tell
/// it).
fn check(o: &Value, e: &ExpectOther, access_logs: bool) {
    let context = format!("story {:?}: {}", e.story, o["explanation"]);
    let (diagnosis, confidence, details, culprit) = match (&e.from_access_logs, access_logs) {
        (Some((d, c, details, culprit)), true) => (*d, *c, details.clone(), *culprit),
        _ => (e.diagnosis, e.confidence, e.details.clone(), e.culprit),
    };
    assert_eq!(o["error_code"], e.error_code, "{context}");
    assert_eq!(o["diagnosis"], diagnosis, "{context}");
    assert_eq!(o["confidence"], confidence, "{context}");
    assert_eq!(o["recovered"], e.recovered, "{context}");
    assert_eq!(o["details"], details, "{context}");
    match culprit {
        Some(name) => assert_eq!(o["culprit"]["event_name"], name, "{context}"),
        None => assert_eq!(o["culprit"], json!({}), "{context}"),
    }
    let why = o["explanation"].as_str().unwrap_or_default();
    assert_eq!(
        why.contains("recovered"),
        e.recovered,
        "the explanation says whether it recovered: {context}"
    );
    assert!(
        o["advice"].as_str().is_some_and(|a| a.len() > 40),
        "{context}"
    );
}

#[test]
fn every_diagnosis_from_cloudtrail() {
    let story = synth::scenarios::trail();
    let report = analyze_json(&trail_args());
    // A failed authentication is not in CloudTrail.
    let expected: Vec<&ExpectOther> = story
        .other
        .iter()
        .filter(|e| !e.event_id.is_empty())
        .collect();
    assert_eq!(report["summary"]["other_failures"], expected.len());
    for e in &expected {
        let o = other(&report, "event_id", &e.event_id);
        check(o, e, false);
        assert_eq!(o["evidence"][0], "cloudtrail");
    }
    // Every diagnosis but `credentials` (only an access log shows it) is in the trail.
    let by = report["summary"]["by_diagnosis"]
        .as_object()
        .expect("by_diagnosis");
    assert_eq!(by.len(), 21, "every diagnosis, 0 included");
    for (diagnosis, n) in by {
        let want = u64::from(diagnosis != "credentials");
        assert!(n.as_u64().unwrap_or(0) >= want, "{diagnosis}: {n}");
    }
    let by_code: u64 = report["summary"]["by_error_code"]
        .as_object()
        .expect("by_error_code")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(by_code, expected.len() as u64);
}

#[test]
fn access_logs_give_the_same_diagnoses_and_the_failed_authentication() {
    let story = synth::scenarios::trail();
    let mut args = vec![fixture("access-logs")];
    args.extend(lifecycle());
    let report = analyze_json(&args);
    assert_eq!(report["summary"]["other_failures"], story.other.len());
    for e in &story.other {
        let o = other(&report, "request_id", &e.request_id);
        check(o, e, true);
        assert_eq!(
            o["event_id"],
            Value::Null,
            "an access-log line has no event ID"
        );
        assert_eq!(
            o["error_message"],
            Value::Null,
            "access logs keep no message"
        );
    }
    assert_eq!(report["summary"]["by_diagnosis"]["credentials"], 1);
}

#[test]
fn both_logs_together_count_each_request_once_and_keep_cloudtrails_copy() {
    let story = synth::scenarios::trail();
    let mut args = vec![fixture("trail"), fixture("access-logs/s3")];
    args.extend(lifecycle());
    let report = analyze_json(&args);
    assert_eq!(report["summary"]["other_failures"], story.other.len());
    for e in &story.other {
        let o = other(&report, "request_id", &e.request_id);
        let cloudtrail = !e.event_id.is_empty();
        check(o, e, !cloudtrail);
        if cloudtrail {
            assert_eq!(o["event_id"], e.event_id.as_str());
            assert!(
                o["evidence"]
                    .as_array()
                    .is_some_and(|v| v.contains(&json!("access_log"))),
                "{}",
                o["evidence"]
            );
        }
    }
}

#[test]
fn every_output_carries_the_other_failures() {
    let report = analyze_json(&trail_args());
    let n = report["other_failures"].as_array().map_or(0, Vec::len);
    let output = |format: &str| {
        let mut args = vec!["analyze".to_owned()];
        args.extend(trail_args());
        args.extend(["--format".to_owned(), format.to_owned()]);
        let r = run(&args);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        r.stdout
    };
    let ndjson = output("ndjson");
    let lines = ndjson
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"other_failure\""))
        .count();
    assert_eq!(lines, n);
    let csv = output("csv");
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.ends_with(",error_code,diagnosis,recovered,provider"),
        "{header}"
    );
    let rows = csv
        .split("\r\n")
        .filter(|r| r.starts_with("other_failure,"))
        .count();
    assert_eq!(rows, n);
    let table = output("table");
    let story = synth::scenarios::trail();
    let in_cloudtrail = story
        .other
        .iter()
        .filter(|e| !e.event_id.is_empty())
        .count();
    let headline = format!(
        "Other failures: {in_cloudtrail} failed multipart requests that were not NoSuchUpload"
    );
    for needle in [
        headline.as_str(),
        "  part_too_small          1",
        "Other failures, by diagnosis and upload",
        "[part_too_small, certain, from CloudTrail]",
        "[kms_denied, certain, from CloudTrail]",
        "part 2 (5,000,000 bytes)",
    ] {
        assert!(table.contains(needle), "missing {needle:?} in\n{table}");
    }

    let env = TestEnv::new();
    let out = env.path().join("out");
    let mut args = vec!["export".to_owned()];
    args.extend(trail_args());
    args.extend(["--out".to_owned(), out.display().to_string()]);
    let r = run(&args);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let frame = crate::export::read(&out.join("other_failures.parquet"));
    assert_eq!(frame.height(), n);
    let diagnoses = crate::export::texts(&frame, "diagnosis");
    let want: Vec<Option<String>> = report["other_failures"]
        .as_array()
        .expect("other_failures")
        .iter()
        .map(|o| o["diagnosis"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(diagnoses, want);
}
