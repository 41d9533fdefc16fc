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
/// reader of the page may try a fix; applying it still takes the token.
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
        super::changes::change(server, &change, "explorer").map(Into::into)
    })
    .await
}

/// The rows of a query over the live model, as plain strings.
fn rows(live: &Live, text: &str) -> Vec<Vec<String>> {
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

/// One hit: what it is, its name, the tenant it lives in, a line to show under it.
struct Hit {
    rank: u8,
    kind: &'static str,
    name: String,
    tenant: Option<String>,
    detail: String,
}

/// `GET /v1/explore/search?q=sam&offset=0&limit=20`: names containing `q` (case
/// ignored), exact matches first, then prefixes, then the rest, each by kind and name:
/// `{"q", "items": [{"kind", "name", "tenant", "detail"}], "total", "next_offset",
/// "revision"}`.
async fn search(
    State(server): State<Arc<Server>>,
    params: Result<UrlQuery<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let UrlQuery(p) = params.map_err(|e| bad_json(e.body_text()))?;
    let limit = p.limit.unwrap_or(20).clamp(1, MAX_PAGE);
    blocking(&server, move |server| {
        let live = server.read();
        let needle = p.q.trim().to_lowercase();
        let rank = |name: &str| -> Option<u8> {
            let n = name.to_lowercase();
            if n == needle {
                Some(0)
            } else if n.starts_with(&needle) {
                Some(1)
            } else if n.contains(&needle) {
                Some(2)
            } else {
                None
            }
        };
        let mut hits = Vec::new();
        for r in rows(&live, "user(U, K)") {
            if let Some(rank) = rank(&r[0]) {
                hits.push(Hit {
                    rank,
                    kind: "user",
                    name: r[0].clone(),
                    tenant: None,
                    detail: r[1].clone(),
                });
            }
        }
        for r in rows(&live, "tenant(T)") {
            if let Some(rank) = rank(&r[0]) {
                hits.push(Hit {
                    rank,
                    kind: "tenant",
                    name: r[0].clone(),
                    tenant: None,
                    detail: String::new(),
                });
            }
        }
        let workload_kinds: Vec<String> = rows(&live, "workload_kind(K)")
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect();
        for r in rows(&live, "resource(T, K, N, O, S)") {
            if let Some(rank) = rank(&r[2]) {
                let workload = workload_kinds.contains(&r[1]);
                hits.push(Hit {
                    rank,
                    kind: if workload { "workload" } else { "resource" },
                    name: r[2].clone(),
                    tenant: Some(r[0].clone()),
                    detail: format!("{} owned by {}", r[1], r[3]),
                });
            }
        }
        hits.sort_by(|a, b| {
            (a.rank, a.kind, &a.name, &a.tenant).cmp(&(b.rank, b.kind, &b.name, &b.tenant))
        });
        let total = hits.len();
        let end = p.offset.saturating_add(limit).min(total);
        let items: Vec<Json> = hits
            .iter()
            .skip(p.offset)
            .take(limit)
            .map(
                |h| json!({"kind": h.kind, "name": h.name, "tenant": h.tenant, "detail": h.detail}),
            )
            .collect();
        Ok(json!({
            "q": p.q,
            "items": items,
            "total": total,
            "offset": p.offset,
            "next_offset": (end < total).then_some(end),
            "revision": live.revision,
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
