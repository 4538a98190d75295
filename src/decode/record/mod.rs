//! Typed, borrowed views of the CloudTrail records that matter, and their normalisation.
//!
//! `frame` hands over the bytes of one record it has classified as a multipart or
//! lifecycle-configuration event; this module parses them with serde into structs that borrow from
//! the input, then builds the owned [`Event`] or [`LifecycleChange`]. Field-name case variants
//! (`key`/`Key`, `ARN`/`arn`) are separate fields, read in order of preference.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::lenient::{Lenient, Num, OneOrMany, Text, Wrong, from_json};
use super::rules::RawLifecycleConfiguration;
use super::skim;
use super::time::{parse_http_date, parse_time};
use crate::model::{
    AbortHint, Actor, Condition, ErrorCode, Event, Evidence, Extra, IdentityKind, LifecycleChange,
    NO_SUCH_UPLOAD, Op, Provider, Time,
};
use crate::strings::Interner;

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: Text<'a>,
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
    #[serde(rename = "recipientAccountId", borrow, default)]
    recipient_account: Text<'a>,
    #[serde(rename = "userIdentity", borrow, default)]
    identity: Option<&'a RawValue>,
    #[serde(rename = "requestParameters", borrow, default)]
    request: Lenient<RawRequest<'a>>,
    #[serde(rename = "responseElements", borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(rename = "additionalEventData", default)]
    additional: Lenient<RawAdditional>,
    #[serde(borrow, default)]
    resources: OneOrMany<RawResource<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(super) kind: Text<'a>,
    #[serde(borrow, default)]
    pub(super) arn: Text<'a>,
    #[serde(rename = "ARN", borrow, default)]
    pub(super) arn_upper: Text<'a>,
    #[serde(rename = "accountId", borrow, default)]
    pub(super) account_id: Text<'a>,
    #[serde(rename = "principalId", borrow, default)]
    pub(super) principal_id: Text<'a>,
    #[serde(rename = "invokedBy", borrow, default)]
    pub(super) invoked_by: Text<'a>,
    #[serde(rename = "userName", borrow, default)]
    pub(super) user_name: Text<'a>,
    /// Read only for `export --all-records`.
    #[serde(rename = "accessKeyId", borrow, default)]
    pub(super) access_key_id: Text<'a>,
    #[serde(rename = "userId", borrow, default)]
    pub(super) user_id: Text<'a>,
    #[serde(rename = "sessionContext", borrow, default)]
    pub(super) session: Lenient<RawSessionContext<'a>>,
    #[serde(rename = "onBehalfOf", borrow, default)]
    pub(super) on_behalf_of: Lenient<RawOnBehalfOf<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawSessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    pub(super) issuer: Lenient<RawIssuer<'a>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawIssuer<'a> {
    #[serde(borrow, default)]
    pub(super) arn: Text<'a>,
    #[serde(rename = "ARN", borrow, default)]
    pub(super) arn_upper: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawOnBehalfOf<'a> {
    #[serde(rename = "userId", borrow, default)]
    pub(super) user_id: Text<'a>,
}

#[derive(Deserialize, Default)]
struct RawRequest<'a> {
    #[serde(rename = "bucketName", borrow, default)]
    bucket: Text<'a>,
    #[serde(rename = "BucketName", borrow, default)]
    bucket_upper: Text<'a>,
    #[serde(borrow, default)]
    key: Text<'a>,
    #[serde(rename = "Key", borrow, default)]
    key_upper: Text<'a>,
    #[serde(rename = "uploadId", borrow, default)]
    upload_id: Text<'a>,
    #[serde(rename = "UploadId", borrow, default)]
    upload_id_upper: Text<'a>,
    #[serde(rename = "partNumber", default)]
    part_number: Num,
    #[serde(rename = "PartNumber", default)]
    part_number_upper: Num,
    #[serde(rename = "LifecycleConfiguration", borrow, default)]
    lifecycle: Lenient<RawLifecycleConfiguration<'a>>,
    #[serde(rename = "x-amz-server-side-encryption", borrow, default)]
    sse: Text<'a>,
    #[serde(
        rename = "x-amz-server-side-encryption-aws-kms-key-id",
        borrow,
        default
    )]
    kms_key: Text<'a>,
    #[serde(rename = "x-amz-copy-source", borrow, default)]
    copy_source: Text<'a>,
    #[serde(rename = "x-amz-copy-source-range", borrow, default)]
    copy_range: Text<'a>,
}

