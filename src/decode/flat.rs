//! Every CloudTrail record, flattened (for `export --all-records`): the well-known top-level
//! fields as text, the identity's fields one by one, and the nested objects as JSON text, with
//! credentials blanked: CloudTrail logs the session token of every AssumeRole answer, and a
//! presigned URL's signature among request parameters, and neither may leave this tool.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::lenient::{Lenient, Text, from_json};
use super::record::RawIdentity;
use super::skim;
use super::time::parse_time;
use crate::model::Time;

/// The text columns of a flattened record, in order (the time comes first, on its own).
pub const COLUMNS: [&str; 32] = [
    "event_version",
    "event_source",
    "event_name",
    "aws_region",
    "source_ip_address",
    "user_agent",
    "error_code",
    "error_message",
    "request_id",
    "event_id",
    "event_type",
    "event_category",
    "read_only",
    "management_event",
    "recipient_account_id",
    "shared_event_id",
    "vpc_endpoint_id",
    "user_identity_type",
    "user_identity_principal_id",
    "user_identity_arn",
    "user_identity_account_id",
    "user_identity_access_key_id",
    "user_identity_invoked_by",
    "user_identity_user_name",
    "user_identity_session_issuer_arn",
    "user_identity_on_behalf_of_user_id",
    "request_parameters",
    "response_elements",
    "additional_event_data",
    "resources",
    "service_event_details",
    "tls_details",
];

/// One record, flattened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flat {
    /// `eventTime`.
    pub time: Option<Time>,
    /// The text columns, in the order of [`COLUMNS`].
    pub fields: Vec<Option<String>>,
}

impl Flat {
    /// The value of a text column.
    pub fn get(&self, column: &str) -> Option<&str> {
        let at = COLUMNS.iter().position(|c| *c == column)?;
        self.fields.get(at)?.as_deref()
    }

    /// About how many bytes it holds.
    pub fn bytes(&self) -> usize {
        let text: usize = self.fields.iter().flatten().map(String::len).sum();
        text + self.fields.len() * std::mem::size_of::<Option<String>>()
    }
}

#[derive(Deserialize)]
struct RawFlat<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    time: Text<'a>,
    #[serde(rename = "eventVersion", borrow, default)]
    version: Text<'a>,
    #[serde(rename = "eventSource", borrow, default)]
    source: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    name: Text<'a>,
    #[serde(rename = "awsRegion", borrow, default)]
    region: Text<'a>,
    #[serde(rename = "sourceIPAddress", borrow, default)]
    source_ip: Text<'a>,
    #[serde(rename = "userAgent", borrow, default)]
    user_agent: Text<'a>,
    #[serde(rename = "errorCode", borrow, default)]
    error_code: Text<'a>,
    #[serde(rename = "errorMessage", borrow, default)]
    error_message: Text<'a>,
    #[serde(rename = "requestID", borrow, default)]
    request_id: Text<'a>,
    #[serde(rename = "eventID", borrow, default)]
    event_id: Text<'a>,
    #[serde(rename = "eventType", borrow, default)]
    event_type: Text<'a>,
    #[serde(rename = "eventCategory", borrow, default)]
    category: Text<'a>,
    #[serde(rename = "readOnly", borrow, default)]
    read_only: Option<&'a RawValue>,
    #[serde(rename = "managementEvent", borrow, default)]
    management: Option<&'a RawValue>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    recipient: Text<'a>,
    #[serde(rename = "sharedEventID", borrow, default)]
    shared_event_id: Text<'a>,
    #[serde(rename = "vpcEndpointId", borrow, default)]
    vpc_endpoint: Text<'a>,
    #[serde(rename = "userIdentity", borrow, default)]
    identity: Lenient<RawIdentity<'a>>,
    #[serde(rename = "requestParameters", borrow, default)]
    request: Option<&'a RawValue>,
    #[serde(rename = "responseElements", borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(rename = "additionalEventData", borrow, default)]
    additional: Option<&'a RawValue>,
    #[serde(borrow, default)]
    resources: Option<&'a RawValue>,
    #[serde(rename = "serviceEventDetails", borrow, default)]
    service: Option<&'a RawValue>,
    #[serde(rename = "tlsDetails", borrow, default)]
    tls: Option<&'a RawValue>,
}

/// Members whose values are credentials (compared without case).
const SECRETS: [&str; 8] = [
    "sessiontoken",
    "secretaccesskey",
    "secretkey",
    "password",
    "privatekey",
    "authorization",
    "x-amz-signature",
    "x-amz-security-token",
];

