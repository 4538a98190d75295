//! The words of every diagnosis: what happened (which parts, which sizes, which action, which
//! change and who made it) and what to do. All wording lives here, so that `rules` stays the
//! contract's table.

use super::rules::Found;
use super::{Cause, Details, Diagnosis};
use crate::attribute::Evidence;
use crate::attribute::text::{request, span, when};
use crate::correlate::Upload;
use crate::model::{Event, Op, Time};
use crate::strings::ActorId;
use crate::words::thousands;

/// `5.0 MiB (5,242,880 bytes)`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = None;
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = Some(u);
    }
    match unit {
        None => format!("{bytes} bytes"),
        Some(u) => format!("{value:.1} {u} ({} bytes)", thousands(bytes)),
    }
}

/// The decimal number a binary size is mistaken for: 5,000,000 for 5 MiB, 100,000 for 100 KiB.
fn decimal_lookalike(bytes: u64) -> u64 {
    let (mut value, mut scale) = (bytes, 1);
    while value >= 1024 && value % 1024 == 0 {
        value /= 1024;
        scale *= 1000;
    }
    value * scale
}

/// `parts 2, 3 and 5`.
fn numbers(parts: &[u32]) -> String {
    let text: Vec<String> = parts.iter().map(u32::to_string).collect();
    let word = if parts.len() == 1 { "part" } else { "parts" };
    match text.as_slice() {
        [] => "no part".to_owned(),
        [one] => format!("{word} {one}"),
        [rest @ .., last] => format!("{word} {} and {last}", rest.join(", ")),
    }
}

/// `by arn:… at 2026-11-03 09:30:00 UTC`.
fn by_at(ev: &Evidence<'_>, actor: ActorId, t: Time) -> String {
    format!(
        "by {} at {}",
        ev.strings.actor(actor).display_name(),
        when(t)
    )
}

/// Who or what the culprit is, as a phrase: `PutBucketPolicy of bucket "b" by X at T`.
fn culprit(ev: &Evidence<'_>, c: Cause) -> Option<String> {
    match c {
        Cause::Nobody => None,
        Cause::Event(e) => {
            let e = &ev.events[e];
            Some(format!(
                "{} of another upload {}",
                e.op.name(),
                by_at(ev, e.actor, e.time)
            ))
        }
        Cause::Part(u, p) => {
            let part = &ev.timelines.uploads[u].parts.history[p];
            Some(format!(
                "{} #{} {}",
                part.op.name(),
                part.number,
                by_at(ev, part.actor, part.time)
            ))
        }
        Cause::Context(c) => {
            let c = &ev.context[c];
            // An object record names the key the sentence is about already.
            let of = match (ev.strings.opt(c.bucket), ev.strings.opt(c.target)) {
                (_, Some(target)) => format!(" of {target:?}"),
                (Some(_), None) if c.kind.is_object() => String::new(),
                (Some(bucket), None) => format!(" of bucket {bucket:?}"),
                (None, None) => String::new(),
            };
            Some(format!(
                "{}{of} {}",
                c.kind.name(),
                by_at(ev, c.actor, c.time)
            ))
        }
    }
}

