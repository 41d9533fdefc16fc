//! `audit`: every decision the DataOS rules make about one user, grouped by scope
//! (instance, tenant, resource), each with the rule instances that produce it and, where
//! grants are involved, the chain of grants and grantors behind it (S29).
//!
//! The engine is generic Datalog; this module is DataOS-specific. What it reads is stated
//! in three tables: [`DECISIONS`] (which relations are reported, in which scope),
//! [`GRANT_RECORDS`] (base relations recording who gave what to whom) and [`BASES`] (how
//! a premise reads as the reason for a decision). Rules lacking a relation of
//! [`DECISIONS`] are refused with [`NOT_DATAOS`].
//!
//! - [`grounds`]: the rule instances of a decision and the grant chains in their proofs.
//! - [`tables`]: the three tables.
//! - [`render`]: text and JSON.

mod grounds;
mod render;
mod tables;

use crate::diag::{closest_within, Diagnostic};
use crate::engine::Model;
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use grounds::Grounds;
use std::collections::BTreeMap;

pub use tables::{Basis, Decision, GrantRecord, ScopeKind, BASES, DECISIONS, GRANT_RECORDS};

/// E1001: the audited user appears nowhere in the model.
pub const UNKNOWN_USER: &str = "E1001";
/// E1002: the loaded rules lack relations audit reads.
pub const NOT_DATAOS: &str = "E1002";

/// Where a group of decisions applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Instance,
    Tenant(String),
    Resource { tenant: String, resource: String },
}

/// Everything one user holds, by scope.
#[derive(Clone, Debug)]
pub struct Audit {
    pub user: String,
    /// From `user(user, kind)`, when stated.
    pub kind: Option<String>,
    /// Instance first, then each tenant followed by its resources; the instance group is
    /// always present, others only when not empty.
    pub groups: Vec<Group>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub scope: Scope,
    /// In [`DECISIONS`] order, then by values.
    pub entries: Vec<Entry>,
}

/// One decision fact about the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `permission(sam, engineering, sf-depot, can_use_depot)`.
    pub fact: String,
    pub relation: String,
    /// The key column's value, else the relation.
    pub label: String,
    pub values: Vec<String>,
    pub in_effect: bool,
    /// Every rule instance giving the fact (or its source, for a stated fact).
    pub grounds: Vec<Ground>,
}

/// One way a decision holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ground {
    /// The rule deriving the fact; `None` for a stated fact.
    pub rule: Option<RuleRef>,
    /// `file:line` of a stated fact.
    pub source: Option<String>,
    /// `creator of sales-360`, `grant by maria`, `stated`; empty when nothing reads better
    /// than the rule.
    pub basis: String,
    /// The grant giving this ground, then the grant that let its grantor grant, and so on.
    pub chain: Vec<Link>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    pub name: String,
    /// `file:line`.
    pub location: String,
    pub doc: Option<String>,
    /// The statement ids the doc comment starts with (`S17`).
    pub statements: Vec<String>,
}

/// A grant (or run-as grant, or invitation) and why its grantor could give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// `grant(engineering, sf-depot, sam, can_use_depot, maria)`.
    pub grant: String,
    pub source: String,
    pub verb: String,
    pub grantor: String,
    pub grantee: String,
    /// `None` when the grant needed nothing of its grantor (or did not take effect).
    pub authority: Option<Authority>,
}

/// The grantor's right to grant. When it came from a grant itself, `basis` is that
/// grant's `grant by ...` and the next link of the chain is that grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    /// `permission(maria, engineering, sf-depot, can_manage_access)`.
    pub fact: String,
    pub rule: Option<RuleRef>,
    pub source: Option<String>,
    pub basis: String,
}

impl Audit {
    /// No decision in effect (the user may still have grants that did not take effect).
    pub fn holds_nothing(&self) -> bool {
        self.groups
            .iter()
            .all(|g| g.entries.iter().all(|e| !e.in_effect))
    }
}

/// What `user` holds under the model's rules, with sources from `sources`.
/// `Err`: the rules are not the DataOS rules ([`NOT_DATAOS`]) or the user appears in no
/// `user` fact and no decision ([`UNKNOWN_USER`], with "did you mean").
pub fn audit(model: &Model, sources: &SourceMap, user: &str) -> Result<Audit, Diagnostic> {
    let g = Grounds::new(model, sources)?;
    let program = model.program();
    let subject = Const::Sym(user.to_string());
    let value = model
        .symbols()
        .get(&subject)
        .filter(|&v| tables::is_known_user(model, &g.columns, v));
    let Some(value) = value else {
        let known = tables::known_users(model, &g.columns);
        let mut d = Diagnostic::error(UNKNOWN_USER, format!("unknown user `{user}`"));
        if let Some(s) = closest(user, known.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        let shown: Vec<&str> = known.iter().map(String::as_str).take(12).collect();
        let more = if known.len() > shown.len() {
            ", ..."
        } else {
            ""
        };
        return Err(d.note(format!("known users: {}{more}", shown.join(", "))));
    };
    // Instance first, then each tenant followed by its resources.
    let mut groups: BTreeMap<(u8, String, String), Group> = BTreeMap::new();
    groups.insert(
        (0, String::new(), String::new()),
        Group {
            scope: Scope::Instance,
            entries: Vec::new(),
        },
    );
    for (d, cols) in DECISIONS.iter().zip(&g.columns) {
        let rel = program.relation(d.relation).expect("checked");
        let mut found: Vec<((u8, String, String), Scope, Entry)> = Vec::new();
        // Through an index on the user column where the rules keep one.
        let mut pattern = vec![None; program.arity(rel)];
        pattern[cols.user] = Some(value);
        for tuple in model.matching(rel, &pattern) {
            let consts: Vec<Const> = tuple.iter().map(|&v| model.constant(v).clone()).collect();
            let text = |i: usize| tables::plain(&consts[i]);
            let (key, scope) = match (cols.tenant, cols.resource) {
                (Some(t), None) => ((1, text(t), String::new()), Scope::Tenant(text(t))),
                (Some(t), Some(r)) => (
                    (1, text(t), text(r)),
                    Scope::Resource {
                        tenant: text(t),
                        resource: text(r),
                    },
                ),
                _ => ((0, String::new(), String::new()), Scope::Instance),
            };
            let fact = crate::explain::Fact {
                relation: d.relation.to_string(),
                values: consts.clone(),
            };
            found.push((
                key,
                scope,
                Entry {
                    fact: fact.to_string(),
                    relation: d.relation.to_string(),
                    label: cols.key.map_or_else(|| d.relation.to_string(), text),
                    values: cols.values.iter().map(|&i| text(i)).collect(),
                    in_effect: d.in_effect,
                    grounds: g.grounds(rel, tuple, &subject),
                },
            ));
        }
        found.sort_by(|a, b| (&a.0, &a.2.label, &a.2.values).cmp(&(&b.0, &b.2.label, &b.2.values)));
        for (key, scope, entry) in found {
            groups
                .entry(key)
                .or_insert_with(|| Group {
                    scope,
                    entries: Vec::new(),
                })
                .entries
                .push(entry);
        }
    }
    Ok(Audit {
        user: user.to_string(),
        kind: tables::user_kind(model, &subject),
        groups: groups.into_values().collect(),
    })
}

/// The closest name within edit distance 2 and closer than the word's length (as the
/// facts language suggests user names).
fn closest<'a>(word: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    if len == 0 {
        return None;
    }
    closest_within(word, names, len.saturating_sub(1).min(2))
}
