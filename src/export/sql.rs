//! `uploadtrail sql`: the query that produces the columns of `events.parquet` from a raw trail,
//! for Athena (over the standard CloudTrail table, whose DDL it can print) or Spark (over the raw
//! `.json.gz` files). Both read each field the way the decoder does: bucket and key from
//! `requestParameters` (or the `resources` ARNs), the upload ID of a creation from any `UploadId`
//! member of `responseElements`, nested objects as JSON text. `uploadtrail analyze` reads the
//! result and gives the answer it gives from the raw logs.

use crate::cli::{Engine, SqlArgs};
use crate::error::{Error, Result};
use crate::export::schema::{EVENTS, Kind};

/// The S3 event sources whose records are read.
const SOURCES: &str = "'s3.amazonaws.com', 's3express.amazonaws.com', 's3-outposts.amazonaws.com'";

/// The S3 event names kept: the multipart operations, the lifecycle changes, and the context
/// records of S3 (permission changes, deletions, writes of keys).
const NAMES: &str = "'CreateMultipartUpload', 'InitiateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'ListParts', 'ListMultipartUploads', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'PutBucketLifecycle', 'PutBucketLifecycleConfiguration', 'DeleteBucketLifecycle', 'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutPublicAccessBlock', 'DeleteBucket', 'DeleteObject', 'PutObject', 'CopyObject'";

/// The IAM event names kept: policy changes of roles and users.
const IAM_NAMES: &str = "'PutRolePolicy', 'DeleteRolePolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'PutUserPolicy', 'DeleteUserPolicy', 'AttachUserPolicy', 'DetachUserPolicy'";

/// The KMS event names kept: changes of a key that stop its use.
const KMS_NAMES: &str = "'DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'";

/// Regions for the Athena table's partition projection.
const REGIONS: &str = "us-east-1,us-east-2,us-west-1,us-west-2,af-south-1,ap-east-1,ap-south-1,ap-south-2,ap-southeast-1,ap-southeast-2,ap-southeast-3,ap-southeast-4,ap-southeast-5,ap-southeast-7,ap-northeast-1,ap-northeast-2,ap-northeast-3,ca-central-1,ca-west-1,eu-central-1,eu-central-2,eu-west-1,eu-west-2,eu-west-3,eu-south-1,eu-south-2,eu-north-1,il-central-1,me-south-1,me-central-1,mx-central-1,sa-east-1";

/// The SQL `uploadtrail sql` prints for these arguments.
pub fn print(args: &SqlArgs) -> Result<String> {
    match args.engine {
        Engine::Athena => {
            let mut out = String::new();
            if args.ddl {
                let location = args.location.as_deref().ok_or_else(|| {
                    Error::Usage("--ddl needs --location s3://BUCKET/…/CloudTrail/".to_owned())
                })?;
                out.push_str(&athena_ddl(&args.table, location)?);
                out.push('\n');
            }
            out.push_str(&athena_select(&args.table));
            Ok(out)
        }
        Engine::Spark => {
            let path = args
                .path
                .as_deref()
                .ok_or_else(|| Error::Usage("--engine spark needs --path".to_owned()))?;
            Ok(spark(path))
        }
    }
}

