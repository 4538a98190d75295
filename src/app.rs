//! Glue: runs the pipeline for one command line. Every stage lives in its own module; this file
//! only calls them in order, applies the error policy, and writes the result.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::attribute::{self, Evidence};
use crate::cli::{Args, Command, Config, Format};
use crate::correlate::{self, Timelines};
use crate::decode;
use crate::diagnose;
use crate::error::{Error, Result};
use crate::export;
use crate::incidents::{self, Incidents};
use crate::ingest::state::{Pending, Session};
use crate::ingest::{self, Ingested, Meter};
use crate::lifecycle::{Lifecycle, RuleSource};
use crate::model::{BucketName, Provider, Rule};
use crate::report::timeline::{self, TimelineReport, TooMany, UNFOCUSED_LIMIT};
use crate::report::{self, Report, escape};
use crate::sources::{self, Source, s3};

/// Runs the command line.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Analyze(a) => {
            let mut config = Config::from_analyze(a)?;
            // The page draws every request of each upload with failures, parts included.
            let html = config.format == Format::Html;
            config.decode.keep_parts |= html;
            let session = open_state(&config)?;
            let (report, stories, pending) = on_pool(&config, |rules| {
                let a = analysis(&config, rules, session.as_ref())?;
                let mut report = a.report();
                // What the next state remembers as reported: the whole answer, before narrowing.
                let pending = a.pending.map(|p| (p, Some(report.keys())));
                if let Some(session) = session.as_ref().filter(|_| config.new_only) {
                    report.only_new(session.reported_before());
                }
                report.focus(&config.focus);
                let stories =
                    html.then(|| timeline::of_failures(&a.ingested, &a.timelines, &report));
                Ok((report, stories, pending))
            })?;
            write_output(&config, |out| match &stories {
                Some(stories) => report::html::write(&report, Some(stories), out),
                None => report.write(config.format, config.output_is_terminal, config.color, out),
            })?;
            commit(session.as_ref(), pending)?;
            let failures = (report.failures.len() + report.other_failures.len()) as u64;
            match failures {
                n if config.exit_code && n > 0 => Err(Error::Found(n)),
                _ => Ok(()),
            }
        }
        Command::Timeline(a) => {
            let mut config = Config::from_analyze(a)?;
            if !matches!(config.format, Format::Table | Format::Json | Format::Html) {
                return Err(Error::Usage(
                    "timeline writes --format table (text), json or html".to_owned(),
                ));
            }
            if config.new_only || config.exit_code {
                return Err(Error::Usage(
                    "--new-only and --exit-code are for analyze: a timeline tells every request"
                        .to_owned(),
                ));
            }
            config.decode.keep_parts = true;
            let session = open_state(&config)?;
            let (timelines, pending) = timeline(&config, session.as_ref())?;
            write_output(&config, |out| {
                timelines.write(config.format, config.output_is_terminal, out)
            })?;
            commit(session.as_ref(), pending.map(|p| (p, None)))
        }
        Command::Completions { shell } => {
            let mut command = <crate::cli::Args as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut command, "uploadtrail", &mut out);
            Ok(())
        }
        Command::Man => {
            let command = <crate::cli::Args as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(|source| Error::Output {
                    target: "standard output".to_owned(),
                    source,
                })
        }
        Command::Export(a) => {
            let (config, out, all_records) = Config::from_export(a)?;
            let session = open_state(&config)?;
            let (written, pending) = export(&config, &out, all_records, session.as_ref())?;
            commit(session.as_ref(), pending.map(|p| (p, None)))?;
            for written in written {
                println!(
                    "wrote {} ({} rows)",
                    escape::terminal(&written.path.display().to_string()),
                    written.rows
                );
            }
            Ok(())
        }
        Command::Sql(a) => {
            print!("{}", crate::export::sql::print(&a)?);
            Ok(())
        }
    }
}

/// Everything the stages found: what was read, the timelines, and the answers.
pub struct Analysis {
    /// What was read.
    pub ingested: Ingested,
    /// One timeline per upload.
    pub timelines: Timelines,
    /// The abort episodes of every identity.
    pub episodes: attribute::Episodes,
    /// The cause of each NoSuchUpload.
    pub findings: Vec<attribute::Finding>,
    /// The findings grouped into incidents.
    pub incidents: Incidents,
    /// The diagnosis of every other failed request.
    pub other_failures: Vec<diagnose::OtherFailure>,
    /// Uploads left open.
    pub orphans: Vec<attribute::Orphan>,
    /// Buckets named by `--lifecycle`.
    pub lifecycle_buckets: Vec<BucketName>,
    /// Notes for the report (what `--fetch-lifecycle` found).
    pub notes: Vec<report::Note>,
    /// With `--state`: the next state, to be put in place once the output is written.
    pub pending: Option<Pending>,
}

