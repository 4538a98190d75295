//! Alibaba Cloud OSS on its own terms: the stories only OSS can tell (CreatedBeforeDate, `<Not>`
//! exemptions, misspelled event names, FilePartNotExist) are answered right, a lifecycle file in
//! OSS's XML gives the trail's rules, AWS and OSS logs read together stay apart, hostile OSS lines
//! are named, the answers do not depend on threads or file order, and `oss://` reads through
//! virtual-hosted addressing.

use serde_json::{Value, json};

use crate::oss::{analyze, aws_lifecycle, oss_lifecycle, unplaced};
use crate::s3_server::S3Server;
use crate::synth::{self, oss};
use crate::util::{TestEnv, analyze_json, assert_reconciled, problems, repo, run, run_env};

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
