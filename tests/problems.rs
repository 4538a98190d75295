//! Damaged and foreign inputs: each is named with its file and a plain reason, counted, and the
//! run goes on with every good record elsewhere.

use serde_json::json;

use crate::synth::{layout, scenarios};
use crate::util::{TestEnv, analyze_json, assert_reconciled, fixture, problems, run};

/// The trail's records as one big delivery document, so that damage leaves some records before it.
fn big_document() -> (Vec<u8>, usize) {
    let story = scenarios::trail();
    let refs: Vec<_> = story.records.iter().collect();
    (layout::records_document(&refs), refs.len())
}

fn good_file(env: &TestEnv) -> String {
    env.write(
        "good/records.json",
        std::fs::read(fixture("shapes/records.json")).expect("a fixture"),
    )
}

fn one_problem(report: &serde_json::Value, file: &str) -> String {
    let found: Vec<String> = problems(report)
        .into_iter()
        .filter(|p| p.contains(file))
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", problems(report));
    found[0].clone()
}

fn kept(problem: &str) -> u64 {
    // "...; the N records before ..."
    let words: Vec<&str> = problem.split_whitespace().collect();
    words
        .windows(3)
        .find(|w| w[0] == "the" && w[2] == "records")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or_else(|| panic!("no count in {problem:?}"))
}

#[test]
fn a_truncated_gzip_keeps_the_records_before_the_damage() {
    let env = TestEnv::new();
    let (doc, _) = big_document();
    let gz = layout::gzip(&doc);
    env.write("cut.json.gz", &gz[..gz.len() * 6 / 10]);
    good_file(&env);
    let report = analyze_json(&[env.path().display().to_string()]);
    let p = one_problem(&report, "cut.json.gz");
    assert!(
        p.contains("gzip data is truncated; the ")
            && p.ends_with("records before the damage were read"),
        "{p}"
    );
    let n = kept(&p);
    assert!(n > 50, "{p}");
    assert_eq!(report["inputs"]["records"], n + 7);
    assert_eq!(report["inputs"]["files_failed"], 1);
    assert_reconciled(&report);
}

#[test]
fn a_bad_checksum_is_named() {
    let env = TestEnv::new();
    let mut gz = layout::gzip(&std::fs::read(fixture("shapes/records.json")).expect("a fixture"));
    let n = gz.len();
    gz[n - 8] ^= 0x55;
    env.write("crc.json.gz", gz);
    good_file(&env);
    let report = analyze_json(&[env.path().display().to_string()]);
    let p = one_problem(&report, "crc.json.gz");
    assert!(p.contains("gzip data is corrupt"), "{p}");
    assert_eq!(report["inputs"]["files_failed"], 1);
    assert_reconciled(&report);
}

#[test]
fn truncated_and_broken_json_keep_the_records_before_the_damage() {
    let env = TestEnv::new();
    let (doc, _) = big_document();
    env.write("short.json", &doc[..doc.len() / 2]);
    // Brackets where a record expects its next key, a third of the way in.
    let mut garbled = doc.clone();
    let key = b"\"eventTime\"";
    let at = doc.len() / 3
        + doc[doc.len() / 3..]
            .windows(key.len())
            .position(|w| w == key)
            .expect("a record after a third of the document");
    garbled[at..at + 4].copy_from_slice(b"}}}}");
    env.write("garbled.json", garbled);
    let report = analyze_json(&[env.path().display().to_string()]);
    let short = one_problem(&report, "short.json");
    assert!(short.contains("the JSON is truncated; the "), "{short}");
    let garbled = one_problem(&report, "garbled.json");
    assert!(garbled.contains("invalid JSON at line 1 ("), "{garbled}");
    assert!(
        kept(&short) > 50 && kept(&garbled) > 30,
        "{short} / {garbled}"
    );
    assert_eq!(report["inputs"]["files_failed"], 2);
    assert_reconciled(&report);
}

#[test]
fn a_broken_ndjson_line_costs_only_that_line() {
    let env = TestEnv::new();
    let lines: Vec<String> = std::fs::read_to_string(fixture("shapes/ndjson.jsonl"))
        .expect("a fixture")
        .lines()
        .map(str::to_owned)
        .collect();
    for (name, broken) in [("second.jsonl", 1), ("first.jsonl", 0)] {
        let mut damaged = lines.clone();
        damaged[broken] = damaged[broken][..40].to_owned();
        env.write(name, damaged.join("\n"));
    }
    let report = analyze_json(&[env.path().display().to_string()]);
    let first = one_problem(&report, "first.jsonl");
    assert!(first.contains("line 1 is not valid JSON"), "{first}");
    let second = one_problem(&report, "second.jsonl");
    assert!(
        second.contains("line 2 is not valid JSON") && second.ends_with("the line was skipped"),
        "{second}"
    );
    assert_eq!(report["inputs"]["records"], 2 * (lines.len() - 1));
    assert_reconciled(&report);
}

