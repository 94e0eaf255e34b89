//! An object's records as a stream: the object is read in byte ranges of [`CHUNK`] bytes, each
//! pinned to the ETag of the first (a change mid-way is `precondition-failed`, never a mix of
//! versions), and parsed as CSV, JSON Lines or a JSON array of objects. Memory is one chunk and
//! one record, whatever the object's size; a position ([`Position`]) lets a later call continue.

use super::records::Record;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::names::named_enum;
use crate::protocol::http::Method;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};

/// Bytes fetched per range request.
pub(super) const CHUNK: u64 = 4 * 1024 * 1024;
/// The longest record (a JSON line or array element) read whole.
pub(super) const MAX_RECORD: usize = 16 * 1024 * 1024;

named_enum! {
    /// How an object's records are written.
    pub(super) enum RecordFormat {
        /// Comma- (or otherwise) separated values, with a header row by default.
        Csv = "csv",
        /// One JSON object per line.
        JsonLines = "jsonl",
        /// A JSON array of objects.
        Json = "json",
    }
}

impl RecordFormat {
    /// The format a key's extension says, if any.
    pub(super) fn from_key(key: &str) -> Option<Self> {
        let extension = key.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "csv" | "tsv" | "txt" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::JsonLines),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// The CSV dialect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CsvDialect {
    /// Field delimiter (one ASCII character; `\t` for TSV).
    #[serde(default = "comma")]
    pub delimiter: String,
    /// Quote character (one ASCII character).
    #[serde(default = "double_quote")]
    pub quote: String,
    /// The first row names the columns (else they are `column_1`, `column_2`, ...).
    #[serde(default = "yes")]
    pub has_header: bool,
    /// `utf-8` (a byte-order mark is skipped) or `latin1`.
    #[serde(default = "utf8")]
    pub encoding: String,
}

impl Default for CsvDialect {
    fn default() -> Self {
        Self { delimiter: comma(), quote: double_quote(), has_header: true, encoding: utf8() }
    }
}

fn comma() -> String {
    ",".into()
}
fn double_quote() -> String {
    "\"".into()
}
fn yes() -> bool {
    true
}
fn utf8() -> String {
    "utf-8".into()
}

impl CsvDialect {
    fn byte(field: &str, value: &str) -> Result<u8> {
        match value.as_bytes() {
            [byte] if byte.is_ascii() => Ok(*byte),
            _ if value == "\\t" => Ok(b'\t'),
            _ => Err(ConnectorError::invalid_input(
                format!("/csv/{field}"),
                format!("{field} must be one ASCII character, got {value:?}"),
            )),
        }
    }

    fn latin1(&self) -> Result<bool> {
        match self.encoding.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(false),
            "latin1" | "latin-1" | "iso-8859-1" => Ok(true),
            other => Err(ConnectorError::invalid_input(
                "/csv/encoding",
                format!("encoding {other:?} is not utf-8 or latin1"),
            )),
        }
    }
}

/// Where reading stopped: enough to continue with the next record in a later call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Position {
    /// The byte the next record starts at.
    #[serde(rename = "o")]
    pub offset: u64,
    /// The line it starts on (1-based).
    #[serde(rename = "l")]
    pub line: u64,
    /// The object's ETag: the object must not change between calls.
    #[serde(rename = "e")]
    pub etag: Option<String>,
    /// The CSV columns (read from the header row at the start).
    #[serde(rename = "h", default)]
    pub columns: Vec<String>,
}

/// The object being read.
#[derive(Debug, Clone)]
pub(super) struct ObjectAt {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// A version, if one was asked for.
    pub version_id: Option<String>,
}

/// Reads an object in ranges, as bytes.
pub(super) struct RangeReader<'a, 'c> {
    client: &'a mut Client<'c>,
    object: ObjectAt,
    etag: Option<String>,
    size: Option<u64>,
    next: u64,
    chunk: Vec<u8>,
    at: usize,
    failure: Option<ConnectorError>,
}

impl<'a, 'c> RangeReader<'a, 'c> {
    fn new(client: &'a mut Client<'c>, object: ObjectAt, from: u64, etag: Option<String>) -> Self {
        Self { client, object, etag, size: None, next: from, chunk: Vec::new(), at: 0, failure: None }
    }

