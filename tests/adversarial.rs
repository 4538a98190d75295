//! Hostile and broken input, generated here: every kind is run beside a good file, and each
//! must name its file and exact reason, keep every good record, and leave the counts reconciled
//! (records read = duplicates + used + skipped, each skip with its reason).

use std::io::Write;

use serde_json::{Value, json};

use crate::synth::{layout, scenarios};
use crate::util::{TestEnv, assert_reconciled, fixture, problems, run};

/// What a case writes and what the run must say about it.
struct Case {
    name: &'static str,
    /// Files (relative to the case folder) and their bytes.
    files: Vec<(String, Vec<u8>)>,
    /// Extra arguments.
    args: Vec<String>,
    /// `(file, reason)` for every problem the case's files must cause, in order; `{n}` in a
    /// reason stands for the number of the case's records that were read.
    problems: Vec<(&'static str, String)>,
    /// Records the case's files hold that are read (`None`: the `{n}` of a reason).
    records: Option<u64>,
}

fn case(
    name: &'static str,
    files: Vec<(&str, Vec<u8>)>,
    problems: Vec<(&'static str, &str)>,
) -> Case {
    Case {
        name,
        files: files.into_iter().map(|(f, b)| (f.to_owned(), b)).collect(),
        args: Vec::new(),
        problems: problems
            .into_iter()
            .map(|(f, r)| (f, r.to_owned()))
            .collect(),
        records: Some(0),
    }
}

impl Case {
    fn expect(mut self, problems: Vec<(&'static str, String)>) -> Case {
        self.problems = problems;
        self
    }

    fn records(mut self, n: Option<u64>) -> Case {
        self.records = n;
        self
    }

    fn args(mut self, args: &[&str]) -> Case {
        self.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }
}

/// The records of the short story (seven, five of them multipart).
fn story() -> Vec<Value> {
    scenarios::small()
        .records
        .into_iter()
        .map(|r| r.json)
        .collect()
}

fn doc(records: &[Value]) -> Vec<u8> {
    json!({ "Records": records }).to_string().into_bytes()
}

/// The trail's records as one delivery document, large enough to be damaged in the middle.
fn big() -> Vec<u8> {
    let trail: Vec<Value> = scenarios::trail()
        .records
        .into_iter()
        .map(|r| r.json)
        .collect();
    doc(&trail)
}

/// A failing UploadPart whose `field` (a path of keys) holds `value`.
fn part_with(field: &[&str], value: Value, id: usize) -> Value {
    let mut r = story()[4].clone();
    assert_eq!(r["eventName"], "UploadPart");
    r["eventID"] = json!(format!("00000000-0000-4000-a000-{id:012}"));
    r["requestID"] = json!(format!("REQ{id:013}"));
    let mut slot = &mut r;
    for key in &field[..field.len() - 1] {
        slot = &mut slot[*key];
    }
    slot[field[field.len() - 1]] = value;
    r
}

fn without(mut r: Value, key: &str) -> Value {
    r.as_object_mut().expect("a record").remove(key);
    r
}

fn gzip_of(bytes: &[u8]) -> Vec<u8> {
    layout::gzip(bytes)
}

fn cases() -> Vec<Case> {
    let records = story();
    let good_doc = doc(&records);
    let big = big();
    let big_gz = gzip_of(&big);
    let mut crc = gzip_of(&good_doc);
    let n = crc.len();
    crc[n - 8] ^= 0x55;
    let mut two_members = gzip_of(&doc(&records[..3]));
    two_members.extend(gzip_of(&doc(&records[3..])));
    let mut bad_utf8 = doc(&records[..5]);
    let at = find(&bad_utf8, b"\"UploadPart\"") + 7;
    bad_utf8[at] = 0xFF;
    // Columns count from the start of the record, which follows `{"Records":[`.
    let column = |at: usize| at - br#"{"Records":["#.len() + 1;
    let mut bad_key = doc(&records[..5]);
    let at = find(&bad_key, b"\"key\":\"") + 8;
    bad_key[at] = 0xC0;
    let bad_key_column = column(at);
    let mut nul = doc(&records[..5]);
    let at = find(&nul, b"\"userAgent\":\"") + 13;
    nul[at] = 0;
    let nul_column = column(at);
    let (deep, too_deep_at) = {
        let mut d = doc(&records[..2]);
        d.truncate(d.len() - 2);
        d.extend(b",{\"eventVersion\":\"1.09\",\"x\":");
        // The document, its Records array and the record are the first three levels: the
        // 126th bracket of the run is the 129th level.
        let at = d.len() + 128 - 3;
        d.extend(std::iter::repeat_n(b'[', 200));
        d.extend(std::iter::repeat_n(b']', 200));
        d.extend(b"}]}");
        (d, at)
    };
    let wrong = [
        (vec!["eventTime"], "eventTime is an object, not a string"),
        (
            vec!["errorCode"],
            "errorCode is an array, not a string, so whether the request failed is unknown",
        ),
        (
            vec!["requestParameters", "uploadId"],
            "requestParameters.uploadId is an object, not a string, so the upload is unknown",
        ),
        (
            vec!["requestParameters", "partNumber"],
            "requestParameters.partNumber is an object, not a whole number; it was ignored",
        ),
        (
            vec!["requestParameters", "key"],
            "requestParameters.key is an object, not a string; it was ignored",
        ),
        (
            vec!["userIdentity"],
            "userIdentity is an array, not an object; it was ignored",
        ),
        (
            vec!["userIdentity", "arn"],
            "userIdentity.arn is an object, not a string; it was ignored",
        ),
        (
            vec!["awsRegion"],
            "awsRegion is an object, not a string; it was ignored",
        ),
        (
            vec!["sourceIPAddress"],
            "sourceIPAddress is an object, not a string; it was ignored",
        ),
        (
            vec!["userAgent"],
            "userAgent is an object, not a string; it was ignored",
        ),
        (
            vec!["requestID"],
            "requestID is an object, not a string; it was ignored",
        ),
        (
            vec!["eventID"],
            "eventID is an object, not a string; it was ignored",
        ),
        (
            vec!["recipientAccountId"],
            "recipientAccountId is an object, not a string; it was ignored",
        ),
        (
            vec!["additionalEventData"],
            "additionalEventData is a string, not an object; it was ignored",
        ),
        (
            vec!["additionalEventData", "bytesTransferredIn"],
            "additionalEventData.bytesTransferredIn is text that is not a whole number, not a whole number; it was ignored",
        ),
        (
            vec!["resources"],
            "resources is a number, not an array; it was ignored",
        ),
    ];
    let wrong_value = |path: &[&str]| match path {
        ["errorCode"] | ["userIdentity"] => json!(["NoSuchUpload"]),
        ["additionalEventData"] => json!("none"),
        ["additionalEventData", "bytesTransferredIn"] => json!("lots"),
        ["resources"] => json!(7),
        _ => json!({"x": 1}),
    };
    let wrong_records: Vec<Value> = wrong
        .iter()
        .enumerate()
        .map(|(i, (path, _))| part_with(path, wrong_value(path), i))
        .collect();
    let wrong_problems: Vec<String> = wrong
        .iter()
        .enumerate()
        .map(|(i, (_, reason))| format!("record {} (UploadPart): {reason}", i + 1))
        .collect();
    let mut head_wrong = vec![
        part_with(&["eventName"], json!({"op": 1}), 90),
        part_with(&["eventSource"], json!(7), 91),
    ];
    head_wrong.push(part_with(&["requestParameters"], json!("bucket"), 92));
    head_wrong[2]["resources"] = json!([]);
    let missing = vec![
        without(part_with(&["eventTime"], json!(null), 1), "eventTime"),
        without(part_with(&["eventName"], json!(null), 2), "eventName"),
        without(part_with(&["eventSource"], json!(null), 3), "eventSource"),
        {
            let mut r = without(
                part_with(&["requestParameters"], json!(null), 4),
                "requestParameters",
            );
            r["resources"] = json!([]);
            r
        },
    ];
    let long = vec![
        part_with(&["requestParameters", "key"], json!("k".repeat(2 << 20)), 1),
        part_with(
            &["requestParameters", "bucketName"],
            json!("b".repeat(64)),
            2,
        ),
        part_with(&["userAgent"], json!("u".repeat(1 << 20)), 3),
    ];
    let times: Vec<Value> = [
        "9999-99-99T99:99:99Z",
        "+275760-09-13T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "yesterday",
        "",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| part_with(&["eventTime"], json!(t), i))
    .collect();
    let mut conflicting = records.clone();
    conflicting[4]["sourceIPAddress"] = json!("198.51.100.66");
    let tar = {
        let evil = layout::File {
            path: "../../evil/escape.json".into(),
            bytes: good_doc.clone(),
        };
        layout::tar(&[evil])
    };
    let zip_bomb = {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer
            .start_file("bomb.json", options)
            .expect("a zip member");
        for _ in 0..64 {
            writer
                .write_all(&[b' '; 1 << 20])
                .expect("writing to memory");
        }
        writer.finish().expect("a zip").into_inner()
    };
    let cloudwatch = json!({"messageType": "DATA_MESSAGE", "logEvents": [
        {"id": "1", "timestamp": 1, "message": "{\"eventVersion\": "},
        {"id": "2", "timestamp": 2, "message": records[4].to_string()}
    ]})
    .to_string()
    .into_bytes();
    let ndjson: Vec<u8> = [
        records[0].to_string(),
        records[1].to_string()[..50].to_owned(),
        records[2].to_string(),
    ]
    .join("\n")
    .into_bytes();

    vec![
        case("empty file", vec![("empty.json", vec![])], vec![("empty.json", "the file is empty")]),
        case(
            "only white space",
            vec![("blank.json", b"  \n\t\n ".to_vec())],
            vec![("blank.json", "the file holds only white space (6 bytes)")],
        ),
        case("zero-length gzip", vec![("zero.json.gz", gzip_of(b""))], vec![("zero.json.gz", "the file is empty")]),
        case(
            "gzip truncated mid-stream",
            vec![("cut.json.gz", big_gz[..big_gz.len() * 6 / 10].to_vec())],
            vec![("cut.json.gz", "gzip data is truncated; the {n} records before the damage were read")],
        )
        .records(None),
        case(
            "gzip with a bad CRC",
            vec![("crc.json.gz", crc)],
            vec![("crc.json.gz", "gzip data is corrupt (corrupt gzip stream does not have a matching checksum); the {n} records before the damage were read")],
        )
        .records(None),
        case("concatenated gzip members", vec![("two.json.gz", two_members)], vec![]).records(Some(7)),
        case(
            "decompression bomb",
            vec![("bomb.json.gz", gzip_of(&vec![b' '; 3 << 20]))],
            vec![("bomb.json.gz", "decompresses to more than 1 MiB (the limit; see --max-decoded-mib); the 0 records within the limit were read")],
        )
        .args(&["--max-decoded-mib", "1"]),
        case("plain JSON named .gz", vec![("plain.json.gz", good_doc.clone())], vec![]).records(Some(7)),
        case(
            "gzip of something that is not JSON",
            vec![("text.json.gz", gzip_of(b"hello, these are not logs\n"))],
            vec![("text.json.gz", "neither CloudTrail or ActionTrail JSON nor an S3 or OSS access log (it starts with \"hello, these are not log\")")],
        ),
        case(
            "gzip inside gzip",
            vec![("twice.json.gz", gzip_of(&gzip_of(&good_doc)))],
            vec![("twice.json.gz", "gzip data inside gzip data: decompress it once, then read it")],
        ),
        case(
            "invalid UTF-8 in an event name",
            vec![("utf8-name.json", bad_utf8)],
            vec![("utf8-name.json", "record 2: eventName is not valid UTF-8 text, so what the record is cannot be told")],
        )
        .records(Some(5)),
        case(
            "invalid UTF-8 in a key",
            vec![("utf8-key.json", bad_key)],
            vec![],
        )
        .expect(vec![("utf8-key.json", format!("record 1 (CreateMultipartUpload): unreadable record: invalid unicode code point at line 1 column {bad_key_column}"))])
        .records(Some(5)),
        case("a byte order mark", vec![("bom.json", [b"\xEF\xBB\xBF".to_vec(), good_doc.clone()].concat())], vec![]).records(Some(7)),
        case(
            "JSON truncated mid-record",
            vec![("short.json", big[..big.len() / 2].to_vec())],
            vec![("short.json", "the JSON is truncated; the {n} records before the end were read")],
        )
        .records(None),
        case(
            "Records that is not an array",
            vec![("records-object.json", br#"{"Records":{"eventVersion":"1.09"}}"#.to_vec())],
            vec![("records-object.json", "\"Records\" is an object, not an array of records")],
        ),
        case(
            "records that are not objects",
            vec![("scalars.json", br#"{"Records":[42,"x",true,null,[1]]}"#.to_vec())],
            vec![
                ("scalars.json", "record 1 is a number, not an object"),
                ("scalars.json", "record 2 is a string, not an object"),
                ("scalars.json", "record 3 is a boolean, not an object"),
                ("scalars.json", "record 4 is null, not an object"),
                ("scalars.json", "record 5 is an array, not an object"),
            ],
        )
        .records(Some(5)),
        Case {
            name: "wrong types in every field the decoder reads",
            files: vec![("wrong-types.json".to_owned(), doc(&wrong_records))],
            args: Vec::new(),
            problems: wrong_problems.into_iter().map(|p| ("wrong-types.json", p)).collect(),
            records: Some(wrong_records.len() as u64),
        },
        case(
            "wrong types in the fields that say what a record is",
            vec![("wrong-head.json", doc(&head_wrong))],
            vec![
                ("wrong-head.json", "record 1: eventName is an object, not a string, so what the record is cannot be told"),
                ("wrong-head.json", "record 2: eventSource is a number, not a string, so what the record is cannot be told"),
                ("wrong-head.json", "record 3 (UploadPart): the record names no bucket (requestParameters is a string, not an object)"),
            ],
        )
        .records(Some(3)),
        case(
            "missing fields",
            vec![("missing.json", doc(&missing))],
            vec![
                ("missing.json", "record 1 (UploadPart): the record has no eventTime"),
                ("missing.json", "record 2: the S3 record has no eventName, so what it is cannot be told"),
                ("missing.json", "record 3 (UploadPart): the record has no eventSource, so whether it is an S3 request cannot be told"),
                ("missing.json", "record 4 (UploadPart): the record names no bucket"),
            ],
        )
        .records(Some(4)),
        case(
            "absurdly long strings",
            vec![("long.json", doc(&long))],
            vec![
                ("long.json", "record 1 (UploadPart): the key is 2097152 bytes long, longer than S3 allows (1024)"),
                ("long.json", "record 2 (UploadPart): the bucket name is 64 bytes long, longer than S3 allows (63)"),
            ],
        )
        .records(Some(3)),
        case(
            "nesting deeper than the parser's limit",
            vec![("deep.json", deep)],
            vec![],
        )
        .expect(vec![("deep.json", format!("invalid JSON at line 1 (JSON nested deeper than 128 levels at byte {too_deep_at}); the 2 records before it were read"))])
        .records(Some(2)),
        case(
            "a NUL byte in a string",
            vec![("nul.json", nul)],
            vec![],
        )
        .expect(vec![("nul.json", format!("record 1 (CreateMultipartUpload): unreadable record: control character (\\u0000-\\u001F) found while parsing a string at line 1 column {nul_column}"))])
        .records(Some(5)),
        case(
            "a file larger than the size cap",
            vec![("huge.json", big.iter().copied().cycle().take(3 << 20).collect())],
            vec![("huge.json", "the input goes on past the limit of 1 MiB (see --max-decoded-mib); the {n} records within the limit were read")],
        )
        .args(&["--max-decoded-mib", "1"])
        .records(None),
        case(
            "a tar member named to escape the folder",
            vec![("escape.tar", tar)],
            vec![],
        )
        .records(Some(7)),
        case(
            "a zip bomb",
            vec![("bomb.zip", zip_bomb)],
            vec![("bomb.zip!bomb.json", "the member is larger than the limit of 1 MiB (see --max-decoded-mib)")],
        )
        .args(&["--max-decoded-mib", "1"]),
        case(
            "duplicate eventIDs with different contents",
            vec![("a.json", good_doc.clone()), ("b.json", doc(&conflicting))],
            vec![("b.json", "holds a different record with the same eventID as {dir}/a.json; the copy that sorts first was kept")],
        )
        .records(Some(14)),
        case(
            "timestamps out of range or malformed",
            vec![("times.json", doc(&times))],
            vec![
                ("times.json", "record 1 (UploadPart): eventTime \"9999-99-99T99:99:99Z\" is not a valid time"),
                ("times.json", "record 2 (UploadPart): eventTime \"+275760-09-13T00:00:00Z\" is not a valid time"),
                ("times.json", "record 3 (UploadPart): eventTime \"-0001-01-01T00:00:00Z\" is not a valid time"),
                ("times.json", "record 4 (UploadPart): eventTime \"yesterday\" is not a valid time"),
                ("times.json", "record 5 (UploadPart): the record has no eventTime"),
            ],
        )
        .records(Some(5)),
        case(
            "UTF-16 text",
            vec![("utf16.json", vec![0xFF, 0xFE, b'{', 0, b'}', 0])],
            vec![("utf16.json", "UTF-16 text: CloudTrail files are UTF-8")],
        ),
        case(
            "a zip archive named .json",
            vec![("archive.json", layout::zip(&[layout::File { path: "a.json".into(), bytes: good_doc.clone() }]))],
            vec![("archive.json", "a zip archive: give it a .zip name to have its members read")],
        ),
        case(
            "an envelope whose message is broken JSON",
            vec![("cloudwatch.json", cloudwatch)],
            vec![("cloudwatch.json", "record 1 is embedded JSON that cannot be read (the JSON ends in the middle of a value)")],
        )
        .records(Some(2)),
        case(
            "a broken line in a one-event-per-line file",
            vec![("lines.jsonl", ndjson)],
            vec![("lines.jsonl", "line 2 is not valid JSON (the JSON ends in the middle of a value); the line was skipped")],
        )
        .records(Some(2)),
    ]
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

/// The good file beside every case: the seven records of the fixture's short story, under
/// their own eventIDs (so that no case's record is a duplicate of them).
fn good(env: &TestEnv) -> u64 {
    let mut records = story();
    for (i, r) in records.iter_mut().enumerate() {
        r["eventID"] = json!(format!("99999999-0000-4000-a000-{i:012}"));
        r["requestID"] = json!(format!("GOOD{i:012}"));
    }
    env.write("good/records.json", doc(&records));
    records.len() as u64
}

#[test]
fn every_kind_of_bad_input_is_named_and_counted() {
    let cases = cases();
    assert!(cases.len() >= 25, "{} kinds", cases.len());
    for c in cases {
        let env = TestEnv::new();
        let good = good(&env);
        for (file, bytes) in &c.files {
            env.write(&format!("case/{file}"), bytes);
        }
        let dir = env.path().join("case").display().to_string();
        let mut args = vec!["analyze".to_owned(), env.path().display().to_string()];
        args.extend(c.args.iter().cloned());
        args.extend(["--format".into(), "json".into()]);
        let run = run(&args);
        assert_eq!(run.status, Some(0), "{}: {}", c.name, run.stderr);
        let report: Value = serde_json::from_str(&run.stdout).expect("a JSON answer");
        let read = report["inputs"]["records"].as_u64().expect("records") - good;
        let n = c.records.unwrap_or(read);
        assert_eq!(read, n, "{}: records read", c.name);
        let expected: Vec<String> = c
            .problems
            .iter()
            .map(|(file, reason)| {
                let reason = reason.replace("{n}", &n.to_string()).replace("{dir}", &dir);
                format!("{dir}/{file}: {reason}")
            })
            .collect();
        assert_eq!(problems(&report), expected, "{}", c.name);
        assert!(
            n > 0 || c.records.is_some(),
            "{}: the damage left no record",
            c.name
        );
        assert_reconciled(&report);
        // The good file is read whole whatever sits beside it.
        assert!(
            report["inputs"]["records"].as_u64() >= Some(good),
            "{}",
            c.name
        );
    }
}

#[test]
fn special_files_in_a_folder_are_skipped_by_name() {
    let env = TestEnv::new();
    let good = good(&env);
    let dir = env.path().join("good");
    std::os::unix::fs::symlink(&dir, dir.join("loop")).expect("a symlink");
    std::os::unix::fs::symlink(env.path().join("nowhere.json"), dir.join("dangling.json"))
        .expect("a symlink");
    let _socket =
        std::os::unix::net::UnixListener::bind(dir.join("socket.json")).expect("a socket");
    let fifo = dir.join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let run = run(&["analyze", &dir.display().to_string(), "--format", "json"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON answer");
    let d = dir.display();
    assert_eq!(
        problems(&report),
        [
            format!("{d}/dangling.json: broken symbolic link (No such file or directory)"),
            format!("{d}/loop: folder already visited (a symbolic link loop?); skipped"),
            format!("{d}/pipe.json: not a regular file (a named pipe); skipped"),
            format!("{d}/socket.json: not a regular file (a socket); skipped"),
        ]
    );
    assert_eq!(report["inputs"]["records"], good);
    assert_reconciled(&report);
}

#[test]
fn a_tar_member_name_is_only_a_label() {
    let env = TestEnv::new();
    let bytes = std::fs::read(fixture("shapes/records.json")).expect("a fixture");
    let tar = layout::tar(&[layout::File {
        path: "../../escaped.json".into(),
        bytes,
    }]);
    env.write("inner/deeper/bundle.tar", tar);
    let report = crate::util::analyze_json(&[env
        .path()
        .join("inner/deeper/bundle.tar")
        .display()
        .to_string()]);
    assert_eq!(report["inputs"]["records"], 7);
    assert!(!env.path().join("escaped.json").exists());
    assert!(!env.path().join("inner/escaped.json").exists());
}