/// A literal of Spark or Athena SQL.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// How each column of `events.parquet` is computed, per engine, in the schema's order.
fn expressions(engine: Engine) -> Vec<(&'static str, String)> {
    // Each engine names a record's fields and its JSON functions differently.
    let (field, json, regex, empty_null, cast) = match engine {
        Engine::Spark => (
            (|f: &str| format!("r[{}]", literal(f))) as fn(&str) -> String,
            (|doc: &str, path: &str| format!("get_json_object({doc}, {})", literal(path)))
                as fn(&str, &str) -> String,
            (|s: &str, re: &str| format!("nullif(regexp_extract({s}, {}, 1), '')", literal(re)))
                as fn(&str, &str) -> String,
            (|e: &str| format!("nullif({e}, '')")) as fn(&str) -> String,
            (|e: &str, t: &str| format!("CAST({e} AS {t})")) as fn(&str, &str) -> String,
        ),
        Engine::Athena => (
            (|f: &str| f.to_ascii_lowercase()) as fn(&str) -> String,
            (|doc: &str, path: &str| format!("json_extract_scalar({doc}, {})", literal(path)))
                as fn(&str, &str) -> String,
            (|s: &str, re: &str| format!("nullif(regexp_extract({s}, {}, 1), '')", literal(re)))
                as fn(&str, &str) -> String,
            (|e: &str| format!("nullif({e}, '')")) as fn(&str) -> String,
            (|e: &str, t: &str| format!("TRY_CAST({e} AS {t})")) as fn(&str, &str) -> String,
        ),
    };
    let request = field("requestParameters");
    let response = field("responseElements");
    let event_name = field("eventName");
    let resources = match engine {
        Engine::Spark => field("resources"),
        Engine::Athena => "array_join(transform(resources, x -> x.arn), ' ')".to_owned(),
    };
    let identity = |path: &str| match engine {
        Engine::Spark => json(&field("userIdentity"), path),
        Engine::Athena => format!(
            "useridentity.{}",
            path.trim_start_matches("$.").to_ascii_lowercase()
        ),
    };
    let creation = format!("{event_name} IN ('CreateMultipartUpload', 'InitiateMultipartUpload')");
    let header = |name: &str| {
        format!(
            "CASE WHEN {creation} THEN {} END",
            regex(&response, &format!(r#"(?i)"{name}"\s*:\s*"([^"]*)""#))
        )
    };
    let time = match engine {
        Engine::Spark => format!("to_timestamp({})", field("eventTime")),
        Engine::Athena => format!(
            "CAST(from_iso8601_timestamp({}) AT TIME ZONE 'UTC' AS TIMESTAMP)",
            field("eventTime")
        ),
    };
    let origin = match engine {
        Engine::Spark => "origin".to_owned(),
        Engine::Athena => "\"$path\"".to_owned(),
    };
    let role = match engine {
        Engine::Spark => format!(
            "coalesce({}, {})",
            identity("$.sessionContext.sessionIssuer.arn"),
            identity("$.sessionContext.sessionIssuer.ARN")
        ),
        Engine::Athena => "useridentity.sessioncontext.sessionissuer.arn".to_owned(),
    };
    let on_behalf_of = match engine {
        Engine::Spark => format!(
            "coalesce({}, {})",
            identity("$.onBehalfOf.userId"),
            identity("$.userId")
        ),
        Engine::Athena => "useridentity.onbehalfof.userid".to_owned(),
    };
    let arn = match engine {
        Engine::Spark => format!("coalesce({}, {})", identity("$.arn"), identity("$.ARN")),
        Engine::Athena => "useridentity.arn".to_owned(),
    };
    let text = match engine {
        Engine::Spark => "STRING",
        Engine::Athena => "VARCHAR",
    };
    let columns = vec![
        ("event_time", time),
        ("event_name", event_name.clone()),
        (
            "bucket",
            format!(
                "coalesce({}, {}, {})",
                empty_null(&json(&request, "$.bucketName")),
                empty_null(&json(&request, "$.BucketName")),
                regex(&resources, r#"arn:[a-z-]*:s3:::([^/" ]+)"#)
            ),
        ),
        (
            "key",
            format!(
                "coalesce({}, {}, {})",
                empty_null(&json(&request, "$.key")),
                empty_null(&json(&request, "$.Key")),
                regex(&resources, r#"arn:[a-z-]*:s3:::[^/" ]+/([^" ]+)"#)
            ),
        ),
        (
            "upload_id",
            format!(
                "coalesce({}, {}, {})",
                empty_null(&json(&request, "$.uploadId")),
                empty_null(&json(&request, "$.UploadId")),
                header("uploadId")
            ),
        ),
        (
            "part_number",
            cast(
                &format!(
                    "coalesce({}, {})",
                    json(&request, "$.partNumber"),
                    json(&request, "$.PartNumber")
                ),
                "INT",
            ),
        ),
        (
            "bytes",
            cast(
                &cast(
                    &json(&field("additionalEventData"), "$.bytesTransferredIn"),
                    "DOUBLE",
                ),
                "BIGINT",
            ),
        ),
        ("error_code", field("errorCode")),
        ("actor_type", identity("$.type")),
        ("actor_arn", arn),
        ("actor_account_id", identity("$.accountId")),
        ("actor_principal_id", identity("$.principalId")),
        ("actor_role_arn", role),
        ("actor_invoked_by", identity("$.invokedBy")),
        ("actor_user_name", identity("$.userName")),
        ("actor_on_behalf_of", on_behalf_of),
        ("source_ip", field("sourceIPAddress")),
        ("user_agent", field("userAgent")),
        ("request_id", field("requestID")),
        ("event_id", field("eventID")),
        ("region", field("awsRegion")),
        ("account", field("recipientAccountId")),
        ("abort_date", header("x-amz-abort-date")),
        ("abort_rule_id", header("x-amz-abort-rule-id")),
        (
            "lifecycle_configuration",
            match engine {
                Engine::Spark => format!(
                    "CASE WHEN {event_name} IN ('PutBucketLifecycle', 'PutBucketLifecycleConfiguration') THEN get_json_object({request}, '$.LifecycleConfiguration') END"
                ),
                Engine::Athena => format!(
                    "CASE WHEN {event_name} IN ('PutBucketLifecycle', 'PutBucketLifecycleConfiguration') THEN json_format(json_extract({request}, '$.LifecycleConfiguration')) END"
                ),
            },
        ),
        ("evidence", "'cloudtrail'".to_owned()),
        ("also_in", format!("CAST(NULL AS {text})")),
        ("origin", origin),
        (
            "logs_from",
            match engine {
                Engine::Spark => "logs_from".to_owned(),
                Engine::Athena => {
                    "CAST(coverage.first_time AT TIME ZONE 'UTC' AS TIMESTAMP)".to_owned()
                }
            },
        ),
        (
            "logs_to",
            match engine {
                Engine::Spark => "logs_to".to_owned(),
                Engine::Athena => {
                    "CAST(coverage.last_time AT TIME ZONE 'UTC' AS TIMESTAMP)".to_owned()
                }
            },
        ),
        (
            "condition",
            format!(
                "CASE WHEN {event_name} = 'CompleteMultipartUpload' THEN {} END",
                regex(&request, r#"(?i)"(if-none-match|if-match)"\s*:"#)
            ),
        ),
        ("referer", format!("CAST(NULL AS {text})")),
        ("error_message", field("errorMessage")),
        (
            "sse",
            format!(
                "CASE WHEN {creation} AND (coalesce({}, '') LIKE 'aws:kms%' OR coalesce({}, '') LIKE 'aws:kms%') THEN 'aws:kms' END",
                regex(
                    &request,
                    r#""x-amz-server-side-encryption"\s*:\s*"([^"]*)""#
                ),
                regex(
                    &response,
                    r#"(?i)"x-amz-server-side-encryption"\s*:\s*"([^"]*)""#
                ),
            ),
        ),
        (
            "kms_key_id",
            format!(
                "CASE WHEN {creation} THEN coalesce({}, {}) END",
                regex(
                    &request,
                    r#""x-amz-server-side-encryption-aws-kms-key-id"\s*:\s*"([^"]*)""#
                ),
                regex(
                    &response,
                    r#"(?i)"x-amz-server-side-encryption-aws-kms-key-id"\s*:\s*"([^"]*)""#
                ),
            ),
        ),
        (
            "copy_source",
            format!(
                "CASE WHEN {event_name} = 'UploadPartCopy' THEN {} END",
                regex(&request, r#""x-amz-copy-source"\s*:\s*"([^"]*)""#)
            ),
        ),
        (
            "copy_source_range",
            format!(
                "CASE WHEN {event_name} = 'UploadPartCopy' THEN {} END",
                regex(&request, r#""x-amz-copy-source-range"\s*:\s*"([^"]*)""#)
            ),
        ),
        (
            "target",
            format!(
                "coalesce({}, {}, {})",
                empty_null(&json(&request, "$.roleName")),
                empty_null(&json(&request, "$.userName")),
                empty_null(&json(&request, "$.keyId"))
            ),
        ),
        ("provider", "'aws'".to_owned()),
        ("actor_name", format!("CAST(NULL AS {text})")),
        ("actor_access_key_id", format!("CAST(NULL AS {text})")),
    ];
    columns
}

fn select_list(engine: Engine) -> String {
    expressions(engine)
        .into_iter()
        .map(|(name, expr)| format!("  {expr} AS {name}"))
        .collect::<Vec<_>>()
        .join(",\n")
}

fn spark(path: &str) -> String {
    format!(
        "-- uploadtrail: the columns of events.parquet from the raw CloudTrail logs under {path}.
-- Run each statement with spark.sql() (or the file with spark-sql -f), then write the result:
--   spark.table(\"uploadtrail_events\").write.parquet(\"events/\")
-- and read it with: uploadtrail analyze events/
-- Records are read as maps of text, so that nested objects stay JSON text, as the decoder reads them.
CREATE OR REPLACE TEMPORARY VIEW uploadtrail_raw (Records ARRAY<MAP<STRING, STRING>>)
USING json
OPTIONS (path {path}, recursiveFileLookup 'true', pathGlobFilter '*.json*', multiLine 'true');

CREATE OR REPLACE TEMPORARY VIEW uploadtrail_records AS
SELECT r, regexp_replace(input_file_name(), '^file:(//)?', '') AS origin
FROM uploadtrail_raw LATERAL VIEW explode(Records) records AS r;

-- What the logs cover: the first and last eventTime of all records.
CREATE OR REPLACE TEMPORARY VIEW uploadtrail_coverage AS
SELECT min(to_timestamp(r['eventTime'])) AS logs_from, max(to_timestamp(r['eventTime'])) AS logs_to
FROM uploadtrail_records;

CREATE OR REPLACE TEMPORARY VIEW uploadtrail_events AS
SELECT
{columns}
FROM uploadtrail_records CROSS JOIN uploadtrail_coverage
WHERE (r['eventSource'] IN ({SOURCES}) AND r['eventName'] IN ({NAMES}))
   OR (r['eventSource'] = 'iam.amazonaws.com' AND r['eventName'] IN ({IAM_NAMES}))
   OR (r['eventSource'] = 'kms.amazonaws.com' AND r['eventName'] IN ({KMS_NAMES}));
",
        path = literal(path),
        columns = select_list(Engine::Spark),
    )
}

fn athena_select(table: &str) -> String {
    format!(
        "-- uploadtrail: the columns of events.parquet from the CloudTrail table {table}.
-- Write the result as Parquet with UNLOAD (SELECT …) TO 's3://…/events/' WITH (format = 'PARQUET'),
-- or CREATE TABLE … WITH (format = 'PARQUET') AS SELECT …, then: uploadtrail analyze ./events/
-- Add a predicate on the partition column \"timestamp\" (yyyy/MM/dd) to read only some days.
SELECT
{columns}
FROM {table}
CROSS JOIN (
  -- What the logs cover: the first and last eventTime of all records.
  SELECT min(from_iso8601_timestamp(eventtime)) AS first_time,
         max(from_iso8601_timestamp(eventtime)) AS last_time
  FROM {table}
) coverage
WHERE (eventsource IN ({SOURCES}) AND eventname IN ({NAMES}))
   OR (eventsource = 'iam.amazonaws.com' AND eventname IN ({IAM_NAMES}))
   OR (eventsource = 'kms.amazonaws.com' AND eventname IN ({KMS_NAMES}));
",
        columns = select_list(Engine::Athena),
    )
}

fn athena_ddl(table: &str, location: &str) -> Result<String> {
    let Some(rest) = location.strip_prefix("s3://") else {
        return Err(Error::Usage(format!(
            "--location {location:?}: write s3://BUCKET/[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/"
        )));
    };
    let location = format!("s3://{}/", rest.trim_end_matches('/'));
    Ok(format!(
        "-- The standard CloudTrail table, with partition projection on region and day
-- (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html).
CREATE EXTERNAL TABLE {table} (
  eventversion STRING,
  useridentity STRUCT<
    type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING,
    accesskeyid: STRING, username: STRING,
    onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>,
      ec2roledelivery: STRING,
      webidfederationdata: STRUCT<federatedprovider: STRING, attributes: MAP<STRING, STRING>>>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  eventcategory STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>
)
PARTITIONED BY (region STRING, `timestamp` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION {quoted}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.region.type' = 'enum',
  'projection.region.values' = '{REGIONS}',
  'projection.timestamp.type' = 'date',
  'projection.timestamp.format' = 'yyyy/MM/dd',
  'projection.timestamp.range' = '2013/11/01,NOW',
  'projection.timestamp.interval' = '1',
  'projection.timestamp.interval.unit' = 'DAYS',
  'storage.location.template' = {template}
);
",
        quoted = literal(&location),
        template = literal(&format!("{location}${{region}}/${{timestamp}}")),
    ))
}

/// The column names a query produces, in order.
pub fn columns(engine: Engine) -> Vec<&'static str> {
    expressions(engine)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// SQL types of the columns, for documentation.
pub fn sql_types() -> Vec<(&'static str, &'static str)> {
    EVENTS.iter().map(|c| (c.name, Kind::sql(c.kind))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_queries_produce_exactly_the_columns_of_events_parquet() {
        let names: Vec<&str> = EVENTS.iter().map(|c| c.name).collect();
        assert_eq!(columns(Engine::Spark), names);
        assert_eq!(columns(Engine::Athena), names);
        let athena = athena_select("cloudtrail_logs");
        for name in &names {
            assert!(athena.contains(&format!(" AS {name}")), "{name}");
        }
    }

    #[test]
    fn the_ddl_projects_region_and_day_under_the_location() {
        let ddl = athena_ddl("t", "s3://trail/AWSLogs/111122223333/CloudTrail").unwrap();
        assert!(ddl.contains(
            "'storage.location.template' = 's3://trail/AWSLogs/111122223333/CloudTrail/${region}/${timestamp}'"
        ));
        assert!(athena_ddl("t", "trail/AWSLogs").is_err());
        // A quote in a name cannot end the literal.
        assert_eq!(literal("it's"), "'it''s'");
    }
}
