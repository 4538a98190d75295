//! S3 server access logs: the fixture trail told by access logs (with CloudTrail management
//! events only, as for an account that does not log data events) gives the answers of the
//! CloudTrail trail; both together count every request once; a lifecycle abort line makes a
//! lifecycle finding certain.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::synth::{
    self,
    records::iso,
    scenarios::{AbortLine, Culprit, Expect, Story},
};
use crate::util::{analyze_json, assert_reconciled, fixture};

/// Which logs a run reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum View {
    /// CloudTrail with data events (`fixtures/trail`).
    Cloudtrail,
    /// Access logs, and CloudTrail management events only (`fixtures/access-logs`).
    AccessLogs,
    /// Both.
    Mixed,
}

fn lifecycle_file() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

fn analyze(view: View) -> Value {
    let mut args = match view {
        View::Cloudtrail => vec![fixture("trail")],
        View::AccessLogs => vec![fixture("access-logs")],
        View::Mixed => vec![fixture("trail"), fixture("access-logs/s3")],
    };
    args.extend(lifecycle_file());
    analyze_json(&args)
}

/// The `requestID` of each record, by `eventID`.
fn request_ids(story: &Story) -> BTreeMap<String, String> {
    story
        .records
        .iter()
        .map(|r| {
            let id = r.json["requestID"].as_str().unwrap_or_default().to_owned();
            (r.event_id(), id)
        })
        .collect()
}

/// The failure a story expects, found by request ID (access-log lines have no event ID).
fn failure<'a>(report: &'a Value, request_id: &str) -> &'a Value {
    let found: Vec<&Value> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter(|f| f["request_id"] == request_id)
        .collect();
    assert_eq!(found.len(), 1, "failures with request ID {request_id}");
    found[0]
}

/// The confidence of a story told by access logs alone: they record no request headers, so a race
/// won by a conditional write (`likely` from CloudTrail) is only `possible` from them.
fn without_headers(e: &Expect) -> &'static str {
    match e.cause {
        "superseded" => "possible",
        _ => e.confidence,
    }
}

