//! A TLS front on loopback for a plain-HTTP server, with a certificate from a private CA the
//! front makes for itself (with the `openssl` command): a store behind an operator's own CA, as a
//! client sees it. It forwards bytes; the server behind it does the work.

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A certificate authority made for a test: its certificate (PEM) and where its files are.
pub struct TestCa {
    /// The CA certificate, PEM.
    pub certificate_pem: Vec<u8>,
    dir: std::path::PathBuf,
}

impl TestCa {
    /// A fresh CA named `name`, in a directory of its own.
    pub fn new(name: &str) -> TestCa {
        let dir = std::env::temp_dir().join(format!("s3c-ca-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("CA directory");
        openssl(&dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                &format!("/CN={name}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let certificate_pem = std::fs::read(dir.join("ca.pem")).expect("CA certificate");
        TestCa { certificate_pem, dir }
    }

    /// A certificate for `localhost` and 127.0.0.1 signed by this CA: (chain PEM, key PEM).
    fn server_certificate(&self) -> (Vec<u8>, Vec<u8>) {
        let dir = &self.dir;
        openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key"]);
        openssl(dir, &["req", "-new", "-key", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("extensions");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        );
        (std::fs::read(dir.join("server.pem")).unwrap(), std::fs::read(dir.join("server.key")).unwrap())
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command runs");
    assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Starts a TLS front for `upstream` (`http://host:port`) with a certificate from `ca`; returns
/// its endpoint, `https://localhost:<port>`.
pub async fn start(upstream: &str, ca: &TestCa) -> String {
    let (chain, key) = ca.server_certificate();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&chain).collect::<Result<_, _>>().expect("server chain");
    let key = PrivateKeyDer::from_pem_slice(&key).expect("server key");
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let upstream = upstream.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(client).await else { return };
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    format!("https://localhost:{port}")
}
