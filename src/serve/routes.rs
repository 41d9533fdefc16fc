//! The router, and the handlers of decisions: query, check (with proof or why-not),
//! checks on one snapshot, audit, history, health.

use super::api::{bad_json, request_text, warnings, ApiError};
use super::changes::{change, ChangeRequest};
use super::state::Server;
use crate::explain::{why, why_not, ExplainOptions};
use crate::syntax::ast::{Atom, Const, Literal, Query, Term};
use crate::syntax::{parse_atom, parse_query};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query as UrlQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

type Answer = Result<axum::Json<Json>, ApiError>;

/// Most checks in one `POST /v1/checks`.
pub const MAX_CHECKS: usize = 10_000;

pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(super::metrics::metrics))
        .route("/v1/query", post(query))
        .route("/v1/check", post(check))
        .route("/v1/checks", post(checks))
        .route("/v1/changes", post(changes))
        .route("/v1/watch", get(super::watch::watch))
        .route("/v1/history", get(history))
        .route("/v1/audit/{user}", get(audit))
        .route(
            "/access/v1/evaluation",
            post(super::authzen::evaluation_endpoint),
        )
        .route(
            "/access/v1/evaluations",
            post(super::authzen::evaluations_endpoint),
        )
        .route(
            "/access/v1/search/subject",
            post(super::authzen::search_subject_endpoint),
        )
        .route(
            "/access/v1/search/resource",
            post(super::authzen::search_resource_endpoint),
        )
        .route(
            "/access/v1/search/action",
            post(super::authzen::search_action_endpoint),
        )
        .route(
            "/.well-known/authzen-configuration",
            get(super::authzen::configuration_endpoint),
        )
        .merge(super::explore_api::routes().merge(super::explorer::routes()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            super::metrics::observe,
        ))
        .layer(DefaultBodyLimit::max(server.max_body))
        .with_state(server)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint: see docs/server.md (POST /v1/query, /v1/check, /v1/checks, /v1/changes; GET /v1/watch, /v1/history, /v1/audit/USER, /health, /ready, /metrics)",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint takes another method: the /v1 decisions and changes are POST with a JSON body; watch, history, audit, health, ready and metrics are GET",
    )
}

/// The JSON body of a request; a body over the size limit is 413, anything that is not
/// the expected JSON 400 (with serde's line and column).
pub(super) fn body<T: DeserializeOwned>(
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = bytes.map_err(|e| {
        let status = e.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_body"
        };
        ApiError::new(status, code, e.body_text())
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| bad_json(format!("the body is not the JSON this endpoint takes: {e}")))
}

/// Waits for `at_least_revision`, when asked (bounded).
async fn reach(server: &Server, revision: Option<u64>) -> Result<(), ApiError> {
    match revision {
        Some(n) if !server.wait_for(n).await => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "revision_not_reached",
            format!(
                "revision {n} was not reached within {} s (the model is at {})",
                super::state::MAX_REVISION_WAIT.as_secs(),
                server.revision()
            ),
        )
        .with_revision(server.revision())),
        _ => Ok(()),
    }
}

/// Runs engine work that may take long on a blocking thread, bounded by the limits.
pub(super) async fn blocking<T: Send + 'static>(
    server: &Arc<Server>,
    work: impl FnOnce(&Server) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let server = Arc::clone(server);
    tokio::task::spawn_blocking(move || {
        let _scope = crate::engine::limits::Scope::enter(&server.limits);
        work(&server)
    })
    .await
    .unwrap_or_else(|e| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the request failed: {e}"),
        ))
    })
}

async fn health(State(server): State<Arc<Server>>) -> axum::Json<Json> {
    let mut out = json!({
        "status": "ok",
        "revision": server.revision(),
        "history": if server.history.is_some() { "sqlite" } else { "memory" },
    });
    // With --watch: the last reading of the files; a file that does not load is shown
    // here (located) while the last good revision keeps serving.
    if let Some(files) = server.files.get() {
        if files["ok"] == false {
            out["status"] = json!("degraded");
        }
        out["files"] = files;
    }
    out.into()
}