#[derive(Deserialize, Default)]
struct RawAdditional {
    #[serde(rename = "bytesTransferredIn", default)]
    bytes_in: Num,
}

#[derive(Deserialize, Default)]
struct RawResource<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Text<'a>,
    #[serde(rename = "ARN", borrow, default)]
    arn_upper: Text<'a>,
    #[serde(borrow, default)]
    arn: Text<'a>,
}

/// Splits an S3 ARN (`arn:PARTITION:s3:::bucket[/key]`) into bucket and key.
fn split_s3_arn(arn: &str) -> Option<(&str, Option<&str>)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn_word != "arn" || service != "s3" {
        return None;
    }
    let (_region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    match resource.split_once('/') {
        Some((bucket, key)) => Some((bucket, Some(key))),
        None => Some((resource, None)),
    }
}

/// Notes a field that held the wrong JSON type: it is ignored, and the note says so.
fn check(notes: &mut Vec<String>, field: impl std::fmt::Display, wrong: Wrong, expected: &str) {
    if let Some(found) = wrong {
        notes.push(format!(
            "{field} is {found}, not {expected}; it was ignored"
        ));
    }
}

/// What is wrong with a `userIdentity` value's types, for the record's notes.
fn identity_notes(identity: Option<&RawValue>, notes: &mut Vec<String>) {
    let Some(raw) = identity else { return };
    let parsed: Result<Lenient<RawIdentity>, _> = serde_json::from_str(raw.get());
    let Ok(Lenient(id, wrong)) = parsed else {
        return;
    };
    check(notes, "userIdentity", wrong, "an object");
    let Some(id) = id else { return };
    for (field, text) in [
        ("type", &id.kind),
        ("arn", &id.arn),
        ("ARN", &id.arn_upper),
        ("accountId", &id.account_id),
        ("principalId", &id.principal_id),
        ("invokedBy", &id.invoked_by),
        ("userName", &id.user_name),
        ("userId", &id.user_id),
    ] {
        check(
            notes,
            format_args!("userIdentity.{field}"),
            text.wrong(),
            "a string",
        );
    }
    check(
        notes,
        "userIdentity.sessionContext",
        id.session.1,
        "an object",
    );
    if let Some(session) = &id.session.0 {
        let issuer = &session.issuer;
        check(
            notes,
            "userIdentity.sessionContext.sessionIssuer",
            issuer.1,
            "an object",
        );
        if let Some(issuer) = &issuer.0 {
            for (field, text) in [("arn", &issuer.arn), ("ARN", &issuer.arn_upper)] {
                let name = format_args!("userIdentity.sessionContext.sessionIssuer.{field}");
                check(notes, name, text.wrong(), "a string");
            }
        }
    }
    check(
        notes,
        "userIdentity.onBehalfOf",
        id.on_behalf_of.1,
        "an object",
    );
    if let Some(on_behalf_of) = &id.on_behalf_of.0 {
        let name = "userIdentity.onBehalfOf.userId";
        check(notes, name, on_behalf_of.user_id.wrong(), "a string");
    }
}

/// The actor a `userIdentity` value describes (an empty one when it is not an object).
fn actor_of(identity: Option<&RawValue>) -> Actor {
    actor_from_bytes(identity.map_or(&b""[..], |raw| raw.get().as_bytes()))
}

/// The actor the JSON of a `userIdentity` value describes.
pub fn actor_from_bytes(identity: &[u8]) -> Actor {
    let parsed: Option<Lenient<RawIdentity>> = from_json(identity).ok();
    let Some(Lenient(Some(id), _)) = parsed else {
        return Actor::default();
    };
    let issuer = id.session.0.as_ref().and_then(|s| s.issuer.0.as_ref());
    Actor {
        kind: id.kind.get().map(IdentityKind::parse).unwrap_or_default(),
        arn: id.arn.owned().or_else(|| id.arn_upper.owned()),
        account_id: id.account_id.owned(),
        principal_id: id.principal_id.owned(),
        issuer_arn: issuer.and_then(|i| i.arn.owned().or_else(|| i.arn_upper.owned())),
        invoked_by: id.invoked_by.owned(),
        user_name: id.user_name.owned(),
        on_behalf_of: id
            .on_behalf_of
            .0
            .as_ref()
            .and_then(|o| o.user_id.owned())
            .or_else(|| id.user_id.owned()),
        ..Actor::EMPTY
    }
}

