//! `--state` on folders: a run reads only what is new (proved by old files changed behind the
//! state's back) and answers exactly as a full run; `--new-only`, `--exit-code`, exports, what
//! cannot be read, and every refusal. Buckets: `state_buckets`.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::s3_server;
use crate::util::{Run, TestEnv, repo, run};

/// The day a fixture file belongs to (`…/2026/11/DD/…`).
pub(crate) fn day_of(path: &str) -> u32 {
    path.split("/2026/11/")
        .nth(1)
        .and_then(|rest| rest.get(..2))
        .and_then(|d| d.parse().ok())
        .expect("a day in the path")
}

/// Copies the files of the fixture trail whose day `wanted` accepts to `to`, keeping their
/// paths under `AWSLogs/`; returns their keys.
pub(crate) fn copy_days(to: &Path, wanted: impl Fn(u32) -> bool) -> BTreeSet<String> {
    let base = repo().join("fixtures/trail");
    let mut files = Vec::new();
    s3_server::walk(&base, &base, &mut files);
    let mut copied = BTreeSet::new();
    for (key, ..) in files {
        let target = to.join(&key);
        if wanted(day_of(&key)) && !target.exists() {
            fs::create_dir_all(target.parent().expect("a folder")).expect("a folder");
            fs::copy(base.join(&key), &target).expect("copying a file");
            copied.insert(key);
        }
    }
    copied
}

pub(crate) fn analyze(args: &[&str]) -> Run {
    let mut all = vec!["analyze"];
    all.extend(args);
    all.extend(["--format", "json", "--no-progress"]);
    run(&all)
}

pub(crate) fn ok(run: &Run) -> String {
    assert_eq!(run.status, Some(0), "the run failed:\n{}", run.stderr);
    run.stdout.clone()
}

pub(crate) fn state_arg(env: &TestEnv) -> String {
    env.path().join("state").display().to_string()
}

#[test]
fn a_folder_read_again_reads_only_new_and_changed_files() {
    let env = TestEnv::new();
    let trail = env.path().join("trail");
    copy_days(&trail, |d| d <= 6);
    let (logs, state) = (trail.display().to_string(), state_arg(&env));
    ok(&analyze(&[&logs, "--state", &state]));

    copy_days(&trail, |d| d > 6);
    let second = ok(&analyze(&[&logs, "--state", &state]));
    let full = ok(&analyze(&[&logs]));
    assert_eq!(second, full, "the second run answers as a full run");

    // An old file overwritten with noise, its size and time kept: the state does not read it
    // again, so its answer stays the full run's; a full run now reads the noise.
    let mut files = Vec::new();
    s3_server::walk(&trail, &trail, &mut files);
    let (key, _, modified) = files
        .iter()
        .find(|(k, ..)| k.contains("/CloudTrail/") && day_of(k) == 2)
        .expect("a file of day 2");
    let path = trail.join(key);
    let size = fs::metadata(&path).expect("the file").len() as usize;
    fs::write(&path, vec![b'x'; size]).expect("overwriting");
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(*modified))
        .expect("keeping its time");
    assert_eq!(ok(&analyze(&[&logs, "--state", &state])), full);
    let noisy = ok(&analyze(&[&logs]));
    assert_ne!(noisy, full, "a full run reads the noise");

    // Touched, the file counts as changed: read again, the answer is the full run's again.
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .expect("touching");
    assert_eq!(ok(&analyze(&[&logs, "--state", &state])), noisy);

    // A file removed leaves the state with it.
    fs::remove_file(&path).expect("removing");
    assert_eq!(
        ok(&analyze(&[&logs, "--state", &state])),
        ok(&analyze(&[&logs]))
    );
}

fn failure_ids(report: &Value) -> BTreeSet<String> {
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|f| {
                f["event_id"]
                    .as_str()
                    .or(f["request_id"].as_str())
                    .expect("an ID")
                    .to_owned()
            })
            .collect()
    };
    let mut all: BTreeSet<String> = ids(&report["failures"]).into_iter().collect();
    all.extend(ids(&report["other_failures"]));
    all
}

