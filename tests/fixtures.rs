//! `fixtures/` is exactly what the generator makes, and the tool gets every answer of the trail
//! right: the generator wrote the stories, so it knows what happened.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::synth::{
    self,
    scenarios::{Culprit, Expect, Story},
};
use crate::util::{analyze_json, assert_reconciled, failure, fixture, repo, trail_args};

fn files_under(dir: &std::path::Path, base: &std::path::Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("listing fixtures") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else {
            out.insert(
                path.strip_prefix(base)
                    .expect("inside")
                    .display()
                    .to_string(),
            );
        }
    }
}

#[test]
fn fixtures_are_what_the_generator_makes() {
    let root = repo().join("fixtures");
    let made = synth::fixture_files();
    for f in &made {
        let on_disk = std::fs::read(root.join(&f.path))
            .unwrap_or_else(|e| panic!("fixtures/{}: {e}", f.path));
        assert!(
            on_disk == f.bytes,
            "fixtures/{} differs from what `cargo run --example synth -- fixtures fixtures` makes",
            f.path
        );
    }
    let mut present = BTreeSet::new();
    files_under(&root, &root, &mut present);
    present.remove("README.md");
    let expected: BTreeSet<String> = made.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        present, expected,
        "fixtures/ holds files the generator does not make (or misses some)"
    );
}

fn multipart(name: &str) -> bool {
    [
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
        "ListMultipartUploads",
    ]
    .contains(&name)
}

#[test]
fn the_trail_gets_every_answer_right() {
    let story = synth::scenarios::trail();
    let report = analyze_json(&trail_args());
    assert_eq!(report["summary"]["failures"], story.expect.len());
    for e in &story.expect {
        let f = failure(&report, &e.event_id);
        let context = format!("story {:?}: {}", e.story, f["explanation"]);
        assert_eq!(f["cause"], e.cause, "{context}");
        assert_eq!(f["confidence"], e.confidence, "{context}");
        let c = &f["culprit"];
        match &e.culprit {
            Culprit::Request { name, same_actor } => {
                assert_eq!(c["actor"]["name"], *name, "{context}");
                assert_eq!(c["same_actor"], *same_actor, "{context}");
                let ended = c["event_name"].as_str().unwrap_or_default();
                assert_eq!(
                    ended,
                    if e.cause == "aborted" {
                        "AbortMultipartUpload"
                    } else {
                        "CompleteMultipartUpload"
                    },
                    "{context}"
                );
            }
            Culprit::Rule {
                rule_id,
                eligible_at,
            } => {
                assert_eq!(c["rule_id"], *rule_id, "{context}");
                assert_eq!(c["eligible_at"], *eligible_at, "{context}");
            }
            Culprit::Owner { bucket, key } => {
                assert_eq!(
                    (&c["bucket"], &c["key"]),
                    (&json!(bucket), &json!(key)),
                    "{context}"
                );
            }
            Culprit::Nobody => assert_eq!(*c, json!({}), "{context}"),
        }
        check_story_details(e, f, &context);
    }
    check_incidents(&story, &report);
    let by_cause: u64 = report["summary"]["by_cause"]
        .as_object()
        .expect("by_cause")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(by_cause, story.expect.len() as u64);

    let orphans = report["orphans"].as_array().expect("orphans");
    assert_eq!(orphans.len(), story.orphans.len(), "{orphans:#?}");
    for o in &story.orphans {
        let found = orphans
            .iter()
            .find(|x| x["bucket"] == o.bucket && x["key"] == o.key)
            .unwrap_or_else(|| panic!("orphan {o:?} missing"));
        assert_eq!(
            (found["parts"].as_u64(), found["bytes"].as_u64()),
            (Some(o.parts), Some(o.bytes)),
            "{o:?}"
        );
        assert_eq!(
            found["lifecycle_rule"]["rule_id"].as_str(),
            o.rule_id.as_deref(),
            "{o:?}"
        );
    }
    assert_eq!(
        report["buckets_without_data_events"],
        json!(story.quiet_buckets)
    );
    let kinds: Vec<&str> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "no_data_events",
            "no_data_events",
            "no_data_events",
            "no_data_events",
            "unpaired_creations"
        ]
    );

    // The account of what was read.
    let i = &report["inputs"];
    let distinct: BTreeSet<String> = story.records.iter().map(|r| r.event_id()).collect();
    let multipart_ids: BTreeSet<String> = story
        .records
        .iter()
        .filter(|r| multipart(r.json["eventName"].as_str().unwrap_or("")))
        .map(|r| r.event_id())
        .collect();
    assert_eq!(i["records"], story.records.len());
    assert_eq!(i["duplicates"], story.records.len() - distinct.len());
    assert_eq!(i["duplicates"], 1);
    assert_eq!(i["multipart_events"], multipart_ids.len());
    assert_eq!(
        (
            &i["lifecycle_events"],
            &i["insight_records"],
            &i["digest_files"]
        ),
        (&json!(4), &json!(1), &json!(2))
    );
    assert_eq!(
        (&i["files_failed"], &i["problems"]),
        (&json!(0), &json!([]))
    );
    assert_reconciled(&report);
}

