//! Synthetic CloudTrail data: records in the real shape, the stories they tell (with the right
//! answers), and the files CloudTrail and other tools write. Used by the integration tests and
//! by `cargo run --example synth` to regenerate `fixtures/`.
#![allow(dead_code, clippy::too_many_arguments)]

pub mod access_log;
pub mod corpus;
pub mod incidents;
pub mod layout;
pub mod oss;
pub mod other_failures;
pub mod records;
pub mod rng;
pub mod scenarios;

use std::path::Path;

use layout::File;
use rng::Rng;

/// Every file of `fixtures/`, relative to it.
pub fn fixture_files() -> Vec<File> {
    let mut files = Vec::new();
    let trail = scenarios::trail();
    let mut rng = Rng::new(99);
    for f in layout::deliver(&mut rng, &trail.records) {
        files.push(File {
            path: format!("trail/{}", f.path),
            bytes: f.bytes,
        });
    }
    for (day, region) in [(3, "us-east-1"), (7, "eu-west-1")] {
        let d = layout::digest(scenarios::ACCOUNT, region, scenarios::at(day, 1, 0, 0));
        files.push(File {
            path: format!("trail/{}", d.path),
            bytes: d.bytes,
        });
    }
    for f in access_logs(&trail) {
        files.push(File {
            path: format!("access-logs/{}", f.path),
            bytes: f.bytes,
        });
    }
    for (_, name, rules) in &trail.lifecycle_files {
        let bytes = serde_json::to_vec_pretty(rules).expect("serialising JSON");
        files.push(File {
            path: format!("lifecycle/{name}"),
            bytes,
        });
    }

    let small = scenarios::small();
    for f in layout::shapes(&small.records) {
        files.push(File {
            path: format!("shapes/{}", f.path),
            bytes: f.bytes,
        });
    }
    let mut delivered = layout::deliver(&mut Rng::new(5), &small.records);
    delivered.push(layout::digest(
        scenarios::ACCOUNT,
        "us-east-1",
        scenarios::at(3, 10, 0, 0),
    ));
    let tar = layout::tar(&delivered);
    files.push(File {
        path: "bundles/trail.tar.gz".into(),
        bytes: layout::gzip(&tar),
    });
    files.push(File {
        path: "bundles/trail.tar".into(),
        bytes: tar,
    });
    files.push(File {
        path: "bundles/trail.zip".into(),
        bytes: layout::zip(&delivered),
    });
    files.extend(oss_files(&trail, &small));
    files
}

/// The OSS twins of the fixture stories under `oss/`: the trail's management events as
/// ActionTrail trail files (`trail/`), its data events as a Log Service export (`sls/`), its
/// requests as OSS access logs (`access-logs/`), the `--lifecycle` file as OSS XML, and the short
/// story in every shape ActionTrail events come in (`shapes/`).
pub fn oss_files(trail: &scenarios::Story, small: &scenarios::Story) -> Vec<File> {
    use oss::deliver::{self, Row};
    let mut files = Vec::new();
    let mut put = |path: String, bytes: Vec<u8>| files.push(File { path, bytes });
    let twin = oss::trail(trail);
    let (data, management): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) = twin
        .events
        .iter()
        .map(|(_, e)| e)
        .partition(|e| e["eventCategory"] == "Data");
    for f in deliver::trail_files(&management) {
        put(format!("oss/trail/{}", f.path), f.bytes);
    }
    let rows: Vec<_> = data.iter().map(|e| deliver::row(e, Row::Event)).collect();
    put(
        "oss/sls/actiontrail-data.jsonl.gz".into(),
        layout::gzip(&deliver::ndjson(&rows)),
    );
    let mut rng = Rng::new(81);
    let mut requests: Vec<&records::Rec> = trail.records.iter().chain(&trail.access_only).collect();
    requests.sort_by_key(|r| r.time);
    let lines = oss::access_log::lines(&mut rng, &requests, &trail.aborts, scenarios::ACCOUNT);
    for f in deliver::access_logs(&mut rng, "oss/access-logs/log", &lines) {
        put(f.path, f.bytes);
    }
    for (_, name, rules) in &trail.lifecycle_files {
        let xml = oss::lifecycle_xml(rules);
        put(
            format!("oss/lifecycle/{}", name.replace(".json", ".xml")),
            xml.into_bytes(),
        );
    }

    let short: Vec<serde_json::Value> = oss::trail(small)
        .events
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let json = |v: &serde_json::Value| serde_json::to_vec_pretty(v).expect("serialising JSON");
    put(
        "oss/shapes/trail-array.json.gz".into(),
        layout::gzip(&serde_json::to_vec(&short).expect("serialising JSON")),
    );
    put(
        "oss/shapes/records.json".into(),
        json(&serde_json::json!({ "Records": short })),
    );
    put("oss/shapes/events.jsonl".into(), deliver::ndjson(&short));
    let rows = |shape| {
        short
            .iter()
            .map(|e| deliver::row(e, shape))
            .collect::<Vec<_>>()
    };
    put(
        "oss/shapes/sls-rows.json".into(),
        json(&serde_json::Value::Array(rows(Row::Event))),
    );
    put(
        "oss/shapes/sls-contents.jsonl".into(),
        deliver::ndjson(&rows(Row::Contents)),
    );
    put(
        "oss/shapes/sls-flattened.jsonl".into(),
        deliver::ndjson(&rows(Row::Flattened)),
    );

    let own = oss::own::stories();
    let rows: Vec<_> = own
        .events
        .iter()
        .map(|e| deliver::row(e, Row::Contents))
        .collect();
    put(
        "oss/own/sls-export.json".into(),
        json(&serde_json::Value::Array(rows)),
    );
    for f in deliver::access_logs(&mut Rng::new(17), "oss/own/access-logs", &own.lines) {
        put(f.path, f.bytes);
    }
    files
}

