//! The AuthZEN Authorization API 1.0: `POST /access/v1/evaluation`, `/evaluations` (with
//! `execute_all`, `deny_on_first_deny`, `permit_on_first_permit`),
//! `/access/v1/search/subject|resource|action`, and `/.well-known/authzen-configuration`.
//!
//! How subjects, actions and resources map to relations is not in this code: a JSON file
//! beside the rules (`rules/dataos.authzen.json` for the shipped ones) gives, per subject
//! type and resource type, a query that says what such an entity is, and per action the
//! decision it asks, with `$subject`, `$resource` and `$tenant` for the request's ids.

use super::api::ApiError;
use super::state::Live;
use crate::load::Text;
use crate::program::Program;
use crate::syntax::parse_query;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// A mapping file, read and checked against the rules.
#[derive(Debug, Deserialize)]
pub struct Mapping {
    #[serde(skip)]
    pub file: String,
    #[serde(default)]
    pub about: String,
    pub subjects: BTreeMap<String, String>,
    pub resources: BTreeMap<String, String>,
    pub actions: BTreeMap<String, ActionMap>,
    /// The queries resolved once for the running program (see [`super::authzen_probe`]).
    #[serde(skip)]
    probes: parking_lot::RwLock<Option<std::sync::Arc<Probes>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionMap {
    pub resources: Vec<String>,
    pub decision: String,
}

/// What a `$name` becomes in a query: a request's id, or a variable to find.
#[derive(Clone, Copy)]
enum Slot<'a> {
    Id(&'a str),
    Find(&'a str),
}

impl Slot<'_> {
    fn text(self) -> String {
        match self {
            Slot::Id(id) => {
                let escaped = id.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{escaped}\"")
            }
            Slot::Find(var) => var.to_string(),
        }
    }
}

use super::authzen_probe::{Probes, RESOURCE, SUBJECT, TENANT};

impl Mapping {
    /// Reads a mapping and checks each query against `program` (relations, arity):
    /// `Err` names the file, the entry and the diagnostic.
    pub fn read(text: &Text, program: &Program) -> Result<Mapping, String> {
        let mut m: Mapping = serde_json::from_str(&text.text)
            .map_err(|e| format!("error: {}:{}:{}: {e}", text.name, e.line(), e.column()))?;
        m.file = text.name.clone();
        let find = (
            Slot::Find(SUBJECT),
            Slot::Find(RESOURCE),
            Slot::Find(TENANT),
        );
        let check = |what: String, template: &str| -> Result<(), String> {
            let query = fill(template, find.0, find.1, find.2);
            let (sources, file) = super::api::request_text(&what, &query);
            parse_query(&sources, file)
                .and_then(|q| program.resolve_query(&q).map(|_| ()))
                .map_err(|d| {
                    format!(
                        "error: {}: {what} is not a query of these rules:\n{}",
                        text.name,
                        crate::diag::render_all(&d, &sources)
                    )
                })
        };
        for (name, t) in m.subjects.iter() {
            check(format!("subjects.{name}"), t)?;
        }
        for (name, t) in m.resources.iter() {
            check(format!("resources.{name}"), t)?;
        }
        for (name, a) in m.actions.iter() {
            check(format!("actions.{name}.decision"), &a.decision)?;
            if let Some(r) = a.resources.iter().find(|r| !m.resources.contains_key(*r)) {
                return Err(format!(
                    "error: {}: actions.{name} names the resource type `{r}`, which `resources` does not map",
                    text.name
                ));
            }
        }
        Ok(m)
    }
}

impl Mapping {
    /// The probes for the live model's program, resolved again when the rules changed.
    fn probes(&self, live: &Live) -> std::sync::Arc<Probes> {
        let program = live.ws.model.program_arc();
        if let Some(p) = self.probes.read().as_ref().filter(|p| p.is_for(program)) {
            return std::sync::Arc::clone(p);
        }
        let built = std::sync::Arc::new(Probes::build(self, program));
        *self.probes.write() = Some(std::sync::Arc::clone(&built));
        built
    }
}

