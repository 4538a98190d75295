//! `s3://bucket[/prefix]`: logs read straight from the trail's bucket.
//!
//! Listing knows the CloudTrail layout,
//! `[prefix/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`: accounts and regions are
//! discovered with delimiter listings (and filtered by `--account` / `--log-region`), and only the
//! days of the window are listed, plus one day after `--until`, because CloudTrail files a log under
//! the day it delivers it. Digest folders are listed the same way, so that their files are counted
//! as a local run counts them, but never fetched. A prefix that does not follow the layout (S3
//! access logs, an export) is listed whole.
//!
//! Objects are fetched on a small tokio runtime of its own thread, with a bound on requests in
//! flight and on bytes held, and handed to the decoding threads as they arrive, so decoding overlaps
//! downloading. The SDK retries throttling, 5xx answers and broken connections with backoff; a body
//! cut off in the middle is fetched again; a request the store keeps throttling (an object, a
//! listing page, a lifecycle configuration) is sent again for about a minute; an object that still
//! fails is reported by its `s3://` name and the run goes on.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{Region, ResponseChecksumValidation};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use indicatif::ProgressBar;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

use super::{Body, Input, Listing, Origin, Resume};
use crate::model::{Provider, Time};
use flow::{Flow, Watch};
use problems::{Action, describe};

mod flow;
mod layout;
mod lifecycle;
mod listing;
mod oss;
mod problems;

pub use lifecycle::{Configuration, lifecycle_configurations};

/// A bucket and key prefix named as `s3://bucket[/prefix]` or `oss://bucket[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The object store: S3, or OSS through its S3-compatible endpoint.
    pub provider: Provider,
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty).
    pub prefix: String,
}

impl Location {
    /// Reads `s3://bucket[/prefix]` or `oss://bucket[/prefix]`; `None` when the argument is
    /// neither.
    pub fn parse(arg: &str) -> Option<Result<Location, String>> {
        let (provider, rest) = match (arg.strip_prefix("s3://"), arg.strip_prefix("oss://")) {
            (Some(rest), _) => (Provider::Aws, rest),
            (_, Some(rest)) => (Provider::Alibaba, rest),
            (None, None) => return None,
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(if bucket.is_empty() {
            Err(format!(
                "{arg:?} names no bucket: write {}://BUCKET[/PREFIX]",
                provider.scheme()
            ))
        } else {
            Ok(Location {
                provider,
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            })
        })
    }

    /// The origin of one of its objects.
    fn origin(&self, key: &str) -> Origin {
        Origin::Object {
            provider: self.provider,
            bucket: self.bucket.clone(),
            key: key.to_owned(),
        }
    }

    /// The listing of `prefix` in this bucket (of a region's days when `by_day`).
    fn listing(&self, prefix: &str, by_day: bool) -> Listing {
        Listing {
            store: format!("{}://{}", self.provider.scheme(), self.bucket),
            prefix: prefix.to_owned(),
            by_day,
        }
    }

    /// `s3://bucket/key`, `oss://bucket/key`.
    pub fn name(&self, key: &str) -> String {
        format!("{}://{}/{key}", self.provider.scheme(), self.bucket)
    }
}

/// How to reach S3 and what to read there.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--profile`: a named profile of the AWS config files.
    pub profile: Option<String>,
    /// `--region`: the region of the client (the bucket's own region is found out).
    pub region: Option<String>,
    /// `--endpoint-url`: an S3-compatible endpoint (path-style addressing is used for it).
    pub endpoint_url: Option<String>,
    /// `--account`: only these accounts of an organisation trail (empty: all).
    pub accounts: Vec<String>,
    /// `--log-region`: only the logs of these regions (empty: all).
    pub log_regions: Vec<String>,
    /// The window: only the days that can hold its events are listed.
    pub since: Option<Time>,
    /// See `since`.
    pub until: Option<Time>,
    /// Requests in flight at once.
    pub requests: usize,
    /// Bytes of fetched objects held at once, waiting for a decoding thread.
    pub memory: u64,
}

/// Requests in flight at the start (see `--s3-requests` for the most).
const FIRST_REQUESTS: usize = 128;

/// Fetched objects waiting for a decoding thread.
const WAITING: usize = 16;
/// Attempts to read an object's body (each attempt also retried by the SDK before it answers).
const BODY_ATTEMPTS: u32 = 3;
/// Attempts while the store answers that it is throttling (about a minute of backing off in all):
/// "slow down" says when to come back, not that the object cannot be read. Under throttling
/// that lasts, the SDK's retry quota runs out and each refusal reaches this loop at once.
const THROTTLED_ATTEMPTS: u32 = 10;

/// One object to fetch, as listed.
struct Listed {
    key: String,
    size: u64,
    digest: bool,
    /// The listing that found it.
    listing: Arc<Listing>,
}

/// A fetched object and the part of the memory budget it holds until a decoding thread takes it.
struct Arrived {
    input: Input,
    _permit: Option<OwnedSemaphorePermit>,
}

