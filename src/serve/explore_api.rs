//! What the explorer page needs beyond the decision API: a paged search over the model's
//! names (users, tenants, workloads, resources), the source lines a base fact came from,
//! and the text of the statements (S1..S30) a rule cites.

use super::api::{bad_json, request_text, ApiError};
use super::routes::blocking;
use super::state::{Live, Server};
use crate::syntax::parse_query;
use axum::extract::{Query as UrlQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

type Answer = Result<axum::Json<Json>, ApiError>;

const STATEMENTS: &str = include_str!("../../rules/STATEMENTS.md");

/// Most search hits on one page.
pub const MAX_PAGE: usize = 200;

pub fn routes() -> axum::Router<Arc<Server>> {
    use axum::routing::get;
    axum::Router::new()
        .route("/v1/explore/search", get(search))
        .route("/v1/explore/source", get(source))
        .route("/v1/explore/statements", get(statements))
        .route("/v1/explore/dry-run", axum::routing::post(dry_run))
        .route("/v1/explore/rules", get(super::explore_rules::list))
        .route(
            "/v1/explore/rule-change",
            axum::routing::post(super::explore_rules::rule_change),
        )
}

/// What the explorer keeps on the server.
pub struct Explore {
    /// The search index of the latest revision searched.
    pub search: super::explore_search::SearchCache,
    /// Tokenless dry runs, one at a time.
    pub dry_runs: Gate,
    /// Rule changes computed (or being computed), kept between pages.
    pub rule_changes: super::explore_alt::RuleChanges,
    /// `--alt-rules`: the rule files a rule change may choose.
    pub alternatives: Vec<crate::load::Text>,
}

impl Explore {
    pub fn new(alternatives: Vec<crate::load::Text>) -> Explore {
        Explore {
            search: Default::default(),
            dry_runs: Gate::default(),
            rule_changes: Default::default(),
            alternatives,
        }
    }
}

/// Lets one request at a time through; the others are turned away (429) at once rather
/// than queued, so that a flood of them holds no thread and no lock.
#[derive(Default)]
pub struct Gate(AtomicBool);

/// A request let through a [`Gate`]: the gate opens again when it is dropped.
pub struct Pass<'g>(&'g AtomicBool);

impl Gate {
    pub fn try_enter(&self) -> Option<Pass<'_>> {
        self.0
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Pass(&self.0))
    }

    pub fn busy(message: &str) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "busy", message)
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DryRunRequest {
    #[serde(default)]
    assert: Option<String>,
    #[serde(default)]
    retract: Option<String>,
}

