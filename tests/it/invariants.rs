//! Property tests on generated instances (`grantlog::generate`): invariants of the policy
//! that must hold on any DataOS instance, checked through the decision relations.

use grantlog::engine::Limits;
use grantlog::generate;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::syntax::ast::Const;
use grantlog::syntax::parse_query;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashSet};

type Row = Vec<String>;

fn open(seed: u64, users: usize) -> Workspace {
    let text = generate::instance(seed, users);
    match Workspace::open(
        &shipped::rules(),
        &[Text::new("generated.facts", text)],
        &Limits::default(),
    ) {
        Ok(ws) => ws,
        Err(f) => panic!(
            "generated instance does not load:\n{}",
            grantlog::diag::render_all(&f.diagnostics, &f.sources)
        ),
    }
}

fn q(ws: &mut Workspace, query: &str) -> BTreeSet<Row> {
    let file = ws.sources.add("<invariant>", query);
    let parsed = parse_query(&ws.sources, file).expect("query parses");
    let answer = ws.model.query(&ws.sources, &parsed).expect("query runs");
    answer
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| match c {
                    Const::Sym(s) => s,
                    Const::Num(n) => n.to_string(),
                })
                .collect()
        })
        .collect()
}

fn raw(rel: &str, row: &[String]) -> String {
    let vals: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
    format!("{rel}({}).\n", vals.join(", "))
}

/// (a) Every permission rests on a well-founded chain: recompute Can Manage Access as a
/// least fixpoint from creators, Tenant Admins and Data Admins' own resources, extended
/// only by grants whose grantor is already in the set; every permission is then a
/// creator's, a Tenant/Data Admin's manage, or an effective grant by a manager.
fn check_chains(ws: &mut Workspace) -> Result<(), String> {
    let creators = q(ws, "creator(T, R, U)");
    let admins = q(
        ws,
        "holds_role(U, T, \"Tenant Admin\"), resource_exists(T, R)",
    );
    let data_admins = q(ws, "holds_role(U, T, \"Data Admin\"), creator(T, R, U)");
    let manage_grants = q(
        ws,
        "grant(T, R, G, can_manage_access, By), resource(T, K, R, _, _), permission_fits(can_manage_access, K)",
    );
    let mut manage: HashSet<(String, String, String)> = HashSet::new();
    for r in &creators {
        manage.insert((r[2].clone(), r[0].clone(), r[1].clone()));
    }
    for r in admins.iter().chain(&data_admins) {
        manage.insert((r[0].clone(), r[1].clone(), r[2].clone()));
    }
    loop {
        let before = manage.len();
        for g in &manage_grants {
            let (t, res, grantee, by) = (&g[0], &g[1], &g[2], &g[3]);
            if manage.contains(&(by.clone(), t.clone(), res.clone())) {
                manage.insert((grantee.clone(), t.clone(), res.clone()));
            }
        }
        if manage.len() == before {
            break;
        }
    }
    let derived: HashSet<(String, String, String)> = q(ws, "can_manage_access(U, T, R)")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    if derived != manage {
        return Err(format!(
            "can_manage_access differs from the well-founded recomputation: extra {:?}, missing {:?}",
            derived.difference(&manage).take(3).collect::<Vec<_>>(),
            manage.difference(&derived).take(3).collect::<Vec<_>>()
        ));
    }
    for e in q(ws, "effective_grant(T, R, G, P, By)") {
        if !manage.contains(&(e[4].clone(), e[0].clone(), e[1].clone())) {
            return Err(format!(
                "effective grant {e:?} by someone who cannot manage access"
            ));
        }
    }
    let unexplained = q(
        ws,
        "permission(U, T, R, P), !creator(T, R, U), !effective_grant(T, R, U, P, _), !holds_role(U, T, \"Tenant Admin\"), !holds_role(U, T, \"Data Admin\")",
    );
    if let Some(p) = unexplained.iter().next() {
        return Err(format!(
            "permission {p:?} has no creator, admin or grant behind it"
        ));
    }
    let use_without_grant = q(
        ws,
        "permission(U, T, R, P), use_permission(P), !effective_grant(T, R, U, P, _)",
    );
    if let Some(p) = use_without_grant.iter().next() {
        return Err(format!(
            "use permission {p:?} without an effective grant (S18)"
        ));
    }
    Ok(())
}

