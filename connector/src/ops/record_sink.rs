//! Records written to an object as they come: serialised into a buffer that goes up as one part
//! of a multipart upload each time it holds [`PART`] bytes (one PUT if the whole result is
//! smaller). Memory is one part, whatever the result's size; a failure aborts the upload, so no
//! partial object is ever visible.

use super::multipart;
use super::record_source::RecordFormat;
use super::records::{Record, to_object};
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::xml::{self, CompletedPart};
use serde_json::{Value, json};

/// Bytes per uploaded part (S3's minimum is 5 MiB, except for the last).
pub(super) const PART: usize = 6 * 1024 * 1024;
/// Room reserved beyond a part for the record that fills it (a larger one grows the buffer).
const SLACK: usize = 256 * 1024;

/// Where and how the records go.
pub(super) struct RecordSink {
    bucket: String,
    key: String,
    format: RecordFormat,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    /// The CSV columns: the first record's fields.
    columns: Option<Vec<String>>,
    records: u64,
    bytes: u64,
}

impl RecordSink {
    /// A sink writing `format` to `bucket`/`key`.
    pub(super) fn new(bucket: String, key: String, format: RecordFormat) -> Self {
        let mut buffer = Vec::with_capacity(PART + SLACK);
        if format == RecordFormat::Json {
            buffer.push(b'[');
        }
        Self { bucket, key, format, buffer, upload_id: None, parts: Vec::new(), columns: None, records: 0, bytes: 0 }
    }

    /// Adds `record`, sending a part when the buffer is full.
    pub(super) fn write(&mut self, client: &mut Client<'_>, record: Record) -> Result<()> {
        match self.format {
            RecordFormat::JsonLines => {
                self.buffer.extend_from_slice(to_object(record).to_string().as_bytes());
                self.buffer.push(b'\n');
            }
            RecordFormat::Json => {
                if self.records > 0 {
                    self.buffer.push(b',');
                }
                self.buffer.extend_from_slice(to_object(record).to_string().as_bytes());
            }
            RecordFormat::Csv => self.write_csv(record)?,
        }
        self.records += 1;
        if self.buffer.len() >= PART {
            self.send_part(client)?;
        }
        Ok(())
    }

    fn write_csv(&mut self, record: Record) -> Result<()> {
        let mut row = csv::Writer::from_writer(Vec::new());
        let written = match &self.columns {
            None => {
                let columns: Vec<String> = record.iter().map(|(name, _)| name.clone()).collect();
                row.write_record(&columns)
                    .and_then(|()| row.write_record(record.iter().map(|(_, v)| cell(v))))
                    .map(|()| self.columns = Some(columns))
            }
            // Every row has the first record's columns, in its order.
            Some(columns) => row.write_record(columns.iter().map(|name| {
                record.iter().find(|(field, _)| field == name).map_or_else(String::new, |(_, value)| cell(value))
            })),
        };
        written.map_err(|e| ConnectorError::internal(format!("cannot write a CSV row: {e}")))?;
        let bytes = row.into_inner().map_err(|e| ConnectorError::internal(format!("cannot write a CSV row: {e}")))?;
        self.buffer.extend_from_slice(&bytes);
        Ok(())
    }

    fn send_part(&mut self, client: &mut Client<'_>) -> Result<()> {
        let upload_id = if let Some(id) = &self.upload_id {
            id.clone()
        } else {
            let content_type = [("content-type".to_string(), self.format.content_type().to_string())];
            let id = multipart::create(client, &self.bucket, &self.key, &content_type)?;
            self.upload_id = Some(id.clone());
            id
        };
        let number = self.parts.len() as u32 + 1;
        self.bytes += self.buffer.len() as u64;
        client.checkpoint(self.bytes, None)?;
        let part = S3Request::new(Method::Put)
            .bucket(&self.bucket)
            .key(&self.key)
            .query("partNumber", number.to_string())
            .query("uploadId", &upload_id)
            .body(Body::Bytes(std::mem::replace(&mut self.buffer, Vec::with_capacity(PART + SLACK))));
        let sent = client.send(&part)?;
        let etag = sent
            .header("etag")
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::internal(format!("UploadPart {number} answered without an ETag")))?;
        self.parts.push(CompletedPart { number, etag, checksum: None });
        Ok(())
    }

    /// Sends what is left and makes the object visible; what was written.
    pub(super) fn finish(mut self, client: &mut Client<'_>) -> Result<Value> {
        if self.format == RecordFormat::Json {
            self.buffer.push(b']');
        }
        match self.finish_upload(client) {
            Ok(etag) => Ok(
                json!({"bucket": self.bucket, "key": self.key, "etag": etag, "size": self.bytes, "records": self.records}),
            ),
            Err(error) => Err(self.abort(client, error)),
        }
    }

    fn finish_upload(&mut self, client: &mut Client<'_>) -> Result<String> {
        let Some(upload_id) = self.upload_id.clone() else {
            // Small enough for one PUT.
            self.bytes = self.buffer.len() as u64;
            let put = S3Request::new(Method::Put)
                .bucket(&self.bucket)
                .key(&self.key)
                .header("content-type", self.format.content_type())
                .body(Body::Bytes(std::mem::take(&mut self.buffer)));
            let answer = client.send(&put)?;
            return Ok(answer.header("etag").map(super::headers::unquote).unwrap_or_default());
        };
        if !self.buffer.is_empty() {
            self.send_part(client)?;
        }
        let answer = multipart::complete(client, &self.bucket, &self.key, &upload_id, &self.parts, &[])?;
        Ok(xml::element_text(&answer.body, "ETag").map(|e| super::headers::unquote(&e)).unwrap_or_default())
    }

    /// Aborts the multipart upload, if one was started, after `error`.
    pub(super) fn abort(&self, client: &mut Client<'_>, error: ConnectorError) -> ConnectorError {
        match &self.upload_id {
            Some(upload_id) => multipart::abort(client, &self.bucket, &self.key, upload_id, error),
            None => error,
        }
    }
}

/// A value as a CSV cell: text as it is, null empty, anything else as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl RecordFormat {
    /// The content type of an object in this format.
    pub(super) fn content_type(self) -> &'static str {
        match self {
            RecordFormat::Csv => "text/csv",
            RecordFormat::JsonLines => "application/x-ndjson",
            RecordFormat::Json => "application/json",
        }
    }
}