/// The JSON text with the string values of credential members replaced by `"(redacted)"`.
pub fn redact(json: &str) -> Cow<'_, str> {
    let lower = json.to_ascii_lowercase();
    if !SECRETS.iter().any(|s| lower.contains(s)) {
        return Cow::Borrowed(json);
    }
    let b = json.as_bytes();
    let mut ranges = Vec::new();
    let _ = super::record::visit_members(b, skim::skip_ws(b, 0), 0, &mut |key, at| {
        let key = key.decode().unwrap_or_default().to_ascii_lowercase();
        if SECRETS.contains(&key.as_str())
            && let Ok((_, end)) = skim::read_string(b, at)
        {
            ranges.push((at, end));
        }
    });
    if ranges.is_empty() {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    let mut from = 0;
    for (start, end) in ranges {
        out.push_str(&json[from..start]);
        out.push_str("\"(redacted)\"");
        from = end;
    }
    out.push_str(&json[from..]);
    Cow::Owned(out)
}

/// A nested value as JSON text (credentials blanked); `null` is nothing.
fn nested(raw: Option<&RawValue>) -> Option<String> {
    let text = raw?.get();
    (text != "null").then(|| redact(text).into_owned())
}

/// A scalar written as JSON (`true`, `"true"`) as text.
fn scalar(raw: Option<&RawValue>) -> Option<String> {
    let text = raw?.get();
    match text {
        "null" => None,
        t => Some(t.trim_matches('"').to_owned()),
    }
}

/// Flattens one record.
pub fn flatten(json: &[u8]) -> Result<Flat, String> {
    let raw: RawFlat<'_> = from_json(json).map_err(|e| format!("unreadable record: {e}"))?;
    flatten_raw(&raw)
}

fn flatten_raw<'a>(raw: &RawFlat<'a>) -> Result<Flat, String> {
    let text = |t: &Text<'_>| t.get().map(str::to_owned);
    let identity = raw.identity.0.as_ref();
    let id_text =
        |f: for<'i> fn(&'i RawIdentity<'a>) -> &'i Text<'a>| identity.and_then(|i| text(f(i)));
    let issuer = identity
        .and_then(|i| i.session.0.as_ref())
        .and_then(|s| s.issuer.0.as_ref())
        .and_then(|i| text(&i.arn).or_else(|| text(&i.arn_upper)));
    let on_behalf_of = identity
        .and_then(|i| i.on_behalf_of.0.as_ref())
        .and_then(|o| text(&o.user_id));
    let fields = vec![
        text(&raw.version),
        text(&raw.source),
        text(&raw.name),
        text(&raw.region),
        text(&raw.source_ip),
        text(&raw.user_agent),
        text(&raw.error_code),
        text(&raw.error_message),
        text(&raw.request_id),
        text(&raw.event_id),
        text(&raw.event_type),
        text(&raw.category),
        scalar(raw.read_only),
        scalar(raw.management),
        text(&raw.recipient),
        text(&raw.shared_event_id),
        text(&raw.vpc_endpoint),
        id_text(|i| &i.kind),
        id_text(|i| &i.principal_id),
        id_text(|i| &i.arn).or_else(|| id_text(|i| &i.arn_upper)),
        id_text(|i| &i.account_id),
        id_text(|i| &i.access_key_id),
        id_text(|i| &i.invoked_by),
        id_text(|i| &i.user_name),
        issuer,
        on_behalf_of,
        nested(raw.request),
        nested(raw.response),
        nested(raw.additional),
        nested(raw.resources),
        nested(raw.service),
        nested(raw.tls),
    ];
    Ok(Flat {
        time: raw.time.get().and_then(parse_time),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_blanked_wherever_they_are() {
        let json = r#"{"credentials":{"accessKeyId":"ASIAX","SessionToken":"IQoJsecret","expiration":"x"},"X-Amz-Signature":"abc","other":"sessionToken"}"#;
        assert_eq!(
            redact(json),
            r#"{"credentials":{"accessKeyId":"ASIAX","SessionToken":"(redacted)","expiration":"x"},"X-Amz-Signature":"(redacted)","other":"sessionToken"}"#
        );
        assert!(matches!(redact(r#"{"a":1}"#), Cow::Borrowed(_)));
    }

    #[test]
    fn a_record_is_flattened_field_by_field() {
        let flat = flatten(
            br#"{"eventVersion":"1.09","eventTime":"2026-11-03T09:00:00Z","eventName":"AssumeRole","readOnly":false,
            "userIdentity":{"type":"AssumedRole","arn":"arn:x","sessionContext":{"sessionIssuer":{"arn":"arn:role"}}},
            "responseElements":{"credentials":{"sessionToken":"IQoJsecret"}},"requestParameters":null}"#,
        )
        .unwrap();
        assert_eq!(
            flat.time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-03T09:00:00+00:00")
        );
        assert_eq!(flat.get("event_name"), Some("AssumeRole"));
        assert_eq!(flat.get("read_only"), Some("false"));
        assert_eq!(
            flat.get("user_identity_session_issuer_arn"),
            Some("arn:role")
        );
        assert_eq!(flat.get("request_parameters"), None);
        assert_eq!(
            flat.get("response_elements"),
            Some(r#"{"credentials":{"sessionToken":"(redacted)"}}"#)
        );
        assert_eq!(flat.fields.len(), COLUMNS.len());
    }
}
