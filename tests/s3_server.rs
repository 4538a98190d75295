//! A real S3-compatible server on 127.0.0.1 for the tests: `s3s-fs` (objects are the files under a
//! temporary folder, `ROOT/BUCKET/KEY`), started in this process, with
//!
//! - s3s doing the protocol (routing, SigV4 authentication, XML), and GetObject and ListObjectsV2
//!   answered from the folder in one pass, as S3 answers them, rather than by s3s-fs (which hashes
//!   every object it serves and walks the whole bucket for every page it lists),
//! - a log of every request it received (to prove what was listed and fetched),
//! - faults injected per object key or for the bucket itself: a slow answer, an HTTP error (503
//!   SlowDown, 500), a dropped connection, or a body cut off in the middle,
//! - a capacity, as S3 has one per prefix: GETs of objects beyond it, in flight at once, are
//!   refused with 503 SlowDown,
//! - lifecycle configurations per bucket (`s3s-fs` has none), served by GetBucketLifecycleConfiguration.
//!
//! It runs on its own tokio runtime and thread and stops when dropped.

use std::collections::BTreeSet;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::dto::{
    AbortIncompleteMultipartUpload, ExpirationStatus, GetBucketLifecycleConfigurationInput,
    GetBucketLifecycleConfigurationOutput, GetBucketLocationInput, GetBucketLocationOutput,
    GetObjectInput, GetObjectOutput, HeadBucketInput, HeadBucketOutput, LifecycleRule,
    LifecycleRuleFilter, ListObjectsV2Input, ListObjectsV2Output,
};
use s3s::dto::{CommonPrefix, ETag, Object, StreamingBlob, Timestamp};
use s3s::{Body, HttpError, S3, S3Request, S3Response, S3Result, s3_error};

pub const ACCESS_KEY: &str = "test";
pub const SECRET_KEY: &str = "test";

/// What to do to one request for an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer after this long.
    Slow(Duration),
    /// Answer with this status and S3 error code.
    Status(u16, &'static str),
    /// Close the connection without answering.
    Drop,
    /// Send the headers of the whole object, then half of it, then close the connection.
    Cut,
}

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    /// The path, percent-decoded: `/bucket/key`.
    pub path: String,
    pub query: String,
    /// The `Host` header: `BUCKET.localhost:PORT` for a virtual-hosted request.
    pub host: String,
    /// When it arrived.
    pub at: Instant,
}

/// A lifecycle rule to serve: ID, prefix, enabled, DaysAfterInitiation.
pub type ServedRule = (&'static str, &'static str, bool, i32);

#[derive(Default)]
struct State {
    received: Mutex<Vec<Received>>,
    /// Faults still to apply, by `/bucket/key`, in order.
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
    lifecycle: Mutex<HashMap<String, Vec<ServedRule>>>,
    /// Buckets every request to which is refused with AccessDenied.
    denied: Mutex<Vec<String>>,
    /// A delay before every answer to a GET of an object, and to a listing page: real S3's
    /// latency, for the benchmark.
    latency: Mutex<Option<(Duration, Duration)>>,
    /// The most GETs of objects answered at once; more are refused with SlowDown.
    capacity: Mutex<Option<usize>>,
    /// GETs of objects being answered.
    in_flight: AtomicUsize,
    /// GETs of objects refused for want of capacity.
    refused: AtomicUsize,
}

