//! What the parser builds: items, docs, rule names, spans.

use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::*;
use grantlog::syntax::{parse_atom, parse_module, parse_query};

fn module(text: &str) -> (Module, SourceMap) {
    let mut sm = SourceMap::new();
    let f = sm.add("m.dl", text);
    let (m, diags) = parse_module(&sm, f);
    assert!(diags.is_empty(), "{diags:?}");
    (m, sm)
}

fn rules(m: &Module) -> Vec<&Rule> {
    m.items
        .iter()
        .filter_map(|i| match i {
            Item::Rule(r) => Some(r),
            Item::Decl(_) => None,
        })
        .collect()
}

fn at(sm: &SourceMap, span: Span) -> String {
    format!("{} {}", sm.locate(span), sm.snippet(span))
}

const EXAMPLE: &str = r#"// line comment      /* block comment */
/// A doc comment attaches to the next declaration or rule; explanations show it.
.decl edge(from: symbol, to: symbol)   // column types optional: symbol | number
.decl path(from, to)
.decl age(who: symbol, years: number)
.decl ready                            // zero-arity: `.decl ready` or `.decl ready()`

edge(a, b).                            // a fact: ground head, no body
edge("sf-creds", runnable-default).    // bare lowercase names may contain '-'
age(bob, 42).

/// S20: transitive closure.
@path_step                              // optional rule name, used by why/coverage
path(X, Z) :- edge(X, Y), path(Y, Z).
path(X, Y) :- edge(X, Y).               // unnamed: named by file:line
lonely(X) :- node(X), !edge(X, _).      // negation; `_` is anonymous
adult(X)  :- age(X, N), N >= 18, X != root.
ready :- path(a, b).                    // zero-arity head, `ready` or `ready()`
"#;

#[test]
fn the_language_example_parses_with_docs_names_and_spans() {
    let (m, sm) = module(EXAMPLE);
    assert_eq!(m.items.len(), 12);
    let Item::Decl(edge) = &m.items[0] else {
        panic!()
    };
    assert_eq!(
        edge.doc.as_deref(),
        Some("A doc comment attaches to the next declaration or rule; explanations show it.")
    );
    assert_eq!(
        at(&sm, edge.span),
        "m.dl:3:1 .decl edge(from: symbol, to: symbol)"
    );
    assert_eq!(edge.columns[1].ty, Some(ColumnType::Symbol));
    let Item::Decl(path) = &m.items[1] else {
        panic!()
    };
    assert_eq!((path.doc.as_deref(), path.columns[0].ty), (None, None));
    let Item::Decl(ready) = &m.items[3] else {
        panic!()
    };
    assert!(ready.columns.is_empty());

    let rs = rules(&m);
    assert_eq!(
        rs[1].head.args[0],
        Term::Const(Const::Sym("sf-creds".into()), Span::default())
            .with_span(rs[1].head.args[0].span())
    );
    assert_eq!(
        at(&sm, rs[1].head.args[1].span()),
        "m.dl:9:18 runnable-default"
    );
    assert_eq!(at(&sm, rs[2].head.args[1].span()), "m.dl:10:10 42");

    let step = rs[3];
    assert_eq!(step.doc.as_deref(), Some("S20: transitive closure."));
    assert_eq!(
        step.name.as_ref().map(|n| n.name.as_str()),
        Some("path_step")
    );
    assert_eq!(
        at(&sm, step.name.as_ref().unwrap().span),
        "m.dl:13:2 path_step"
    );
    assert_eq!(
        sm.locate(step.span).to_string(),
        "m.dl:13:1",
        "a rule's span starts at its @name"
    );
    assert_eq!(at(&sm, step.head.span), "m.dl:14:1 path(X, Z)");
    assert_eq!(at(&sm, step.body[1].span()), "m.dl:14:27 path(Y, Z)");
    assert!(rs[4].doc.is_none() && rs[4].name.is_none());

    let lonely = rs[5];
    assert_eq!(at(&sm, lonely.body[1].span()), "m.dl:16:23 !edge(X, _)");
    let Literal::Negative(a, _) = &lonely.body[1] else {
        panic!()
    };
    assert!(matches!(a.args[1], Term::Anonymous(_)));
    assert_eq!(at(&sm, a.args[1].span()), "m.dl:16:32 _");

    let adult = rs[6];
    let Literal::Compare(c) = &adult.body[1] else {
        panic!()
    };
    assert_eq!(
        (c.op, at(&sm, c.span)),
        (CompareOp::Ge, "m.dl:17:25 N >= 18".into())
    );
    assert_eq!(at(&sm, adult.body[2].span()), "m.dl:17:34 X != root");

    let ready = rs[7];
    assert!(ready.head.args.is_empty());
    assert_eq!(at(&sm, ready.span), "m.dl:18:1 ready :- path(a, b).");
}