/// The trail as an account that does not log S3 data events sees it: CloudTrail with management
/// events only (`cloudtrail/`), and S3 server access logs of every bucket (`s3/BUCKET/`) that
/// show the data events and the lifecycle aborts.
pub fn access_logs(story: &scenarios::Story) -> Vec<File> {
    let mut rng = Rng::new(8);
    let management: Vec<_> = story
        .records
        .iter()
        .filter(|r| r.json["eventCategory"] != "Data")
        .cloned()
        .collect();
    let mut files: Vec<File> = layout::deliver(&mut rng, &management)
        .into_iter()
        .map(|f| File {
            path: format!("cloudtrail/{}", f.path),
            bytes: f.bytes,
        })
        .collect();
    let mut lines: Vec<access_log::Line> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in story.records.iter().chain(&story.access_only) {
        // CloudTrail may deliver a record twice; the request was logged once.
        if seen.insert(r.event_id()) {
            lines.extend(access_log::line(&mut rng, r));
        }
    }
    for a in &story.aborts {
        lines.push(access_log::lifecycle_abort(
            &mut rng, a.time, &a.bucket, &a.key,
        ));
    }
    files.extend(access_log::deliver(&mut rng, "s3", &lines));
    files
}

/// The organisation whose trail [`organisation_trail`] writes.
pub const ORGANISATION: &str = "o-abc123def4";
/// The second account of that organisation.
pub const SECOND_ACCOUNT: &str = "444455556666";

/// An organisation trail under `trails/`: the fixture trail in its account, and the short story
/// in a second account, each with digest files, in the layout
/// `trails/AWSLogs/o-ORGID/ACCOUNT/CloudTrail[-Digest]/REGION/YYYY/MM/DD/`.
pub fn organisation_trail() -> Vec<File> {
    let mut rng = Rng::new(44);
    let mut records = scenarios::trail().records;
    records.extend(scenarios::small().records.into_iter().map(|mut r| {
        r.place.account = SECOND_ACCOUNT.to_owned();
        r
    }));
    let mut files = layout::deliver(&mut rng, &records);
    for (account, day, region) in [
        (scenarios::ACCOUNT, 3, "us-east-1"),
        (scenarios::ACCOUNT, 7, "eu-west-1"),
        (SECOND_ACCOUNT, 3, "us-east-1"),
    ] {
        files.push(layout::digest(account, region, scenarios::at(day, 1, 0, 0)));
    }
    for f in &mut files {
        let rest = f
            .path
            .strip_prefix("AWSLogs/")
            .expect("the delivery layout");
        f.path = format!("trails/AWSLogs/{ORGANISATION}/{rest}");
    }
    files
}

/// Writes the fixtures under `dir`.
pub fn write_fixtures(dir: &Path) -> std::io::Result<()> {
    layout::write_all(dir, &fixture_files())
}
