//! The command line: [`Args`] holds what was typed, [`Config`] what the run will do.
//!
//! `Config::from_args` resolves everything once (times, sources, formats, terminals), so no
//! pipeline stage ever sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{Days, NaiveDate, NaiveDateTime};
use clap::{Parser, Subcommand, ValueEnum};

use crate::decode::{self, DEFAULT_MAX_DECODED};
use crate::error::{Error, Result};
use crate::model::Time;
use crate::sources::{Source, s3};

const EXAMPLES: &str = "\
Examples:
  Explain the failures in a downloaded trail:
    uploadtrail analyze ./AWSLogs

  Only one week, with the bucket's lifecycle rules as the AWS CLI prints them:
    aws s3api get-bucket-lifecycle-configuration --bucket media > media-rules.json
    uploadtrail analyze ./AWSLogs --since 2026-11-01 --until 2026-11-07 --lifecycle media=media-rules.json

    Straight from the trail's bucket: one week of one region of an organisation trail:
    uploadtrail analyze s3://org-trail-logs --since 2026-11-01 --until 2026-11-07 \
        --log-region us-east-1 --profile audit --fetch-lifecycle

  With S3 server access logs, which show lifecycle aborts and work without data events:
    uploadtrail analyze s3://org-trail-logs/AWSLogs/ s3://access-logs/media-uploads/

  Alibaba Cloud OSS: ActionTrail (trail files and Log Service exports), OSS access logs, and the
  bucket's lifecycle XML as `ossutil lifecycle --method get` or GetBucketLifecycle returns it:
    uploadtrail analyze ./actiontrail ./oss-access-logs --lifecycle oss://media=media-lifecycle.xml
    uploadtrail analyze oss://audit-trail/AliyunLogs/ --region cn-hangzhou --since 2026-11-01

  Machine-readable answer, from a bundle and from stdin:
    uploadtrail analyze trail-2026-11.tar.gz --format json --output answer.json
    zcat events.ndjson.gz | uploadtrail analyze - --format ndjson

Exit status:
  0  the analysis ran; failures found and problems with single files are in the report
  1  an error stopped the run (no readable input, unwritable output, a problem under --strict)
  2  the command line is wrong";

/// uploadtrail: who or what killed your S3 multipart upload?
///
/// Reads CloudTrail logs, follows every multipart upload by its upload ID and, for every request
/// that failed with NoSuchUpload, names the cause: the principal that aborted or completed the
/// upload first, the lifecycle rule that removed it, a request aimed at the wrong key, or an
/// upload ID that never existed in the logs.
#[derive(Debug, Parser)]
#[command(name = "uploadtrail", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain every NoSuchUpload failure and list incomplete uploads.
    #[command(after_help = EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Write the analysis as Parquet: events, uploads and failures (and every record, flattened,
    /// with --all-records), for Athena, Spark, DuckDB or polars.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Print the query that produces the columns of events.parquet from a raw trail, on Athena or
    /// Spark; `uploadtrail analyze` reads its result.
    #[command(after_help = SQL_EXAMPLES)]
    Sql(SqlArgs),
}

const EXPORT_EXAMPLES: &str = "\
Examples:
  Export the fixture trail, then query it with DuckDB:
    uploadtrail export fixtures/trail --out trail-parquet
    duckdb -c \"SELECT cause, count(*) FROM 'trail-parquet/failures.parquet' GROUP BY cause\"

  The same answer again, from the exported events:
    uploadtrail analyze trail-parquet/events.parquet

  Every record of a month, flattened and partitioned by account, region and date:
    uploadtrail export s3://org-trail --since 2026-10-01 --until 2026-10-31 --out oct --all-records";

const SQL_EXAMPLES: &str = "\
Examples:
  Athena: create the CloudTrail table (partition projection), then extract the events:
    uploadtrail sql --engine athena --ddl --location s3://acme-trail/AWSLogs/111122223333/CloudTrail/

  Spark: run the printed statements (spark-sql -f, or spark.sql one by one), write the result as
  Parquet, and analyse it:
    uploadtrail sql --engine spark --path s3a://acme-trail/AWSLogs/ > events.sql
    uploadtrail analyze ./events-from-spark/";

/// `uploadtrail export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Where the logs are, as for `analyze`.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,

    /// The folder to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Also write every CloudTrail record, flattened (top-level fields as columns,
    /// `userIdentity` flattened, nested objects as JSON text), under
    /// DIR/records/account=…/region=…/date=…/.
    #[arg(long)]
    pub all_records: bool,

    /// What is read.
    #[command(flatten)]
    pub input: InputArgs,

    /// How S3 is reached.
    #[command(flatten)]
    pub s3: S3Args,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// The engines `uploadtrail sql` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Amazon Athena (Trino/Presto SQL) over the standard CloudTrail table.
    Athena,
    /// Apache Spark SQL over the raw `.json.gz` files.
    Spark,
}

