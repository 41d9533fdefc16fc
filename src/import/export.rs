//! The reverse of the import, for scale tests: a `.facts` instance written as what a
//! DataOS administrator would have (`grantlog generate --manifests DIR`):
//! `users.txt` (a `dataos-ctl user get -a` table with the instance roles as tags),
//! `tenants/T/resources.yaml` (one v2 manifest per resource), `grants.yaml` (approved
//! run-as grant manifests) and `rest.facts` (what no artifact carries: tenants, roles,
//! Can Use grants, revocations, and the few resources whose submitter is not their
//! owner, which a manifest cannot say). Loading the directory gives the same instance.

use crate::diag::Diagnostic;
use crate::facts::{parse_file, Name, Stmt, StmtKind};
use crate::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// (relative path, text) of each file, sorted by path.
pub fn manifests_from_facts(text: &str) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let (stmts, diags) = parse_file(text, FileId(0));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let snippet = |s: &Stmt| &text[s.span.start as usize..s.span.end as usize];
    // A run-as grant stays in rest.facts when a revocation of the same pair exists, so
    // that grant/revoke order is kept.
    let revoked: BTreeSet<(String, String)> = stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::RunAsRevoke {
                identity, grantee, ..
            } => Some((identity.text.clone(), grantee.text.clone())),
            _ => None,
        })
        .collect();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut users = Vec::new();
    let mut resources: BTreeMap<String, String> = BTreeMap::new();
    let mut grants = String::new();
    let mut rest = String::from("// What the manifests and the user table do not carry.\n");
    for s in &stmts {
        match &s.kind {
            StmtKind::User { id, fields } => users.push((id, fields)),
            StmtKind::Instance { clauses } => {
                for (role, us) in clauses {
                    let r = role.text.strip_prefix("roles:id:").unwrap_or(&role.text);
                    for u in us {
                        tags.entry(u.text.clone())
                            .or_default()
                            .push(format!("roles:id:{r}"));
                    }
                }
            }
            StmtKind::Resource {
                name,
                tenant,
                fields,
            } if !has_submitter(fields) => {
                let doc = resources.entry(tenant.text.clone()).or_default();
                let _ = write!(doc, "---\nname: {:?}\nversion: v1\n", name.text);
                let mut spec = String::new();
                for f in fields {
                    let vals: Vec<String> =
                        f.values.iter().map(|v| format!("{:?}", v.text)).collect();
                    match f.name.text.as_str() {
                        "type" | "owner" => {
                            let _ = writeln!(doc, "{}: {}", f.name.text, vals[0]);
                        }
                        "runAsUser" => {
                            let _ = writeln!(spec, "  runAsUser: {}", vals[0]);
                        }
                        field => {
                            let key = match field.trim_end_matches('s') {
                                "depot" => "depots",
                                "secret" => "secrets",
                                "cluster" => "clusters",
                                other => other,
                            };
                            let _ = writeln!(spec, "  {key}: [{}]", vals.join(", "));
                        }
                    }
                }
                if !spec.is_empty() {
                    let _ = write!(doc, "spec:\n{spec}");
                }
            }
            StmtKind::RunAsGrant {
                identity,
                grantee,
                by,
            } if !revoked.contains(&(identity.text.clone(), grantee.text.clone())) => {
                let _ = write!(
                    grants,
                    "---\nname: \"{}-runas-{}\"\nversion: v1alpha\ntype: grant\ngrant:\n  policy_use_case_id: run-as-user\n  subjects: [\"users:id:{}\"]\n  values:\n    run-as-dataos-resource: [{{path: \"users:id:{}\"}}]\n  approve: true\n  manageAsUser: {:?}\n",
                    grantee.text, identity.text, grantee.text, identity.text, by.text
                );
            }
            _ => {
                rest.push_str(snippet(s));
                rest.push('\n');
            }
        }
    }
    let mut files = vec![
        ("grants.yaml".to_owned(), grants),
        ("rest.facts".to_owned(), rest),
        ("users.txt".to_owned(), user_table(&users, &tags)),
    ];
    for (t, doc) in resources {
        files.push((format!("tenants/{t}/resources.yaml"), doc));
    }
    files.sort();
    Ok(files)
}

fn has_submitter(fields: &[crate::facts::Field]) -> bool {
    fields.iter().any(|f| f.name.text == "submitter")
}

type UserRow<'a> = (&'a Name, &'a Vec<(Name, Name)>);

fn user_table(users: &[UserRow<'_>], tags: &BTreeMap<String, Vec<String>>) -> String {
    let mut out =
        String::from(" NAME │ ID │ TYPE │ EMAIL │ TAGS\n──────┼────┼──────┼───────┼──────\n");
    for (id, fields) in users {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| f.text == k)
                .map_or("", |(_, v)| v.text.as_str())
        };
        let name = match get("name") {
            "" => id.text.as_str(),
            n => n,
        };
        let mut ts = tags.get(&id.text).cloned().unwrap_or_default();
        ts.push(format!("users:id:{}", id.text));
        let _ = writeln!(
            out,
            " {name} │ {} │ {} │ {} │ {}{}",
            id.text,
            get("type"),
            get("email"),
            ts[0],
            if ts.len() > 1 { "," } else { "" }
        );
        for (i, t) in ts.iter().enumerate().skip(1) {
            let more = if i + 1 < ts.len() { "," } else { "" };
            let _ = writeln!(out, "  │  │  │  │ {t}{more}");
        }
    }
    out
}
