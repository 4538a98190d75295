//! The answer is the same, byte for byte, for any number of threads and any order of files.

use crate::synth::{
    layout::{files_under, shuffle},
    rng::Rng,
};
use crate::util::{fixture, repo, run, trail_args};

fn answer(extra: &[String]) -> String {
    answer_as("json", extra)
}

fn answer_as(format: &str, extra: &[String]) -> String {
    let mut args = vec!["analyze".to_owned()];
    args.extend(extra.iter().cloned());
    args.extend(["--format".into(), format.into()]);
    let run = run(&args);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    run.stdout
}

fn trail_files() -> Vec<String> {
    // CloudTrail and access logs of the same requests: which copy of a request is kept must not
    // depend on the order either.
    let mut files = Vec::new();
    files_under(&repo().join("fixtures/trail"), &mut files);
    files_under(&repo().join("fixtures/access-logs/s3"), &mut files);
    files.sort();
    files
}

#[test]
fn threads_do_not_change_the_answer() {
    let mut one = trail_args();
    one.extend(["--threads".into(), "1".into()]);
    let mut two = trail_args();
    two.extend(["--threads".into(), "2".into()]);
    for format in ["json", "table", "ndjson", "csv"] {
        let (a, b) = (answer_as(format, &one), answer_as(format, &two));
        assert!(a == b, "--threads 1 and --threads 2 differ ({format})");
    }
    // The answer holds every kind of finding whose order could depend on threads: incidents,
    // sweeps, races.
    let a = answer(&one);
    for needle in [
        "\"cause\": \"lifecycle\"",
        "\"abort_kind\": \"sweep\"",
        "\"cause\": \"superseded\"",
        "\"id\": \"I29\"",
    ] {
        assert!(a.contains(needle), "{needle}");
    }
}

#[test]
fn file_order_does_not_change_the_answer() {
    let lifecycle = [
        "--lifecycle".to_owned(),
        format!("backups={}", fixture("lifecycle/backups.json")),
    ];
    let mut files = trail_files();
    let sorted = answer(&[files.clone(), lifecycle.to_vec()].concat());
    for seed in 1..=3 {
        shuffle(&mut Rng::new(seed), &mut files);
        for threads in ["1", "2"] {
            let args = [
                files.clone(),
                lifecycle.to_vec(),
                vec!["--threads".into(), threads.into()],
            ]
            .concat();
            assert!(
                answer(&args) == sorted,
                "shuffle {seed} with {threads} thread(s) changed the answer"
            );
        }
    }
}