/// `template` with `$subject`, `$resource` and `$tenant` replaced.
fn fill(template: &str, subject: Slot, resource: Slot, tenant: Slot) -> String {
    template
        .replace("$subject", &subject.text())
        .replace("$resource", &resource.text())
        .replace("$tenant", &tenant.text())
}

/// An entity of a request: `{"type", "id", "properties"}` (a subject or a resource).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub properties: Option<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Action {
    pub name: Option<String>,
}

/// The body of evaluation, evaluations and the searches (the fields each takes).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Request {
    pub subject: Option<Entity>,
    pub action: Option<Action>,
    pub resource: Option<Entity>,
    #[serde(default)]
    pub evaluations: Option<Vec<Request>>,
    #[serde(default)]
    pub options: Option<Json>,
    #[serde(default)]
    pub page: Option<Json>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "authzen_bad_request", message)
}

fn known<'a>(what: &str, name: &str, names: impl Iterator<Item = &'a String>) -> ApiError {
    let names: Vec<&str> = names.map(String::as_str).collect();
    bad(format!(
        "unknown {what} `{name}`: the mapping knows {}",
        names.join(", ")
    ))
}

impl Mapping {
    fn subject_query<'a>(&'a self, e: &Entity) -> Result<&'a str, ApiError> {
        let kind = e
            .kind
            .as_deref()
            .ok_or_else(|| bad("the subject needs a `type`"))?;
        self.subjects
            .get(kind)
            .map(String::as_str)
            .ok_or_else(|| known("subject type", kind, self.subjects.keys()))
    }

    fn resource_query<'a>(&'a self, e: &Entity) -> Result<&'a str, ApiError> {
        let kind = e
            .kind
            .as_deref()
            .ok_or_else(|| bad("the resource needs a `type`"))?;
        self.resources
            .get(kind)
            .map(String::as_str)
            .ok_or_else(|| known("resource type", kind, self.resources.keys()))
    }

    fn action<'a>(&'a self, a: &Action, resource: &Entity) -> Result<&'a ActionMap, ApiError> {
        let name = a
            .name
            .as_deref()
            .ok_or_else(|| bad("the action needs a `name`"))?;
        let map = self
            .actions
            .get(name)
            .ok_or_else(|| known("action", name, self.actions.keys()))?;
        let kind = resource.kind.as_deref().unwrap_or("");
        if !map.resources.iter().any(|r| r == kind) {
            return Err(bad(format!(
                "the action `{name}` applies to {}, not to `{kind}`",
                map.resources.join(", ")
            )));
        }
        Ok(map)
    }

    /// The query of one evaluation, with slots for what is to be found.
    fn query(
        &self,
        action: &ActionMap,
        subject: (&str, Slot),
        resource: (&str, Slot),
        tenant: Slot,
    ) -> String {
        [action.decision.as_str(), subject.0, resource.0]
            .iter()
            .map(|t| fill(t, subject.1, resource.1, tenant))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A resource's tenant: `properties.tenant`, or a variable (found by the query).
fn tenant(e: &Entity) -> Slot<'_> {
    match e
        .properties
        .as_ref()
        .and_then(|p| p.get("tenant"))
        .and_then(Json::as_str)
    {
        Some(t) => Slot::Id(t),
        None => Slot::Find(TENANT),
    }
}

fn id<'a>(e: &'a Entity, what: &str) -> Result<&'a str, ApiError> {
    e.id.as_deref()
        .ok_or_else(|| bad(format!("the {what} needs an `id`")))
}

