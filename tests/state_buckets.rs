//! `--state` on buckets, against the in-process S3 server: a run fetches only what is new
//! (counted from the server's request log) and answers exactly as a full run; late delivery,
//! retention by `--since`, the lock and a killed run; S3 access logs and OSS.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::s3_server::{self, S3Server};
use crate::state::{copy_days, copy_some, day_of, ok, state_arg};
use crate::util::{Run, TestEnv, repo, run_env};

/// A server with one bucket, read as `source`.
struct Bucket {
    env: TestEnv,
    server: S3Server,
    name: &'static str,
    source: &'static str,
}

impl Bucket {
    /// The bucket `trail`, with the days of the fixture trail that `wanted` accepts.
    fn new(wanted: impl Fn(u32) -> bool) -> Bucket {
        Bucket::with("trail", "s3://trail/AWSLogs/", |root| {
            copy_days(root, wanted);
        })
    }

    /// The bucket `name`, filled by `fill`, read as `source`.
    fn with(name: &'static str, source: &'static str, fill: impl FnOnce(&Path)) -> Bucket {
        let env = TestEnv::new();
        fill(&env.path().join("s3").join(name));
        let server = S3Server::start(&env.path().join("s3"));
        Bucket {
            env,
            server,
            name,
            source,
        }
    }

    fn root(&self) -> PathBuf {
        self.env.path().join("s3").join(self.name)
    }

    /// The environment of a user of this server.
    fn aws_env(&self) -> Vec<(String, String)> {
        self.server.user_env(self.env.path())
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["analyze", self.source];
        all.extend(args);
        all.extend(["--format", "json", "--no-progress"]);
        run_env(&all, &self.aws_env())
    }

    /// Keys fetched (GET of an object) since the last `clear`.
    fn fetched(&self) -> BTreeSet<String> {
        self.server.fetched(&format!("/{}/", self.name))
    }
}

#[test]
fn a_bucket_read_again_fetches_only_new_objects_and_late_ones() {
    let bucket = Bucket::new(|d| d <= 6);
    let state = state_arg(&bucket.env);
    ok(&bucket.run(&["--state", &state]));

    // New days arrive, and a file delivered late into day 6, the last day read.
    let mut new = copy_days(&bucket.root(), |d| d > 6);
    let late_from = new
        .iter()
        .find(|k| k.contains("/CloudTrail/us-east-1/2026/11/07/"))
        .expect("a file of day 7")
        .clone();
    let late = late_from.replace("/2026/11/07/", "/2026/11/06/");
    fs::rename(bucket.root().join(&late_from), bucket.root().join(&late)).expect("moving");
    new.remove(&late_from);
    new.insert(late.clone());
    // Digest files are listed and counted, never fetched.
    new.retain(|k| !k.contains("CloudTrail-Digest"));

    bucket.server.clear();
    let second = ok(&bucket.run(&["--state", &state]));
    assert_eq!(bucket.fetched(), new, "exactly the new objects are fetched");
    let full = ok(&bucket.run(&[]));
    assert_eq!(second, full, "the second run answers as a full run");

    // Nothing new: nothing fetched, the same answer.
    bucket.server.clear();
    assert_eq!(ok(&bucket.run(&["--state", &state])), full);
    assert!(bucket.fetched().is_empty(), "{:?}", bucket.fetched());
}

