//! DataOS resource manifests (YAML, one or many documents per file, v1 and v2 layouts)
//! as `resource` statements.
//!
//! Both layouts are read the same way: every top-level key except the header (`name`,
//! `version`, `type`, `owner`, ...) is a section (`spec:` in v2; `workflow:`, `depot:`,
//! `cluster:` + `minerva:` in v1), and the sections are searched for the fields that
//! name identities and dependencies wherever they sit (`dag[].spec.compute`,
//! `cluster.runAsUser`, `minerva.depots[].address`, `stackSpec.inputs[].dataset`, ...):
//! - `compute: C`, `runAsUser: U`, `cluster: C` / `clusters:`, `depot: D` / `depots:`
//!   (scalar values);
//! - `clusterName: C` (a Soda check's `stackSpec.inputs[].options`: it queries through
//!   that cluster);
//! - `source:` / `sources:` entries `{type, name}` (Lens, Talos): `type: minerva` or
//!   `themis` names a cluster, `type: depot` a depot;
//! - `dataosSecrets: [{name}]`, and `secrets: [{name}]` (v1) or `[{id: "tenant:secret"}]`
//!   (v2): the secrets used (for a depot: its linked secrets);
//! - any `dataos://DEPOT...` address (Flare's `inputs[].dataset`, `outputs[].depot`,
//!   Scanner's `depot`, Soda's `inputs[].dataset`): a dependency on that depot.
//!
//! Any other field whose name says it names a dependency (`clusterRef`, `depotId`, a
//! `source` of another type, ...) is warning I0204: a dependency not seen would make a
//! workload look runnable when it is not. docs/import.md lists what is read, per stack.

use super::grant;
use super::yaml::missing;
use super::yaml::{documents, Node, Value};
use super::{name, tenant_from_path};
use crate::diag::Diagnostic;
use crate::facts::{Field, Name, Stmt, StmtKind};
use crate::source::{FileId, Span};

/// Header keys: everything else at the top level is a section.
const HEADER: &[&str] = &[
    "name",
    "version",
    "type",
    "tags",
    "description",
    "owner",
    "layer",
    "tenant",
    "workspace",
];

/// Manifest `type:` -> resource kind of the rules.
pub(super) fn kind_of(t: &str) -> Option<&'static str> {
    Some(match t {
        "workflow" => "workflow",
        "service" => "service",
        "worker" => "worker",
        "depot" => "depot",
        "secret" | "instance-secret" => "secret",
        "compute" => "compute",
        "cluster" | "minerva" => "cluster",
        "lakehouse" => "lakehouse",
        "nilus" => "nilus",
        "vulcan" => "vulcan",
        "data-product" | "dataproduct" | "data" => "data-product",
        _ => return None,
    })
}

pub fn statements(text: &str, file: FileId, path: &str) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let docs = match documents(text, file) {
        Ok(d) => d,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut stmts = Vec::new();
    let mut diags = Vec::new();
    for doc in &docs {
        if doc.str().is_none() && matches!(doc.value, Value::Scalar { .. }) {
            continue; // an empty document (`---` at the end)
        }
        match document(doc, path) {
            Ok((s, w)) => {
                stmts.extend(s);
                diags.extend(w);
            }
            Err(d) => diags.push(d),
        }
    }
    (stmts, diags)
}

type Out = (Vec<Stmt>, Vec<Diagnostic>);

fn document(doc: &Node, path: &str) -> Result<Out, Diagnostic> {
    if !matches!(doc.value, Value::Map(_)) {
        return Err(
            Diagnostic::error("I0102", "a manifest must be a mapping of fields")
                .at(doc.span)
                .help("start the document with `name:`, `version:`, `type:`"),
        );
    }
    let at = Span::new(
        doc.span.file,
        doc.span.start as usize,
        doc.span.start as usize,
    );
    let ty = doc
        .get("type")
        .and_then(|t| t.str().map(|s| (s, t)))
        .ok_or_else(|| {
            missing(
                "type",
                "this manifest",
                at,
                "add `type: workflow` (or depot, secret, compute, cluster, service, ...)",
            )
        })?;
    let res = doc
        .get("name")
        .filter(|n| n.str().is_some())
        .ok_or_else(|| {
            missing(
                "name",
                &format!("this {} manifest", ty.0),
                at,
                "add `name: ...` at the top level",
            )
        })?;
    if ty.0 == "grant" {
        return grant::statements(doc, res);
    }
    let Some(kind) = kind_of(ty.0) else {
        let w = Diagnostic::warning(
            "I0201",
            format!("manifest type `{}` is not imported; document skipped", ty.0),
        )
        .at(ty.1.span)
        .label("not a resource kind of the rules")
        .help("imported types: workflow, service, worker, depot, secret, instance-secret, compute, cluster, minerva, lakehouse, data-product, grant");
        return Ok((Vec::new(), vec![w]));
    };
    let what = format!("{} \"{}\"", ty.0, res.str().unwrap_or(""));
    let owner = doc
        .get("owner")
        .filter(|o| o.str().is_some())
        .ok_or_else(|| {
            missing(
                "owner",
                &what,
                at,
                "add `owner: USER` (whom the resource belongs to) at the top level",
            )
        })?;
    let tenant = match doc.get("tenant").filter(|t| t.str().is_some()) {
        Some(t) => name(t),
        None => match tenant_from_path(path) {
            Some(t) => Name {
                text: t,
                span: at,
                quoted: false,
                capitalised: false,
            },
            None => {
                return Err(Diagnostic::error("I0103", format!("{what}: no tenant"))
                    .at(at)
                    .label("which tenant is this resource in?")
                    .help("add `tenant: NAME` to the manifest, or put the file under a directory tenants/NAME/"))
            }
        },
    };
    let mut fields = Fields::default();
    fields.add("type", ty.1.span, kind_name(kind, ty.1));
    fields.add("owner", owner.span, name(owner));
    if let Value::Map(entries) = &doc.value {
        for (k, v) in entries {
            if !k.str().is_some_and(|k| HEADER.contains(&k)) {
                fields.walk(v);
            }
        }
    }
    let warnings = fields.1;
    // The statement is cited at its `name:` line (not the document's first line, which
    // may be `version:` or a comment).
    let named = doc
        .entry("name")
        .map_or(res.span, |(k, v)| k.span.to(v.span));
    let stmt = Stmt {
        kind: StmtKind::Resource {
            name: name(res),
            tenant,
            fields: fields.0,
        },
        span: named,
    };
    Ok((vec![stmt], warnings))
}

