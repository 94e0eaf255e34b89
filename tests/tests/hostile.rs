//! Hostile guests against the real host. Each test runs one attack from `tests/guests/hostile`
//! on a 2-worker runtime, next to an honest invocation of the S3 connector, and checks that:
//! the attack ends in a typed refusal within its limit; the host's RSS and open descriptors stay
//! within a stated bound; the honest invocation keeps its usual latency; and the next
//! invocation succeeds. Attacks run one at a time (they measure the whole process).

use connector_host::{Budget, Budgets, FileAccess, HostError, Invocation, Policy, Runtime};
use s3_test_support::loopback::ScriptedServer;
use s3_test_support::process::{open_fds, rss_kib};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static HOSTILE: &[u8] = include_bytes!(env!("HOSTILE_WASM"));
static HOSTILE_SOCKETS: &[u8] = include_bytes!(env!("HOSTILE_SOCKETS_WASM"));

/// Host RSS may grow by at most this much during an attack (guest memory cap included).
const RSS_BOUND_KIB: u64 = 128 * 1024;
/// Descriptors an attack may leave open after it ends (idle pooled connections).
const FD_SLACK: usize = 8;
/// Honest invocations timed alone and under attack.
const SAMPLES: usize = 60;
/// Scheduling noise allowed on top of twice the solo p50 (a shared 2-core machine).
const NOISE: Duration = Duration::from_millis(1);

static SERIAL: Mutex<()> = Mutex::new(());

/// Waits for the other attack tests to finish (they measure the whole process).
fn alone() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The runtime every attack runs on: two workers, as the sandbox's fairness claims assume.
fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn hostile() -> Runtime {
    Runtime::builder().with_cache_dir(s3_test_support::cache_dir()).build(HOSTILE).expect("the hostile guest loads")
}

fn connector() -> Runtime {
    s3_test_support::runtime()
}

/// An honest invocation that needs no server: the S3 documentation's signed GET, as a dry run.
async fn honest(runtime: &Runtime) -> Duration {
    let auth = json!({"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1"});
    let policy = Policy { dry_run: true, ..Policy::default() };
    let input = json!({"bucket": "examplebucket", "key": "test.txt", "range": "bytes=0-9"});
    let started = Instant::now();
    let invocation = runtime.invoke("get_object", &auth.to_string(), &input.to_string(), &policy).await.unwrap();
    assert_eq!(invocation.captured.len(), 1, "the honest invocation must still work");
    started.elapsed()
}

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// What an attack did to the host.
struct Observed {
    outcomes: Vec<Result<Invocation, HostError>>,
    took: Duration,
}

