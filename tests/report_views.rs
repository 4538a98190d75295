//! The views of a report: focus options narrow what is reported (not what is read or decided),
//! `timeline` tells each upload's story, the table is coloured only where colour belongs, and
//! completions and the man page come from the command definitions.

use serde_json::Value;

use crate::util::{TestEnv, analyze_json, fixture, run, run_env, trail_args};

fn with(extra: &[&str]) -> Vec<String> {
    let mut args = trail_args();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn list<'a>(report: &'a Value, name: &str) -> &'a Vec<Value> {
    report[name].as_array().expect("a list")
}

#[test]
fn focus_narrows_what_is_reported_not_what_is_decided() {
    let all = analyze_json(&trail_args());
    for (option, value) in [
        ("--bucket", "media-uploads"),
        ("--key", "videos/"),
        ("--actor", "nightly-cleanup"),
        ("--bucket", "s3://backups"),
    ] {
        let focused = analyze_json(&with(&[option, value]));
        let kept = list(&focused, "failures");
        assert!(!kept.is_empty(), "{option} {value}");
        assert!(
            kept.len() < list(&all, "failures").len(),
            "{option} {value}"
        );
        // Each failure kept is the failure of the full run, verdict and all.
        for f in kept {
            let same = list(&all, "failures")
                .iter()
                .find(|g| g["event_id"] == f["event_id"])
                .expect("a failure of the full run");
            assert_eq!(f, same);
            let matches = match option {
                "--bucket" => f["bucket"] == value.trim_start_matches("s3://"),
                "--key" => f["key"].as_str().unwrap_or_default().starts_with(value),
                _ => f.to_string().contains(value),
            };
            assert!(matches, "{option} {value}: {f:#}");
        }
        // The summary counts what is reported; the inputs are what was read.
        let s = &focused["summary"];
        assert_eq!(s["failures"].as_u64(), Some(kept.len() as u64));
        let by_cause: u64 = s["by_cause"]
            .as_object()
            .expect("by_cause")
            .values()
            .filter_map(Value::as_u64)
            .sum();
        assert_eq!(by_cause, kept.len() as u64);
        assert_eq!(
            s["other_failures"].as_u64(),
            Some(list(&focused, "other_failures").len() as u64)
        );
        assert_eq!(
            s["orphans"].as_u64(),
            Some(list(&focused, "orphans").len() as u64)
        );
        assert_eq!(focused["inputs"], all["inputs"]);
        // Incidents: those of the failures kept, no others.
        let ids: Vec<&Value> = kept.iter().map(|f| &f["incident"]).collect();
        for i in list(&focused, "incidents") {
            assert!(ids.contains(&&i["id"]), "{}", i["id"]);
        }
        assert_eq!(
            s["incidents"].as_u64(),
            Some(list(&focused, "incidents").len() as u64)
        );
    }
    // An upload ID names exactly its failures; an OSS bucket is not an S3 bucket.
    let f = &list(&all, "failures")[0];
    let id = f["upload_id"].as_str().expect("an upload ID");
    let one = analyze_json(&with(&["--upload-id", id]));
    assert!(list(&one, "failures").iter().all(|g| g["upload_id"] == id));
    let oss = analyze_json(&with(&["--bucket", "oss://media-uploads"]));
    assert_eq!(oss["summary"]["failures"], 0);
}

#[test]
fn focus_works_on_access_logs_oss_and_parquet() {
    let env = TestEnv::new();
    let out = exported(&env);
    for source in [
        vec![fixture("access-logs")],
        vec![
            fixture("oss/trail"),
            fixture("oss/sls"),
            fixture("oss/access-logs"),
        ],
        vec![out.join("events.parquet").display().to_string()],
    ] {
        let mut args = source.clone();
        args.extend(["--bucket".into(), "media-uploads".into()]);
        let report = analyze_json(&args);
        let failures = list(&report, "failures");
        assert!(!failures.is_empty(), "{source:?}");
        assert!(
            failures.iter().all(|f| f["bucket"] == "media-uploads"),
            "{source:?}"
        );
    }
}

/// The fixture trail exported as Parquet under `env`: the folder.
fn exported(env: &TestEnv) -> std::path::PathBuf {
    let out = env.path().join("export");
    let export = run(&[
        "export".to_owned(),
        fixture("trail"),
        "--out".into(),
        out.display().to_string(),
    ]);
    assert_eq!(export.status, Some(0), "{}", export.stderr);
    out
}

