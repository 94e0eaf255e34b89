//! A scripted [`Transport`]: it answers each request with the next reply of a script (an HTTP
//! answer or a transport fault), records every request, every pause and every random number it
//! hands out, and keeps an in-memory file store. The S3 logic runs against it natively, so each
//! orchestration path (retries, region correction, multipart, resumable downloads, URL sources,
//! pagination) is checked request by request, without a server and without wasm.

use connector_contract::DigestAlgorithm;
use s3_connector::client::request::Body;
use s3_connector::client::transport::{Batch, ExistingFile, HttpRequest, PartialBytes, ResponseSink, Transport};
use s3_connector::error::{ConnectorError, ErrorKind, Result, TransportFailure};
use s3_connector::protocol::checksum::StreamDigest;
use s3_connector::protocol::http::{HttpResponse, Method};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

/// The credentials scripted tests sign with.
pub(crate) const AUTH: &str = r#"{"access_key_id":"AKIDTEST","secret_access_key":"secret","region":"eu-west-1"}"#;

/// One scripted reply.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// An HTTP answer.
    Answer(HttpResponse),
    /// A transport failure, as the component reports a `wasi:http` error.
    Fault(TransportFailure),
    /// A download that breaks after `kept` bytes of the body reached the partial file.
    CutAfter(u64),
}

impl Reply {
    /// An answer with `status` and nothing else.
    pub(crate) fn status(status: u16) -> Self {
        Reply::Answer(HttpResponse { status, ..HttpResponse::default() })
    }

    /// A 200 with `body`.
    pub(crate) fn ok(body: &str) -> Self {
        Reply::status(200).body(body)
    }

    /// An S3 error document with `code`.
    pub(crate) fn error(status: u16, code: &str) -> Self {
        Reply::status(status).body(&format!(
            "<Error><Code>{code}</Code><Message>scripted {code}</Message><RequestId>R</RequestId></Error>"
        ))
    }

    /// The same reply with header `name: value`.
    pub(crate) fn header(self, name: &str, value: &str) -> Self {
        self.map(|r| r.headers.push((name.to_ascii_lowercase(), value.to_string())))
    }

    /// The same reply with `body`.
    pub(crate) fn body(self, body: &str) -> Self {
        self.bytes(body.as_bytes())
    }

    /// The same reply with a binary body.
    pub(crate) fn bytes(self, body: &[u8]) -> Self {
        self.map(|r| r.body = body.to_vec())
    }

    /// The same reply stating the digest of a streamed request body (as the component does).
    pub(crate) fn sent_digest(self, digest: Vec<u8>) -> Self {
        self.map(|r| r.sent_digest = Some(digest))
    }

    fn map(self, change: impl FnOnce(&mut HttpResponse)) -> Self {
        match self {
            Reply::Answer(mut response) => {
                change(&mut response);
                Reply::Answer(response)
            }
            other => other,
        }
    }
}

/// A request as the transport saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// The method.
    pub(crate) method: Method,
    /// The full URL.
    pub(crate) url: String,
    /// The headers, signature included.
    pub(crate) headers: Vec<(String, String)>,
    /// What the body was.
    pub(crate) body: Body,
    /// Where a 2xx body was to go.
    pub(crate) sink: ResponseSink,
}

impl Seen {
    /// The first value of header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The region in the signature's credential scope.
    pub(crate) fn signed_region(&self) -> &str {
        let authorization = self.header("authorization").expect("signed");
        authorization.split('/').nth(2).expect("credential scope")
    }

    /// `METHOD path?query`, for comparing sequences.
    pub(crate) fn line(&self) -> String {
        let path = self.url.splitn(4, '/').nth(3).unwrap_or_default();
        format!("{} /{path}", self.method)
    }
}

/// The scripted transport.
pub(crate) struct Scripted {
    replies: VecDeque<Reply>,
    /// Every request, in order.
    pub(crate) seen: Vec<Seen>,
    /// Every pause the client asked for.
    pub(crate) sleeps: Vec<Duration>,
    /// Every random number handed out.
    pub(crate) randoms: Vec<u64>,
    /// The host file store.
    pub(crate) files: HashMap<String, Vec<u8>>,
    /// Partial downloads: (name, resume key) → bytes kept.
    pub(crate) partials: HashMap<(String, String), Vec<u8>>,
    /// A download held uncommitted: its name and bytes.
    pub(crate) held: Option<(String, Vec<u8>)>,
    /// The host cancels once this many requests were sent.
    pub(crate) cancel_after: Option<usize>,
    /// Every progress report: (done, total).
    pub(crate) progress: Vec<(u64, Option<u64>)>,
    /// Every checkpoint handed over, in order.
    pub(crate) checkpoints: Vec<String>,
    state: u64,
}

impl Scripted {
    /// A transport that answers with `replies`, in order; a request beyond them fails the test.
    pub(crate) fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: replies.into_iter().collect(),
            seen: Vec::new(),
            sleeps: Vec::new(),
            randoms: Vec::new(),
            held: None,
            cancel_after: None,
            progress: Vec::new(),
            checkpoints: Vec::new(),
            files: HashMap::new(),
            partials: HashMap::new(),
            state: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// Adds host file `name`.
    pub(crate) fn with_file(mut self, name: &str, contents: Vec<u8>) -> Self {
        self.files.insert(name.to_string(), contents);
        self
    }

    /// Whether every scripted reply was used.
    pub(crate) fn finished(&self) -> bool {
        self.replies.is_empty()
    }