impl<'a> RawRecord<'a> {
    /// Fields whose wrong type leaves the record meaningless: when it happened, and whether it
    /// failed.
    fn check_essentials(&self) -> Result<(), String> {
        if let Some(found) = self.event_time.wrong() {
            return Err(format!("eventTime is {found}, not a string"));
        }
        if let Some(found) = self.error_code.wrong() {
            return Err(format!(
                "errorCode is {found}, not a string, so whether the request failed is unknown"
            ));
        }
        Ok(())
    }

    /// Why no bucket could be found.
    fn why_no_bucket(&self) -> String {
        let wrong = match (&self.request.0, self.request.1) {
            (_, Some(found)) => Some(format!("requestParameters is {found}, not an object")),
            (Some(r), None) => r
                .bucket
                .wrong()
                .or(r.bucket_upper.wrong())
                .map(|found| format!("requestParameters.bucketName is {found}, not a string")),
            (None, None) => None,
        };
        match wrong {
            Some(why) => format!("the record names no bucket ({why})"),
            None => "the record names no bucket".to_owned(),
        }
    }

    /// Fields of the wrong type that were ignored, in words.
    fn notes(&self, notes: &mut Vec<String>) {
        for (field, text) in [
            ("awsRegion", &self.region),
            ("sourceIPAddress", &self.source_ip),
            ("userAgent", &self.user_agent),
            ("requestID", &self.request_id),
            ("eventID", &self.event_id),
            ("recipientAccountId", &self.recipient_account),
        ] {
            check(notes, field, text.wrong(), "a string");
        }
        check(notes, "requestParameters", self.request.1, "an object");
        if let Some(r) = &self.request.0 {
            for (field, text) in [
                ("bucketName", &r.bucket),
                ("BucketName", &r.bucket_upper),
                ("key", &r.key),
                ("Key", &r.key_upper),
                ("uploadId", &r.upload_id),
                ("UploadId", &r.upload_id_upper),
            ] {
                let name = format_args!("requestParameters.{field}");
                check(notes, name, text.wrong(), "a string");
            }
            for (field, number) in [
                ("partNumber", &r.part_number),
                ("PartNumber", &r.part_number_upper),
            ] {
                let name = format_args!("requestParameters.{field}");
                check(notes, name, number.1, "a whole number");
            }
        }
        check(notes, "additionalEventData", self.additional.1, "an object");
        if let Some(a) = &self.additional.0 {
            let name = "additionalEventData.bytesTransferredIn";
            check(notes, name, a.bytes_in.1, "a whole number");
        }
        check(notes, "resources", self.resources.1, "an array");
    }

    /// Bucket and key: `requestParameters` first, then the ARNs in `resources`.
    fn bucket_and_key(&self) -> (Option<&str>, Option<&str>) {
        let request = self.request.0.as_ref();
        let mut bucket = request.and_then(|r| r.bucket.get().or_else(|| r.bucket_upper.get()));
        let mut key = request.and_then(|r| r.key.get().or_else(|| r.key_upper.get()));
        for resource in &self.resources.0 {
            let Some(arn) = resource.arn_upper.get().or_else(|| resource.arn.get()) else {
                continue;
            };
            let kind = resource.kind.get().unwrap_or_default();
            match split_s3_arn(arn) {
                Some((b, None)) if kind.eq_ignore_ascii_case("AWS::S3::Bucket") => {
                    bucket = bucket.or(Some(b));
                }
                Some((b, Some(k))) if kind.eq_ignore_ascii_case("AWS::S3::Object") => {
                    bucket = bucket.or(Some(b));
                    key = key.or(Some(k));
                }
                _ => {}
            }
        }
        (bucket, key)
    }
}

fn parse(json: &[u8]) -> Result<RawRecord<'_>, String> {
    from_json(json).map_err(|e| format!("unreadable record: {e}"))
}

/// What the response of a CreateMultipartUpload says: the new upload ID and lifecycle abort
/// headers. CloudTrail does not document where it puts them, so any member named `UploadId`
/// (any case) at any depth counts.
#[derive(Default)]
struct ResponseFacts {
    upload_id: Option<String>,
    abort_date: Option<Time>,
    abort_rule: Option<String>,
    /// `x-amz-server-side-encryption` of the response.
    sse: Option<String>,
    /// `x-amz-server-side-encryption-aws-kms-key-id` of the response.
    kms_key: Option<String>,
}

