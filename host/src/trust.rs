//! Which certificate authorities TLS connections trust: the public web's (Mozilla's roots, built
//! in) by default, or an operator's bundle in their place — a private CA in front of a store on the
//! operator's own network. Verification is never turned off.

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// Certificate authorities in place of the built-in roots, from a PEM bundle.
#[derive(Clone)]
pub struct CaBundle {
    roots: Arc<RootCertStore>,
    id: [u8; 32],
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaBundle({} certificates)", self.roots.len())
    }
}

/// A bundle that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the CA bundle {0}; give PEM certificates (-----BEGIN CERTIFICATE-----)")]
pub struct CaBundleError(String);

impl CaBundle {
    /// Parses `pem`: one or more CA certificates.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CaBundleError> {
        let mut roots = RootCertStore::empty();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| CaBundleError(format!("does not parse ({e})")))?;
            roots.add(certificate).map_err(|e| CaBundleError(format!("holds a certificate that is not a CA ({e})")))?;
        }
        if roots.is_empty() {
            return Err(CaBundleError("holds no certificate".into()));
        }
        Ok(Self { roots: Arc::new(roots), id: Sha256::digest(pem).into() })
    }

    /// The trusted roots.
    pub(crate) fn roots(&self) -> &RootCertStore {
        &self.roots
    }

    /// An identity of the bundle's contents (connections are pooled per trust).
    pub(crate) fn id(&self) -> [u8; 32] {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_must_hold_certificates() {
        assert!(CaBundle::from_pem(b"").unwrap_err().to_string().contains("no certificate"));
        assert!(CaBundle::from_pem(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n").is_err());
    }
}
