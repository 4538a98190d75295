//! What a command line resolves to: the run's [`Config`], checked, with the times, files and
//! sources parsed.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::{AnalyzeArgs, ColorChoice, ExportArgs, FocusArgs, Format, OutputArgs};
use crate::decode;
use crate::error::{Error, Result};
use crate::model::Time;
use crate::report::Focus;
use crate::sources::{Source, s3};

/// A `--lifecycle BUCKET=PATH` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleFile {
    /// The bucket.
    pub bucket: String,
    /// The file holding its configuration.
    pub path: PathBuf,
}

/// Everything a run needs, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the logs are.
    pub sources: Vec<Source>,
    /// What the decoder needs (window, size cap).
    pub decode: decode::Options,
    /// Lifecycle configuration files.
    pub lifecycle_files: Vec<LifecycleFile>,
    /// Decoding threads.
    pub threads: usize,
    /// Stop at the first problem.
    pub strict: bool,
    /// The report format.
    pub format: Format,
    /// Where the report goes (`None` = standard output).
    pub output: Option<PathBuf>,
    /// Whether the report goes to a terminal (escape for it, show a table by default).
    pub output_is_terminal: bool,
    /// Whether to draw a progress bar on stderr.
    pub progress: bool,
    /// How S3 is reached, and what is listed there.
    pub s3: s3::Settings,
    /// Fetch the lifecycle configuration of buckets with failures.
    pub fetch_lifecycle: bool,
    /// What is reported.
    pub focus: Focus,
    /// Whether the table is coloured by cause.
    pub color: bool,
    /// `--state`: the folder of the incremental state.
    pub state: Option<PathBuf>,
    /// What a state is for (see [`crate::ingest::state::Identity`]).
    pub identity: crate::ingest::state::Identity,
    /// `--new-only`: report only what the last run with the state did not.
    pub new_only: bool,
    /// `--exit-code`: exit with 3 when the report holds failures.
    pub exit_code: bool,
}

impl Config {
    /// Resolves the arguments of `export`: the run's configuration, the folder and whether every
    /// record is written.
    pub fn from_export(args: ExportArgs) -> Result<(Config, PathBuf, bool)> {
        let analyze = AnalyzeArgs {
            sources: args.sources,
            input: args.input,
            s3: args.s3,
            focus: FocusArgs::default(),
            output: OutputArgs {
                format: Some(Format::Json),
                output: None,
                no_progress: args.no_progress,
                color: ColorChoice::Never,
                new_only: false,
                exit_code: false,
            },
        };
        let config = Config::from_analyze(analyze)?;
        if args.all_records && config.state.is_some() {
            return Err(Error::Usage(
                "--all-records writes every record of every file, which a state does not keep: give it without --state".to_owned(),
            ));
        }
        Ok((config, args.out, args.all_records))
    }

    /// Resolves the arguments of `analyze`.
    pub fn from_analyze(args: AnalyzeArgs) -> Result<Config> {
        let since = args
            .input
            .since
            .as_deref()
            .map(|t| parse_time_arg(t, false))
            .transpose()?;
        let until = args
            .input
            .until
            .as_deref()
            .map(|t| parse_time_arg(t, true))
            .transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            // Say it with what was typed: a date alone in --until runs to the end of that day,
            // so its time is the next day's midnight.
            return Err(Error::Usage(format!(
                "--since {} is not before --until {}: the window would run from {s} to {u}",
                args.input.since.as_deref().unwrap_or_default(),
                args.input.until.as_deref().unwrap_or_default()
            )));
        }
        let lifecycle_files = args
            .input
            .lifecycle
            .iter()
            .map(|a| parse_lifecycle_arg(a))
            .collect::<Result<_>>()?;
        let threads = match args.input.threads {
            Some(0) => return Err(Error::Usage("--threads must be at least 1".to_owned())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        if args.input.max_decoded_mib == 0 {
            return Err(Error::Usage(
                "--max-decoded-mib must be at least 1".to_owned(),
            ));
        }
        let output_is_terminal = args.output.output.is_none() && std::io::stdout().is_terminal();
        let format = args.output.format.unwrap_or(if output_is_terminal {
            Format::Table
        } else {
            Format::Json
        });
        page_not_for_a_terminal(format, output_is_terminal)?;
        if let Some(bad) = args
            .s3
            .account
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::Usage(format!(
                "--account {bad:?}: an AWS account ID is 12 digits"
            )));
        }
        if args.s3.s3_requests == 0 || args.s3.s3_memory_mib == 0 {
            return Err(Error::Usage(
                "--s3-requests and --s3-memory-mib must be at least 1".to_owned(),
            ));
        }
        let sources = args
            .sources
            .iter()
            .map(|s| Source::parse(s).map_err(Error::Usage))
            .collect::<Result<Vec<_>>>()?;
        if args.output.new_only && args.input.state.is_none() {
            return Err(Error::Usage(
                "--new-only needs --state DIR: the state remembers what was reported".to_owned(),
            ));
        }
        if args.input.state.is_some() && sources.contains(&Source::Stdin) {
            return Err(Error::Usage(
                "--state cannot follow standard input (-): it keeps what was read of files and buckets".to_owned(),
            ));
        }
        let identity = crate::ingest::state::Identity {
            sources: args.sources.clone(),
            until,
            accounts: args.s3.account.clone(),
            log_regions: args.s3.log_region.clone(),
            max_decoded_mib: args.input.max_decoded_mib,
            endpoint_url: args.s3.endpoint_url.clone(),
        };
        let s3 = s3::Settings {
            profile: args.s3.profile,
            region: args.s3.region,
            endpoint_url: args.s3.endpoint_url,
            accounts: args.s3.account,
            log_regions: args.s3.log_region,
            since,
            until,
            requests: args.s3.s3_requests,
            memory: args.s3.s3_memory_mib.saturating_mul(1 << 20),
        };
        Ok(Config {
            sources,
            decode: decode::Options {
                max_decoded: args.input.max_decoded_mib.saturating_mul(1 << 20),
                since,
                until,
                keep_parts: false,
            },
            lifecycle_files,
            threads,
            strict: args.input.strict,
            format,
            output: args.output.output,
            output_is_terminal,
            progress: !args.output.no_progress && std::io::stderr().is_terminal(),
            s3,
            fetch_lifecycle: args.s3.fetch_lifecycle,
            focus: Focus {
                buckets: args.focus.bucket,
                keys: args.focus.key,
                upload_ids: args.focus.upload_id,
                actors: args.focus.actor,
            },
            state: args.input.state,
            identity,
            new_only: args.output.new_only,
            exit_code: args.output.exit_code,
            color: match args.output.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    output_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            },
        })
    }
}

