//! Turning an S3 error answer into a typed [`ConnectorError`].

use crate::error::{Cause, ConnectorError, ErrorKind, ServerAnswer};
use crate::protocol::http::HttpResponse;
use crate::protocol::region;
use crate::protocol::xml::element_text;

/// The typed error for a non-2xx S3 response. Uses the XML error document when there is one
/// (HEAD answers have none) and the status otherwise.
pub(crate) fn from_response(response: &HttpResponse) -> ConnectorError {
    let body = response.body.as_slice();
    let code = element_text(body, "Code").filter(|c| !c.is_empty());
    let message = element_text(body, "Message").filter(|m| !m.is_empty());
    let kind = kind_for(code.as_deref(), message.as_deref(), response.status);
    let mut text = match (&code, &message) {
        (Some(code), Some(message)) => format!("S3 answered {} {code}: {message}", response.status),
        (Some(code), None) => format!("S3 answered {} {code}", response.status),
        _ => format!("S3 answered {} {}", response.status, status_meaning(response.status)),
    };
    if let Some(hint) = hint_for(kind, code.as_deref(), message.as_deref().unwrap_or_default()) {
        text.push_str(". ");
        text.push_str(hint);
    }
    let request_id = response
        .header("x-amz-request-id")
        .map(str::to_string)
        .or_else(|| element_text(body, "RequestId"))
        .filter(|id| !id.is_empty());
    let public_access_blocked = message.as_deref().is_some_and(mentions_public_access_block);
    let answer = ServerAnswer { status: response.status, code, request_id, public_access_blocked };
    let retry_after_ms = response.header("retry-after").and_then(retry_after_ms);
    ConnectorError { retry_after_ms, ..ConnectorError::caused(kind, Cause::Answer(Box::new(answer)), text) }
}

/// A `Retry-After` header's delay in milliseconds, in its seconds form (the only form S3-like
/// servers send; an HTTP date is ignored). At most an hour: a larger value is not a retry hint.
pub(crate) fn retry_after_ms(value: &str) -> Option<u64> {
    let seconds: u64 = value.trim().parse().ok()?;
    (seconds <= 3600).then_some(seconds * 1000)
}

/// CopyObject and CompleteMultipartUpload may answer 200 and still fail, with an error document
/// in the body: such an answer becomes the typed error (as a 500, which it is in effect).
pub(crate) fn reject_late_error(response: HttpResponse) -> Result<HttpResponse, ConnectorError> {
    if crate::protocol::xml::root_name(&response.body).as_deref() == Some("Error") {
        return Err(from_response(&HttpResponse { status: 500, ..response }));
    }
    Ok(response)
}

/// The region S3 says the bucket is in, from `x-amz-bucket-region` or the error's `<Region>`.
/// A hint that is not a plain region name (it would be put into a host name) is ignored.
pub(crate) fn region_hint(response: &HttpResponse) -> Option<String> {
    response
        .header("x-amz-bucket-region")
        .map(str::to_string)
        .or_else(|| element_text(&response.body, "Region"))
        .filter(|r| region::is_region_label(r))
}

fn kind_for(code: Option<&str>, message: Option<&str>, status: u16) -> ErrorKind {
    let message = message.unwrap_or_default().to_ascii_lowercase();
    match code {
        Some("NoSuchKey" | "NoSuchBucket" | "NoSuchVersion" | "NoSuchUpload" | "NotFound") => ErrorKind::NotFound,
        Some(
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "InvalidToken"
            | "TokenRefreshRequired"
            | "InvalidSecurity",
        ) => ErrorKind::Unauthorized,
        // Garage reports unknown keys and bad signatures as AccessDenied; the message tells them apart.
        Some("AccessDenied")
            if message.contains("invalid signature")
                || message.contains("no such key")
                || message.contains("has expired") =>
        {
            ErrorKind::Unauthorized
        }
        Some("AccessDenied" | "AllAccessDisabled" | "AccountProblem") => ErrorKind::Forbidden,
        Some("InvalidObjectState") => ErrorKind::Conflict,
        Some("AccessControlListNotSupported") => ErrorKind::Unsupported,
        Some("NotImplemented") => ErrorKind::Unsupported,
        Some("SlowDown" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequests") => {
            ErrorKind::Throttled
        }
        Some("RequestTimeout") if status == 400 => ErrorKind::Timeout,
        // AWS answers 403, others 400: the clock is wrong, not a permission.
        Some("RequestTimeTooSkewed") => ErrorKind::InvalidInput,
        Some("InternalError" | "ServiceUnavailable") => ErrorKind::Unavailable,
        Some("BucketNotEmpty" | "BucketAlreadyExists" | "BucketAlreadyOwnedByYou" | "OperationAborted") => {
            ErrorKind::Conflict
        }
        Some("PreconditionFailed" | "InvalidRange") => ErrorKind::PreconditionFailed,
        Some("EntityTooLarge" | "MaxMessageLengthExceeded") => ErrorKind::TooLarge,
        _ => match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            405 | 501 => ErrorKind::Unsupported,
            409 => ErrorKind::Conflict,
            412 | 416 => ErrorKind::PreconditionFailed,
            413 => ErrorKind::TooLarge,
            408 => ErrorKind::Timeout,
            429 | 503 => ErrorKind::Throttled,
            500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::InvalidInput,
        },
    }
}

fn status_meaning(status: u16) -> &'static str {
    match status {
        301 => "(moved: the bucket is in another region)",
        400 => "(bad request)",
        403 => "(access denied: check the credentials' permissions)",
        404 => "(not found: no such bucket or key)",
        405 => "(method not allowed)",
        409 => "(conflict)",
        412 => "(precondition failed)",
        416 => "(range not satisfiable)",
        500 => "(internal error)",
        501 => "(not implemented by this store)",
        503 => "(slow down / unavailable)",
        _ => "",
    }
}

