//! The attacks, one per operation. Each returns what it got away with (`Ok`) or how the host
//! stopped it (`Err`, the host's answer as text); traps and limit hits end the instance instead.

use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{Fields, FutureIncomingResponse, Method, OutgoingRequest, Scheme};
use crate::bindings::workflow::connector::file_store;
use serde_json::Value;

/// Every attack, by the operation name that runs it (what `describe` lists).
pub(crate) const ATTACKS: &[&str] = &[
    "fetch",
    "fetch_without_authority",
    "header_flood",
    "request_flood",
    "body_flood",
    "abandoned_upload",
    "host_flood",
    "spin",
    "allocate",
    "create_file",
    "read_file",
    "write_forever",
    "open_flood",
    "fill_at",
    "digest_after_write",
    "trap",
    "socket",
];

/// Runs attack `operation` with its `input`.
pub(crate) fn run(operation: &str, input: &Value) -> Result<String, String> {
    let text = |name: &str| input[name].as_str().unwrap_or_default().to_string();
    let number = |name: &str| input[name].as_u64().unwrap_or(0);
    match operation {
        "fetch" => fetch(&text("url"), input["headers"].as_array(), number("follow_redirects")),
        "fetch_without_authority" => fetch_without_authority(),
        "header_flood" => header_flood(number("count"), number("size") as usize),
        "request_flood" => request_flood(&text("url"), number("count")),
        "body_flood" => body_flood(number("count"), number("kib")),
        "abandoned_upload" => abandoned_upload(&text("url"), number("kib")),
        "host_flood" => host_flood(number("count")),
        "spin" => spin(),
        "allocate" => allocate(number("mib")),
        "create_file" => create_file(&text("name"), input["resume_key"].as_str(), &input["expected"]),
        "read_file" => read_file(&text("name")),
        "write_forever" => write_forever(&text("name")),
        "open_flood" => open_flood(&text("name"), number("count")),
        "fill_at" => fill_at(input),
        "digest_after_write" => digest_after_write(input),
        "trap" => trap(),
        #[cfg(feature = "sockets")]
        "socket" => {
            std::net::TcpStream::connect(text("address")).map(|_| "connected".into()).map_err(|e| e.to_string())
        }
        other => Err(format!("no attack {other:?}")),
    }
}

/// `scheme://authority/path?query` split into its parts.
fn split_url(url: &str) -> Result<(Scheme, String, String), String> {
    let (scheme, rest) = url.split_once("://").ok_or("no scheme")?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    Ok((scheme, authority.to_string(), path.to_string()))
}

/// Sends a GET; returns the status, the `location` and the start of the body.
fn get(url: &str, headers: &[(String, String)]) -> Result<(u16, Option<String>, String), String> {
    let fields = Fields::new();
    for (name, value) in headers {
        fields.append(name, value.as_bytes()).map_err(|e| format!("header {name} refused: {e:?}"))?;
    }
    let request = OutgoingRequest::new(fields);
    let (scheme, authority, path) = split_url(url)?;
    request.set_method(&Method::Get).map_err(|()| "method")?;
    request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
    request.set_authority(Some(&authority)).map_err(|()| "authority")?;
    request.set_path_with_query(Some(&path)).map_err(|()| "path")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    answer(future)
}

fn answer(future: FutureIncomingResponse) -> Result<(u16, Option<String>, String), String> {
    future.subscribe().block();
    let response = future.get().ok_or("no answer")?.map_err(|()| "answer taken")?.map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let location = response.headers().get("location").first().map(|v| String::from_utf8_lossy(v).into_owned());
    let body = response.consume().map_err(|()| "body")?;
    let stream = body.stream().map_err(|()| "stream")?;
    let mut read = Vec::new();
    while read.len() < 64 * 1024 {
        match stream.blocking_read(64 * 1024) {
            Ok(bytes) => read.extend(bytes),
            Err(_) => break,
        }
    }
    Ok((status, location, String::from_utf8_lossy(&read).into_owned()))
}

