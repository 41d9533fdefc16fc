//! A rule change in the explorer: the live facts under other rules, either one of the
//! server's alternative rule files (`grantlog serve --alt-rules FILE`, repeatable) or
//! rules uploaded by the page, and what that changes: per decision relation the
//! decisions gained and lost, grouped by user and tenant, each with its proof. The
//! comparison is `grantlog diff`'s ([`crate::diff`]); nothing is changed.

use super::api::{bad_json, ApiError};
use super::explore_alt::{upload_key, Changed, Computed, Lookup, RuleChanges};
use super::routes::blocking;
use super::state::Server;
use crate::explain::{prove, Fact};
use crate::load::Text;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;
use std::time::Duration;

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
    let computed = server.explore.rule_changes.status(&alternatives);
    json!({"rules": rules, "alternatives": alternatives, "computed": computed, "revision": live.revision}).into()
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
    /// Changed decisions to skip, and most to answer (with their proofs).
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// Changed decisions a page answers unless asked for fewer, and at most.
pub const PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

/// How long a request waits for a rule change being computed before it is told
/// "computing" (202) and asks again: long enough for a small instance to be answered at
/// once.
pub const WAIT: Duration = Duration::from_secs(3);

/// `POST /v1/explore/rule-change {"alternative": NAME}` or `{"rules": TEXT}`, with
/// `offset` and `limit`: per decision relation the counts gained and lost, then one page
/// of the changed decisions (by relation, user and tenant as `grantlog diff` groups
/// them), each with its proof to [`PROOF_DEPTH`]: only the page's decisions are proved,
/// since a broad rule change on a large instance changes millions. The comparison is
/// computed once per revision in the background and kept for the next pages
/// ([`super::explore_alt`]); until it is ready the answer is 202
/// `{"status": "computing", "revision", "seconds"}`.
pub async fn rule_change(
    State(server): State<Arc<Server>>,
    bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let req: RuleChangeRequest = super::routes::body(bytes)?;
    let (offset, limit) = (req.offset, req.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE));
    let (key, rules) = match (req.alternative, req.rules) {
        (Some(name), None) => {
            let found = server
                .explore
                .alternatives
                .iter()
                .find(|t| alternative_name(t) == name);
            match found {
                Some(t) => (name, t.clone()),
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
        (None, Some(text)) => (upload_key(&text), Text::new("uploaded.dl", text)),
        _ => {
            return Err(bad_json(
                "give exactly one of \"alternative\" (a name GET /v1/explore/rules lists) and \"rules\" (a rule file's text)",
            ))
        }
    };
    let arc = Arc::clone(&server);
    blocking(&server, move |_| {
        let (c, live) = match RuleChanges::lookup(&arc, &key, &rules, WAIT) {
            Lookup::Ready(c, live) => (c, live),
            Lookup::Failed(e) => return Err(e),
            Lookup::Computing { revision, seconds } => {
                let body = json!({
                    "status": "computing",
                    "alternative": alternative_name(&rules),
                    "revision": revision,
                    "seconds": seconds,
                });
                return Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response());
            }
        };
        let changes = page(&c, offset, limit);
        let end = offset.saturating_add(changes.len());
        let total = c.changed.iter().map(Changed::len).sum::<usize>();
        let mut body = json!({
            "status": "ready",
            "alternative": c.name,
            "revision": c.revision,
            "current_revision": live,
            // Computed at an older revision: the current one is being computed.
            "refreshing": c.revision < live,
            "evaluation": c.evaluation,
            "seconds": c.seconds,
            "changes_included": c.replayed,
            "changes_left_out": c.left_out,
            "changes": changes,
            "offset": offset,
            "next_offset": (end < total).then_some(end),
        });
        for (k, v) in c.summary.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        Ok(axum::Json(body).into_response())
    })
    .await
}

/// Changes `offset..offset + limit` in the order relation, group (user, tenant), gains
/// then losses: `{"change", "relation", "fact", "user", "tenant", "proof"}`, gains
/// proved under the other rules and losses under the live ones.
fn page(c: &Computed, offset: usize, limit: usize) -> Vec<Json> {
    let mut out = Vec::new();
    let mut skip = offset;
    for rd in &c.changed {
        if skip >= rd.len() {
            skip -= rd.len();
            continue;
        }
        for g in &rd.groups {
            let runs = [
                ("gained", &rd.gained, g.gained.clone(), &c.new),
                ("lost", &rd.lost, g.lost.clone(), &c.old),
            ];
            for (change, side, range, ws) in runs {
                // Whole runs before the page are skipped at once.
                if skip >= range.len() {
                    skip -= range.len();
                    continue;
                }
                for i in range {
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    if out.len() == limit {
                        return out;
                    }
                    let row = rd.row(side, i);
                    let model = &ws.model;
                    let proof = model
                        .program()
                        .relation(&rd.relation)
                        .map(|rel| prove(model, rel, row, Some(PROOF_DEPTH)).to_json(&ws.sources));
                    let fact = Fact {
                        relation: rd.relation.clone(),
                        values: row.iter().map(|&v| model.constant(v).clone()).collect(),
                    };
                    out.push(json!({
                        "change": change,
                        "relation": rd.relation,
                        "fact": fact.to_string(),
                        "user": g.user,
                        "tenant": g.tenant,
                        "proof": proof,
                    }));
                }
            }
        }
    }
    out
}