/// Runs `copies` of attack `operation` next to a stream of honest invocations, checks the host's
/// bounds and the honest latency, and returns the attacks' outcomes.
fn under_attack(operation: &'static str, input: Value, policy: Policy, copies: usize) -> Observed {
    let _serial = alone();
    let rt = two_workers();
    rt.block_on(async move {
        let hostile = std::sync::Arc::new(hostile());
        let connector = std::sync::Arc::new(connector());
        for _ in 0..5 {
            honest(&connector).await;
        }
        let mut solo = Vec::new();
        for _ in 0..SAMPLES {
            solo.push(honest(&connector).await);
        }
        let solo = p50(solo);
        let (rss_before, fds_before) = (rss_kib(), open_fds());
        let started = Instant::now();
        let attacks: Vec<_> = (0..copies)
            .map(|_| {
                let (hostile, input, policy) = (hostile.clone(), input.to_string(), policy.clone());
                tokio::spawn(async move { hostile.invoke(operation, "{}", &input, &policy).await })
            })
            .collect();
        let mut during = Vec::new();
        let mut rss_peak = rss_before;
        while during.len() < SAMPLES
            || (!attacks.iter().all(tokio::task::JoinHandle::is_finished) && during.len() < 100 * SAMPLES)
        {
            during.push(honest(&connector).await);
            rss_peak = rss_peak.max(rss_kib());
        }
        let mut outcomes = Vec::new();
        for attack in attacks {
            outcomes.push(attack.await.expect("the attack task ends"));
        }
        let took = started.elapsed();
        rss_peak = rss_peak.max(rss_kib());
        let under = p50(during);
        eprintln!(
            "{operation}: {took:?}, honest p50 {under:?} (solo {solo:?}), RSS +{} KiB, fds {fds_before} -> {}",
            rss_peak.saturating_sub(rss_before),
            open_fds()
        );
        assert!(
            rss_peak.saturating_sub(rss_before) < RSS_BOUND_KIB,
            "{operation}: RSS grew from {rss_before} to {rss_peak} KiB"
        );
        // Idle pooled connections may close a moment after the attack's store is dropped.
        let settle = Instant::now();
        while open_fds() > fds_before + FD_SLACK && settle.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(open_fds() <= fds_before + FD_SLACK, "{operation}: fds {fds_before} -> {}", open_fds());
        assert!(under <= solo * 2 + NOISE, "{operation}: the honest invocation slowed from {solo:?} to {under:?}");
        // The host keeps serving: the next invocations, hostile and honest, succeed.
        let next = hostile.invoke("allocate", "{}", r#"{"mib": 1}"#, &Policy::default()).await.unwrap();
        assert_eq!(next.result.unwrap(), "allocated 1 MiB");
        honest(&connector).await;
        Observed { outcomes, took }
    })
}

fn single(observed: Observed) -> Result<Invocation, HostError> {
    observed.outcomes.into_iter().next().unwrap()
}

fn budget_of(outcome: &Result<Invocation, HostError>) -> Option<Budget> {
    match outcome {
        Err(HostError::Budget(exceeded)) => Some(exceeded.budget),
        _ => None,
    }
}

/// The guest's own report of a refused attack.
fn refusal(outcome: Result<Invocation, HostError>) -> (String, Vec<String>) {
    let invocation = outcome.expect("the host answers");
    let error = invocation.result.expect_err("the attack must fail");
    (error.message, invocation.denied)
}

#[test]
fn a_component_that_imports_sockets_is_refused_at_load() {
    let _serial = alone();
    let error = Runtime::builder().build(HOSTILE_SOCKETS).err().expect("refused");
    match &error {
        HostError::ImportNotAllowed(imports) => assert!(imports.contains("wasi:sockets/tcp@"), "{imports}"),
        other => panic!("expected ImportNotAllowed, got {other}"),
    }
    assert!(error.to_string().contains("wasi:sockets/"), "{error}");
}

#[test]
fn the_metadata_service_on_a_private_address_is_unreachable_by_default() {
    let _serial = alone();
    let rt = two_workers();
    rt.block_on(async {
        let metadata = ScriptedServer::start(vec![
            "HTTP/1.1 200 OK\r\ncontent-length: 27\r\n\r\nAKIA-METADATA-CREDENTIALS\r\n".into(),
        ])
        .await;
        let port = metadata.endpoint.rsplit(':').next().unwrap().to_string();
        let hostile = hostile();
        // The tenant names the "internal service" as its endpoint and the operator's policy allows
        // exactly that origin, as it would for a tenant's endpoint; the connect-time check still
        // refuses it, however the address is written.
        for url in [
            format!("{}/latest/meta-data/iam/security-credentials/role", metadata.endpoint),
            format!("http://localhost:{port}/latest/meta-data/"),
            format!("http://2130706433:{port}/latest/meta-data/"),
            format!("http://[::ffff:127.0.0.1]:{port}/latest/meta-data/"),
        ] {
            let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
            let auth = json!({"endpoint": origin}).to_string();
            let policy = Policy {
                outbound: Some(vec![connector_host::OutboundRule::exact_origin(&origin).unwrap()]),
                ..Policy::default()
            };
            let outcome = hostile.invoke("fetch", &auth, &json!({"url": url}).to_string(), &policy).await;
            let (message, denied) = refusal(outcome);
            assert!(message.contains("HttpRequestDenied"), "{url}: {message}");
            assert_eq!(denied.len(), 1, "{url}: {denied:?}");
        }
        assert_eq!(metadata.requests.load(std::sync::atomic::Ordering::SeqCst), 0, "the metadata server was reached");
    });
}

#[test]
fn exfiltration_to_a_host_outside_the_policy_fails_every_way() {
    let _serial = alone();
    let rt = two_workers();
    rt.block_on(async {
        let collector = ScriptedServer::start(vec!["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()]).await;
        let redirect = format!(
            "HTTP/1.1 302 Found\r\nlocation: {}/steal?secret=1\r\ncontent-length: 0\r\n\r\n",
            collector.endpoint
        );
        let allowed = ScriptedServer::start(vec![redirect]).await;
        let hostile = hostile();
        // The operator runs S3 on loopback and allows exactly that origin.
        let policy = Policy {
            allow_private_networks: true,
            outbound: Some(vec![connector_host::OutboundRule::exact_origin(&allowed.endpoint).unwrap()]),
            ..Policy::default()
        };
        let collector_host = collector.endpoint.trim_start_matches("http://").to_string();
        let attempts = [
            ("fetch", json!({"url": format!("{}/steal", collector.endpoint)})),
            ("fetch", json!({"url": format!("{}/", allowed.endpoint), "follow_redirects": 3})),
            ("fetch", json!({"url": format!("{}/", allowed.endpoint), "headers": [["host", collector_host]]})),
            ("fetch_without_authority", json!({})),
        ];
        for (operation, input) in attempts {
            let outcome = hostile.invoke(operation, "{}", &input.to_string(), &policy).await;
            let (message, _) = refusal(outcome);
            assert!(
                ["HttpRequestDenied", "Forbidden", "HttpRequestUriInvalid"].iter().any(|m| message.contains(m)),
                "{operation} {input}: {message}"
            );
        }
        assert_eq!(collector.requests.load(std::sync::atomic::Ordering::SeqCst), 0, "data reached the collector");
        // Only the redirect itself reached the allowed server; the guest-set Host header never left.
        assert_eq!(allowed.requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    });
}

#[test]
fn a_header_flood_ends_at_the_resource_budget() {
    let observed = under_attack("header_flood", json!({"count": 200_000, "size": 15 * 1024}), Policy::default(), 1);
    let outcome = single(observed);
    assert_eq!(budget_of(&outcome), Some(Budget::Resources), "{outcome:?}");
}

/// A server that reads requests and never answers, closing each connection when its client does
/// (so the descriptors the test counts are the host's alone).
async fn silent_server() -> String {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {}
            });
        }
    });
    endpoint
}

