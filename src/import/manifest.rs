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
//! - `dataosSecrets: [{name}]`, and `secrets: [{name}]` (v1) or `[{id: "tenant:secret"}]`
//!   (v2): the secrets used (for a depot: its linked secrets);
//! - any `dataos://DEPOT...` address: a dependency on that depot.

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
    let stmt = Stmt {
        kind: StmtKind::Resource {
            name: name(res),
            tenant,
            fields: fields.0,
        },
        span: Span::new(
            doc.span.file,
            doc.span.start as usize,
            doc.span.end as usize,
        ),
    };
    Ok((vec![stmt], Vec::new()))
}

fn kind_name(kind: &str, at: &Node) -> Name {
    Name {
        text: kind.to_owned(),
        span: at.span,
        quoted: kind.contains('-'),
        capitalised: false,
    }
}

/// The fields of one resource statement, each value once.
#[derive(Default)]
struct Fields(Vec<Field>);

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
                        _ => self.walk(v),
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