/// One GET of an object being answered, counted in [`State::in_flight`] until dropped.
struct Serving<'a>(&'a AtomicUsize);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The running server.
pub struct S3Server {
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl S3Server {
    /// Serves the buckets under `root` (each folder of `root` is a bucket).
    pub fn start(root: &Path) -> S3Server {
        let state = Arc::new(State::default());
        let fs = s3s_fs::FileSystem::new(root).expect("an s3s-fs root");
        // Bound before the service is built: virtual-hosted requests (`BUCKET.localhost:PORT`,
        // as OSS clients send them) name the port.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let port = listener.local_addr().expect("an address").port();
        let service = {
            let mut b = s3s::service::S3ServiceBuilder::new(Store {
                fs,
                root: root.to_owned(),
                state: state.clone(),
            });
            b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            b.set_host(
                s3s::host::SingleDomain::new(&format!("localhost:{port}")).expect("a domain"),
            );
            b.build()
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::spawn(move || {
            // One thread: on a two-core machine each thread the server wakes takes a core from
            // the client it serves, and files are read in place, small and in the page cache.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                ready_tx
                    .send(listener.local_addr().expect("an address"))
                    .expect("the test waits");
                let http = ConnBuilder::new(TokioExecutor::new());
                loop {
                    let socket = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((socket, _)) => socket,
                            Err(_) => continue,
                        },
                        _ = &mut stop_rx => break,
                    };
                    let faulty = Faulty {
                        inner: service.clone(),
                        state: served.clone(),
                    };
                    let conn = http
                        .serve_connection(TokioIo::new(socket), faulty)
                        .into_owned();
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
            });
        });
        let addr = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server starts");
        S3Server {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://localhost:PORT`: the endpoint for virtual-hosted requests, which go to
    /// `BUCKET.localhost:PORT`.
    pub fn virtual_url(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    /// The environment of a user of this server: its credentials and endpoint, and nothing from
    /// this machine's AWS configuration (`home` is a folder that holds none).
    pub fn user_env(&self, home: &Path) -> Vec<(String, String)> {
        let none = home.join("no-aws-config").display().to_string();
        [
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", none.as_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", none.as_str()),
            ("AWS_PROFILE", "default"),
            ("AWS_ENDPOINT_URL", self.url().as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// The environment of a user of this server as an OSS endpoint (Alibaba Cloud's variables).
    pub fn oss_user_env(&self, home: &Path) -> Vec<(String, String)> {
        let none = home.join("no-aws-config").display().to_string();
        [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET_KEY),
            ("AWS_CONFIG_FILE", none.as_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", none.as_str()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// The objects fetched (a GET of an object) since the last `clear` whose path starts with
    /// `prefix` (`/bucket/` for path-style requests, `/` for virtual-hosted ones), without it.
    pub fn fetched(&self, prefix: &str) -> BTreeSet<String> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "GET" && !r.query.contains("list-type"))
            .filter_map(|r| r.path.strip_prefix(prefix).map(str::to_owned))
            .filter(|key| !key.is_empty())
            .collect()
    }

    /// Delays every answer: `object` for a GET of an object, `listing` for a listing page.
    pub fn set_latency(&self, object: Duration, listing: Duration) {
        *self.state.latency.lock().expect("the latency") = Some((object, listing));
    }

    /// Refuses with 503 SlowDown every GET of an object that would make more than `most` in
    /// flight at once (with [`S3Server::set_latency`], a rate: `most` a latency).
    pub fn set_capacity(&self, most: usize) {
        *self.state.capacity.lock().expect("the capacity") = Some(most);
    }

    /// How many GETs of objects were refused for want of capacity.
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }

    /// Applies `faults`, one per request, to the next requests for `bucket/key` (`""`: the bucket).
    pub fn fail(&self, bucket: &str, key: &str, faults: &[Fault]) {
        self.state
            .faults
            .lock()
            .expect("the fault table")
            .entry(format!("/{bucket}/{key}"))
            .or_default()
            .extend(faults.iter().copied());
    }

    /// Serves these rules as the lifecycle configuration of `bucket`.
    pub fn set_lifecycle(&self, bucket: &str, rules: Vec<ServedRule>) {
        self.state
            .lifecycle
            .lock()
            .expect("the lifecycle table")
            .insert(bucket.to_owned(), rules);
    }

    /// Refuses every request to `bucket` with 403 AccessDenied.
    pub fn deny(&self, bucket: &str) {
        self.state
            .denied
            .lock()
            .expect("the denied buckets")
            .push(bucket.to_owned());
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("the log").clone()
    }

    /// Forgets the requests received so far.
    pub fn clear(&self) {
        self.state.received.lock().expect("the log").clear();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Objects and listings read from the folder, lifecycle configurations from the state, the rest
/// from s3s-fs.
struct Store {
    fs: s3s_fs::FileSystem,
    root: std::path::PathBuf,
    state: Arc<State>,
}

#[async_trait::async_trait]
impl S3 for Store {
    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        // s3s-fs walks the whole bucket for every page, with a trip to the blocking pool for each
        // entry; while objects are being served, a page took it 100-400 ms, where S3 answers in
        // tens, and the benchmark measured the listing of this server instead of the client. The
        // same answer from one walk of the folders under the prefix:
        let input = req.input;
        let bucket = self.root.join(&input.bucket);
        if !bucket.is_dir() {
            return Err(s3_error!(NoSuchBucket));
        }
        let prefix = input.prefix.clone().unwrap_or_default();
        let folder = &prefix[..prefix.rfind('/').map_or(0, |at| at + 1)];
        let mut objects = Vec::new();
        walk(&bucket, &bucket.join(folder), &mut objects);
        objects.sort_by(|a, b| a.0.cmp(&b.0));
        let after = match (&input.continuation_token, &input.start_after) {
            (Some(token), Some(start)) => Some(token.max(start).clone()),
            (token, start) => token.clone().or_else(|| start.clone()),
        };
        let limit = usize::try_from(input.max_keys.unwrap_or(1000)).unwrap_or(0);
        let (mut contents, mut folders) = (Vec::new(), Vec::<CommonPrefix>::new());
        let (mut last, mut truncated) = (None::<String>, false);
        for (key, size, modified) in objects {
            let Some(rest) = key.strip_prefix(&prefix) else {
                continue;
            };
            // With a delimiter, keys below it fold into one common prefix.
            let common = input.delimiter.as_deref().and_then(|d| {
                rest.find(d)
                    .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
            });
            let name = common.clone().unwrap_or_else(|| key.clone());
            if after.as_ref().is_some_and(|after| name <= *after) || last.as_ref() == Some(&name) {
                continue;
            }
            if contents.len() + folders.len() == limit {
                truncated = true;
                break;
            }
            match common {
                Some(common) => folders.push(CommonPrefix {
                    prefix: Some(common),
                }),
                None => contents.push(Object {
                    key: Some(key),
                    size: Some(size),
                    last_modified: Some(Timestamp::from(modified)),
                    ..Default::default()
                }),
            }
            last = Some(name);
        }
        let count = i32::try_from(contents.len() + folders.len()).unwrap_or(i32::MAX);
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: input.prefix,
            delimiter: input.delimiter,
            max_keys: input.max_keys,
            key_count: Some(count),
            is_truncated: Some(truncated),
            next_continuation_token: if truncated { last } else { None },
            continuation_token: input.continuation_token,
            start_after: input.start_after,
            contents: (!contents.is_empty()).then_some(contents),
            common_prefixes: (!folders.is_empty()).then_some(folders),
            ..Default::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        if req.input.range.is_some() {
            return self.fs.get_object(req).await;
        }
        // A whole object in one piece, with an ETag made of its size and time: s3s-fs would hash
        // every byte for the ETag and stream it in 4 KiB chunks, and on a two-core machine that
        // server CPU is taken from the client it serves.
        let path = self.root.join(&req.input.bucket).join(&req.input.key);
        let bytes = std::fs::read(&path).map_err(|_| s3_error!(NoSuchKey))?;
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|_| s3_error!(NoSuchKey))?;
        let stamp = modified
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let length = i64::try_from(bytes.len()).map_err(|_| s3_error!(InternalError))?;
        Ok(S3Response::new(GetObjectOutput {
            body: Some(StreamingBlob::from(Body::from(bytes))),
            content_length: Some(length),
            e_tag: Some(ETag::Strong(format!("{length:x}-{stamp:x}"))),
            last_modified: Some(Timestamp::from(modified)),
            ..Default::default()
        }))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        req: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        let served = self
            .state
            .lifecycle
            .lock()
            .expect("the lifecycle table")
            .get(&req.input.bucket)
            .cloned();
        let Some(rules) = served else {
            return Err(s3_error!(NoSuchLifecycleConfiguration));
        };
        let rules = rules
            .into_iter()
            .map(|(id, prefix, enabled, days)| LifecycleRule {
                id: Some(id.to_owned()),
                filter: Some(LifecycleRuleFilter {
                    prefix: Some(prefix.to_owned()),
                    ..Default::default()
                }),
                status: ExpirationStatus::from_static(if enabled {
                    ExpirationStatus::ENABLED
                } else {
                    ExpirationStatus::DISABLED
                }),
                abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                    days_after_initiation: Some(days),
                }),
                expiration: None,
                noncurrent_version_expiration: None,
                noncurrent_version_transitions: None,
                prefix: None,
                transitions: None,
            })
            .collect();
        Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
            rules: Some(rules),
            ..Default::default()
        }))
    }
}

