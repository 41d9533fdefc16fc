//! The two statements with fields: `user` (S6, S7) and `resource` (a small manifest:
//! S16, S17, S21..S25).

use super::names;
use super::names::did_you_mean;
use super::parse::{Field, Name, Stmt};
use super::read::Reader;
use crate::diag::Diagnostic;

/// The canonical resource fields; `depots:` etc. are read as `depot:`.
const FIELDS: &[&str] = &[
    "type",
    "owner",
    "submitter",
    "runAsUser",
    "compute",
    "depot",
    "secret",
    "cluster",
];
const FIELD_SPELLINGS: &[&str] = &[
    "type",
    "owner",
    "submitter",
    "runAsUser",
    "compute",
    "depot",
    "depots",
    "secret",
    "secrets",
    "cluster",
    "clusters",
];

fn canonical_field(f: &str) -> Option<&'static str> {
    match f {
        "depots" => Some("depot"),
        "secrets" => Some("secret"),
        "clusters" => Some("cluster"),
        _ => FIELDS.iter().find(|x| **x == f).copied(),
    }
}

fn repeated(field: &Name, first: &Name, at: String) -> Diagnostic {
    Diagnostic::error(
        "F0402",
        format!("field \"{}\" is given twice (first at {at})", field.text),
    )
    .at(field.span)
    .label("repeated field")
    .related(first.span, "first given here")
    .help("give each field once; list several values with commas: `depot: a, b`")
}

