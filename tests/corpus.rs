//! Every file of the public corpus beside the project (`../shared/corpus`, when it is there)
//! decodes without a crash, and each folder yields the records its INDEX.md counts (with an
//! independent script): CloudTrail records, ActionTrail events and S3 access-log lines.

use crate::util::{repo, run};

fn corpus() -> Option<std::path::PathBuf> {
    let dir = repo().join("../shared/corpus");
    dir.join("INDEX.md").exists().then_some(dir)
}

/// Folder → count in column `column` of the INDEX.md table under `heading`.
fn indexed_counts(index: &str, heading: &str, column: usize) -> Vec<(String, u64)> {
    let table = index
        .split(heading)
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .unwrap_or_default();
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| folder") && !l.starts_with("|---"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let (folder, records) = (cells.get(1)?, cells.get(column)?);
            // `11 ActionTrail events (0 CloudTrail)`: ActionTrail events are records too.
            let n = records.split_whitespace().next()?.parse().ok()?;
            Some((folder.to_string(), n))
        })
        .collect()
}

#[test]
fn corpus_folders_decode_with_their_indexed_record_counts() {
    let Some(dir) = corpus() else {
        eprintln!("../shared/corpus is not there: nothing to check");
        return;
    };
    let index = std::fs::read_to_string(dir.join("INDEX.md")).expect("INDEX.md");
    let mut counts: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let cloudtrail = indexed_counts(&index, "## CloudTrail-family folders", 4);
    let access_logs = indexed_counts(&index, "## S3 server access log folders", 4);
    assert!(
        cloudtrail.len() >= 15 && access_logs.len() >= 5,
        "INDEX.md tables not found"
    );
    for (folder, n) in cloudtrail.into_iter().chain(access_logs) {
        *counts.entry(folder).or_default() += n;
    }
    for (folder, want) in counts {
        let path = dir.join(&folder).display().to_string();
        let run = run(&["analyze", &path, "--format", "json"]);
        assert!(!run.stderr.contains("panicked"), "{folder}: {}", run.stderr);
        let records =
            match run.status {
                Some(0) => {
                    serde_json::from_str::<serde_json::Value>(&run.stdout).expect("JSON")["inputs"]
                        ["records"]
                        .as_u64()
                }
                Some(1) if run.stderr.contains("no input could be read") => Some(0),
                other => panic!("{folder}: exit {other:?}: {}", run.stderr),
            };
        assert_eq!(records, Some(want), "{folder}");
    }
}

#[test]
fn every_corpus_file_runs_without_a_crash() {
    let Some(dir) = corpus() else { return };
    for entry in std::fs::read_dir(&dir).expect("the corpus") {
        let folder = entry.expect("an entry").path();
        if !folder.is_dir() {
            continue;
        }
        for format in ["json", "table", "csv"] {
            let run = run(&["analyze", &folder.display().to_string(), "--format", format]);
            assert!(
                matches!(run.status, Some(0 | 1)) && !run.stderr.contains("panicked"),
                "{}: {:?} {}",
                folder.display(),
                run.status,
                run.stderr
            );
        }
    }
}
