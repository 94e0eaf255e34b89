//! A real network link made out of loopback: a proxy in front of the server that delays every
//! byte by half a round trip in each direction and caps each connection's bandwidth, as a path
//! to a far region does (where one TCP stream gets at most its window per round trip). Each
//! direction buffers at most one bandwidth-delay product; beyond that the sender waits, so TCP's
//! own flow control still holds. The same for every client measured through it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Mutex, Notify, Semaphore};
use tokio::time::Instant;

/// The shape of the link.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkShape {
    /// Round-trip time added (half each way).
    pub rtt: Duration,
    /// Most bytes per second one connection moves, in each direction.
    pub bytes_per_second: u64,
}

/// A running link proxy.
pub(crate) struct Link {
    /// `http://127.0.0.1:<port>`: the server, as seen through the link.
    pub endpoint: String,
}

/// Bytes moved per read.
const CHUNK: usize = 64 * 1024;

impl Link {
    /// Starts a link to `upstream` (`http://host:port`) with `shape`, on the current runtime.
    pub(crate) async fn start(upstream: &str, shape: LinkShape) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the link");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
                client.set_nodelay(true).ok();
                server.set_nodelay(true).ok();
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(carry(client_read, server_write, shape));
                tokio::spawn(carry(server_read, client_write, shape));
            }
        });
        Link { endpoint }
    }
}

/// A chunk on the wire: when it reaches the far end, and its bytes.
type InFlight = (Instant, Vec<u8>);

/// Carries one direction: bytes read now arrive half a round trip later, no faster than the
/// bandwidth allows; at most one bandwidth-delay product (plus a chunk) is on the wire.
async fn carry(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, shape: LinkShape) {
    let window = (shape.bytes_per_second as f64 * shape.rtt.as_secs_f64()) as usize + CHUNK;
    let room = Arc::new(Semaphore::new(window));
    let wire: Arc<Mutex<VecDeque<InFlight>>> = Arc::new(Mutex::new(VecDeque::new()));
    let arrived = Arc::new(Notify::new());
    let half_trip = shape.rtt / 2;
    let per_byte = Duration::from_secs_f64(1.0 / shape.bytes_per_second as f64);
    let sender = {
        let (room, wire, arrived) = (room.clone(), wire.clone(), arrived.clone());
        async move {
            // The moment the link is free to put the next byte on the wire.
            let mut free_at = Instant::now();
            loop {
                let mut buffer = vec![0u8; CHUNK];
                let n = match from.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                buffer.truncate(n);
                let Ok(permit) = room.acquire_many(n as u32).await else { break };
                permit.forget();
                free_at = free_at.max(Instant::now()) + per_byte * n as u32;
                wire.lock().await.push_back((free_at + half_trip, buffer));
                arrived.notify_one();
            }
            wire.lock().await.push_back((Instant::now() + half_trip, Vec::new()));
            arrived.notify_one();
        }
    };
    let receiver = async move {
        loop {
            let next = wire.lock().await.pop_front();
            let Some((due, bytes)) = next else {
                arrived.notified().await;
                continue;
            };
            tokio::time::sleep_until(due).await;
            if bytes.is_empty() {
                to.shutdown().await.ok();
                return;
            }
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            room.add_permits(bytes.len());
        }
    };
    // The receiver drains what is on the wire after the sender's end of stream; if the far end
    // goes away first, the sender is stopped with it.
    let sending = tokio::spawn(sender);
    receiver.await;
    sending.abort();
}