    /// The request lines seen.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.seen.iter().map(Seen::line).collect()
    }

    fn store(&mut self, sink: &ResponseSink, body: &[u8]) -> Option<u64> {
        let ResponseSink::File(file) = sink else { return None };
        let mut contents = match &file.resume {
            Some(resume) if resume.partial == PartialBytes::Continue => {
                self.partials.remove(&(file.name.clone(), resume.key.clone())).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        contents.extend_from_slice(body);
        let size = contents.len() as u64;
        if file.hold {
            self.held = Some((file.name.clone(), contents));
        } else {
            self.files.insert(file.name.clone(), contents);
        }
        Some(size)
    }
}

impl Transport for Scripted {
    fn send(&mut self, request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse> {
        self.seen.push(Seen {
            method: request.method,
            url: request.url.full(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            sink: sink.clone(),
        });
        let reply = self.replies.pop_front().unwrap_or_else(|| {
            panic!("unscripted request: {} {}", request.method, request.url.full());
        });
        match reply {
            Reply::Answer(mut response) => {
                if response.is_success()
                    && let Some(size) = self.store(sink, &response.body)
                {
                    response.file_size = Some(size);
                    response.body.clear();
                }
                Ok(response)
            }
            Reply::Fault(failure) => Err(ConnectorError::transport(failure, format!("scripted {failure:?}"))),
            Reply::CutAfter(kept) => {
                let ResponseSink::File(file) = sink else { panic!("a cut needs a file sink") };
                let resume = file.resume.as_ref().expect("a cut download is resumable");
                let partial = self.partials.entry((file.name.clone(), resume.key.clone())).or_default();
                if resume.partial == PartialBytes::Discard {
                    partial.clear();
                }
                partial.extend(std::iter::repeat_n(b'p', usize::try_from(kept).unwrap()));
                Err(ConnectorError::transport(TransportFailure::Broken, "scripted cut"))
            }
        }
    }

    fn start_ranged_download(
        &mut self,
        name: &str,
        _existing: ExistingFile,
        _stated: &HttpResponse,
        _verify: bool,
    ) -> Result<()> {
        self.held = Some((name.to_string(), Vec::new()));
        Ok(())
    }

    /// Each range's scripted answer in turn, none after a failure (as the real transport); a
    /// success's body lands in the held file at the
    /// range's offset (the file grows as needed, as a sparse file would).
    fn download_ranges(
        &mut self,
        requests: &[HttpRequest<'_>],
        ranges: &[(u64, u64)],
        _batch: Batch,
    ) -> Vec<Result<HttpResponse>> {
        let sink = ResponseSink::Memory { limit: u64::MAX };
        let mut outcomes = Vec::new();
        let mut failed = false;
        for (request, (offset, _)) in requests.iter().zip(ranges) {
            if failed {
                outcomes.push(Err(s3_connector::client::transport::not_sent()));
                continue;
            }
            let outcome = self.send(request, &sink).map(|mut answer| {
                if answer.is_success() {
                    let (_, held) = self.held.as_mut().expect("a ranged download was started");
                    let start = usize::try_from(*offset).unwrap();
                    let end = start + answer.body.len();
                    if held.len() < end {
                        held.resize(end, 0);
                    }
                    held[start..end].copy_from_slice(&answer.body);
                    answer.file_size = Some(answer.body.len() as u64);
                    answer.body.clear();
                }
                answer
            });
            failed = !matches!(&outcome, Ok(answer) if answer.is_success());
            outcomes.push(outcome);
        }
        outcomes
    }

    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600)
    }

    fn sleep(&mut self, duration: Duration) {
        self.sleeps.push(duration);
    }

    fn random_u64(&mut self) -> u64 {
        // xorshift64: a fixed sequence, so delays are reproducible.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.randoms.push(self.state);
        self.state
    }

    fn file_size(&mut self, name: &str) -> Result<u64> {
        self.files
            .get(name)
            .map(|f| f.len() as u64)
            .ok_or_else(|| ConnectorError::new(ErrorKind::NotFound, format!("no file {name}")).at("/file"))
    }

    fn partial_size(&mut self, name: &str, _existing: ExistingFile, resume_key: &str) -> Result<u64> {
        Ok(self.partials.get(&(name.to_string(), resume_key.to_string())).map_or(0, |p| p.len() as u64))
    }

    fn file_digest(&mut self, name: &str, offset: u64, size: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>> {
        let file = &self.files[name];
        let (start, end) = (usize::try_from(offset).unwrap(), usize::try_from(offset + size).unwrap());
        let mut digest = StreamDigest::new(algorithm);
        digest.update(&file[start..end]);
        Ok(digest.finish())
    }

    fn held_digest(&mut self, offset: u64, size: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>> {
        let (_, bytes) = self.held.as_ref().expect("a download is held");
        let (start, end) = (usize::try_from(offset).unwrap(), usize::try_from(offset + size).unwrap());
        Ok(digest_of(algorithm, &bytes[start..end]))
    }

    fn commit_held(&mut self) -> Result<u64> {
        let (name, bytes) = self.held.take().expect("a download is held");
        let size = bytes.len() as u64;
        self.files.insert(name, bytes);
        Ok(size)
    }

    fn cancel_requested(&mut self) -> bool {
        self.cancel_after.is_some_and(|after| self.seen.len() >= after)
    }

    fn progress(&mut self, done: u64, total: Option<u64>) {
        self.progress.push((done, total));
    }

    fn checkpoint(&mut self, state: &str) {
        self.checkpoints.push(state.to_string());
    }
}

/// The raw digest of `bytes`.
pub(crate) fn digest_of(algorithm: DigestAlgorithm, bytes: &[u8]) -> Vec<u8> {
    let mut digest = StreamDigest::new(algorithm);
    digest.update(bytes);
    digest.finish()
}