#[test]
fn a_window_that_moves_drops_what_it_leaves_and_reads_again_what_it_cuts() {
    let bucket = Bucket::new(|_| true);
    let state = state_arg(&bucket.env);
    ok(&bucket.run(&["--state", &state, "--since", "2026-11-02"]));
    let keys_of_day = |day: &str| -> BTreeSet<String> {
        let mut files = Vec::new();
        s3_server::walk(&bucket.root(), &bucket.root(), &mut files);
        files
            .into_iter()
            .map(|(k, ..)| k)
            .filter(|k| k.contains(day) && k.contains("/CloudTrail/"))
            .collect()
    };

    bucket.server.clear();
    let moved = ok(&bucket.run(&["--state", &state, "--since", "2026-11-05T12:00"]));
    // Day 5 holds records before the new start: its objects are read again, and only they.
    assert_eq!(bucket.fetched(), keys_of_day("/2026/11/05/"));
    let full = ok(&bucket.run(&["--since", "2026-11-05T12:00"]));
    assert_eq!(moved, full, "the moved window answers as a full run");

    // Most of what the state holds leaves it: it is written again whole, into one file.
    let late = ["--since", "2026-11-10"];
    let moved = ok(&bucket.run(&[&["--state", &state][..], &late[..]].concat()));
    assert_eq!(moved, ok(&bucket.run(&late)));
    let current = fs::read_to_string(Path::new(&state).join("CURRENT")).expect("CURRENT");
    let files: Vec<String> = fs::read_dir(Path::new(&state).join(current.trim()))
        .expect("the generation")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with("events-"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");

    // An earlier start is refused: what it needs was dropped.
    let earlier = bucket.run(&["--state", &state, "--since", "2026-11-02"]);
    assert_eq!(earlier.status, Some(1), "{}", earlier.stderr);
    assert!(
        earlier
            .stderr
            .contains("an earlier start needs what it dropped"),
        "{}",
        earlier.stderr
    );
}

#[test]
fn a_killed_run_leaves_the_state_whole() {
    let bucket = Bucket::new(|d| d <= 4);
    let state = state_arg(&bucket.env);
    ok(&bucket.run(&["--state", &state]));
    let current = fs::read_to_string(Path::new(&state).join("CURRENT")).expect("CURRENT");

    // A slow run, killed while it reads.
    copy_days(&bucket.root(), |d| d > 4);
    bucket
        .server
        .set_latency(Duration::from_millis(50), Duration::from_millis(50));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_uploadtrail"))
        .args([
            "analyze",
            "s3://trail/AWSLogs/",
            "--state",
            &state,
            "--no-progress",
        ])
        .args(["--s3-requests", "1", "--output", "/dev/null"])
        .envs(bucket.aws_env())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(Duration::from_millis(1500));
    // While it runs, the state is locked: a second run refuses and says why.
    let second = bucket.run(&["--state", &state]);
    assert_eq!(second.status, Some(1), "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("another uploadtrail run is using it"),
        "{}",
        second.stderr
    );
    child.kill().expect("killing the run");
    let _ = child.wait();
    assert_eq!(
        fs::read_to_string(Path::new(&state).join("CURRENT")).expect("CURRENT"),
        current,
        "the state is the one before"
    );
    // What a run killed while writing leaves behind: a temporary folder.
    fs::create_dir_all(Path::new(&state).join("tmp-1-1")).expect("a folder");
    fs::write(Path::new(&state).join("tmp-1-1/manifest.json"), "{").expect("a file");

    bucket
        .server
        .set_latency(Duration::from_millis(0), Duration::from_millis(0));
    assert_eq!(ok(&bucket.run(&["--state", &state])), ok(&bucket.run(&[])));
    assert!(!Path::new(&state).join("tmp-1-1").exists(), "cleaned up");
}

#[test]
fn access_logs_in_a_bucket_are_listed_from_where_the_last_run_stopped() {
    let source = repo().join("fixtures/access-logs/s3/media-uploads");
    let day = |key: &str| {
        key.get(8..10)
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let bucket = Bucket::with("access-logs", "s3://access-logs/", |root| {
        copy_some(&source, root, |_, k| day(k) <= 6);
    });
    let state = state_arg(&bucket.env);
    ok(&bucket.run(&["--state", &state]));
    let new = copy_some(&source, &bucket.root(), |_, k| day(k) > 6);
    bucket.server.clear();
    let second = ok(&bucket.run(&["--state", &state]));
    assert_eq!(bucket.fetched(), new);
    assert_eq!(second, ok(&bucket.run(&[])));
}

#[test]
fn an_oss_bucket_read_again_fetches_only_new_objects() {
    // ActionTrail's delivery layout in an OSS bucket, through virtual-hosted addressing.
    let env = TestEnv::new();
    let trail = repo().join("fixtures/oss/trail");
    let root = env.path().join("trail-bucket/audit");
    copy_some(&trail, &root, |_, k| day_of(k) <= 6);
    let server = S3Server::start(env.path());
    let state = state_arg(&env);
    let vars = server.oss_user_env(env.path());
    let endpoint = server.virtual_url();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "analyze",
            "oss://trail-bucket/audit",
            "--endpoint-url",
            &endpoint,
        ];
        args.extend([
            "--region",
            "cn-hangzhou",
            "--format",
            "json",
            "--no-progress",
        ]);
        args.extend(extra);
        ok(&run_env(&args, &vars))
    };
    run(&["--state", &state]);
    let new: BTreeSet<String> = copy_some(&trail, &root, |_, k| day_of(k) > 6)
        .into_iter()
        .map(|key| format!("audit/{key}"))
        .collect();
    server.clear();
    let second = run(&["--state", &state]);
    // Virtual-hosted requests name the bucket in their host, not their path.
    assert_eq!(
        server.fetched("/"),
        new,
        "exactly the new objects are fetched"
    );
    assert_eq!(second, run(&[]));
}
