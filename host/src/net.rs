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
use hyper_util::rt::{TokioExecutor, TokioIo};
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
/// Idle pooled connections kept per host.
const MAX_IDLE_PER_HOST: usize = 128;

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

pub(crate) type Pooled = Client<hyper_rustls::HttpsConnector<CheckedConnector>, WasiBody>;

/// The shared clients: one that reaches public addresses only, one that may reach private ones,
/// each with the built-in roots; and, made on first use, the same pair for each CA bundle an
/// operator gives (pools never mix trust).
#[derive(Clone)]
pub struct HttpClient {
    public: Pooled,
    private: Pooled,
    with_bundle: Arc<Mutex<HashMap<[u8; 32], PoolPair>>>,
    write_stall: Duration,
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
        Self {
            public: pooled(false, None, write_stall),
            private: pooled(true, None, write_stall),
            with_bundle: Arc::default(),
            write_stall,
        }
    }

    /// The client for an invocation that may (or may not) reach private networks and trusts the
    /// built-in roots, or `bundle` in their place.
    pub(crate) fn for_policy(&self, allow_private: bool, bundle: Option<&CaBundle>) -> Pooled {
        let Some(bundle) = bundle else {
            return if allow_private { self.private.clone() } else { self.public.clone() };
        };
        let mut clients = self.with_bundle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stall = self.write_stall;
        let (public, private) = clients
            .entry(bundle.id())
            .or_insert_with(|| (pooled(false, Some(bundle), stall), pooled(true, Some(bundle), stall)));
        if allow_private { private.clone() } else { public.clone() }
    }
}

fn pooled(allow_private: bool, bundle: Option<&CaBundle>, write_stall: Duration) -> Pooled {
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
    let https = builder.https_or_http().enable_http1().wrap_connector(checked);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(MAX_IDLE_PER_HOST)
        .build(https)
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
}