/// Fetches `url` (following up to `follow` redirects as a browser would) and returns the body:
/// the exfiltration and metadata-service attacks.
fn fetch(url: &str, headers: Option<&Vec<Value>>, follow: u64) -> Result<String, String> {
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair[0].as_str()?.to_string(), pair[1].as_str()?.to_string())))
        .collect();
    let mut url = url.to_string();
    for _ in 0..=follow {
        let (status, location, body) = get(&url, &headers)?;
        match location {
            Some(next) if (300..400).contains(&status) => url = next,
            _ => return Ok(format!("{status} {body}")),
        }
    }
    Err("too many redirects".into())
}

/// A request with no authority at all: the host must not pick one for it.
fn fetch_without_authority() -> Result<String, String> {
    let request = OutgoingRequest::new(Fields::new());
    request.set_scheme(Some(&Scheme::Http)).map_err(|()| "scheme")?;
    request.set_path_with_query(Some("/latest/meta-data/")).map_err(|()| "path")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    answer(future).map(|(status, _, body)| format!("{status} {body}"))
}

/// Creates `count` header sets of `size` bytes each and keeps them all.
fn header_flood(count: u64, size: usize) -> Result<String, String> {
    let value = vec![b'a'; size];
    let mut kept = Vec::new();
    let mut refused = 0;
    for _ in 0..count {
        let fields = Fields::new();
        if fields.set("x-padding", std::slice::from_ref(&value)).is_err() {
            refused += 1;
        }
        kept.push(fields);
    }
    Ok(format!("kept {} header sets ({refused} values refused)", kept.len()))
}

/// Opens `count` requests to `url` and never reads an answer.
fn request_flood(url: &str, count: u64) -> Result<String, String> {
    let (scheme, authority, path) = split_url(url)?;
    let mut pending = Vec::new();
    let mut refused = 0;
    for _ in 0..count {
        let request = OutgoingRequest::new(Fields::new());
        request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
        request.set_authority(Some(&authority)).map_err(|()| "authority")?;
        request.set_path_with_query(Some(&path)).map_err(|()| "path")?;
        match outgoing_handler::handle(request, None) {
            Ok(future) => pending.push(future),
            Err(_) => refused += 1,
        }
    }
    Ok(format!("{} requests open ({refused} refused)", pending.len()))
}

/// Creates `count` request bodies, fills each with up to `kib` KiB (as much as the host accepts
/// without blocking), and never sends any.
fn body_flood(count: u64, kib: u64) -> Result<String, String> {
    let block = vec![0u8; 64 * 1024];
    let mut kept = Vec::new();
    let mut buffered: u64 = 0;
    for _ in 0..count {
        let request = OutgoingRequest::new(Fields::new());
        let body = request.body().map_err(|()| "body")?;
        let stream = body.write().map_err(|()| "stream")?;
        let mut written: u64 = 0;
        while written < kib * 1024 {
            let permit = stream.check_write().map_err(|e| format!("{e:?}"))?;
            if permit == 0 {
                break;
            }
            let n = permit.min(block.len() as u64).min(kib * 1024 - written) as usize;
            stream.write(&block[..n]).map_err(|e| format!("{e:?}"))?;
            written += n as u64;
        }
        buffered += written;
        // Children first when they are dropped: the stream, its body, then the request.
        kept.push((stream, body, request));
    }
    Ok(format!("{} bodies hold {} KiB", kept.len(), buffered / 1024))
}

