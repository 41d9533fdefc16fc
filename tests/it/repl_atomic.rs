//! A REPL input that fails, for any reason (a syntax error, an unknown relation, a limit
//! reached in the middle of the evaluation), leaves the model exactly as it was: every
//! relation's tuples, and the undo history (issue 9, item 13).

use grantlog::engine::Limits;
use grantlog::repl::Repl;
use grantlog::shipped;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::time::Duration;

fn open(limits: Limits) -> Workspace {
    Workspace::open(&shipped::rules(), &[shipped::example()], &limits)
        .unwrap_or_else(|_| panic!("the shipped example opens"))
}

/// Every relation with its tuples, sorted: what the model answers.
fn answers(ws: &Workspace) -> Vec<(String, Vec<String>)> {
    let p = ws.program();
    p.relations()
        .map(|r| {
            let mut rows: Vec<String> = ws
                .model
                .tuples(r)
                .map(|t| {
                    let vals: Vec<String> = t
                        .iter()
                        .map(|&v| ws.model.constant(v).to_string())
                        .collect();
                    vals.join(", ")
                })
                .collect();
            rows.sort();
            (p.relation_name(r).to_string(), rows)
        })
        .collect()
}

/// (output, failed?) of one input.
fn input(repl: &mut Repl, ws: &mut Workspace, line: &str) -> (String, bool) {
    let errors = repl.summary.errors;
    let mut out = Vec::new();
    repl.handle(ws, line, &mut out);
    (
        String::from_utf8(out).unwrap(),
        repl.summary.errors > errors,
    )
}

#[test]
fn an_assert_stopped_by_the_tuple_limit_changes_nothing() {
    // The reproducer, `grantlog repl --max-tuples 145`, with the 16 tuples of the rights
    // the ordered reading checks (may_grant, may_revoke, may_revoke_run_as) added.
    let mut ws = open(Limits {
        max_tuples: Some(161),
        timeout: None,
    });
    let mut repl = Repl::new();
    let before = answers(&ws);
    let (out, failed) = input(
        &mut repl,
        &mut ws,
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.",
    );
    assert!(failed && out.contains("E0401"), "{out}");
    assert_eq!(answers(&ws), before, "the failed assert left tuples behind");
    let (out, _) = input(&mut repl, &mut ws, ":undo");
    assert_eq!(out, "nothing to undo\n");
    // The session goes on from where it was: with room, the same assert succeeds.
    ws.limits = Limits::default();
    let (out, failed) = input(
        &mut repl,
        &mut ws,
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.",
    );
    assert!(
        !failed && out.contains("+ can_run(engineering, sales-360)"),
        "{out}"
    );
}

#[test]
fn an_undo_stopped_by_a_limit_can_be_tried_again() {
    let mut ws = open(Limits::default());
    let mut repl = Repl::new();
    let start = answers(&ws);
    let (_, failed) = input(
        &mut repl,
        &mut ws,
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.",
    );
    assert!(!failed);
    let asserted = answers(&ws);
    ws.limits.timeout = Some(Duration::ZERO);
    let (out, failed) = input(&mut repl, &mut ws, ":undo");
    assert!(failed && out.contains("E0402"), "{out}");
    assert_eq!(answers(&ws), asserted);
    ws.limits = Limits::default();
    let (out, failed) = input(&mut repl, &mut ws, ":undo");
    assert!(!failed && out.starts_with("undone"), "{out}");
    assert_eq!(answers(&ws), start);
}

/// Inputs valid and not: asserts, retracts, loads of good and bad text, queries, undo.
const INPUTS: &[&str] = &[
    ":assert grant can_use_secret on sf-creds in engineering to sam by maria.",
    ":assert grant can_use_compute on runnable-default in engineering to dana by maria.",
    ":assert grant can_use_depot on sf-depot in engineering to dana by maria.",
    ":assert user erin type person name \"Erin\" email \"erin@tmdc.io\".",
    ":assert revoke run-as dpdeveloper from sam by iamgroot.",
    ":assert fact onboarding_delegated(engineering).",
    ":assert grant nosuch_permission on sf-creds in engineering to sam by maria.",
    ":assert grant can_use_secret on",
    ":assert nosuch_relation(a, b).",
    ":retract grant can_use_depot on sf-depot in engineering to sam by maria.",
    ":retract grant can_use_secret on sf-creds in engineering to sam by maria.",
    ":retract can_run(engineering, sales-360).",
    ":load examples/run-as.facts",
    ":load examples/self-grant.facts",
    ":load tests/it/main.rs",
    ":load no/such/file.facts",
    "can_run(engineering, sales-360)",
    "missing_permission(T, W, U, R, P)",
    "nosuch(X)",
    ":whynot can_run(engineering, sales-360)",
    ":undo",
];

#[derive(Clone, Debug)]
enum Limit {
    None,
    /// Room for this many more derived tuples than the model holds.
    Room(usize),
    Expired,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn a_failed_input_leaves_every_relation_as_it_was(
        steps in prop::collection::vec(
            (0..INPUTS.len(), prop_oneof![
                2 => Just(Limit::None),
                2 => (0usize..40).prop_map(Limit::Room),
                1 => Just(Limit::Expired),
            ]),
            1..10,
        )
    ) {
        let mut ws = open(Limits::default());
        let mut repl = Repl::new();
        for (i, limit) in steps {
            ws.limits = match limit {
                Limit::None => Limits::default(),
                Limit::Room(n) => Limits { max_tuples: Some(ws.model.derived_count() + n), timeout: None },
                Limit::Expired => Limits { max_tuples: None, timeout: Some(Duration::ZERO) },
            };
            let before = answers(&ws);
            let (out, failed) = input(&mut repl, &mut ws, INPUTS[i]);
            if failed {
                prop_assert!(answers(&ws) == before, "`{}` under {:?} failed ({}) and changed the model", INPUTS[i], ws.limits, out);
            }
        }
    }
}

#[test]
fn a_repl_query_obeys_the_tuple_limit() {
    let mut ws = open(Limits::default());
    let mut repl = Repl::new();
    let (all, failed) = input(&mut repl, &mut ws, "user(U, K), tenant_role_name(R)");
    assert!(!failed && all.lines().count() > 5, "{all}");
    ws.limits.max_tuples = Some(3);
    let (out, failed) = input(&mut repl, &mut ws, "user(U, K), tenant_role_name(R)");
    assert!(failed && out.contains("E0401"), "{out}");
}
