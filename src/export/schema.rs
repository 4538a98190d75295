//! The columns of `events.parquet`: written by `export`, read back by `analyze`, and produced from
//! raw CloudTrail by the queries `uploadtrail sql` prints. One table says what each column is,
//! so that the three never drift apart. The schema is stable: columns are only ever added.

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A UTC timestamp (milliseconds).
    Time,
    /// UTF-8 text.
    Text,
    /// An unsigned 32-bit integer.
    U32,
    /// An unsigned 64-bit integer.
    U64,
}

impl Kind {
    /// The type as Athena (Presto/Trino) and Spark SQL spell it.
    pub fn sql(self) -> &'static str {
        match self {
            Kind::Time => "TIMESTAMP",
            Kind::Text => "STRING",
            Kind::U32 => "INT",
            Kind::U64 => "BIGINT",
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// What it holds, and where it comes from in a CloudTrail record.
    pub doc: &'static str,
}

const fn col(name: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column { name, kind, doc }
}

/// The columns of `events.parquet`, in order: one row per multipart event (successful part
/// uploads included), per lifecycle-configuration change, and per context record (a permission
/// change, a deleted bucket or object, a write of a key, a KMS key change).
pub const EVENTS: [Column; 41] = [
    col("event_time", Kind::Time, "`eventTime`, UTC"),
    col(
        "event_name",
        Kind::Text,
        "`eventName`: one of the seven multipart operations, `S3.DELETE.UPLOAD` (a lifecycle abort from an access log), `PutBucketLifecycle` / `PutBucketLifecycleConfiguration` / `DeleteBucketLifecycle`, or a context record's name (`PutBucketPolicy`, `DeleteObject`, `PutObject`, `DisableKey`, …)",
    ),
    col(
        "bucket",
        Kind::Text,
        "`requestParameters.bucketName` (or the bucket of a `resources` ARN)",
    ),
    col(
        "key",
        Kind::Text,
        "`requestParameters.key` (or the key of a `resources` ARN), exactly as logged",
    ),
    col(
        "upload_id",
        Kind::Text,
        "`requestParameters.uploadId`; for a creation, the `UploadId` of `responseElements`",
    ),
    col("part_number", Kind::U32, "`requestParameters.partNumber`"),
    col(
        "bytes",
        Kind::U64,
        "`additionalEventData.bytesTransferredIn`",
    ),
    col("error_code", Kind::Text, "`errorCode`"),
    col("actor_type", Kind::Text, "`userIdentity.type`"),
    col(
        "actor_arn",
        Kind::Text,
        "`userIdentity.arn` (for an assumed role, the session ARN)",
    ),
    col("actor_account_id", Kind::Text, "`userIdentity.accountId`"),
    col(
        "actor_principal_id",
        Kind::Text,
        "`userIdentity.principalId`",
    ),
    col(
        "actor_role_arn",
        Kind::Text,
        "`userIdentity.sessionContext.sessionIssuer.arn`",
    ),
    col("actor_invoked_by", Kind::Text, "`userIdentity.invokedBy`"),
    col("actor_user_name", Kind::Text, "`userIdentity.userName`"),
    col(
        "actor_on_behalf_of",
        Kind::Text,
        "`userIdentity.onBehalfOf.userId`",
    ),
    col("source_ip", Kind::Text, "`sourceIPAddress`"),
    col("user_agent", Kind::Text, "`userAgent`"),
    col("request_id", Kind::Text, "`requestID`"),
    col("event_id", Kind::Text, "`eventID`"),
    col("region", Kind::Text, "`awsRegion`"),
    col("account", Kind::Text, "`recipientAccountId`"),
    col(
        "abort_date",
        Kind::Text,
        "`x-amz-abort-date` of a CreateMultipartUpload response, as logged (HTTP date)",
    ),
    col(
        "abort_rule_id",
        Kind::Text,
        "`x-amz-abort-rule-id` of a CreateMultipartUpload response",
    ),
    col(
        "lifecycle_configuration",
        Kind::Text,
        "for a lifecycle change, `requestParameters.LifecycleConfiguration` as JSON (null when the log omitted it)",
    ),
    col(
        "evidence",
        Kind::Text,
        "`cloudtrail` (`actiontrail` for OSS) or `access_log`",
    ),
    col(
        "also_in",
        Kind::Text,
        "the other kind of log that held the same request, if any",
    ),
    col(
        "origin",
        Kind::Text,
        "the log file the record was read from",
    ),
    col(
        "logs_from",
        Kind::Time,
        "the earliest `eventTime` of all the records the events were taken from (what the logs cover)",
    ),
    col(
        "logs_to",
        Kind::Time,
        "the latest `eventTime` of all those records",
    ),
    col(
        "condition",
        Kind::Text,
        "the conditional-write header of a CompleteMultipartUpload (`If-None-Match` or `If-Match`), a member of `requestParameters` in any case",
    ),
    col(
        "referer",
        Kind::Text,
        "the HTTP referer of an access-log line (Hadoop S3A names its job there)",
    ),
    col(
        "error_message",
        Kind::Text,
        "`errorMessage` of a failed request",
    ),
    col(
        "sse",
        Kind::Text,
        "`aws:kms` when a CreateMultipartUpload asked for SSE-KMS (`x-amz-server-side-encryption` `aws:kms` or `aws:kms:dsse`, in its request or response)",
    ),
    col(
        "kms_key_id",
        Kind::Text,
        "`x-amz-server-side-encryption-aws-kms-key-id` of a CreateMultipartUpload",
    ),
    col(
        "copy_source",
        Kind::Text,
        "`x-amz-copy-source` of an UploadPartCopy",
    ),
    col(
        "copy_source_range",
        Kind::Text,
        "`x-amz-copy-source-range` of an UploadPartCopy (`bytes=A-B`)",
    ),
    col(
        "target",
        Kind::Text,
        "for a context record, `requestParameters.roleName`, `userName` or `keyId`: the role, user or KMS key it changes",
    ),
    col(
        "provider",
        Kind::Text,
        "`aws` (S3) or `alibaba` (OSS): the cloud of the bucket (tables written before this column are of S3)",
    ),
    col(
        "actor_name",
        Kind::Text,
        "OSS: the name of an identity without an ARN (`acs:ram::ACCOUNT:root`, the user name or principal ID, or an access log's requester ID)",
    ),
    col(
        "actor_access_key_id",
        Kind::Text,
        "OSS: the access key ID of the request (`userIdentity.accessKeyId`, an access log's AccessKeyID)",
    ),
];

/// The position of a column of [`EVENTS`].
pub fn position(name: &str) -> Option<usize> {
    EVENTS.iter().position(|c| c.name == name)
}

/// [`position`] when compiling: the number of columns when `name` is none of them.
pub const fn at(name: &str) -> usize {
    let mut i = 0;
    while i < EVENTS.len() {
        let (a, b) = (EVENTS[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    EVENTS.len()
}
