//! Loopback fault-injection servers: scripted HTTP answers and a black hole. They complement the
//! real server; they never stand in for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on 127.0.0.1 that answers the n-th request with `responses[n]` (the last one
/// repeats) and counts requests. Each response is a full HTTP/1.1 message.
pub struct ScriptedServer {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Requests received.
    pub requests: Arc<AtomicUsize>,
}

impl ScriptedServer {
    /// Starts the server on the current tokio runtime.
    pub async fn start(responses: Vec<String>) -> ScriptedServer {
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let endpoint = serve_heads(move |_| {
            let index = counter.fetch_add(1, Ordering::SeqCst);
            responses[index.min(responses.len() - 1)].clone().into_bytes()
        })
        .await;
        ScriptedServer { endpoint, requests }
    }
}

/// An HTTP response with an XML body.
pub fn xml_response(status: u16, reason: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nx-amz-request-id: LOOPBACK{status}\r\n\r\n{body}",
        body.len()
    )
}

/// A server that accepts connections and never answers.
pub async fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    endpoint
}

/// When a [`CuttingProxy`] severs connections.
#[derive(Debug, Clone, Copy, Default)]
pub struct CutRule {
    /// Once this many request bytes have passed in all, cut any connection that then sends more
    /// than 1 MiB (large bodies fail from then on; small requests such as an abort still pass).
    pub upload_armed_after: Option<u64>,
    /// Cut any connection after this many response bytes.
    pub download_cut_after: Option<u64>,
}

/// A TCP proxy to a real server that cuts connections by [`CutRule`]: the server killed
/// mid-transfer, as the client sees it.
pub struct CuttingProxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Connections cut so far.
    pub cuts: Arc<AtomicUsize>,
}

/// Request bytes a connection may send after the upload rule is armed.
const ARMED_ALLOWANCE: u64 = 1024 * 1024;

impl CuttingProxy {
    /// Starts a proxy to `upstream` (`http://host:port`) on the current tokio runtime.
    pub async fn start(upstream: &str, rule: CutRule) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let cuts = Arc::new(AtomicUsize::new(0));
        let total_up = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let cut_counter = cuts.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
                let (cuts, total_up) = (cut_counter.clone(), total_up.clone());
                tokio::spawn(relay(client, server, rule, cuts, total_up));
            }
        });
        CuttingProxy { endpoint, cuts }
    }
}

async fn relay(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    rule: CutRule,
    cuts: Arc<AtomicUsize>,
    total_up: Arc<std::sync::atomic::AtomicU64>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upload = async {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut since_armed: Option<u64> = None;
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            let total = total_up.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
            if let Some(armed_after) = rule.upload_armed_after
                && total > armed_after
            {
                let sent = since_armed.get_or_insert(0);
                *sent += n as u64;
                if *sent > ARMED_ALLOWANCE {
                    return true;
                }
            }
            if server_write.write_all(&buffer[..n]).await.is_err() {
                return false;
            }
        }
    };
    let download = async {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut received = 0u64;
        loop {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            received += n as u64;
            if rule.download_cut_after.is_some_and(|limit| received > limit) {
                return true;
            }
            if client_write.write_all(&buffer[..n]).await.is_err() {
                return false;
            }
        }
    };
    let cut = tokio::select! {
        cut = upload => cut,
        cut = download => cut,
    };
    if cut {
        cuts.fetch_add(1, Ordering::SeqCst);
    }
    // Dropping both halves of both sockets closes the connections (a reset mid-message).
}

/// A TCP proxy to a real server that relays at most `bytes_per_second` each way on each
/// connection: a slow link, so a transfer lasts long enough to be interrupted on purpose.
pub struct ThrottlingProxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl ThrottlingProxy {
    /// Starts a proxy to `upstream` (`http://host:port`) on the current tokio runtime.
    pub async fn start(upstream: &str, bytes_per_second: u64) -> ThrottlingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    tokio::select! {
                        () = throttled_copy(&mut client_read, &mut server_write, bytes_per_second) => {}
                        () = throttled_copy(&mut server_read, &mut client_write, bytes_per_second) => {}
                    }
                });
            }
        });
        ThrottlingProxy { endpoint }
    }
}

/// Copies `from` to `to` at most `bytes_per_second`, until either side ends.
async fn throttled_copy(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    bytes_per_second: u64,
) {
    let started = tokio::time::Instant::now();
    let mut buffer = vec![0u8; 16 * 1024];
    let mut relayed = 0u64;
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
        relayed += n as u64;
        let due = std::time::Duration::from_secs_f64(relayed as f64 / bytes_per_second as f64);
        tokio::time::sleep_until(started + due).await;
    }
}

/// A proxy to a real server that flips one byte in the body of every response it relays (the
/// responses must be to GETs: it reads each head, then exactly `Content-Length` body bytes). A
/// corrupting network path, as the client sees it.
pub struct CorruptingProxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Bodies corrupted so far.
    pub flipped: Arc<AtomicUsize>,
}

