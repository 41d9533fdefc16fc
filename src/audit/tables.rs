//! What audit reads, as tables: which DataOS relations it reports in which scope, which
//! base relations record grants, and how premises read as reasons.

use crate::engine::{Model, Value};
use crate::program::RelId;
use crate::syntax::ast::Const;
use std::collections::{BTreeSet, HashSet};

/// The scope a decision belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// Grouped under `instance`.
    Instance,
    /// Grouped by the relation's `tenant` column.
    Tenant,
    /// Grouped by its `tenant` and `resource` columns.
    Resource,
}

/// One relation audit reports. Columns are named as in the relation's `.decl`.
#[derive(Debug)]
pub struct Decision {
    pub relation: &'static str,
    pub scope: ScopeKind,
    /// The column holding the audited user.
    pub user: &'static str,
    /// A column whose value names the line instead of the relation (`can_edit`).
    pub key: Option<&'static str>,
    /// The other columns shown, in order.
    pub values: &'static [&'static str],
    /// False for relations recording what did not take effect.
    pub in_effect: bool,
}

const fn decision(
    relation: &'static str,
    scope: ScopeKind,
    values: &'static [&'static str],
) -> Decision {
    Decision {
        relation,
        scope,
        user: "user",
        key: None,
        values,
        in_effect: true,
    }
}

use ScopeKind::{Instance, Resource, Tenant};

/// Which DataOS relations audit reports, by scope, in the order they are shown.
/// Instance-scope powers over tenants (S4) stay in the instance scope, the tenant being
/// their value; run-as (S26, S28) is instance scope, as Run As User grants are.
pub const DECISIONS: &[Decision] = &[
    decision("instance_role", Instance, &["role"]),
    decision("may_sign_in", Instance, &[]),
    decision("may_create_users", Instance, &[]),
    decision("may_create_roles", Instance, &[]),
    decision("may_create_tenant", Instance, &[]),
    decision("may_configure_tenant", Instance, &["tenant"]),
    decision("may_suspend_tenant", Instance, &["tenant"]),
    decision("may_delete_tenant", Instance, &["tenant"]),
    decision("may_attach_compute", Instance, &["tenant"]),
    decision("may_attach_data_plane", Instance, &["tenant"]),
    decision("may_set_up_run_as", Instance, &[]),
    decision("may_act_as", Instance, &["identity"]),
    decision("member", Tenant, &[]),
    decision("holds_role", Tenant, &["role"]),
    decision("may_invite", Tenant, &[]),
    decision("may_assign_role", Tenant, &["role"]),
    decision("may_create_resource", Tenant, &["kind"]),
    decision("may_govern_lakehouse", Tenant, &[]),
    decision("may_use_tenant_apps", Tenant, &[]),
    Decision {
        in_effect: false,
        ..decision("invitation_ignored", Tenant, &[])
    },
    Decision {
        key: Some("permission"),
        ..decision("permission", Resource, &[])
    },
    // S15, S25: a workload the user runs under but may not create never runs.
    Decision {
        user: "identity",
        in_effect: false,
        ..decision("identity_cannot_create", Resource, &["kind"])
    },
    Decision {
        user: "grantee",
        key: Some("permission"),
        in_effect: false,
        ..decision("ineffective_grant", Resource, &["reason"])
    },
];

/// A base relation recording that `grantor` gave something to `grantee`.
#[derive(Debug)]
pub struct GrantRecord {
    pub relation: &'static str,
    pub grantee: &'static str,
    pub grantor: &'static str,
    /// Shown before the grantor: `grant by maria`.
    pub verb: &'static str,
}

/// Grants, Run As User grants and invitations: the links of a chain.
pub const GRANT_RECORDS: &[GrantRecord] = &[
    GrantRecord {
        relation: "grant",
        grantee: "grantee",
        grantor: "grantor",
        verb: "grant by",
    },
    // A grant refused when it was made (the ordered reading): the grant the user was
    // given, which never took effect.
    GrantRecord {
        relation: "refused_grant",
        grantee: "grantee",
        grantor: "grantor",
        verb: "grant by",
    },
    GrantRecord {
        relation: "run_as_grant",
        grantee: "grantee",
        grantor: "set_up_by",
        verb: "run-as grant set up by",
    },
    GrantRecord {
        relation: "invited",
        grantee: "user",
        grantor: "by",
        verb: "invited by",
    },
];