#[test]
fn a_request_flood_ends_at_the_in_flight_budget() {
    let hole = tokio::runtime::Runtime::new().unwrap();
    let endpoint = hole.block_on(silent_server());
    let policy = Policy {
        allow_private_networks: true,
        outbound: Some(vec![connector_host::OutboundRule::exact_origin(&endpoint).unwrap()]),
        ..Policy::default()
    };
    let observed = under_attack("request_flood", json!({"url": format!("{endpoint}/x"), "count": 10_000}), policy, 1);
    let outcome = single(observed);
    assert_eq!(budget_of(&outcome), Some(Budget::RequestsInFlight), "{outcome:?}");
    drop(hole);
}

/// A server that refuses the first request as soon as its head is in and reads nothing more;
/// after `hold` it reads on, and tells whether the connection ran out within a few seconds
/// (true: the host had let it go) or is still open.
async fn refuse_and_stop_reading(hold: Duration) -> (String, tokio::task::JoinHandle<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let verdict = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the client left before its request head was complete");
            head.extend_from_slice(&buffer[..n]);
        }
        socket.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        tokio::time::sleep(hold).await;
        let drained = async { while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {} };
        tokio::time::timeout(Duration::from_secs(5), drained).await.is_ok()
    });
    (endpoint, verdict)
}

/// Runs the `abandoned_upload` attack on a runtime whose connections give up after `stall`
/// without progress; whether the server found the connection ended `hold` after its refusal.
async fn abandoned_upload(stall: Duration, hold: Duration) -> bool {
    let (endpoint, verdict) = refuse_and_stop_reading(hold).await;
    let runtime = Runtime::builder()
        .with_cache_dir(s3_test_support::cache_dir())
        .with_write_stall_timeout(stall)
        .build(HOSTILE)
        .expect("the hostile guest loads");
    let policy = Policy {
        allow_private_networks: true,
        outbound: Some(vec![connector_host::OutboundRule::exact_origin(&endpoint).unwrap()]),
        ..Policy::default()
    };
    let input = json!({"url": format!("{endpoint}/x"), "kib": 64 * 1024});
    let invocation = runtime.invoke("abandoned_upload", "{}", &input.to_string(), &policy).await;
    let answer = invocation.expect("the host answers").result.expect("the attack reads its answer");
    assert!(answer.starts_with("403"), "{answer}");
    verdict.await.unwrap()
}

