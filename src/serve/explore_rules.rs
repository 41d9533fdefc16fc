//! A rule change in the explorer: the live facts under other rules, either one of the
//! server's alternative rule files (`grantlog serve --alt-rules FILE`, repeatable) or
//! rules uploaded by the page, and what that changes: per decision relation the
//! decisions gained and lost, grouped by user and tenant, each with its proof. The
//! comparison and its JSON are `grantlog diff`'s ([`crate::diff`]); nothing is changed.

use super::api::{bad_json, ApiError};
use super::explore_api::Gate;
use super::routes::blocking;
use super::state::Server;
use crate::diff::{self, Diff};
use crate::load::Text;
use crate::workspace::Workspace;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

type Answer = Result<axum::Json<Json>, ApiError>;

/// Proofs of changed decisions are shown to this depth (the decision is depth 0); the
/// page links each decision to its full page for more.
pub const PROOF_DEPTH: usize = 4;

/// The name an alternative is chosen by: its file name (`dataos-s13-broad.dl`).
pub fn alternative_name(text: &Text) -> &str {
    text.name.rsplit('/').next().unwrap_or(&text.name)
}

/// `GET /v1/explore/rules`: `{"rules": [file, ..], "alternatives": [name, ..]}`, the
/// rule files served and the alternatives a rule change may choose.
pub async fn list(State(server): State<Arc<Server>>) -> axum::Json<Json> {
    let live = server.read();
    let rules: Vec<&str> = live.ws.rule_texts.iter().map(|t| t.name.as_str()).collect();
    let alternatives: Vec<&str> = server
        .explore
        .alternatives
        .iter()
        .map(alternative_name)
        .collect();
    json!({"rules": rules, "alternatives": alternatives, "revision": live.revision}).into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleChangeRequest {
    /// One of the names `GET /v1/explore/rules` lists.
    #[serde(default)]
    alternative: Option<String>,
    /// Or a whole rule file's text, uploaded.
    #[serde(default)]
    rules: Option<String>,
}

/// `POST /v1/explore/rule-change {"alternative": NAME}` or `{"rules": TEXT}`: the diff of
/// the decisions, as `grantlog diff --format json` writes it (decision relations only,
/// proofs to [`PROOF_DEPTH`]), with `"alternative"` and `"revision"`. One at a time: a
/// second while one is computed is 429 (it evaluates the instance a second time).
pub async fn rule_change(
    State(server): State<Arc<Server>>,
    bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer {
    let req: RuleChangeRequest = super::routes::body(bytes)?;
    let rules = match (req.alternative, req.rules) {
        (Some(name), None) => {
            let found = server
                .explore
                .alternatives
                .iter()
                .find(|t| alternative_name(t) == name);
            match found {
                Some(t) => t.clone(),
                None => {
                    let known: Vec<&str> = server
                        .explore
                        .alternatives
                        .iter()
                        .map(alternative_name)
                        .collect();
                    return Err(ApiError::new(
                        StatusCode::NOT_FOUND,
                        "unknown_alternative",
                        format!(
                            "no alternative rule file `{name}`; the server has {} (grantlog serve --alt-rules FILE adds one)",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    ));
                }
            }
        }
        (None, Some(text)) => Text::new("uploaded.dl", text),
        _ => {
            return Err(bad_json(
                "give exactly one of \"alternative\" (a name GET /v1/explore/rules lists) and \"rules\" (a rule file's text)",
            ))
        }
    };
    blocking(&server, move |server| {
        let _pass = server.explore.rule_changes.try_enter().ok_or_else(|| {
            Gate::busy("another rule change is being evaluated: try again in a moment")
        })?;
        let live = server.read();
        let name = alternative_name(&rules).to_string();
        let rules = vec![rules];
        let limits = server.limits;
        // The live facts (changes included) under the other rules: the strata both rule
        // sets share are taken over; rules that cannot be matched up are opened on the
        // fact files (changes made since are then not in the comparison, and it says so).
        let (new, replayed) = match Workspace::open_beside(&live.ws, &rules, &limits) {
            Some(Ok(ws)) => (ws, true),
            Some(Err(f)) => return Err(ApiError::diagnostics(&f.diagnostics, &f.sources)),
            None => (
                crate::inputs::open(&rules, live.ws.fact_texts.clone(), &limits, false)
                    .map_err(|f| ApiError::diagnostics(&f.diagnostics, &f.sources))?,
                live.revision == 0,
            ),
        };
        let mut diff = Diff::compute(&live.ws.model, &new.model);
        let decisions = &server.decisions;
        let include = |r: &str| decisions.iter().any(|d| d == r);
        diff.prove(Some(PROOF_DEPTH), include);
        let extra = [
            ("alternative", json!(name)),
            ("revision", json!(live.revision)),
            ("changes_included", json!(replayed)),
        ];
        let mut out = Vec::new();
        diff::write_json(
            &diff,
            &live.ws.sources,
            &new.sources,
            &include,
            &extra,
            &mut out,
        )
        .map_err(|e| internal(e.to_string()))?;
        drop(diff);
        serde_json::from_slice::<Json>(&out)
            .map(Into::into)
            .map_err(|e| internal(e.to_string()))
    })
    .await
}

fn internal(e: String) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("the rule change could not be written: {e}"),
    )
}
