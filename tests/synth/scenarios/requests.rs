//! Stories A to D, and the lifecycle history of `media-uploads`: a request ended the upload.
//! A cleanup job aborts a live upload, its owner aborts it, a lost completion response is retried,
//! an abort comes after the completion.

use super::super::records;
use super::{Cast, MIB, World, at, by};

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World, c: &Cast) {
    let Cast {
        east,
        uploader,
        uploader2,
        cleanup,
        backup,
        admin,
        ..
    } = c;
    let media = c.media;

    // Lifecycle history of media-uploads, from the logs.
    let config1 = vec![
        records::rule("abort-ingest-2d", "ingest/", true, Some(2)),
        records::rule("tmp-scratch", "tmp/", false, Some(1)),
        records::rule("expire-exports", "exports/", true, None),
    ];
    let rec = records::put_lifecycle(&mut w.rng, at(1, 8, 0, 0), east, admin, media, config1);
    w.push(rec);
    let config2 = vec![
        records::rule("abort-ingest-2d", "ingest/", true, Some(2)),
        records::rule("abort-ingest-slow", "ingest/", true, Some(4)),
        records::rule("abort-exports-3d", "exports/", true, Some(3)),
        records::rule("tmp-scratch", "tmp/", false, Some(1)),
    ];
    let rec = records::put_lifecycle(&mut w.rng, at(6, 12, 0, 0), east, admin, media, config2);
    w.push(rec);

    // A: a nightly cleanup job aborts an upload that is still in use.
    let (key, id) = ("videos/2026/launch-keynote.mp4", w.rng.upload_id());
    w.create(at(3, 9, 0, 0), east, uploader, media, key, Some(&id));
    for (n, m) in [(1, 1), (2, 2), (3, 3)] {
        w.part(at(3, 9, m, 10), east, uploader, media, key, &id, n, 8 * MIB);
    }
    w.op(
        at(3, 9, 30, 0),
        east,
        cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(3, 9, 31, 5),
        east,
        uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(4),
    );
    let e = w.expect(
        "A cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(cleanup, false),
    );
    e.abort_kind = Some("other");
    let e = w.fail(
        at(3, 9, 31, 6),
        east,
        uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "A cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(cleanup, false),
    );
    e.abort_kind = Some("other");

    // B: the uploader aborts its own upload after a part fails; a part in flight fails in the
    // same second as the abort.
    let (key, id) = ("raw/camera-7/take-12.mov", w.rng.upload_id());
    w.create(at(4, 16, 20, 0), east, uploader2, media, key, Some(&id));
    w.part(
        at(4, 16, 20, 30),
        east,
        uploader2,
        media,
        key,
        &id,
        1,
        16 * MIB,
    );
    let rec = records::call(
        &mut w.rng,
        at(4, 16, 21, 0),
        east,
        uploader2,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
        0,
        Some((
            "InternalError",
            "We encountered an internal error. Please try again.",
        )),
    );
    let internal = w.push(rec);
    super::super::other_failures::expect(
        w,
        &internal,
        "B the part that failed first",
        "InternalError",
        "server_error",
    );
    let e = w.fail(
        at(4, 16, 21, 2),
        east,
        uploader2,
        "UploadPart",
        media,
        key,
        &id,
        Some(3),
    );
    w.op(
        at(4, 16, 21, 2),
        east,
        uploader2,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.expect(
        "B the uploader aborts its own upload",
        e,
        "aborted",
        "likely",
        by(uploader2, true),
    );
    e.abort_kind = Some("self");
    e.trigger = Some("InternalError");

    // C: a completion succeeds, its response is lost, the retry fails.
    let (bkey, id) = ("db/orders-2026-11-04.dump", w.rng.upload_id());
    w.create(at(4, 2, 0, 0), east, backup, "backups", bkey, Some(&id));
    for n in 1..=3 {
        w.part(
            at(4, 2, 1 + n * 2, 0),
            east,
            backup,
            "backups",
            bkey,
            &id,
            n,
            64 * MIB,
        );
    }
    let done = w.op(
        at(4, 2, 10, 0),
        east,
        backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(4, 2, 10, 7),
        east,
        backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "C retry after a successful completion",
        e,
        "completed",
        "certain",
        by(backup, true),
    );
    // CloudTrail delivers the successful completion twice.
    let copy = w
        .records
        .iter()
        .find(|r| r.event_id() == done)
        .cloned()
        .expect("the completion");
    w.records.push(copy);

    // D: the cleanup job aborts an upload that was already completed.
    let (key, id) = ("videos/2026/teaser.mp4", w.rng.upload_id());
    w.create(at(5, 10, 0, 0), east, uploader, media, key, Some(&id));
    w.part(
        at(5, 10, 5, 0),
        east,
        uploader,
        media,
        key,
        &id,
        1,
        12 * MIB,
    );
    w.op(
        at(5, 10, 12, 0),
        east,
        uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(5, 23, 0, 0),
        east,
        cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    w.expect(
        "D cleanup aborts a completed upload",
        e,
        "completed",
        "certain",
        by(uploader, false),
    );
}