#[test]
fn a_connection_whose_server_stops_reading_is_ended_after_the_stall_timeout() {
    // The component finishes a body the server will never read, takes the server's early
    // refusal and returns: only the host can end the connection left writing. The control, with
    // a stall timeout longer than the test, shows the connection would otherwise stay.
    let _alone = alone();
    two_workers().block_on(async {
        let hold = Duration::from_secs(10);
        assert!(!abandoned_upload(Duration::from_secs(600), hold).await, "the control's connection ended by itself");
        assert!(
            abandoned_upload(Duration::from_secs(2), hold).await,
            "the host kept writing to a server that reads nothing"
        );
    });
}

#[test]
fn request_bodies_that_are_never_sent_get_small_buffers() {
    let outcome = single(under_attack("body_flood", json!({"count": 200, "kib": 4096}), Policy::default(), 1));
    let answer = outcome.expect("the host answers").result.expect("the bodies are created");
    let kib: u64 = answer.split_whitespace().nth(3).and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    // 16 bodies may fill the 4 MiB buffer, the other 184 get 16 KiB chunks: about 70 MiB, not 800.
    assert!(kib < 80 * 1024, "{answer}");
}

#[test]
fn requests_to_ever_new_hosts_end_at_the_hosts_budget() {
    // The operator allows any host on port 9 of its private network; each new host could keep
    // pooled connections, so their number per invocation is a budget.
    let policy = Policy {
        allow_private_networks: true,
        outbound: Some(vec!["http://*:9".parse().unwrap()]),
        ..Policy::default()
    };
    let outcome = single(under_attack("host_flood", json!({"count": 1000}), policy, 1));
    assert_eq!(budget_of(&outcome), Some(Budget::Hosts), "{outcome:?}");
}

#[test]
fn spinning_guests_are_stopped_at_their_time_limit_without_starving_others() {
    let limit = Duration::from_secs(2);
    let policy = Policy { time_limit: limit, ..Policy::default() };
    // More spinners than worker threads.
    let observed = under_attack("spin", json!({}), policy, 4);
    assert!(observed.took < limit * 3, "the spinners ran for {:?}", observed.took);
    for outcome in observed.outcomes {
        assert!(matches!(outcome, Err(HostError::TimeLimit(l)) if l == limit), "{outcome:?}");
    }
}

