//! The host library is generic: outside the CLI (`src/cli/`, the S3 command line) its code names
//! no service endpoint, header or signing scheme, embeds no connector, and reads no field of a
//! connector's auth object — where a connector may connect comes from the policy or from the
//! connector's own declaration.

use std::path::{Path, PathBuf};

fn library_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "cli") {
                library_sources(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn the_library_names_no_service_endpoint_and_reads_no_auth_field() {
    let mut sources = Vec::new();
    library_sources(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"), &mut sources);
    assert!(sources.len() > 20, "found the library's sources");
    for (path, text) in &sources {
        let code = text.find("#[cfg(test)]").map_or(text.as_str(), |at| &text[..at]);
        // Code only: documentation may name examples.
        let code: String =
            code.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for needle in [
            "amazonaws",
            "\"endpoint\"",
            ".get(\"endpoint\")",
            "AWS_S3",
            "S3_CONNECTOR",
            "x-amz",
            "AWS4",
            "s3-connector",
        ] {
            assert!(!code.contains(needle), "{} names {needle:?}", path.display());
        }
    }
}

/// The S3 connector component `host/build.rs` built for this package.
const S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_connector_declares_s3_and_nothing_else_of_aws() {
    let runtime = connector_host::Runtime::builder()
        .with_cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled"))
        .build(S3_CONNECTOR)
        .expect("the component loads");
    let declared = runtime.declared_outbound().await.expect("a valid declaration");
    let rules = declared.rules_for(r#"{"access_key_id":"a","secret_access_key":"b"}"#).unwrap();
    let allowed = |host: &str| rules.iter().any(|r| r.allows("https", host, 443));
    for host in [
        "s3.amazonaws.com",
        "bucket.s3.amazonaws.com",
        "s3.eu-west-1.amazonaws.com",
        "bucket.s3.eu-west-1.amazonaws.com",
        "bucket.s3.dualstack.us-east-2.amazonaws.com",
        "bucket.s3-accelerate.amazonaws.com",
        "bucket.s3-accelerate.dualstack.amazonaws.com",
        "bucket.s3.cn-north-1.amazonaws.com.cn",
    ] {
        assert!(allowed(host), "{host} is S3");
    }
    for host in [
        "abc123.execute-api.us-east-1.amazonaws.com",
        "xyz.appsync-api.eu-west-1.amazonaws.com",
        "vpce-1.s3.us-east-1.vpce.amazonaws.com",
        "sts.amazonaws.com",
        "s3.amazonaws.com.evil.org",
        "ec2.internal.amazonaws.com",
    ] {
        assert!(!allowed(host), "{host} is not S3");
    }
    assert!(!rules.iter().any(|r| r.allows("http", "s3.amazonaws.com", 80)), "HTTPS only");
    // A tenant's endpoint replaces the defaults with exactly its origin.
    let own = declared
        .rules_for(r#"{"access_key_id":"a","secret_access_key":"b","endpoint":"https://minio.local:9000"}"#)
        .unwrap();
    assert!(
        own.len() == 1
            && own[0].allows("https", "minio.local", 9000)
            && !own[0].allows("https", "s3.amazonaws.com", 443)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declaration_is_used_only_when_the_operator_trusts_it() {
    use connector_host::{Policy, Runtime};
    // A local listener the connector's declaration would allow (the tenant's endpoint).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let auth = format!(r#"{{"access_key_id":"a","secret_access_key":"b","endpoint":"{endpoint}"}}"#);
    let policy = Policy { allow_private_networks: true, ..Policy::default() };

    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let untrusted = Runtime::builder().with_cache_dir(&cache).build(S3_CONNECTOR).unwrap();
    let refused = untrusted.invoke("list_buckets", &auth, "{}", &policy).await.unwrap();
    assert_eq!(refused.denied.len(), 1, "a policy without rules allows nothing: {:?}", refused.result);
    assert!(refused.denied[0].contains("127.0.0.1"), "{:?}", refused.denied);

    let trusted = Runtime::builder().trust_declared_outbound().with_cache_dir(&cache).build(S3_CONNECTOR).unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let read = stream.read(&mut request).unwrap();
        stream.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").unwrap();
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    let reached = trusted.invoke("list_buckets", &auth, "{}", &policy).await.unwrap();
    assert!(reached.denied.is_empty(), "the declared endpoint is allowed: {:?}", reached.denied);
    assert!(server.join().unwrap().starts_with("GET / "), "the request reached the tenant's endpoint");
}