/// Checks one expected answer in a run of `view`.
fn check(view: View, report: &Value, e: &Expect, request_id: &str, abort: Option<&AbortLine>) {
    let f = failure(report, request_id);
    let context = format!("{view:?}, story {:?}: {}", e.story, f["explanation"]);
    assert_eq!(f["cause"], e.cause, "{context}");
    let c = &f["culprit"];
    // Only an access log shows S3 aborting the upload: then the finding is certain.
    let abort = abort.filter(|_| view != View::Cloudtrail);
    let confidence = if abort.is_some() {
        "certain"
    } else if view == View::AccessLogs {
        without_headers(e)
    } else {
        e.confidence
    };
    crate::fixtures::check_story_details(e, f, &context);
    assert_eq!(f["confidence"], confidence, "{context}");
    match &e.culprit {
        Culprit::Request { name, same_actor } => {
            assert_eq!(c["actor"]["name"], *name, "{context}");
            assert_eq!(c["same_actor"], *same_actor, "{context}");
        }
        Culprit::Rule {
            rule_id,
            eligible_at,
        } => {
            let rule_lost =
                view == View::AccessLogs && abort.is_some_and(|a| a.rule_from_data_events);
            if rule_lost {
                // The rule was named by a CloudTrail data event: without data events only the
                // abort is known, and the upload was eligible by then.
                assert_eq!(c["rule_id"], Value::Null, "{context}");
                assert_eq!(c["rule_source"], "unknown", "{context}");
                assert_eq!(c["eligible_at"], c["aborted_at"], "{context}");
            } else {
                assert_eq!(c["rule_id"], *rule_id, "{context}");
                assert_eq!(c["eligible_at"], *eligible_at, "{context}");
            }
            match abort {
                Some(a) => {
                    assert_eq!(c["aborted_at"], iso(a.time), "{context}");
                    assert_eq!(c["abort_matched_by"], "bucket_key_time", "{context}");
                }
                None => assert_eq!(c["aborted_at"], Value::Null, "{context}"),
            }
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
    let evidence: Vec<&str> = f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let logs: Vec<&str> = evidence
        .iter()
        .copied()
        .filter(|k| *k != "lifecycle_configuration")
        .collect();
    let want: &[&str] = match view {
        View::Cloudtrail => &["cloudtrail"],
        View::AccessLogs => &["access_log"],
        View::Mixed => &["cloudtrail", "access_log"],
    };
    assert_eq!(logs, want, "{context}");
}

/// Every failure of the story gets the CloudTrail answer (made certain by abort lines).
fn assert_answers(view: View, story: &Story, report: &Value) {
    let ids = request_ids(story);
    assert_eq!(
        report["summary"]["failures"],
        story.expect.len(),
        "{view:?}"
    );
    for e in &story.expect {
        let abort = story.aborts.iter().find(|a| a.explains == e.event_id);
        check(view, report, e, &ids[&e.event_id], abort);
    }
    let orphans: BTreeSet<(String, String, u64)> = report["orphans"]
        .as_array()
        .expect("orphans")
        .iter()
        .map(|o| {
            (
                o["bucket"].as_str().unwrap_or_default().to_owned(),
                o["key"].as_str().unwrap_or_default().to_owned(),
                o["parts"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, u64)> = story
        .orphans
        .iter()
        .map(|o| (o.bucket.clone(), o.key.clone(), o.parts))
        .collect();
    assert_eq!(orphans, expected, "{view:?}");
    assert_eq!(
        (
            &report["inputs"]["files_failed"],
            &report["inputs"]["problems"]
        ),
        (&json!(0), &json!([])),
        "{view:?}"
    );
    assert_reconciled(report);
}

fn multipart(name: &str) -> bool {
    matches!(
        name,
        "CreateMultipartUpload"
            | "UploadPart"
            | "UploadPartCopy"
            | "CompleteMultipartUpload"
            | "AbortMultipartUpload"
            | "ListParts"
            | "ListMultipartUploads"
    )
}

/// Distinct multipart requests of the story (CloudTrail delivers one twice).
fn multipart_requests(story: &Story) -> usize {
    story
        .records
        .iter()
        .filter(|r| multipart(r.json["eventName"].as_str().unwrap_or_default()))
        .map(|r| r.event_id())
        .collect::<BTreeSet<_>>()
        .len()
}

#[test]
fn access_logs_without_data_events_give_the_answers_of_cloudtrail() {
    let story = synth::scenarios::trail();
    let report = analyze(View::AccessLogs);
    assert_answers(View::AccessLogs, &story, &report);
    // One line per request, plus S3's own lifecycle aborts and the requests CloudTrail does not
    // log (failed authentication).
    assert_eq!(
        report["inputs"]["multipart_events"],
        multipart_requests(&story) + story.aborts.len() + story.access_only.len()
    );
    assert_eq!(report["inputs"]["duplicates"], 0);
}

#[test]
fn a_mixed_run_counts_every_request_once() {
    let story = synth::scenarios::trail();
    let alone = analyze(View::Cloudtrail);
    let logs = analyze_json(&[fixture("access-logs/s3")]);
    let mixed = analyze(View::Mixed);
    assert_answers(View::Mixed, &story, &mixed);

    let n = |r: &Value, k: &str| r["inputs"][k].as_u64().unwrap_or_else(|| panic!("{k}"));
    let lines = n(&logs, "records");
    let lines_multipart = n(&logs, "multipart_events");
    assert_eq!(n(&mixed, "records"), n(&alone, "records") + lines);
    // Every multipart line but S3's own aborts and failed authentications repeats a CloudTrail
    // record.
    let only_in_logs = (story.aborts.len() + story.access_only.len()) as u64;
    assert_eq!(
        n(&mixed, "multipart_events"),
        n(&alone, "multipart_events") + only_in_logs
    );
    assert_eq!(
        n(&mixed, "duplicates"),
        n(&alone, "duplicates") + lines_multipart - only_in_logs + n(&logs, "context_events")
    );
    assert_eq!(n(&mixed, "conflicting_duplicates"), 0);
}

#[test]
fn an_abort_line_turns_a_likely_lifecycle_finding_into_a_certain_one() {
    let story = synth::scenarios::trail();
    let ids = request_ids(&story);
    let (alone, mixed) = (analyze(View::Cloudtrail), analyze(View::Mixed));
    assert!(!story.aborts.is_empty());
    for a in &story.aborts {
        let before = failure(&alone, &ids[&a.explains]);
        let after = failure(&mixed, &ids[&a.explains]);
        assert_eq!(
            (&before["cause"], &before["confidence"]),
            (&json!("lifecycle"), &json!("likely"))
        );
        assert_eq!(
            (&after["cause"], &after["confidence"]),
            (&json!("lifecycle"), &json!("certain"))
        );
        assert_eq!(after["culprit"]["aborted_at"], iso(a.time));
        assert_eq!(after["culprit"]["rule_id"], before["culprit"]["rule_id"]);
        let why = after["explanation"].as_str().unwrap_or_default();
        assert!(
            why.contains("S3.DELETE.UPLOAD") && why.contains("matched by bucket, key and time"),
            "{why}"
        );
    }
}

#[test]
fn access_logs_alone_give_the_same_causes_and_culprits() {
    // No CloudTrail at all: access logs carry no lifecycle configuration, so the rule behind each
    // lifecycle abort is unknown, but the abort itself, and every other answer, is there.
    let story = synth::scenarios::trail();
    let ids = request_ids(&story);
    let mut args = vec![fixture("access-logs/s3")];
    args.extend(lifecycle_file());
    let report = analyze_json(&args);
    assert_eq!(report["summary"]["failures"], story.expect.len());
    for e in &story.expect {
        let f = failure(&report, &ids[&e.event_id]);
        let context = format!("story {:?}: {}", e.story, f["explanation"]);
        assert_eq!(f["cause"], e.cause, "{context}");
        let c = &f["culprit"];
        match (
            &e.culprit,
            story.aborts.iter().find(|a| a.explains == e.event_id),
        ) {
            (Culprit::Rule { .. }, Some(a)) => {
                assert_eq!(f["confidence"], "certain", "{context}");
                assert_eq!(c["aborted_at"], iso(a.time), "{context}");
                assert_eq!(c["rule_id"], Value::Null, "{context}");
                let why = f["explanation"].as_str().unwrap_or_default();
                assert!(
                    why.contains(&format!("--lifecycle {}=FILE", a.bucket)),
                    "{context}"
                );
            }
            (Culprit::Rule { .. }, None) => {
                panic!("{context}: a lifecycle story without an abort line")
            }
            (Culprit::Request { name, same_actor }, _) => {
                assert_eq!(f["confidence"], without_headers(e), "{context}");
                assert_eq!(c["actor"]["name"], *name, "{context}");
                assert_eq!(c["same_actor"], *same_actor, "{context}");
            }
            (Culprit::Owner { bucket, key }, _) => {
                assert_eq!(f["confidence"], e.confidence, "{context}");
                assert_eq!(
                    (&c["bucket"], &c["key"]),
                    (&json!(bucket), &json!(key)),
                    "{context}"
                );
            }
            (Culprit::Nobody, _) => {
                assert_eq!(f["confidence"], e.confidence, "{context}");
                assert_eq!(*c, json!({}), "{context}");
            }
        }
        assert_eq!(f["evidence"], json!(["access_log"]), "{context}");
        crate::fixtures::check_story_details(e, f, &context);
    }
    assert_eq!(
        report["orphans"].as_array().map(Vec::len),
        Some(story.orphans.len())
    );
    let kinds: Vec<&str> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(!kinds.contains(&"no_data_events_at_all"), "{kinds:?}");
}