/// What a story says beyond cause and culprit: the kind of abort, its trigger or sweep, and the
/// evidence the logs could not see.
pub fn check_story_details(e: &Expect, f: &Value, context: &str) {
    let c = &f["culprit"];
    if e.cause == "aborted" {
        assert_eq!(c["abort_kind"], json!(e.abort_kind), "{context}");
    } else {
        assert_eq!(c.get("abort_kind"), None, "{context}");
    }
    if e.abort_kind == Some("self") {
        assert_eq!(c["trigger"]["error_code"], json!(e.trigger), "{context}");
    } else {
        assert_eq!(c.get("trigger"), None, "{context}");
    }
    match e.sweep {
        Some((uploads, listed)) => {
            assert_eq!(c["sweep"]["uploads_aborted"], uploads, "{context}");
            assert_eq!(
                c["sweep"]["listing_event_id"].is_string(),
                listed,
                "{context}"
            );
        }
        None => assert_eq!(c.get("sweep"), None, "{context}"),
    }
    if e.cause == "superseded" {
        assert!(c["upload_id"].is_string(), "{context}");
        assert_ne!(c["upload_id"], f["upload_id"], "{context}");
    }
    let unexplained = matches!(e.cause, "unknown_upload" | "unexplained");
    assert_eq!(f["missing_evidence"].is_array(), unexplained, "{context}");
}

/// Failures of one story are one incident, failures of different stories different ones, and the
/// incidents are numbered largest first.
pub fn check_incidents(story: &Story, report: &Value) {
    let incident = |event_id: &str| failure(report, event_id)["incident"].clone();
    for a in &story.expect {
        for b in &story.expect {
            let same = incident(&a.event_id) == incident(&b.event_id);
            assert_eq!(
                same,
                a.incident == b.incident,
                "{:?} and {:?} should {}share an incident",
                a.story,
                b.story,
                if a.incident == b.incident { "" } else { "not " }
            );
        }
    }
    let incidents = report["incidents"].as_array().expect("incidents");
    assert_eq!(report["summary"]["incidents"], incidents.len());
    let sizes: Vec<u64> = incidents
        .iter()
        .map(|i| i["failures"].as_u64().expect("failures"))
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let ids: Vec<String> = (1..=incidents.len()).map(|n| format!("I{n}")).collect();
    let listed: Vec<&str> = incidents.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(listed, ids);
    assert_eq!(sizes.iter().sum::<u64>(), story.expect.len() as u64);
}

#[test]
fn the_missing_evidence_of_each_unexplained_failure_is_named() {
    let story = synth::scenarios::trail();
    let report = analyze_json(&trail_args());
    for e in story.expect.iter().filter(|e| e.missing.is_some()) {
        let f = failure(&report, &e.event_id);
        assert_eq!(
            f["missing_evidence"],
            json!(e.missing),
            "story {:?}: {}",
            e.story,
            f["explanation"]
        );
    }
}

#[test]
fn without_its_lifecycle_file_a_bucket_is_unexplained_and_the_report_says_why() {
    let story = synth::scenarios::trail();
    let report = analyze_json(&[fixture("trail")]);
    let weekly = story
        .expect
        .iter()
        .find(|e| e.story.starts_with("I "))
        .expect("story I");
    let f = failure(&report, &weekly.event_id);
    assert_eq!(f["cause"], "unexplained");
    let why = f["explanation"].as_str().unwrap_or_default();
    assert!(why.contains("--lifecycle backups=FILE"), "{why}");
    // The orphan of `backups` now has no known rule.
    let orphan = report["orphans"]
        .as_array()
        .expect("orphans")
        .iter()
        .find(|o| o["bucket"] == "backups")
        .cloned()
        .expect("an orphan");
    assert_eq!(orphan["lifecycle_rule"], Value::Null);
}