/// How a premise about the user reads as the reason for a decision. `{column}` is the
/// premise's value there, `{@}` the `file:line` stating it (base facts).
#[derive(Debug)]
pub struct Basis {
    pub relation: &'static str,
    pub user: &'static str,
    pub text: &'static str,
}

/// In order of preference, when a rule instance has several premises about the user.
pub const BASES: &[Basis] = &[
    Basis {
        relation: "creator",
        user: "user",
        text: "creator of {resource}",
    },
    Basis {
        relation: "holds_role",
        user: "user",
        text: "as {role}",
    },
    Basis {
        relation: "instance_role",
        user: "user",
        text: "instance role {role}",
    },
    Basis {
        relation: "tenant_role",
        user: "user",
        text: "role assigned at {@}",
    },
    Basis {
        relation: "member",
        user: "user",
        text: "member of {tenant}",
    },
];

/// Column positions of one [`Decision`].
pub(super) struct Columns {
    pub user: usize,
    pub tenant: Option<usize>,
    pub resource: Option<usize>,
    pub key: Option<usize>,
    pub values: Vec<usize>,
}

pub(super) fn decision_columns(model: &Model, d: &Decision) -> Result<Columns, String> {
    let program = model.program();
    let Some(rel) = program.relation(d.relation) else {
        return Err(format!("`{}`", d.relation));
    };
    let cols = program.columns(rel);
    let find = |name: &str| {
        cols.iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("column `{name}` of `{}`", d.relation))
    };
    let grouped = |scope: ScopeKind| d.scope == scope || d.scope == ScopeKind::Resource;
    Ok(Columns {
        user: find(d.user)?,
        tenant: if grouped(ScopeKind::Tenant) {
            Some(find("tenant")?)
        } else {
            None
        },
        resource: if d.scope == ScopeKind::Resource {
            Some(find("resource")?)
        } else {
            None
        },
        key: d.key.map(find).transpose()?,
        values: d.values.iter().map(|v| find(v)).collect::<Result<_, _>>()?,
    })
}

/// Users stated in `user(user, ..)` facts or holding any decision.
pub(super) fn known_users(model: &Model, columns: &[Columns]) -> BTreeSet<String> {
    // Distinct values first: the decision relations hold millions of rows at 75,000
    // users, and turning each into a string to dedupe it took seconds.
    let mut values = HashSet::new();
    for (rel, i) in user_columns(model, columns) {
        values.extend(model.tuples(rel).map(|t| t[i]));
    }
    values
        .into_iter()
        .map(|v| plain(model.constant(v)))
        .collect()
}

/// Whether `user` is a user: named by `user(user, ..)` or a decision's user column. Stops
/// at the first row naming them (what [`known_users`] reads whole only to suggest a name).
pub(super) fn is_known_user(model: &Model, columns: &[Columns], user: Value) -> bool {
    for (rel, i) in user_columns(model, columns) {
        let mut pattern = vec![None; model.program().arity(rel)];
        pattern[i] = Some(user);
        if model.matching(rel, &pattern).next().is_some() {
            return true;
        }
    }
    false
}

/// The relations naming users, and the column that does: `user` first, then each of
/// [`DECISIONS`].
fn user_columns(model: &Model, columns: &[Columns]) -> Vec<(RelId, usize)> {
    let program = model.program();
    let mut out = Vec::new();
    if let Some(rel) = program.relation("user") {
        if let Some(i) = program.columns(rel).iter().position(|c| c == "user") {
            out.push((rel, i));
        }
    }
    for (d, c) in DECISIONS.iter().zip(columns) {
        out.push((program.relation(d.relation).expect("checked"), c.user));
    }
    out
}

/// The `kind` of `user(user, kind)`, when stated.
pub(super) fn user_kind(model: &Model, user: &Const) -> Option<String> {
    let program = model.program();
    let rel = program.relation("user")?;
    let cols = program.columns(rel);
    let u = cols.iter().position(|c| c == "user")?;
    let k = cols.iter().position(|c| c == "kind")?;
    let v = model.symbols().get(user)?;
    let t = model.tuples(rel).find(|t| t[u] == v)?;
    Some(plain(model.constant(t[k])))
}

/// A constant as people read it: symbols without quotes.
pub(super) fn plain(c: &Const) -> String {
    match c {
        Const::Sym(s) => s.clone(),
        Const::Num(n) => n.to_string(),
    }
}
