//! ActionTrail events: Alibaba Cloud's audit trail, read into the same events as CloudTrail's.
//!
//! The fields (`reference/oss-formats.md` §1.1) are CloudTrail's in other spellings: `eventId`,
//! `requestId`, `acsRegion`, `sourceIpAddress`, `serviceName` (`Oss` for OSS). An OSS event's
//! `eventId` is the OSS request ID, which an access-log line of the same request carries too.
//! Where the bucket, key and upload ID sit in an OSS data event is documented nowhere, so every
//! place the contract lists is read: `requestParameters` in either case, then the host of
//! `eventSource` (`BUCKET.oss-REGION….aliyuncs.com`), then `referencedResources`. The event names
//! are OSS's operation names, in their documented misspellings too (`InitateMultipartUpload`,
//! `UplaodPartCopy`).
//!
//! The framer hands each event here whatever carried it: a trail file's array, `{"Records":…}`,
//! one event per line, or a Log Service row (the event as a JSON string in `event` or
//! `contents.event`, or flattened into `event.*` members, which [`unflatten`] puts back).

mod raw;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::{context_kind, lifecycle, operation};
use crate::decode::lenient::{Text, from_json};
use crate::decode::record::visit_members;
use crate::decode::{BucketSeen, Category, Decoded, Options, parse_time, quote, skim};
use crate::model::{
    Actor, Condition, ContextEvent, ContextKind, ErrorCode, Event, Evidence, Extra, IdentityKind,
    LifecycleChange, NO_SUCH_UPLOAD, Op, Provider, Rule, Time, key_hash,
};
use crate::strings::{Id, Interner};
use raw::{RawEvent, RawIdentity, RawParams};

/// The context record kind of a RAM policy change or a KMS key change: what a permission or
/// key diagnosis compares, as IAM's and AWS KMS's are.
fn service_context_kind(service: &str, name: &str) -> Option<ContextKind> {
    Some(match (service, name) {
        ("Ram", "AttachPolicyToRole") => ContextKind::AttachRolePolicy,
        ("Ram", "DetachPolicyFromRole") => ContextKind::DetachRolePolicy,
        ("Ram", "AttachPolicyToUser") => ContextKind::AttachUserPolicy,
        ("Ram", "DetachPolicyFromUser") => ContextKind::DetachUserPolicy,
        ("Kms", "DisableKey") => ContextKind::DisableKey,
        ("Kms", "ScheduleKeyDeletion") => ContextKind::ScheduleKeyDeletion,
        ("Kms", "PutKeyPolicy" | "SetKeyPolicy") => ContextKind::PutKeyPolicy,
        _ => return None,
    })
}

/// What one event is, and its request (the identity that removes duplicates).
pub struct Read {
    /// Its category.
    pub category: Category,
    /// Its OSS request ID (or event ID), when it has one.
    pub request: Option<Id>,
}

/// Reads one ActionTrail event (`json`, the `index`-th record of the input) into `out`.
pub(in crate::decode) fn event(
    json: &[u8],
    index: u64,
    out: &mut Decoded,
    origin: u32,
    opts: &Options,
    interner: &Interner,
) -> Read {
    let raw: RawEvent = match from_json(json) {
        Ok(raw) => raw,
        Err(e) => {
            out.problem(format!("record {index}: unreadable ActionTrail event: {e}"));
            return Read {
                category: Category::Invalid,
                request: None,
            };
        }
    };
    let request = raw
        .request_id
        .get()
        .or(raw.event_id.get())
        .map(|id| interner.id(id));
    let time = raw.time.get().and_then(parse_time);
    if let Some(t) = time {
        out.saw_time(t);
    }
    let name = raw.name.get().unwrap_or_default();
    let is_oss = raw.service.get() == Some("Oss")
        || raw
            .source
            .get()
            .is_some_and(|s| s.contains(".oss-") || s.starts_with("oss"));
    let service_kind = raw
        .service
        .get()
        .and_then(|service| service_context_kind(service, name));
    let Some(time) = time.filter(|_| is_oss || service_kind.is_some()) else {
        let category = if is_oss && operation(name).is_some() {
            out.problem(format!(
                "record {index} ({}): the event has no valid eventTime",
                quote(name)
            ));
            Category::Invalid
        } else {
            Category::Other
        };
        return Read { category, request };
    };
    let mut reader = Reader {
        raw: &raw,
        name,
        time,
        index,
        out,
        origin,
        opts,
        interner,
    };
    let category = match service_kind {
        Some(kind) => reader.service_context(kind),
        None => reader.classify(),
    };
    Read { category, request }
}

