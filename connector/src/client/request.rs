//! An S3 request before signing, and where it goes (endpoint, addressing style).

use crate::client::connection::{Addressing, Connection, Endpoint};
use crate::client::url_source::UrlSource;
use crate::protocol::encoding::{encode_key, query_string};
use crate::protocol::http::Method;
use crate::protocol::region;
use crate::protocol::url::{HttpUrl, Scheme};

/// What a request sends as its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// An in-memory body.
    Bytes(Vec<u8>),
    /// A host file streamed from the file store: `size` bytes from `offset`.
    File {
        /// Name in the host file store.
        name: String,
        /// First byte to send.
        offset: u64,
        /// Number of bytes to send.
        size: u64,
    },
    /// Bytes fetched from a URL while they are sent (copied through, never held whole).
    Url(UrlSource),
}

impl Body {
    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File { size, .. } => *size,
            Body::Url(source) => source.wire_length(),
        }
    }

    /// True when the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An S3 API call: method, bucket, key, sub-resource query, extra headers, body.
#[derive(Debug, Clone)]
pub struct S3Request {
    /// HTTP method.
    pub method: Method,
    /// Target bucket, if any (ListBuckets has none).
    pub bucket: Option<String>,
    /// Target key, if any.
    pub key: Option<String>,
    /// Query parameters, unencoded.
    pub query: Vec<(String, String)>,
    /// Extra headers to send and sign, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl S3Request {
    /// A request with `method` and nothing else.
    pub fn new(method: Method) -> Self {
        Self { method, bucket: None, key: None, query: Vec::new(), headers: Vec::new(), body: Body::Empty }
    }

    /// Targets `bucket`.
    pub fn bucket(mut self, bucket: &str) -> Self {
        self.bucket = Some(bucket.to_string());
        self
    }

    /// Targets object `key` (in the bucket set with [`Self::bucket`]).
    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_string(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is set.
    pub fn query_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Adds a header when `value` is set.
    pub fn header_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// The full URL for this request against `conn` in `region`.
    pub fn url(&self, conn: &Connection, region: &str) -> HttpUrl {
        let bucket = self.bucket.as_deref();
        let virtual_host = bucket.is_some_and(|b| uses_virtual_host(conn, b));
        let (scheme, host, port) = match &conn.endpoint {
            Endpoint::Aws => (Scheme::Https, region::aws_host(region), None),
            Endpoint::Custom(origin) => (origin.scheme(), origin.host().to_string(), origin.port()),
        };
        let host = match (virtual_host, bucket) {
            (true, Some(bucket)) => format!("{bucket}.{host}"),
            _ => host,
        };
        let mut path = String::new();
        if let (false, Some(bucket)) = (virtual_host, bucket) {
            path.push('/');
            path.push_str(bucket);
        }
        if let Some(key) = &self.key {
            path.push('/');
            path.push_str(&encode_key(key));
        }
        if path.is_empty() {
            path.push('/');
        }
        if !self.query.is_empty() {
            path.push('?');
            path.push_str(&query_string(&self.query));
        }
        HttpUrl::from_parts(scheme, &host, port, path)
    }
}

fn uses_virtual_host(conn: &Connection, bucket: &str) -> bool {
    match conn.addressing {
        Addressing::Path => false,
        Addressing::Virtual => true,
        Addressing::Auto => conn.endpoint == Endpoint::Aws && !bucket.contains('.'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(extra: &str) -> Connection {
        Connection::from_json(&format!(r#"{{"access_key_id":"a","secret_access_key":"b"{extra}}}"#)).unwrap()
    }

    #[test]
    fn aws_is_virtual_hosted_except_dotted_buckets() {
        let c = conn("");
        assert_eq!(
            S3Request::new(Method::Get).bucket("b").key("a b").url(&c, "eu-west-1").full(),
            "https://b.s3.eu-west-1.amazonaws.com/a%20b"
        );
        assert_eq!(S3Request::new(Method::Get).bucket("b").url(&c, "us-east-1").full(), "https://b.s3.amazonaws.com/");
        assert_eq!(
            S3Request::new(Method::Get).bucket("my.bucket").key("k").url(&c, "us-east-1").full(),
            "https://s3.amazonaws.com/my.bucket/k"
        );
        assert_eq!(S3Request::new(Method::Get).url(&c, "us-east-1").full(), "https://s3.amazonaws.com/");
    }

    #[test]
    fn custom_endpoints_are_path_style_by_default() {
        let c = conn(r#","endpoint":"http://127.0.0.1:3900""#);
        let req = S3Request::new(Method::Get).bucket("b").query("list-type", "2").query("prefix", "x/");
        assert_eq!(req.url(&c, "garage").full(), "http://127.0.0.1:3900/b?list-type=2&prefix=x%2F");
        assert_eq!(
            S3Request::new(Method::Get).bucket("b").key("/x//y").url(&c, "garage").full(),
            "http://127.0.0.1:3900/b//x//y"
        );
        let v = conn(r#","endpoint":"https://s3.example.com","addressing":"virtual""#);
        assert_eq!(S3Request::new(Method::Get).bucket("b").key("k").url(&v, "r").full(), "https://b.s3.example.com/k");
    }
}