fn timeline(args: &[String]) -> Value {
    let mut all = vec!["timeline".to_owned()];
    all.extend(args.iter().cloned());
    all.extend(["--format".into(), "json".into()]);
    let r = run(&all);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

#[test]
fn a_timeline_is_every_request_of_an_upload_in_time_order_with_its_verdicts() {
    let all = analyze_json(&trail_args());
    let keynote = list(&all, "failures")
        .iter()
        .find(|f| f["key"] == "videos/2026/launch-keynote.mp4")
        .expect("story A");
    let id = keynote["upload_id"]
        .as_str()
        .expect("an upload ID")
        .to_owned();
    let env = TestEnv::new();
    let parquet = exported(&env).join("events.parquet").display().to_string();
    for source in [trail_args(), vec![fixture("access-logs")], vec![parquet]] {
        let mut args = source.clone();
        args.extend(["--upload-id".into(), id.clone()]);
        let t = timeline(&args);
        let timelines = list(&t, "timelines");
        assert_eq!(timelines.len(), 1, "{source:?}");
        let tl = &timelines[0];
        assert_eq!(tl["upload_id"], id.as_str());
        assert_eq!(tl["provider"], "aws");
        let events = list(tl, "events");
        let ops: Vec<&str> = events
            .iter()
            .filter_map(|e| e["operation"].as_str())
            .collect();
        assert_eq!(ops.first(), Some(&"CreateMultipartUpload"), "{ops:?}");
        assert!(ops.contains(&"AbortMultipartUpload"));
        // Successful parts are in the story too, with their sizes.
        let parts: Vec<&Value> = events
            .iter()
            .filter(|e| e["operation"] == "UploadPart" && e["result"] == "ok")
            .collect();
        assert_eq!(parts.len(), 3, "{source:?}");
        assert!(parts.iter().all(|p| p["bytes"].as_u64() == Some(8 << 20)));
        let times: Vec<&str> = events.iter().filter_map(|e| e["time"].as_str()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        // Every failure of the upload has its verdict, with the incident of the answer.
        let verdicts = list(tl, "verdicts");
        let failed = events
            .iter()
            .filter(|e| e["result"] == "NoSuchUpload")
            .count();
        assert_eq!(verdicts.len(), failed);
        for v in verdicts {
            assert_eq!(v["verdict"], "aborted");
            assert_eq!(v["incident"], keynote["incident"]);
        }
        assert!(events.iter().all(|e| !list(e, "logs").is_empty()));
        // The same story as text.
        let mut args = vec!["timeline".to_owned()];
        args.extend(source.clone());
        args.extend([
            "--upload-id".into(),
            id.clone(),
            "--format".into(),
            "table".into(),
        ]);
        let text = run(&args);
        assert_eq!(text.status, Some(0), "{}", text.stderr);
        assert!(
            text.stdout
                .starts_with("s3://media-uploads/videos/2026/launch-keynote.mp4\n")
        );
        assert_eq!(
            text.stdout.matches("=> aborted (certain, ").count(),
            failed,
            "{source:?}"
        );
    }
    // The text form: a header per upload, a line per request, the verdict under each failure.
    let mut args = vec!["timeline".to_owned()];
    args.extend(trail_args());
    args.extend(["--upload-id".into(), id, "--format".into(), "table".into()]);
    let text = run(&args);
    assert_eq!(text.status, Some(0), "{}", text.stderr);
    assert!(
        text.stdout
            .starts_with("s3://media-uploads/videos/2026/launch-keynote.mp4\n")
    );
    assert!(text.stdout.contains("=> aborted (certain, "));
}

#[test]
fn a_timeline_reads_oss_and_parquet_and_refuses_politely_without_focus() {
    let oss = timeline(&[
        fixture("oss/trail"),
        fixture("oss/sls"),
        fixture("oss/access-logs"),
        "--key".into(),
        "videos/2026/launch-keynote".into(),
    ]);
    let tl = &list(&oss, "timelines")[0];
    assert_eq!(tl["provider"], "alibaba");
    assert!(
        list(tl, "events")
            .iter()
            .any(|e| list(e, "logs").len() == 2),
        "a request in both ActionTrail and the access log"
    );
    let mut args = vec!["timeline".to_owned()];
    args.extend(trail_args());
    let refused = run(&args);
    assert_eq!(refused.status, Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("--upload-id"), "{}", refused.stderr);
    let csv = run(&[
        "timeline",
        &fixture("trail"),
        "--key",
        "x",
        "--format",
        "csv",
    ]);
    assert_eq!(csv.status, Some(2));
}

#[test]
fn the_table_is_coloured_on_a_terminal_unless_no_color_is_set() {
    let table = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["analyze".to_owned()];
        args.extend(trail_args());
        args.extend(["--format".into(), "table".into()]);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let r = run_env(&args, &env);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        r.stdout
    };
    // Redirected: no colour.
    assert!(!table(&[], &[]).contains('\u{1b}'));
    assert!(table(&["--color", "always"], &[]).contains("\u{1b}[31maborted"));
    assert!(!table(&["--color", "never"], &[]).contains('\u{1b}'));
    // On a terminal (a pseudo-terminal from `script`), colour unless NO_COLOR is set.
    let on_terminal = |no_color: bool| {
        let mut command = format!(
            "{} analyze {} --format table --no-progress",
            env!("CARGO_BIN_EXE_uploadtrail"),
            fixture("trail")
        );
        if no_color {
            command = format!("NO_COLOR=1 {command}");
        }
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .expect("script(1) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_terminal(false);
    assert!(coloured.contains("Causes"), "{coloured}");
    assert!(coloured.contains("\u{1b}[31m"), "no colour on a terminal");
    let plain = on_terminal(true);
    assert!(plain.contains("Causes"));
    assert!(!plain.contains("\u{1b}[31m"), "NO_COLOR was not honoured");
}

/// What `uploadtrail COMMAND` prints on a terminal `columns` wide (a pseudo-terminal from
/// `script`).
fn on_a_terminal(columns: u32, command: &str, extra: &str) -> String {
    let command = format!(
        "stty rows 50 cols {columns}; {} {command} {} --no-progress --color never {extra}",
        env!("CARGO_BIN_EXE_uploadtrail"),
        fixture("trail")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script(1) runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

/// The lines of `text` wider than `columns` that could have been wrapped: more than one word.
fn too_wide(text: &str, columns: usize) -> Vec<&str> {
    text.lines()
        .filter(|l| l.chars().count() > columns && l.trim().contains(' '))
        .collect()
}

#[test]
fn the_table_follows_the_width_of_the_terminal() {
    // The sentences at the top (the headline, the causes, the incidents) fit the terminal.
    let text = on_a_terminal(70, "analyze", "--format table");
    let top = &text[..text.find("Failures, by incident").expect("the failures")];
    assert!(top.contains("Incidents (largest first)"), "{text}");
    assert_eq!(too_wide(top, 70), Vec::<&str>::new());
    // The explanation under each upload ("why") is wrapped to the terminal's width.
    let widest_why = |columns: u32| {
        let text = on_a_terminal(columns, "analyze", "--format table");
        let mut in_why = false;
        let mut widest = 0;
        for line in text.lines() {
            if line.starts_with("    why ") {
                in_why = true;
            } else if !line.starts_with("                ") {
                in_why = false;
            }
            // A single word longer than the room (an ARN) cannot be wrapped.
            let words = line
                .trim_start()
                .trim_start_matches("why")
                .split_whitespace()
                .count();
            if in_why && words > 1 {
                widest = widest.max(line.chars().count());
            }
        }
        assert!(widest > 0, "no explanation in:\n{text}");
        widest
    };
    assert!(widest_why(70) <= 70);
    assert!(widest_why(160) > 100);
}

#[test]
fn a_timeline_follows_the_width_of_the_terminal() {
    let text = on_a_terminal(70, "timeline", "--key videos/2026/launch-keynote");
    assert!(text.contains("      => aborted (certain, "), "{text}");
    // Only the columns of a request, and the upload ID after its label, may pass the width.
    let wide = too_wide(&text, 70);
    let fixed = |l: &&str| l.starts_with("    2026-") || l.starts_with("  upload ");
    assert!(wide.iter().all(fixed), "{wide:#?}");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.status, Some(0), "{shell}: {}", r.stderr);
        // fish writes long options as `-l lifecycle`.
        for word in ["analyze", "timeline", "lifecycle", "upload-id"] {
            assert!(r.stdout.contains(word), "{shell}: {word}");
        }
    }
    let man = run(&["man"]);
    assert_eq!(man.status, Some(0), "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH uploadtrail"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("timeline"));
}

#[test]
fn the_html_report_shows_every_finding_of_every_input_and_reaches_nothing() {
    let env = TestEnv::new();
    let out = exported(&env);
    for source in [
        trail_args(),
        vec![fixture("access-logs")],
        vec![
            fixture("oss/trail"),
            fixture("oss/sls"),
            fixture("oss/access-logs"),
        ],
        vec![out.join("events.parquet").display().to_string()],
    ] {
        let answer = analyze_json(&source);
        let mut args = vec!["analyze".to_owned()];
        args.extend(source.clone());
        args.extend(["--format".into(), "html".into()]);
        let page = run(&args);
        assert_eq!(page.status, Some(0), "{}", page.stderr);
        let html = page.stdout;
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        for f in list(&answer, "failures") {
            let id = f["event_id"]
                .as_str()
                .or(f["request_id"].as_str())
                .expect("an ID");
            assert!(
                html.contains(&format!("data-event-id=\"{id}\"")),
                "{source:?}: {id}"
            );
        }
        for i in list(&answer, "incidents") {
            let id = i["id"].as_str().expect("an ID");
            assert!(
                html.contains(&format!("id=\"incident-{id}\"")),
                "{source:?}: {id}"
            );
        }
        let reaches = [
            "<script", "<img", "<link", "src=", "http://", "https://", "url(",
        ];
        for bad in reaches {
            assert!(!html.contains(bad), "{source:?}: {bad}");
        }
    }
    // The focus narrows the page as it narrows the answer; timelines render as a page too.
    let mut args = vec!["analyze".to_owned()];
    args.extend(with(&["--bucket", "backups", "--format", "html"]));
    let page = run(&args).stdout;
    assert!(!page.contains("s3://media-uploads/"));
    assert!(page.contains("s3://backups/"));
    let mut args = vec!["timeline".to_owned()];
    args.extend(with(&[
        "--key",
        "videos/2026/launch-keynote",
        "--format",
        "html",
    ]));
    let timelines = run(&args);
    assert_eq!(timelines.status, Some(0), "{}", timelines.stderr);
    assert!(timelines.stdout.contains("<svg"));
}