/// `--format html` is a page for a browser: printed on a terminal, it is a screenful of markup.
fn page_not_for_a_terminal(format: Format, output_is_terminal: bool) -> Result<()> {
    match (format, output_is_terminal) {
        (Format::Html, true) => Err(Error::Usage(
            "--format html writes a page for a browser: give --output report.html (or send the output to a file)"
                .to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Reads `--since` / `--until`. A bare date means its midnight (UTC); for `--until` (`end`) it
/// means the midnight after, so that the day itself is included.
fn parse_time_arg(arg: &str, end: bool) -> Result<Time> {
    if let Some(t) = decode::parse_time(arg) {
        return Ok(t);
    }
    if let Ok(date) = NaiveDate::parse_from_str(arg, "%Y-%m-%d") {
        let date = if end {
            date.checked_add_days(Days::new(1))
        } else {
            Some(date)
        };
        if let Some(t) = date.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Ok(t.and_utc());
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(arg, format) {
            return Ok(t.and_utc());
        }
    }
    Err(Error::Usage(format!(
        "{arg:?} is not a time: write 2026-11-01, 2026-11-01T08:00 or 2026-11-01T08:00:00Z"
    )))
}

fn parse_lifecycle_arg(arg: &str) -> Result<LifecycleFile> {
    match arg.split_once('=') {
        Some((bucket, path)) if !bucket.is_empty() && !path.is_empty() => Ok(LifecycleFile {
            bucket: bucket.to_owned(),
            path: PathBuf::from(path),
        }),
        _ => Err(Error::Usage(format!(
            "--lifecycle {arg:?}: write BUCKET=PATH, e.g. media=media-rules.json"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Args, Command};
    use clap::{CommandFactory, Parser};

    #[test]
    fn verify_cli() {
        Args::command().debug_assert();
    }

    /// Examples are printed as they are written: a command that clap wrapped could not be copied.
    #[test]
    fn examples_are_printed_as_written() {
        use crate::cli::{EXAMPLES, EXPORT_EXAMPLES, SQL_EXAMPLES, TIMELINE_EXAMPLES};
        for (command, examples) in [
            ("uploadtrail", EXAMPLES),
            ("uploadtrail analyze", EXAMPLES),
            ("uploadtrail timeline", TIMELINE_EXAMPLES),
            ("uploadtrail export", EXPORT_EXAMPLES),
            ("uploadtrail sql", SQL_EXAMPLES),
        ] {
            let words = command.split(' ').chain(["--help"]);
            let help = Args::try_parse_from(words).unwrap_err().to_string();
            assert!(
                help.contains(examples),
                "`{command} --help` wraps its examples:\n{help}"
            );
        }
    }

    #[test]
    fn reads_times() {
        let t = |s, end| parse_time_arg(s, end).map(|t| t.to_rfc3339());
        assert_eq!(t("2026-11-01", false).unwrap(), "2026-11-01T00:00:00+00:00");
        assert_eq!(t("2026-11-01", true).unwrap(), "2026-11-02T00:00:00+00:00");
        assert_eq!(
            t("2026-11-01T08:30", true).unwrap(),
            "2026-11-01T08:30:00+00:00"
        );
        assert_eq!(
            t("2026-11-01T08:30:00+02:00", false).unwrap(),
            "2026-11-01T06:30:00+00:00"
        );
        assert!(t("last tuesday", false).is_err());
    }

    #[test]
    fn reads_lifecycle_arguments() {
        let arg = parse_lifecycle_arg("media=rules/media.json").unwrap();
        assert_eq!(
            (arg.bucket.as_str(), arg.path.to_str().unwrap()),
            ("media", "rules/media.json")
        );
        assert!(parse_lifecycle_arg("media").is_err());
        assert!(parse_lifecycle_arg("=x.json").is_err());
    }

    #[test]
    fn an_html_page_is_not_printed_on_a_terminal() {
        assert!(page_not_for_a_terminal(Format::Html, true).is_err());
        assert!(page_not_for_a_terminal(Format::Html, false).is_ok());
        assert!(page_not_for_a_terminal(Format::Table, true).is_ok());
    }

    #[test]
    fn checks_the_window() {
        let args = Args::try_parse_from([
            "uploadtrail",
            "analyze",
            "x",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-01",
        ])
        .unwrap();
        let Command::Analyze(a) = args.command else {
            panic!("analyze")
        };
        let Err(Error::Usage(why)) = Config::from_analyze(a) else {
            panic!("an empty window is refused")
        };
        assert_eq!(
            why,
            "--since 2026-11-02 is not before --until 2026-11-01: the window would run from \
             2026-11-02 00:00:00 UTC to 2026-11-02 00:00:00 UTC"
        );
    }
}