/// `uploadtrail sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The engine to write for.
    #[arg(long, value_enum)]
    pub engine: Engine,

    /// Athena: the CloudTrail table to read (and to create, with --ddl).
    #[arg(long, value_name = "NAME", default_value = "cloudtrail_logs")]
    pub table: String,

    /// Athena: also print the CREATE TABLE statement, with partition projection on region and
    /// date.
    #[arg(long, requires = "location")]
    pub ddl: bool,

    /// Athena, with --ddl: where the trail's logs are,
    /// s3://BUCKET/[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/.
    #[arg(long, value_name = "S3_URL")]
    pub location: Option<String>,

    /// Spark: where the raw trail is (a folder or URI Spark can read: file:, s3a:, hdfs:).
    #[arg(long, value_name = "PATH", required_if_eq("engine", "spark"))]
    pub path: Option<String>,
}

/// `uploadtrail analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Where the logs are: files, folders (searched recursively), bundles (.tar, .tar.gz, .tgz,
    /// .zip), s3://BUCKET[/PREFIX], oss://BUCKET[/PREFIX], or '-' for standard input. CloudTrail
    /// logs, gzip or plain, in any of the shapes CloudTrail, CloudWatch Logs, EventBridge and `aws
    /// cloudtrail lookup-events` write, S3 server access logs, ActionTrail events (trail files and
    /// Log Service exports) and OSS access logs.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,

    /// What is read.
    #[command(flatten)]
    pub input: InputArgs,

    /// How S3 is reached.
    #[command(flatten)]
    pub s3: S3Args,

    /// What is written.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options about what is read.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Only analyse multipart events at or after TIME (2026-11-01 or 2026-11-01T08:00:00Z; UTC
    /// unless an offset is given).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only analyse multipart events before TIME; a bare date includes that whole day.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// A bucket's lifecycle configuration, as printed by `aws s3api
    /// get-bucket-lifecycle-configuration --bucket BUCKET`, or the XML of S3 or OSS
    /// (repeatable). Write `oss://BUCKET=PATH` for an OSS bucket when the file does not say.
    #[arg(long, value_name = "BUCKET=PATH")]
    pub lifecycle: Vec<String>,

    /// Decode with N threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Stop with an error at the first problem with any input instead of reporting it.
    #[arg(long)]
    pub strict: bool,

    /// The most read of one input, in MiB after decompression: what lies beyond is reported as a
    /// problem (records before it are kept). Large inputs are read as streams, so this bounds
    /// time, not memory.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_DECODED >> 20)]
    pub max_decoded_mib: u64,
}

/// Options for `s3://` sources and `--fetch-lifecycle`. Credentials come from the standard chain
/// of the AWS SDKs: environment variables, the shared config and credentials files (profiles,
/// SSO), then container and instance roles.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "S3")]
pub struct S3Args {
    /// Use the named profile of the AWS config files, as the AWS CLI's --profile does.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The region of the S3 client; the region of each bucket is found out. For oss://, the
    /// OSS region (cn-hangzhou) whose endpoint is used.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Send S3 requests to URL, an S3-compatible endpoint, with path-style addressing
    /// (AWS_ENDPOINT_URL is also read); for oss://, OSS's S3-compatible endpoint (default
    /// https://s3.oss-REGION.aliyuncs.com from --region), with virtual-hosted addressing.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Only read the logs of these accounts of an organisation trail (repeatable or
    /// comma-separated).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub account: Vec<String>,

    /// Only read the logs of these regions (repeatable or comma-separated).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub log_region: Vec<String>,

    /// Read the current lifecycle configuration of every bucket with a NoSuchUpload failure
    /// (s3:GetLifecycleConfiguration) and use it where the logs hold no history.
    #[arg(long)]
    pub fetch_lifecycle: bool,

    /// S3 requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub s3_requests: usize,

    /// The most fetched S3 objects held in memory at once, waiting to be decoded, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub s3_memory_mib: u64,
}

/// Options about what is written.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// How to write the report (default: table on a terminal, json otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Never show a progress bar (it is only shown when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary by cause, then one row per failure, then incomplete uploads, for people.
    Table,
    /// One JSON document (the stable answer contract).
    Json,
    /// One JSON object per line: each failure, each incomplete upload, then a summary.
    Ndjson,
    /// One row per failure, safe to open in a spreadsheet.
    Csv,
}

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
}

impl Config {
    /// Resolves the arguments of `export`: the run's configuration, the folder and whether every
    /// record is written.
    pub fn from_export(args: ExportArgs) -> Result<(Config, PathBuf, bool)> {
        let analyze = AnalyzeArgs {
            sources: args.sources,
            input: args.input,
            s3: args.s3,
            output: OutputArgs {
                format: Some(Format::Json),
                output: None,
                no_progress: args.no_progress,
            },
        };
        Ok((Config::from_analyze(analyze)?, args.out, args.all_records))
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
            return Err(Error::Usage(format!(
                "--since {s} is not before --until {u}"
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
        })
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
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Args::command().debug_assert();
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
        assert!(Config::from_analyze(a).is_err());
    }
}