/// Runs a query on the live model: its rows as (column, value) maps.
pub(super) fn run(live: &Live, text: &str) -> Result<(Vec<String>, Vec<Vec<String>>), ApiError> {
    let (sources, file) = super::api::request_text("authzen", text);
    let q = parse_query(&sources, file).map_err(|d| ApiError::diagnostics(&d, &sources))?;
    let a = live
        .ws
        .model
        .query(&live.ws.sources, &q)
        .map_err(|d| ApiError::diagnostics(&d, &sources))?;
    let rows = a
        .rows
        .iter()
        .map(|r| r.iter().map(crate::table::plain).collect())
        .collect();
    Ok((a.columns, rows))
}

/// One evaluation: `{"decision", "context": {"revision", "query"}}`.
pub fn evaluate(m: &Mapping, live: &Live, req: &Request) -> Result<Json, ApiError> {
    let subject = req
        .subject
        .as_ref()
        .ok_or_else(|| bad("an evaluation needs a `subject`"))?;
    let resource = req
        .resource
        .as_ref()
        .ok_or_else(|| bad("an evaluation needs a `resource`"))?;
    let action = req
        .action
        .as_ref()
        .ok_or_else(|| bad("an evaluation needs an `action`"))?;
    let map = m.action(action, resource)?;
    let (subject_id, resource_id) = (id(subject, "subject")?, id(resource, "resource")?);
    let q = m.query(
        map,
        (m.subject_query(subject)?, Slot::Id(subject_id)),
        (m.resource_query(resource)?, Slot::Id(resource_id)),
        tenant(resource),
    );
    // The same query's answer by probes, when it can be (an id with a line break is the
    // parser's to refuse, as before).
    if let Slot::Id(tenant_id) = tenant(resource) {
        let probes = m.probes(live);
        let probe = probes.get(
            action.name.as_deref().unwrap_or(""),
            resource.kind.as_deref().unwrap_or(""),
            subject.kind.as_deref().unwrap_or(""),
        );
        if let Some(probe) = probe {
            if ![subject_id, resource_id, tenant_id]
                .iter()
                .any(|i| i.contains('\n'))
            {
                let decision = probe.holds(&live.ws.model, subject_id, resource_id, tenant_id);
                return Ok(
                    json!({"decision": decision, "context": {"revision": live.revision, "query": q}}),
                );
            }
        }
    }
    let (_, rows) = run(live, &q)?;
    Ok(json!({"decision": !rows.is_empty(), "context": {"revision": live.revision, "query": q}}))
}

/// How a batch stops: `execute_all` (the default), `deny_on_first_deny`,
/// `permit_on_first_permit`.
fn stop_at(options: Option<&Json>) -> Result<Option<bool>, ApiError> {
    match options.and_then(|o| o.get("evaluations_semantic")).map(|v| v.as_str()) {
        None | Some(Some("execute_all")) => Ok(None),
        Some(Some("deny_on_first_deny")) => Ok(Some(false)),
        Some(Some("permit_on_first_permit")) => Ok(Some(true)),
        Some(other) => Err(bad(format!(
            "unknown evaluations_semantic {}: execute_all, deny_on_first_deny or permit_on_first_permit",
            other.map_or("(not a string)".to_string(), |s| format!("`{s}`"))
        ))),
    }
}

/// Evaluations on one snapshot: each item takes the request's subject, action and
/// resource unless it gives its own. An item that is wrong answers `decision: false`
/// with its error in `context`, as the specification asks.
pub fn evaluations(m: &Mapping, live: &Live, req: &Request) -> Result<Json, ApiError> {
    let items = match &req.evaluations {
        Some(items) if !items.is_empty() => items,
        _ => return evaluate(m, live, req),
    };
    if items.len() > super::routes::MAX_CHECKS {
        return Err(bad(format!(
            "at most {} evaluations in one request",
            super::routes::MAX_CHECKS
        )));
    }
    let stop = stop_at(req.options.as_ref())?;
    let mut out = Vec::new();
    for item in items {
        let merged = Request {
            subject: item.subject.clone().or_else(|| req.subject.clone()),
            action: item.action.clone().or_else(|| req.action.clone()),
            resource: item.resource.clone().or_else(|| req.resource.clone()),
            ..Request::default()
        };
        let answer = evaluate(m, live, &merged).unwrap_or_else(|e| {
            json!({"decision": false, "context": {"revision": live.revision, "error": e.body["error"]}})
        });
        let decision = answer["decision"].as_bool();
        out.push(answer);
        if stop.is_some() && decision == stop {
            break;
        }
    }
    Ok(json!({"evaluations": out}))
}