fn kind_name(kind: &str, at: &Node) -> Name {
    Name {
        text: kind.to_owned(),
        span: at.span,
        quoted: kind.contains('-'),
        capitalised: false,
    }
}

/// The fields of one resource statement, each value once, and the warnings about
/// fields that look like dependencies but are not read.
#[derive(Default)]
struct Fields(Vec<Field>, Vec<Diagnostic>);

/// Parts of a field name that say it names a dependency (compared lowercased).
const DEPENDENCY_WORDS: &[&str] = &["cluster", "depot", "secret", "compute", "runas", "source"];

/// Fields with such a word that name no dependency: what a resource defines itself
/// (a lakehouse's `depotName`), a secret's own settings.
const NOT_DEPENDENCIES: &[&str] = &["depotName", "secretName", "computeType", "sourceType"];

impl Fields {
    fn add(&mut self, field: &str, key: Span, v: Name) {
        match self.0.iter_mut().find(|f| f.name.text == field) {
            Some(f) if f.values.iter().any(|x| x.text == v.text) => {}
            Some(f) => f.values.push(v),
            None => self.0.push(Field {
                name: Name {
                    text: field.to_owned(),
                    span: key,
                    quoted: false,
                    capitalised: false,
                },
                values: vec![v],
            }),
        }
    }

    fn walk(&mut self, node: &Node) {
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let key = k.str().unwrap_or("");
                    let scalars = || v.items().into_iter().filter(|n| n.str().is_some());
                    match key {
                        "compute" | "runAsUser" | "cluster" | "clusters" | "depot" | "depots"
                            if scalars().count() == v.items().len() =>
                        {
                            let field = key.trim_end_matches('s');
                            for n in scalars() {
                                self.add(field, k.span, name(n));
                            }
                        }
                        "clusterName" if v.str().is_some() => {
                            self.add("cluster", k.span, name(v));
                        }
                        "source" | "sources"
                            if v.items().iter().all(|i| i.get("type").is_some()) =>
                        {
                            for item in v.items() {
                                self.source(k, item);
                            }
                        }
                        "dataosSecrets" | "secrets" => {
                            for item in v.items() {
                                let id = item
                                    .str()
                                    .map(|_| item)
                                    .or_else(|| item.get("id").or_else(|| item.get("name")));
                                match id.filter(|n| n.str().is_some()) {
                                    Some(n) => self.add("secret", k.span, name(n)),
                                    None => self.walk(item),
                                }
                            }
                        }
                        _ => {
                            self.unread(k, v);
                            self.walk(v)
                        }
                    }
                }
            }
            Value::Seq(items) => items.iter().for_each(|n| self.walk(n)),
            Value::Scalar { text, .. } if text.starts_with("dataos://") => {
                self.add("depot", node.span, name(node));
            }
            Value::Scalar { .. } => {}
        }
    }
}

impl Fields {
    /// A Lens or Talos `source: {type, name}`: a cluster or a depot; another type is
    /// I0204 (not a dependency the rules know).
    fn source(&mut self, key: &Node, item: &Node) {
        let ty = item.get("type").and_then(Node::str).unwrap_or("");
        let field = match ty {
            "minerva" | "themis" | "cluster" => "cluster",
            "depot" => "depot",
            _ => {
                self.1.push(
                    Diagnostic::warning(
                        "I0204",
                        format!("a `{}` of type `{ty}` is not read as a dependency", key.str().unwrap_or("source")),
                    )
                    .at(item.span)
                    .label("not a cluster or a depot")
                    .help("if this resource needs it to run, state the dependency in a .facts file: `resource NAME in TENANT ... depot: D.`"),
                );
                return;
            }
        };
        match item.get("name").filter(|n| n.str().is_some()) {
            Some(n) => self.add(field, key.span, name(n)),
            None => self.walk(item),
        }
    }

    /// I0204 for a scalar field whose name says it names a dependency but that is not
    /// read (a `dataos://` address in it is read all the same).
    fn unread(&mut self, key: &Node, value: &Node) {
        let Some(k) = key.str() else { return };
        let lower = k.to_ascii_lowercase();
        let looks = DEPENDENCY_WORDS.iter().any(|w| lower.contains(w));
        let scalars: Vec<&Node> = value
            .items()
            .into_iter()
            .filter(|n| n.str().is_some())
            .collect();
        if !looks || NOT_DEPENDENCIES.contains(&k) || scalars.is_empty() {
            return;
        }
        if scalars
            .iter()
            .all(|n| n.str().is_some_and(|t| t.starts_with("dataos://")))
        {
            return;
        }
        self.1.push(
            Diagnostic::warning(
                "I0204",
                format!("field `{k}` looks like a dependency but is not read"),
            )
            .at(key.span)
            .label("not a field grantlog reads")
            .help("docs/import.md lists the fields read; if this resource needs it to run, state the dependency in a .facts file or rename the field (e.g. `cluster:`, `depot:`)"),
        );
    }
}