async fn ready(State(server): State<Arc<Server>>) -> Response {
    if server.ready.load(std::sync::atomic::Ordering::Relaxed) {
        axum::Json(json!({"ready": true, "revision": server.revision()})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"ready": false})),
        )
            .into_response()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    query: String,
    #[serde(default)]
    at_least_revision: Option<u64>,
    /// Rows to skip (the rows are sorted, so pages are stable within a revision).
    #[serde(default)]
    offset: usize,
    /// Most rows answered ([`QUERY_ROWS`] unless given).
    #[serde(default)]
    limit: Option<usize>,
}

/// Rows a query answers unless it asks for another `limit`.
pub const QUERY_ROWS: usize = 10_000;

/// `POST /v1/query {"query": "permission(sam, T, R, P)"}`:
/// `{"columns", "rows": [{"T": ..}], "total", "next_offset", "revision", "warnings"}`.
async fn query(State(server): State<Arc<Server>>, bytes: Result<Bytes, BytesRejection>) -> Answer {
    let req: QueryRequest = body(bytes)?;
    reach(&server, req.at_least_revision).await?;
    blocking(&server, move |server| {
        let (sources, file) = request_text("query", &req.query);
        let mut q = parse_query(&sources, file).map_err(|d| ApiError::diagnostics(&d, &sources))?;
        let live = server.read();
        let warns = crate::lint::check_query(live.ws.model.symbols(), &mut q);
        let answer = live
            .ws
            .model
            .query(&live.ws.sources, &q)
            .map_err(|d| ApiError::diagnostics(&d, &sources).with_revision(live.revision))?;
        let total = answer.rows.len();
        let limit = req.limit.unwrap_or(QUERY_ROWS);
        let end = req.offset.saturating_add(limit).min(total);
        let next = (end < total).then_some(end);
        let rows: Vec<Json> = answer
            .rows
            .iter()
            .skip(req.offset)
            .take(limit)
            .map(|r| {
                let obj: serde_json::Map<String, Json> = answer
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.clone(), crate::table::json_value(v)))
                    .collect();
                Json::Object(obj)
            })
            .collect();
        Ok(json!({
            "columns": answer.columns,
            "rows": rows,
            "total": total,
            "next_offset": next,
            "revision": live.revision,
            "warnings": warnings(&warns, &sources),
        })
        .into())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    fact: String,
    #[serde(default)]
    explain: Option<Explain>,
    #[serde(default)]
    at_least_revision: Option<u64>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Explain {
    Proof,
    Whynot,
}

/// A fact of a request, parsed and checked; ground (no variables).
fn ground_fact(field: &str, text: &str) -> Result<(crate::source::SourceMap, Atom), ApiError> {
    let (sources, file) = request_text(field, text);
    let atom = parse_atom(&sources, file).map_err(|d| ApiError::diagnostics(&d, &sources))?;
    if let Some(span) = atom.args.iter().find_map(|t| match t {
        Term::Var(v) => Some(v.span),
        Term::Anonymous(s) => Some(*s),
        Term::Const(..) => None,
    }) {
        let d = crate::diag::Diagnostic::error("E0901", "a check takes a fact without variables")
            .at(span)
            .label("a variable")
            .help("name a constant here, or ask POST /v1/query for every answer");
        return Err(ApiError::diagnostics(&[d], &sources));
    }
    Ok((sources, atom))
}

/// Whether a ground fact holds (its relation and arity checked as a query's are).
fn holds(
    live: &super::state::Live,
    atom: &Atom,
    sources: &crate::source::SourceMap,
) -> Result<bool, ApiError> {
    let q = Query {
        span: atom.span,
        literals: vec![Literal::Positive(atom.clone())],
    };
    live.ws
        .model
        .holds(&live.ws.sources, &q)
        .map_err(|d| ApiError::diagnostics(&d, sources).with_revision(live.revision))
}

/// `POST /v1/check {"fact": "can_run(engineering, sales-360)", "explain": "whynot"}`:
/// `{"fact", "holds", "revision"}`, with `"proof"` (when it holds) or `"whynot"` (when
/// not) as `grantlog explain --format json` prints them.
async fn check(
    State(server): State<Arc<Server>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: CheckRequest = body(bytes)?;
    reach(&server, req.at_least_revision).await?;
    let (sources, mut atom) = ground_fact("fact", &req.fact)?;
    if req.explain.is_none() {
        // The common case answers on the async worker: a lookup, microseconds. While a
        // change holds the model (or waits for it), the check waits on a blocking thread
        // instead: a worker blocked on the lock would hold up every other connection it
        // serves (health, metrics, the watch stream), on 2 cores half the server.
        if let Some(live) = server.try_read() {
            return plain_check(&live, atom, &sources);
        }
        return blocking(&server, move |server| {
            plain_check(&server.read(), atom, &sources)
        })
        .await;
    }
    let explain = req.explain;
    blocking(&server, move |server| {
        let opts = ExplainOptions::default();
        if explain == Some(Explain::Whynot) {
            // Why-not verifies its fixes on the live model in a transaction it rolls back:
            // it takes the write lock, and readers wait for it as for a change.
            let mut live = server.write();
            let warns = crate::lint::check_atom(live.ws.model.symbols(), &mut atom);
            let holds = holds(&live, &atom, &sources)?;
            let mut out = check_json(&atom, holds, live.revision, &warns, &sources);
            let live = &mut *live;
            out["whynot"] = if holds {
                Json::Null
            } else {
                let w = why_not(&mut live.ws.model, &live.ws.sources, &atom, &opts)
                    .map_err(|d| ApiError::diagnostics(&d, &sources))?;
                w.to_json(&live.ws.sources)
            };
            finish_scope()?;
            return Ok(axum::Json(out).into_response());
        }
        let live = server.read();
        let warns = crate::lint::check_atom(live.ws.model.symbols(), &mut atom);
        let holds = holds(&live, &atom, &sources)?;
        let mut out = check_json(&atom, holds, live.revision, &warns, &sources);
        out["proof"] = if holds {
            let p = why(&live.ws.model, &live.ws.sources, &atom, &opts)
                .map_err(|d| ApiError::diagnostics(&d, &sources))?;
            p.to_json(&live.ws.sources)
        } else {
            Json::Null
        };
        finish_scope()?;
        Ok(axum::Json(out).into_response())
    })
    .await
}

/// The answer of a check without explanation, serialised as it is: the common request
/// builds no JSON tree (the same members as [`check_json`]'s, in the same order).
#[derive(serde::Serialize)]
struct PlainCheck {
    fact: String,
    holds: bool,
    revision: u64,
    warnings: Json,
}

/// A check without explanation: `{"fact", "holds", "revision", "warnings"}`.
fn plain_check(
    live: &super::state::Live,
    mut atom: Atom,
    sources: &crate::source::SourceMap,
) -> Result<Response, ApiError> {
    let warns = crate::lint::check_atom(live.ws.model.symbols(), &mut atom);
    let holds = holds(live, &atom, sources)?;
    let answer = PlainCheck {
        fact: fact_text(&atom),
        holds,
        revision: live.revision,
        warnings: warnings(&warns, sources),
    };
    Ok(axum::Json(answer).into_response())
}

/// An explanation cut short by a limit is an error, not a partial answer.
fn finish_scope() -> Result<(), ApiError> {
    crate::engine::limits::check()
        .map_err(|e| ApiError::diagnostics(&[e.into()], &crate::source::SourceMap::new()))
}

fn fact_text(atom: &Atom) -> String {
    let mut text = String::with_capacity(64);
    text.push_str(&atom.relation.name);
    text.push('(');
    for (i, t) in atom.args.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        match t {
            Term::Const(Const::Sym(s), _) => text.push_str(s),
            Term::Const(Const::Num(n), _) => text.push_str(&n.to_string()),
            _ => text.push('_'),
        }
    }
    text.push(')');
    text
}

