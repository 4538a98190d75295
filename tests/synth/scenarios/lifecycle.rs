//! Stories E to J: lifecycle rules. A rule shorter than the upload, a disabled rule, a rule added
//! later, two rules that match, a failure before the deadline, a prefix that matches nothing.

use super::{Cast, Culprit, MIB, World, at, rule};

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World, c: &Cast) {
    let Cast {
        east,
        uploader,
        backup,
        etl,
        ..
    } = c;
    let media = c.media;

    // E: a slow upload outlives the 2-day rule; its parts are spread over three days of files.
    let (key, id) = ("ingest/2026-11-02/archive-full.tar", w.rng.upload_id());
    w.create(at(2, 14, 0, 0), east, uploader, media, key, Some(&id));
    for (n, t) in [
        (1, at(2, 14, 5, 0)),
        (2, at(3, 3, 10, 0)),
        (3, at(4, 11, 30, 0)),
        (4, at(4, 23, 55, 0)),
    ] {
        w.part(t, east, uploader, media, key, &id, n, 100 * MIB);
    }
    let e = w.fail(
        at(5, 8, 0, 0),
        east,
        uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(5),
    );
    // S3 aborts it in its nightly lifecycle run; only the access log shows it.
    w.aborted(media, key, at(5, 2, 17, 43), &e, false);
    let e = w.expect(
        "E lifecycle rule shorter than the upload",
        e,
        "lifecycle",
        "likely",
        rule("abort-ingest-2d", at(5, 0, 0, 0)),
    );
    // One rule of one bucket: one incident.
    e.incident = "rule abort-ingest-2d";

    // F: the only rule for tmp/ is disabled.
    let (key, id) = ("tmp/render-cache.bin", w.rng.upload_id());
    w.create(at(2, 9, 0, 0), east, uploader, media, key, Some(&id));
    w.part(at(2, 9, 5, 0), east, uploader, media, key, &id, 1, 5 * MIB);
    let e = w.fail(
        at(4, 9, 0, 0),
        east,
        uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
    );
    w.expect(
        "F disabled lifecycle rule",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // G: a rule added on 11-06 applies to an upload begun on 11-01, from the moment it exists.
    let (key, id) = ("exports/q3-report.parquet", w.rng.upload_id());
    w.create(at(1, 10, 0, 0), east, etl, media, key, Some(&id));
    w.part(at(1, 10, 5, 0), east, etl, media, key, &id, 1, 32 * MIB);
    w.part(at(1, 10, 30, 0), east, etl, media, key, &id, 2, 32 * MIB);
    let e = w.fail(
        at(7, 9, 0, 0),
        east,
        etl,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    w.aborted(media, key, at(7, 0, 41, 9), &e, false);
    w.expect(
        "G rule added after the upload began",
        e,
        "lifecycle",
        "likely",
        rule("abort-exports-3d", at(6, 12, 0, 0)),
    );

    // H: two rules match; the earlier eligibility wins.
    let (key, id) = ("ingest/2026-11-07/batch-17.csv", w.rng.upload_id());
    w.create(at(7, 15, 0, 0), east, uploader, media, key, Some(&id));
    w.part(at(7, 15, 2, 0), east, uploader, media, key, &id, 1, 5 * MIB);
    let e = w.fail(
        at(10, 6, 0, 0),
        east,
        uploader,
        "UploadPart",
        media,
        key,
        &id,
        Some(2),
    );
    w.aborted(media, key, at(10, 1, 12, 30), &e, false);
    let e = w.expect(
        "H two matching rules",
        e,
        "lifecycle",
        "likely",
        rule("abort-ingest-2d", at(10, 0, 0, 0)),
    );
    // One rule of one bucket: one incident.
    e.incident = "rule abort-ingest-2d";

    // I: a failure before the rule's deadline (backups rules come from a --lifecycle file).
    let (bkey, id) = ("weekly/2026-w45.tar", w.rng.upload_id());
    w.create(at(5, 10, 0, 0), east, backup, "backups", bkey, Some(&id));
    w.part(
        at(5, 10, 10, 0),
        east,
        backup,
        "backups",
        bkey,
        &id,
        1,
        256 * MIB,
    );
    let e = w.fail(
        at(8, 11, 0, 0),
        east,
        backup,
        "UploadPart",
        "backups",
        bkey,
        &id,
        Some(2),
    );
    w.expect(
        "I failure before eligibility",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // J: no rule's prefix matches.
    let (bkey, id) = ("monthly/2026-10.tar", w.rng.upload_id());
    w.create(at(2, 4, 0, 0), east, backup, "backups", bkey, Some(&id));
    w.part(
        at(2, 4, 30, 0),
        east,
        backup,
        "backups",
        bkey,
        &id,
        1,
        256 * MIB,
    );
    let e = w.fail(
        at(9, 4, 0, 0),
        east,
        backup,
        "CompleteMultipartUpload",
        "backups",
        bkey,
        &id,
        None,
    );
    w.expect(
        "J no rule prefix matches",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );
}