impl Reader<'_> {
    pub(super) fn user(&mut self, s: &Stmt, id: &Name, fields: &[(Name, Name)]) {
        let mut seen: Vec<&Name> = Vec::new();
        let mut kind = None;
        let mut display = id.text.clone();
        let mut email = String::new();
        for (f, v) in fields {
            if let Some(first) = seen.iter().find(|x| x.text == f.text) {
                let at = self.at(first.span, f.span);
                self.error(repeated(f, first, at));
                continue;
            }
            seen.push(f);
            match f.text.as_str() {
                "type" => match names::user_type(v) {
                    Ok(k) => kind = Some(k),
                    Err(d) => {
                        self.error(d);
                        kind = Some("");
                    }
                },
                "name" => display = v.text.clone(),
                _ => email = v.text.clone(),
            }
        }
        match kind {
            None => self.error(
                Diagnostic::error("F0401", format!("user \"{}\" has no type", id.text))
                    .at(id.span)
                    .label("no `type` field")
                    .help("add `type person` or `type application`"),
            ),
            Some("") => {}
            Some(k) => {
                self.push("user", &[&id.text, k], s.span);
                self.push("user_info", &[&id.text, &display, &email], s.span);
                // S2: a person the identity provider adds after the instance was created
                // signs in; an application user starts with nothing (S7).
                if self.after_creation && k == "person" {
                    self.push("instance_role", &[&id.text, "user"], s.span);
                }
            }
        }
    }

    pub(super) fn resource(&mut self, s: &Stmt, name: &Name, tenant: &Name, fields: &[Field]) {
        let tenant_ok = self.check_tenant(tenant);
        // Collect fields by canonical name, reporting unknown and repeated ones.
        let mut by_name: Vec<(&'static str, &Field)> = Vec::new();
        for f in fields {
            let Some(c) = canonical_field(&f.name.text) else {
                let mut d =
                    Diagnostic::error("F0402", format!("unknown field \"{}\"", f.name.text))
                        .at(f.name.span)
                        .label("not a resource field");
                match did_you_mean(&f.name.text, FIELD_SPELLINGS.iter().copied()) {
                    Some(x) => {
                        d.message.push_str(&format!("; did you mean \"{x}\"?"));
                        d = d.help(format!("did you mean \"{x}\"?"));
                    }
                    None => d = d.help(format!("the fields are {}", FIELD_SPELLINGS.join(", "))),
                }
                self.error(d);
                continue;
            };
            if let Some((_, first)) = by_name.iter().find(|(n, _)| *n == c) {
                let at = self.at(first.name.span, f.name.span);
                self.error(repeated(&f.name, &first.name, at));
                continue;
            }
            if matches!(c, "type" | "owner" | "submitter" | "runAsUser") && f.values.len() > 1 {
                self.error(
                    Diagnostic::error(
                        "F0402",
                        format!("field \"{}\" takes one value", f.name.text),
                    )
                    .at(f.values[1].span)
                    .label("a second value")
                    .help(format!("give `{}:` a single value", f.name.text)),
                );
            }
            by_name.push((c, f));
        }
        let get = |n: &str| by_name.iter().find(|(c, _)| *c == n).map(|(_, f)| *f);
        let mut ok = true;
        let kind = match get("type") {
            Some(f) => match names::kind(&f.values[0]) {
                Ok(k) => Some(k),
                Err(d) => {
                    self.error(d);
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let owner = get("owner").map(|f| &f.values[0]);
        for (field, present) in [("type", kind.is_some() || !ok), ("owner", owner.is_some())] {
            if !present {
                self.error(
                    Diagnostic::error(
                        "F0401",
                        format!("resource \"{}\" has no {field}:", name.text),
                    )
                    .at(name.span)
                    .label(format!("no `{field}:` field"))
                    .help(format!("add a `{field}:` line to the resource")),
                );
            }
        }
        for f in ["owner", "submitter", "runAsUser"] {
            if let Some(f) = get(f) {
                self.check_user(&f.values[0]);
            }
        }
        let (Some(kind), Some(owner)) = (kind, owner) else {
            return;
        };
        let submitter = get("submitter").map_or(owner, |f| &f.values[0]);
        let (t, r) = (&tenant.text, &name.text);
        self.push(
            "resource",
            &[t, kind, r, &owner.text, &submitter.text],
            s.span,
        );
        if let Some(f) = get("runAsUser") {
            self.push("run_as_user", &[t, r, &f.values[0].text], f.values[0].span);
        }
        for field in ["compute", "depot", "secret", "cluster"] {
            let Some(f) = get(field) else { continue };
            for v in &f.values {
                let dep = if tenant_ok {
                    self.dependency(field, v, name, tenant)
                } else {
                    None
                };
                let Some(dep) = dep else { continue };
                if field == "secret" && kind == "depot" {
                    self.push("depot_secret", &[t, r, &dep], v.span);
                } else {
                    self.push("depends_on", &[t, r, field, &dep], v.span);
                }
            }
        }
    }

    /// Resolves one dependency value (a name, a depot address, a qualified id) to a
    /// resource of `tenant` of kind `field`; F0103, F0403 or F0404 otherwise.
    fn dependency(&mut self, field: &str, v: &Name, res: &Name, tenant: &Name) -> Option<String> {
        let mut target = v.text.as_str();
        let mut named_tenant = None;
        if let Some(addr) = target
            .strip_prefix("dataos://")
            .filter(|_| field == "depot")
        {
            target = addr.split(['?', ':', '/']).next().unwrap_or("");
        } else if let Some((t, r)) = target.split_once(':') {
            named_tenant = Some(t);
            target = r;
        }
        let (t, r) = (&tenant.text, &res.text);
        let elsewhere = named_tenant
            .filter(|nt| nt != t)
            .map(str::to_owned)
            .or_else(|| {
                if self.resources.contains_key(&(t.clone(), target.to_owned())) {
                    None
                } else {
                    self.resources
                        .keys()
                        .find(|(ot, on)| on == target && ot != t)
                        .map(|(ot, _)| ot.clone())
                }
            });
        if let Some(other) = elsewhere {
            self.error(
                Diagnostic::error(
                    "F0404",
                    format!(
                        "{target} is a resource of {other}; {r} is in {t} and can only depend on resources of {t}"
                    ),
                )
                .at(v.span)
                .label("a resource of another tenant")
                .help(format!(
                    "a resource depends only on resources of its own tenant (S24); declare a {field} in {t}"
                )),
            );
            return None;
        }
        let kind = self.check_resource(t, target, v.span)?;
        if !kind.is_empty() && kind != field {
            self.error(
                Diagnostic::error(
                    "F0403",
                    format!("{field}: {}, but {target} is a {kind}", v.text),
                )
                .at(v.span)
                .label(format!("a {kind}, not a {field}"))
                .help(format!("list it under `{kind}:`, or name a {field} here")),
            );
            return None;
        }
        Some(target.to_owned())
    }
}
