//! Reading requests the contract's way: JSON bodies with JSON errors, typed
//! ids in paths, and validated list queries.

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use serde::de::DeserializeOwned;
use taskqueue_proto::{FieldError, TaskFilters, TaskPriority, TaskStatus, TaskType};
use uuid::Uuid;

use crate::api_error::ApiError;

/// The largest request body accepted (1 MiB).
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Reads the whole body, up to [`MAX_REQUEST_BODY`] (413 beyond it).
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {MAX_REQUEST_BODY} bytes"),
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("could not read the body: {e}"),
        )),
    }
}

/// Parses a JSON body: 415 for another content type, 400 `malformed_json`
/// for broken JSON, 422 naming the field for a body of the wrong shape. An
/// empty body reads as `{}` when `empty_is_object`.
pub(crate) fn parse_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
    empty_is_object: bool,
) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        if !empty_is_object {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the request body is empty; send a JSON object",
            ));
        }
        b"{}"
    } else {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("expected Content-Type: application/json, got {content_type:?}"),
            ));
        }
        body
    };
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        require_object(body)?;
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            malformed(&inner)
        } else {
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::validation(
                "the request body does not match the schema",
                vec![FieldError {
                    field,
                    message: inner.to_string(),
                }],
            )
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Every request body of the contract is a JSON object: another JSON value
/// (an array, which serde would read field by field, a string…) is refused.
fn require_object(body: &[u8]) -> Result<(), ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => Ok(()),
        Some(_) => Err(ApiError::validation(
            "the request body must be a JSON object",
            vec![FieldError {
                field: "body".to_owned(),
                message: "must be a JSON object".to_owned(),
            }],
        )),
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("the body is not valid JSON: {e}"),
    )
}

/// The request body, read up to [`MAX_REQUEST_BODY`]; an extractor whose
/// rejection is the contract's JSON error (413 beyond the limit).
pub(crate) struct BodyBytes(pub(crate) Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for BodyBytes {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, _state: &S) -> Result<Self, ApiError> {
        read_body(request.into_body()).await.map(BodyBytes)
    }
}

/// The body read as JSON `T` ([`BodyBytes`], then [`parse_json`]): 413, 415,
/// 400 or 422 as the contract says.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, _state: &S) -> Result<Self, ApiError> {
        let headers = request.headers().clone();
        let body = read_body(request.into_body()).await?;
        parse_json(&headers, &body, false).map(JsonBody)
    }
}

/// The `{task_id}` or `{project_id}` of the path as a UUID; 400 `invalid_id` otherwise.
pub(crate) struct PathId(pub(crate) Uuid);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_id", e.body_text()))?;
        let kind = if parts.uri.path().contains("/projects/") {
            "project"
        } else {
            "task"
        };
        parse_id(kind, &raw).map(PathId)
    }
}

/// An id from the path: 400 `invalid_id` if it is not a UUID.
pub(crate) fn parse_id(kind: &str, raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            format!("{kind} id {raw:?} is not a UUID"),
        )
    })
}

fn known<T: Clone>(name: &str, value: &str, known: &[T], as_str: impl Fn(&T) -> &str) -> Result<T, ApiError> {
    known.iter().find(|k| as_str(k) == value).cloned().ok_or_else(|| {
        let choices: Vec<&str> = known.iter().map(&as_str).collect();
        ApiError::invalid_query(format!("{name}={value:?} is not one of {}", choices.join(", ")))
    })
}

/// The list query: every documented parameter checked, unknown ones ignored.
pub(crate) fn parse_filters(query: Option<&str>) -> Result<TaskFilters, ApiError> {
    let mut f = TaskFilters::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let v = value.as_ref();
        match key.as_ref() {
            "status" => f.status = Some(known("status", v, TaskStatus::KNOWN, TaskStatus::as_str)?),
            "priority" => f.priority = Some(known("priority", v, TaskPriority::KNOWN, TaskPriority::as_str)?),
            "task_type" => f.task_type = Some(known("task_type", v, TaskType::KNOWN, TaskType::as_str)?),
            "project_id" => {
                f.project_id = Some(
                    v.parse()
                        .map_err(|_| ApiError::invalid_query(format!("project_id={v:?} is not a UUID")))?,
                )
            }
            "created_after" | "created_before" => {
                let t = chrono::DateTime::parse_from_rfc3339(v)
                    .map_err(|e| ApiError::invalid_query(format!("{key}={v:?} is not an RFC 3339 time: {e}")))?;
                if key == "created_after" {
                    f.created_after = Some(t);
                } else {
                    f.created_before = Some(t);
                }
            }
            "limit" => {
                let limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|l| (1..=taskqueue_proto::MAX_LIMIT).contains(l));
                f.limit = Some(limit.ok_or_else(|| {
                    ApiError::invalid_query(format!("limit={v:?} must be an integer from 1 to 1000"))
                })?);
            }
            "offset" => {
                f.offset = Some(
                    v.parse::<u64>()
                        .ok()
                        .filter(|o| *o <= taskqueue_proto::MAX_JSON_INTEGER)
                        .ok_or_else(|| {
                            ApiError::invalid_query(format!("offset={v:?} must be an integer from 0 to 2^63 - 1"))
                        })?,
                )
            }
            _ => {}
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_every_parameter_and_keep_offsets() {
        let f = parse_filters(Some(
            "status=AIReview&priority=High&task_type=Simple&created_after=2026-03-01T10%3A00%3A00%2B01%3A00&limit=5&offset=2&x=y",
        ))
        .unwrap();
        assert_eq!(f.status, Some(TaskStatus::AiReview));
        assert_eq!(f.created_after.unwrap().to_rfc3339(), "2026-03-01T10:00:00+01:00");
        assert_eq!((f.limit, f.offset), (Some(5), Some(2)));
    }

    #[test]
    fn bad_filters_are_invalid_query() {
        for q in [
            "status=running",
            "limit=0",
            "limit=1001",
            "offset=-1",
            "created_before=yesterday",
            "project_id=x",
        ] {
            let e = parse_filters(Some(q)).unwrap_err();
            assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "invalid_query"), "{q}");
        }
    }

    #[test]
    fn bodies_are_checked_for_type_syntax_and_shape() {
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, "application/json; charset=utf-8".parse().unwrap());
        let text = HeaderMap::new();
        let e = parse_json::<taskqueue_proto::ProjectCreateRequest>(&text, b"{\"name\":\"p\"}", false).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let e = parse_json::<taskqueue_proto::ProjectCreateRequest>(&json, b"{\"name\":", false).unwrap_err();
        assert_eq!(e.code, "malformed_json");
        let e = parse_json::<taskqueue_proto::ProjectCreateRequest>(&json, b"{\"name\":5}", false).unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_error")
        );
        assert_eq!(e.details["fields"][0]["field"], "name");
        let ok = parse_json::<serde_json::Value>(&text, b"", true).unwrap();
        assert_eq!(ok, serde_json::json!({}));
    }
}
