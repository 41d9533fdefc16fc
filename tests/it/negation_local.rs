//! Variables local to a negated atom (issue 9, item 6): `!s3(X, 5, P)` with `P` nowhere
//! else in the rule reads "there is no P such that s3(X, 5, P)"; a repeated one
//! (`!s3(X, P, P)`) needs its columns equal. Engine, queries, incremental evaluation,
//! the safety check, and why / why-not.
use crate::engine_common;
use crate::explain_util;

use engine_common::{evaluated, rows};
use explain_util::{atom, open};
use grantlog::engine::Limits;
use grantlog::explain::{why, why_not, ExplainOptions, Failure, Premise};
use grantlog::load::{compile_texts, Text};
use grantlog::source::SourceMap;
use grantlog::syntax::parse_query;

const RULES: &str = "
.decl main(x, y)
.decl s3(a, b, c)
.decl p(x)
.decl q(x)
main(a, 1). main(b, 2). main(c, 3). main(d, 4).
s3(a, 5, 7).
s3(b, 6, 7).
s3(c, 9, 9).
s3(d, 5, 5).
p(X) :- main(X, Y), Y > 0, !s3(X, 5, P).
q(X) :- main(X, _), !s3(X, P, P).
";

#[test]
fn a_local_variable_means_there_is_no_value() {
    let (m, _) = evaluated(RULES);
    // a and d have some s3(X, 5, _); b and c none.
    assert_eq!(rows(&m, "p"), ["b", "c"]);
    // c and d have s3(X, P, P) with equal columns; a and b only unequal ones.
    assert_eq!(rows(&m, "q"), ["a", "b"]);
}

#[test]
fn incremental_evaluation_follows_the_blocking_tuples() {
    let (mut m, _) = evaluated(RULES);
    let s3 = m.program().relation("s3").unwrap();
    let v = |m: &mut grantlog::engine::Model, s: &str| {
        m.intern(&match s.parse::<i64>() {
            Ok(n) => grantlog::syntax::ast::Const::Num(n),
            Err(_) => grantlog::syntax::ast::Const::Sym(s.into()),
        })
    };
    // A blocker for b in p (any third column) and, equal columns, for a in q.
    let t = [v(&mut m, "b"), v(&mut m, "5"), v(&mut m, "8")];
    m.add_fact(s3, &t, Default::default());
    let t = [v(&mut m, "a"), v(&mut m, "3"), v(&mut m, "3")];
    m.add_fact(s3, &t, Default::default());
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&m, "p"), ["c"]);
    assert_eq!(rows(&m, "q"), ["b"]);
    // Retracting d's only blocker frees d in both.
    let t = [v(&mut m, "d"), v(&mut m, "5"), v(&mut m, "5")];
    assert!(m.retract_fact(s3, &t));
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&m, "p"), ["c", "d"]);
    assert_eq!(rows(&m, "q"), ["b", "d"]);
}

#[test]
fn queries_do_not_list_local_variables_as_columns() {
    let (m, mut sources) = evaluated(RULES);
    let mut ask = |text: &str| {
        let file = sources.add("<query>", text.to_string());
        let q = parse_query(&sources, file).expect("parses");
        m.query(&sources, &q).expect("answers")
    };
    let a = ask("main(X, _), !s3(X, P, P), !s3(X, 6, Q)");
    assert_eq!(a.columns, ["X"]);
    assert_eq!(a.rows.len(), 1, "{a:?}");
    // Slot order does not matter: the local variable comes first here.
    let a = ask("!s3(P, P, 7), main(X, Y)");
    assert_eq!(a.columns, ["X", "Y"]);
    assert_eq!(a.rows.len(), 4);
    assert!(ask("!s3(X, 1, Y)").holds());
    assert!(!ask("!s3(X, 5, Y)").holds());
}

fn error_codes(text: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    match compile_texts(&mut sources, &[("rules.dl", text)]) {
        Ok(_) => Vec::new(),
        Err(d) => d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.to_string())
            .collect(),
    }
}

#[test]
fn only_a_variable_in_one_negation_and_nowhere_else_is_local() {
    let decls = ".decl m(x) .decl s(a, b) .decl r(x)\nm(a). s(a, b).\n";
    let ok = |rule: &str| error_codes(&format!("{decls}{rule}"));
    assert!(ok("r(X) :- m(X), !s(X, P).").is_empty());
    assert!(ok("r(X) :- m(X), !s(P, P).").is_empty());
    assert!(ok("r(X) :- m(X), !s(P, Q), !s(X, _).").is_empty());
    // In two negations, in a comparison, or in the head: it must be bound.
    assert_eq!(ok("r(X) :- m(X), !s(X, P), !s(P, X)."), ["E0201"]);
    assert_eq!(ok("r(X) :- m(X), !s(X, P), P != a."), ["E0201"]);
    assert_eq!(ok("r(P) :- m(_), !s(a, P)."), ["E0201"]);
}

