//! HTTPS to a store behind a private CA: trusted when the policy names the CA bundle, refused
//! with a clear, typed error otherwise — verification is never turned off. Through a loopback
//! TLS front to the real server.

use connector_host::ErrorKind;
use connector_host::trust::CaBundle;
use s3_test_support::tls_front::{self, TestCa};
use s3_test_support::{Session, target};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_trusted_only_when_given() {
    let ca = TestCa::new("s3c private CA");
    let endpoint = tls_front::start(target().endpoint.as_deref().expect("an endpoint"), &ca).await;
    let mut s = Session::new();
    s.auth["endpoint"] = json!(endpoint);
    // Not given: the store's certificate is not trusted, and the error says what to do.
    let refused = s.call("list_buckets", json!({})).await.unwrap_err();
    assert_eq!((refused.kind, refused.retryable), (ErrorKind::Unavailable, false), "{refused:?}");
    assert!(refused.message.contains("is not trusted") && refused.message.contains("CA bundle"), "{}", refused.message);
    // Another CA: still refused.
    let stranger = TestCa::new("someone else");
    s.policy.ca_bundle = Some(CaBundle::from_pem(&stranger.certificate_pem).unwrap());
    assert_eq!(s.call("list_buckets", json!({})).await.unwrap_err().kind, ErrorKind::Unavailable);
    // Given: everything works over HTTPS.
    s.policy.ca_bundle = Some(CaBundle::from_pem(&ca.certificate_pem).unwrap());
    let bucket = s.bucket("private-ca").await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "k.txt", "content": "over TLS"})).await;
    assert_eq!(s.ok("get_object", json!({"bucket": bucket, "key": "k.txt"})).await["body"], "over TLS");
    s.remove_bucket(&bucket).await;
}
