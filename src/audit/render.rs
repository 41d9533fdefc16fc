//! An audit as text (aligned lines per scope) and as JSON (shape in `grantlog audit --help`).

use super::{Audit, Authority, Entry, Ground, Link, RuleRef, Scope};
use serde_json::{json, Value as Json};
use std::fmt::Write;

/// One text line: a label, the values it covers, and one text per ground.
struct Line {
    label: String,
    values: Vec<String>,
    in_effect: bool,
    grounds: Vec<String>,
}

impl Audit {
    /// Header `user (kind)`, then per scope a heading and one line per decision: label,
    /// values, and how it holds; further grounds continue on aligned lines. Decisions of
    /// one relation that hold the same way share a line.
    pub fn to_text(&self) -> String {
        let mut out = self.user.clone();
        if let Some(k) = &self.kind {
            let _ = write!(out, " ({k})");
        }
        out.push('\n');
        let nothing = self.holds_nothing();
        if nothing {
            out.push_str("  holds nothing: no instance role, tenant role, permission or run-as\n");
        }
        let groups: Vec<(String, Vec<Line>)> = self
            .groups
            .iter()
            .filter(|g| !(nothing && g.entries.is_empty()))
            .map(|g| (heading(&g.scope), lines(&g.entries)))
            .collect();
        let width = groups
            .iter()
            .flat_map(|(_, ls)| ls.iter().map(|l| l.label.chars().count()))
            .max()
            .unwrap_or(0)
            + 2;
        for (head, ls) in groups {
            let _ = writeln!(out, "{head}");
            if ls.is_empty() {
                out.push_str("  (none)\n");
            }
            for l in ls {
                let mut first = String::new();
                if !l.in_effect {
                    first.push_str("not in effect");
                    if !l.values.is_empty() {
                        let _ = write!(first, " ({})", l.values.join(", "));
                    }
                    first.push_str(": ");
                } else if !l.values.is_empty() {
                    let _ = write!(first, "{}: ", l.values.join(", "));
                }
                let mut grounds = l.grounds.iter();
                first.push_str(grounds.next().map_or("", String::as_str));
                // Padded by hand: `{:<width$}` panics at widths of 65,536 or more.
                let pad = " ".repeat(width.saturating_sub(l.label.chars().count()));
                let _ = writeln!(out, "  {}{pad}{}", l.label, first.trim_end());
                let blank = " ".repeat(width);
                for g in grounds {
                    let _ = writeln!(out, "  {blank}{g}");
                }
            }
        }
        out
    }

    /// `{"user", "kind", "holds_nothing", "scopes": [...]}`.
    pub fn to_json(&self) -> Json {
        let scopes: Vec<Json> = self
            .groups
            .iter()
            .map(|g| {
                let (scope, tenant, resource) = match &g.scope {
                    Scope::Instance => ("instance", None, None),
                    Scope::Tenant(t) => ("tenant", Some(t), None),
                    Scope::Resource { tenant, resource } => {
                        ("resource", Some(tenant), Some(resource))
                    }
                };
                let of = |in_effect: bool| -> Vec<Json> {
                    g.entries
                        .iter()
                        .filter(|e| e.in_effect == in_effect)
                        .map(entry_json)
                        .collect()
                };
                json!({
                    "scope": scope, "tenant": tenant, "resource": resource,
                    "decisions": of(true), "not_in_effect": of(false),
                })
            })
            .collect();
        json!({
            "user": self.user,
            "kind": self.kind,
            "holds_nothing": self.holds_nothing(),
            "scopes": scopes,
        })
    }
}

fn heading(scope: &Scope) -> String {
    match scope {
        Scope::Instance => "instance".to_string(),
        Scope::Tenant(t) => format!("tenant {t}"),
        Scope::Resource { tenant, resource } => format!("resource {resource} in {tenant}"),
    }
}

fn lines(entries: &[Entry]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut last_relation = "";
    for e in entries {
        let grounds: Vec<String> = e.grounds.iter().map(ground_text).collect();
        match out.last_mut() {
            Some(l)
                if last_relation == e.relation
                    && l.label == e.label
                    && l.in_effect == e.in_effect
                    && l.grounds == grounds =>
            {
                l.values.push(e.values.join(" "));
            }
            _ => out.push(Line {
                label: e.label.clone(),
                values: if e.values.is_empty() {
                    Vec::new()
                } else {
                    vec![e.values.join(" ")]
                },
                in_effect: e.in_effect,
                grounds,
            }),
        }
        last_relation = &e.relation;
    }
    out
}

/// `@creator_can_edit, S17` (the first statement only), or `rule at file:line`.
fn rule_text(r: &RuleRef) -> String {
    let mut s = if r.name == r.location {
        format!("rule at {}", r.location)
    } else {
        format!("@{}", r.name)
    };
    if let Some(first) = r.statements.first() {
        let _ = write!(s, ", {first}");
    }
    s
}

fn basis_text(basis: &str, rule: Option<&RuleRef>, source: Option<&str>) -> String {
    let why = rule.map(rule_text).or_else(|| source.map(str::to_string));
    match (basis.is_empty(), why) {
        (false, Some(w)) => format!("{basis} ({w})"),
        (true, Some(w)) => format!("by {w}"),
        (_, None) => basis.to_string(),
    }
}

fn ground_text(g: &Ground) -> String {
    if !g.chain.is_empty() {
        return chain_text(&g.chain);
    }
    match (&g.rule, &g.source) {
        (None, Some(s)) => format!("{} at {s}", g.basis),
        _ => basis_text(&g.basis, g.rule.as_ref(), g.source.as_deref()),
    }
}

/// `grant by maria (file:56) ← maria: creator of sf-depot (@creator_can_manage_access, S17)`.
fn chain_text(chain: &[Link]) -> String {
    let mut s = String::new();
    for (i, link) in chain.iter().enumerate() {
        let own = if link.grantor == link.grantee {
            "self-grant, "
        } else {
            ""
        };
        let _ = write!(s, "{} {} ({own}{})", link.verb, link.grantor, link.source);
        if let Some(a) = &link.authority {
            let _ = write!(s, " ← {}: ", link.grantor);
            if i + 1 == chain.len() {
                s.push_str(&basis_text(&a.basis, a.rule.as_ref(), a.source.as_deref()));
            }
        }
    }
    s
}

fn rule_json(r: &Option<RuleRef>) -> Json {
    match r {
        Some(r) => json!({
            "name": r.name, "location": r.location, "doc": r.doc, "statements": r.statements,
        }),
        None => Json::Null,
    }
}

fn authority_json(a: &Authority) -> Json {
    json!({"fact": a.fact, "rule": rule_json(&a.rule), "source": a.source, "basis": a.basis})
}

fn entry_json(e: &Entry) -> Json {
    let grounds: Vec<Json> = e
        .grounds
        .iter()
        .map(|g| {
            let chain: Vec<Json> = g
                .chain
                .iter()
                .map(|l| {
                    json!({
                        "grant": l.grant, "source": l.source, "grantor": l.grantor,
                        "grantee": l.grantee,
                        "authority": l.authority.as_ref().map(authority_json),
                    })
                })
                .collect();
            json!({
                "rule": rule_json(&g.rule), "source": g.source, "basis": g.basis,
                "chain": chain,
            })
        })
        .collect();
    json!({
        "fact": e.fact, "relation": e.relation, "label": e.label, "values": e.values,
        "grounds": grounds,
    })
}
