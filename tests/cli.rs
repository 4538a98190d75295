//! The command line: help, exit codes, errors that name what is wrong, the time window.

use crate::util::{analyze_json, run, trail_args};

#[test]
fn help_shows_examples_and_exit_codes() {
    let run = run(&["analyze", "--help"]);
    assert_eq!(run.status, Some(0));
    for needle in [
        "Examples:",
        "Exit status:",
        "--lifecycle <BUCKET=PATH>",
        "--format <FORMAT>",
        "--since <TIME>",
    ] {
        assert!(
            run.stdout.contains(needle),
            "missing {needle:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_wrong_command_line_exits_2() {
    for args in [
        vec!["analyze"],
        vec!["analyze", "x", "--format", "xml"],
        vec!["analyze", "x", "--threads", "0"],
        vec!["analyze", "x", "--since", "last tuesday"],
        vec!["analyze", "x", "--lifecycle", "no-equals-sign"],
    ] {
        let run = run(&args);
        assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
    }
}

#[test]
fn nothing_readable_is_an_error_that_names_the_file() {
    let run = run(&["analyze", "/nonexistent/AWSLogs"]);
    assert_eq!(run.status, Some(1));
    assert!(run.stderr.contains("no input could be read (1 problem(s); the first: /nonexistent/AWSLogs: cannot read: No such file or directory)"), "{}", run.stderr);
}

#[test]
fn sources_without_files_are_an_error_that_names_them() {
    let env = crate::util::TestEnv::new();
    std::fs::create_dir(env.path().join("empty")).expect("a folder");
    let empty = env.path().join("empty").display().to_string();
    let run = run(&["analyze", &empty]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("no files to read in {empty}")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_lifecycle_file_is_an_error() {
    let mut args = vec!["analyze".to_owned()];
    args.extend(trail_args());
    args.push("--lifecycle".into());
    args.push(format!(
        "media={}",
        crate::util::fixture("shapes/records.json")
    ));
    let run = run(&args);
    assert_eq!(run.status, Some(1));
    assert!(run.stderr.contains("--lifecycle media="), "{}", run.stderr);
}

#[test]
fn the_window_limits_the_failures_and_counts_what_it_leaves_out() {
    let mut args = trail_args();
    args.extend([
        "--since".into(),
        "2026-11-05".into(),
        "--until".into(),
        "2026-11-06".into(),
    ]);
    let report = analyze_json(&args);
    let failures = report["failures"].as_array().expect("failures");
    assert!(!failures.is_empty());
    for f in failures {
        let t = f["event_time"].as_str().unwrap_or_default();
        assert!(
            t.starts_with("2026-11-05") || t.starts_with("2026-11-06"),
            "{t}"
        );
    }
    assert!(report["inputs"]["outside_window"].as_u64().unwrap_or(0) > 0);
    crate::util::assert_reconciled(&report);
}

#[test]
fn a_window_past_the_logs_says_so_instead_of_blaming_the_trail() {
    let mut args = trail_args();
    args.extend(["--since".into(), "2027-01-01".into()]);
    let report = analyze_json(&args);
    let notes = report["notes"].as_array().expect("notes");
    let kinds: Vec<&str> = notes.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert!(kinds.contains(&"window_excludes_all"), "{kinds:?}");
    assert!(!kinds.contains(&"no_data_events_at_all"), "{kinds:?}");
    let outside = report["inputs"]["outside_window"].as_u64().unwrap_or(0);
    let said = notes[0]["message"].as_str().unwrap_or_default();
    assert!(
        said.contains(&format!(
            "the {outside} multipart records read are outside it"
        )) && said.contains("The logs run from 2026-11-01 00:10:00 to 2026-11-12 19:28:00 UTC."),
        "{said}"
    );
    // A bucket named only outside the window is not blamed on the trail alone.
    assert!(notes.iter().any(|n| {
        n["kind"] == "no_data_events"
            && n["message"]
                .as_str()
                .unwrap_or_default()
                .contains("or they fall outside the window")
    }));
}
