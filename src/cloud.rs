//! What each cloud calls the same things. An explanation or advice given to an OSS user names
//! OSS's logs, rules, permissions and tools, never AWS's; the sentences are the same otherwise,
//! so they take these words from the provider of the request they are about.

use crate::model::{Op, Provider};

/// The words of one cloud.
#[derive(Debug)]
pub struct Words {
    /// The cloud.
    pub provider: Provider,
    /// The object store: `S3`, `OSS`.
    pub store: &'static str,
    /// The audit trail: `CloudTrail`, `ActionTrail`.
    pub trail: &'static str,
    /// Its server access logs, in a sentence.
    pub access_logs: &'static str,
    /// One access log, in a sentence.
    pub access_log: &'static str,
    /// How an access log shows a lifecycle abort.
    pub lifecycle_abort_line: &'static str,
    /// The lifecycle action that aborts uploads.
    pub abort_rule: &'static str,
    /// Its setting of days.
    pub days: &'static str,
    /// The policy language of permissions: `IAM`, `RAM`.
    pub policy: &'static str,
    /// Policies besides the caller's own that may deny a request.
    pub other_policies: &'static str,
    /// Where an error code is looked up.
    pub error_reference: &'static str,
    /// The smallest part but the last, in bytes.
    pub min_part: u64,
    /// The same, in words.
    pub min_part_words: &'static str,
    /// A tool that uploads with a part size the user can raise.
    pub part_size_hint: &'static str,
    /// Credentials that refresh themselves.
    pub fresh_credentials: &'static str,
}

const S3: Words = Words {
    provider: Provider::Aws,
    store: "S3",
    trail: "CloudTrail",
    access_logs: "S3 server access logs",
    access_log: "an S3 server access log",
    lifecycle_abort_line: "S3.DELETE.UPLOAD",
    abort_rule: "AbortIncompleteMultipartUpload",
    days: "DaysAfterInitiation",
    policy: "IAM",
    other_policies: "bucket policies, SCPs and VPC endpoint policies",
    error_reference: "the S3 error reference",
    min_part: 5 << 20,
    min_part_words: "5 MiB",
    part_size_hint: "for a stream of unknown size give aws s3 cp --expected-size, or raise multipart_chunksize",
    fresh_credentials: "an assume-role profile, the container or instance role",
};

const OSS: Words = Words {
    provider: Provider::Alibaba,
    store: "OSS",
    trail: "ActionTrail",
    access_logs: "OSS access logs (bucket logging)",
    access_log: "an OSS access log",
    lifecycle_abort_line: "an abort with SyncRequest lifecycle",
    abort_rule: "AbortMultipartUpload",
    days: "Days",
    policy: "RAM",
    other_policies: "bucket policies and the RAM policies of the caller's role or user",
    error_reference: "the OSS error code reference (the EC in the error response names the exact case)",
    min_part: 100 << 10,
    min_part_words: "100 KB (102,400 bytes)",
    part_size_hint: "with ossutil raise --part-size, with an SDK raise its part size",
    fresh_credentials: "an STS role that refreshes itself, the ECS instance RAM role",
};

impl Provider {
    /// The words of this cloud.
    pub fn words(self) -> &'static Words {
        match self {
            Provider::Aws => &S3,
            Provider::Alibaba => &OSS,
        }
    }
}

impl Words {
    /// `s3:PutObject`, `oss:PutObject`: the permission a multipart call needs.
    pub fn needed_action(&self, op: Op) -> &'static str {
        match (self.provider, op) {
            (Provider::Alibaba, Op::AbortMultipartUpload) => "oss:AbortMultipartUpload",
            (Provider::Alibaba, Op::ListParts) => "oss:ListParts",
            (Provider::Alibaba, Op::ListMultipartUploads) => "oss:ListMultipartUploads",
            (Provider::Alibaba, _) => "oss:PutObject",
            (Provider::Aws, Op::AbortMultipartUpload) => "s3:AbortMultipartUpload",
            (Provider::Aws, Op::ListParts) => "s3:ListMultipartUploadParts",
            (Provider::Aws, Op::ListMultipartUploads) => "s3:ListBucketMultipartUploads",
            (Provider::Aws, _) => "s3:PutObject",
        }
    }

    /// The command that prints a bucket's lifecycle configuration.
    pub fn get_lifecycle(&self, bucket: &str) -> String {
        match self.provider {
            Provider::Alibaba => format!("ossutil lifecycle --method get oss://{bucket}"),
            Provider::Aws => {
                format!("aws s3api get-bucket-lifecycle-configuration --bucket {bucket}")
            }
        }
    }

    /// The command that lists a bucket's incomplete uploads.
    pub fn list_uploads(&self, bucket: &str) -> String {
        match self.provider {
            Provider::Alibaba => format!("ossutil ls -m oss://{bucket}"),
            Provider::Aws => format!("aws s3api list-multipart-uploads --bucket {bucket}"),
        }
    }

    /// `s3://bucket/key`, `oss://bucket/key`.
    pub fn object(&self, bucket: &str, key: &str) -> String {
        format!("{}://{bucket}/{key}", self.provider.scheme())
    }
}
