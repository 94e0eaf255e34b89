//! The shared, pooled HTTP clients guests' requests go out on, and the connect-time address
//! check: names are resolved, private addresses dropped from the answer (which also defeats DNS
//! rebinding), and the connected peer is checked once more before a byte is sent. Invocations
//! that may reach private networks use a separate client, so they never share a pooled
//! connection with those that may not.

use crate::address::is_private;
use crate::stalled_write::{DEFAULT_WRITE_STALL_TIMEOUT, StallGuarded};
use crate::trust::CaBundle;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tower_service::Service;
use wasmtime_wasi_http::WasiBody;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// How long establishing a connection may take (the pools' connector setting; a guest's own
/// connect timeout is not applied, its first-byte and between-bytes timeouts are).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long setting up a connection may take in all: resolution, TCP and the TLS handshake. The
/// pool may finish a connect in the background after the request that started it has gone;
/// without this bound a server that stalls the handshake would hold that task and socket for good.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Idle pooled connections kept per host.
const MAX_IDLE_PER_HOST: usize = 128;
/// How long a pooled connection may sit idle before it is closed. A background check runs this
/// often, so one is closed between one and two of these after its last use, also when no one
/// asks for its origin again.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A destination refused because it is, or resolves to, a private address.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to the private address {address}, which the policy does not allow")]
pub struct PrivateAddress {
    /// The host name (or literal) asked for.
    pub host: String,
    /// The refused address.
    pub address: IpAddr,
}

/// A name the system resolver could not resolve (no such name, no resolver).
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {source}")]
pub struct NameNotResolved {
    /// The host name asked for.
    pub host: String,
    /// The resolver's answer.
    #[source]
    pub source: std::io::Error,
}

/// Name lookups running at once in the whole process. Each holds a blocking thread until the
/// system resolver answers (a lookup cannot be cancelled), so without a cap a tenant whose
/// endpoint never answers DNS could hold every blocking thread the host has.
const MAX_LOOKUPS: usize = 32;
static LOOKUPS: Semaphore = Semaphore::const_new(MAX_LOOKUPS);

/// Resolves with the system resolver (at most [`MAX_LOOKUPS`] at once), keeping only public
/// addresses unless private ones are allowed.
#[derive(Clone)]
pub struct CheckedResolver {
    allow_private: bool,
}

impl Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let permit = LOOKUPS.acquire().await?;
            let lookup = host.clone();
            // The permit goes with the blocking lookup: it is returned when the lookup ends, even
            // if the request that asked for it is long gone.
            let resolved = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                (lookup.as_str(), 0).to_socket_addrs().map(Iterator::collect::<Vec<SocketAddr>>)
            })
            .await?;
            let all =
                resolved.map_err(|source| Box::new(NameNotResolved { host: host.clone(), source }) as BoxError)?;
            let usable: Vec<SocketAddr> =
                all.iter().copied().filter(|a| allow_private || !is_private(a.ip())).collect();
            match (usable.is_empty(), all.first()) {
                (true, Some(first)) => Err(Box::new(PrivateAddress { host, address: first.ip() }) as BoxError),
                _ => Ok(usable.into_iter()),
            }
        })
    }
}

/// Connects through [`CheckedResolver`], then checks the peer actually connected to (an
/// address literal skips resolution). Each connection gives up on a peer that stops taking
/// bytes ([`StallGuarded`]).
#[derive(Clone)]
pub struct CheckedConnector {
    inner: HttpConnector<CheckedResolver>,
    allow_private: bool,
    write_stall: Duration,
}

impl Service<http::Uri> for CheckedConnector {
    type Response = StallGuarded<TokioIo<TcpStream>>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let host = uri.host().unwrap_or_default().to_string();
        let connecting = self.inner.call(uri);
        let (allow_private, write_stall) = (self.allow_private, self.write_stall);
        Box::pin(async move {
            let stream = connecting.await?;
            let peer = stream.inner().peer_addr()?;
            if !allow_private && is_private(peer.ip()) {
                return Err(Box::new(PrivateAddress { host, address: peer.ip() }) as BoxError);
            }
            Ok(StallGuarded::new(stream, write_stall))
        })
    }
}

/// Bounds a connector's whole set-up to `limit` (see [`SETUP_TIMEOUT`]).
#[derive(Clone)]
pub struct TimedConnector<C> {
    inner: C,
    limit: Duration,
}

impl<C> Service<http::Uri> for TimedConnector<C>
where
    C: Service<http::Uri, Error = BoxError>,
    C::Future: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<C::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let (connecting, limit) = (self.inner.call(uri), self.limit);
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("setting up the connection took longer than {}s", limit.as_secs_f64()),
                )) as BoxError),
            }
        })
    }
}

type HttpsConnector = hyper_rustls::HttpsConnector<CheckedConnector>;
pub(crate) type Pooled = Client<TimedConnector<HttpsConnector>, WasiBody>;

/// The shared clients: one that reaches public addresses only, one that may reach private ones,
/// each with the built-in roots; and, made on first use, the same pair for each CA bundle an
/// operator gives (pools never mix trust).
#[derive(Clone)]
pub struct HttpClient {
    public: Pooled,
    private: Pooled,
    with_bundle: Arc<Mutex<HashMap<[u8; 32], PoolPair>>>,
    settings: PoolSettings,
}

/// The timeouts of a pool's connections.
#[derive(Debug, Clone, Copy)]
struct PoolSettings {
    /// See [`StallGuarded`].
    write_stall: Duration,
    /// See [`IDLE_TIMEOUT`].
    idle: Duration,
}

