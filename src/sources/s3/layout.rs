//! Listing that knows the CloudTrail layout,
//! `[prefix/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail[-Digest]/REGION/YYYY/MM/DD/`, and ActionTrail's
//! in an OSS bucket, `[prefix/]AliyunLogs/Actiontrail/[rd-ID/ACCOUNT/]REGION/YYYY/MM/DD/`.
//!
//! A listing starts where the prefix the user gave reaches into the layout; from there, accounts
//! and regions are found with delimiter listings (the client's own region is listed at once,
//! without waiting for the listing of regions), and a region's days are listed between two
//! keys (`StartAfter` the first day of the window, stop at the day after its day of slack), so
//! one paginated listing per region covers any window. Prefixes outside the layout are looked
//! into for `AWSLogs/` a few levels deep, then listed whole.
//!
//! The objects of each page go to the fetcher as the page arrives: a region with years of logs
//! starts downloading after its first thousand keys, not after its last. A listing that fails
//! half-way is reported by its prefix; what it listed before is still read.
//!
//! An incremental run ([`Resume`]) lists each region or whole prefix after the key its mark
//! names, skips the keys the mark says were read, and lists again whole the days it is told to.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use aws_sdk_s3::Client;
use chrono::{Days, NaiveDate};
use indicatif::ProgressBar;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::listing::{Objects, Sink, list};
use super::{Action, Arrived, Listed, Location, Settings, describe, failed, patiently};
use crate::model::{Provider, Time};
use crate::sources::Resume;

/// At most this many listings at once.
const LISTINGS: usize = 64;

/// A step of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A folder that may hold `AWSLogs/` (or folders that do), `depth` levels under the one named.
    Discover { prefix: String, depth: u32 },
    /// A prefix that is not a folder (`s3://bucket/logs/2026-11-0`): listed whole, unless it names
    /// a folder.
    Guess(String),
    /// `…/AWSLogs/`: accounts and organisations.
    AwsLogs(String),
    /// `…/AWSLogs/o-ORGID/`: accounts.
    Organisation(String),
    /// `…/ACCOUNT/`: its `CloudTrail/` and `CloudTrail-Digest/` folders.
    Account(String),
    /// `…/CloudTrail/` or `…/CloudTrail-Digest/`: regions, but for the one `guessed` (listed
    /// already).
    Trail {
        prefix: String,
        digest: bool,
        guessed: Option<String>,
    },
    /// `…/REGION/`: the days of the window.
    Region { prefix: String, digest: bool },
    /// One day of a region, `…/REGION/YYYY/MM/DD/`, listed whole to be read again.
    Day {
        region: String,
        day: NaiveDate,
        digest: bool,
    },
    /// `…/AliyunLogs/`: its `Actiontrail/` folder.
    AliyunLogs(String),
    /// `…/Actiontrail/` (or a member account's folder under it): regions and directories.
    ActionTrail(String),
    /// `…/Actiontrail/rd-ID/`: the accounts of a resource directory's trail.
    Directory(String),
    /// Everything under the prefix.
    Whole(String),
}

/// Where listing starts for a prefix, read from the layout when the prefix reaches into it.
fn start(prefix: &str) -> Step {
    let parts: Vec<&str> = prefix.split('/').collect();
    if let Some(at) = parts.iter().position(|p| *p == "AliyunLogs") {
        return start_aliyun(prefix, &parts, at);
    }
    let Some(at) = parts.iter().position(|p| *p == "AWSLogs") else {
        return if prefix.is_empty() || prefix.ends_with('/') {
            Step::Discover {
                prefix: prefix.to_owned(),
                depth: 0,
            }
        } else {
            Step::Guess(prefix.to_owned())
        };
    };
    let mut base = parts[..=at].join("/") + "/";
    let mut rest: Vec<&str> = parts[at + 1..]
        .iter()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    let whole = || Step::Whole(prefix.to_owned());
    if rest.first().is_some_and(|p| is_organisation(p)) {
        base = format!("{base}{}/", rest.remove(0));
        if rest.is_empty() {
            return Step::Organisation(base);
        }
    }
    // A partial last component (`AWSLogs/1111`) is a raw prefix.
    if !prefix.ends_with('/') && rest.len() < 3 && !rest.is_empty() {
        return whole();
    }
    match rest.as_slice() {
        [] => Step::AwsLogs(base),
        [account] if is_account(account) => Step::Account(format!("{base}{account}/")),
        [account, trail] if is_account(account) && trail_folder(trail).is_some() => Step::Trail {
            prefix: format!("{base}{account}/{trail}/"),
            digest: trail_folder(trail) == Some(true),
            guessed: None,
        },
        [account, trail, region] if is_account(account) && trail_folder(trail).is_some() => {
            Step::Region {
                prefix: format!("{base}{account}/{trail}/{region}/"),
                digest: trail_folder(trail) == Some(true),
            }
        }
        _ => whole(),
    }
}

