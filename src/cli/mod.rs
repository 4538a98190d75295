//! The command line: [`Args`] holds what was typed, [`Config`] what the run will do.
//!
//! `Config::from_args` resolves everything once (times, sources, formats, terminals), so no
//! pipeline stage ever sees clap.

mod config;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use config::{Config, LifecycleFile};

use crate::decode::DEFAULT_MAX_DECODED;

const EXAMPLES: &str = "\
Examples:
  Explain the failures in a downloaded trail:
    uploadtrail analyze ./AWSLogs

  Only one week, with the bucket's lifecycle rules as the AWS CLI prints them:
    aws s3api get-bucket-lifecycle-configuration --bucket media > media-rules.json
    uploadtrail analyze ./AWSLogs --since 2026-11-01 --until 2026-11-07 \\
        --lifecycle media=media-rules.json

  Straight from the trail's bucket: one week of one region of an organisation trail:
    uploadtrail analyze s3://org-trail-logs --since 2026-11-01 --until 2026-11-07 \\
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

  Watch a trail every hour: read only the objects delivered since the last run, report only the
  failures that are new, and exit with 3 when there is one:
    uploadtrail analyze s3://org-trail-logs/AWSLogs/ --since 2026-11-01 \\
        --state /var/lib/uploadtrail/org --new-only --exit-code --format json

Exit status:
  0  the analysis ran; failures found and problems with single files are in the report
  1  an error stopped the run (no readable input, unwritable output, a problem under --strict,
     a --state that cannot be used)
  2  the command line is wrong
  3  with --exit-code: the report holds at least one failure (NoSuchUpload or other)";

/// uploadtrail: who or what killed your S3 or OSS multipart upload?
///
/// Reads CloudTrail and ActionTrail logs and S3 and OSS access logs, follows every multipart upload
/// by its upload ID and, for every request that failed with NoSuchUpload, names the cause: the
/// principal that aborted or completed the upload first, the lifecycle rule that removed it, the
/// sweep it died in, the writer that won the race for its key, a request aimed at the wrong key, or
/// an upload ID that never existed in the logs; every other failed multipart request gets its
/// diagnosis, its evidence and who.
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
    /// Explain every NoSuchUpload failure and every other failed multipart request, group them into
    /// incidents, and list incomplete uploads.
    #[command(after_help = EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Print the story of each upload: every request of it in time order, who sent it, what
    /// came back, which log showed it, and the verdict of each failure.
    #[command(after_help = TIMELINE_EXAMPLES)]
    Timeline(AnalyzeArgs),
    /// Write the analysis as Parquet: events, uploads and failures (and every record, flattened,
    /// with --all-records), for Athena, Spark, DuckDB or polars.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Print the query that produces the columns of events.parquet from a raw trail, on Athena or
    /// Spark; `uploadtrail analyze` reads its result.
    #[command(after_help = SQL_EXAMPLES)]
    Sql(SqlArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), from the same definitions as --help.
    Man,
}

const TIMELINE_EXAMPLES: &str = "\
Examples:
  Every request of one upload, in time order, with who sent it and what came back:
    uploadtrail timeline ./AWSLogs --upload-id 'VXBsb2FkIElE…'

  The uploads under a prefix of one bucket, as JSON:
    uploadtrail timeline ./AWSLogs --bucket media --key videos/2026/ --format json

  Without a focus option, at most 50 uploads are printed; narrow with --bucket, --key,
  --upload-id or --actor.";

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
    uploadtrail sql --engine athena --ddl \\
        --location s3://acme-trail/AWSLogs/111122223333/CloudTrail/

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

    /// What is reported.
    #[command(flatten)]
    pub focus: FocusArgs,

    /// What is written.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options that narrow what is reported (everything is still read and decided).
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Focus")]
pub struct FocusArgs {
    /// Report only this bucket (NAME, or s3://NAME / oss://NAME for one cloud's; repeatable).
    #[arg(long, value_name = "NAME")]
    pub bucket: Vec<String>,

    /// Report only keys that start with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub key: Vec<String>,

    /// Report only this upload (repeatable).
    #[arg(long, value_name = "ID")]
    pub upload_id: Vec<String>,

    /// Report only requests whose caller or culprit has TEXT in its name, ARN or role ARN
    /// (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub actor: Vec<String>,
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

    /// Keep what this run read in DIR, and read only what is new next time: files not read
    /// before (or changed), objects listed since; the answer is a full run's. DIR is locked while
    /// a run uses it.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
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
    /// `https://s3.oss-REGION.aliyuncs.com` from --region), with virtual-hosted addressing.
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

    /// The most S3 requests in flight at once: they start at 128 and grow to this while the
    /// decoders wait for objects (far from S3, many small objects need many), and halve each time
    /// the store answers 503 SlowDown.
    #[arg(long, value_name = "N", default_value_t = 512)]
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

    /// Colour the table by cause: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Report only the failures, other failures and incomplete uploads that the last run with
    /// the same --state did not report (needs --state).
    #[arg(long)]
    pub new_only: bool,

    /// Exit with status 3 when the report holds at least one failure or other failure (after
    /// --new-only and the focus options).
    #[arg(long)]
    pub exit_code: bool,
}

/// When to colour the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the NO_COLOR environment variable is set.
    Auto,
    /// Always, even into a file or a pipe.
    Always,
    /// Never.
    Never,
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
    /// One self-contained HTML page: summary, incidents, a swimlane per upload with failures,
    /// other failures, incomplete uploads and notes (no network access of any kind).
    Html,
}