/// Whether S3's message says Block Public Access refused the request.
fn mentions_public_access_block(message: &str) -> bool {
    message.to_ascii_lowercase().contains("block public access") || message.contains("BlockPublic")
}

fn hint_for(kind: ErrorKind, code: Option<&str>, message: &str) -> Option<&'static str> {
    match (kind, code) {
        (_, Some("AccessControlListNotSupported")) => Some(
            "ACLs are disabled on this bucket (Object Ownership is \"bucket owner enforced\", the default for new buckets): grant access with a bucket policy instead, or change the bucket's Object Ownership to allow ACLs",
        ),
        (_, Some("InvalidObjectState")) => {
            Some("The object is archived (a Glacier or Deep Archive storage class): restore it first, then read it")
        }
        (ErrorKind::Forbidden, _) if mentions_public_access_block(message) => Some(
            "The bucket's or account's Block Public Access settings refuse this (a public ACL or policy): keep the object private, or change those settings; no permission is missing",
        ),
        (ErrorKind::Unsupported, _) => Some(
            "This S3-compatible store does not implement this feature (Garage, for example, has no ACLs or versioning)",
        ),
        (ErrorKind::Unauthorized, _) => Some("Check the access key id and secret (and session token, if temporary)"),
        (ErrorKind::Forbidden, _) => {
            Some("The credentials lack a permission this operation needs; `describe` lists them")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("x-amz-request-id".into(), "RID".into())],
            body: body.as_bytes().to_vec(),
            file_size: None,
            sent_digest: None,
        }
    }

    #[test]
    fn maps_codes_to_kinds() {
        let cases = [
            (404, "NoSuchKey", ErrorKind::NotFound, false),
            (403, "SignatureDoesNotMatch", ErrorKind::Unauthorized, false),
            (403, "AccessDenied", ErrorKind::Forbidden, false),
            (501, "NotImplemented", ErrorKind::Unsupported, false),
            (503, "SlowDown", ErrorKind::Throttled, true),
            (500, "InternalError", ErrorKind::Unavailable, true),
            (409, "BucketNotEmpty", ErrorKind::Conflict, false),
        ];
        for (status, code, kind, retryable) in cases {
            let err =
                from_response(&response(status, &format!("<Error><Code>{code}</Code><Message>m</Message></Error>")));
            assert_eq!((err.kind, err.retryable), (kind, retryable), "{code}");
            assert_eq!(err.service_code(), Some(code));
            assert_eq!(err.request_id(), Some("RID"));
            assert_eq!(err.http_status(), Some(status));
        }
    }

    #[test]
    fn garage_bad_signature_is_unauthorized_and_head_uses_status() {
        let err = from_response(&response(
            403,
            "<Error><Code>AccessDenied</Code><Message>Forbidden: Invalid signature</Message></Error>",
        ));
        assert_eq!(err.kind, ErrorKind::Unauthorized);
        let err = from_response(&response(404, ""));
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(err.message.contains("404"));
    }

    #[test]
    fn a_200_with_an_error_document_is_an_error() {
        let late = HttpResponse {
            status: 200,
            body: b"<Error><Code>InternalError</Code></Error>".to_vec(),
            ..Default::default()
        };
        let err = reject_late_error(late).unwrap_err();
        assert_eq!((err.kind, err.retryable), (ErrorKind::Unavailable, true));
        let fine = HttpResponse { status: 200, body: b"<CopyObjectResult/>".to_vec(), ..Default::default() };
        assert!(reject_late_error(fine).is_ok());
    }

    #[test]
    fn region_from_header_or_body() {
        let mut r = response(400, "<Error><Code>AuthorizationHeaderMalformed</Code><Region>garage</Region></Error>");
        assert_eq!(region_hint(&r).as_deref(), Some("garage"));
        r.headers.push(("x-amz-bucket-region".into(), "eu-west-3".into()));
        assert_eq!(region_hint(&r).as_deref(), Some("eu-west-3"));
        for hostile in ["evil.example.com/x", "eu-west-1.attacker.net", "a@b", "", "-x"] {
            let mut r = HttpResponse { status: 301, ..Default::default() };
            r.headers.push(("x-amz-bucket-region".into(), hostile.into()));
            assert_eq!(region_hint(&r), None, "{hostile:?} must not become a host name");
        }
    }

    #[test]
    fn acls_disabled_archived_objects_and_public_access_blocks_say_what_they_are() {
        let disabled = from_response(&response(
            400,
            "<Error><Code>AccessControlListNotSupported</Code><Message>The bucket does not allow ACLs</Message></Error>",
        ));
        assert_eq!(disabled.kind, ErrorKind::Unsupported);
        assert!(disabled.message.contains("ACLs are disabled on this bucket"), "{}", disabled.message);
        let archived = from_response(&response(
            403,
            "<Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object's storage class</Message></Error>",
        ));
        assert_eq!(archived.kind, ErrorKind::Conflict);
        assert!(archived.message.contains("restore it first"), "{}", archived.message);
        let blocked = from_response(&response(
            403,
            "<Error><Code>AccessDenied</Code><Message>User: x is not authorized to perform: s3:PutObjectAcl because public access control lists (ACLs) are blocked by the BlockPublicAcls block public access setting.</Message></Error>",
        ));
        assert_eq!(blocked.kind, ErrorKind::Forbidden);
        assert!(blocked.answer().unwrap().public_access_blocked);
        assert!(blocked.message.contains("no permission is missing"), "{}", blocked.message);
    }
}