/// Results paged by `page.limit` and `page.token` (an offset this server gave out).
fn paged(results: Vec<Json>, page: Option<&Json>, revision: u64) -> Result<Json, ApiError> {
    let limit = page
        .and_then(|p| p.get("limit"))
        .and_then(Json::as_u64)
        .unwrap_or(1000)
        .clamp(1, 10_000) as usize;
    let from = match page.and_then(|p| p.get("token")).and_then(Json::as_str) {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| bad(format!("page.token `{t}` is not one this server gave")))?,
    };
    let total = results.len();
    let next = if from + limit < total {
        (from + limit).to_string()
    } else {
        String::new()
    };
    let results: Vec<Json> = results.into_iter().skip(from).take(limit).collect();
    Ok(json!({
        "results": results,
        "page": {"next_token": next, "count": total.min(from + limit).saturating_sub(from), "total": total},
        "context": {"revision": revision},
    }))
}

/// `search/subject`: the subjects of the given type for whom the action on the resource
/// is permitted.
pub fn search_subject(m: &Mapping, live: &Live, req: &Request) -> Result<Json, ApiError> {
    let subject = req
        .subject
        .as_ref()
        .ok_or_else(|| bad("a subject search needs a `subject` with its `type`"))?;
    let resource = req
        .resource
        .as_ref()
        .ok_or_else(|| bad("a subject search needs a `resource`"))?;
    let action = req
        .action
        .as_ref()
        .ok_or_else(|| bad("a subject search needs an `action`"))?;
    let map = m.action(action, resource)?;
    let q = m.query(
        map,
        (m.subject_query(subject)?, Slot::Find(SUBJECT)),
        (
            m.resource_query(resource)?,
            Slot::Id(id(resource, "resource")?),
        ),
        tenant(resource),
    );
    let (cols, rows) = run(live, &q)?;
    let at = cols.iter().position(|c| c == SUBJECT).unwrap_or(0);
    let kind = subject.kind.clone().unwrap_or_default();
    let ids: BTreeSet<&String> = rows.iter().filter_map(|r| r.get(at)).collect();
    let results = ids
        .into_iter()
        .map(|i| json!({"type": kind, "id": i}))
        .collect();
    paged(results, req.page.as_ref(), live.revision)
}

/// `search/resource`: the resources of the given type on which the subject may do the
/// action, each with its tenant.
pub fn search_resource(m: &Mapping, live: &Live, req: &Request) -> Result<Json, ApiError> {
    let subject = req
        .subject
        .as_ref()
        .ok_or_else(|| bad("a resource search needs a `subject`"))?;
    let resource = req
        .resource
        .as_ref()
        .ok_or_else(|| bad("a resource search needs a `resource` with its `type`"))?;
    let action = req
        .action
        .as_ref()
        .ok_or_else(|| bad("a resource search needs an `action`"))?;
    let map = m.action(action, resource)?;
    let t = tenant(resource);
    let q = m.query(
        map,
        (m.subject_query(subject)?, Slot::Id(id(subject, "subject")?)),
        (m.resource_query(resource)?, Slot::Find(RESOURCE)),
        t,
    );
    let (cols, rows) = run(live, &q)?;
    let r_at = cols.iter().position(|c| c == RESOURCE);
    let t_at = cols.iter().position(|c| c == TENANT);
    let kind = resource.kind.clone().unwrap_or_default();
    let found: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| {
            let tenant = match (t_at, t) {
                (Some(i), _) => r[i].clone(),
                (None, Slot::Id(t)) => t.to_string(),
                (None, Slot::Find(_)) => String::new(),
            };
            (tenant, r_at.map_or(String::new(), |i| r[i].clone()))
        })
        .collect();
    let results = found
        .into_iter()
        .map(|(t, r)| json!({"type": kind, "id": r, "properties": {"tenant": t}}))
        .collect();
    paged(results, req.page.as_ref(), live.revision)
}