impl Analysis {
    /// The report of the analysis.
    pub fn report(&self) -> Report {
        Report::new(
            &report::Analysed {
                ingested: &self.ingested,
                timelines: &self.timelines,
                episodes: &self.episodes,
                findings: &self.findings,
                incidents: &self.incidents,
                other_failures: &self.other_failures,
                orphans: &self.orphans,
            },
            &self.lifecycle_buckets,
            self.notes.clone(),
        )
    }
}

/// Opens the state `--state` names, if it does.
fn open_state(config: &Config) -> Result<Option<Session>> {
    config
        .state
        .as_deref()
        .map(|dir| Session::open(dir, config.identity.clone(), config.decode.since))
        .transpose()
}

/// Puts the next state in place, once the output is written, with what this run reported (or,
/// for a run that reports nothing to remember, what the last one did).
fn commit(
    session: Option<&Session>,
    pending: Option<(Pending, Option<BTreeSet<String>>)>,
) -> Result<()> {
    match (session, pending) {
        (Some(session), Some((pending, reported))) => {
            let reported = reported.unwrap_or_else(|| session.reported_before().clone());
            pending.commit(session, reported)
        }
        _ => Ok(()),
    }
}

/// Reads the sources and tells the story of each upload in focus.
pub fn timeline(
    config: &Config,
    session: Option<&Session>,
) -> Result<(TimelineReport, Option<Pending>)> {
    on_pool(config, |rules| {
        let a = analysis(config, rules, session)?;
        let report = a.report();
        let timelines = timeline::build(&a.ingested, &a.timelines, &report, &config.focus)
            .map_err(|TooMany(n)| {
                Error::Usage(format!(
                    "{n} uploads: more than {UNFOCUSED_LIMIT} to print without a focus; narrow with --bucket, --key, --upload-id or --actor"
                ))
            })?;
        Ok((timelines, a.pending))
    })
}

