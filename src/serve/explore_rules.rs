//! A rule change in the explorer: the live facts under other rules, either one of the
//! server's alternative rule files (`grantlog serve --alt-rules FILE`, repeatable) or
//! rules uploaded by the page, and what that changes: per decision relation the
//! decisions gained and lost, grouped by user and tenant, each with its proof. The
//! comparison is `grantlog diff`'s ([`crate::diff`]); nothing is changed.

use super::api::{bad_json, ApiError};
use super::explore_api::Gate;
use super::routes::blocking;
use super::state::Server;
use crate::diff::{self, Diff, RelationDiff};
use crate::engine::Model;
use crate::explain::prove;
use crate::load::Text;
use crate::source::SourceMap;
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
    /// Changed decisions to skip, and most to answer (with their proofs).
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// Changed decisions a page answers unless asked for fewer, and at most.
pub const PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

/// `POST /v1/explore/rule-change {"alternative": NAME}` or `{"rules": TEXT}`, with
/// `offset` and `limit`: per decision relation the counts gained and lost, then one page
/// of the changed decisions (by relation, user and tenant as `grantlog diff` groups
/// them), each with its proof to [`PROOF_DEPTH`]: only the page's decisions are proved,
/// since a broad rule change on a large instance changes hundreds of thousands. One at
/// a time: a second while one is computed is 429 (it evaluates the instance again).
pub async fn rule_change(
    State(server): State<Arc<Server>>,
    bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer {
    let req: RuleChangeRequest = super::routes::body(bytes)?;
    let (offset, limit) = (req.offset, req.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE));
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
        let diff = Diff::compute(&live.ws.model, &new.model);
        let decisions = &live.decisions;
        let include = |r: &str| decisions.iter().any(|d| d == r);
        let changed: Vec<&RelationDiff> = diff.changed().filter(|r| include(&r.relation)).collect();
        let relations: Vec<Json> = changed
            .iter()
            .map(|r| json!({"relation": r.relation, "columns": r.columns, "gained": r.gained.len(), "lost": r.lost.len()}))
            .collect();
        let unmatched = |us: &[diff::Unmatched]| -> Vec<Json> {
            us.iter()
                .filter(|u| include(&u.relation))
                .map(|u| json!({"relation": u.relation, "tuples": u.tuples}))
                .collect()
        };
        let gained: usize = changed.iter().map(|r| r.gained.len()).sum();
        let lost: usize = changed.iter().map(|r| r.lost.len()).sum();
        let sides = Sides {
            old: (&live.ws.model, &live.ws.sources),
            new: (&new.model, &new.sources),
        };
        let changes = sides.page(&changed, offset, limit);
        let end = offset.saturating_add(changes.len());
        Ok(json!({
            "alternative": name,
            "revision": live.revision,
            "changes_included": replayed,
            "relations": relations,
            "only_old": unmatched(&diff.only_old),
            "only_new": unmatched(&diff.only_new),
            "total": {"gained": gained, "lost": lost, "relations": changed.len()},
            "changes": changes,
            "offset": offset,
            "next_offset": (end < gained + lost).then_some(end),
        })
        .into())
    })
    .await
}

/// The two sides compared: the live model (OLD) and the other rules' (NEW).
struct Sides<'a> {
    old: (&'a Model, &'a SourceMap),
    new: (&'a Model, &'a SourceMap),
}

impl Sides<'_> {
    /// Changes `offset..offset + limit` in the order relation, group (user, tenant),
    /// gains then losses: `{"change", "relation", "fact", "user", "tenant", "proof"}`.
    fn page(&self, changed: &[&RelationDiff], offset: usize, limit: usize) -> Vec<Json> {
        let mut out = Vec::new();
        let mut skip = offset;
        for rd in changed {
            let size = rd.gained.len() + rd.lost.len();
            if skip >= size {
                skip -= size;
                continue;
            }
            for g in rd.groups() {
                let runs = [
                    ("gained", &rd.gained, g.gained.clone(), self.new),
                    ("lost", &rd.lost, g.lost.clone(), self.old),
                ];
                for (change, side, range, (model, sources)) in runs {
                    for i in range {
                        if skip > 0 {
                            skip -= 1;
                            continue;
                        }
                        if out.len() == limit {
                            return out;
                        }
                        let proof = model.program().relation(&rd.relation).map(|rel| {
                            prove(model, rel, side.row(i), Some(PROOF_DEPTH)).to_json(sources)
                        });
                        out.push(json!({
                            "change": change,
                            "relation": rd.relation,
                            "fact": side.fact(i).to_string(),
                            "user": g.user.map(crate::table::plain),
                            "tenant": g.tenant.map(crate::table::plain),
                            "proof": proof,
                        }));
                    }
                }
            }
        }
        out
    }
}
