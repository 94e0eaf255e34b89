//! The Salesforce REST API as the backup template needs it: the org's latest file versions
//! (`ContentVersion`, paged with `nextRecordsUrl`) and the Bearer token that downloads them.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// The REST API version the template speaks.
pub const API_VERSION: &str = "v60.0";

/// The largest answer to one query page read (Salesforce sends at most 2,000 records a page).
const MAX_PAGE_BYTES: usize = 16 << 20;
/// Most pages followed (2,000 records each: far more files than an org holds).
const MAX_PAGES: usize = 10_000;
/// How long one request to the org may take.
const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);
/// Where the org's REST API lives on its instance: the only paths followed or fetched.
const API_PATH: &str = "/services/data/";

/// The query for the org's files: every document's latest version.
const LATEST_FILES: &str = "SELECT Id, ContentDocumentId, Title, FileExtension, VersionNumber, Checksum, ContentSize, VersionData FROM ContentVersion WHERE IsLatest = true ORDER BY ContentDocumentId";

/// One file's latest version. Its content is at [`Org::version_data_url`] of its version id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContentFile {
    /// The version's id (`ContentVersion.Id`): changes with every new version.
    pub version_id: String,
    /// The document's id (`ContentDocumentId`): the same across versions — the record id.
    pub document_id: String,
    /// Its title.
    pub title: String,
    /// Its extension, e.g. `pdf`.
    pub extension: Option<String>,
    /// Its version number, e.g. `3`.
    pub version_number: String,
    /// The MD5 of its content, hex (`Checksum`).
    pub checksum: Option<String>,
    /// Its size in bytes.
    pub size: u64,
}

/// Why talking to the org failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesforceError {
    /// What went wrong and what to do about it.
    pub message: String,
    /// Whether asking again later may work (the org was unreachable or busy); a refused token
    /// or an answer of the wrong shape stays wrong.
    pub retryable: bool,
}

impl SalesforceError {
    fn permanent(message: String) -> SalesforceError {
        SalesforceError { message, retryable: false }
    }

    fn transient(message: String) -> SalesforceError {
        SalesforceError { message, retryable: true }
    }
}

impl std::fmt::Display for SalesforceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SalesforceError {}

/// An org: its instance URL and an access token.
pub struct Org {
    instance_url: String,
    token: String,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Org").field("instance_url", &self.instance_url).field("token", &"******").finish()
    }
}

impl Org {
    /// The org at `instance_url` (e.g. `https://acme.my.salesforce.com`), with `token`.
    pub fn new(instance_url: &str, token: &str) -> Self {
        let https =
            hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
        Self {
            instance_url: instance_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            client: Client::builder(TokioExecutor::new()).build(https),
        }
    }

