//! Helpers: a temporary folder, the binary, and its output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The root of the repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> String {
    repo().join("fixtures").join(rel).display().to_string()
}

/// The arguments that give the trail fixture its lifecycle file.
pub fn trail_args() -> Vec<String> {
    vec![
        fixture("trail"),
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

/// What a run of the binary produced.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        assert_eq!(self.status, Some(0), "the run failed:\n{}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

fn finish(out: Output) -> Run {
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `uploadtrail ARGS`.
pub fn run<S: AsRef<str>>(args: &[S]) -> Run {
    run_with_stdin(args, None)
}

/// Runs `uploadtrail ARGS` with `stdin` piped in.
pub fn run_with_stdin<S: AsRef<str>>(args: &[S], stdin: Option<&[u8]>) -> Run {
    run_full(args, stdin, &[])
}

/// Runs `uploadtrail ARGS` with extra environment variables.
pub fn run_env<S: AsRef<str>>(args: &[S], env: &[(String, String)]) -> Run {
    run_full(args, None, env)
}

fn run_full<S: AsRef<str>>(args: &[S], stdin: Option<&[u8]>, env: &[(String, String)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uploadtrail"));
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd.args(args.iter().map(AsRef::as_ref))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("writing stdin");
    }
    finish(child.wait_with_output().expect("the binary runs"))
}

/// `uploadtrail analyze ARGS --format json`, parsed.
pub fn analyze_json<S: AsRef<str>>(args: &[S]) -> Value {
    let mut all = vec!["analyze".to_owned()];
    all.extend(args.iter().map(|a| a.as_ref().to_owned()));
    all.extend(["--format".to_owned(), "json".to_owned()]);
    run(&all).json()
}

/// A temporary folder that is removed at the end of the test.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) and returns its path as a string.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("creating folders");
        std::fs::write(&path, bytes).expect("writing a file");
        path.display().to_string()
    }
}

/// The failures of a report, by event ID.
pub fn failure<'a>(report: &'a Value, event_id: &str) -> &'a Value {
    report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .find(|f| f["event_id"] == event_id)
        .unwrap_or_else(|| panic!("no failure with event ID {event_id}"))
}

/// `inputs.problems[].error` of a report.
pub fn problems(report: &Value) -> Vec<String> {
    report["inputs"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["origin"].as_str().unwrap_or(""),
                p["error"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Checks that the counts of `inputs` add up.
pub fn assert_reconciled(report: &Value) {
    let i = &report["inputs"];
    let n = |k: &str| i[k].as_u64().unwrap_or_else(|| panic!("inputs.{k}"));
    let parts = [
        "duplicates",
        "multipart_events",
        "lifecycle_events",
        "other_records",
        "insight_records",
        "invalid_records",
        "outside_window",
        "context_events",
    ];
    let sum: u64 = parts.iter().map(|k| n(k)).sum();
    assert_eq!(n("records"), sum, "records != sum of {parts:?} in {i}");
}