/// One OSS event being read.
struct Reader<'r, 'a> {
    raw: &'r RawEvent<'a>,
    name: &'r str,
    time: Time,
    index: u64,
    out: &'r mut Decoded,
    origin: u32,
    opts: &'r Options,
    interner: &'r Interner,
}

impl Reader<'_, '_> {
    fn classify(&mut self) -> Category {
        let params_json = match (self.raw.request, self.raw.request_json.get()) {
            (Some(raw), _) => Some(Cow::Borrowed(raw.get())),
            (None, Some(text)) => Some(Cow::Owned(text.to_owned())),
            (None, None) => None,
        };
        let params: RawParams = params_json
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let in_window = self.opts.contains(self.time);
        let failed = self.raw.error_code.get().is_some();
        if self.name == "PutBucketLifecycle" || self.name == "DeleteBucketLifecycle" {
            return self.lifecycle_change(&params);
        }
        let bucket = self.bucket(&params);
        if let Some(bucket) = bucket.as_deref().filter(|_| in_window) {
            let seen = if failed {
                BucketSeen::MANAGEMENT
            } else {
                BucketSeen::DATA
            };
            self.out.saw_bucket(Provider::Alibaba, bucket, seen);
        }
        if let Some(op) = operation(self.name) {
            if !in_window {
                return Category::OutsideWindow;
            }
            return match self.multipart(op, bucket, &params) {
                Ok(event) => {
                    self.out.events.push(event);
                    Category::Multipart
                }
                Err(why) => {
                    self.out.problem(format!(
                        "record {} ({}): {why}",
                        self.index,
                        quote(self.name)
                    ));
                    Category::Invalid
                }
            };
        }
        match context_kind(self.name).filter(|_| in_window && !failed) {
            Some(kind) => match self.context(kind, bucket, &params) {
                Some(c) => {
                    self.out.context.push(c);
                    Category::Context
                }
                None => Category::Other,
            },
            None => Category::Other,
        }
    }

    /// The bucket: from `requestParameters`, else the host of `eventSource`, else
    /// `referencedResources`.
    fn bucket(&self, params: &RawParams<'_>) -> Option<String> {
        let named = params
            .bucket_upper
            .get()
            .or(params.bucket_lower.get())
            .or(params.bucket.get());
        let host = self
            .raw
            .source
            .get()
            .and_then(|s| s.split_once(".oss-"))
            .map(|(bucket, _)| bucket)
            .filter(|b| !b.is_empty() && !b.contains('/'));
        let resources = self.raw.resources.0.as_ref();
        let referenced = resources.and_then(|r| r.buckets.iter().find_map(Text::get));
        let object_bucket = resources
            .and_then(|r| r.objects.iter().find_map(Text::get))
            .and_then(|o| o.split_once('/'))
            .map(|(b, _)| b);
        named
            .or(host)
            .or(referenced)
            .or(object_bucket)
            .map(str::to_owned)
    }

    /// The key: from `requestParameters`, else the `bucket/key` of `referencedResources`.
    fn key(&self, params: &RawParams<'_>) -> Option<String> {
        let named = params
            .object_upper
            .get()
            .or(params.object_lower.get())
            .or(params.key.get());
        let referenced = || {
            let objects = &self.raw.resources.0.as_ref()?.objects;
            let object = objects.iter().find_map(Text::get)?;
            object.split_once('/').map(|(_, key)| key)
        };
        named.or_else(referenced).map(str::to_owned)
    }

    fn actor(&self) -> crate::strings::ActorId {
        let raw = self.raw.identity.map_or("", RawValue::get);
        let mut identity = b"actiontrail:".to_vec();
        identity.extend_from_slice(raw.as_bytes());
        self.interner.actor(&identity, || actor(raw))
    }

