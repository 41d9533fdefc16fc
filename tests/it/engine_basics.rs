//! Joins, constants, recursion, negation, comparisons, zero-arity relations, queries.
use crate::engine_common;
use engine_common::*;
use grantlog::diag::{render_all, Diagnostic};
use grantlog::engine::Model;
use grantlog::source::SourceMap;
use grantlog::syntax::ast::Query;

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<_> = diags.iter().map(|d| d.code).collect();
    c.sort_unstable();
    c
}

/// Parses a query with the real parser; panics with rendered diagnostics.
fn parse_query(sources: &mut SourceMap, text: &str) -> Query {
    let file = sources.add("<query>", text);
    grantlog::syntax::parse_query(sources, file)
        .unwrap_or_else(|d| panic!("{}", render_all(&d, sources)))
}

/// Answers a query, rows rendered like [`rows`] (in the answer's order).
fn ask(model: &Model, sources: &mut SourceMap, text: &str) -> Vec<String> {
    let q = parse_query(sources, text);
    let a = model
        .query(sources, &q)
        .unwrap_or_else(|d| panic!("{}", render_all(&d, sources)));
    a.rows
        .iter()
        .map(|r| r.iter().map(show).collect::<Vec<_>>().join(","))
        .collect()
}

#[test]
fn joins_two_relations() {
    let (m, _) = evaluated(
        ".decl grant(u, p, r, g)
         .decl can_manage(g, r)
         .decl effective(u, p, r)
         grant(ann, read, db, admins). grant(bob, write, db, devs). grant(cy, read, web, admins).
         can_manage(admins, db). can_manage(devs, web).
         effective(U, P, R) :- grant(U, P, R, G), can_manage(G, R).",
    );
    assert_eq!(rows(&m, "effective"), ["ann,read,db"]);
}

#[test]
fn constants_of_every_kind() {
    let (m, _) = evaluated(
        r#".decl t(a, b: number)
         .decl out(x)
         t(bob, 42). t("bob", -3). t("sf-creds", 7). t(runnable-default, 0). t("3", 3).
         out(X) :- t(X, 42).
         out(X) :- t(X, -3).
         out(X) :- t(sf-creds, N), t(X, N).
         out(X) :- t("3", X).
         out(X) :- t(X, 0), X = runnable-default."#,
    );
    assert_eq!(
        rows(&m, "out"),
        ["3", "bob", "runnable-default", "sf-creds"]
    );
    assert_eq!(rows(&m, "t").len(), 5);
}

#[test]
fn transitive_closure_and_mutual_recursion() {
    let (m, _) = evaluated(
        ".decl edge(a, b) .decl path(a, b) .decl even(n) .decl odd(n) .decl succ(a, b)
         edge(a, b). edge(b, c). edge(c, d). edge(d, b).
         path(X, Y) :- edge(X, Y).
         path(X, Z) :- edge(X, Y), path(Y, Z).
         succ(0, 1). succ(1, 2). succ(2, 3). succ(3, 4). succ(4, 5).
         even(0).
         odd(Y) :- even(X), succ(X, Y).
         even(Y) :- odd(X), succ(X, Y).",
    );
    assert_eq!(
        rows(&m, "path"),
        ["a,b", "a,c", "a,d", "b,b", "b,c", "b,d", "c,b", "c,c", "c,d", "d,b", "d,c", "d,d"]
    );
    assert_eq!(rows(&m, "even"), ["0", "2", "4"]);
    assert_eq!(rows(&m, "odd"), ["1", "3", "5"]);
}

#[test]
fn negation_across_several_strata() {
    let (m, _) = evaluated(
        ".decl node(n) .decl edge(a, b) .decl reach(n) .decl unreached(n) .decl all_reached .decl ok(n)
         node(a). node(b). node(c). node(d).
         edge(a, b). edge(b, c).
         reach(a).
         reach(Y) :- reach(X), edge(X, Y).
         unreached(N) :- node(N), !reach(N).
         all_reached :- !unreached(_).
         ok(N) :- node(N), !unreached(N), !all_reached.",
    );
    assert_eq!(rows(&m, "reach"), ["a", "b", "c"]);
    assert_eq!(rows(&m, "unreached"), ["d"]);
    assert_eq!(rows(&m, "all_reached"), Vec::<String>::new());
    assert_eq!(rows(&m, "ok"), ["a", "b", "c"]);
}