    /// The instance URL.
    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }

    /// The `Authorization` header value that reads the org's data. A secret: never print it.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// The URL of the content of version `version_id` (`ContentVersion.Id`), built here: the
    /// token goes only to that one resource of the org, whatever else a caller asks for.
    pub fn version_data_url(&self, version_id: &str) -> Result<String, SalesforceError> {
        let valid = version_id.starts_with("068")
            && version_id.len() <= 18
            && version_id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid {
            return Err(SalesforceError::permanent(format!(
                "{version_id:?} is not a ContentVersion id (068 and up to 15 more letters and digits)"
            )));
        }
        Ok(format!("{}{API_PATH}{API_VERSION}/sobjects/ContentVersion/{version_id}/VersionData", self.instance_url))
    }

    /// Every document's latest version, following `nextRecordsUrl` page by page.
    pub async fn latest_files(&self) -> Result<Vec<ContentFile>, SalesforceError> {
        let mut files = Vec::new();
        let mut next = Some(format!("{API_PATH}{API_VERSION}/query?q={}", query_encode(LATEST_FILES)));
        let mut pages = 0;
        while let Some(path) = next {
            // The next page's path comes from the org: the token goes nowhere but its API.
            if !path.starts_with(API_PATH) || path.contains("://") || path.contains('@') {
                return Err(SalesforceError::permanent(format!("the org named a next page outside its API: {path:?}")));
            }
            pages += 1;
            if pages > MAX_PAGES {
                return Err(SalesforceError::permanent(format!("the org's file list goes on past {MAX_PAGES} pages")));
            }
            let page = self.get_json(&path).await?;
            for record in page["records"].as_array().map(Vec::as_slice).unwrap_or_default() {
                files.push(self.file(record)?);
            }
            next = match page["done"].as_bool() {
                Some(false) => page["nextRecordsUrl"].as_str().map(str::to_string),
                _ => None,
            };
        }
        Ok(files)
    }

    fn file(&self, record: &Value) -> Result<ContentFile, SalesforceError> {
        let text = |name: &str| record[name].as_str().map(str::to_string);
        let required = |name: &str| {
            text(name).ok_or_else(|| SalesforceError::permanent(format!("a ContentVersion record has no {name}")))
        };
        let version_id = required("Id")?;
        // An id the org's token may not be used to read with is refused here already.
        self.version_data_url(&version_id)?;
        Ok(ContentFile {
            version_id,
            document_id: required("ContentDocumentId")?,
            title: required("Title")?,
            extension: text("FileExtension").filter(|e| !e.is_empty()),
            version_number: text("VersionNumber").unwrap_or_default(),
            checksum: text("Checksum"),
            size: record["ContentSize"].as_u64().unwrap_or_default(),
        })
    }

    async fn get_json(&self, path: &str) -> Result<Value, SalesforceError> {
        let url = format!("{}{path}", self.instance_url);
        let request = hyper::Request::get(&url)
            .header("authorization", self.authorization())
            .header("accept", "application/json")
            .body(Empty::new())
            .map_err(|e| SalesforceError::permanent(format!("bad request to {}: {e}", self.instance_url)))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| SalesforceError::transient(format!("{} cannot be reached: {e}", self.instance_url)))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_PAGE_BYTES).collect().await.map_err(|e| {
                SalesforceError::transient(format!(
                    "the answer from {} broke off or is too large: {e}",
                    self.instance_url
                ))
            })?;
            Ok::<_, SalesforceError>((status, body.to_bytes()))
        };
        let (status, body) = tokio::time::timeout(REQUEST_TIME_LIMIT, exchange).await.map_err(|_| {
            SalesforceError::transient(format!("{} did not answer within {REQUEST_TIME_LIMIT:?}", self.instance_url))
        })??;
        match status.as_u16() {
            200 => serde_json::from_slice(&body)
                .map_err(|e| SalesforceError::permanent(format!("the org answered with no JSON: {e}"))),
            401 => Err(SalesforceError::permanent(
                "the org refused the access token (expired or revoked): get a new one".into(),
            )),
            code @ (429 | 500..=599) => {
                Err(SalesforceError::transient(format!("the org answered {code} to the file query: try again later")))
            }
            code => Err(SalesforceError::permanent(format!("the org answered {code} to the file query"))),
        }
    }
}

/// `text` for a URL's query: unreserved characters kept, everything else percent-encoded.
fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded_for_a_url() {
        assert_eq!(
            query_encode("SELECT Id, Title FROM X WHERE A = true"),
            "SELECT+Id%2C+Title+FROM+X+WHERE+A+%3D+true"
        );
    }

    #[test]
    fn the_token_goes_only_to_a_content_version_s_data() {
        let org = Org::new("https://acme.example.com", "00Dxx!secret");
        assert_eq!(
            org.version_data_url("068000000000001AAA").unwrap(),
            "https://acme.example.com/services/data/v60.0/sobjects/ContentVersion/068000000000001AAA/VersionData"
        );
        for hostile in ["../../query?q=SELECT", "069000000000001", "068/../x", "068x?y=1", "068000000000001AAAA"] {
            assert!(org.version_data_url(hostile).is_err(), "{hostile}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let org = Org::new("https://acme.example.com/", "00Dxx!secret");
        assert!(!format!("{org:?}").contains("secret"));
        assert_eq!(org.instance_url(), "https://acme.example.com");
    }
}