    fn multipart(
        &self,
        op: Op,
        bucket: Option<String>,
        params: &RawParams<'_>,
    ) -> Result<Event, String> {
        let interner = self.interner;
        let bucket = bucket.ok_or("the event names no bucket")?;
        let key = self.key(params);
        crate::decode::check_names(&bucket, key.as_deref())?;
        let mut upload_id = params
            .upload_id
            .get()
            .or(params.upload_id_upper.get())
            .map(str::to_owned);
        if op == Op::CreateMultipartUpload && upload_id.is_none() {
            upload_id = self.raw.response.and_then(|r| upload_id_in(r.get()));
        }
        let error = self.raw.error_code.get().map(|code| match code {
            NO_SUCH_UPLOAD => ErrorCode::NoSuchUpload,
            other => ErrorCode::Other(interner.sym(other)),
        });
        let sym = |t: &Text<'_>| t.get().map(|s| interner.sym(s));
        let request_id = self.raw.request_id.get().map(|id| interner.id(id));
        Ok(Event {
            time: self.time,
            op,
            bucket: interner.bucket(Provider::Alibaba, &bucket),
            key: key.map(|k| interner.sym(&k)),
            upload_id: upload_id.map(|id| interner.sym(&id)),
            part_number: params
                .part_number
                .0
                .or(params.part_number_upper.0)
                .and_then(|n| u32::try_from(n).ok()),
            bytes: None,
            actor: self.actor(),
            source_ip: sym(&self.raw.source_ip),
            user_agent: sym(&self.raw.user_agent),
            error,
            request_id,
            event_id: self
                .raw
                .event_id
                .get()
                .map(|id| interner.id(id))
                .or(request_id),
            region: sym(&self.raw.region),
            account: sym(&self.raw.account),
            extra: Extra {
                error_message: self.raw.error_message.owned().filter(|_| error.is_some()),
                kms: op == Op::CreateMultipartUpload && params.sse.get() == Some("KMS"),
                kms_key: params
                    .kms_key
                    .owned()
                    .filter(|_| op == Op::CreateMultipartUpload),
                copy_source: params
                    .copy_source
                    .owned()
                    .filter(|_| op == Op::UploadPartCopy),
                copy_range: params
                    .copy_range
                    .get()
                    .filter(|_| op == Op::UploadPartCopy)
                    .and_then(crate::decode::record::byte_range),
                condition: params
                    .forbid_overwrite
                    .get()
                    .filter(|v| v.eq_ignore_ascii_case("true") && op == Op::CompleteMultipartUpload)
                    .map(|_| Condition::IfNoneMatch),
                ..Extra::NONE
            }
            .boxed(),
            origin: self.origin,
            evidence: Evidence::Cloudtrail,
            also_in: None,
            provider: Provider::Alibaba,
        })
    }

    fn context(
        &self,
        kind: ContextKind,
        bucket: Option<String>,
        params: &RawParams<'_>,
    ) -> Option<ContextEvent> {
        let interner = self.interner;
        let bucket = bucket?;
        let key = self.key(params);
        if kind.is_object() && key.is_none() {
            return None;
        }
        let request_id = self.raw.request_id.get().map(|id| interner.id(id));
        Some(ContextEvent {
            time: self.time,
            kind,
            bucket: Some(interner.bucket(Provider::Alibaba, &bucket)),
            key_hash: key.as_deref().map(key_hash),
            key: key
                .as_deref()
                .filter(|_| self.opts.keep_parts)
                .map(|k| interner.sym(k)),
            target: None,
            actor: self.actor(),
            event_id: self.raw.event_id.get().map(|id| interner.id(id)),
            request_id,
            region: self.raw.region.get().map(|r| interner.sym(r)),
            account: self.raw.account.get().map(|a| interner.sym(a)),
            origin: self.origin,
            evidence: Evidence::Cloudtrail,
            provider: Provider::Alibaba,
        })
    }

    /// A RAM policy change or a KMS key change, kept when it succeeded in the window and names
    /// its role, user or key.
    fn service_context(&mut self, kind: ContextKind) -> Category {
        if !self.opts.contains(self.time) || self.raw.error_code.get().is_some() {
            return Category::Other;
        }
        let params: RawParams = self
            .raw
            .request
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        let target = match kind {
            ContextKind::AttachRolePolicy | ContextKind::DetachRolePolicy => params.role.get(),
            ContextKind::AttachUserPolicy | ContextKind::DetachUserPolicy => params.user.get(),
            _ => params.key_id.get(),
        };
        let Some(target) = target else {
            return Category::Other;
        };
        let interner = self.interner;
        let request_id = self.raw.request_id.get().map(|id| interner.id(id));
        self.out.context.push(ContextEvent {
            time: self.time,
            kind,
            bucket: None,
            key_hash: None,
            key: None,
            target: Some(interner.sym(target)),
            actor: self.actor(),
            event_id: self
                .raw
                .event_id
                .get()
                .map(|id| interner.id(id))
                .or(request_id),
            request_id,
            region: self.raw.region.get().map(|r| interner.sym(r)),
            account: self.raw.account.get().map(|a| interner.sym(a)),
            origin: self.origin,
            evidence: Evidence::Cloudtrail,
            provider: Provider::Alibaba,
        });
        Category::Context
    }