#[test]
fn why_shows_the_negation_held_and_why_not_shows_the_blocker() {
    let mut ws = open(&[Text::new("r.dl", RULES)], &[]);
    let opts = ExplainOptions::default();
    let a = atom(&mut ws, "q(a)");
    let p = why(&ws.model, &ws.sources, &a, &opts).unwrap();
    let absent: Vec<String> = p.nodes[p.root]
        .premises
        .iter()
        .flatten()
        .filter_map(|pr| match pr {
            Premise::Absent(pat) => Some(pat.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(absent, ["s3(a, P, P)"]);
    let text = p.to_text(&ws.sources);
    assert!(
        text.contains("!s3(a, P, P) holds: no s3(a, P, P)"),
        "{text}"
    );

    let a = atom(&mut ws, "q(c)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &opts).unwrap();
    let blockers: Vec<String> = w
        .attempts
        .iter()
        .filter_map(|at| match &at.failure {
            Failure::Blocked { premise, .. } => Some(premise.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(blockers, ["s3(c, 9, 9)"]);
    // p(a) is blocked by s3(a, 5, 7) whatever its third column.
    let a = atom(&mut ws, "p(a)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &opts).unwrap();
    let text = w.to_text(&ws.sources);
    assert!(
        text.contains("fails: !s3(a, 5, 7), because s3(a, 5, 7) holds"),
        "{text}"
    );
}

#[test]
fn why_not_fixes_lift_every_blocker_of_a_local_negation() {
    // q(a) is blocked by bad(a, 1) and bad(a, 2): the fix must lift both.
    let rules = "
.decl n(x)
.decl e(x, y)
.decl ok(y)
.decl bad(x, y)
.decl q(x)
n(a).
e(a, 1). e(a, 2).
bad(X, Y) :- e(X, Y), !ok(Y).
q(X) :- n(X), !bad(X, P).
";
    let mut ws = open(&[Text::new("r.dl", rules)], &[]);
    let a = atom(&mut ws, "q(a)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let fixes: Vec<Vec<String>> = w
        .fixes
        .iter()
        .map(|f| f.facts.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(fixes, [["ok(1)", "ok(2)"]]);
}

/// Rules mixing bound, local, repeated-local and `_` columns under negation.
const RANDOM_RULES: &str = "
.decl e(x, y)
.decl s(a, b, c)
.decl p(x)
.decl q(x)
.decl r(x, y)
p(X) :- e(X, Y), !s(X, Y, _P).
q(X) :- e(X, _), !s(X, _P, _P).
r(X, Y) :- e(X, Y), !s(Y, _P, X), !e(_Q, _Q).
";

/// Does some tuple of the model match `pat` (variables free, repeated ones equal)?
fn some_match(ws: &grantlog::workspace::Workspace, pat: &grantlog::explain::Pattern) -> bool {
    use grantlog::explain::PatArg;
    let m = &ws.model;
    let rel = m.program().relation(&pat.relation).unwrap();
    m.tuples(rel).any(|t| {
        let mut seen: std::collections::HashMap<&str, grantlog::engine::Value> = Default::default();
        pat.args.iter().zip(t).all(|(a, v)| match a {
            PatArg::Const(c) => m.constant(*v) == c,
            PatArg::Wild => true,
            PatArg::Var(n) => *seen.entry(n.as_str()).or_insert(*v) == *v,
        })
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Every derived tuple has a proof whose negated premises hold in the model (no tuple
    /// matches them); every absent candidate gets a why-not naming a failing premise.
    #[test]
    fn proofs_and_why_nots_agree_with_the_model(
        es in proptest::collection::vec((0u8..3, 0u8..3), 0..8),
        ss in proptest::collection::vec((0u8..3, 0u8..3, 0u8..3), 0..8),
    ) {
        let mut facts = String::new();
        for (a, b) in &es {
            facts.push_str(&format!("e({a}, {b}).\n"));
        }
        for (a, b, c) in &ss {
            facts.push_str(&format!("s({a}, {b}, {c}).\n"));
        }
        let mut ws = open(&[Text::new("r.dl", RANDOM_RULES)], &[Text::new("f.dl", facts)]);
        let opts = ExplainOptions::default();
        let mut candidates: Vec<String> = Vec::new();
        for x in 0..3 {
            candidates.push(format!("p({x})"));
            candidates.push(format!("q({x})"));
            for y in 0..3 {
                candidates.push(format!("r({x}, {y})"));
            }
        }
        for text in candidates {
            let a = atom(&mut ws, &text);
            match why(&ws.model, &ws.sources, &a, &opts) {
                Ok(p) => {
                    for n in &p.nodes {
                        proptest::prop_assert!(
                            !matches!(n.origin, grantlog::explain::NodeOrigin::Unproved),
                            "{text}: {} unproved",
                            n.fact
                        );
                        for pr in n.premises.iter().flatten() {
                            if let Premise::Absent(pat) = pr {
                                proptest::prop_assert!(!some_match(&ws, pat), "{text}: {pat}");
                            }
                        }
                    }
                }
                Err(_) => {
                    let w = why_not(&mut ws.model, &ws.sources, &a, &opts).unwrap();
                    proptest::prop_assert!(!w.attempts.is_empty());
                    for at in &w.attempts {
                        proptest::prop_assert!(!matches!(at.failure, Failure::None), "{text}");
                        if let Failure::Blocked { premise, .. } = &at.failure {
                            // The blocker is in the model.
                            let rel = ws.model.program().relation(&premise.relation).unwrap();
                            let shown = premise.to_string();
                            proptest::prop_assert!(
                                ws.model.tuples(rel).any(|t| {
                                    grantlog::explain::Fact {
                                        relation: premise.relation.clone(),
                                        values: t.iter().map(|v| ws.model.constant(*v).clone()).collect(),
                                    }
                                    .to_string()
                                        == shown
                                }),
                                "{text}: {shown}"
                            );
                        }
                    }
                }
            }
        }
    }
}