/// The inputs under `location`, fetched in the background, but for what `resume` says was read
/// before. `limit` caps one object.
pub fn objects(
    location: Location,
    settings: Settings,
    limit: u64,
    bar: ProgressBar,
    resume: Arc<Resume>,
) -> Box<dyn Iterator<Item = Input> + Send> {
    let (tx, mut rx) = mpsc::channel::<Arrived>(WAITING);
    let name = location.name(&location.prefix);
    let spawned = std::thread::Builder::new()
        .name("s3".to_owned())
        .spawn(move || {
            // One thread is plenty for the network side: the CPU belongs to the decoders.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => {
                    runtime.block_on(run(location, settings, limit, bar, resume, tx));
                }
                Err(e) => {
                    let why = format!("cannot start the network runtime: {e}");
                    let _ = tx.blocking_send(failed(&location, &location.prefix, why, None));
                }
            }
        });
    if let Err(e) = spawned {
        let input = Input::new(
            Origin::Stdin,
            Body::Unreadable(format!("cannot start a thread to read {name}: {e}")),
        );
        return Box::new(std::iter::once(input));
    }
    Box::new(std::iter::from_fn(move || {
        rx.blocking_recv().map(|arrived| arrived.input)
    }))
}

/// An input that could not be read: an object, or a listing (named by its prefix).
fn failed(location: &Location, key: &str, why: String, listing: Option<Arc<Listing>>) -> Arrived {
    Arrived {
        input: Input {
            origin: location.origin(key),
            body: Body::Unreadable(why),
            listing,
        },
        _permit: None,
    }
}

async fn run(
    location: Location,
    settings: Settings,
    limit: u64,
    bar: ProgressBar,
    resume: Arc<Resume>,
    out: mpsc::Sender<Arrived>,
) {
    let client = match location.provider {
        Provider::Aws => connect(&settings, &location.bucket).await,
        Provider::Alibaba => oss::connect(&settings).await,
    };
    let client = match client {
        Ok(client) => client,
        Err(why) => {
            let _ = out
                .send(failed(&location, &location.prefix, why, None))
                .await;
            return;
        }
    };
    // Requests in flight start at a few and grow, up to `--s3-requests`, while the decoders wait
    // for objects, and halve when the store throttles (see `flow`). The memory budget bounds the
    // bytes in flight either way.
    let flow = Flow::new(FIRST_REQUESTS, settings.requests);
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(Watch(flow.clone()))
            .build(),
    );
    let (found_tx, mut found) = mpsc::unbounded_channel::<Listed>();
    let lister = {
        let (client, location, settings, out) = (
            client.clone(),
            location.clone(),
            settings.clone(),
            out.clone(),
        );
        tokio::spawn(async move {
            layout::walk(&client, &location, &settings, &resume, &bar, found_tx, &out).await
        })
    };

    // The memory budget in KiB, so that the permits fit a u32.
    let budget = u32::try_from((settings.memory >> 10).max(1)).unwrap_or(u32::MAX);
    let memory = Arc::new(Semaphore::new(budget as usize));
    let mut fetches = JoinSet::new();
    while let Some(object) = found.recv().await {
        let origin = location.origin(&object.key);
        // Digests and objects over the limit are named without being fetched.
        let unfetched = if object.digest {
            Some(Body::Digest)
        } else if object.size > limit {
            Some(Body::Unreadable(format!(
                "the object is {} MiB, more than the limit of {} MiB (see --max-decoded-mib)",
                object.size >> 20,
                limit >> 20
            )))
        } else {
            None
        };
        if let Some(body) = unfetched {
            let input = Input {
                origin,
                body,
                listing: Some(object.listing),
            };
            let _ = out
                .send(Arrived {
                    input,
                    _permit: None,
                })
                .await;
            continue;
        }
        let kib = u32::try_from(object.size.div_ceil(1024).max(1))
            .unwrap_or(u32::MAX)
            .min(budget);
        let (Ok(held), Some(request)) = (
            memory.clone().acquire_many_owned(kib).await,
            flow.request().await,
        ) else {
            break;
        };
        let (client, location, out, flow) =
            (client.clone(), location.clone(), out.clone(), flow.clone());
        fetches.spawn(async move {
            // The SDK's request is a large future: boxed, it is freed as soon as the body is in,
            // while the task may still wait for a decoder (held only by the memory budget).
            let fetched = Box::pin(fetch(&client, &location, &object.key, object.size, limit));
            let body = match fetched.await {
                Ok(bytes) => Body::Object(bytes),
                Err(why) => Body::Unreadable(why),
            };
            // Nothing is queued for the decoders: they wait for the network.
            flow.done(request, out.capacity() == out.max_capacity());
            let _ = out
                .send(Arrived {
                    input: Input {
                        origin,
                        body,
                        listing: Some(object.listing),
                    },
                    _permit: Some(held),
                })
                .await;
        });
        // Reap finished fetches as we go, so the set does not grow with the listing.
        while fetches.try_join_next().is_some() {}
    }
    while fetches.join_next().await.is_some() {}
    let _ = lister.await;
}