/// (b) Operators hold nothing by being operators: without grants to them, resources they
/// own and tenant roles they hold, they hold no permission.
fn check_operators(ws: &mut Workspace) -> Result<(), String> {
    let mut text = String::new();
    for g in q(ws, "grant(T, R, G, P, By), instance_role(G, operator)") {
        text.push_str(&raw("grant", &g));
    }
    for r in q(ws, "resource(T, K, R, O, S), instance_role(O, operator)") {
        text.push_str(&raw("resource", &r));
    }
    for r in q(ws, "tenant_role(U, T, Role), instance_role(U, operator)") {
        text.push_str(&raw("tenant_role", &r));
    }
    if !text.is_empty() {
        ws.retract("operators", &text)
            .map_err(|d| format!("retract failed: {d:?}"))?;
    }
    let held = q(ws, "permission(U, T, R, P), instance_role(U, operator)");
    if !held.is_empty() {
        return Err(format!(
            "operators hold {:?}",
            held.iter().take(3).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// (c) Tenant isolation: a permission is on a resource of its own tenant; a grant naming a
/// resource that is not in its tenant has no effect; a workload's needs stay in its tenant.
fn check_tenants(ws: &mut Workspace) -> Result<(), String> {
    let stray = q(ws, "permission(U, T, R, P), !resource_exists(T, R)");
    if !stray.is_empty() {
        return Err(format!(
            "permissions on no resource of their tenant: {stray:?}"
        ));
    }
    // A grant restated in another tenant (same names) gives nothing there.
    let grants = q(ws, "effective_grant(T, R, G, P, By), tenant(T2), T2 != T");
    let mut text = String::new();
    for g in grants.iter().take(20) {
        let moved = vec![
            g[5].clone(),
            g[1].clone(),
            g[2].clone(),
            g[3].clone(),
            g[4].clone(),
        ];
        text.push_str(&raw("grant", &moved));
    }
    let before = q(ws, "permission(U, T, R, P)");
    if !text.is_empty() {
        ws.assert("moved", &text)
            .map_err(|d| format!("assert failed: {d:?}"))?;
    }
    let after = q(ws, "permission(U, T, R, P)");
    if before != after {
        return Err(format!(
            "a grant stated in another tenant changed permissions: {:?}",
            after.difference(&before).take(3).collect::<Vec<_>>()
        ));
    }
    let cross = q(ws, "needs(T, W, D, P), !resource_exists(T, D)");
    if !cross.is_empty() {
        return Err(format!("needs outside the workload's tenant: {cross:?}"));
    }
    Ok(())
}

/// (d) A resource runs as someone other than its submitter only through its runAsUser and
/// a Run As User grant to the submitter set up by an operator.
fn check_run_as(ws: &mut Workspace) -> Result<(), String> {
    let bad = q(
        ws,
        "runs_as(T, R, I), resource(T, _, R, _, S), I != S, !valid_run_as(I, S)",
    );
    if !bad.is_empty() {
        return Err(format!(
            "runs as another identity without a valid grant: {bad:?}"
        ));
    }
    let valid = q(ws, "runs_as(T, R, I), resource(T, _, R, _, S), I != S");
    for v in valid {
        let (t, r, i, s) = (&v[0], &v[1], &v[2], &v[3]);
        let by_op = q(
            ws,
            &format!("run_as_user({t:?}, {r:?}, {i:?}), run_as_grant({i:?}, {s:?}, By), instance_role(By, operator)"),
        );
        if by_op.is_empty() {
            return Err(format!(
                "{r} in {t} runs as {i} without an operator's grant to {s}"
            ));
        }
    }
    let running = q(
        ws,
        "can_run(T, W), run_as_user(T, W, I), resource(T, _, W, _, S), I != S, !valid_run_as(I, S)",
    );
    if !running.is_empty() {
        return Err(format!(
            "workloads run as others without consent: {running:?}"
        ));
    }
    Ok(())
}

/// (e) Removing one grant never adds a permission.
fn check_removal(ws: &mut Workspace, picks: &[usize]) -> Result<(), String> {
    let grants: Vec<Row> = q(ws, "grant(T, R, G, P, By)").into_iter().collect();
    if grants.is_empty() {
        return Ok(());
    }
    for &i in picks {
        let g = &grants[i % grants.len()];
        let before = q(ws, "permission(U, T, R, P)");
        ws.retract("one-grant", &raw("grant", g))
            .map_err(|d| format!("retract failed: {d:?}"))?;
        let after = q(ws, "permission(U, T, R, P)");
        if let Some(extra) = after.difference(&before).next() {
            return Err(format!("removing grant {g:?} added permission {extra:?}"));
        }
        ws.undo();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn permissions_rest_on_well_founded_grant_chains(seed in any::<u64>(), users in 20usize..80) {
        let mut ws = open(seed, users);
        prop_assert_eq!(check_chains(&mut ws), Ok(()));
    }

    #[test]
    fn operators_hold_nothing_by_being_operators(seed in any::<u64>(), users in 20usize..80) {
        let mut ws = open(seed, users);
        prop_assert_eq!(check_operators(&mut ws), Ok(()));
    }

    #[test]
    fn nothing_crosses_tenants(seed in any::<u64>(), users in 20usize..80) {
        let mut ws = open(seed, users);
        prop_assert_eq!(check_tenants(&mut ws), Ok(()));
    }

    #[test]
    fn run_as_only_with_an_operators_grant(seed in any::<u64>(), users in 20usize..80) {
        let mut ws = open(seed, users);
        prop_assert_eq!(check_run_as(&mut ws), Ok(()));
    }

    #[test]
    fn removing_a_grant_never_adds_a_permission(
        seed in any::<u64>(),
        users in 20usize..60,
        picks in proptest::collection::vec(any::<usize>(), 1..4),
    ) {
        let mut ws = open(seed, users);
        prop_assert_eq!(check_removal(&mut ws, &picks), Ok(()));
    }
}

#[test]
fn generator_is_deterministic_and_varied() {
    assert_eq!(generate::instance(7, 200), generate::instance(7, 200));
    assert_ne!(generate::instance(7, 200), generate::instance(8, 200));
    let mut ws = open(7, 400);
    // The instance exercises the policy: every kind of outcome occurs.
    for query in [
        "effective_grant(T, R, G, P, By)",
        "ineffective_grant(T, R, G, P, By, grantor_could_not_manage_access_then)",
        "ineffective_grant(T, R, G, P, By, permission_does_not_fit_kind)",
        "can_run(T, W)",
        "missing_permission(T, W, U, D, P)",
        "valid_run_as(I, G)",
        "run_as_invalid(T, R, I, S, Why)",
        "user(U, application)",
        "holds_role(U, T, \"Data Consumer\")",
        "depot_secret(T, D, S)",
        "audit_revocation(T, R, G, P, By)",
    ] {
        assert!(
            !q(&mut ws, query).is_empty(),
            "no {query} in the generated instance"
        );
    }
}