fn response_facts(raw: &RawValue) -> ResponseFacts {
    let mut facts = ResponseFacts::default();
    let b = raw.get().as_bytes();
    // A damaged responseElements only costs these facts: serde already checked the record.
    let _ = visit_members(b, 0, 0, &mut |key, at| {
        let text = || {
            skim::string_at(b, at)
                .and_then(|s| s.decode())
                .map(|s| s.into_owned())
        };
        let key = key.decode().unwrap_or_default();
        if key.eq_ignore_ascii_case("uploadId") && facts.upload_id.is_none() {
            facts.upload_id = text().filter(|s| !s.is_empty());
        } else if key.eq_ignore_ascii_case("x-amz-abort-date") && facts.abort_date.is_none() {
            facts.abort_date = text().and_then(|s| parse_http_date(&s));
        } else if key.eq_ignore_ascii_case("x-amz-abort-rule-id") && facts.abort_rule.is_none() {
            facts.abort_rule = text().filter(|s| !s.is_empty());
        } else if key.eq_ignore_ascii_case("x-amz-server-side-encryption") && facts.sse.is_none() {
            facts.sse = text();
        } else if key.eq_ignore_ascii_case("x-amz-server-side-encryption-aws-kms-key-id")
            && facts.kms_key.is_none()
        {
            facts.kms_key = text().filter(|s| !s.is_empty());
        }
    });
    facts
}

/// Whether an `x-amz-server-side-encryption` value asks for SSE-KMS.
fn is_kms(value: &str) -> bool {
    matches!(value, "aws:kms" | "aws:kms:dsse")
}

/// `bytes=A-B` (an `x-amz-copy-source-range`): the first and last byte.
pub fn byte_range(value: &str) -> Option<(u64, u64)> {
    let (first, last) = value.trim().strip_prefix("bytes=")?.split_once('-')?;
    let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first <= last).then_some((first, last))
}

/// The conditional-write header among the members of `requestParameters` (any case): CloudTrail
/// copies request headers there, and their spelling is not documented.
fn condition(json: &[u8]) -> Option<Condition> {
    let mut found = None;
    let start = skim::skip_ws(json, 0);
    // A damaged record only costs this fact: serde already read it.
    let _ = skim::walk_object::<skim::SkimError>(json, start, |key, at| {
        if !key.is("requestParameters") || json.get(at) != Some(&b'{') {
            return skim::skip_value(json, at, 1);
        }
        skim::walk_object(json, at, |name, value| {
            if found.is_none() {
                found = name.decode().and_then(|name| Condition::parse(&name));
            }
            skim::skip_value(json, value, 2)
        })
    });
    found
}

/// Calls `f` for every object member at any depth below the value at `at`.
pub(super) fn visit_members<'a>(
    b: &'a [u8],
    at: usize,
    depth: usize,
    f: &mut impl FnMut(skim::RawStr<'a>, usize),
) -> Result<usize, skim::SkimError> {
    if depth >= skim::MAX_DEPTH {
        return Err(skim::SkimError::TooDeep { at });
    }
    match b.get(at) {
        Some(b'{') => skim::walk_object(b, at, |key, value| {
            f(key, value);
            visit_members(b, value, depth + 1, f)
        }),
        Some(b'[') => skim::walk_array(b, at, |value| visit_members(b, value, depth + 1, f)),
        _ => skim::skip_value(b, at, depth),
    }
}

