//! Stories K to P: who or what is not what it seems. A service aborts, parts go to the wrong key
//! or bucket, upload IDs never existed, a lifecycle configuration is unknown, creations are logged
//! without their upload ID.

use super::{Cast, Culprit, ExpectOrphan, MIB, World, at, by};

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
        backup_service,
        anon,
        ..
    } = c;
    let media = c.media;

    // K: an AWS service aborts.
    let (bkey, id) = ("db/customers-2026-11-06.dump", w.rng.upload_id());
    w.create(at(6, 1, 0, 0), east, backup, "backups", bkey, Some(&id));
    w.part(
        at(6, 1, 5, 0),
        east,
        backup,
        "backups",
        bkey,
        &id,
        1,
        64 * MIB,
    );
    w.op(
        at(6, 1, 20, 0),
        east,
        backup_service,
        "AbortMultipartUpload",
        "backups",
        bkey,
        &id,
    );
    let e = w.fail(
        at(6, 1, 21, 0),
        east,
        backup,
        "UploadPart",
        "backups",
        bkey,
        &id,
        Some(2),
    );
    let e = w.expect(
        "K an AWS service aborts",
        e,
        "aborted",
        "certain",
        by(backup_service, false),
    );
    e.abort_kind = Some("other");

    // L: a part is sent to a URL-encoded key.
    let (key, id) = ("events/2026-11-06/part-0000.parquet", w.rng.upload_id());
    w.create(at(6, 7, 0, 0), west, etl, "analytics-raw", key, Some(&id));
    w.part(
        at(6, 7, 1, 0),
        west,
        etl,
        "analytics-raw",
        key,
        &id,
        1,
        20 * MIB,
    );
    let e = w.fail(
        at(6, 7, 2, 0),
        west,
        etl,
        "UploadPart",
        "analytics-raw",
        "events%2F2026-11-06%2Fpart-0000.parquet",
        &id,
        Some(2),
    );
    w.expect(
        "L wrong key",
        e,
        "wrong_key",
        "certain",
        Culprit::Owner {
            bucket: "analytics-raw".into(),
            key: key.into(),
        },
    );
    w.part(
        at(6, 7, 3, 0),
        west,
        etl,
        "analytics-raw",
        key,
        &id,
        2,
        20 * MIB,
    );
    w.op(
        at(6, 7, 10, 0),
        west,
        etl,
        "CompleteMultipartUpload",
        "analytics-raw",
        key,
        &id,
    );

    // M: a part is sent to the staging bucket; the real upload stays open.
    let (key, id) = ("events/2026-11-07/part-0003.parquet", w.rng.upload_id());
    w.create(at(7, 7, 0, 0), west, etl, "analytics-raw", key, Some(&id));
    w.part(
        at(7, 7, 0, 30),
        west,
        etl,
        "analytics-raw",
        key,
        &id,
        1,
        20 * MIB,
    );
    let e = w.fail(
        at(7, 7, 1, 0),
        west,
        etl,
        "UploadPart",
        "analytics-staging",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "M wrong bucket",
        e,
        "wrong_key",
        "certain",
        Culprit::Owner {
            bucket: "analytics-raw".into(),
            key: key.into(),
        },
    );
    w.orphans.push(ExpectOrphan {
        bucket: "analytics-raw".into(),
        key: key.into(),
        parts: 1,
        bytes: 20 * MIB,
        rule_id: None,
    });

    // N: upload IDs that never existed in these logs.
    let stale = w.rng.upload_id();
    let e = w.fail(
        at(8, 14, 0, 0),
        east,
        alice,
        "UploadPart",
        media,
        "videos/2025/recap.mp4",
        &stale,
        Some(7),
    );
    w.expect(
        "N resumed upload older than the logs",
        e,
        "unknown_upload",
        "likely",
        Culprit::Nobody,
    );
    let e = w.fail(
        at(9, 3, 33, 0),
        east,
        anon,
        "ListParts",
        media,
        "videos/2026/launch-keynote.mp4",
        "not-an-upload-id",
        None,
    );
    w.expect(
        "N anonymous probe with a made-up ID",
        e,
        "unknown_upload",
        "likely",
        Culprit::Nobody,
    );

    // O: the upload vanished and analytics-raw's lifecycle configuration is unknown.
    let (key, id) = ("landing/feed-2026-11-03.json", w.rng.upload_id());
    w.create(at(3, 6, 0, 0), west, etl, "analytics-raw", key, Some(&id));
    w.part(
        at(3, 6, 1, 0),
        west,
        etl,
        "analytics-raw",
        key,
        &id,
        1,
        8 * MIB,
    );
    let e = w.fail(
        at(6, 6, 0, 0),
        west,
        etl,
        "UploadPart",
        "analytics-raw",
        key,
        &id,
        Some(2),
    );
    w.expect(
        "O unknown lifecycle configuration",
        e,
        "unexplained",
        "possible",
        Culprit::Nobody,
    );

    // P: creations without an upload ID in the log; the upload is paired with the later one.
    let key = "videos/2026/behind-the-scenes.mp4";
    let id = w.rng.upload_id();
    w.create(at(8, 10, 0, 0), east, uploader, media, key, None);
    w.create(at(8, 10, 5, 0), east, uploader, media, key, None);
    w.part(
        at(8, 10, 5, 30),
        east,
        uploader,
        media,
        key,
        &id,
        1,
        8 * MIB,
    );
    w.part(
        at(8, 10, 6, 30),
        east,
        uploader,
        media,
        key,
        &id,
        2,
        8 * MIB,
    );
    w.op(
        at(8, 10, 40, 0),
        east,
        cleanup,
        "AbortMultipartUpload",
        media,
        key,
        &id,
    );
    let e = w.fail(
        at(8, 10, 41, 0),
        east,
        uploader,
        "CompleteMultipartUpload",
        media,
        key,
        &id,
        None,
    );
    let e = w.expect(
        "P creation paired by key and time",
        e,
        "aborted",
        "certain",
        by(cleanup, false),
    );
    e.abort_kind = Some("other");
}