#[test]
fn new_only_reports_what_is_new_and_exit_code_says_whether_anything_is() {
    let env = TestEnv::new();
    let trail = env.path().join("trail");
    copy_days(&trail, |d| d <= 6);
    let (logs, state) = (trail.display().to_string(), state_arg(&env));
    let watch = [&logs, "--state", &state, "--new-only", "--exit-code"];

    let first = analyze(&watch);
    assert_eq!(
        first.status,
        Some(3),
        "failures found: exit 3\n{}",
        first.stderr
    );
    let first: Value = serde_json::from_str(&first.stdout).expect("JSON");
    let first_ids = failure_ids(&first);
    assert!(!first_ids.is_empty());

    copy_days(&trail, |d| d > 6);
    let second = analyze(&watch);
    assert_eq!(second.status, Some(3), "{}", second.stderr);
    let second: Value = serde_json::from_str(&second.stdout).expect("JSON");
    let full: Value = serde_json::from_str(&ok(&analyze(&[&logs]))).expect("JSON");
    let expected: BTreeSet<String> = failure_ids(&full).difference(&first_ids).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(
        failure_ids(&second),
        expected,
        "only what the first run did not report"
    );
    assert_eq!(
        second["summary"]["failures"].as_u64(),
        second["failures"].as_array().map(|a| a.len() as u64)
    );
    assert_eq!(
        second["inputs"], full["inputs"],
        "inputs count what was read"
    );

    // Nothing new: an empty report and exit 0.
    let third = analyze(&watch);
    assert_eq!(third.status, Some(0), "{}", third.stderr);
    let third: Value = serde_json::from_str(&third.stdout).expect("JSON");
    assert!(failure_ids(&third).is_empty());
    // A note says what was left out, and the table does not say that nothing failed.
    let note = third["notes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["kind"] == "new_only"))
        .expect("a new_only note");
    let all = full["summary"]["failures"].as_u64().expect("a count");
    assert!(
        note["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("{all} failure(s)"))),
        "{note}"
    );
    let table = run(&[
        "analyze",
        &logs,
        "--state",
        &state,
        "--new-only",
        "--format",
        "table",
    ]);
    assert!(
        table.stdout.contains("that the last run did not report"),
        "{}",
        table.stdout
    );

    // Without --new-only, --exit-code still says 3: the report holds failures.
    assert_eq!(
        analyze(&[&logs, "--state", &state, "--exit-code"]).status,
        Some(3)
    );
    assert_eq!(analyze(&[&logs, "--exit-code"]).status, Some(3));
    // --new-only without a state is a usage error.
    assert_eq!(analyze(&[&logs, "--new-only"]).status, Some(2));
}

#[test]
fn a_state_for_another_run_or_damaged_is_refused_with_the_reason() {
    let env = TestEnv::new();
    let trail = env.path().join("trail");
    copy_days(&trail, |d| d <= 3);
    let (logs, state) = (trail.display().to_string(), state_arg(&env));
    ok(&analyze(&[&logs, "--state", &state]));
    let refused = |args: &[&str], why: &str| {
        let run = analyze(args);
        assert_eq!(run.status, Some(1), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--state"), "{}", run.stderr);
    };
    let other = env.path().join("other").display().to_string();
    fs::create_dir_all(&other).expect("a folder");
    refused(&[&logs, &other, "--state", &state], "different sources");
    refused(
        &[&logs, "--state", &state, "--until", "2026-11-30"],
        "different --until",
    );
    refused(
        &[&logs, "--state", &state, "--max-decoded-mib", "5"],
        "different --max-decoded-mib",
    );
    // A lifecycle file changes the analysis, not what is read: the state still serves.
    let lifecycle = format!(
        "backups={}",
        repo().join("fixtures/lifecycle/backups.json").display()
    );
    assert_eq!(
        ok(&analyze(&[
            &logs,
            "--state",
            &state,
            "--lifecycle",
            &lifecycle
        ])),
        ok(&analyze(&[&logs, "--lifecycle", &lifecycle]))
    );

    let current = fs::read_to_string(Path::new(&state).join("CURRENT")).expect("CURRENT");
    let generation = Path::new(&state).join(current.trim());
    let manifest = generation.join("manifest.json");
    let text = fs::read_to_string(&manifest).expect("the manifest");
    fs::write(
        &manifest,
        text.replace("\"version\":\"", "\"version\":\"0.0.0-"),
    )
    .expect("editing");
    refused(&[&logs, "--state", &state], "not by this version");
    fs::write(&manifest, &text[..text.len() / 2]).expect("cutting");
    refused(&[&logs, "--state", &state], "manifest.json: corrupt");
    fs::write(&manifest, &text).expect("restoring");
    let fingerprints = generation.join("fingerprints-1.bin");
    let bytes = fs::read(&fingerprints).expect("the fingerprints");
    fs::write(&fingerprints, &bytes[..bytes.len() / 2]).expect("cutting");
    refused(&[&logs, "--state", &state], "fingerprints-1.bin: corrupt");
    fs::write(&fingerprints, &bytes).expect("restoring");
    fs::write(
        generation.join("events-1.parquet"),
        b"PAR1 not parquet PAR1",
    )
    .expect("spoiling");
    refused(&[&logs, "--state", &state], "events-1.parquet: corrupt");

    // Standard input cannot be followed; a state with --all-records is refused.
    assert_eq!(analyze(&["-", "--state", &state]).status, Some(2));
    let out = env.path().join("out").display().to_string();
    let export = run(&[
        "export",
        &logs,
        "--out",
        &out,
        "--all-records",
        "--state",
        &state,
    ]);
    assert_eq!(export.status, Some(2), "{}", export.stderr);
}

/// Copies the files under `from` that `wanted` accepts (by their path under it) to `to`.
pub(crate) fn copy_some(
    from: &Path,
    to: &Path,
    wanted: impl Fn(usize, &str) -> bool,
) -> BTreeSet<String> {
    let mut files = Vec::new();
    s3_server::walk(from, from, &mut files);
    files.sort();
    let mut copied = BTreeSet::new();
    for (i, (key, ..)) in files.into_iter().enumerate() {
        let target = to.join(&key);
        if wanted(i, &key) && !target.exists() {
            fs::create_dir_all(target.parent().expect("a folder")).expect("a folder");
            fs::copy(from.join(&key), &target).expect("copying a file");
            copied.insert(key);
        }
    }
    copied
}

#[test]
fn oss_logs_read_in_two_runs_give_the_answer_of_one() {
    // ActionTrail and the OSS access logs of the same requests, every other file first: a
    // request seen in both logs is counted once across the two runs, as in one.
    let env = TestEnv::new();
    let logs = env.path().join("oss");
    let state = state_arg(&env);
    let args = |logs: &Path| {
        [
            logs.join("trail").display().to_string(),
            logs.join("access-logs").display().to_string(),
        ]
    };
    for part in ["trail", "access-logs"] {
        copy_some(
            &repo().join("fixtures/oss").join(part),
            &logs.join(part),
            |i, _| i % 2 == 0,
        );
    }
    let [trail, access] = args(&logs);
    ok(&analyze(&[&trail, &access, "--state", &state]));
    for part in ["trail", "access-logs"] {
        copy_some(
            &repo().join("fixtures/oss").join(part),
            &logs.join(part),
            |_, _| true,
        );
    }
    let second = ok(&analyze(&[&trail, &access, "--state", &state]));
    assert_eq!(second, ok(&analyze(&[&trail, &access])));
}

#[test]
fn an_export_with_a_state_writes_what_a_full_export_writes() {
    let env = TestEnv::new();
    let trail = env.path().join("trail");
    copy_days(&trail, |d| d <= 6);
    let (logs, state) = (trail.display().to_string(), state_arg(&env));
    let out = |name: &str| env.path().join(name).display().to_string();
    let export = |args: &[&str]| {
        let run = run(&[&["export", logs.as_str(), "--no-progress"][..], args].concat());
        assert_eq!(run.status, Some(0), "{}", run.stderr);
    };
    export(&["--out", &out("first"), "--state", &state]);
    copy_days(&trail, |d| d > 6);
    export(&["--out", &out("with-state"), "--state", &state]);
    export(&["--out", &out("full")]);
    // The events written read back to the same answer.
    let answer = |folder: &str| ok(&analyze(&[&format!("{}/events.parquet", out(folder))]));
    assert_eq!(answer("with-state"), answer("full"));
    for table in ["uploads", "failures", "other_failures", "incidents"] {
        let bytes =
            |folder: &str| fs::read(format!("{}/{table}.parquet", out(folder))).expect("the table");
        assert!(
            bytes("with-state") == bytes("full"),
            "{table}.parquet differs"
        );
    }
}

#[test]
fn what_cannot_be_read_of_a_kept_file_is_kept_with_it() {
    // A bundle with a member over the limit, and a file that is not a regular file: each a
    // problem a full run reports every time, so the state keeps it with its file.
    let env = TestEnv::new();
    let trail = env.path().join("trail");
    copy_days(&trail, |d| d <= 3);
    let big = crate::synth::layout::File {
        path: "big.json".into(),
        bytes: vec![b' '; 2 << 20],
    };
    let good = crate::synth::layout::File {
        path: "good.json".into(),
        bytes: br#"{"Records": []}"#.to_vec(),
    };
    fs::write(
        trail.join("with-big-member.tar"),
        crate::synth::layout::tar(&[big, good]),
    )
    .expect("a bundle");
    let socket = trail.join("a.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("a socket");
    let (logs, state) = (trail.display().to_string(), state_arg(&env));
    let limited = ["--max-decoded-mib", "1"];
    let first = ok(&analyze(
        &[&[logs.as_str(), "--state", &state][..], &limited[..]].concat(),
    ));
    assert!(first.contains("larger than the limit") && first.contains("not a regular file"));
    copy_days(&trail, |d| d > 3);
    let second = ok(&analyze(
        &[&[logs.as_str(), "--state", &state][..], &limited[..]].concat(),
    ));
    assert_eq!(
        second,
        ok(&analyze(&[&[logs.as_str()][..], &limited[..]].concat()))
    );
}
