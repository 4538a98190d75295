//! `s3://` sources against a real S3-compatible server on 127.0.0.1 (`s3_server`): the same answer
//! as the same files on disk, listing pruned to the window and the accounts and regions asked for,
//! digests never fetched, faults survived, and `--fetch-lifecycle`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::s3_server::{self, Fault, S3Server};
use crate::synth;
use crate::synth::layout::copy_tree;
use crate::util::{Run, TestEnv, fixture, repo, run_env};

/// A server with three buckets: `trail-logs` (the fixture trail), `org-trail` (an organisation
/// trail under `trails/`) and `access-logs` (the fixture access logs).
pub(crate) struct World {
    pub(crate) env: TestEnv,
    pub(crate) server: S3Server,
}

impl World {
    pub(crate) fn new() -> World {
        let env = TestEnv::new();
        let root = env.path().join("s3");
        copy_tree(&repo().join("fixtures/trail"), &root.join("trail-logs"));
        copy_tree(
            &repo().join("fixtures/access-logs/s3"),
            &root.join("access-logs"),
        );
        synth::layout::write_all(&root.join("org-trail"), &synth::organisation_trail())
            .expect("writing the organisation trail");
        let server = S3Server::start(&root);
        World { env, server }
    }

    fn root(&self) -> PathBuf {
        self.env.path().join("s3")
    }

    /// The environment of a user of this server: its credentials, and nothing from this machine's
    /// AWS configuration.
    pub(crate) fn aws_env(&self) -> Vec<(String, String)> {
        self.server.user_env(self.env.path())
    }