/// A client for the bucket: the standard credential chain, `--profile`, `--region` and
/// `--endpoint-url` as the AWS CLI reads them, in the bucket's own region.
async fn connect(settings: &Settings, bucket: &str) -> Result<Client, String> {
    let retry = RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
    if let Some(profile) = &settings.profile {
        problems::profile_exists(profile).await?;
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let shared = loader.load().await;
    // A custom endpoint (the option, AWS_ENDPOINT_URL or a profile's endpoint_url) is an
    // S3-compatible server: address buckets by path, and do not go looking for regions.
    let custom = shared.endpoint_url().is_some();
    let region = shared
        .region()
        .cloned()
        .unwrap_or_else(|| Region::new("us-east-1"));
    let build = |region: Region| {
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom)
            .region(region)
            // A CloudTrail file carries its own check (the gzip CRC); a second checksum over every
            // byte would cost the client, and the server, CPU for nothing.
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        Client::from_conf(config)
    };
    let client = build(region.clone());
    if custom {
        return Ok(client);
    }
    // S3 answers HeadBucket for a bucket of another region with a redirect, and even a refusal,
    // with a header that names its region. Without it, the requests that follow say what is wrong.
    let home = match client.head_bucket().bucket(bucket).send().await {
        Ok(out) => out.bucket_region().map(str::to_owned),
        Err(e) => e
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_owned),
    };
    Ok(match home {
        Some(home) if home != region.as_ref() => build(Region::new(home)),
        _ => client,
    })
}

/// Whether a failed GetObject may succeed if tried again: throttled, or failed on the way.
fn transient<E>(e: &SdkError<E, HttpResponse>) -> bool
where
    E: ProvideErrorMetadata,
{
    throttled(e)
        || match e {
            SdkError::ServiceError(service) => {
                matches!(
                    service.err().code(),
                    Some("InternalError" | "RequestTimeout") | None
                )
            }
            SdkError::ConstructionFailure(_) => false,
            _ => true,
        }
}

/// Reads one object whole, at most `limit` bytes.
async fn fetch(
    client: &Client,
    location: &Location,
    key: &str,
    size: u64,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let name = location.name(key);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let request = client.get_object().bucket(&location.bucket).key(key);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) if transient(&e) && attempt < attempts(&e) => {
                backoff(attempt).await;
                continue;
            }
            Err(e) => {
                return Err(format!(
                    "{} (after {attempt} attempt(s))",
                    describe(&e, &name, Action::Read)
                ));
            }
        };
        let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
        let cut = loop {
            match response.body.try_next().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        return Err(format!(
                            "the object grew past the limit of {} MiB while being read",
                            limit >> 20
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break None,
                Err(e) => break Some(format!("the connection broke while reading it: {e}")),
            }
        };
        match cut {
            None => return Ok(bytes),
            Some(_) if attempt < BODY_ATTEMPTS => backoff(attempt).await,
            Some(why) => return Err(format!("{why} ({attempt} attempts)")),
        }
    }
}

/// How many attempts an object gets after this error.
fn attempts<E>(e: &SdkError<E, HttpResponse>) -> u32 {
    if throttled(e) {
        THROTTLED_ATTEMPTS
    } else {
        BODY_ATTEMPTS
    }
}

/// Whether the store answered that it is throttling the requests, as [`Watch`] sees it.
fn throttled<E>(e: &SdkError<E, HttpResponse>) -> bool {
    e.raw_response()
        .is_some_and(|r| flow::throttling(r.status().as_u16()))
}

/// Sends a request (`send` makes it anew each time) again while the store answers that it is
/// throttling, as a throttled object is asked again: a listing page refused is a day not read.
pub(super) async fn patiently<T, E, F>(
    mut send: impl FnMut() -> F,
) -> Result<T, SdkError<E, HttpResponse>>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let mut attempt = 1;
    loop {
        match send().await {
            Err(e) if throttled(&e) && attempt < THROTTLED_ATTEMPTS => {
                backoff(attempt).await;
                attempt += 1;
            }
            answer => return answer,
        }
    }
}

/// Waits before attempt `attempt + 1`: exponentially longer, up to 12.8 s, and jittered, so that
/// the objects a store refused together do not come back together.
async fn backoff(attempt: u32) {
    let ceiling = 200u64 << attempt.min(6);
    let jitter = RandomState::new().hash_one(attempt) % (ceiling / 2);
    tokio::time::sleep(Duration::from_millis(ceiling / 2 + jitter)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_s3_urls() {
        let at = |s: &str| Location::parse(s).map(|r| r.map(|l| (l.bucket, l.prefix)));
        assert_eq!(at("s3://trail"), Some(Ok(("trail".into(), String::new()))));
        assert_eq!(
            at("s3://trail/a/b/"),
            Some(Ok(("trail".into(), "a/b/".into())))
        );
        assert!(matches!(at("s3:///x"), Some(Err(_))));
        assert_eq!(at("./trail"), None);
    }
}
