//! Conventions the compiler cannot check.

use crate::util::{repo, run, trail_args};

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src/") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((
                    path.strip_prefix(repo())
                        .expect("inside")
                        .display()
                        .to_string(),
                    text,
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("src"), &mut out);
    out
}

#[test]
fn only_the_gzip_module_builds_gzip_decoders() {
    for (path, text) in sources() {
        if path == "src/decode/gzip.rs" {
            continue;
        }
        for decoder in ["GzDecoder", "MultiGzDecoder"] {
            assert!(
                !text.contains(decoder),
                "{path} uses {decoder}: inflate through decode::gzip instead (a capped decoder)"
            );
        }
    }
}

#[test]
fn decoding_never_builds_a_json_value_per_record() {
    for (path, text) in sources() {
        if path.starts_with("src/decode/") {
            assert!(
                !text.contains("serde_json::Value") && !text.contains("json::Value"),
                "{path} builds serde_json::Value: use typed, borrowed structs"
            );
        }
    }
}

#[test]
fn library_code_does_not_unwrap() {
    for (path, text) in sources()
        .into_iter()
        .filter(|(path, _)| !path.ends_with("/tests.rs"))
    {
        let library = text.split("#[cfg(test)]").next().unwrap_or_default();
        assert!(
            !library.contains(".unwrap()") && !library.contains(".expect("),
            "{path} can panic on data: return an error that names the input instead"
        );
    }
}

#[test]
fn the_readme_shows_what_the_quick_start_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut args = vec!["analyze".to_owned()];
    args.extend(trail_args());
    args.extend(["--format", "table", "--no-progress"].map(str::to_owned));
    let run = run(&args);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    // The excerpts of the quick start and of the other failures.
    for intro in [
        "The first command prints (excerpt):\n\n```text\n",
        "failures, by diagnosis and upload:\n\n```text\n",
    ] {
        let excerpt = readme
            .split_once(intro)
            .and_then(|(_, rest)| rest.split_once("```"))
            .map(|(text, _)| text)
            .unwrap_or_else(|| panic!("no excerpt after {intro:?} in README.md"));
        // Every line of the excerpt is printed, in this order; `  …` stands for omitted lines.
        let mut printed = run.stdout.lines();
        for line in excerpt.lines().filter(|l| *l != "  …") {
            assert!(
                printed.any(|p| p == line),
                "README.md shows a line the quick start does not print (in this order):\n{line}\n\nit prints:\n{}",
                run.stdout
            );
        }
    }
}