#[test]
fn files_that_are_not_cloudtrail_say_what_they_are() {
    let env = TestEnv::new();
    env.write("notification.json", json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}).to_string());
    env.write(
        "other.json",
        json!([{"timestamp": 1, "level": "info", "msg": "hello"}]).to_string(),
    );
    env.write("notes.txt", "This folder holds the October logs.\n");
    env.write("empty.json", "");
    env.write(
        "bundle.json",
        layout::zip(&[layout::File {
            path: "a.json".into(),
            bytes: b"{}".to_vec(),
        }]),
    );
    env.write("utf16.json", [0xFF, 0xFE, b'{', 0]);
    good_file(&env);
    let report = analyze_json(&[env.path().display().to_string()]);
    for (file, reason) in [
        (
            "notification.json",
            "no CloudTrail records or access-log lines: the file holds 1 other entries (an event notification from aws:s3)",
        ),
        (
            "other.json",
            "no CloudTrail records or access-log lines: the file holds 1 other entries (an object with keys level, msg, timestamp)",
        ),
        (
            "notes.txt",
            "neither CloudTrail or ActionTrail JSON nor an S3 or OSS access log (it starts with \"This folder holds the Oc\")",
        ),
        ("empty.json", "the file is empty"),
        (
            "bundle.json",
            "a zip archive: give it a .zip name to have its members read",
        ),
        ("utf16.json", "UTF-16 text: CloudTrail files are UTF-8"),
    ] {
        let p = one_problem(&report, file);
        assert!(p.ends_with(reason), "{file}: {p}");
    }
    assert_eq!(report["inputs"]["records"], 7);
    assert_eq!(report["inputs"]["files_failed"], 5);
}

#[test]
fn missing_files_and_broken_links_are_named() {
    let env = TestEnv::new();
    let good = good_file(&env);
    std::os::unix::fs::symlink(
        env.path().join("nowhere.json"),
        env.path().join("good/dangling.json"),
    )
    .expect("a symlink");
    std::os::unix::fs::symlink(env.path().join("good"), env.path().join("good/loop"))
        .expect("a symlink");
    let missing = env.path().join("missing.json").display().to_string();
    let report = analyze_json(&[
        good.clone(),
        env.path().join("good").display().to_string(),
        missing,
    ]);
    let all = problems(&report).join("\n");
    assert!(
        all.contains("missing.json: cannot read: No such file or directory"),
        "{all}"
    );
    assert!(all.contains("dangling.json: broken symbolic link"), "{all}");
    assert!(
        all.contains("loop: folder already visited (a symbolic link loop?); skipped"),
        "{all}"
    );
    assert_eq!(report["inputs"]["records"], 14);
    assert_eq!(report["inputs"]["duplicates"], 7);
}

#[test]
fn records_that_cannot_be_used_are_named_and_counted() {
    let env = TestEnv::new();
    let small = scenarios::small();
    let mut records: Vec<serde_json::Value> =
        small.records.iter().map(|r| r.json.clone()).collect();
    records[1]
        .as_object_mut()
        .expect("an object")
        .remove("eventTime");
    records[2]["eventTime"] = json!("2026-13-45T99:00:00Z");
    records.push(json!(42));
    env.write("bad-records.json", json!({"Records": records}).to_string());
    let report = analyze_json(&[env.path().display().to_string()]);
    let all = problems(&report).join("\n");
    assert!(
        all.contains("record 2 (UploadPart): the record has no eventTime"),
        "{all}"
    );
    assert!(
        all.contains(
            "record 3 (UploadPart): eventTime \"2026-13-45T99:00:00Z\" is not a valid time"
        ),
        "{all}"
    );
    assert!(all.contains("record 8 is a number, not an object"), "{all}");
    assert_eq!(report["inputs"]["invalid_records"], 3);
    assert_eq!(report["inputs"]["records"], 8);
    assert_eq!(report["inputs"]["files_failed"], 0);
    assert_reconciled(&report);
}

#[test]
fn a_file_over_the_size_cap_is_refused_by_name() {
    let env = TestEnv::new();
    let (doc, _) = big_document();
    let big: Vec<u8> = doc.iter().copied().cycle().take(3 << 20).collect();
    env.write("huge.json", big);
    env.write("bomb.json.gz", layout::gzip(&vec![b' '; 3 << 20]));
    good_file(&env);
    let report = analyze_json(&[
        env.path().display().to_string(),
        "--max-decoded-mib".into(),
        "1".into(),
    ]);
    // Read as a stream up to the cap: the records within it are kept.
    let huge = one_problem(&report, "huge.json");
    assert!(
        huge.contains("the input goes on past the limit of 1 MiB (see --max-decoded-mib); the ")
            && huge.ends_with("records within the limit were read"),
        "{huge}"
    );
    assert!(kept(&huge) > 100, "{huge}");
    let bomb = one_problem(&report, "bomb.json.gz");
    assert!(bomb.contains("decompresses to more than 1 MiB"), "{bomb}");
    assert_eq!(report["inputs"]["records"], kept(&huge) + 7);
}

#[test]
fn strict_makes_any_problem_fatal() {
    let env = TestEnv::new();
    good_file(&env);
    env.write("empty.json", "");
    let run = run(&["analyze", &env.path().display().to_string(), "--strict"]);
    assert_eq!(run.status, Some(1));
    assert!(
        run.stderr.contains(
            "empty.json: the file is empty (--strict stops at the first problem; 1 in all)"
        ),
        "{}",
        run.stderr
    );
}
