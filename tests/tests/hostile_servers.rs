//! Hostile servers on loopback, answering the real S3 connector through the real host: each
//! misbehaviour ends in a typed error within the invocation's limits and leaves no visible file.

use connector_host::{Budgets, ErrorKind, FileAccess, HostError, Invocation, Policy};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a hostile server answers every request.
#[derive(Debug, Clone, Copy)]
enum Misbehaviour {
    /// A chunked body that never ends.
    EndlessChunked,
    /// The status line and headers, one byte every 100 ms.
    SlowHeaders,
    /// `Content-Length: 1000`, then 10 bytes and the connection closed.
    ShortBody,
    /// A well-formed listing far larger than any real page.
    OversizedXml,
    /// A listing behind a DOCTYPE that defines entities (billion laughs).
    EntityBomb,
    /// `200 OK` whose body is an error document.
    LateError,
    /// `301` naming another region, forever.
    RegionRedirectLoop,
    /// `307` back to itself, forever.
    RedirectLoop,
    /// Starts multipart uploads, but answers any request with a body (a PUT) with `403` at once,
    /// then holds the connection open without reading another byte.
    AnswersBeforeTheBody,
}

struct HostileServer {
    endpoint: String,
    requests: Arc<AtomicUsize>,
}

async fn start(misbehaviour: Misbehaviour) -> HostileServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let (counter, location) = (requests.clone(), endpoint.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (counter, location) = (counter.clone(), location.clone());
            tokio::spawn(serve(socket, misbehaviour, counter, location));
        }
    });
    HostileServer { endpoint, requests }
}

/// Reads one request head (and whatever followed it in the same reads); `None` once the client
/// is gone.
async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    Some(String::from_utf8_lossy(&seen).into_owned())
}

async fn serve(mut socket: TcpStream, misbehaviour: Misbehaviour, counter: Arc<AtomicUsize>, location: String) {
    while let Some(head) = read_head(&mut socket).await {
        counter.fetch_add(1, Ordering::SeqCst);
        let done = match misbehaviour {
            Misbehaviour::EndlessChunked => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ntransfer-encoding: chunked\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
                while socket.write_all(chunk.as_bytes()).await.is_ok() {}
                true
            }
            Misbehaviour::SlowHeaders => {
                for byte in b"HTTP/1.1 200 OK\r\nx-slow: ".iter().chain(b"a".repeat(10_000).iter()) {
                    if socket.write_all(&[*byte]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                true
            }
            Misbehaviour::ShortBody => {
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789").await;
                true
            }
            Misbehaviour::OversizedXml => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ntransfer-encoding: chunked\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let open = "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>";
                let _ = socket.write_all(format!("{:x}\r\n{open}\r\n", open.len()).as_bytes()).await;
                let entry = "<Contents><Key>k</Key><Size>1</Size></Contents>".repeat(1000);
                for _ in 0..2_000 {
                    if socket.write_all(format!("{:x}\r\n{entry}\r\n", entry.len()).as_bytes()).await.is_err() {
                        return;
                    }
                }
                let close = "</ListBucketResult>";
                let _ = socket.write_all(format!("{:x}\r\n{close}\r\n0\r\n\r\n", close.len()).as_bytes()).await;
                false
            }
            Misbehaviour::EntityBomb => {
                let mut doctype = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
                for level in 1..10 {
                    let previous = if level == 1 { "lol".to_string() } else { format!("lol{}", level - 1) };
                    doctype.push_str(&format!("<!ENTITY lol{level} \"{}\">", format!("&{previous};").repeat(10)));
                }
                let body = format!(
                    "{doctype}]><ListBucketResult><Name>&lol9;</Name><Contents><Key>&lol9;</Key><Size>1</Size></Contents></ListBucketResult>"
                );
                respond(&mut socket, "200 OK", "", &body).await
            }
            Misbehaviour::LateError => {
                let body =
                    "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>";
                respond(&mut socket, "200 OK", "", body).await
            }
            Misbehaviour::RegionRedirectLoop => {
                let body =
                    "<Error><Code>PermanentRedirect</Code><Message>moved</Message><Region>us-west-2</Region></Error>";
                respond(&mut socket, "301 Moved Permanently", "x-amz-bucket-region: us-west-2\r\n", body).await
            }
            Misbehaviour::RedirectLoop => {
                let body = "<Error><Code>TemporaryRedirect</Code><Message>again</Message></Error>";
                let header = format!("location: {location}/b/k\r\n");
                respond(&mut socket, "307 Temporary Redirect", &header, body).await
            }
            Misbehaviour::AnswersBeforeTheBody => {
                let request_line = head.lines().next().unwrap_or_default();
                if request_line.starts_with("POST") && request_line.contains("?uploads") {
                    let body = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>big.bin</Key><UploadId>hostile</UploadId></InitiateMultipartUploadResult>";
                    respond(&mut socket, "200 OK", "", body).await
                } else if request_line.starts_with("PUT") {
                    let body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
                    let _ = respond(&mut socket, "403 Forbidden", "", body).await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    true
                } else {
                    respond(&mut socket, "204 No Content", "", "").await
                }
            }
        };
        if done {
            return;
        }
    }
}

