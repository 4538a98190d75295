//! Alibaba Cloud OSS: the fixture stories told by ActionTrail (trail files and Log Service
//! exports in every shape) and OSS access logs give the answers their AWS twins give; the
//! stories only OSS can tell (CreatedBeforeDate, `<Not>` exemptions, misspelled event names,
//! FilePartNotExist) are answered right; AWS and OSS logs read together stay apart; hostile OSS
//! lines are named; `oss://` reads through virtual-hosted addressing.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::s3_server::S3Server;
use crate::synth::{self, oss, scenarios};
use crate::util::{
    TestEnv, analyze_json, assert_reconciled, fixture, problems, repo, run, run_env,
};

fn aws_lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

fn oss_lifecycle() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("oss://backups={}", fixture("oss/lifecycle/backups.xml")),
    ]
}

fn analyze(sources: &[&str], lifecycle: Vec<String>) -> Value {
    let mut args: Vec<String> = sources.iter().map(|s| fixture(s)).collect();
    args.extend(lifecycle);
    let report = analyze_json(&args);
    assert_reconciled(&report);
    assert_eq!(problems(&report), Vec::<String>::new(), "{sources:?}");
    report
}

/// A part of a report without the files its findings came from.
fn unplaced(v: &Value) -> Value {
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
fn stories_only_oss_tells_are_answered() {
    let own = oss::own::stories();
    let report = analyze(&["oss/own"], Vec::new());
    // The misspelled InitateMultipartUpload and UplaodPartCopy are multipart events.
    assert_eq!(report["inputs"]["multipart_events"], 14);
    assert_eq!(report["inputs"]["lifecycle_events"], 1);
    for e in &own.expected {
        let verdicts: Vec<&Value> = report["failures"]
            .as_array()
            .into_iter()
            .chain(report["other_failures"].as_array())
            .flatten()
            .filter(|f| f["event_id"] == e.request_id.as_str())
            .collect();
        assert_eq!(verdicts.len(), 1, "{}", e.request_id);
        let f = verdicts[0];
        assert_eq!(
            f.get("cause").unwrap_or(&f["diagnosis"]),
            e.verdict,
            "{f:#}"
        );
        assert_eq!(f["provider"], "alibaba");
        let c = &f["culprit"];
        assert_eq!(c["rule_id"].as_str(), e.rule, "{f:#}");
        assert_eq!(c["eligible_at"].as_str(), e.eligible_at, "{f:#}");
        assert_eq!(
            c["created_before_date"].as_str(),
            e.created_before_date,
            "{f:#}"
        );
        assert_eq!(c["aborted_at"].as_str(), e.aborted_at, "{f:#}");
        if e.created_before_date.is_some() {
            assert!(c["days_after_initiation"].is_null());
        }
        if e.verdict == "parts_missing" {
            assert_eq!(f["error_code"], "FilePartNotExist");
            assert_eq!(f["details"]["missing_parts"], json!([2]));
        }
    }
}

#[test]
fn a_lifecycle_file_in_oss_xml_gives_the_rules_of_the_trail() {
    // The OSS XML of `backups` names the rule that will remove its incomplete upload, as the AWS
    // JSON does for the AWS twin.
    let with = analyze(&["oss/trail", "oss/sls"], oss_lifecycle());
    let without = analyze(&["oss/trail", "oss/sls"], Vec::new());
    let aws = analyze(&["trail"], aws_lifecycle());
    let rule = |r: &Value| -> Vec<Value> {
        r["orphans"]
            .as_array()
            .expect("orphans")
            .iter()
            .filter(|o| o["bucket"] == "backups")
            .map(|o| {
                json!([
                    o["key"],
                    o["lifecycle_rule"]["rule_id"],
                    o["lifecycle_rule"]["eligible_at"]
                ])
            })
            .collect()
    };
    assert_eq!(rule(&with), rule(&aws));
    assert_eq!(rule(&with)[0][1], "weekly-7d");
    assert!(rule(&without)[0][1].is_null());
}

#[test]
fn aws_and_oss_logs_read_together_stay_apart() {
    let aws = analyze(&["trail"], aws_lifecycle());
    let ours = analyze(&["oss/trail", "oss/sls"], oss_lifecycle());
    let mut args = aws_lifecycle();
    args.extend(oss_lifecycle());
    let both = analyze(&["trail", "oss/trail", "oss/sls"], args);
    // Equal bucket names (media-uploads, backups, …) on both clouds: nothing crosses over.
    for (provider, alone) in [("aws", &aws), ("alibaba", &ours)] {
        for list in ["failures", "other_failures", "orphans"] {
            let mine: Vec<&Value> = both[list]
                .as_array()
                .expect("a list")
                .iter()
                .filter(|f| f["provider"] == provider)
                .collect();
            let expected: Vec<&Value> = alone[list].as_array().expect("a list").iter().collect();
            let strip = |v: Vec<&Value>| -> Vec<Value> {
                v.into_iter()
                    .map(|f| {
                        let mut f = f.clone();
                        f.as_object_mut().map(|o| o.remove("incident"));
                        f
                    })
                    .collect()
            };
            assert_eq!(strip(mine), strip(expected), "{provider} {list}");
        }
    }
    // Incidents never mix the clouds.
    for i in both["incidents"].as_array().expect("incidents") {
        assert!(i["provider"] == "aws" || i["provider"] == "alibaba");
    }
    assert_eq!(
        both["summary"]["failures"].as_u64(),
        Some(
            aws["summary"]["failures"].as_u64().unwrap_or(0)
                + ours["summary"]["failures"].as_u64().unwrap_or(0)
        )
    );
}

#[test]
fn hostile_oss_lines_are_named_with_their_file_and_line() {
    let env = TestEnv::new();
    let good = std::fs::read_to_string(
        std::fs::read_dir(repo().join("fixtures/oss/own/access-logs"))
            .expect("the fixture")
            .next()
            .expect("a file")
            .expect("an entry")
            .path(),
    )
    .expect("text");
    let good = good.lines().next().expect("a line");
    let request = |line: &str, n: u32| {
        let id = line.split('"').nth(9).unwrap_or_default().to_owned();
        line.replace(&id, &format!("{n:024X}"))
    };
    let quoted = good.replace(
        "\"renders%2Fshot-42.exr\"",
        "\"renders/\"quoted\"\\x1b[31m.exr\"",
    );
    let short = "- - - [07/Nov/2026:00:30:00 +0800] \"GET / HTTP/1.1\" 200 0 1 \"-\" \"-\"";
    let offset = good.replace("-0500]", "+9999]");
    let huge = format!("{} \"{}\"", good, "x".repeat(3 << 20));
    let (quoted, offset, huge) = (request(&quoted, 2), request(&offset, 4), request(&huge, 5));
    let text = format!("{good}\n{quoted}\n{short}\n{offset}\n{huge}\n");
    let path = env.write("oss-media2026-11-07-09-00-00-0001", text);
    let report = analyze_json(std::slice::from_ref(&path));
    assert_reconciled(&report);
    let problems = problems(&report);
    for (line, why) in [(3, "field"), (4, "time")] {
        assert!(
            problems.iter().any(|p| p.starts_with(&path)
                && p.contains(&format!("line {line}"))
                && p.contains(why)),
            "line {line}: {problems:#?}"
        );
    }
    // The line with quotes inside a field and the huge line are read; nothing is lost silently.
    let read = report["inputs"]["multipart_events"].as_u64().unwrap_or(0)
        + report["inputs"]["invalid_records"].as_u64().unwrap_or(0);
    assert_eq!(read, 5, "{:#}", report["inputs"]);
    let mut args = vec![
        "analyze".to_owned(),
        path,
        "--format".into(),
        "table".into(),
    ];
    args.push("--no-progress".into());
    let table = run(&args);
    assert!(
        !table.stdout.contains('\u{1b}'),
        "a terminal escape went through"
    );
}

#[test]
fn oss_answers_do_not_depend_on_threads_or_file_order() {
    let mut files = Vec::new();
    for dir in ["oss/trail", "oss/sls", "oss/access-logs"] {
        synth::layout::files_under(&repo().join("fixtures").join(dir), &mut files);
    }
    let answer = |files: &[String], threads: &str| {
        let mut args = vec!["analyze".to_owned()];
        args.extend(files.iter().cloned());
        args.extend(oss_lifecycle());
        args.extend([
            "--format".into(),
            "json".into(),
            "--threads".into(),
            threads.into(),
        ]);
        let r = run(&args);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        r.stdout
    };
    files.sort();
    let one = answer(&files, "1");
    assert_eq!(answer(&files, "2"), one, "threads");
    let mut shuffled = files.clone();
    synth::layout::shuffle(&mut synth::rng::Rng::new(3), &mut shuffled);
    assert_eq!(answer(&shuffled, "2"), one, "file order");
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

#[test]
fn oss_sources_are_read_through_virtual_hosted_addressing() {
    let env = TestEnv::new();
    let bucket = env.path().join("trail-bucket");
    // The ActionTrail delivery under a prefix, and the Log Service export beside it.
    synth::layout::copy_tree(&repo().join("fixtures/oss/trail"), &bucket.join("audit"));
    synth::layout::copy_tree(&repo().join("fixtures/oss/sls"), &bucket.join("sls"));
    let server = S3Server::start(env.path());
    let vars = server.oss_user_env(env.path());
    let analyze_oss = |extra: &[&str]| {
        let mut args = vec![
            "analyze".to_owned(),
            "oss://trail-bucket/audit".into(),
            "oss://trail-bucket/sls".into(),
            "--endpoint-url".into(),
            server.virtual_url(),
            "--region".into(),
            "cn-hangzhou".into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(oss_lifecycle());
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        run_env(&args, &vars)
    };
    server.clear();
    let r = analyze_oss(&[]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let from_oss: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let local = analyze(&["oss/trail", "oss/sls"], oss_lifecycle());
    for part in ["summary", "failures", "other_failures", "orphans"] {
        assert_eq!(unplaced(&from_oss[part]), unplaced(&local[part]), "{part}");
    }
    // Every request named the bucket in its host, none in its path.
    let received = server.received();
    assert!(!received.is_empty());
    for req in &received {
        assert!(
            req.host.starts_with("trail-bucket.localhost:"),
            "{}",
            req.host
        );
        assert!(!req.path.starts_with("/trail-bucket"), "{}", req.path);
    }
    // A window prunes the ActionTrail layout by day: days outside it are not fetched.
    server.clear();
    let r = analyze_oss(&["--since", "2026-11-10", "--until", "2026-11-11"]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let fetched: Vec<String> = server
        .received()
        .into_iter()
        .filter(|q| q.method == "GET" && q.path.contains("/Actiontrail/"))
        .map(|q| q.path)
        .collect();
    assert!(!fetched.is_empty());
    for path in &fetched {
        let day = path
            .split("/2026/11/")
            .nth(1)
            .and_then(|d| d.get(..2))
            .unwrap_or_default();
        assert!(("09"..="12").contains(&day), "{path} is outside the window");
    }
}
