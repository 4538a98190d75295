//! The small trail: one short story, told in every input shape.

use super::super::records::{self, Place, Who};
use super::super::rng::Rng;
use super::{ACCOUNT, MIB, Story, World, at, by};

/// A short story told in every input shape: one upload aborted by a cleanup job, a part that
/// then fails, a management event and an Insights event.
pub fn small() -> Story {
    let mut w = World {
        rng: Rng::new(7),
        records: Vec::new(),
        expect: Vec::new(),
        other: Vec::new(),
        access_only: Vec::new(),
        orphans: Vec::new(),
        aborts: Vec::new(),
        east: Place {
            account: ACCOUNT.into(),
            region: "us-east-1".into(),
        },
        west: Place {
            account: ACCOUNT.into(),
            region: "eu-west-1".into(),
        },
    };
    let east = w.east.clone();
    let uploader = Who::role(
        ACCOUNT,
        "media-uploader",
        "i-0a1b2c3d4e5f60718",
        "10.0.12.34",
        "[aws-sdk-java/2.25.16]",
    );
    let cleanup = Who::role(
        ACCOUNT,
        "nightly-cleanup",
        "cleanup-20261103",
        "10.0.40.2",
        "[aws-cli/2.17.60]",
    );
    let (key, id) = ("videos/clip.mp4", w.rng.upload_id());
    w.create(
        at(3, 9, 0, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        Some(&id),
    );
    w.part(
        at(3, 9, 1, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        &id,
        1,
        8 * MIB,
    );
    w.part(
        at(3, 9, 2, 0),
        &east,
        &uploader,
        "media-uploads",
        key,
        &id,
        2,
        8 * MIB,
    );
    w.op(
        at(3, 9, 30, 0),
        &east,
        &cleanup,
        "AbortMultipartUpload",
        "media-uploads",
        key,
        &id,
    );
    let e = w.fail(
        at(3, 9, 31, 0),
        &east,
        &uploader,
        "UploadPart",
        "media-uploads",
        key,
        &id,
        Some(3),
    );
    w.expect(
        "a cleanup job aborts a live upload",
        e,
        "aborted",
        "certain",
        by(&cleanup, false),
    );
    let admin = Who::user(ACCOUNT, "ops-admin", "198.51.100.20", "[S3Console/0.4]");
    let rec = records::bucket_read(
        &mut w.rng,
        at(3, 9, 40, 0),
        &east,
        &admin,
        "GetBucketAcl",
        "media-uploads",
    );
    w.push(rec);
    let rec = records::insight(&mut w.rng, at(3, 9, 45, 0), &east);
    w.push(rec);
    Story {
        records: w.records,
        expect: w.expect,
        other: Vec::new(),
        access_only: Vec::new(),
        orphans: Vec::new(),
        aborts: Vec::new(),
        lifecycle_files: Vec::new(),
        quiet_buckets: Vec::new(),
    }
}