    pub(crate) fn analyze(&self, args: &[&str]) -> Run {
        let mut all = vec!["analyze".to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all.extend(["--format".to_owned(), "json".to_owned()]);
        run_env(&all, &self.aws_env())
    }

    /// The JSON answer from `s3://BUCKET/…`, as text.
    pub(crate) fn answer(&self, args: &[&str]) -> String {
        let run = self.analyze(args);
        assert_eq!(run.status, Some(0), "{}", run.stderr);
        run.stdout
    }

    /// The JSON answer for the same files on disk, with their names written as S3 names them.
    fn local_answer(&self, bucket: &str, args: &[&str]) -> String {
        let folder = self.root().join(bucket);
        let mut all = vec![folder.display().to_string()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let answer = self.answer(&all.iter().map(String::as_str).collect::<Vec<_>>());
        answer.replace(
            &format!("{}/", folder.display()),
            &format!("s3://{bucket}/"),
        )
    }

    /// The JSON answer for `s3://bucket`, checked to be the answer for the same files on disk.
    fn answer_as_on_disk(&self, bucket: &str) -> Value {
        let remote = self.answer(&[&format!("s3://{bucket}")]);
        let local = self.local_answer(bucket, &[]);
        assert!(
            remote == local,
            "s3:// and disk differ:\n{remote}\n---\n{local}"
        );
        json(&remote)
    }

    /// A trail of `files` log files of one record each, in one day of one region of `bucket`.
    fn one_record_a_file(&self, bucket: &str, files: usize) {
        let day = self
            .root()
            .join(bucket)
            .join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/05");
        std::fs::create_dir_all(&day).expect("a folder");
        for i in 0..files {
            let (hour, minute) = (i / 60 % 24, i % 60);
            let document = format!(
                r#"{{"Records":[{{"eventVersion":"1.09","eventTime":"2026-11-05T{hour:02}:{minute:02}:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventID":"event-{i}","requestParameters":{{"bucketName":"media","key":"k{i}"}}}}]}}"#
            );
            let name = format!(
                "111122223333_CloudTrail_us-east-1_20261105T{hour:02}{minute:02}Z_{i:05}.json.gz"
            );
            std::fs::write(day.join(name), synth::layout::gzip(document.as_bytes()))
                .expect("writing a log file");
        }
    }

    /// Object keys of `bucket` fetched since the last `clear`.
    fn fetched(&self, bucket: &str) -> BTreeSet<String> {
        self.server.fetched(&format!("/{bucket}/"))
    }

    /// Keys of the files under `bucket/prefix` on disk.
    pub(crate) fn keys(&self, bucket: &str, prefix: &str) -> BTreeSet<String> {
        let base = self.root().join(bucket);
        let mut files = Vec::new();
        s3_server::walk(&base, &base, &mut files);
        files
            .into_iter()
            .map(|(key, ..)| key)
            .filter(|key| key.starts_with(prefix))
            .collect()
    }
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON answer")
}

fn lifecycle_args() -> Vec<String> {
    vec![
        "--lifecycle".into(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ]
}

fn with<'a>(first: &'a str, rest: &'a [String]) -> Vec<&'a str> {
    std::iter::once(first)
        .chain(rest.iter().map(String::as_str))
        .collect()
}

#[test]
fn the_answer_from_s3_is_the_answer_from_disk() {
    let w = World::new();
    let lifecycle = lifecycle_args();
    let lifecycle: Vec<&str> = lifecycle.iter().map(String::as_str).collect();

    let remote = w.answer(&with("s3://trail-logs", &lifecycle_args()));
    let local = w.local_answer("trail-logs", &lifecycle);
    assert!(
        remote == local,
        "s3:// and disk differ:\n{remote}\n---\n{local}"
    );
    let report = json(&remote);
    let story = crate::synth::scenarios::trail();
    assert_eq!(report["summary"]["failures"], story.expect.len());
    assert_eq!(report["inputs"]["digest_files"], 2);

    // An organisation trail, found from the bucket's root.
    let remote = w.answer(&["s3://org-trail"]);
    let local = w.local_answer("org-trail", &[]);
    assert!(
        remote == local,
        "s3:// and disk differ:\n{remote}\n---\n{local}"
    );
    assert_eq!(json(&remote)["inputs"]["digest_files"], 3);

    // Digests are counted from the listing, never fetched.
    assert!(
        w.fetched("trail-logs")
            .iter()
            .chain(&w.fetched("org-trail"))
            .all(|k| !k.contains("CloudTrail-Digest")),
        "a digest was fetched"
    );
}

#[test]
fn the_clients_region_is_listed_before_the_regions_are_known() {
    // The client is in us-east-1: that region is listed beside the listing that finds the
    // regions, not after its answer, so its objects come a round trip sooner. It is listed once.
    let w = World::new();
    let page = Duration::from_millis(400);
    w.server.set_latency(Duration::ZERO, page);
    let remote = w.answer(&["s3://trail-logs/AWSLogs/"]);
    assert!(remote == w.local_answer("trail-logs", &[]));
    let trail = "AWSLogs%2F111122223333%2FCloudTrail%2F";
    let listings: Vec<(String, Instant)> = w
        .server
        .received()
        .into_iter()
        .filter(|r| r.query.contains("list-type"))
        .filter_map(|r| {
            let prefix = r.query.split('&').find_map(|p| p.strip_prefix("prefix="))?;
            Some((prefix.strip_prefix(trail)?.to_owned(), r.at))
        })
        .collect();
    let when = |prefix: &str| {
        let mut at = listings
            .iter()
            .filter(|(p, _)| p == prefix)
            .map(|(_, at)| *at);
        let first = at
            .next()
            .unwrap_or_else(|| panic!("{prefix} not listed: {listings:?}"));
        assert!(at.next().is_none(), "{prefix} listed twice: {listings:?}");
        first
    };
    let (regions, home, other) = (when(""), when("us-east-1%2F"), when("eu-west-1%2F"));
    // A listing that waits for the regions starts a page's latency after them.
    assert!(other >= regions + page, "{listings:?}");
    assert!(home < regions + page, "{listings:?}");
}

#[test]
fn a_server_far_away_gives_the_same_answer_and_every_object_once() {
    // Real S3 answers a GET in tens of milliseconds: requests in flight then grow past the
    // first few. The answer and the objects fetched do not change.
    let w = World::new();
    w.server
        .set_latency(Duration::from_millis(20), Duration::from_millis(50));
    let remote = w.answer(&["s3://trail-logs", "--s3-requests", "64"]);
    let local = w.local_answer("trail-logs", &[]);
    assert!(remote == local, "s3:// at latency and disk differ");
    let gets: Vec<String> = w
        .server
        .received()
        .into_iter()
        .filter(|r| r.method == "GET" && !r.query.contains("list-type"))
        .map(|r| r.path)
        .collect();
    let distinct: BTreeSet<&String> = gets.iter().collect();
    assert_eq!(distinct.len(), gets.len(), "an object was fetched twice");
    assert!(!gets.is_empty());
}

#[test]
fn a_window_fetches_only_its_days_and_one_more() {
    let w = World::new();
    let mut window = vec!["--since", "2026-11-05", "--until", "2026-11-05"];
    let lifecycle = lifecycle_args();
    window.extend(lifecycle.iter().map(String::as_str));
    // Reading every file, and keeping the events of the window.
    let everything = json(&w.local_answer("trail-logs", &window));
    w.server.clear();
    let windowed = json(&w.answer(&[vec!["s3://trail-logs"], window.clone()].concat()));

    let wanted: BTreeSet<String> = w
        .keys("trail-logs", "AWSLogs/")
        .into_iter()
        .filter(|k| !k.contains("CloudTrail-Digest"))
        .filter(|k| k.contains("/2026/11/05/") || k.contains("/2026/11/06/"))
        .collect();
    assert!(!wanted.is_empty());
    assert_eq!(w.fetched("trail-logs"), wanted);

    // Nothing of the window is lost: the answer is the one from reading every file.
    assert!(windowed["summary"]["failures"].as_u64() > Some(0));
    for part in ["summary", "failures", "orphans", "notes"] {
        assert_eq!(windowed[part], everything[part], "{part}");
    }
    assert_eq!(
        windowed["inputs"]["multipart_events"],
        everything["inputs"]["multipart_events"]
    );
}

#[test]
fn accounts_and_regions_prune_an_organisation_trail() {
    let w = World::new();
    let report = json(&w.answer(&[
        "s3://org-trail/trails/",
        "--account",
        synth::SECOND_ACCOUNT,
        "--log-region",
        "us-east-1",
    ]));
    let prefix = format!(
        "trails/AWSLogs/{}/{}/CloudTrail/us-east-1/",
        synth::ORGANISATION,
        synth::SECOND_ACCOUNT
    );
    assert_eq!(w.fetched("org-trail"), w.keys("org-trail", &prefix));
    // The region asked for is listed without listing the regions first.
    let region_lists: Vec<String> = w
        .server
        .received()
        .into_iter()
        .filter(|r| r.query.contains("list-type") && r.query.contains("delimiter"))
        .map(|r| r.query)
        .filter(|q| q.contains("CloudTrail%2F&") || q.ends_with("CloudTrail%2F"))
        .collect();
    assert!(region_lists.is_empty(), "{region_lists:?}");
    // The short story of that account: one abort by a cleanup job, one failing part.
    assert_eq!(report["summary"]["failures"], 1);
    assert_eq!(report["failures"][0]["cause"], "aborted");
    assert_eq!(report["inputs"]["digest_files"], 1);
}

#[test]
fn a_region_of_many_pages_is_listed_and_read_whole() {
    // More objects in one region than S3 lists in a page (1,000): the listing follows its
    // continuation token, while the objects of the first page are already being fetched.
    let w = World::new();
    w.one_record_a_file("long-trail", 1_250);
    w.server.clear();
    let report = w.answer_as_on_disk("long-trail");
    assert_eq!(report["inputs"]["files"], 1_250);
    assert_eq!(report["inputs"]["records"], 1_250);
    assert_eq!(w.fetched("long-trail").len(), 1_250);
    let pages = w
        .server
        .received()
        .iter()
        .filter(|r| r.query.contains("list-type") && r.query.contains("continuation-token"))
        .count();
    assert_eq!(pages, 1, "the second page of the region");
}

#[test]
fn a_throttled_listing_is_asked_again() {
    // Six refusals in a row outlast the SDK's five attempts at the first listing: the listing is
    // sent again after a wait, and no day goes unread.
    let w = World::new();
    w.one_record_a_file("listed-trail", 20);
    let refusals = [Fault::Status(503, "SlowDown"); 6];
    w.server.fail("listed-trail", "", &refusals);
    w.answer_as_on_disk("listed-trail");
    let refused = w
        .server
        .received()
        .iter()
        .filter(|r| r.query.contains("list-type"))
        .count();
    assert!(refused > 6, "{refused} listings asked");
}

#[test]
fn a_store_that_throttles_long_loses_no_object() {
    // Two GETs answered at once: the requests in flight cannot go below two, so refusals go on
    // all run long, the SDK's retry quota runs out, and each refusal reaches the client's own
    // retries, which must outlast them.
    let w = World::new();
    w.one_record_a_file("jammed-trail", 200);
    w.server
        .set_latency(Duration::from_millis(20), Duration::ZERO);
    w.server.set_capacity(2);
    let report = w.answer_as_on_disk("jammed-trail");
    assert_eq!(report["inputs"]["files_failed"], 0);
}

#[test]
fn a_throttling_server_is_asked_less_often_not_given_up_on() {
    // S3 answers 503 SlowDown past a request rate per prefix, and a client that keeps every
    // request in flight retrying at once gets more of them, until its retries run out.
    let w = World::new();
    let files = 600;
    w.one_record_a_file("busy-trail", files);
    w.server
        .set_latency(Duration::from_millis(20), Duration::ZERO);
    w.server.set_capacity(8);
    let report = w.answer_as_on_disk("busy-trail");
    assert_eq!(report["inputs"]["files_failed"], 0);
    assert_eq!(report["inputs"]["records"], files);
    // The first requests meet the full capacity; after that the client sends no faster than
    // it is answered.
    let refused = w.server.refused();
    assert!(
        refused > 0,
        "the server never refused: the test measures nothing"
    );
    assert!(refused < files / 2, "{refused} of {files} GETs refused");
}

#[test]
fn faults_do_not_change_the_answer() {
    let w = World::new();
    let clean = w.answer(&with("s3://trail-logs", &lifecycle_args()));
    let keys: Vec<String> = w
        .keys("trail-logs", "AWSLogs/111122223333/CloudTrail/")
        .into_iter()
        .collect();
    let pick = |i: usize| keys[i * keys.len() / 6].clone();
    let faults = [
        (
            pick(0),
            vec![Fault::Slow(std::time::Duration::from_millis(1500))],
        ),
        (pick(1), vec![Fault::Status(503, "SlowDown"); 2]),
        (pick(2), vec![Fault::Status(500, "InternalError")]),
        (pick(3), vec![Fault::Drop]),
        (pick(4), vec![Fault::Cut, Fault::Cut]),
    ];
    for (key, list) in &faults {
        w.server.fail("trail-logs", key, list);
    }
    w.server.clear();
    let faulty = w.answer(&with("s3://trail-logs", &lifecycle_args()));
    assert!(faulty == clean, "faults changed the answer");
    // Each faulty object was asked for again until it came whole.
    let received = w.server.received();
    for (key, list) in &faults {
        let path = format!("/trail-logs/{key}");
        let gets = received.iter().filter(|r| r.path == path).count();
        let retried = list.iter().filter(|f| !matches!(f, Fault::Slow(_))).count();
        assert_eq!(gets, retried + 1, "{key}");
    }

    // An object that keeps failing is named, and the rest is answered.
    let broken = pick(5);
    w.server.fail(
        "trail-logs",
        &broken,
        &[Fault::Status(500, "InternalError"); 64],
    );
    let report = json(&w.answer(&with("s3://trail-logs", &lifecycle_args())));
    let problems = report["inputs"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["origin"], format!("s3://trail-logs/{broken}"));
    let error = problems[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("InternalError"), "{error}");
    assert_eq!(report["inputs"]["files_failed"], 1);
}

#[test]
fn fetch_lifecycle_reads_the_rules_of_buckets_without_history() {
    let w = World::new();
    w.server
        .set_lifecycle("backups", vec![("weekly-7d", "weekly/", true, 7)]);
    w.server
        .set_lifecycle("media-uploads", vec![("ignored", "", true, 1)]);
    let report = json(&w.answer(&["s3://trail-logs", "--fetch-lifecycle"]));
    // As with the --lifecycle file: the rule of `backups` is known, from S3 this time.
    let with_file = json(&w.answer(&with("s3://trail-logs", &lifecycle_args())));
    assert_eq!(report["summary"], with_file["summary"]);
    let orphan = report["orphans"]
        .as_array()
        .expect("orphans")
        .iter()
        .find(|o| o["bucket"] == "backups")
        .expect("the orphan of backups");
    assert_eq!(orphan["lifecycle_rule"]["rule_id"], "weekly-7d");
    assert_eq!(orphan["lifecycle_rule"]["rule_source"], "s3api");

    let notes: Vec<(String, String)> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["kind"] == "lifecycle_fetched")
        .map(|n| {
            (
                n["bucket"].as_str().unwrap_or_default().to_owned(),
                n["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let buckets: Vec<&str> = notes.iter().map(|(b, _)| b.as_str()).collect();
    // media-uploads and scratch have their history in the logs: not asked for.
    const ASKED: [&str; 8] = [
        "analytics-raw",
        "analytics-staging",
        "archive",
        "backups",
        "content-store",
        "datalake",
        "legacy-archive",
        "shared-uploads",
    ];
    assert_eq!(buckets, ASKED);
    assert!(
        notes[0].1.contains("no lifecycle configuration"),
        "{}",
        notes[0].1
    );
    assert!(notes[3].1.contains("1 rule(s)"), "{}", notes[3].1);
    let asked: BTreeSet<String> = w
        .server
        .received()
        .into_iter()
        .filter(|r| r.query.contains("lifecycle"))
        .map(|r| r.path)
        .collect();
    assert_eq!(asked, ASKED.map(|b| format!("/{b}/")).into());
}

#[test]
fn access_logs_are_read_from_s3_too() {
    let w = World::new();
    let cloudtrail = fixture("access-logs/cloudtrail");
    let mut args = vec!["s3://access-logs", cloudtrail.as_str()];
    let lifecycle = lifecycle_args();
    args.extend(lifecycle.iter().map(String::as_str));
    let remote = json(&w.answer(&args));
    let mut local_args = vec![fixture("access-logs")];
    local_args.extend(lifecycle_args());
    let local = crate::util::analyze_json(&local_args);
    assert_eq!(remote["summary"], local["summary"]);
    assert_eq!(
        remote["inputs"]["multipart_events"],
        local["inputs"]["multipart_events"]
    );
    let causes = |r: &Value| -> Vec<(String, String)> {
        r["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .map(|f| (f["request_id"].to_string(), f["cause"].to_string()))
            .collect()
    };
    assert_eq!(causes(&remote), causes(&local));
}