    /// The next range; false at the end of the object.
    fn fetch(&mut self) -> Result<bool> {
        if self.size.is_some_and(|size| self.next >= size) {
            return Ok(false);
        }
        let last = self.next + CHUNK - 1;
        let request = S3Request::new(Method::Get)
            .bucket(&self.object.bucket)
            .key(&self.object.key)
            .query_opt("versionId", self.object.version_id.clone())
            .header("range", format!("bytes={}-{last}", self.next))
            .header_opt("if-match", self.etag.clone());
        let response = match self.client.send(&request) {
            Ok(response) => response,
            // A range past the end (an empty object, or one that ends on a chunk boundary).
            Err(error) if error.service_code() == Some("InvalidRange") => return Ok(false),
            Err(error) if error.kind == ErrorKind::PreconditionFailed && self.etag.is_some() => {
                return Err(error.noted("the object changed while it was read: read it again from the start"));
            }
            Err(error) => return Err(error),
        };
        if self.etag.is_none() {
            self.etag = response.header("etag").map(str::to_string);
        }
        let whole = response.status == 200;
        self.size = match response.content_range() {
            Some((first, _, total)) if first == self.next => total,
            None if whole && self.next == 0 => Some(response.body.len() as u64),
            _ => return Err(ConnectorError::internal("S3 answered a range request with another range")),
        };
        self.next += response.body.len() as u64;
        self.chunk = response.body;
        self.at = 0;
        Ok(!self.chunk.is_empty())
    }
}

