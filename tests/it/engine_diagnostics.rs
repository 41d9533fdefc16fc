//! Every static diagnostic, with span and help.
use grantlog::diag::{render_all, Diagnostic};
use grantlog::load::compile_texts;
use grantlog::program::Program;
use grantlog::source::SourceMap;
use std::sync::Arc;

/// Compiles one rule file `rules.dl` with the real parser; panics with rendered diagnostics.
fn program(sources: &mut SourceMap, text: &str) -> (Arc<Program>, Vec<Diagnostic>) {
    match compile_texts(sources, &[("rules.dl", text)]) {
        Ok((p, warnings)) => (Arc::new(p), warnings),
        Err(d) => panic!("{}", render_all(&d, sources)),
    }
}

/// Compiles one rule file expecting errors; returns every diagnostic.
fn errors(text: &str) -> Vec<Diagnostic> {
    let mut sources = SourceMap::new();
    match compile_texts(&mut sources, &[("rules.dl", text)]) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d,
    }
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<_> = diags.iter().map(|d| d.code).collect();
    c.sort_unstable();
    c
}

#[test]
fn unknown_relation_suggests_a_close_name() {
    let d = errors(".decl edge(a, b) .decl path(a, b) edge(a, b). path(X, Y) :- edg(X, Y).");
    assert_eq!(codes(&d), ["E0101"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `edge`?"));
    assert!(d[0].span.is_some());
}

#[test]
fn all_errors_are_reported_together() {
    let d = errors(
        ".decl e(a, b)
         .decl e(x)
         .decl age(who, n: number)
         .decl p(a)
         e(a, b).
         age(bob, old).
         p(X) :- e(X).
         p(X) :- e(X, Y), !q(Y).
         p(X) :- e(a, b).",
    );
    assert_eq!(
        codes(&d)
            .into_iter()
            .filter(|c| c.starts_with('E'))
            .collect::<Vec<_>>(),
        ["E0101", "E0102", "E0103", "E0105", "E0201"]
    );
    assert!(
        d.iter().all(|d| d.span.is_some() && d.help.is_some()),
        "{d:#?}"
    );
}

#[test]
fn unsafe_variables() {
    let cases = [
        ".decl p(a) .decl q(a) q(a). p(X) :- !q(X).",
        ".decl p(a) .decl q(a) q(a). p(Y) :- q(X), X = X.",
        ".decl p(a) .decl q(a) q(a). p(X) :- q(X), Y < 3.",
        ".decl p(a) .decl q(a) q(a). p(_) :- q(_X).",
        ".decl p(a) p(X).",
    ];
    for src in cases {
        let d = errors(src);
        assert!(codes(&d).contains(&"E0201"), "{src}: {d:#?}");
    }
}

#[test]
fn equality_chains_bind() {
    let mut s = SourceMap::new();
    program(
        &mut s,
        ".decl p(a) .decl q(a, b) p(x). q(X, Z) :- p(X), Y = X, Z = Y.",
    );
}

#[test]
fn negation_cycle_names_the_cycle() {
    let d = errors(
        ".decl a(x) .decl b(x) .decl n(x)
         n(x).
         a(X) :- n(X), !b(X).
         b(X) :- a(X).",
    );
    assert_eq!(codes(&d), ["E0301"]);
    assert!(d[0].message.contains("a -> !b -> a"), "{}", d[0].message);
    let d = errors(".decl a(x) .decl n(x) n(x). a(X) :- n(X), !a(X).");
    assert!(d[0].message.contains("a -> !a"), "{}", d[0].message);
}

#[test]
fn warnings_for_single_use_and_unused_and_unfed() {
    let mut s = SourceMap::new();
    let (p, warnings) = program(
        &mut s,
        ".decl e(a, b) .decl unused(a) .decl fed_later(a) .decl p(a)
         e(a, b).
         p(X) :- e(X, Y).
         p(X) :- e(X, _Ignored), fed_later(X).",
    );
    assert_eq!(codes(&warnings), ["W0501", "W0502"]);
    assert!(warnings
        .iter()
        .all(|w| w.span.is_some() && w.help.is_some()));
    let unfed = p.unfed_relations(|_| false);
    assert_eq!(codes(&unfed), ["W0503"]);
    assert!(unfed[0].message.contains("fed_later"));
    let fed = p.relation("fed_later").unwrap();
    assert!(p.unfed_relations(|r| r == fed).is_empty());
}

#[test]
fn rule_names_and_labels() {
    let mut s = SourceMap::new();
    let (p, _) = program(
        &mut s,
        ".decl e(a, b) .decl path(a, b)
e(a, b).
/// One step.
@path_step
path(X, Y) :- e(X, Y).
path(X, Z) :- e(X, Y), path(Y, Z).",
    );
    let names: Vec<_> = p.rules().map(|r| p.rule_info(r).name.clone()).collect();
    assert_eq!(names, ["path_step", "rules.dl:6"]);
    let first = p.rule_info(p.rules().next().unwrap());
    assert_eq!(first.doc.as_deref(), Some("One step."));
    assert_eq!(first.label, "rules.dl:5");
    assert!(p.is_derived(p.relation("path").unwrap()));
    assert!(!p.is_derived(p.relation("e").unwrap()));
    assert_eq!(p.columns(p.relation("e").unwrap()), ["a", "b"]);
}