/// A public and a private pool for one trust.
type PoolPair = (Pooled, Pooled);

impl Default for HttpClient {
    fn default() -> Self {
        Self::new(DEFAULT_WRITE_STALL_TIMEOUT)
    }
}

impl HttpClient {
    /// The clients, whose connections give up on a peer that takes no bytes for `write_stall`.
    pub fn new(write_stall: Duration) -> Self {
        Self::with_settings(PoolSettings { write_stall, idle: IDLE_TIMEOUT })
    }

    fn with_settings(settings: PoolSettings) -> Self {
        Self {
            public: pooled(false, None, settings),
            private: pooled(true, None, settings),
            with_bundle: Arc::default(),
            settings,
        }
    }

    /// The client for an invocation that may (or may not) reach private networks and trusts the
    /// built-in roots, or `bundle` in their place.
    pub(crate) fn for_policy(&self, allow_private: bool, bundle: Option<&CaBundle>) -> Pooled {
        let Some(bundle) = bundle else {
            return if allow_private { self.private.clone() } else { self.public.clone() };
        };
        let mut clients = self.with_bundle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let settings = self.settings;
        let (public, private) = clients
            .entry(bundle.id())
            .or_insert_with(|| (pooled(false, Some(bundle), settings), pooled(true, Some(bundle), settings)));
        if allow_private { private.clone() } else { public.clone() }
    }
}

fn pooled(allow_private: bool, bundle: Option<&CaBundle>, settings: PoolSettings) -> Pooled {
    let connector = TimedConnector { inner: https(allow_private, bundle, settings.write_stall), limit: SETUP_TIMEOUT };
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(settings.idle)
        .pool_max_idle_per_host(MAX_IDLE_PER_HOST)
        .pool_timer(TokioTimer::new())
        .build(connector)
}

/// The connector of one pool: checked addresses, stall-guarded connections, TLS with the
/// built-in roots or `bundle`.
fn https(allow_private: bool, bundle: Option<&CaBundle>, write_stall: Duration) -> HttpsConnector {
    let mut http = HttpConnector::new_with_resolver(CheckedResolver { allow_private });
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let checked = CheckedConnector { inner: http, allow_private, write_stall };
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = match bundle {
        None => builder.with_webpki_roots(),
        Some(bundle) => builder.with_tls_config(
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(bundle.roots().clone())
                .with_no_client_auth(),
        ),
    };
    builder.https_or_http().enable_http1().wrap_connector(checked)
}

/// The private address behind a failed request, if that is why it failed.
pub(crate) fn private_address_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a PrivateAddress> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        if let Some(found) = cause.downcast_ref::<PrivateAddress>() {
            return Some(found);
        }
        next = cause.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused_unless_allowed() {
        let mut strict = CheckedResolver { allow_private: false };
        let name: Name = "localhost".parse().unwrap();
        let error = strict.call(name.clone()).await.unwrap_err();
        let refused = private_address_in(error.as_ref()).expect("a PrivateAddress error");
        assert!(refused.address.is_loopback(), "{refused}");
        // The numeric forms of 169.254.169.254 resolve to it and are refused the same way.
        for numeric in ["2852039166", "0xa9fea9fe"] {
            let error = strict.call(numeric.parse().unwrap()).await.unwrap_err();
            let refused = private_address_in(error.as_ref()).expect("refused");
            assert_eq!(refused.address.to_string(), "169.254.169.254");
        }
        let mut open = CheckedResolver { allow_private: true };
        assert!(open.call(name).await.unwrap().all(|a| a.ip().is_loopback()));
    }

    /// Reads one request head from `socket`.
    async fn read_head(socket: &mut TcpStream) {
        use tokio::io::AsyncReadExt;
        let (mut buffer, mut seen) = ([0u8; 4096], Vec::new());
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the client left before its request head was complete");
            seen.extend_from_slice(&buffer[..n]);
        }
    }

    #[tokio::test]
    async fn idle_connections_are_closed_after_the_idle_timeout_with_no_request_after_them() {
        use http_body_util::BodyExt;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            read_head(&mut socket).await;
            socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
            let answered = std::time::Instant::now();
            let closed = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut [0u8; 64])).await;
            (matches!(closed, Ok(Ok(0))), answered.elapsed())
        });
        let idle = Duration::from_millis(300);
        let client = HttpClient::with_settings(PoolSettings { write_stall: DEFAULT_WRITE_STALL_TIMEOUT, idle });
        let body = http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync();
        let request = http::Request::get(format!("http://{address}/")).body(body).unwrap();
        let response = client.for_policy(true, None).request(request).await.unwrap();
        response.into_body().collect().await.unwrap();
        // No other request comes for this origin: the pool closes the connection by itself.
        let (closed, after) = server.await.unwrap();
        assert!(closed, "the idle connection stayed open");
        assert!(after >= idle, "closed after {after:?}, before the idle timeout");
    }

    #[tokio::test]
    async fn a_handshake_the_server_never_answers_ends_at_the_setup_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        // Takes the connection and the client's hello, and answers nothing.
        let _server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut [0u8; 4096]).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let limit = Duration::from_millis(300);
        let mut connector = TimedConnector { inner: https(true, None, DEFAULT_WRITE_STALL_TIMEOUT), limit };
        let started = std::time::Instant::now();
        let uri: http::Uri = format!("https://{address}/").parse().unwrap();
        let Err(error) = connector.call(uri).await else { panic!("a handshake without an answer connected") };
        let timed_out = error.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        assert_eq!(timed_out, Some(std::io::ErrorKind::TimedOut), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