impl Read for RangeReader<'_, '_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.chunk.len() {
            match self.fetch() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(error) => {
                    self.failure = Some(error);
                    return Err(std::io::Error::other("reading the object failed"));
                }
            }
        }
        let n = buffer.len().min(self.chunk.len() - self.at);
        buffer[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The records of an object, one at a time.
pub(super) struct RecordSource<'a, 'c> {
    kind: Kind<'a, 'c>,
    /// The byte the reader started at (its own offsets count from there).
    start: u64,
    /// The line the reader started on.
    start_line: u64,
    columns: Vec<String>,
}

enum Kind<'a, 'c> {
    Csv { reader: Box<csv::Reader<RangeReader<'a, 'c>>>, latin1: bool },
    Lines { reader: BufReader<RangeReader<'a, 'c>>, consumed: u64, line: u64 },
    Array { reader: BufReader<RangeReader<'a, 'c>>, consumed: u64, line: u64, done: bool },
}

impl<'a, 'c> RecordSource<'a, 'c> {
    /// Opens `object` as `format` (with `dialect` for CSV), at its start or at `from`.
    pub(super) fn open(
        client: &'a mut Client<'c>,
        object: ObjectAt,
        format: RecordFormat,
        dialect: &CsvDialect,
        from: Option<Position>,
    ) -> Result<Self> {
        let resumed = from.is_some();
        let from = from.unwrap_or(Position { offset: 0, line: 1, etag: None, columns: Vec::new() });
        let mut range = RangeReader::new(client, object, from.offset, from.etag.clone());
        let mut start = from.offset;
        if !resumed {
            // A UTF-8 byte-order mark is not data.
            range.fetch()?;
            if range.chunk.starts_with(b"\xEF\xBB\xBF") {
                range.at = 3;
                start = 3;
            }
        }
        let mut columns = from.columns;
        let kind = match format {
            RecordFormat::Csv => {
                let latin1 = dialect.latin1()?;
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(CsvDialect::byte("delimiter", &dialect.delimiter)?)
                    .quote(CsvDialect::byte("quote", &dialect.quote)?)
                    .has_headers(false)
                    // Every row has the header's (or the first row's) number of fields: a row
                    // with more or fewer is an error naming its line, never silently reshaped.
                    .flexible(false)
                    .from_reader(range);
                if !resumed && dialect.has_header {
                    let mut header = csv::ByteRecord::new();
                    if reader.read_byte_record(&mut header).map_err(|e| source_error(&mut reader, &e))? {
                        columns = decode_fields(&header, latin1, 1)?;
                    }
                }
                Kind::Csv { reader: Box::new(reader), latin1 }
            }
            RecordFormat::JsonLines => Kind::Lines { reader: BufReader::new(range), consumed: 0, line: 0 },
            RecordFormat::Json => {
                let mut reader = BufReader::new(range);
                let (mut consumed, mut line) = (0, 0);
                if !resumed {
                    skip_space(&mut reader, &mut consumed, &mut line)?;
                    if next_byte(&mut reader, &mut consumed)? != Some(b'[') {
                        return Err(ConnectorError::invalid_input(
                            "/format",
                            "format \"json\" reads a top-level array of objects; use \"jsonl\" for one object per line",
                        ));
                    }
                }
                Kind::Array { reader, consumed, line, done: false }
            }
        };
        Ok(Self { kind, start, start_line: from.line, columns })
    }

    /// The client, for writing while reading.
    pub(super) fn client(&mut self) -> &mut Client<'c> {
        match &mut self.kind {
            Kind::Csv { reader, .. } => reader.get_mut().client,
            Kind::Lines { reader, .. } | Kind::Array { reader, .. } => reader.get_mut().client,
        }
    }

    /// The next record and the line it starts on, or `None` at the end.
    pub(super) fn next(&mut self) -> Result<Option<(Record, u64)>> {
        let start_line = self.start_line;
        match &mut self.kind {
            Kind::Csv { reader, latin1 } => {
                let mut row = csv::ByteRecord::new();
                if !reader.read_byte_record(&mut row).map_err(|e| source_error(reader, &e))? {
                    return Ok(None);
                }
                let line = start_line + row.position().map_or(0, csv::Position::line) - 1;
                let values = decode_fields(&row, *latin1, line)?;
                let record = values
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| {
                        let name = self.columns.get(i).cloned().unwrap_or_else(|| format!("column_{}", i + 1));
                        (name, Value::String(value))
                    })
                    .collect();
                Ok(Some((record, line)))
            }
            Kind::Lines { reader, consumed, line } => loop {
                let mut text = Vec::new();
                let read = read_bounded(reader, b'\n', &mut text, *line + start_line)?;
                if read == 0 {
                    return Ok(None);
                }
                *consumed += read as u64;
                *line += 1;
                let number = start_line + *line - 1;
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return parse_object(&text, number).map(|record| Some((record, number)));
            },
            Kind::Array { reader, consumed, line, done } => {
                if *done {
                    return Ok(None);
                }
                skip_space(reader, consumed, line)?;
                let number = start_line + *line;
                let (element, end) = read_element(reader, consumed, line, number)?;
                if element.iter().all(u8::is_ascii_whitespace) && end == b']' {
                    *done = true;
                    return Ok(None);
                }
                *done = end == b']';
                parse_object(&element, number).map(|record| Some((record, number)))
            }
        }
    }

    /// Whether nothing follows `position` (taken from this source).
    pub(super) fn at_end(&mut self, position: &Position) -> bool {
        match &mut self.kind {
            Kind::Array { done, .. } => *done,
            Kind::Csv { reader, .. } => reader.get_ref().size.is_some_and(|size| position.offset >= size),
            Kind::Lines { reader, .. } => reader.get_ref().size.is_some_and(|size| position.offset >= size),
        }
    }

    /// Where the next record starts, to continue there later.
    pub(super) fn position(&mut self) -> Position {
        let (offset, line, etag) = match &mut self.kind {
            Kind::Csv { reader, .. } => {
                let at = reader.position().clone();
                let etag = reader.get_ref().etag.clone();
                (at.byte(), at.line().saturating_sub(1), etag)
            }
            Kind::Lines { reader, consumed, line } | Kind::Array { reader, consumed, line, .. } => {
                (*consumed, *line, reader.get_ref().etag.clone())
            }
        };
        Position { offset: self.start + offset, line: self.start_line + line, etag, columns: self.columns.clone() }
    }
}

/// The typed error behind a CSV failure: the object's own read error, or the row's.
fn source_error(reader: &mut csv::Reader<RangeReader<'_, '_>>, error: &csv::Error) -> ConnectorError {
    if let Some(failure) = reader.get_mut().failure.take() {
        return failure;
    }
    let line = error.position().map_or(0, csv::Position::line);
    ConnectorError::invalid_input("/csv", format!("line {line} is not valid CSV: {error}"))
}