/// `search/action`: the actions the subject may do on the resource.
pub fn search_action(m: &Mapping, live: &Live, req: &Request) -> Result<Json, ApiError> {
    let subject = req
        .subject
        .as_ref()
        .ok_or_else(|| bad("an action search needs a `subject`"))?;
    let resource = req
        .resource
        .as_ref()
        .ok_or_else(|| bad("an action search needs a `resource`"))?;
    let kind = resource.kind.as_deref().unwrap_or("");
    let mut results = Vec::new();
    for (name, map) in &m.actions {
        if !map.resources.iter().any(|r| r == kind) {
            continue;
        }
        let one = Request {
            subject: Some(subject.clone()),
            action: Some(Action {
                name: Some(name.clone()),
            }),
            resource: Some(resource.clone()),
            ..Request::default()
        };
        if evaluate(m, live, &one)?["decision"] == true {
            results.push(json!({"name": name}));
        }
    }
    if results.is_empty() {
        // Say why nothing came back when the resource type is not mapped at all.
        m.resource_query(resource)?;
    }
    paged(results, req.page.as_ref(), live.revision)
}

/// `/.well-known/authzen-configuration`, with the address the client used.
pub fn configuration(base: &str) -> Json {
    json!({
        "policy_decision_point": base,
        "access_evaluation_endpoint": format!("{base}/access/v1/evaluation"),
        "access_evaluations_endpoint": format!("{base}/access/v1/evaluations"),
        "search_subject_endpoint": format!("{base}/access/v1/search/subject"),
        "search_resource_endpoint": format!("{base}/access/v1/search/resource"),
        "search_action_endpoint": format!("{base}/access/v1/search/action"),
    })
}

type Handler = fn(&Mapping, &Live, &Request) -> Result<Json, ApiError>;

/// Runs one AuthZEN endpoint on one snapshot.
async fn handle(
    server: std::sync::Arc<super::state::Server>,
    bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    f: Handler,
) -> Result<axum::Json<Json>, ApiError> {
    let req: Request = super::routes::body(bytes)?;
    if server.authzen.is_none() {
        return Err(no_mapping());
    }
    super::routes::blocking(&server, move |server| {
        let m = server.authzen.as_ref().ok_or_else(no_mapping)?;
        let live = server.read();
        f(m, &live, &req).map(Into::into)
    })
    .await
}

fn no_mapping() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_authzen_mapping",
        "this server has no AuthZEN mapping: start it with --authzen FILE (see rules/dataos.authzen.json)",
    )
}

macro_rules! endpoint {
    ($name:ident, $f:expr) => {
        pub async fn $name(
            axum::extract::State(server): axum::extract::State<
                std::sync::Arc<super::state::Server>,
            >,
            bytes: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
        ) -> Result<axum::Json<Json>, ApiError> {
            handle(server, bytes, $f).await
        }
    };
}

endpoint!(evaluation_endpoint, evaluate);
endpoint!(evaluations_endpoint, evaluations);
endpoint!(search_subject_endpoint, search_subject);
endpoint!(search_resource_endpoint, search_resource);
endpoint!(search_action_endpoint, search_action);

pub async fn configuration_endpoint(headers: axum::http::HeaderMap) -> axum::Json<Json> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    configuration(&format!("http://{host}")).into()
}
