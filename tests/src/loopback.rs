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
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let counter = counter.clone();
                let responses = responses.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    let mut seen = Vec::new();
                    loop {
                        let Ok(n) = socket.read(&mut buffer).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buffer[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let index = counter.fetch_add(1, Ordering::SeqCst);
                            let response = &responses[index.min(responses.len() - 1)];
                            if socket.write_all(response.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
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