impl CorruptingProxy {
    /// Starts a proxy to `upstream` (`http://host:port`) on the current tokio runtime.
    pub async fn start(upstream: &str) -> CorruptingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let flipped = Arc::new(AtomicUsize::new(0));
        let counter = flipped.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
                tokio::spawn(relay_corrupting(client, server, counter.clone()));
            }
        });
        CorruptingProxy { endpoint, flipped }
    }
}

async fn relay_corrupting(client: tokio::net::TcpStream, server: tokio::net::TcpStream, flipped: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Which requests were HEADs: their answers state a length but carry no body.
    let (methods_tx, mut methods) = tokio::sync::mpsc::unbounded_channel::<bool>();
    let upload = async {
        let mut pending: Vec<u8> = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut body_left = 0usize;
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if server_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
            pending.extend_from_slice(&buffer[..n]);
            loop {
                let skipped = body_left.min(pending.len());
                pending.drain(..skipped);
                body_left -= skipped;
                let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") else { break };
                let head = String::from_utf8_lossy(&pending[..at]).to_ascii_lowercase();
                let _ = methods_tx.send(head.starts_with("head "));
                body_left = content_length(&head);
                pending.drain(..at + 4);
            }
        }
    };
    let download = async {
        let mut pending: Vec<u8> = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            // The head of the next response.
            let head_end = loop {
                if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&buffer[..n]),
                }
            };
            let head = String::from_utf8_lossy(&pending[..head_end]).to_ascii_lowercase();
            let answers_a_head = methods.recv().await.unwrap_or(false);
            let length = if answers_a_head { 0 } else { content_length(&head) };
            while pending.len() < head_end + length {
                match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&buffer[..n]),
                }
            }
            if length > 0 {
                // A different byte each time, spread over the body.
                let count = flipped.fetch_add(1, Ordering::SeqCst);
                let at = head_end + (count * 7919) % length;
                pending[at] ^= 0x01;
            }
            if client_write.write_all(&pending[..head_end + length]).await.is_err() {
                return;
            }
            pending.drain(..head_end + length);
        }
    };
    tokio::select! {
        () = upload => {},
        () = download => {},
    }
}

/// The `Content-Length` of a message head (lower-cased), 0 without one.
fn content_length(head: &str) -> usize {
    head.lines().find_map(|line| line.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// A file behind a bearer token, like an API's file download (Salesforce's `VersionData`): `GET`
/// with `Authorization: Bearer <token>` gets the body (a `Range` gets a 206 with its part);
/// anything else gets 401. Counts refused requests.
pub struct TokenFileServer {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Requests refused for a missing or wrong token.
    pub refused: Arc<AtomicUsize>,
}

impl TokenFileServer {
    /// Serves `body` to holders of `token`, on the current tokio runtime.
    pub async fn start(body: Vec<u8>, token: &str) -> TokenFileServer {
        let refused = Arc::new(AtomicUsize::new(0));
        let (expected, counter) = (format!("bearer {token}"), refused.clone());
        let endpoint = serve_heads(move |head| {
            let head = head.to_ascii_lowercase();
            match header(&head, "authorization") {
                Some(given) if given == expected => {
                    file_answer(&body, "application/pdf", header(&head, "range").as_deref())
                }
                _ => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n".to_vec()
                }
            }
        })
        .await;
        TokenFileServer { endpoint, refused }
    }
}

/// Starts a server on 127.0.0.1 that answers each request (its head: request line and headers;
/// any body is not read) with what `answer` makes of it, on keep-alive connections. Returns
/// `http://127.0.0.1:<port>`.
pub async fn serve_heads(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buffer = vec![0u8; 16 * 1024];
                loop {
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&seen[..end]).into_owned();
                        seen.drain(..end + 4);
                        if socket.write_all(&answer(&head)).await.is_err() {
                            return;
                        }
                    }
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buffer[..n]),
                    }
                }
            });
        }
    });
    endpoint
}

/// The value of header `name` (lower case) in a lower-cased request `head`.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':').map(|v| v.trim().to_string()))
}

/// The answer to a GET of `body` (of `content_type`), whole or of `range` (`bytes=a-b`).
pub fn file_answer(body: &[u8], content_type: &str, range: Option<&str>) -> Vec<u8> {
    let total = body.len();
    let part = range.and_then(|r| r.strip_prefix("bytes=")).and_then(|spec| {
        let (start, end) = spec.split_once('-')?;
        let start: usize = start.parse().ok()?;
        let end = if end.is_empty() { total.checked_sub(1)? } else { end.parse::<usize>().ok()?.min(total - 1) };
        (start <= end && end < total).then_some((start, end))
    });
    let (status, bytes, extra) = match part {
        Some((start, end)) => {
            ("206 Partial Content", &body[start..=end], format!("content-range: bytes {start}-{end}/{total}\r\n"))
        }
        None => ("200 OK", body, String::new()),
    };
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\netag: \"v1\"\r\naccept-ranges: bytes\r\n{extra}content-length: {}\r\n\r\n",
        bytes.len()
    )
    .into_bytes();
    answer.extend_from_slice(bytes);
    answer
}