#[test]
fn comparisons_on_numbers_and_symbols() {
    let (m, _) = evaluated(
        ".decl age(who, years) .decl adult(who) .decl pair(a, b) .decl young(who)
         age(ann, 42). age(bob, 17). age(root, 99). age(cy, 18). age(odd, thirty).
         adult(X) :- age(X, N), N >= 18, X != root.
         young(X) :- age(X, N), N < 18.
         young(X) :- age(X, N), N <= thirty.
         pair(X, Y) :- age(X, N), age(Y, M), N > M, M > 40.",
    );
    assert_eq!(rows(&m, "adult"), ["ann", "cy"]);
    assert_eq!(rows(&m, "young"), ["bob"]);
    assert_eq!(rows(&m, "pair"), ["root,ann"]);
}

#[test]
fn equality_binds_a_variable() {
    let (m, _) = evaluated(
        ".decl p(a) .decl q(a, b)
         p(x). p(y).
         q(X, Y) :- p(X), Y = X.
         q(X, Y) :- Y = z, X = Y.",
    );
    assert_eq!(rows(&m, "q"), ["x,x", "y,y", "z,z"]);
}

#[test]
fn zero_arity_relations() {
    let (m, _) = evaluated(
        ".decl ready .decl go() .decl p(a) .decl never .decl q(a)
         p(a).
         ready :- p(a).
         go() :- ready, !never.
         q(X) :- p(X), go.",
    );
    assert_eq!(rows(&m, "ready"), [""]);
    assert_eq!(rows(&m, "go"), [""]);
    assert_eq!(rows(&m, "q"), ["a"]);
    assert!(rows(&m, "never").is_empty());
}

#[test]
fn repeated_variables_in_one_atom() {
    let (m, _) = evaluated(
        ".decl e(a, b) .decl self_loop(a)
         e(a, a). e(a, b). e(c, c).
         self_loop(X) :- e(X, X).",
    );
    assert_eq!(rows(&m, "self_loop"), ["a", "c"]);
}

#[test]
fn queries_answer_with_named_columns_sorted() {
    let (m, mut sources) = evaluated(
        ".decl can_use(u, r) .decl can_edit(u, r) .decl age(u, n)
         can_use(bob, db). can_use(ann, db). can_use(ann, web). can_edit(ann, db).
         age(ann, 42). age(bob, 7).",
    );
    let q = parse_query(&mut sources, "can_use(U, R), !can_edit(U, R)");
    let a = m.query(&sources, &q).unwrap();
    assert_eq!(a.columns, ["U", "R"]);
    assert_eq!(
        ask(&m, &mut sources, "can_use(U, R), !can_edit(U, R)"),
        ["ann,web", "bob,db"]
    );
    assert_eq!(ask(&m, &mut sources, "can_use(ann, db)"), [""]);
    assert!(ask(&m, &mut sources, "can_use(cy, db)").is_empty());
    assert_eq!(ask(&m, &mut sources, "age(U, N), N > 10"), ["ann,42"]);
    // A constant the model never saw, and one bound through `=`.
    assert_eq!(ask(&m, &mut sources, "X = zed, !can_use(X, db)"), ["zed"]);
    assert_eq!(ask(&m, &mut sources, "can_use(U, _), U != bob."), ["ann"]);
    // Numbers sort numerically, symbols by text.
    assert_eq!(ask(&m, &mut sources, "age(_, N)"), ["7", "42"]);
}

#[test]
fn query_diagnostics() {
    let (m, mut sources) = evaluated(".decl edge(a, b) edge(a, b).");
    let mut codes_of = |text: &str| {
        let q = parse_query(&mut sources, text);
        codes(&m.query(&sources, &q).unwrap_err())
    };
    assert_eq!(codes_of("edg(X, Y)"), ["E0101"]);
    assert_eq!(codes_of("edge(X)"), ["E0102"]);
    assert_eq!(codes_of("!edge(X, a), X != b"), ["E0201"]);
    let _ = SourceMap::new();
}
