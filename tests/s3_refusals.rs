//! What a user of `s3://` is told when the store or the credentials refuse: the location and the
//! reason in one line (a missing bucket, the permission a denial needs, a wrong secret that is never
//! printed, no credentials at all), a `--profile` the AWS config files do not define, and a
//! listing that `--account` and the window narrowed to nothing.

use crate::s3::{World, json};
use crate::s3_server::Fault;
use crate::util::run_env;

#[test]
fn a_listing_narrowed_to_nothing_names_what_narrowed_it() {
    let w = World::new();
    let run = w.analyze(&[
        "s3://trail-logs",
        "--account",
        "999988887777",
        "--since",
        "2027-01-01",
    ]);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "no files to read in s3://trail-logs/ (listed with --account 999988887777, from 2027-01-01 00:00:00 UTC)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn listing_errors_name_the_location_and_the_reason() {
    let w = World::new();
    let run = w.analyze(&["s3://no-such-bucket/AWSLogs/"]);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("s3://no-such-bucket/") && run.stderr.contains("does not exist"),
        "{}",
        run.stderr
    );

    // Access denied names the permission: listing, then reading one object.
    w.server.deny("org-trail");
    let run = w.analyze(&["s3://org-trail/trails/"]);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("s3:ListBucket on arn:aws:s3:::org-trail"),
        "{}",
        run.stderr
    );
    let key = w
        .keys("trail-logs", "AWSLogs/111122223333/CloudTrail/us-east-1/")
        .into_iter()
        .next()
        .expect("a key");
    w.server
        .fail("trail-logs", &key, &[Fault::Status(403, "AccessDenied")]);
    let report = json(&w.answer(&["s3://trail-logs"]));
    let problems = report["inputs"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["origin"], format!("s3://trail-logs/{key}"));
    let error = problems[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("s3:GetObject"), "{error}");

    // A wrong secret key is refused, and never printed.
    const SECRET: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYWRONGSECRET";
    let mut env = w.aws_env();
    for (k, v) in &mut env {
        if k == "AWS_SECRET_ACCESS_KEY" {
            *v = SECRET.to_owned();
        }
    }
    let run = run_env(&["analyze", "s3://trail-logs", "--format", "json"], &env);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("s3://trail-logs") && run.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET));

    // No credentials at all: the reason, in one line, not the SDK's dump of its error.
    env.retain(|(k, _)| !k.starts_with("AWS_ACCESS_KEY") && !k.starts_with("AWS_SECRET"));
    let run = run_env(&["analyze", "s3://trail-logs", "--format", "json"], &env);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "s3://trail-logs/: no usable AWS credentials (no credentials found in chain)"
        ) && !run.stderr.contains("DispatchFailure"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_profile_the_config_files_do_not_define_is_named() {
    let w = World::new();
    let config = w.env.path().join("aws-config");
    std::fs::write(&config, "[profile audit]\nregion = us-east-1\n").expect("writing the config");
    let mut env = w.aws_env();
    if let Some((_, file)) = env.iter_mut().find(|(k, _)| k == "AWS_CONFIG_FILE") {
        *file = config.display().to_string();
    }
    let run = |profile: &str| {
        let args = [
            "analyze",
            "s3://trail-logs",
            "--profile",
            profile,
            "--format",
            "json",
        ];
        run_env(&args, &env)
    };
    // The SDK would take the credentials of the environment instead, or say only that none loaded.
    let typo = run("audti");
    assert_eq!(typo.status, Some(1), "{}", typo.stdout);
    assert!(
        typo.stderr.contains(
            r#"--profile "audti": the AWS config files define no such profile; they define audit"#
        ),
        "{}",
        typo.stderr
    );
    let defined = run("audit");
    assert_eq!(defined.status, Some(0), "{}", defined.stderr);

    // Many profiles: the first dozen by name, and how many more.
    let many: String = (10..25).map(|i| format!("[profile p{i}]\n")).collect();
    std::fs::write(&config, many).expect("writing the config");
    let typo = run("p9");
    assert!(
        typo.stderr.contains(
            "they define p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p20, p21 and 3 more)"
        ),
        "{}",
        typo.stderr
    );
}
