//! Stories Q to T: the edges of the evidence. A rule named by the creation's response, a rule
//! deleted before the upload was eligible, a part that wins the race with an abort, a listing of a
//! completed upload.

use super::super::records;
use super::{Cast, Culprit, MIB, World, at, by, rule};

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World, c: &Cast) {
    let Cast {
        east,
        west,
        uploader,
        cleanup,
        alice,
        backup,
        etl,
        admin,
        ..
    } = c;
    let media = c.media;

    // Q: the CreateMultipartUpload response names the abort rule and date.
    let (key, id) = ("landing/feed-2026-11-08.json", w.rng.upload_id());
    let rec = records::create(
        &mut w.rng,
        at(8, 6, 0, 0),
        west,
        etl,
        "analytics-raw",
        key,
        Some(&id),
        Some((at(10, 0, 0, 0), "landing-zone-1d")),
    );
    w.push(rec);
    w.part(
        at(8, 6, 2, 0),
        west,
        etl,
        "analytics-raw",
        key,
        &id,
        1,
        8 * MIB,
    );
    let e = w.fail(
        at(10, 9, 0, 0),
        west,
        etl,
        "UploadPart",
        "analytics-raw",
        key,
        &id,
        Some(2),
    );
    w.aborted("analytics-raw", key, at(10, 1, 12, 31), &e, true);
    w.expect(
        "Q rule named by the create response",
        e,
        "lifecycle",
        "likely",
        rule("landing-zone-1d", at(10, 0, 0, 0)),
    );

    // R: the rule was deleted before the upload became eligible.
    let rec = records::put_lifecycle(
        &mut w.rng,
        at(1, 9, 0, 0),
        east,
        admin,
        "scratch",
        vec![records::rule("abort-1d", "", true, Some(1))],
    );
    w.push(rec);
    let rec = records::delete_lifecycle(&mut w.rng, at(3, 12, 0, 0), east, admin, "scratch");
    w.push(rec);
    let (key, id) = ("tmp/x.bin", w.rng.upload_id());
    w.create(at(2, 10, 0, 0), east, alice, "scratch", key, Some(&id));
    w.part(at(2, 10, 1, 0), east, alice, "scratch", key, &id, 1, MIB);
    let e = w.fail(
        at(5, 10, 0, 0),
        east,
        alice,
        "UploadPart",
        "scratch",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "R rule deleted before eligibility",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // S: a part succeeds after the abort (S3 documents this race); the completion fails.
    let (key, id) = ("videos/2026/interview-raw.mov", w.rng.upload_id());
    w.create(at(9, 9, 0, 0), east, uploader, media, key, Some(&id));
    w.part(at(9, 9, 1, 0), east, uploader, media, key, &id, 1, 8 * MIB);
    w.op(
        at(9, 9, 2, 0),
        east,
        cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    w.part(at(9, 9, 2, 0), east, uploader, media, key, &id, 2, 8 * MIB);
    let e = w.fail(
        at(9, 9, 3, 0),
        east,
        uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "S a part succeeds after the abort",
        e,
        "aborted",
        "certain",
        by(cleanup, false),
    );
    e.abort_kind = Some("other");

    // T: someone lists the parts of a completed upload.
    let (bkey, id) = ("db/inventory-2026-11-07.dump", w.rng.upload_id());
    w.create(at(7, 2, 0, 0), east, backup, "backups", bkey, Some(&id));
    w.part(
        at(7, 2, 1, 0),
        east,
        backup,
        "backups",
        bkey,
        &id,
        1,
        64 * MIB,
    );
    w.op(
        at(7, 3, 0, 0),
        east,
        backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(7, 3, 5, 0),
        east,
        alice,
        "ListParts",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "T listing a completed upload",
        e,
        "completed",
        "certain",
        by(backup, false),
    );
}