    /// `PutBucketLifecycle` / `DeleteBucketLifecycle`: the bucket's new rules.
    fn lifecycle_change(&mut self, params: &RawParams<'_>) -> Category {
        let Some(bucket) = self.bucket(params) else {
            self.out.problem(format!(
                "record {} ({}): the event names no bucket",
                self.index, self.name
            ));
            return Category::Invalid;
        };
        let rules = match self.name {
            "DeleteBucketLifecycle" => Some(Vec::new()),
            _ => params.lifecycle.and_then(|raw| {
                let rules = rules_of(raw.get());
                if let Err(why) = &rules {
                    self.out.problem(format!(
                        "record {} (PutBucketLifecycle): the LifecycleConfiguration is {why}; the new rules are unknown",
                        self.index
                    ));
                }
                rules.ok()
            }),
        };
        if self.opts.contains(self.time) {
            self.out
                .saw_bucket(Provider::Alibaba, &bucket, BucketSeen::MANAGEMENT);
        }
        let raw = self.raw.identity.map_or("", RawValue::get);
        self.out.lifecycle.push(LifecycleChange {
            time: self.time,
            bucket,
            rules,
            event_name: self.name.to_owned(),
            event_id: self.raw.event_id.owned(),
            actor: actor(raw),
            error_code: self.raw.error_code.owned(),
            origin: self.origin,
            provider: Provider::Alibaba,
        });
        Category::Lifecycle
    }
}

/// The rules of a `LifecycleConfiguration` parameter: the XML of the request body (a JSON
/// string), or an object of its elements.
fn rules_of(raw: &str) -> Result<Vec<Rule>, String> {
    match serde_json::from_str::<String>(raw) {
        Ok(xml) => lifecycle::parse_rules_xml(&xml).map(|(_, rules)| rules),
        Err(_) => lifecycle::from_json("LifecycleConfiguration", raw).map(|e| lifecycle::rules(&e)),
    }
}

/// The upload ID anywhere in a response (any member named `UploadId`, in any case).
fn upload_id_in(response: &str) -> Option<String> {
    let b = response.as_bytes();
    let mut found = None;
    // A damaged response costs only the upload ID: serde read the event already.
    let _ = visit_members(b, 0, 0, &mut |key, at| {
        if found.is_none()
            && key
                .decode()
                .is_some_and(|k| k.eq_ignore_ascii_case("uploadid"))
        {
            found = skim::string_at(b, at)
                .and_then(|s| s.decode())
                .filter(|s| !s.is_empty())
                .map(Cow::into_owned);
        }
    });
    found
}

/// The actor an ActionTrail `userIdentity` names. Its name is the ARN when there is one, else
/// `acs:ram::ACCOUNT:root` for a root account, else the user name, else the principal ID.
fn actor(raw: &str) -> Actor {
    let id: RawIdentity = serde_json::from_str(raw).unwrap_or_default();
    let kind = id.kind.get();
    let name = match (id.arn.get(), kind, id.account_id.get()) {
        (Some(_), ..) => None,
        (None, Some("root-account"), Some(account)) => Some(format!("acs:ram::{account}:root")),
        _ => id.user_name.owned().or_else(|| id.principal_id.owned()),
    };
    Actor {
        kind: kind.map_or(IdentityKind::Missing, |k| IdentityKind::Other(k.to_owned())),
        arn: id.arn.owned(),
        account_id: id.account_id.owned(),
        principal_id: id.principal_id.owned(),
        user_name: id.user_name.owned(),
        provider: Provider::Alibaba,
        name,
        access_key_id: id.access_key_id.owned(),
        issuer_arn: id
            .session
            .0
            .as_ref()
            .and_then(|s| s.issuer.0.as_ref())
            .and_then(|i| i.arn.owned()),
        ..Actor::EMPTY
    }
}

/// A Log Service row whose event was flattened into `event.*` members (every value a string),
/// put back together as the event's JSON text. Values that are JSON arrays or objects in text
/// (SLS writes arrays so) are put back as such.
pub fn unflatten<'a>(members: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>) -> String {
    #[derive(Default)]
    struct Node {
        value: Option<String>,
        children: BTreeMap<String, Node>,
    }
    fn write(node: &Node, out: &mut String) {
        if node.children.is_empty() {
            let value = node.value.as_deref().unwrap_or_default();
            let structured = matches!(value.trim_start().as_bytes().first(), Some(b'[' | b'{'))
                && serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok();
            if structured {
                out.push_str(value);
            } else {
                out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned()));
            }
            return;
        }
        out.push('{');
        for (i, (key, child)) in node.children.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_owned()));
            out.push(':');
            write(child, out);
        }
        out.push('}');
    }
    let mut root = Node::default();
    for (key, value) in members {
        let Some(path) = key.strip_prefix("event.") else {
            continue;
        };
        let mut node = &mut root;
        for part in path.split('.').take(skim::MAX_DEPTH / 2) {
            node = node.children.entry(part.to_owned()).or_default();
        }
        node.value = Some(value.into_owned());
    }
    let mut out = String::new();
    write(&root, &mut out);
    out
}

#[cfg(test)]
mod tests;