/// The row's fields as text, decoded as `latin1` or UTF-8 (invalid UTF-8 names its line).
fn decode_fields(row: &csv::ByteRecord, latin1: bool, line: u64) -> Result<Vec<String>> {
    row.iter()
        .map(|field| {
            if latin1 {
                Ok(field.iter().map(|&b| char::from(b)).collect())
            } else {
                String::from_utf8(field.to_vec()).map_err(|_| {
                    ConnectorError::invalid_input(
                        "/csv/encoding",
                        format!("line {line} is not UTF-8; if the file is Latin-1, set csv.encoding to \"latin1\""),
                    )
                })
            }
        })
        .collect()
}

/// Reads up to and including `end` into `into`, at most [`MAX_RECORD`] bytes; the bytes read.
fn read_bounded(reader: &mut BufReader<RangeReader<'_, '_>>, end: u8, into: &mut Vec<u8>, line: u64) -> Result<usize> {
    let mut total = 0;
    loop {
        let available = fill(reader)?;
        if available.is_empty() {
            return Ok(total);
        }
        let (take, found) = match available.iter().position(|&b| b == end) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        into.extend_from_slice(&available[..take]);
        reader.consume(take);
        total += take;
        if into.len() > MAX_RECORD {
            return Err(too_long(line));
        }
        if found {
            return Ok(total);
        }
    }
}

/// The reader's buffered bytes, refilled when empty; the object's own error when reading fails.
fn fill<'r>(reader: &'r mut BufReader<RangeReader<'_, '_>>) -> Result<&'r [u8]> {
    if reader.buffer().is_empty()
        && let Err(error) = reader.fill_buf()
    {
        return Err(reader.get_mut().failure.take().unwrap_or_else(|| ConnectorError::internal(error.to_string())));
    }
    Ok(reader.buffer())
}

fn too_long(line: u64) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::TooLarge,
        format!("the record on line {line} is longer than {} MiB", MAX_RECORD >> 20),
    )
}

/// Skips whitespace, counting bytes and lines.
fn skip_space(reader: &mut BufReader<RangeReader<'_, '_>>, consumed: &mut u64, line: &mut u64) -> Result<()> {
    loop {
        let available = fill(reader)?;
        let spaces = available.iter().take_while(|b| b.is_ascii_whitespace()).count();
        *line += available[..spaces].iter().filter(|&&b| b == b'\n').count() as u64;
        let more = spaces == available.len() && spaces > 0;
        reader.consume(spaces);
        *consumed += spaces as u64;
        if !more {
            return Ok(());
        }
    }
}

/// The next byte, if any.
fn next_byte(reader: &mut BufReader<RangeReader<'_, '_>>, consumed: &mut u64) -> Result<Option<u8>> {
    let byte = fill(reader)?.first().copied();
    if byte.is_some() {
        reader.consume(1);
        *consumed += 1;
    }
    Ok(byte)
}

/// One element of a JSON array: its bytes up to the `,` or `]` that ends it (not included), and
/// that byte.
fn read_element(
    reader: &mut BufReader<RangeReader<'_, '_>>,
    consumed: &mut u64,
    line: &mut u64,
    number: u64,
) -> Result<(Vec<u8>, u8)> {
    let mut element = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    loop {
        let Some(byte) = next_byte(reader, consumed)? else {
            return Err(ConnectorError::invalid_input(
                "/format",
                format!("the JSON array ends early, in the element on line {number}"),
            ));
        };
        if byte == b'\n' {
            *line += 1;
        }
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' | b']' if depth == 0 => return Ok((element, byte)),
                _ => {}
            }
        }
        element.push(byte);
        if element.len() > MAX_RECORD {
            return Err(too_long(number));
        }
    }
}

/// A JSON object's fields in the order the text gives them.
fn parse_object(text: &[u8], line: u64) -> Result<Record> {
    let not_object = |why: String| ConnectorError::invalid_input("/format", format!("line {line}: {why}"));
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let record =
        deserializer.deserialize_map(OrderedFields).map_err(|e| not_object(format!("not a JSON object ({e})")))?;
    deserializer.end().map_err(|e| not_object(format!("more than one JSON value ({e})")))?;
    Ok(record)
}

/// Reads a JSON object into its fields, in order.
struct OrderedFields;

impl<'de> Visitor<'de> for OrderedFields {
    type Value = Record;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Record, A::Error> {
        let mut fields = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, Value>()? {
            fields.push((name, value));
        }
        Ok(fields)
    }
}