/// A PUT to `url` whose body the server never reads: writes up to `kib` KiB while the
/// connection takes them, finishes the body once it takes no more for a moment, reads the
/// server's answer and returns. The host is left a connection with bytes it can never write,
/// which it must end by itself.
fn abandoned_upload(url: &str, kib: u64) -> Result<String, String> {
    use crate::bindings::wasi::clocks::monotonic_clock;
    use crate::bindings::wasi::http::types::OutgoingBody;
    use crate::bindings::wasi::io::poll;
    let request = OutgoingRequest::new(Fields::new());
    let (scheme, authority, path) = split_url(url)?;
    request.set_method(&Method::Put).map_err(|()| "method")?;
    request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
    request.set_authority(Some(&authority)).map_err(|()| "authority")?;
    request.set_path_with_query(Some(&path)).map_err(|()| "path")?;
    let body = request.body().map_err(|()| "body")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    let stream = body.write().map_err(|()| "stream")?;
    let block = vec![0u8; 64 * 1024];
    let mut written: u64 = 0;
    while written < kib * 1024 {
        let permit = stream.check_write().map_err(|e| format!("{e:?}"))?;
        if permit == 0 {
            let (writable, pause) = (stream.subscribe(), monotonic_clock::subscribe_duration(300_000_000));
            if !poll::poll(&[&writable, &pause]).contains(&0) {
                break;
            }
            continue;
        }
        let n = permit.min(block.len() as u64).min(kib * 1024 - written) as usize;
        stream.write(&block[..n]).map_err(|e| format!("{e:?}"))?;
        written += n as u64;
    }
    drop(stream);
    OutgoingBody::finish(body, None).map_err(|e| format!("{e:?}"))?;
    let (status, _, _) = answer(future)?;
    Ok(format!("{status} after {} KiB", written / 1024))
}

/// Sends to `count` different loopback hosts (`127.0.0.1`, `127.0.0.2`, ...), each a new
/// origin the host would keep pooled connections for.
fn host_flood(count: u64) -> Result<String, String> {
    let mut answered = 0;
    for i in 0..count {
        let url = format!("http://127.0.{}.{}:9/", (i / 250) % 250, i % 250 + 1);
        if get(&url, &[]).is_ok() {
            answered += 1;
        }
    }
    Ok(format!("{answered} of {count} hosts answered"))
}

fn spin() -> Result<String, String> {
    let mut counter: u64 = 0;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}

/// Allocates (and touches) `mib` MiB, one MiB at a time.
fn allocate(mib: u64) -> Result<String, String> {
    let mut blocks = Vec::new();
    for i in 0..mib {
        blocks.push(vec![i as u8; 1024 * 1024]);
    }
    Ok(format!("allocated {} MiB", blocks.len()))
}

/// Writes `hostile` to `name` and commits it, claiming `expected` (`{size, sha256: bool}`) if given.
fn create_file(name: &str, resume_key: Option<&str>, expected: &Value) -> Result<String, String> {
    use crate::bindings::workflow::connector::file_store::{DigestAlgorithm, ExpectedContent, FileDigest};
    let writer = file_store::create(name, true, resume_key).map_err(|e| format!("{e:?}"))?;
    let contents = writer.contents().map_err(|e| format!("{e:?}"))?;
    contents.blocking_write_and_flush(b"hostile").map_err(|e| format!("{e:?}"))?;
    drop(contents);
    let claim = expected["size"].as_u64().map(|size| ExpectedContent {
        size,
        digest: expected["sha256"]
            .as_bool()
            .map(|_| FileDigest { algorithm: DigestAlgorithm::Sha256, value: vec![0; 32] }),
    });
    writer.commit(claim.as_ref()).map(|size| format!("committed {size} bytes")).map_err(|e| format!("{e:?}"))
}

fn read_file(name: &str) -> Result<String, String> {
    let stream = file_store::open_read(name, 0).map_err(|e| format!("{e:?}"))?;
    let mut read = 0;
    loop {
        match stream.blocking_read(1024 * 1024) {
            Ok(bytes) => read += bytes.len(),
            Err(_) => return Ok(format!("read {read} bytes")),
        }
    }
}

/// Writes to one file until the host stops it.
fn write_forever(name: &str) -> Result<String, String> {
    let writer = file_store::create(name, true, None).map_err(|e| format!("{e:?}"))?;
    let contents = writer.contents().map_err(|e| format!("{e:?}"))?;
    let block = vec![b'x'; 1024 * 1024];
    let mut written: u64 = 0;
    loop {
        for piece in block.chunks(4096) {
            if let Err(e) = contents.blocking_write_and_flush(piece) {
                return Err(format!("stopped after {written} bytes: {e:?}"));
            }
            written += piece.len() as u64;
        }
    }
}

