//! Grant manifests (`type: grant`, `policy_use_case_id: run-as-user`) as run-as grants.
//!
//! - `subjects: [users:id:SAM]`: who may run as the identity (the grantee);
//! - `values.run-as-dataos-resource[].path`: the identity, the last segment of the path
//!   (`.../users/dpdeveloper` or `users:id:dpdeveloper`), or Bifrost's `[{userId: ID}]`;
//! - a subject that is a role tag (`roles:id:data-dev`) is error I0104: run-as is
//!   granted to users (S26);
//! - `approve: true`: in effect, set up by `manageAsUser` (the operator who approved and
//!   manages it), else by the manifest's `owner`;
//! - `approve: false` (the default): a request waiting for an operator. It is not a
//!   grant: it produces no fact, only warning I0202 (and a comment in `grantlog import`).

use super::name;
use super::yaml::missing;
use super::yaml::Node;
use crate::diag::Diagnostic;
use crate::facts::{Name, Stmt, StmtKind};
use crate::source::Span;

pub const PENDING: &str = "I0202";

pub fn statements(doc: &Node, res: &Node) -> Result<(Vec<Stmt>, Vec<Diagnostic>), Diagnostic> {
    let at = Span::new(
        doc.span.file,
        doc.span.start as usize,
        doc.span.start as usize,
    );
    let what = format!("grant \"{}\"", res.str().unwrap_or(""));
    let g = doc
        .get("grant")
        .or_else(|| doc.get("spec"))
        .ok_or_else(|| {
            missing(
                "grant",
                &what,
                at,
                "put policy_use_case_id, subjects, values under `grant:`",
            )
        })?;
    let use_case = g.get("policy_use_case_id");
    if use_case.and_then(Node::str) != Some("run-as-user") {
        let w = Diagnostic::warning(
            "I0201",
            format!(
                "{what}: only run-as-user grants are imported; document skipped"
            ),
        )
        .at(use_case.map_or(at, |n| n.span))
        .help("other use cases are policies the rules do not model; state Can Use grants in a .facts file");
        return Ok((Vec::new(), vec![w]));
    }
    let subjects: Vec<&Node> = g
        .get("subjects")
        .map(|s| s.items())
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.str().is_some())
        .collect();
    if subjects.is_empty() {
        return Err(missing(
            "subjects",
            &what,
            at,
            "add `subjects: [users:id:USER]` under `grant:`",
        ));
    }
    let paths: Vec<&Node> = g
        .get("values")
        .and_then(|v| v.get("run-as-dataos-resource"))
        .map(|v| v.items())
        .unwrap_or_default()
        .into_iter()
        // The CLI's form `[{path: .../users/ID}]` and Bifrost's `[{userId: ID}]`.
        .filter_map(|i| i.get("path").or_else(|| i.get("userId")).or(Some(i)))
        .filter(|n| n.str().is_some())
        .collect();
    if paths.is_empty() {
        return Err(missing(
            "values.run-as-dataos-resource[].path",
            &what,
            at,
            "name the identity to run as: `values: {run-as-dataos-resource: [{path: users:id:USER}]}`",
        ));
    }
    let approved = g.get("approve").and_then(Node::bool).unwrap_or(false);
    let by = g
        .get("manageAsUser")
        .or_else(|| doc.get("owner"))
        .filter(|n| n.str().is_some());
    // S26: run-as is granted to a user; a role tag names no one to run as.
    if let Some(role) = subjects
        .iter()
        .find(|s| s.str().is_some_and(|t| t.starts_with("roles:id:")))
    {
        return Err(Diagnostic::error(
            "I0104",
            format!(
                "{what}: a run-as grant's subject is a user, not the role tag `{}`",
                role.str().unwrap_or("")
            ),
        )
        .at(role.span)
        .label("a role tag")
        .help("run-as is granted to a user (S26): list each user as `users:id:USER`; to let a role's members run as someone, grant each of them"));
    }
    let mut stmts = Vec::new();
    let mut warnings = Vec::new();
    for s in &subjects {
        for p in &paths {
            let grantee = strip(name(s), "users:id:");
            let identity = last_segment(name(p));
            if !approved {
                let requester = g.get("requester").and_then(Node::str).unwrap_or("?");
                warnings.push(
                    Diagnostic::warning(
                        PENDING,
                        format!(
                            "{what} is pending (approve: false): run-as {} for {} requested by {requester}, not in effect",
                            identity.text, grantee.text
                        ),
                    )
                    .at(doc.span)
                    .label("a request, not a grant")
                    .help("an operator approves it (approve: true) before it takes effect"),
                );
                continue;
            }
            let Some(by) = by else {
                return Err(missing(
                    "manageAsUser",
                    &what,
                    at,
                    "an approved run-as grant is set up by an operator: add `manageAsUser: OPERATOR` under `grant:`",
                ));
            };
            stmts.push(Stmt {
                kind: StmtKind::RunAsGrant {
                    identity,
                    grantee,
                    by: name(by),
                },
                span: doc.span,
            });
        }
    }
    Ok((stmts, warnings))
}

fn strip(mut n: Name, prefix: &str) -> Name {
    if let Some(rest) = n.text.strip_prefix(prefix) {
        n.text = rest.to_owned();
    }
    n
}

fn last_segment(mut n: Name) -> Name {
    if let Some(last) = n.text.rsplit(['/', ':']).next() {
        n.text = last.to_owned();
    }
    n
}
