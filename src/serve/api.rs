//! JSON shapes shared by the endpoints, and errors as JSON responses.
//!
//! Every error body is `{"error": {"code", "message", "diagnostics": [...]}}` with each
//! diagnostic as `--format json` prints it (code, message, location with file, line and
//! column, help). A request's own text (a query, a fact, a change) is located in a file
//! named after the field it came from, e.g. `query:1:9` or `change-4-assert.facts:2:1`.

use crate::diag::Diagnostic;
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use crate::table::json_value;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value as Json};

/// An error answered as JSON with its status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Json,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl ApiError {
    /// An error of the request or the server, without a diagnostic.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            status,
            body: json!({"error": {"code": code, "message": message, "diagnostics": []}}),
        }
    }

    /// Diagnostics, located with `sources`. The status follows the first error: a limit
    /// on derived tuples (E0401) is 422, a time limit or an interruption (E0402, E0403)
    /// 503, anything else (a text that does not parse, an unknown relation, a wrong
    /// arity, a fact that does not hold) 400.
    pub fn diagnostics(diags: &[Diagnostic], sources: &SourceMap) -> ApiError {
        let first = diags
            .iter()
            .find(|d| d.is_error())
            .or_else(|| diags.first());
        let status = match first.map(|d| d.code) {
            Some("E0401") => StatusCode::UNPROCESSABLE_ENTITY,
            Some("E0402") | Some("E0403") => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        let (code, message) =
            first.map_or(("error", String::new()), |d| (d.code, d.message.clone()));
        let list: Vec<Json> = diags.iter().map(|d| d.to_json(sources)).collect();
        ApiError {
            status,
            body: json!({"error": {"code": code, "message": message, "diagnostics": list}}),
        }
    }

    pub fn with_revision(mut self, revision: u64) -> ApiError {
        self.body["revision"] = json!(revision);
        self
    }
}

/// A request body that is not the JSON an endpoint takes.
pub fn bad_json(message: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_json", message.to_string())
}

/// A decision (a tuple of a decision relation) as the API shows it:
/// `{"relation", "values", "fact"}`.
pub fn decision(relation: &str, values: &[Const]) -> Json {
    let args: Vec<String> = values.iter().map(crate::table::plain).collect();
    json!({
        "relation": relation,
        "values": values.iter().map(json_value).collect::<Vec<_>>(),
        "fact": format!("{relation}({})", args.join(", ")),
    })
}

/// Warnings (e.g. a constant the model has never seen) beside an answer.
pub fn warnings(diags: &[Diagnostic], sources: &SourceMap) -> Json {
    Json::Array(diags.iter().map(|d| d.to_json(sources)).collect())
}

/// A request's text as the only file of its own source map, named after its field: its
/// diagnostics are located in it (the model's sources are not copied per request).
pub fn request_text(field: &str, text: &str) -> (SourceMap, crate::source::FileId) {
    let mut sources = SourceMap::new();
    let file = sources.add(field, text.to_string());
    (sources, file)
}
