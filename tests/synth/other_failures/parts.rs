//! The stories of parts: too small at completion, numbered past 10,000, never uploaded, uploaded
//! twice, listed out of order, none at all.

use serde_json::json;

use super::super::scenarios::{World, at};
use super::{MIB, Other, Stage};

/// AC to AH: parts too small, too many, missing, overwritten, out of order, none at all.
pub(super) fn stories(w: &mut World, s: &Stage) {
    let bucket = "archive";
    let up = &s.uploader;

    // AC: a chunker flushed a 5,000,000-byte part in the middle (5 MB, not 5 MiB).
    let key = "exports/2026-11-02/ledger.csv";
    let id = s.create(w, at(2, 11, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(2, 11, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 5_000_000), (3, 3 * MIB)],
    );
    let rec = s.call(
        w,
        at(2, 11, 5, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AC a middle part under 5 MiB",
            "EntityTooSmall",
            "part_too_small",
        )
        .details(
            json!({"small_parts": [{"part_number": 2, "bytes": 5_000_000}], "minimum": 5_242_880}),
        ),
    );
    s.abandon(w, at(2, 11, 5, 0), (bucket, key, &id));

    // AD: a stream outgrew 10,000 parts.
    let key = "backups/2026-11-03/pg-full.tar.zst";
    let id = s.create(w, at(3, 1, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(3, 4, 0, 0),
        up,
        (bucket, key, &id),
        &[(9_999, 8 * MIB), (10_000, 8 * MIB)],
    );
    let rec = s.call(
        w,
        at(3, 4, 3, 0),
        up,
        "UploadPart",
        (bucket, key, &id),
        Some(10_001),
        0,
        Some((
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AD part number 10,001", "InvalidArgument", "too_many_parts")
            .details(json!({"part_number": 10_001, "highest_part": 10_000})),
    );
    s.abandon(w, at(3, 4, 3, 0), (bucket, key, &id));

    // AE: part 3 timed out and was never retried; the completion lists it.
    let key = "exports/2026-11-04/orders.parquet";
    let id = s.create(w, at(4, 13, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(4, 13, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 8 * MIB)],
    );
    let rec = s.call(w, at(4, 13, 3, 0), up, "UploadPart", (bucket, key, &id), Some(3), 0,
        Some(("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")));
    s.fail(
        w,
        rec,
        Other::new(
            "AE a part timed out and was never retried",
            "RequestTimeout",
            "timeout",
        ),
    );
    s.parts(w, at(4, 13, 4, 0), up, (bucket, key, &id), &[(4, 2 * MIB)]);
    let rec = s.call(
        w,
        at(4, 13, 6, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AE the completion lists the missing part",
            "InvalidPart",
            "parts_missing",
        )
        .confidence("likely")
        .details(json!({"missing_parts": [3]})),
    );
    s.abandon(w, at(4, 13, 6, 0), (bucket, key, &id));

    // AF: two workers uploaded part 2; the completion used the first one's ETag.
    let key = "exports/2026-11-05/events.json.gz";
    let id = s.create(w, at(5, 15, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(5, 15, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, 8 * MIB), (3, MIB)],
    );
    s.parts(
        w,
        at(5, 15, 4, 0),
        &s.worker.clone(),
        (bucket, key, &id),
        &[(2, 8 * MIB)],
    );
    let rec = s.call(
        w,
        at(5, 15, 6, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new(
            "AF part 2 uploaded twice",
            "InvalidPart",
            "part_overwritten",
        )
        .confidence("likely")
        .culprit("UploadPart")
        .details(json!({"overwritten_parts": [{"part_number": 2, "uploads": 2}]})),
    );
    s.abandon(w, at(5, 15, 6, 0), (bucket, key, &id));

    // AG: every part once, but the completion sent a wrong ETag.
    let key = "exports/2026-11-06/users.csv";
    let id = s.create(w, at(6, 16, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(6, 16, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let rec = s.call(
        w,
        at(6, 16, 3, 0),
        up,
        "CompleteMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        Some((
            "InvalidPart",
            "One or more of the specified parts could not be found.",
        )),
    );
    s.fail(
        w,
        rec,
        Other::new("AG a wrong ETag", "InvalidPart", "invalid_part").confidence("possible"),
    );
    s.abandon(w, at(6, 16, 3, 0), (bucket, key, &id));

    // AH: parts listed out of order; AI: an empty file sent through multipart.
    let key = "exports/2026-11-07/clicks.csv";
    let id = s.create(w, at(7, 17, 0, 0), up, bucket, key, false);
    s.parts(
        w,
        at(7, 17, 1, 0),
        up,
        (bucket, key, &id),
        &[(1, 8 * MIB), (2, MIB)],
    );
    let rec = s.call(w, at(7, 17, 3, 0), up, "CompleteMultipartUpload", (bucket, key, &id), None, 0,
        Some(("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")));
    s.fail(
        w,
        rec,
        Other::new("AH parts out of order", "InvalidPartOrder", "part_order"),
    );
    s.abandon(w, at(7, 17, 3, 0), (bucket, key, &id));
    let key = "exports/2026-11-07/empty.csv";
    let id = s.create(w, at(7, 18, 0, 0), up, bucket, key, false);
    let rec = s.call(w, at(7, 18, 0, 5), up, "CompleteMultipartUpload", (bucket, key, &id), None, 0,
        Some(("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")));
    s.fail(
        w,
        rec,
        Other::new("AI an empty upload", "MalformedXML", "empty_upload"),
    );
    let rec = s.call(
        w,
        at(7, 18, 1, 0),
        up,
        "AbortMultipartUpload",
        (bucket, key, &id),
        None,
        0,
        None,
    );
    w.push(rec);
}