/// The explanation and advice of a diagnosis.
pub fn words(
    ev: &Evidence<'_>,
    i: usize,
    upload: Option<&Upload>,
    found: &Found,
    recovery: Option<(Time, ActorId)>,
) -> (String, String) {
    let f = &ev.events[i];
    let code = f.error_code(ev.strings).unwrap_or_default();
    let req = request(f);
    let who = culprit(ev, found.culprit);
    let w = f.provider.words();
    let store = w.store;
    let (mut explanation, advice) = match (&found.diagnosis, &found.details) {
        (Diagnosis::PartTooSmall, Details::SmallParts { parts, minimum }) if !parts.is_empty() => {
            let list: Vec<String> = parts
                .iter()
                .map(|(n, b)| format!("part {n} ({} bytes)", thousands(*b)))
                .collect();
            let uploaders = part_uploaders(ev, upload, parts.iter().map(|(n, _)| *n), f.time);
            (
                format!(
                    "The completion failed with EntityTooSmall: {} {} under the {} minimum and not the last part (uploaded {uploaders}).",
                    list.join(", "),
                    if parts.len() == 1 { "is" } else { "are" },
                    size(*minimum)
                ),
                format!(
                    "Make every part but the last at least {} bytes ({}; {} is not enough); send small objects with PutObject.",
                    thousands(*minimum),
                    size(*minimum).split(" (").next().unwrap_or_default(),
                    thousands(decimal_lookalike(*minimum)),
                ),
            )
        }
        (Diagnosis::PartTooSmall, _) => (
            "The completion failed with EntityTooSmall, but no part other than the last is known to be under the minimum: the sizes of some parts are not in the logs (a part copied without a range), or the completion listed fewer parts than were uploaded.".to_owned(),
            format!("Make every part but the last at least {} and complete with every uploaded part.", size(w.min_part)),
        ),
        (Diagnosis::PartTooLarge, Details::Bytes(bytes)) => (
            format!(
                "{req} failed with EntityTooLarge: a part may be at most 5 GiB{}.",
                bytes.map(|b| format!(", and this one was {}", size(b))).unwrap_or_default()
            ),
            "Use parts of at most 5 GiB, and at least the object's size / 10,000, so that 10,000 parts hold it.".to_owned(),
        ),
        (Diagnosis::TooManyParts, Details::PartNumbers { part_number, highest_part }) => (
            format!(
                "{req} failed with InvalidArgument: part number {} is outside 1 to 10,000{}.",
                part_number.map_or_else(|| "?".to_owned(), |n| n.to_string()),
                highest_part
                    .map(|h| format!(" (parts up to {h} were uploaded: the stream outgrew 10,000 parts of its part size)"))
                    .unwrap_or_default()
            ),
            format!("Use larger parts: part size = max(8 MiB, object size / 10,000); {}.", w.part_size_hint),
        ),
        (Diagnosis::PartsMissing, Details::Missing(missing)) => (
            format!(
                "The completion failed with {code}: {} {} never uploaded successfully before it, though higher part numbers were; the completion must have listed {}.",
                numbers(missing),
                if missing.len() == 1 { "was" } else { "were" },
                if missing.len() == 1 { "it" } else { "them" },
            ),
            format!("Complete with exactly the parts whose UploadPart succeeded, each with the ETag it returned; retry a failed part before completing (ListParts shows what {store} has)."),
        ),
        (Diagnosis::PartOverwritten, Details::Overwritten(parts)) => {
            let list: Vec<String> = parts
                .iter()
                .map(|(n, times)| format!("part {n} ({times} times)"))
                .collect();
            (
                format!(
                    "The completion failed with {code}: {} {} uploaded more than once{}; a later upload of a part replaces it and its ETag, so a completion with the ETag of an earlier upload fails.",
                    list.join(", "),
                    if parts.len() == 1 { "was" } else { "were" },
                    who.as_deref().map(|w| format!(", the last time {w}")).unwrap_or_default(),
                ),
                "Record the ETag each UploadPart returns, again on every retry, and complete with the latest; let one writer own each upload ID; never build the parts list from ListParts.".to_owned(),
            )
        }
        (Diagnosis::InvalidPart, _) => (
            format!("The completion failed with {code}: every part number up to the highest was uploaded once, so the ETag it sent for a part did not match (not recorded, `undefined`, or from another upload)."),
            "Record the ETag each UploadPart returns and complete with exactly those; let one writer own each upload ID.".to_owned(),
        ),
        (Diagnosis::PartOrder, _) => (
            "The completion failed with InvalidPartOrder: its parts list was not in ascending part-number order (with additional checksums, part numbers must also run 1 to N without gaps).".to_owned(),
            "Sort the parts list by part number; with checksums, number parts 1 to N.".to_owned(),
        ),
        (Diagnosis::EmptyUpload, _) => (
            "The completion failed with MalformedXML and no part of the upload was uploaded before it: the parts list was empty (an empty file sent through multipart).".to_owned(),
            "Send empty or small objects with PutObject, or upload one (possibly empty) part before completing.".to_owned(),
        ),
        (Diagnosis::KmsDenied, Details::Action(action)) => {
            let needs = action.clone().unwrap_or_else(|| match f.op {
                Op::CreateMultipartUpload => "kms:GenerateDataKey".to_owned(),
                _ => "kms:Decrypt".to_owned(),
            });
            (
                format!(
                    "{req} failed with {code}: the upload is encrypted with SSE-KMS and the caller could not use its key ({needs}){}.",
                    who.as_deref().map(|w| format!("; the key was changed: {w}")).unwrap_or_default()
                ),
                format!(
                    "Allow the uploader kms:GenerateDataKey (for CreateMultipartUpload) and kms:Decrypt (for UploadPart, UploadPartCopy and CompleteMultipartUpload) on the key, in the key policy, and in {} too for another account{}.",
                    w.policy,
                    if who.is_some() { "; undo the key change if it was not meant (re-enable the key, cancel its deletion, restore the policy)" } else { "" }
                ),
            )
        }
        (Diagnosis::PermissionChanged, Details::Changed { last_success, action }) => (
            format!(
                "{req} was denied{}, though the same caller made this call on bucket {:?} successfully at {}; after that came {}.",
                action.as_deref().map(|a| format!(" {a}")).unwrap_or_default(),
                &ev.strings[f.bucket],
                when(*last_success),
                who.as_deref().unwrap_or("a permission change")
            ),
            format!(
                "Review that change: it took away {} ({store} checks {} for {}). Restore the statement, or grant it again to this caller.",
                action.as_deref().unwrap_or(w.needed_action(f.op)),
                w.needed_action(f.op),
                f.op.name()
            ),
        ),
        (Diagnosis::PermissionMissing, Details::Action(action)) => (
            format!(
                "{req} was denied{}; no earlier success of this call by this caller with a permission change after it is in view.",
                action.as_deref().map(|a| format!(" {a}")).unwrap_or_default(),
            ),
            format!(
                "Grant the caller {} on the bucket and key ({store} checks {} for {}; aborts need {} and ListParts {}); for SSE-KMS also kms:GenerateDataKey and kms:Decrypt on the key. Check {} that deny it.",
                action.as_deref().unwrap_or(w.needed_action(f.op)),
                w.needed_action(f.op),
                f.op.name(),
                w.needed_action(Op::AbortMultipartUpload),
                w.needed_action(Op::ListParts),
                w.other_policies,
            ),
        ),
        (Diagnosis::BucketDeleted, _) => (
            format!(
                "{req} failed with NoSuchBucket: the bucket was deleted, {}.",
                who.as_deref().unwrap_or("before this request")
            ),
            "The bucket is gone with its uploads: recreate it, or send uploads to a bucket that exists.".to_owned(),
        ),
        (Diagnosis::CopySourceMissing, Details::Source { bucket, key }) => {
            let source = match (bucket, key) {
                (Some(b), Some(k)) => w.object(b, k),
                _ => "its copy source (not named in the log)".to_owned(),
            };
            (
                format!(
                    "{req} failed with NoSuchKey: {source} did not exist{}.",
                    match &who {
                        Some(w) => format!("; it was deleted: {w}"),
                        None => " and no deletion of it is in view (deleted before the logs, expired by a lifecycle rule, or mistyped)".to_owned(),
                    }
                ),
                "Copy from an object that exists when the part is copied: copy from a version ID, or keep the source until the upload completes.".to_owned(),
            )
        }
        (Diagnosis::KeyExists, _) => (
            format!(
                "The completion failed with PreconditionFailed: it was conditional and the key already existed{}.",
                who.as_deref().map(|w| format!(" ({w})")).unwrap_or_default()
            ),
            "Decide whether to overwrite: drop If-None-Match to replace the object, or treat the failure as \"already there\" and abort this upload (its parts are billed until then).".to_owned(),
        ),
        (Diagnosis::WriteConflict, _) => (
            format!(
                "The completion failed with ConditionalRequestConflict: another write of the key overlapped it{}.",
                who.as_deref().map(|w| format!(" ({w})")).unwrap_or_default()
            ),
            "Start a new upload (CreateMultipartUpload, upload every part again) after reading the key's current ETag; abort this one.".to_owned(),
        ),
        (Diagnosis::Throttled, _) => (
            format!("{req} failed with {code}: {store} asked the client to slow down."),
            "Retry with exponential backoff (the SDKs' standard or adaptive retry mode), lower the number of parts in flight, and spread keys over prefixes.".to_owned(),
        ),
        (Diagnosis::ServerError, _) => (
            format!("{req} failed with {code}, an error on {store}'s side that it asks clients to retry."),
            "Retry with backoff; for CompleteMultipartUpload, a later NoSuchUpload on the retry means the first attempt succeeded.".to_owned(),
        ),
        (Diagnosis::Timeout, _) => (
            format!("{req} failed with {code}: the request's body did not arrive whole in time."),
            "Give each part its own Content-Length, use smaller parts on slow links, and retry the part.".to_owned(),
        ),
        (Diagnosis::ChecksumMismatch, _) => (
            format!("{req} failed with {code}: the data {store} received did not match its checksum."),
            "Declare the checksum algorithm at CreateMultipartUpload and use it for every part; rewind the body before a retry.".to_owned(),
        ),
        (Diagnosis::Credentials, _) => (
            format!("{req} failed with {code}: {store} rejected the request's credentials ({} does not log such requests; the access log does).", w.trail),
            format!("Use credentials that refresh themselves ({}), longer sessions, and a correct clock; resume the upload with new credentials (ListParts, then the missing parts).", w.fresh_credentials),
        ),
        _ => (
            match f.extra().error_message.as_deref() {
                Some(message) => format!("{req} failed with {code}: {message:?}."),
                None => format!("{req} failed with {code}."),
            },
            format!("Look up {code} for {} in {}.", f.op.name(), w.error_reference),
        ),
    };
    explanation.push(' ');
    explanation.push_str(&aftermath(ev, f, upload, recovery));
    (explanation, advice)
}