fn check_json(
    atom: &Atom,
    holds: bool,
    revision: u64,
    warns: &[crate::diag::Diagnostic],
    sources: &crate::source::SourceMap,
) -> Json {
    json!({
        "fact": fact_text(atom),
        "holds": holds,
        "revision": revision,
        "warnings": warnings(warns, sources),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksRequest {
    checks: Vec<CheckItem>,
    #[serde(default)]
    at_least_revision: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckItem {
    fact: String,
}

/// `POST /v1/checks {"checks": [{"fact": ..}, ..]}`: every check answered on one
/// snapshot: `{"revision", "results": [{"fact", "holds"} | {"fact", "error"}]}`.
async fn checks(State(server): State<Arc<Server>>, bytes: Result<Bytes, BytesRejection>) -> Answer {
    let req: ChecksRequest = body(bytes)?;
    if req.checks.len() > MAX_CHECKS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_checks",
            format!(
                "{} checks in one request; at most {MAX_CHECKS}",
                req.checks.len()
            ),
        ));
    }
    reach(&server, req.at_least_revision).await?;
    let parsed: Vec<_> = req
        .checks
        .iter()
        .map(|c| ground_fact("fact", &c.fact))
        .collect();
    blocking(&server, move |server| {
        let live = server.read();
        let results: Vec<Json> = parsed
            .into_iter()
            .zip(&req.checks)
            .map(|(p, item)| {
                let answer =
                    p.and_then(|(sources, atom)| holds(&live, &atom, &sources).map(|h| (atom, h)));
                match answer {
                    Ok((atom, h)) => json!({"fact": fact_text(&atom), "holds": h}),
                    Err(e) => json!({"fact": item.fact, "error": e.body["error"]}),
                }
            })
            .collect();
        Ok(json!({"revision": live.revision, "results": results}).into())
    })
    .await
}

/// `POST /v1/changes`: see [`super::changes`]. Needs the token when the server has one.
async fn changes(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Answer {
    super::auth::require_token(server.token.as_deref(), &headers)?;
    let req: ChangeRequest = body(bytes)?;
    blocking(&server, move |server| {
        change(server, &req, "api").map(Into::into)
    })
    .await
}

/// `GET /v1/audit/{user}`: what `grantlog audit USER --format json` prints, with the
/// revision.
async fn audit(State(server): State<Arc<Server>>, Path(user): Path<String>) -> Answer {
    blocking(&server, move |server| {
        let live = server.read();
        match crate::audit::audit(&live.ws.model, &live.ws.sources, &user) {
            Ok(a) => {
                let mut out = a.to_json();
                out["revision"] = json!(live.revision);
                Ok(out.into())
            }
            Err(d) => {
                let mut e = ApiError::diagnostics(std::slice::from_ref(&d), &live.ws.sources)
                    .with_revision(live.revision);
                if d.code == crate::audit::UNKNOWN_USER {
                    e.status = StatusCode::NOT_FOUND;
                }
                Err(e)
            }
        }
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    fact: String,
}

/// `GET /v1/history?fact=can_run(engineering,sales-360)`: when the decision became true or
/// false, and by which change: `{"fact", "holds", "revision", "complete", "changes": [..]}`.
async fn history(
    State(server): State<Arc<Server>>,
    params: Result<UrlQuery<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let UrlQuery(params) = params.map_err(|e| bad_json(e.body_text()))?;
    let (sources, atom) = ground_fact("fact", &params.fact)?;
    blocking(&server, move |server| {
        let live = server.read();
        let now = holds(&live, &atom, &sources)?;
        let key = super::history::fact_text(
            &atom.relation.name,
            &atom
                .args
                .iter()
                .filter_map(|t| match t {
                    Term::Const(c, _) => Some(c.clone()),
                    _ => None,
                })
                .collect::<Vec<Const>>(),
        );
        let decision = live.decisions.contains(&atom.relation.name);
        let (flips, complete) = match &server.history {
            Some(h) => {
                let h = h.lock().unwrap_or_else(|e| e.into_inner());
                let flips = h
                    .flips(&key)
                    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "history_failed", e))?;
                let list: Vec<Json> = flips
                    .into_iter()
                    .map(|f| {
                        json!({"revision": f.revision, "at": f.at, "author": f.author, "source": f.source,
                               "change": {"assert": f.assert, "retract": f.retract}, "holds": f.holds})
                    })
                    .collect();
                (list, true)
            }
            None => server.events.flips(&key),
        };
        Ok(json!({
            "fact": key,
            "holds": now,
            "revision": live.revision,
            "decision": decision,
            "complete": complete,
            "changes": flips,
        })
        .into())
    })
    .await
}
