//! Connections that give up on a peer which stops taking bytes. A write (or flush, or shutdown)
//! that makes no progress for the stall timeout fails, and the failure ends the connection.
//!
//! A guest's timeouts end the requests it waits for. Once an invocation is over, nothing else
//! would end a connection whose writes never complete: a component may finish a body the server
//! never reads, read the server's early answer and return. The pooled connection would then hold
//! its task, its socket and the body's buffered bytes for as long as the server kept it open.

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// How long a write may wait for the peer to take bytes before the connection is given up:
/// as long as a guest's default wait between the bytes of an answer.
pub const DEFAULT_WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// The shortest stall timeout a runtime takes.
pub const MIN_WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(1);

/// A connection whose writes fail after `timeout` without progress.
pub struct StallGuarded<T> {
    inner: T,
    timeout: Duration,
    /// When the write now waiting gives up; none while writes go through.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<T> StallGuarded<T> {
    /// Guards `inner` with `timeout`.
    pub fn new(inner: T, timeout: Duration) -> Self {
        Self { inner, timeout, deadline: None }
    }

    /// Passes `outcome` of a write-side call on: progress clears the deadline; a wait starts it
    /// (once) and fails when it passes.
    fn watch<R>(&mut self, cx: &mut Context<'_>, outcome: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if outcome.is_ready() {
            self.deadline = None;
            return outcome;
        }
        let timeout = self.timeout;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the peer took no bytes for {}s", timeout.as_secs_f64()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: Read + Unpin> Read for StallGuarded<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for StallGuarded<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, outcome)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, outcome)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, outcome)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, outcome)
    }
}

impl<T: Connection> Connection for StallGuarded<T> {
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper_util::rt::TokioIo;
    use std::future::poll_fn;
    use tokio::net::{TcpListener, TcpStream};

    /// Writes to a peer that never reads until the write fails; the bytes written.
    async fn write_until_refused(stream: &mut StallGuarded<TokioIo<TcpStream>>) -> (u64, io::Error) {
        let block = vec![0u8; 64 * 1024];
        let mut written = 0;
        loop {
            match poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, &block)).await {
                Ok(n) => written += n as u64,
                Err(error) => return (written, error),
            }
        }
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_ends_the_connection_after_the_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
        let _peer = accepted.unwrap();
        let timeout = Duration::from_millis(300);
        let mut stream = StallGuarded::new(TokioIo::new(client.unwrap()), timeout);
        let started = std::time::Instant::now();
        let (written, error) = write_until_refused(&mut stream).await;
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
        assert!(written > 0, "the socket's buffers took bytes first");
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn writes_that_go_through_never_time_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
        let mut peer = accepted.unwrap().0;
        let reader = tokio::spawn(async move {
            let mut sink = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut peer, &mut sink).await.map(|_| sink.len())
        });
        // Slower than the timeout in all, but each write waits far less than it.
        let mut stream = StallGuarded::new(TokioIo::new(client.unwrap()), Duration::from_millis(200));
        let block = vec![1u8; 256 * 1024];
        let mut sent = 0;
        for _ in 0..8 {
            let mut left = &block[..];
            while !left.is_empty() {
                let n = poll_fn(|cx| Pin::new(&mut stream).poll_write(cx, left)).await.expect("no stall");
                left = &left[n..];
                sent += n;
            }
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
        poll_fn(|cx| Pin::new(&mut stream).poll_shutdown(cx)).await.expect("shutdown");
        assert_eq!(reader.await.unwrap().unwrap(), sent);
    }
}