/// Reads the sources and writes the analysis as Parquet under `out` (every record too, with
/// `all_records`).
pub fn export(
    config: &Config,
    out: &Path,
    all_records: bool,
    session: Option<&Session>,
) -> Result<(Vec<export::Written>, Option<Pending>)> {
    let fail = |reason: String| Error::Export {
        target: out.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(out).map_err(|e| fail(crate::error::plain(&e)))?;
    let mut config = config.clone();
    config.decode.keep_parts = true;
    let (mut written, pending) = on_pool(&config, |rules| {
        let a = analysis(&config, rules, session)?;
        let report = a.report();
        let written = export::write_analysis(
            out,
            &a.ingested,
            &a.timelines,
            &a.findings,
            &a.orphans,
            &report,
        )
        .map_err(fail)?;
        Ok((written, a.pending))
    })?;
    if all_records {
        written.extend(on_pool(&config, |_| {
            export::records::write(&config, out).map_err(fail)
        })?);
    }
    Ok((written, pending))
}

/// A `--lifecycle` file read: the bucket, the file, its rules.
type LifecycleFile = (BucketName, PathBuf, Vec<Rule>);

/// Runs `work` on a pool of the configured size, with the lifecycle files read.
fn on_pool<T: Send>(
    config: &Config,
    work: impl FnOnce(Vec<LifecycleFile>) -> Result<T> + Send,
) -> Result<T> {
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
    pool.install(|| work(rules))
}

fn analysis(
    config: &Config,
    rules: Vec<LifecycleFile>,
    session: Option<&Session>,
) -> Result<Analysis> {
    let bar = progress_bar(config);
    let inputs = sources::open(
        &config.sources,
        config.decode.max_decoded.min(decode::HOLD),
        &config.s3,
        &bar,
        session.map(Session::resume),
    );
    bar.inc_length(inputs.known_bytes);
    let meter = Meter::new(bar);
    let (mut ingested, pending) = match session {
        Some(session) => ingest::ingest_with_state(inputs.stream, &config.decode, &meter, session)?,
        None => (ingest::ingest(inputs.stream, &config.decode, &meter), None),
    };
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
        let named: Vec<String> = config.sources.iter().map(ToString::to_string).collect();
        let named = format!("{}{}", named.join(", "), listed_with(config));
        return Err(Error::NoFiles(named));
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

    let lifecycle_buckets: Vec<BucketName> =
        rules.iter().map(|(bucket, ..)| bucket.clone()).collect();
    let mut today: Vec<(BucketName, RuleSource, Vec<Rule>)> = rules
        .into_iter()
        .map(|(bucket, path, rules)| (bucket, RuleSource::File(path), rules))
        .collect();
    let timelines = correlate::correlate(&ingested.events, std::mem::take(&mut ingested.parts));
    crate::memory::give_back();
    // The stretch of time the analysis saw: the records read, within the window.
    let span = ingested
        .inputs
        .first_event
        .zip(ingested.inputs.last_event)
        .map(|(first, last)| {
            let first = config.decode.since.map_or(first, |s| first.max(s));
            let last = config.decode.until.map_or(last, |u| last.min(u));
            (first, last.max(first))
        });
    let episodes = attribute::episodes(&ingested.events, &ingested.strings);
    let explain = |lifecycle: &Lifecycle| {
        let evidence = Evidence {
            events: &ingested.events,
            strings: &ingested.strings,
            timelines: &timelines,
            lifecycle,
            span,
            episodes: &episodes,
            buckets: &ingested.buckets,
            context: &ingested.context,
        };
        (
            attribute::attribute(&evidence),
            attribute::orphans(&evidence),
            diagnose::diagnose(&evidence),
        )
    };
    let mut lifecycle = Lifecycle::new(&ingested.lifecycle, today.clone());
    let (mut findings, mut orphans, mut other_failures) = explain(&lifecycle);
    let mut notes = Vec::new();
    if config.fetch_lifecycle {
        // S3 buckets whose answer a configuration could change, and that have none yet.
        let mut buckets: Vec<String> = findings
            .iter()
            .map(|f| ingested.events[f.failure].bucket)
            .chain(orphans.iter().map(|o| timelines.uploads[o.upload].bucket))
            .map(|b| ingested.strings.bucket_name(b))
            .filter(|b| b.provider == Provider::Aws && !lifecycle.knows(b))
            .map(|b| b.name)
            .collect();
        buckets.sort();
        buckets.dedup();
        if !buckets.is_empty() {
            for (bucket, fetched) in s3::lifecycle_configurations(&config.s3, &buckets) {
                let note = report::fetched_lifecycle_note(&bucket, &fetched);
                match fetched {
                    s3::Configuration::Rules(rules) => {
                        today.push((BucketName::s3(bucket), RuleSource::Fetched, rules));
                    }
                    s3::Configuration::None => {
                        today.push((BucketName::s3(bucket), RuleSource::Fetched, Vec::new()))
                    }
                    s3::Configuration::Failed(_) => {}
                }
                notes.push(note);
            }
            lifecycle = Lifecycle::new(&ingested.lifecycle, today);
            (findings, orphans, other_failures) = explain(&lifecycle);
        }
    }
    let incidents = incidents::group(&findings, &ingested.events, &ingested.strings, &episodes);
    Ok(Analysis {
        ingested,
        timelines,
        episodes,
        findings,
        incidents,
        other_failures,
        orphans,
        lifecycle_buckets,
        notes,
        pending,
    })
}

/// The options that narrowed what the buckets listed (` (listed with --account 1, from …)`), for
/// a run that found nothing to read; empty without a bucket among the sources.
fn listed_with(config: &Config) -> String {
    if !config
        .sources
        .iter()
        .any(|s| matches!(s, Source::Bucket(_)))
    {
        return String::new();
    }
    let s3 = &config.s3;
    let said: Vec<String> = [
        (!s3.accounts.is_empty()).then(|| format!("--account {}", s3.accounts.join(","))),
        (!s3.log_regions.is_empty()).then(|| format!("--log-region {}", s3.log_regions.join(","))),
        s3.since
            .map(|t| format!("from {}", attribute::text::when(t))),
        s3.until
            .map(|t| format!("before {}", attribute::text::when(t))),
    ]
    .into_iter()
    .flatten()
    .collect();
    match said.is_empty() {
        true => String::new(),
        false => format!(" (listed with {})", said.join(", ")),
    }
}

/// Reads every `--lifecycle` file. The file's content says which cloud's configuration it is
/// (OSS's XML, or S3's JSON or XML), unless the bucket was written `oss://NAME` or `s3://NAME`.
fn read_lifecycle_files(config: &Config) -> Result<Vec<LifecycleFile>> {
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
            let (written_for, rules) = decode::parse_lifecycle_file(&bytes).map_err(fail)?;
            let bucket = match (
                f.bucket.strip_prefix("oss://"),
                f.bucket.strip_prefix("s3://"),
            ) {
                (Some(name), _) => BucketName::new(Provider::Alibaba, name),
                (_, Some(name)) => BucketName::s3(name),
                _ => BucketName::new(written_for, f.bucket.as_str()),
            };
            Ok((bucket, f.path.clone(), rules))
        })
        .collect()
}

fn progress_bar(config: &Config) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed:>4} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {prefix}{msg}",
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

/// Writes to `--output` or standard output with `write`.
fn write_output(
    config: &Config,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
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
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|source| Error::Output { target, source })
}

/// Whether the error is a closed pipe (`uploadtrail … | head`), which is not a failure.
pub fn is_broken_pipe(err: &Error) -> bool {
    matches!(err, Error::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}