async fn respond(socket: &mut TcpStream, status: &str, headers: &str, body: &str) -> bool {
    let message = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/xml\r\n{headers}content-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(message.as_bytes()).await.is_err()
}

const LIMIT: Duration = Duration::from_secs(5);

/// Runs `operation` against a server that misbehaves; returns the outcome, how long it took,
/// how many requests the server saw, and what the file store holds afterwards.
async fn against(
    misbehaviour: Misbehaviour,
    operation: &str,
    input: Value,
) -> (Result<Invocation, HostError>, Duration, usize, Vec<String>) {
    against_with_file(misbehaviour, operation, input, None).await
}

/// [`against`], with a file of `(name, size)` in the file store first.
async fn against_with_file(
    misbehaviour: Misbehaviour,
    operation: &str,
    input: Value,
    file: Option<(&str, usize)>,
) -> (Result<Invocation, HostError>, Duration, usize, Vec<String>) {
    let server = start(misbehaviour).await;
    let files = tempfile::tempdir().unwrap();
    if let Some((name, size)) = file {
        std::fs::write(files.path().join(name), vec![7u8; size]).unwrap();
    }
    let policy = Policy {
        allow_private_networks: true,
        files: FileAccess { root: Some(files.path().to_path_buf()), writable: true },
        time_limit: LIMIT,
        budgets: Budgets { response_bytes: 64 << 20, ..Budgets::default() },
        ..Policy::default()
    };
    let auth = json!({"access_key_id": "AKIDHOSTILE", "secret_access_key": "hostile-server-secret", "region": "us-east-1", "endpoint": server.endpoint});
    let runtime = s3_test_support::runtime();
    let started = Instant::now();
    let outcome = runtime.invoke(operation, &auth.to_string(), &input.to_string(), &policy).await;
    let took = started.elapsed();
    let mut left: Vec<String> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    (outcome, took, server.requests.load(Ordering::SeqCst), left)
}

