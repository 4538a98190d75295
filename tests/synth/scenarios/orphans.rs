//! Uploads still incomplete at the end of the logs, and the rules that will remove them.

use super::{Cast, ExpectOrphan, MIB, World, at};

/// Adds the stories to the trail.
pub(super) fn stories(w: &mut World, c: &Cast) {
    let Cast {
        east,
        uploader,
        backup,
        ..
    } = c;
    let media = c.media;

    // Incomplete uploads at the end of the logs.
    let (key, id) = ("ingest/2026-11-11/nightly-dump.bin", w.rng.upload_id());
    w.create(at(11, 22, 0, 0), east, uploader, media, key, Some(&id));
    for n in 1..=3 {
        w.part(
            at(11, 22, n, 0),
            east,
            uploader,
            media,
            key,
            &id,
            n,
            8 * MIB,
        );
    }
    w.orphans.push(ExpectOrphan {
        bucket: media.into(),
        key: key.into(),
        parts: 3,
        bytes: 24 * MIB,
        rule_id: Some("abort-ingest-2d".into()),
    });
    let (bkey, id) = ("weekly/2026-w46.tar", w.rng.upload_id());
    w.create(at(10, 10, 0, 0), east, backup, "backups", bkey, Some(&id));
    w.part(
        at(10, 10, 30, 0),
        east,
        backup,
        "backups",
        bkey,
        &id,
        1,
        512 * MIB,
    );
    w.orphans.push(ExpectOrphan {
        bucket: "backups".into(),
        key: bkey.into(),
        parts: 1,
        bytes: 512 * MIB,
        rule_id: Some("weekly-7d".into()),
    });
    let (key, id) = ("ingest/2026-10-31/late-batch.csv", w.rng.upload_id());
    w.part(at(1, 0, 10, 0), east, uploader, media, key, &id, 1, 4 * MIB);
    w.part(at(1, 0, 12, 0), east, uploader, media, key, &id, 2, 4 * MIB);
    w.orphans.push(ExpectOrphan {
        bucket: media.into(),
        key: key.into(),
        parts: 2,
        bytes: 8 * MIB,
        rule_id: Some("abort-ingest-2d".into()),
    });
}
