//! Alibaba Cloud OSS: the fixture stories told by ActionTrail (trail files and Log Service
//! exports in every shape) and OSS access logs give the answers their AWS twins give, the two OSS
//! logs together count each request once, and exported events give the same answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::synth::{oss, scenarios};
use crate::util::{TestEnv, analyze_json, assert_reconciled, fixture, problems, run};

pub(crate) fn aws_lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

pub(crate) fn oss_lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("oss://backups={}", fixture("oss/lifecycle/backups.xml")),
    ]
}

pub(crate) fn analyze(sources: &[&str], lifecycle: Vec<String>) -> Value {
    let mut args: Vec<String> = sources.iter().map(|s| fixture(s)).collect();
    args.extend(lifecycle);
    let report = analyze_json(&args);
    assert_reconciled(&report);
    assert_eq!(problems(&report), Vec::<String>::new(), "{sources:?}");
    report
}

/// A part of a report without the files its findings came from.
pub(crate) fn unplaced(v: &Value) -> Value {
    match v {
        Value::Object(o) => o
            .iter()
            .filter(|(k, _)| *k != "origin")
            .map(|(k, v)| (k.clone(), unplaced(v)))
            .collect(),
        Value::Array(a) => a.iter().map(unplaced).collect(),
        other => other.clone(),
    }
}

/// The AWS names of a story's requests and uploads, as their OSS twins spell them.
struct Names {
    /// OSS request ID by AWS eventID and by AWS requestID.
    ids: BTreeMap<String, String>,
}

impl Names {
    fn new() -> Names {
        let story = scenarios::trail();
        let mut ids = oss::trail(&story).ids;
        for r in story.records.iter().chain(&story.access_only) {
            if let Some(id) = r.json["requestID"].as_str() {
                ids.insert(id.to_owned(), oss::request_id(id));
            }
        }
        Names { ids }
    }

    fn id(&self, aws: &Value) -> Value {
        match aws.as_str() {
            Some(id) => json!(
                self.ids
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("unmapped {id}"))
            ),
            None => Value::Null,
        }
    }
}

/// What a finding says, in OSS's words when `names` is given (an AWS finding), without what
/// differs by construction between the twins: actors (compared apart), IDs of lifecycle abort
/// lines (random on both sides), prose, and the provider.
fn said(f: &Value, names: Option<&Names>) -> Value {
    let mut c = f["culprit"].clone();
    let mut details = f["details"].clone();
    if let Some(c) = c.as_object_mut() {
        c.remove("actor");
        c.remove("abort_request_id");
        c.remove("explanation");
        if let Some(n) = names {
            for id in ["event_id", "request_id"] {
                if let Some(v) = c.get(id) {
                    let mapped = n.id(v);
                    c.insert(id.into(), mapped);
                }
            }
            // An OSS finding's event ID is its request ID, whichever log showed it; an S3
            // access-log line has none.
            if c.get("event_id") == Some(&Value::Null) {
                let request = c.get("request_id").cloned().unwrap_or_default();
                c.insert("event_id".into(), request);
            }
            let source = c.get("rule_source").and_then(Value::as_str);
            if let Some(event) = source.and_then(|s| s.strip_prefix("cloudtrail:")) {
                let id = n.id(&json!(event));
                let id = id.as_str().unwrap_or_default();
                c.insert("rule_source".into(), json!(format!("actiontrail:{id}")));
            }
            if let Some(id) = c.get("upload_id").and_then(Value::as_str) {
                c.insert("upload_id".into(), json!(oss::upload_id(id)));
            }
            let sweep = c.get_mut("sweep").and_then(Value::as_object_mut);
            if let Some(sweep) = sweep {
                let listing = sweep.get("listing_event_id").map(|l| n.id(l));
                if let Some(l) = listing {
                    sweep.insert("listing_event_id".into(), l);
                }
            }
            if let Some(trigger) = c.get_mut("trigger").and_then(Value::as_object_mut) {
                for id in ["event_id", "request_id"] {
                    if let Some(v) = trigger.get(id).cloned() {
                        trigger.insert(id.into(), n.id(&v));
                    }
                }
            }
        }
        for nested in ["trigger", "owner"] {
            if let Some(inner) = c.get_mut(nested).and_then(Value::as_object_mut) {
                inner.remove("actor");
                inner.remove("explanation");
            }
        }
    }
    if names.is_some() {
        // Part sizes are scaled: S3's 5 MiB minimum is OSS's 100 KB.
        if let Some(d) = details.as_object_mut() {
            if d.contains_key("minimum") {
                d.insert("minimum".into(), json!(102_400));
            }
            if let Some(a) = d.get("action").and_then(Value::as_str) {
                d.insert("action".into(), json!(a.replace("s3:", "oss:")));
            }
            if let Some(b) = d.get("bytes").and_then(Value::as_u64) {
                d.insert("bytes".into(), json!(oss::bytes(b)));
            }
            if let Some(parts) = d.get_mut("small_parts").and_then(Value::as_array_mut) {
                for p in parts {
                    let b = p["bytes"].as_u64().unwrap_or_default();
                    p["bytes"] = json!(oss::bytes(b));
                }
            }
        }
    }
    json!({
        "time": f["event_time"], "name": f["event_name"], "key": f["key"], "bucket": f["bucket"],
        "part": f["part_number"],
        "verdict": f.get("cause").unwrap_or(&f["diagnosis"]),
        "confidence": f["confidence"], "culprit": c, "details": details,
        "missing": f["missing_evidence"], "recovered": f["recovered"],
    })
}