fn typed(outcome: Result<Invocation, HostError>) -> connector_host::ConnectorError {
    let invocation = outcome.unwrap_or_else(|e| panic!("expected a typed connector error, got the host error {e}"));
    let error = invocation.result.expect_err("a hostile server must not produce a result");
    assert!(!error.message.contains("hostile-server-secret"), "{error:?}");
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_at_the_limit_inline_and_to_a_file() {
    let (outcome, took, _, _) =
        against(Misbehaviour::EndlessChunked, "get_object", json!({"bucket": "b", "key": "k", "max_bytes": 1 << 20}))
            .await;
    assert_eq!(typed(outcome).kind, ErrorKind::TooLarge);
    assert!(took < LIMIT, "{took:?}");
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "endless.bin"});
    let (outcome, took, _, left) = against(Misbehaviour::EndlessChunked, "get_object", input).await;
    let error = typed(outcome);
    assert_eq!(error.kind, ErrorKind::TooLarge, "{error:?}");
    assert!(took < LIMIT, "{took:?}");
    assert!(left.is_empty(), "files left: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_end_at_the_time_limit() {
    let (outcome, took, _, _) =
        against(Misbehaviour::SlowHeaders, "head_object", json!({"bucket": "b", "key": "k"})).await;
    assert!(matches!(outcome, Err(HostError::TimeLimit(LIMIT))), "{outcome:?}");
    assert!(took < LIMIT + Duration::from_secs(2), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_its_length_is_a_retryable_error_and_no_file() {
    let (outcome, _, requests, _) =
        against(Misbehaviour::ShortBody, "get_object", json!({"bucket": "b", "key": "k"})).await;
    let error = typed(outcome);
    assert_eq!((error.kind, error.retryable), (ErrorKind::Unavailable, true), "{error:?}");
    assert!(requests >= 2, "a cut-short read is retried");
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "short.bin"});
    let (outcome, _, _, left) = against(Misbehaviour::ShortBody, "get_object", input).await;
    assert_eq!(typed(outcome).kind, ErrorKind::Unavailable);
    assert!(left.iter().all(|name| name.ends_with(".partial")), "only a resumable partial may stay: {left:?}");
    assert!(!left.contains(&"short.bin".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_listing_is_too_large_not_a_crash() {
    let (outcome, took, _, _) = against(Misbehaviour::OversizedXml, "list_objects", json!({"bucket": "b"})).await;
    let error = typed(outcome);
    assert_eq!(error.kind, ErrorKind::TooLarge, "{error:?}");
    assert!(took < LIMIT, "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_in_a_doctype_are_never_expanded() {
    let (outcome, took, _, _) = against(Misbehaviour::EntityBomb, "list_objects", json!({"bucket": "b"})).await;
    let invocation = outcome.expect("no host failure");
    assert!(invocation.peak_memory < 8 << 20, "peak guest memory {}", invocation.peak_memory);
    // An entity the document declares for itself is never resolved: the listing is refused.
    let error = invocation.result.expect_err("a listing made of undeclared entities is no listing");
    assert_eq!(error.kind, ErrorKind::Internal, "{error:?}");
    assert!(error.message.len() < 4096, "the entities were expanded into the message: {} bytes", error.message.len());
    assert!(took < LIMIT, "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_carrying_an_error_document_is_an_error() {
    let input = json!({"source_bucket": "a", "source_key": "k", "bucket": "b", "key": "k"});
    let (outcome, _, _, _) = against(Misbehaviour::LateError, "copy_object", input).await;
    let error = typed(outcome);
    assert_eq!(error.service_code.as_deref(), Some("InternalError"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_end_after_a_bounded_number_of_requests() {
    // A region redirect is corrected once, then reported as a region problem; other redirects
    // are not followed.
    for (misbehaviour, kind, field) in [
        (Misbehaviour::RegionRedirectLoop, ErrorKind::InvalidInput, Some("/region")),
        (Misbehaviour::RedirectLoop, ErrorKind::InvalidInput, None),
    ] {
        let (outcome, took, requests, _) = against(misbehaviour, "list_objects", json!({"bucket": "b"})).await;
        let error = typed(outcome);
        assert!(requests <= 10, "{requests} requests");
        assert!(took < LIMIT, "{took:?}");
        assert_eq!((error.kind, error.field.as_deref()), (kind, field), "{misbehaviour:?}: {error:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_whole_body_ends_the_upload_at_once() {
    // The server refuses the upload as soon as it sees the head and never reads the body: the
    // connector takes the answer instead of waiting for a body that cannot go out, in one request
    // and with parts in flight.
    // Parts of 32 MiB: more than the host's body buffer and the kernel's socket buffers hold.
    for input in [
        json!({"bucket": "b", "key": "big.bin", "file": "big.bin", "multipart_threshold": 1 << 30}),
        json!({"bucket": "b", "key": "big.bin", "file": "big.bin", "multipart_threshold": 0, "part_size": 32 << 20}),
    ] {
        let file = Some(("big.bin", 96 << 20));
        let (outcome, took, _, _) =
            against_with_file(Misbehaviour::AnswersBeforeTheBody, "put_object_file", input.clone(), file).await;
        let error = typed(outcome);
        assert_eq!(
            (error.kind, error.service_code.as_deref()),
            (ErrorKind::Forbidden, Some("AccessDenied")),
            "{input}: {error:?}"
        );
        assert!(took < LIMIT, "{input}: {took:?}");
    }
}
