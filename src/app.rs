//! Glue: runs the pipeline for one command line. Every stage lives in its own module; this file
//! only calls them in order, applies the error policy, and writes the result.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::attribute::{self, Evidence};
use crate::cli::{Args, Command, Config, Format};
use crate::correlate;
use crate::decode;
use crate::error::{Error, Result};
use crate::ingest::{self, Meter};
use crate::lifecycle::Lifecycle;
use crate::model::Rule;
use crate::report::{Report, escape};
use crate::sources;

/// Runs the command line.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Analyze(a) => {
            let config = Config::from_analyze(a)?;
            let report = analyze(&config)?;
            write_report(&report, &config)
        }
    }
}

/// Reads the sources and builds the answer.
pub fn analyze(config: &Config) -> Result<Report> {
    let rules = read_lifecycle_files(config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|source| Error::Threads {
            threads: config.threads,
            source,
        })?;
    // Everything runs on the pool: memory freed by the decoding threads is reused by the stages
    // after them instead of piling up in another allocator arena.
    pool.install(|| answer(config, rules))
}

fn answer(config: &Config, rules: Vec<(String, PathBuf, Vec<Rule>)>) -> Result<Report> {
    let inputs = sources::open(&config.sources, config.decode.max_decoded);
    let meter = Meter::new(progress_bar(config, inputs.known_bytes));
    let mut ingested = ingest::ingest(inputs.stream, &config.decode, &meter);
    meter.finish();

    let summary = &ingested.inputs;
    if config.strict
        && let Some(first) = summary.problems.first()
    {
        return Err(Error::Strict {
            origin: first.origin.clone(),
            error: first.error.clone(),
            count: summary.problems.len(),
        });
    }
    if summary.files == 0 {
        return Err(Error::Usage("the sources hold no files to read".to_owned()));
    }
    if summary.files_failed == summary.files && summary.records == 0 {
        let first = summary
            .problems
            .first()
            .map(|p| format!("{}: {}", p.origin, p.error))
            .unwrap_or_default();
        return Err(Error::NothingRead(summary.problems.len(), first));
    }
    if !(config.format == Format::Table && config.output.is_none()) {
        warn_about_problems(&ingested.inputs);
    }

    let lifecycle_buckets: Vec<String> = rules.iter().map(|(bucket, ..)| bucket.clone()).collect();
    let lifecycle = Lifecycle::new(&ingested.lifecycle, rules);
    let timelines = correlate::correlate(&ingested.events, std::mem::take(&mut ingested.parts));
    let evidence = Evidence {
        events: &ingested.events,
        strings: &ingested.strings,
        timelines: &timelines,
        lifecycle: &lifecycle,
        span: ingested.inputs.first_event.zip(ingested.inputs.last_event),
    };
    let findings = attribute::attribute(&evidence);
    let orphans = attribute::orphans(&evidence);
    Ok(Report::new(
        &ingested,
        &timelines,
        &findings,
        &orphans,
        &lifecycle_buckets,
    ))
}

fn read_lifecycle_files(config: &Config) -> Result<Vec<(String, PathBuf, Vec<Rule>)>> {
    config
        .lifecycle_files
        .iter()
        .map(|f| {
            let fail = |reason: String| Error::LifecycleFile {
                bucket: f.bucket.clone(),
                path: f.path.clone(),
                reason,
            };
            let bytes = std::fs::read(&f.path).map_err(|e| fail(e.to_string()))?;
            let rules = decode::parse_rules_file(&bytes).map_err(fail)?;
            Ok((f.bucket.clone(), f.path.clone(), rules))
        })
        .collect()
}

fn progress_bar(config: &Config, known_bytes: u64) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(known_bytes), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed:>4} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn warn_about_problems(inputs: &ingest::InputSummary) {
    const SHOWN: usize = 5;
    for p in inputs.problems.iter().take(SHOWN) {
        eprintln!(
            "uploadtrail: warning: {}: {}",
            escape::terminal(&p.origin),
            escape::terminal(&p.error)
        );
    }
    let more = inputs.problems.len().saturating_sub(SHOWN) as u64 + inputs.problems_not_listed;
    if more > 0 {
        eprintln!(
            "uploadtrail: warning: … and {more} more problems, listed in the report's inputs.problems"
        );
    }
}

fn write_report(report: &Report, config: &Config) -> Result<()> {
    let (target, sink): (String, Box<dyn Write>) = match &config.output {
        Some(path) => {
            let file = File::create(path).map_err(|source| Error::Output {
                target: path.display().to_string(),
                source,
            })?;
            (path.display().to_string(), Box::new(file))
        }
        None => (
            "standard output".to_owned(),
            Box::new(std::io::stdout().lock()),
        ),
    };
    let mut out = BufWriter::new(sink);
    report
        .write(config.format, config.output_is_terminal, &mut out)
        .and_then(|()| out.flush())
        .map_err(|source| Error::Output { target, source })
}

/// Whether the error is a closed pipe (`uploadtrail … | head`), which is not a failure.
pub fn is_broken_pipe(err: &Error) -> bool {
    matches!(err, Error::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