/// Test helper: the same term with another span.
trait WithSpan {
    fn with_span(self, s: Span) -> Self;
}
impl WithSpan for Term {
    fn with_span(self, s: Span) -> Term {
        match self {
            Term::Const(c, _) => Term::Const(c, s),
            Term::Anonymous(_) => Term::Anonymous(s),
            v => v,
        }
    }
}

#[test]
fn zero_arity_both_forms_and_uppercase_relations() {
    let (m, _) = module(".decl ready()\n.decl Edge(x, y)\nready().\nready.\nEdge(a, b).\np :- Edge(X, Y), Ready, ready().");
    let Item::Decl(d) = &m.items[0] else { panic!() };
    assert!(d.columns.is_empty());
    let rs = rules(&m);
    assert!(rs[0].head.args.is_empty() && rs[1].head.args.is_empty());
    assert_eq!(rs[2].head.relation.name, "Edge");
    assert_eq!(rs[3].body[0].span().start, 64);
    let Literal::Positive(r) = &rs[3].body[1] else {
        panic!()
    };
    assert_eq!((r.relation.name.as_str(), r.args.len()), ("Ready", 0));
}

#[test]
fn negative_numbers_hyphens_and_strings() {
    let (m, _) = module(
        "p(-3, 0, 9223372036854775807, -9223372036854775808, a-b-c, \"x\\ty\\u{1F600}\", \"\").",
    );
    let args: Vec<String> = rules(&m)[0]
        .head
        .args
        .iter()
        .map(|t| format!("{t}"))
        .collect();
    assert_eq!(
        args,
        [
            "-3",
            "0",
            "9223372036854775807",
            "-9223372036854775808",
            "a-b-c",
            "\"x\\ty\u{1F600}\"",
            "\"\""
        ]
    );
}

#[test]
fn comments_everywhere() {
    let text = "/* a */ p /* b */ ( /* c */ X // d\n , /* e */ Y ) /* f */ :- // g\n q(X, /**/ Y) /* h */ . // i\n/* end */";
    let (m, _) = module(text);
    assert_eq!(format!("{m}"), "p(X, Y) :- q(X, Y).\n");
}

#[test]
fn docs_attach_only_to_the_next_item() {
    let (m, _) = module("/// one\n/// two\n.decl p(x)\n/// fact doc\np(a).\n/// three\n// plain\n@r\np(X) :- q(X).\np(b).\n/// dangling\n");
    let docs: Vec<Option<&str>> = m
        .items
        .iter()
        .map(|i| match i {
            Item::Decl(d) => d.doc.as_deref(),
            Item::Rule(r) => r.doc.as_deref(),
        })
        .collect();
    assert_eq!(
        docs,
        [Some("one\ntwo"), Some("fact doc"), Some("three"), None]
    );
}

#[test]
fn queries_and_atoms() {
    let mut sm = SourceMap::new();
    let f = sm.add("q", "can_use(U, R), !can_edit(U, R), U != bob?");
    let q = parse_query(&sm, f).unwrap();
    assert_eq!(q.literals.len(), 3);
    assert_eq!(
        sm.snippet(q.span),
        "can_use(U, R), !can_edit(U, R), U != bob"
    );
    let f = sm.add("q", "p(X).");
    assert_eq!(parse_query(&sm, f).unwrap().literals.len(), 1);
    let f = sm.add("a", "  can_use(bob, x).");
    let a = parse_atom(&sm, f).unwrap();
    assert_eq!(
        (a.relation.name.as_str(), sm.locate(a.span).col),
        ("can_use", 3)
    );
    let f = sm.add("a", "ready");
    assert!(parse_atom(&sm, f).unwrap().args.is_empty());
}