/// Compares the findings of an AWS report and of its OSS twin; `skip` says which AWS findings
/// have no OSS equivalent (and checks what OSS says instead).
fn assert_twins(aws: &Value, oss_report: &Value, skip: impl Fn(&Value, &Value) -> bool) {
    let names = Names::new();
    let mut actors: BTreeMap<String, String> = BTreeMap::new();
    for list in ["failures", "other_failures"] {
        let a = aws[list].as_array().expect("a list");
        let o = oss_report[list].as_array().expect("a list");
        assert_eq!(a.len(), o.len(), "{list}");
        for (fa, fo) in a.iter().zip(o) {
            assert_eq!(fo["provider"], "alibaba");
            assert_eq!(fa["provider"], "aws");
            if skip(fa, fo) {
                continue;
            }
            assert_eq!(said(fo, None), said(fa, Some(&names)), "{list}");
            // The same actors, one for one.
            // An actor is its name and, on OSS, its access key (two sessions of one role are
            // two actors that an access log names alike).
            let culprit = |f: &Value| {
                let actor = &f["culprit"]["actor"];
                let key = actor["access_key_id"].as_str().unwrap_or_default();
                actor["name"].as_str().map(|n| format!("{n} {key}"))
            };
            if let (Some(x), Some(y)) = (culprit(fa), culprit(fo)) {
                let known = actors.entry(x.clone()).or_insert_with(|| y.clone());
                assert_eq!(known, &y, "{x} is one actor on AWS");
            }
        }
    }
    let distinct: std::collections::BTreeSet<_> = actors.values().collect();
    assert_eq!(
        distinct.len(),
        actors.len(),
        "two AWS actors became one OSS actor"
    );
    assert!(actors.len() >= 5, "the twins name their culprits");
}

/// Story Q: the rule named by a CreateMultipartUpload response, which OSS does not send.
fn rule_from_create_response(aws: &Value, oss_finding: &Value) -> bool {
    if aws["culprit"]["rule_source"] != "create_response" {
        return false;
    }
    assert_ne!(oss_finding["culprit"]["rule_source"], "create_response");
    true
}

