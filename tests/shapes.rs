//! Every input shape users have yields the same records and the same answer.

use serde_json::json;

use crate::synth::{self, scenarios};
use crate::util::{analyze_json, assert_reconciled, fixture, run_with_stdin};

const SHAPES: [&str; 10] = [
    "records.json.gz",
    "records.json",
    "records-pretty.json",
    "ndjson.jsonl",
    "ndjson.jsonl.gz",
    "array.json",
    "cloudwatch-subscription.json",
    "eventbridge.jsonl",
    "lookup-events.json",
    "two-members.json.gz",
];

fn assert_small_story(report: &serde_json::Value, context: &str) {
    let story = scenarios::small();
    let i = &report["inputs"];
    assert_eq!(i["records"], story.records.len(), "{context}");
    assert_eq!(
        (
            &i["multipart_events"],
            &i["insight_records"],
            &i["other_records"]
        ),
        (&json!(5), &json!(1), &json!(1)),
        "{context}"
    );
    assert_eq!(i["problems"], json!([]), "{context}");
    assert_eq!(
        report["failures"].as_array().map(Vec::len),
        Some(1),
        "{context}"
    );
    let f = &report["failures"][0];
    assert_eq!(
        f["event_id"],
        story.expect[0].event_id.as_str(),
        "{context}"
    );
    assert_eq!(f["cause"], "aborted", "{context}");
    assert_eq!(
        f["culprit"]["actor"]["name"],
        "arn:aws:sts::111122223333:assumed-role/nightly-cleanup/cleanup-20261103",
        "{context}"
    );
    assert_reconciled(report);
}

#[test]
fn every_shape_yields_the_same_records() {
    for shape in SHAPES {
        let report = analyze_json(&[fixture(&format!("shapes/{shape}"))]);
        assert_small_story(&report, shape);
    }
}

#[test]
fn every_bundle_yields_the_same_records() {
    for bundle in ["trail.tar", "trail.tar.gz", "trail.zip"] {
        let report = analyze_json(&[fixture(&format!("bundles/{bundle}"))]);
        assert_small_story(&report, bundle);
        assert_eq!(report["inputs"]["digest_files"], 1, "{bundle}");
        let origin = report["failures"][0]["origin"].as_str().unwrap_or_default();
        assert!(
            origin.contains(&format!(
                "{bundle}!AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/"
            )),
            "{origin}"
        );
    }
}

#[test]
fn standard_input_is_a_source() {
    let bytes = std::fs::read(fixture("shapes/ndjson.jsonl.gz")).expect("a fixture");
    let run = run_with_stdin(&["analyze", "-", "--format", "json"], Some(&bytes));
    assert_small_story(&run.json(), "stdin");
}

#[test]
fn the_same_records_in_every_shape_are_duplicates() {
    let report = analyze_json(&[fixture("shapes")]);
    let n = scenarios::small().records.len();
    assert_eq!(report["inputs"]["records"], n * SHAPES.len());
    assert_eq!(report["inputs"]["duplicates"], n * (SHAPES.len() - 1));
    assert_eq!(report["summary"]["failures"], 1);
    assert_reconciled(&report);
}

#[test]
fn field_spellings_vary_and_are_read_alike() {
    // Numbers as strings and floats, `Key` for `key`, `host` arrays, bucket and key only in ARNs.
    let small = scenarios::small();
    let mut records: Vec<serde_json::Value> =
        small.records.iter().map(|r| r.json.clone()).collect();
    for r in &mut records {
        let params = &mut r["requestParameters"];
        if let Some(key) = params.get("key").cloned() {
            params.as_object_mut().expect("an object").remove("key");
            params["Key"] = key;
        }
        if let Some(host) = params.get("Host").cloned() {
            params.as_object_mut().expect("an object").remove("Host");
            params["host"] = json!([host]);
        }
        r["additionalEventData"]["bytesTransferredIn"] = json!(21838.0);
    }
    // One record names its bucket and key only in `resources`.
    records[1]["requestParameters"]
        .as_object_mut()
        .expect("an object")
        .retain(|k, _| k == "uploadId" || k == "partNumber");
    let env = crate::util::TestEnv::new();
    let doc = serde_json::to_vec(&json!({"Records": records})).expect("JSON");
    let path = env.write("variants.json", synth::layout::gzip(&doc));
    let report = analyze_json(&[path]);
    assert_small_story(&report, "variants");
}
