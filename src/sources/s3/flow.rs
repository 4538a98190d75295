//! How many requests are in flight: more while the decoders wait for objects, fewer when the store
//! answers 503 (SlowDown).
//!
//! Far from S3 many small objects need many requests in flight; near it, or with large objects, a
//! few keep the decoders busy. So requests start at a few and grow by one each time a fetch ends
//! while the decoders wait. But S3 throttles past a request rate per prefix, and a client that
//! keeps every request in flight retrying into it runs out of retries and loses objects: each
//! answer that says so ([`throttling`], seen by [`Watch`] on every attempt, retries included)
//! halves the requests in flight, at most once a round trip, and after one the growth slows to one
//! a round of answers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The fewest requests in flight that throttling brings a run down to.
const FLOOR: usize = 2;
/// A 503 this soon after a cut belongs to the requests sent before it: no second cut.
const ROUND_TRIP: Duration = Duration::from_millis(100);

/// The requests allowed in flight, as permits of a semaphore.
#[derive(Debug)]
pub struct Flow {
    requests: Arc<Semaphore>,
    ceiling: usize,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Permits in circulation once the debt is paid: the requests allowed in flight.
    granted: usize,
    /// Permits to take out of circulation as they come back, after a cut.
    debt: usize,
    /// The store has throttled: grow by one a round of answers, not one an answer.
    cautious: bool,
    /// Answers toward the next permit while cautious.
    credit: usize,
    cut_at: Option<Instant>,
}

impl Flow {
    /// `first` requests in flight, growing to at most `ceiling`.
    pub fn new(first: usize, ceiling: usize) -> Arc<Flow> {
        let first = first.clamp(1, ceiling.max(1));
        Arc::new(Flow {
            requests: Arc::new(Semaphore::new(first)),
            ceiling: ceiling.max(1),
            state: Mutex::new(State {
                granted: first,
                debt: 0,
                cautious: false,
                credit: 0,
                cut_at: None,
            }),
        })
    }

    /// Waits for a request to be allowed; `None` once the semaphore is closed.
    pub async fn request(&self) -> Option<OwnedSemaphorePermit> {
        self.requests.clone().acquire_owned().await.ok()
    }

    /// A fetch ended and gives back its `permit`; `starving` when the decoders wait for objects,
    /// so that one more request may be in flight.
    pub fn done(&self, permit: OwnedSemaphorePermit, starving: bool) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.debt > 0 {
            s.debt -= 1;
            permit.forget();
        } else {
            drop(permit);
        }
        if !starving || s.granted >= self.ceiling {
            return;
        }
        if s.cautious {
            s.credit += 1;
            if s.credit < s.granted {
                return;
            }
            s.credit = 0;
        }
        s.granted += 1;
        if s.debt > 0 {
            s.debt -= 1;
        } else {
            self.requests.add_permits(1);
        }
    }

    /// The store is throttling: halve the requests in flight, unless it was just done.
    fn throttled(&self) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if s.cut_at
            .is_some_and(|at| now.duration_since(at) < ROUND_TRIP)
        {
            return;
        }
        let target = (s.granted / 2).max(FLOOR).min(s.granted);
        // Permits free now are taken at once, the rest as their requests end.
        let cut = s.granted - target;
        let free = self.requests.forget_permits(cut);
        s.debt += cut - free;
        s.granted = target;
        s.cautious = true;
        s.credit = 0;
        s.cut_at = Some(now);
    }
}

/// Whether an answer's HTTP status says the store is throttling: 503 (S3's SlowDown, OSS's and
/// others' ServiceUnavailable) or 429 (Too Many Requests).
pub fn throttling(status: u16) -> bool {
    matches!(status, 503 | 429)
}

/// Tells a [`Flow`] of every answer that says the store is throttling, retries included: an
/// interceptor of the S3 client.
#[derive(Debug, Clone)]
pub struct Watch(pub Arc<Flow>);

impl Intercept for Watch {
    fn name(&self) -> &'static str {
        "uploadtrail throttling watch"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if throttling(context.response().status().as_u16()) {
            self.0.throttled();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn available(flow: &Flow) -> usize {
        flow.requests.available_permits()
    }

    fn granted(flow: &Flow) -> usize {
        flow.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .granted
    }

    #[tokio::test(flavor = "current_thread")]
    async fn grows_while_starving_and_halves_when_throttled() {
        let flow = Flow::new(4, 16);
        let held: Vec<_> = take(&flow, 4).await;
        assert_eq!(available(&flow), 0);
        // Each answer while the decoders wait lets one more request go.
        for permit in held {
            flow.done(permit, true);
        }
        assert_eq!(available(&flow), 8);
        let held = take(&flow, 8).await;
        // Throttled: 8 becomes 4, paid as the requests in flight end; a second 503 at once does
        // not cut again.
        flow.throttled();
        flow.throttled();
        assert_eq!(granted(&flow), 4);
        let mut held = held.into_iter();
        for permit in held.by_ref().take(4) {
            flow.done(permit, false);
        }
        assert_eq!(available(&flow), 0, "the first four answers pay the debt");
        for permit in held {
            flow.done(permit, false);
        }
        assert_eq!(available(&flow), 4);
        // Cautious now: one more request only after a round (4) of answers.
        let held = take(&flow, 4).await;
        let mut held = held.into_iter();
        for permit in held.by_ref().take(3) {
            flow.done(permit, true);
        }
        assert_eq!(available(&flow), 3);
        for permit in held {
            flow.done(permit, true);
        }
        assert_eq!(available(&flow), 5);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn never_below_the_floor_nor_above_the_ceiling() {
        let flow = Flow::new(8, 8);
        for _ in 0..10 {
            flow.throttled();
            flow.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cut_at = None;
        }
        assert_eq!(available(&flow), FLOOR);
        let flow = Flow::new(8, 8);
        let held = take(&flow, 8).await;
        for permit in held {
            flow.done(permit, true);
        }
        assert_eq!(available(&flow), 8);
    }

    async fn take(flow: &Flow, n: usize) -> Vec<OwnedSemaphorePermit> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(flow.request().await.expect("a permit"));
        }
        held
    }
}
