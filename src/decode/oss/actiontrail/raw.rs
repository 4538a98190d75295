//! Typed, borrowed views of an ActionTrail event: the members the reader uses, in every
//! spelling the contract lists, each lenient about its type (a wrong type reads as absent).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::decode::lenient::{Lenient, Num, Text};

#[derive(Deserialize, Default)]
pub(super) struct RawEvent<'a> {
    #[serde(rename = "eventId", borrow, default)]
    pub(super) event_id: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    pub(super) name: Text<'a>,
    #[serde(rename = "eventTime", borrow, default)]
    pub(super) time: Text<'a>,
    #[serde(rename = "eventSource", borrow, default)]
    pub(super) source: Text<'a>,
    #[serde(rename = "serviceName", borrow, default)]
    pub(super) service: Text<'a>,
    #[serde(rename = "acsRegion", borrow, default)]
    pub(super) region: Text<'a>,
    #[serde(rename = "requestId", borrow, default)]
    pub(super) request_id: Text<'a>,
    #[serde(rename = "errorCode", borrow, default)]
    pub(super) error_code: Text<'a>,
    #[serde(rename = "errorMessage", borrow, default)]
    pub(super) error_message: Text<'a>,
    #[serde(rename = "sourceIpAddress", borrow, default)]
    pub(super) source_ip: Text<'a>,
    #[serde(rename = "userAgent", borrow, default)]
    pub(super) user_agent: Text<'a>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    pub(super) account: Text<'a>,
    #[serde(rename = "userIdentity", borrow, default)]
    pub(super) identity: Option<&'a RawValue>,
    #[serde(rename = "requestParameters", borrow, default)]
    pub(super) request: Option<&'a RawValue>,
    #[serde(rename = "requestParameterJson", borrow, default)]
    pub(super) request_json: Text<'a>,
    #[serde(rename = "responseElements", borrow, default)]
    pub(super) response: Option<&'a RawValue>,
    #[serde(rename = "referencedResources", borrow, default)]
    pub(super) resources: Lenient<RawResources<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(super) kind: Text<'a>,
    #[serde(rename = "arn", borrow, default)]
    pub(super) arn: Text<'a>,
    #[serde(rename = "accountId", borrow, default)]
    pub(super) account_id: Text<'a>,
    #[serde(rename = "principalId", borrow, default)]
    pub(super) principal_id: Text<'a>,
    #[serde(rename = "userName", borrow, default)]
    pub(super) user_name: Text<'a>,
    #[serde(rename = "accessKeyId", borrow, default)]
    pub(super) access_key_id: Text<'a>,
    #[serde(rename = "sessionContext", default)]
    pub(super) session: Lenient<RawSession<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawSession<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    pub(super) issuer: Lenient<RawIssuer<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawIssuer<'a> {
    #[serde(borrow, default)]
    pub(super) arn: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawParams<'a> {
    #[serde(rename = "BucketName", borrow, default)]
    pub(super) bucket_upper: Text<'a>,
    #[serde(rename = "bucketName", borrow, default)]
    pub(super) bucket_lower: Text<'a>,
    #[serde(rename = "bucket", borrow, default)]
    pub(super) bucket: Text<'a>,
    #[serde(rename = "ObjectName", borrow, default)]
    pub(super) object_upper: Text<'a>,
    #[serde(rename = "objectName", borrow, default)]
    pub(super) object_lower: Text<'a>,
    #[serde(rename = "key", borrow, default)]
    pub(super) key: Text<'a>,
    #[serde(rename = "uploadId", borrow, default)]
    pub(super) upload_id: Text<'a>,
    #[serde(rename = "UploadId", borrow, default)]
    pub(super) upload_id_upper: Text<'a>,
    #[serde(rename = "partNumber", default)]
    pub(super) part_number: Num,
    #[serde(rename = "PartNumber", default)]
    pub(super) part_number_upper: Num,
    #[serde(rename = "LifecycleConfiguration", borrow, default)]
    pub(super) lifecycle: Option<&'a RawValue>,
    #[serde(rename = "x-oss-copy-source", borrow, default)]
    pub(super) copy_source: Text<'a>,
    #[serde(rename = "x-oss-server-side-encryption", borrow, default)]
    pub(super) sse: Text<'a>,
    #[serde(rename = "x-oss-server-side-encryption-key-id", borrow, default)]
    pub(super) kms_key: Text<'a>,
    #[serde(rename = "x-oss-copy-source-range", borrow, default)]
    pub(super) copy_range: Text<'a>,
    #[serde(rename = "x-oss-forbid-overwrite", borrow, default)]
    pub(super) forbid_overwrite: Text<'a>,
    #[serde(rename = "RoleName", borrow, default)]
    pub(super) role: Text<'a>,
    #[serde(rename = "UserName", borrow, default)]
    pub(super) user: Text<'a>,
    #[serde(rename = "KeyId", borrow, default)]
    pub(super) key_id: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawResources<'a> {
    #[serde(rename = "ACS::OSS::Bucket", borrow, default)]
    pub(super) buckets: Vec<Text<'a>>,
    #[serde(rename = "ACS::OSS::Object", borrow, default)]
    pub(super) objects: Vec<Text<'a>>,
}