#[test]
fn a_guest_that_ignores_a_cancel_is_stopped_after_its_grace_period() {
    let _alone = alone();
    two_workers().block_on(async {
        let spinning = hostile();
        let cancellation = std::sync::Arc::new(connector_host::Cancellation::new());
        let grace = Duration::from_millis(300);
        let policy = Policy { cancellation: Some(cancellation.clone()), cancel_grace: grace, ..Policy::default() };
        let started = Instant::now();
        let spinner = tokio::spawn(async move { spinning.invoke("spin", "{}", "{}", &policy).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancellation.cancel();
        let outcome = spinner.await.expect("the invocation task ends");
        let took = started.elapsed();
        assert!(matches!(outcome, Err(HostError::Cancelled(g)) if g == grace), "{outcome:?}");
        assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(3), "stopped after {took:?}");
        // The host keeps serving.
        let next = hostile().invoke("allocate", "{}", r#"{"mib": 1}"#, &Policy::default()).await.unwrap();
        assert_eq!(next.result.unwrap(), "allocated 1 MiB");
    });
}

#[test]
fn memory_past_the_cap_traps_only_that_guest() {
    let policy = Policy { memory_limit: 16 << 20, ..Policy::default() };
    let outcome = single(under_attack("allocate", json!({"mib": 100}), policy, 1));
    assert!(matches!(outcome, Err(HostError::MemoryLimit(l)) if l == 16 << 20), "{outcome:?}");
}

#[test]
fn a_trap_discards_only_that_instance() {
    let outcome = single(under_attack("trap", json!({}), Policy::default(), 1));
    assert!(matches!(outcome, Err(HostError::Trap(_))), "{outcome:?}");
}

/// A file store in a fresh directory below a parent the test watches for leaks.
fn store() -> (tempfile::TempDir, std::path::PathBuf, Policy) {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("store");
    std::fs::create_dir(&root).unwrap();
    let policy = Policy { files: FileAccess { root: Some(root.clone()), writable: true }, ..Policy::default() };
    (parent, root, policy)
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn file_names_that_are_the_root_or_outside_it_are_refused() {
    let _serial = alone();
    let (parent, root, policy) = store();
    let rt = two_workers();
    rt.block_on(async {
        let hostile = hostile();
        for name in [".", "./", "././.", "..", "../escape", "a/../../escape", "/tmp/escape", "a//b", "sub/."] {
            for resume_key in [None, Some("etag")] {
                let input = json!({"name": name, "resume_key": resume_key}).to_string();
                let (message, _) = refusal(hostile.invoke("create_file", "{}", &input, &policy).await);
                assert!(message.contains("InvalidName"), "{name:?}: {message}");
            }
        }
    });
    assert_eq!(entries(parent.path()), vec!["store"], "nothing may appear beside the store");
    assert!(entries(&root).is_empty(), "nothing may appear in the store: {:?}", entries(&root));
}

#[test]
fn a_file_that_is_not_what_was_stated_never_becomes_visible() {
    let _serial = alone();
    let (_parent, root, policy) = store();
    let rt = two_workers();
    rt.block_on(async {
        let hostile = hostile();
        for expected in [json!({"size": 3}), json!({"size": 7, "sha256": true})] {
            for resume_key in [None, Some("etag")] {
                let input = json!({"name": "claimed.bin", "resume_key": resume_key, "expected": expected});
                let (message, _) = refusal(hostile.invoke("create_file", "{}", &input.to_string(), &policy).await);
                assert!(message.contains("Mismatch"), "{expected}: {message}");
                assert!(entries(&root).is_empty(), "{expected}: {:?}", entries(&root));
            }
        }
        let honest = json!({"name": "claimed.bin", "expected": {"size": 7}}).to_string();
        let committed = hostile.invoke("create_file", "{}", &honest, &policy).await.unwrap();
        assert_eq!(committed.result.unwrap(), "committed 7 bytes");
    });
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let (_parent, root, policy) = store();
    let fifo = root.join("pipe");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let observed = under_attack("read_file", json!({"name": "pipe"}), policy, 1);
    assert!(observed.took < Duration::from_secs(2), "open-read blocked for {:?}", observed.took);
    let (message, _) = refusal(single(observed));
    assert!(message.contains("not a regular file"), "{message}");
}

#[test]
fn writing_without_end_stops_at_the_byte_budget_and_leaves_no_file() {
    let (_parent, root, mut policy) = store();
    policy.budgets = Budgets { file_bytes_written: 64 << 20, ..Budgets::default() };
    let outcome = single(under_attack("write_forever", json!({"name": "endless.bin"}), policy, 1));
    assert_eq!(budget_of(&outcome), Some(Budget::FileBytesWritten), "{outcome:?}");
    assert!(entries(&root).is_empty(), "a partial file is visible: {:?}", entries(&root));
}

#[test]
fn opening_files_without_end_stops_at_the_open_files_budget() {
    let (_parent, root, policy) = store();
    std::fs::write(root.join("data.bin"), vec![7u8; 8 << 20]).unwrap();
    let outcome = single(under_attack("open_flood", json!({"name": "data.bin", "count": 10_000}), policy, 1));
    assert_eq!(budget_of(&outcome), Some(Budget::OpenFiles), "{outcome:?}");
}

#[test]
fn copies_at_offsets_write_one_file_and_their_refusals_hold() {
    let _serial = alone();
    let (_parent, root, policy) = store();
    let piece: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
    std::fs::write(root.join("piece.bin"), &piece).unwrap();
    let rt = two_workers();
    rt.block_on(async {
        let hostile = hostile();
        // Honest: three copies at once, at their offsets, make one file.
        let honest =
            json!({"name": "joined.bin", "source": "piece.bin", "offsets": [0, 1 << 20, 2 << 20], "length": 1 << 20});
        let joined = hostile.invoke("fill_at", "{}", &honest.to_string(), &policy).await.unwrap();
        assert_eq!(joined.result.unwrap(), "committed 3145728 bytes");
        assert_eq!(std::fs::read(root.join("joined.bin")).unwrap(), piece.repeat(3));
        // A resumable file only grows at its end.
        let resumable = json!({"name": "r.bin", "source": "piece.bin", "resume_key": "etag"});
        let (message, _) = refusal(hostile.invoke("fill_at", "{}", &resumable.to_string(), &policy).await);
        assert!(message.contains("fresh files only"), "{message}");
        // No hole past what a call may write at all.
        let far = json!({"name": "far.bin", "source": "piece.bin", "offsets": [(16u64 << 30) + 1]});
        let (message, _) = refusal(hostile.invoke("fill_at", "{}", &far.to_string(), &policy).await);
        assert!(message.contains("Denied") && message.contains("beyond"), "{message}");
        // The writer dropped under running copies ends the instance; the host serves on.
        let dropped = json!({"name": "d.bin", "source": "piece.bin", "offsets": [0, 1 << 20], "drop_writer": true});
        let trapped = hostile.invoke("fill_at", "{}", &dropped.to_string(), &policy).await;
        assert!(trapped.is_err() || trapped.as_ref().unwrap().result.is_err(), "{trapped:?}");
        let again = hostile.invoke("fill_at", "{}", &honest.to_string(), &policy).await.unwrap();
        assert_eq!(again.result.unwrap(), "committed 3145728 bytes");
    });
    assert!(!root.join("far.bin").exists() && !root.join("d.bin").exists() && !root.join("r.bin").exists());
}

#[test]
fn copies_without_end_stop_at_the_open_files_budget() {
    let (_parent, root, policy) = store();
    std::fs::write(root.join("piece.bin"), vec![7u8; 1 << 20]).unwrap();
    let input = json!({"name": "many.bin", "source": "piece.bin", "count": 10_000});
    let outcome = single(under_attack("fill_at", input, policy, 1));
    let refused = budget_of(&outcome) == Some(Budget::OpenFiles)
        || matches!(&outcome, Ok(done) if done.result.as_ref().is_err_and(|e| e.message.contains("open_files")));
    assert!(refused, "{outcome:?}");
    assert!(!root.join("many.bin").exists());
}

#[test]
fn a_digest_started_after_bytes_were_written_never_vouches_for_the_file() {
    let _serial = alone();
    let (_parent, root, policy) = store();
    let piece: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    std::fs::write(root.join("piece.bin"), &piece).unwrap();
    let sha = |path: &std::path::Path| s3_test_support::files::sha256_file(path);
    let of_piece = sha(&root.join("piece.bin"));
    let size = piece.len() as u64;
    let rt = two_workers();
    rt.block_on(async {
        let hostile = hostile();
        // Honest: the digest taken while filling is the file's, and a wrong claim is refused.
        let honest = json!({"name": "one.bin", "source": "piece.bin", "size": size, "sha256": of_piece});
        let committed = hostile.invoke("digest_after_write", "{}", &honest.to_string(), &policy).await.unwrap();
        assert_eq!(committed.result.unwrap(), format!("committed {size} bytes"));
        let wrong = json!({"name": "wrong.bin", "source": "piece.bin", "size": size, "sha256": "00".repeat(32)});
        let (message, _) = refusal(hostile.invoke("digest_after_write", "{}", &wrong.to_string(), &policy).await);
        assert!(message.contains("Mismatch"), "{message}");
        // The file holds the piece twice, the late digest saw it once: the claim (the size of
        // both, the digest of one) is checked against the whole file and refused.
        let late =
            json!({"name": "late.bin", "source": "piece.bin", "before": 1, "size": 2 * size, "sha256": of_piece});
        let (message, _) = refusal(hostile.invoke("digest_after_write", "{}", &late.to_string(), &policy).await);
        assert!(message.contains("Mismatch"), "{message}");
    });
    assert!(root.join("one.bin").exists());
    assert!(!root.join("wrong.bin").exists() && !root.join("late.bin").exists());
}