/// The S3 service behind a layer that logs requests and injects faults.
#[derive(Clone)]
struct Faulty {
    inner: s3s::service::S3Service,
    state: Arc<State>,
}

fn error_response(status: u16, code: &str) -> Response<Body> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test server</Message></Error>"
    );
    let mut response = Response::new(Body::from(xml));
    *response.status_mut() = StatusCode::from_u16(status).expect("a valid status");
    response
}

impl hyper::service::Service<Request<Incoming>> for Faulty {
    type Response = Response<Body>;
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response<Body>, HttpError>> + Send>,
    >;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let (inner, state) = (self.inner.clone(), self.state.clone());
        Box::pin(async move {
            let path = uploadtrail::url::percent_decode(req.uri().path().as_bytes());
            state.received.lock().expect("the log").push(Received {
                method: req.method().to_string(),
                path: path.clone(),
                query: req.uri().query().unwrap_or_default().to_owned(),
                host: req
                    .headers()
                    .get(hyper::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
                at: Instant::now(),
            });
            // A listing asks for the bucket (path style) or the root (virtual host).
            let is_listing = path
                .trim_start_matches('/')
                .split_once('/')
                .is_none_or(|(_, key)| key.is_empty());
            let object_get = req.method() == hyper::Method::GET && !is_listing;
            let _serving = object_get.then(|| {
                state.in_flight.fetch_add(1, Ordering::SeqCst);
                Serving(&state.in_flight)
            });
            let capacity = *state.capacity.lock().expect("the capacity");
            if object_get
                && capacity.is_some_and(|most| state.in_flight.load(Ordering::SeqCst) > most)
            {
                state.refused.fetch_add(1, Ordering::SeqCst);
                return Ok(error_response(503, "SlowDown"));
            }
            let latency = *state.latency.lock().expect("the latency");
            if let Some((object, listing)) = latency
                && req.method() == hyper::Method::GET
            {
                tokio::time::sleep(if is_listing { listing } else { object }).await;
            }
            let bucket = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            if state
                .denied
                .lock()
                .expect("the denied buckets")
                .iter()
                .any(|b| b == bucket)
            {
                return Ok(error_response(403, "AccessDenied"));
            }
            // Faults for the bucket itself (listings, its lifecycle) wait under its empty key.
            let of_bucket = is_listing.then(|| format!("{}/", path.trim_end_matches('/')));
            let fault = state
                .faults
                .lock()
                .expect("the fault table")
                .get_mut(&of_bucket.unwrap_or(path))
                .and_then(VecDeque::pop_front);
            match fault {
                None => inner.call(req.map(Body::from)).await,
                Some(Fault::Slow(delay)) => {
                    tokio::time::sleep(delay).await;
                    inner.call(req.map(Body::from)).await
                }
                Some(Fault::Status(status, code)) => Ok(error_response(status, code)),
                Some(Fault::Drop) => Err(HttpError::new("connection dropped by the test".into())),
                Some(Fault::Cut) => {
                    let mut response = inner.call(req.map(Body::from)).await?;
                    let whole = response
                        .body_mut()
                        .store_all_limited(1 << 30)
                        .await
                        .map_err(HttpError::new)?;
                    // The headers announce the whole object; half of it arrives.
                    *response.body_mut() = Body::from(whole.slice(..whole.len() / 2));
                    response.headers_mut().insert(
                        hyper::header::CONTENT_LENGTH,
                        whole.len().to_string().parse().expect("a header value"),
                    );
                    Ok(response)
                }
            }
        })
    }
}

/// Every file under `dir`, as (key under `bucket`, size, modification time).
pub fn walk(bucket: &Path, dir: &Path, out: &mut Vec<(String, i64, std::time::SystemTime)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            walk(bucket, &path, out);
        } else if let (Ok(key), Ok(modified)) = (path.strip_prefix(bucket), meta.modified()) {
            let key = key
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            out.push((key, i64::try_from(meta.len()).unwrap_or(i64::MAX), modified));
        }
    }
}
