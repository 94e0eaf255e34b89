//! A loopback stand-in for a Salesforce org's REST API, as the backup template uses it: the
//! `ContentVersion` query (two records a page, continued with `nextRecordsUrl`) and each
//! version's `VersionData`, all behind a Bearer token. Salesforce cannot be reached from here;
//! the S3 side of the tests is the real server.

use crate::loopback::{file_answer, header, serve_heads};
use std::sync::{Arc, Mutex};

/// Records per query page (small, so the tests page).
const PAGE: usize = 2;

/// A file in the org: a document and its latest version.
#[derive(Debug, Clone)]
pub struct OrgFile {
    /// `ContentDocumentId`.
    pub document_id: String,
    /// `ContentVersion.Id` of the latest version.
    pub version_id: String,
    /// Version number.
    pub version_number: u32,
    /// Title.
    pub title: String,
    /// Extension.
    pub extension: String,
    /// Content.
    pub content: Vec<u8>,
}

/// What the org holds, changed by tests between runs.
#[derive(Debug, Default)]
pub struct OrgState {
    /// The files.
    pub files: Vec<OrgFile>,
    /// Downloads of this version id fail with 500 (an interrupted run).
    pub failing_version: Option<String>,
}

/// The running stand-in.
pub struct FakeOrg {
    /// `http://127.0.0.1:<port>`.
    pub instance_url: String,
    /// The access token it accepts.
    pub token: String,
    /// Its files.
    pub state: Arc<Mutex<OrgState>>,
}

impl OrgFile {
    /// A file with `content`, as version 1.
    pub fn new(document_id: &str, title: &str, extension: &str, content: Vec<u8>) -> Self {
        Self {
            document_id: document_id.into(),
            version_id: format!("068{document_id}v1"),
            version_number: 1,
            title: title.into(),
            extension: extension.into(),
            content,
        }
    }

    /// Its next version, with `content`.
    pub fn next_version(&mut self, content: Vec<u8>) {
        self.version_number += 1;
        self.version_id = format!("068{}v{}", self.document_id, self.version_number);
        self.content = content;
    }

    fn record(&self) -> serde_json::Value {
        use md5::{Digest, Md5};
        serde_json::json!({
            "attributes": {"type": "ContentVersion"},
            "Id": self.version_id,
            "ContentDocumentId": self.document_id,
            "Title": self.title,
            "FileExtension": self.extension,
            "VersionNumber": self.version_number.to_string(),
            "Checksum": hex(&Md5::digest(&self.content)),
            "ContentSize": self.content.len(),
            "VersionData": format!("/services/data/v60.0/sobjects/ContentVersion/{}/VersionData", self.version_id),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FakeOrg {
    /// Starts the org with `files`, on the current tokio runtime.
    pub async fn start(files: Vec<OrgFile>) -> FakeOrg {
        let token = "00Dfake!org-token".to_string();
        let state = Arc::new(Mutex::new(OrgState { files, failing_version: None }));
        let (shared, expected) = (state.clone(), format!("bearer {}", token.to_ascii_lowercase()));
        let instance_url = serve_heads(move |head| answer(head, &expected, &shared)).await;
        FakeOrg { instance_url, token, state }
    }
}

/// The answer to one request `head`.
fn answer(head: &str, expected_authorization: &str, state: &Mutex<OrgState>) -> Vec<u8> {
    let lower = head.to_ascii_lowercase();
    if header(&lower, "authorization").as_deref() != Some(expected_authorization) {
        return json_answer("401 Unauthorized", r#"[{"errorCode":"INVALID_SESSION_ID"}]"#);
    }
    let path = head.split_whitespace().nth(1).unwrap_or_default();
    let state = state.lock().expect("org state");
    if let Some(rest) = path.strip_prefix("/services/data/v60.0/sobjects/ContentVersion/") {
        let version = rest.trim_end_matches("/VersionData");
        if state.failing_version.as_deref() == Some(version) {
            return json_answer("500 Internal Server Error", "[]");
        }
        return match state.files.iter().find(|f| f.version_id == version) {
            Some(file) => {
                let content_type = match file.extension.as_str() {
                    "pdf" => "application/pdf",
                    "csv" => "text/csv",
                    "txt" => "text/plain",
                    _ => "application/octet-stream",
                };
                file_answer(&file.content, content_type, header(&lower, "range").as_deref())
            }
            None => json_answer("404 Not Found", r#"[{"errorCode":"NOT_FOUND"}]"#),
        };
    }
    let page = if path.starts_with("/services/data/v60.0/query?q=") {
        0
    } else if let Some(n) = path.strip_prefix("/services/data/v60.0/query/01gNEXT-") {
        n.parse().unwrap_or(usize::MAX)
    } else {
        return json_answer("404 Not Found", "[]");
    };
    let records: Vec<serde_json::Value> =
        state.files.iter().skip(page * PAGE).take(PAGE).map(OrgFile::record).collect();
    let done = (page + 1) * PAGE >= state.files.len();
    let mut body = serde_json::json!({"totalSize": state.files.len(), "done": done, "records": records});
    if !done {
        body["nextRecordsUrl"] = serde_json::json!(format!("/services/data/v60.0/query/01gNEXT-{}", page + 1));
    }
    json_answer("200 OK", &body.to_string())
}

fn json_answer(status: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())
        .into_bytes()
}