/// `POST /v1/explore/dry-run {"assert": .., "retract": ..}`: what `POST /v1/changes`
/// with `"dry_run": true` answers, without the token: a dry run changes nothing, so a
/// reader of the page may try a fix; applying it still takes the token. A dry run holds
/// the write lock while it applies and undoes the change (milliseconds), so readers
/// flooding this endpoint could starve the model's readers and its writer: one
/// tokenless dry run runs at a time and another is refused with 429 at once (not
/// queued); `POST /v1/changes` with the token and `"dry_run": true` is not limited.
async fn dry_run(
    State(server): State<Arc<Server>>,
    bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer {
    let req: DryRunRequest = super::routes::body(bytes)?;
    let change = super::changes::ChangeRequest {
        assert: req.assert,
        retract: req.retract,
        dry_run: true,
        if_revision: None,
        author: None,
    };
    blocking(&server, move |server| {
        let _pass = server.explore.dry_runs.try_enter().ok_or_else(|| {
            Gate::busy("another dry run is in progress: try again in a moment (with the server's token, POST /v1/changes with \"dry_run\": true is not limited)")
        })?;
        super::changes::change(server, &change, "explorer").map(Into::into)
    })
    .await
}

/// The rows of a query over the live model, as plain strings.
pub(super) fn rows(live: &Live, text: &str) -> Vec<Vec<String>> {
    let (sources, file) = request_text("query", text);
    let Ok(q) = parse_query(&sources, file) else {
        return Vec::new();
    };
    // A relation the rules do not declare (other rules than DataOS') has no rows.
    match live.ws.model.query(&live.ws.sources, &q) {
        Ok(a) => a
            .rows
            .iter()
            .map(|r| r.iter().map(crate::table::plain).collect())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /v1/explore/search?q=sam&offset=0&limit=20`: names containing `q` (case
/// ignored), exact matches first, then prefixes, then the rest, each by kind and name:
/// `{"q", "items": [{"kind", "name", "tenant", "detail"}], "total", "next_offset",
/// "revision"}`. Served from an index built once per revision ([`super::explore_search`]).
async fn search(
    State(server): State<Arc<Server>>,
    params: Result<UrlQuery<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let UrlQuery(p) = params.map_err(|e| bad_json(e.body_text()))?;
    let limit = p.limit.unwrap_or(20).clamp(1, MAX_PAGE);
    blocking(&server, move |server| {
        let index = {
            let live = server.read();
            server.explore.search.get(&live)
        };
        let needle = p.q.trim().to_lowercase();
        let page = index.search(&needle, p.offset, limit);
        let end = p.offset.saturating_add(page.items.len());
        Ok(json!({
            "q": p.q,
            "items": page.items,
            "total": page.total,
            "offset": p.offset,
            "next_offset": (end < page.total).then_some(end),
            "revision": index.revision,
        })
        .into())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceParams {
    file: String,
    line: usize,
}

/// `GET /v1/explore/source?file=examples/worked-example.facts&line=56`: the lines around
/// a base fact, from the text the model was opened with:
/// `{"file", "line", "lines": [{"line", "text"}]}`.
async fn source(
    State(server): State<Arc<Server>>,
    params: Result<UrlQuery<SourceParams>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let UrlQuery(p) = params.map_err(|e| bad_json(e.body_text()))?;
    let live = server.read();
    let sources = &live.ws.sources;
    let file = (0..sources.len() as u32)
        .filter_map(|i| sources.get(crate::source::FileId(i)))
        .find(|f| f.name == p.file)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_file",
                format!("no file `{}` in the model", p.file),
            )
        })?;
    let count = file.text.lines().count();
    if p.line == 0 || p.line > count {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_line",
            format!("`{}` has lines 1 to {count}, not {}", p.file, p.line),
        ));
    }
    let first = p.line.saturating_sub(3).max(1);
    let last = (p.line + 3).min(count);
    let lines: Vec<Json> = (first..=last)
        .map(|n| json!({"line": n, "text": file.line_text(n)}))
        .collect();
    Ok(json!({"file": p.file, "line": p.line, "lines": lines}).into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementParams {
    ids: String,
}

/// `GET /v1/explore/statements?ids=S23,S24`: `{"S23": "text", ..}` for the ids
/// `rules/STATEMENTS.md` states (others are left out).
async fn statements(
    params: Result<UrlQuery<StatementParams>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let UrlQuery(p) = params.map_err(|e| bad_json(e.body_text()))?;
    let mut out = serde_json::Map::new();
    for id in p.ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let tag = format!("- **{id}** ");
        if let Some(text) = STATEMENTS
            .lines()
            .find_map(|l| l.strip_prefix(tag.as_str()))
        {
            out.insert(id.to_string(), json!(text));
        }
    }
    Ok(Json::Object(out).into())
}

#[cfg(test)]
mod tests {
    use super::Gate;

    #[test]
    fn a_gate_lets_one_through_until_it_leaves() {
        let gate = Gate::default();
        let first = gate.try_enter();
        assert!(first.is_some());
        assert!(
            gate.try_enter().is_none(),
            "a second is refused while one is in"
        );
        drop(first);
        assert!(
            gate.try_enter().is_some(),
            "the gate opens when the first leaves"
        );
    }
}