/// Builds the [`Event`] of a multipart record, interning its strings.
pub fn multipart_event(
    json: &[u8],
    op: Op,
    origin: u32,
    interner: &Interner,
) -> Result<(Event, Vec<String>), String> {
    let raw = parse(json)?;
    raw.check_essentials()?;
    let time = raw.event_time.get().ok_or("the record has no eventTime")?;
    let time = parse_time(time)
        .ok_or_else(|| format!("eventTime {} is not a valid time", super::quote(time)))?;
    let (bucket, key) = raw.bucket_and_key();
    let bucket = bucket.ok_or_else(|| raw.why_no_bucket())?;
    super::check_names(bucket, key)?;
    let request = raw.request.0.as_ref();
    let mut upload_id = request.and_then(|r| r.upload_id.get().or_else(|| r.upload_id_upper.get()));
    let id_wrong = request.and_then(|r| r.upload_id.wrong().or(r.upload_id_upper.wrong()));
    if let (None, Some(found)) = (upload_id, id_wrong)
        && !matches!(op, Op::CreateMultipartUpload | Op::ListMultipartUploads)
    {
        return Err(format!(
            "requestParameters.uploadId is {found}, not a string, so the upload is unknown"
        ));
    }
    let mut notes = Vec::new();
    raw.notes(&mut notes);
    identity_notes(raw.identity, &mut notes);
    let mut facts = ResponseFacts::default();
    if op == Op::CreateMultipartUpload
        && let Some(response) = raw.response
    {
        facts = response_facts(response);
        upload_id = upload_id.or(facts.upload_id.as_deref());
    }
    let extra = Extra {
        abort_hint: (facts.abort_date.is_some() || facts.abort_rule.is_some()).then(|| AbortHint {
            date: facts.abort_date,
            rule_id: facts.abort_rule.clone(),
        }),
        condition: (op == Op::CompleteMultipartUpload)
            .then(|| condition(json))
            .flatten(),
        referer: None,
        error_message: raw
            .error_message
            .owned()
            .filter(|_| raw.error_code.get().is_some()),
        kms: op == Op::CreateMultipartUpload
            && request
                .and_then(|r| r.sse.get())
                .into_iter()
                .chain(facts.sse.as_deref())
                .any(is_kms),
        kms_key: request
            .and_then(|r| r.kms_key.owned())
            .or(facts.kms_key.clone())
            .filter(|_| op == Op::CreateMultipartUpload),
        copy_source: request
            .and_then(|r| r.copy_source.owned())
            .filter(|_| op == Op::UploadPartCopy),
        copy_range: request
            .and_then(|r| r.copy_range.get())
            .and_then(byte_range)
            .filter(|_| op == Op::UploadPartCopy),
    };
    let part_number = request
        .and_then(|r| r.part_number.0.or(r.part_number_upper.0))
        .and_then(|n| u32::try_from(n).ok());
    let sym = |text: &Text<'_>| text.get().map(|s| interner.sym(s));
    let identity = raw.identity;
    let event = Event {
        time,
        op,
        bucket: interner.bucket(Provider::Aws, bucket),
        key: key.map(|k| interner.sym(k)),
        upload_id: upload_id.map(|id| interner.sym(id)),
        part_number,
        bytes: raw.additional.0.as_ref().and_then(|a| a.bytes_in.0),
        actor: interner.actor(identity.map_or(&b""[..], |r| r.get().as_bytes()), || {
            actor_of(identity)
        }),
        source_ip: sym(&raw.source_ip),
        user_agent: sym(&raw.user_agent),
        error: raw.error_code.get().map(|code| match code {
            NO_SUCH_UPLOAD => ErrorCode::NoSuchUpload,
            other => ErrorCode::Other(interner.sym(other)),
        }),
        request_id: raw.request_id.get().map(|id| interner.id(id)),
        event_id: raw.event_id.get().map(|id| interner.id(id)),
        region: sym(&raw.region),
        account: sym(&raw.recipient_account),
        extra: extra.boxed(),
        origin,
        evidence: Evidence::Cloudtrail,
        also_in: None,
        provider: Provider::Aws,
    };
    Ok((event, notes))
}

/// Builds the [`LifecycleChange`] of a `PutBucketLifecycle*` or `DeleteBucketLifecycle` record.
pub fn lifecycle_change(json: &[u8], origin: u32) -> Result<LifecycleChange, String> {
    let raw = parse(json)?;
    raw.check_essentials()?;
    let time = raw.event_time.get().ok_or("the record has no eventTime")?;
    let time = parse_time(time)
        .ok_or_else(|| format!("eventTime {} is not a valid time", super::quote(time)))?;
    let bucket = raw
        .bucket_and_key()
        .0
        .ok_or("the record names no bucket")?
        .to_owned();
    let event_name = raw.event_name.owned().unwrap_or_default();
    let rules = if event_name == "DeleteBucketLifecycle" {
        Some(Vec::new())
    } else {
        // CloudTrail omits requestParameters above 100 KB: then the new rules are unknown.
        raw.request
            .0
            .as_ref()
            .and_then(|r| r.lifecycle.0.as_ref())
            .and_then(RawLifecycleConfiguration::normalise)
    };
    Ok(LifecycleChange {
        time,
        bucket,
        rules,
        event_name,
        event_id: raw.event_id.owned(),
        actor: actor_of(raw.identity),
        error_code: raw.error_code.owned(),
        origin,
        provider: Provider::Aws,
    })
}

#[cfg(test)]
mod tests;
