//! A response body wrapper that enforces the policy's size limit and the between-bytes timeout.

use crate::budget::Held;
use crate::progress::Transfer;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::Error;

/// Wraps a body; fails with `HttpResponseBodySize` past `remaining` bytes and with
/// `ConnectionReadTimeout` when no frame arrives within `between_bytes`.
pub(crate) struct GuardedBody<B> {
    inner: B,
    remaining: u64,
    between_bytes: Duration,
    deadline: Pin<Box<Sleep>>,
    progress: Option<Arc<Transfer>>,
    /// The request's place in the invocation's in-flight budget, given back when the body drops.
    _in_flight: Held,
}

impl<B> GuardedBody<B> {
    /// Guards `inner` with a byte limit and a between-bytes timeout, counting into `progress`
    /// and holding `in_flight` until the body is dropped.
    pub(crate) fn new(
        inner: B,
        limit: u64,
        between_bytes: Duration,
        progress: Option<Arc<Transfer>>,
        in_flight: Held,
    ) -> Self {
        let deadline = Box::pin(tokio::time::sleep(between_bytes));
        Self { inner, remaining: limit, between_bytes, deadline, progress, _in_flight: in_flight }
    }
}

/// Counts the data bytes of a request body as they are sent.
pub(crate) struct CountedBody<B> {
    inner: B,
    progress: Arc<Transfer>,
}

impl<B> CountedBody<B> {
    /// Counts `inner`'s bytes into `progress`.
    pub(crate) fn new(inner: B, progress: Arc<Transfer>) -> Self {
        Self { inner, progress }
    }
}

impl<B> Body for CountedBody<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.progress.add_sent(data.len() as u64);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Body for GuardedBody<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => {
                ready!(this.deadline.as_mut().poll(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
            Poll::Ready(Some(Ok(frame))) => {
                let next = Instant::now() + this.between_bytes;
                this.deadline.as_mut().reset(next);
                if let Some(data) = frame.data_ref() {
                    let len = data.len() as u64;
                    if len > this.remaining {
                        return Poll::Ready(Some(Err(Error::HttpResponseBodySize(None))));
                    }
                    this.remaining -= len;
                    if let Some(progress) = &this.progress {
                        progress.add_received(len);
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