/// Opens `name` `count` times and keeps every stream.
fn open_flood(name: &str, count: u64) -> Result<String, String> {
    let mut streams = Vec::new();
    for _ in 0..count {
        streams.push(file_store::open_read(name, 0).map_err(|e| format!("after {} opens: {e:?}", streams.len()))?);
    }
    Ok(format!("{} streams open", streams.len()))
}

/// Copies host file `source` into new file `name` with `file-writer.fill-at`: one copy at each
/// of `offsets` (of `length` bytes), or `count` copies at offset 0; with a `resume_key`, into a
/// resumable file; with `drop_writer`, the writer is dropped while the copies run. Commits the
/// file once every copy ended.
fn fill_at(input: &Value) -> Result<String, String> {
    let text = |name: &str| input[name].as_str().unwrap_or_default().to_string();
    let writer = file_store::create(&text("name"), true, input["resume_key"].as_str()).map_err(|e| format!("{e:?}"))?;
    let length = input["length"].as_u64().unwrap_or(u64::MAX);
    let offsets: Vec<u64> = match input["offsets"].as_array() {
        Some(offsets) => offsets.iter().filter_map(Value::as_u64).collect(),
        None => vec![0; input["count"].as_u64().unwrap_or(1) as usize],
    };
    let mut fillings = Vec::new();
    for offset in offsets {
        let source =
            file_store::open_read(&text("source"), 0).map_err(|e| format!("after {} copies: {e:?}", fillings.len()))?;
        fillings.push(
            writer.fill_at(source, offset, length).map_err(|e| format!("after {} copies: {e:?}", fillings.len()))?,
        );
    }
    if input["drop_writer"].as_bool() == Some(true) {
        drop(writer);
        return Ok(format!("dropped the writer under {} copies", fillings.len()));
    }
    for filling in &fillings {
        filling.subscribe().block();
        filling.end().ok_or("a copy reported no end")?.map_err(|e| format!("{e:?}"))?;
    }
    drop(fillings);
    writer.commit(None).map(|size| format!("committed {size} bytes")).map_err(|e| format!("{e:?}"))
}

/// Fills new file `name` from host file `source` `before` times, asks for the digest while
/// filling (SHA-256), fills once more, and commits claiming `size` bytes with the SHA-256 given
/// as hex in `sha256`: a digest started after bytes were in must not vouch for the file.
fn digest_after_write(input: &Value) -> Result<String, String> {
    use crate::bindings::workflow::connector::file_store::{DigestAlgorithm, ExpectedContent, FileDigest};
    let text = |name: &str| input[name].as_str().unwrap_or_default().to_string();
    let writer = file_store::create(&text("name"), true, None).map_err(|e| format!("{e:?}"))?;
    let fill = |writer: &file_store::FileWriter| -> Result<(), String> {
        let source = file_store::open_read(&text("source"), 0).map_err(|e| format!("{e:?}"))?;
        writer.fill(source, u64::MAX).map(|_| ()).map_err(|e| format!("{e:?}"))
    };
    for _ in 0..input["before"].as_u64().unwrap_or(0) {
        fill(&writer)?;
    }
    writer.digest_while_filling(DigestAlgorithm::Sha256);
    fill(&writer)?;
    let hex = text("sha256");
    let value = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string()))
        .collect::<Result<Vec<u8>, String>>()?;
    let claim = ExpectedContent {
        size: input["size"].as_u64().unwrap_or(0),
        digest: Some(FileDigest { algorithm: DigestAlgorithm::Sha256, value }),
    };
    writer.commit(Some(&claim)).map(|size| format!("committed {size} bytes")).map_err(|e| format!("{e:?}"))
}

fn trap() -> Result<String, String> {
    std::process::abort()
}