/// Where listing starts for a prefix that reaches into ActionTrail's layout at `parts[at]`
/// (`AliyunLogs`).
fn start_aliyun(prefix: &str, parts: &[&str], at: usize) -> Step {
    let base = parts[..=at].join("/") + "/";
    let rest: Vec<&str> = parts[at + 1..]
        .iter()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    match rest.as_slice() {
        [] => Step::AliyunLogs(base),
        ["Actiontrail"] => Step::ActionTrail(format!("{base}Actiontrail/")),
        ["Actiontrail", region] if prefix.ends_with('/') && is_aliyun_region(region) => {
            Step::Region {
                prefix: format!("{base}Actiontrail/{region}/"),
                digest: false,
            }
        }
        _ => Step::Whole(prefix.to_owned()),
    }
}

/// `cn-hangzhou`, `ap-southeast-1`: an Alibaba Cloud region's folder.
fn is_aliyun_region(name: &str) -> bool {
    if name.starts_with("rd-") {
        return false; // a resource directory
    }
    let mut parts = name.split('-');
    parts
        .next()
        .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.next().is_some()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `CloudTrail` → `Some(false)`, `CloudTrail-Digest` → `Some(true)`.
fn trail_folder(name: &str) -> Option<bool> {
    match name {
        "CloudTrail" => Some(false),
        "CloudTrail-Digest" => Some(true),
        _ => None,
    }
}

fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

fn is_organisation(name: &str) -> bool {
    name.strip_prefix("o-").is_some_and(|id| {
        (10..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The last folder name of a prefix ending in `/`.
fn folder_name(prefix: &str) -> &str {
    prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// The keys a region's listing covers for the window: after `start_after`, before `stop_at`.
fn day_bounds(
    prefix: &str,
    since: Option<Time>,
    until: Option<Time>,
) -> (Option<String>, Option<String>) {
    let day = |d: NaiveDate| format!("{prefix}{}", d.format("%Y/%m/%d"));
    // A file of day D holds events of D or earlier: start at the day of `since`.
    let start_after = since.map(|s| day(s.date_naive()));
    // Events before `until` are delivered by the end of the next day.
    let stop_at = until.and_then(|u| {
        let last = (u - chrono::Duration::seconds(1)).date_naive();
        last.checked_add_days(Days::new(2)).map(day)
    });
    (start_after, stop_at)
}

/// Runs one step, sending the objects it lists to `sink`: the steps it leads to.
async fn step(
    client: &Client,
    location: &Location,
    (settings, resume): (&Settings, &Resume),
    sink: &Sink,
    step: Step,
) -> Result<Vec<Step>, String> {
    let wanted_account =
        |name: &str| settings.accounts.is_empty() || settings.accounts.iter().any(|a| a == name);
    let folders = async |prefix: &str, digest: bool| {
        let objects = Objects::of(location, resume, prefix, false);
        let bounds = (None, None);
        list(
            client,
            location,
            prefix,
            true,
            bounds,
            &objects,
            (sink, digest),
        )
        .await
    };
    // A listing without delimiter finds no folders: it leads nowhere.
    let whole = async |prefix: &str, objects: &Objects<'_>, bounds, digest: bool| {
        list(
            client,
            location,
            prefix,
            false,
            bounds,
            objects,
            (sink, digest),
        )
        .await
        .map(|_| Vec::new())
    };
    match step {
        Step::Discover { prefix, depth } => Ok(folders(&prefix, false)
            .await?
            .into_iter()
            .map(|folder| match folder_name(&folder) {
                "AWSLogs" => Step::AwsLogs(folder),
                "AliyunLogs" => Step::AliyunLogs(folder),
                _ if depth < 2 => Step::Discover {
                    prefix: folder,
                    depth: depth + 1,
                },
                _ => Step::Whole(folder),
            })
            .collect()),
        Step::Guess(prefix) => {
            // A folder holds something: one key or folder is enough to tell.
            let folder = format!("{prefix}/");
            let request = client
                .list_objects_v2()
                .bucket(&location.bucket)
                .prefix(&folder)
                .delimiter("/")
                .max_keys(1);
            let probe = patiently(|| request.clone().send())
                .await
                .map_err(|e| describe(&e, &location.name(&folder), Action::List))?;
            if probe.contents().is_empty() && probe.common_prefixes().is_empty() {
                Ok(vec![Step::Whole(prefix)])
            } else {
                Ok(vec![start(&folder)])
            }
        }
        Step::AwsLogs(prefix) | Step::Organisation(prefix) => Ok(folders(&prefix, false)
            .await?
            .into_iter()
            .filter_map(|folder| {
                let name = folder_name(&folder);
                if is_account(name) {
                    wanted_account(name).then_some(Step::Account(folder))
                } else if is_organisation(name) {
                    Some(Step::Organisation(folder))
                } else {
                    None
                }
            })
            .collect()),
        Step::Account(prefix) => {
            let trail = format!("{prefix}CloudTrail/");
            // The client's region (the bucket's own) is listed at once, beside the listing that
            // finds the others: it usually holds most of a trail, and fetching starts a round
            // trip sooner. A guess that is wrong costs one empty listing.
            let guess = match (location.provider, settings.log_regions.is_empty()) {
                (Provider::Aws, true) => client.config().region().map(|r| format!("{trail}{r}/")),
                _ => None,
            };
            let mut steps = vec![
                Step::Trail {
                    prefix: format!("{prefix}CloudTrail-Digest/"),
                    digest: true,
                    guessed: None,
                },
                Step::Trail {
                    prefix: trail,
                    digest: false,
                    guessed: guess.clone(),
                },
            ];
            steps.extend(guess.map(|prefix| Step::Region {
                prefix,
                digest: false,
            }));
            Ok(steps)
        }
        // The regions asked for are listed straight away: finding them costs a round trip.
        Step::Trail { prefix, digest, .. } if !settings.log_regions.is_empty() => Ok(settings
            .log_regions
            .iter()
            .map(|region| Step::Region {
                prefix: format!("{prefix}{region}/"),
                digest,
            })
            .collect()),
        Step::Trail {
            prefix,
            digest,
            guessed,
        } => Ok(folders(&prefix, digest)
            .await?
            .into_iter()
            .filter(|region| guessed.as_ref() != Some(region))
            .map(|prefix| Step::Region { prefix, digest })
            .collect()),
        Step::Region { prefix, digest } => {
            let objects = Objects::of(location, resume, &prefix, true);
            let (after, stop) = day_bounds(&prefix, settings.since, settings.until);
            let bounds = (objects.start_after(after), stop);
            whole(&prefix, &objects, bounds, digest).await?;
            // The days to read again, each listed whole.
            let again = objects.again.into_iter().flatten();
            Ok(again
                .map(|&day| Step::Day {
                    region: prefix.clone(),
                    day,
                    digest,
                })
                .collect())
        }
        Step::Day {
            region,
            day,
            digest,
        } => {
            let objects = Objects::of(location, resume, &region, true).whole();
            let folder = format!("{region}{}/", day.format("%Y/%m/%d"));
            whole(&folder, &objects, (None, None), digest).await
        }
        Step::AliyunLogs(prefix) => Ok(folders(&prefix, false)
            .await?
            .into_iter()
            .filter(|folder| folder_name(folder) == "Actiontrail")
            .map(Step::ActionTrail)
            .collect()),
        Step::ActionTrail(prefix) => Ok(folders(&prefix, false)
            .await?
            .into_iter()
            .filter_map(|folder| {
                let name = folder_name(&folder);
                if name.starts_with("rd-") {
                    Some(Step::Directory(folder))
                } else if is_aliyun_region(name) {
                    let wanted = settings.log_regions.is_empty()
                        || settings.log_regions.iter().any(|r| r == name);
                    wanted.then_some(Step::Region {
                        prefix: folder,
                        digest: false,
                    })
                } else {
                    Some(Step::Whole(folder))
                }
            })
            .collect()),
        Step::Directory(prefix) => Ok(folders(&prefix, false)
            .await?
            .into_iter()
            .filter(|folder| {
                let name = folder_name(folder);
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) && wanted_account(name)
            })
            .map(Step::ActionTrail)
            .collect()),
        Step::Whole(prefix) => {
            let objects = Objects::of(location, resume, &prefix, false);
            let bounds = (objects.start_after(None), None);
            whole(&prefix, &objects, bounds, false).await
        }
    }
}

/// Lists everything the location holds that the question needs, a few listings at a time,
/// sending objects to `found` as they are listed.
pub(super) async fn walk(
    client: &Client,
    location: &Location,
    settings: &Settings,
    resume: &Arc<Resume>,
    bar: &ProgressBar,
    found: mpsc::UnboundedSender<Listed>,
    out: &mpsc::Sender<Arrived>,
) {
    let sink = Sink {
        found,
        bar: bar.clone(),
        listed: Arc::new(AtomicU64::new(0)),
    };
    let mut todo = vec![start(&location.prefix)];
    let mut running = JoinSet::new();
    loop {
        while running.len() < LISTINGS
            && let Some(next) = todo.pop()
        {
            let (client, location, settings, resume, sink) = (
                client.clone(),
                location.clone(),
                settings.clone(),
                Arc::clone(resume),
                sink.clone(),
            );
            let name = match &next {
                Step::Discover { prefix, .. }
                | Step::Guess(prefix)
                | Step::AwsLogs(prefix)
                | Step::Organisation(prefix)
                | Step::Account(prefix)
                | Step::Trail { prefix, .. }
                | Step::Region { prefix, .. }
                | Step::Day { region: prefix, .. }
                | Step::AliyunLogs(prefix)
                | Step::ActionTrail(prefix)
                | Step::Directory(prefix)
                | Step::Whole(prefix) => prefix.clone(),
            };
            let by_day = matches!(next, Step::Region { .. } | Step::Day { .. });
            running.spawn(async move {
                let result = step(&client, &location, (&settings, &resume), &sink, next).await;
                (name, by_day, result)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        match done {
            Ok((_, _, Ok(steps))) => todo.extend(steps),
            Ok((prefix, by_day, Err(why))) => {
                // Named with the listing whose objects it would have found.
                let listing = Arc::new(location.listing(&prefix, by_day));
                let _ = out
                    .send(failed(location, &prefix, why, Some(listing)))
                    .await;
            }
            Err(e) => {
                let why = format!("listing stopped: {e}");
                let _ = out
                    .send(failed(location, &location.prefix, why, None))
                    .await;
            }
        }
        if sink.found.is_closed() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_where_the_prefix_reaches_into_actiontrails_layout() {
        assert_eq!(
            start("trail/AliyunLogs/"),
            Step::AliyunLogs("trail/AliyunLogs/".into())
        );
        assert_eq!(
            start("AliyunLogs/Actiontrail"),
            Step::ActionTrail("AliyunLogs/Actiontrail/".into())
        );
        assert_eq!(
            start("AliyunLogs/Actiontrail/cn-hangzhou/"),
            Step::Region {
                prefix: "AliyunLogs/Actiontrail/cn-hangzhou/".into(),
                digest: false
            }
        );
        assert_eq!(
            start("AliyunLogs/Actiontrail/cn-hangzhou/2026/"),
            Step::Whole("AliyunLogs/Actiontrail/cn-hangzhou/2026/".into())
        );
        assert!(is_aliyun_region("ap-southeast-1") && is_aliyun_region("cn-hangzhou"));
        assert!(!is_aliyun_region("rd-abc") && !is_aliyun_region("2026"));
    }

    #[test]
    fn starts_where_the_prefix_reaches_into_the_layout() {
        let d = |p: &str| Step::Discover {
            prefix: p.into(),
            depth: 0,
        };
        assert_eq!(start(""), d(""));
        assert_eq!(start("trails/"), d("trails/"));
        assert_eq!(
            start("logs/2026-11-0"),
            Step::Guess("logs/2026-11-0".into())
        );
        assert_eq!(start("AWSLogs"), Step::AwsLogs("AWSLogs/".into()));
        assert_eq!(start("x/AWSLogs/"), Step::AwsLogs("x/AWSLogs/".into()));
        assert_eq!(
            start("AWSLogs/o-abc123def4/"),
            Step::Organisation("AWSLogs/o-abc123def4/".into())
        );
        assert_eq!(
            start("AWSLogs/o-abc123def4/111122223333/"),
            Step::Account("AWSLogs/o-abc123def4/111122223333/".into())
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail/"),
            Step::Trail {
                prefix: "AWSLogs/111122223333/CloudTrail/".into(),
                digest: false,
                guessed: None,
            }
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail/eu-west-1"),
            Step::Region {
                prefix: "AWSLogs/111122223333/CloudTrail/eu-west-1/".into(),
                digest: false
            }
        );
        assert_eq!(
            start("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/"),
            Step::Whole("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/".into())
        );
        assert_eq!(start("AWSLogs/1111"), Step::Whole("AWSLogs/1111".into()));
    }

    #[test]
    fn a_window_lists_its_days_and_one_more() {
        let t = |s: &str| crate::decode::parse_time(s);
        let (after, stop) = day_bounds("r/", t("2026-11-03T10:00:00Z"), t("2026-11-05T00:00:00Z"));
        // Keys of 11-03 sort after "r/2026/11/03"; 11-04 is the last day of the window and 11-05
        // its day of slack, so listing stops at 11-06.
        assert_eq!(after.as_deref(), Some("r/2026/11/03"));
        assert_eq!(stop.as_deref(), Some("r/2026/11/06"));
        assert_eq!(day_bounds("r/", None, None), (None, None));
    }
}