#[test]
fn actiontrail_gives_the_answers_cloudtrail_gives() {
    let aws = analyze(&["trail"], aws_lifecycle());
    let ours = analyze(&["oss/trail", "oss/sls"], oss_lifecycle());
    assert_twins(&aws, &ours, |a, o| {
        if rule_from_create_response(a, o) {
            return true;
        }
        // ActionTrail logs no part sizes: size findings lose their sizes, not their diagnosis.
        if ["part_too_small", "part_too_large"].contains(&a["diagnosis"].as_str().unwrap_or("")) {
            assert_eq!(o["diagnosis"], a["diagnosis"]);
            assert!(
                o["details"]["bytes"].is_null()
                    && o["details"]["small_parts"]
                        .as_array()
                        .is_none_or(Vec::is_empty)
            );
            return true;
        }
        false
    });
    // Incidents name a RAM session as an IAM session is named: by its role and session.
    let summaries = |r: &Value| -> Vec<String> {
        let incidents = r["incidents"].as_array().expect("incidents");
        incidents
            .iter()
            .map(|i| i["summary"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (a, o) = (summaries(&aws), summaries(&ours));
    assert_eq!(a.len(), o.len());
    let sweep = "emr-jobs aborted 5 uploads in one sweep";
    assert!(a.iter().any(|s| s.starts_with(sweep)) && o.iter().any(|s| s.starts_with(sweep)));
    for (a, o) in a.iter().zip(&o) {
        assert_eq!(a.contains("arn:aws:"), o.contains("acs:ram:"), "{a}\n{o}");
    }
    // The evidence is named in ActionTrail's words, and the table names objects oss://.
    let f = &ours["failures"][0];
    assert_eq!(f["evidence"], json!(["actiontrail"]));
    let mut args = vec![
        "analyze".to_owned(),
        fixture("oss/trail"),
        fixture("oss/sls"),
    ];
    args.extend(oss_lifecycle());
    args.extend(["--format".into(), "table".into()]);
    let table = run(&args);
    assert_eq!(table.status, Some(0), "{}", table.stderr);
    assert!(table.stdout.contains("oss://media-uploads/"));
    for aws_word in [
        "CloudTrail",
        "s3:",
        "aws s3api",
        "AbortIncompleteMultipartUpload",
    ] {
        assert!(
            !table.stdout.contains(aws_word),
            "{aws_word} in an OSS table"
        );
    }
    assert!(table.stdout.contains("ossutil") || table.stdout.contains("oss:"));
}

#[test]
fn oss_access_logs_give_the_answers_s3_access_logs_give() {
    let aws = analyze(&["access-logs"], aws_lifecycle());
    let ours = analyze(&["oss/access-logs", "oss/trail"], oss_lifecycle());
    assert_twins(&aws, &ours, |_, _| false);
    // Lifecycle aborts (SyncRequest lifecycle) make lifecycle findings certain, as on S3.
    let certain = ours["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter(|f| f["cause"] == "lifecycle" && f["confidence"] == "certain")
        .count();
    assert!(certain >= 3, "{certain}");
}

#[test]
fn both_oss_logs_count_each_request_once_and_keep_the_actiontrail_record() {
    let aws = analyze(&["trail", "access-logs/s3"], aws_lifecycle());
    let ours = analyze(
        &["oss/trail", "oss/sls", "oss/access-logs"],
        oss_lifecycle(),
    );
    assert_twins(&aws, &ours, rule_from_create_response);
    assert_eq!(ours["inputs"]["duplicates"], aws["inputs"]["duplicates"]);
    assert!(ours["inputs"]["duplicates"].as_u64() > Some(200));
    // A request in both logs keeps the ActionTrail record (its identity is richer), says both
    // logs showed it, and takes the part size only the access log has.
    let both = ours["other_failures"]
        .as_array()
        .expect("other failures")
        .iter()
        .find(|f| f["diagnosis"] == "part_too_large")
        .expect("a part too large");
    assert_eq!(both["evidence"], json!(["actiontrail", "access_log"]));
    assert!(
        both["actor"]["name"]
            .as_str()
            .unwrap_or_default()
            .starts_with("acs:ram::")
    );
    assert_eq!(both["confidence"], "certain");
}

#[test]
fn every_actiontrail_shape_gives_the_same_answer() {
    let story = scenarios::small();
    let expected_id = &oss::trail(&story).ids[&story.expect[0].event_id];
    let mut answers = Vec::new();
    for shape in [
        "trail-array.json.gz",
        "records.json",
        "events.jsonl",
        "sls-rows.json",
        "sls-contents.jsonl",
        "sls-flattened.jsonl",
    ] {
        let report = analyze(&[&format!("oss/shapes/{shape}")], Vec::new());
        let failures = report["failures"].as_array().expect("failures");
        assert_eq!(failures.len(), 1, "{shape}");
        let f = &failures[0];
        assert_eq!(&f["event_id"], expected_id, "{shape}");
        assert_eq!(f["cause"], "aborted", "{shape}");
        assert_eq!(f["confidence"], "certain", "{shape}");
        let culprit = f["culprit"]["actor"]["name"].as_str().unwrap_or_default();
        assert!(
            culprit.ends_with(":assumed-role/nightly-cleanup/cleanup-20261103"),
            "{shape}: {culprit}"
        );
        assert!(
            f["culprit"]["actor"]["access_key_id"]
                .as_str()
                .is_some_and(|k| k.starts_with("STS."))
        );
        answers.push(
            json!({"failures": unplaced(&report["failures"]), "summary": report["summary"],
            "records": report["inputs"]["records"], "other": report["inputs"]["other_records"]}),
        );
    }
    for pair in answers.windows(2) {
        assert_eq!(pair[0], pair[1], "the shapes disagree");
    }
}

#[test]
fn analyze_gives_the_same_oss_answer_from_exported_events() {
    let env = TestEnv::new();
    let mut args = vec![
        fixture("oss/trail"),
        fixture("oss/sls"),
        fixture("oss/access-logs"),
    ];
    args.extend(oss_lifecycle());
    let out = env.path().join("export");
    let mut export = vec!["export".to_owned()];
    export.extend(args.iter().cloned());
    export.extend(["--out".into(), out.display().to_string()]);
    let r = run(&export);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let direct = analyze_json(&args);
    let mut again = vec![out.join("events.parquet").display().to_string()];
    again.extend(oss_lifecycle());
    let from_parquet = analyze_json(&again);
    for part in ["summary", "failures", "other_failures", "orphans"] {
        assert_eq!(from_parquet[part], direct[part], "{part}");
    }
}