/// Who uploaded these part numbers (their latest upload at or before `t`).
fn part_uploaders(
    ev: &Evidence<'_>,
    upload: Option<&Upload>,
    parts: impl Iterator<Item = u32>,
    t: Time,
) -> String {
    let mut names: Vec<String> = parts
        .filter_map(|n| {
            let history = upload?.parts.of_number(n);
            history.iter().rev().find(|p| p.time <= t)
        })
        .map(|p| ev.strings.actor(p.actor).display_name())
        .collect();
    names.sort();
    names.dedup();
    match names.as_slice() {
        [] => "by a caller not in view".to_owned(),
        [one] => format!("by {one}"),
        many => format!("by {}", many.join(", ")),
    }
}

/// What became of the request: retried with success, or not, and whether the upload was left
/// open.
fn aftermath(
    ev: &Evidence<'_>,
    f: &Event,
    upload: Option<&Upload>,
    recovery: Option<(Time, ActorId)>,
) -> String {
    if let Some((t, actor)) = recovery {
        let what = match f.part_number {
            Some(n) if matches!(f.op, Op::UploadPart | Op::UploadPartCopy) => format!("part {n}"),
            _ => f.op.name().to_owned(),
        };
        return format!(
            "It recovered: the same {what} succeeded {}, so nothing was lost.",
            by_at(ev, actor, t)
        );
    }
    match upload {
        Some(u) if u.termination(ev.events, None).is_none() && u.existed(ev.events) => {
            let age = ev.span.map(|(_, end)| end - f.time).unwrap_or_default();
            format!(
                "It was not retried with success, and the upload was neither completed nor aborted by the end of the logs ({} later): unless a lifecycle rule removes it, its parts stay billed (see the incomplete uploads).",
                span(age)
            )
        }
        Some(u) => match u.termination(ev.events, None).map(|e| &ev.events[e]) {
            Some(end) => format!(
                "It was not retried with success; the upload ended with {} at {}.",
                end.op.name(),
                when(end.time)
            ),
            None => "It was not retried with success.".to_owned(),
        },
        None => "It was not retried with success.".to_owned(),
    }
}
