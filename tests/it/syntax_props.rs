//! Property tests: printing then parsing gives the same tree, and no input panics.
//!
//! Trees are compared after `strip_spans`: the shared AST's derived `PartialEq` compares
//! spans (only `Ident` ignores them), and printed text puts nodes at new offsets.

use grantlog::source::SourceMap;
use grantlog::syntax::ast::*;
use grantlog::syntax::{is_incomplete, parse_atom, parse_module, parse_query, StripSpans};
use proptest::prelude::*;

fn sp() -> grantlog::source::Span {
    Default::default()
}

fn ident(re: &'static str) -> impl Strategy<Value = Ident> {
    re.prop_map(|s| Ident::new(s, sp()))
}

fn rel_name() -> impl Strategy<Value = Ident> {
    prop_oneof![
        ident("[a-z][a-z0-9_]{0,5}(-[a-z0-9]{1,3})?"),
        ident("[A-Z][a-zA-Z0-9_]{0,5}"),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        ident("[A-Z_][A-Za-z0-9_]{1,4}|[A-Z]").prop_map(Term::Var),
        Just(Term::Anonymous(sp())),
        any::<i64>().prop_map(|n| Term::Const(Const::Num(n), sp())),
        "[a-z][a-z0-9-]{0,6}".prop_map(|s| Term::Const(Const::Sym(s), sp())),
        any::<String>().prop_map(|s| Term::Const(Const::Sym(s), sp())),
    ]
}

fn atom() -> impl Strategy<Value = Atom> {
    (rel_name(), prop::collection::vec(term(), 0..4)).prop_map(|(relation, args)| Atom {
        relation,
        args,
        span: sp(),
    })
}

fn literal() -> impl Strategy<Value = Literal> {
    let op = prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
    ];
    prop_oneof![
        atom().prop_map(Literal::Positive),
        atom().prop_map(|a| Literal::Negative(a, sp())),
        (term(), op, term()).prop_map(|(left, op, right)| Literal::Compare(Comparison {
            left,
            op,
            right,
            span: sp()
        })),
    ]
}

fn doc() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::collection::vec("[^\n\r]{0,10}", 1..3).prop_map(|lines| lines.join("\n")),
    )
}

fn item() -> impl Strategy<Value = Item> {
    let column = (
        ident("[a-z][a-z0-9_]{0,4}"),
        prop::option::of(prop_oneof![
            Just(ColumnType::Symbol),
            Just(ColumnType::Number)
        ]),
    )
        .prop_map(|(name, ty)| Column { name, ty });
    let decl = (doc(), rel_name(), prop::collection::vec(column, 0..4)).prop_map(
        |(doc, name, columns)| {
            Item::Decl(Decl {
                annotation: None,
                doc,
                name,
                columns,
                span: sp(),
            })
        },
    );
    let rule = (
        doc(),
        prop::option::of(rel_name()),
        atom(),
        prop::collection::vec(literal(), 0..4),
    )
        .prop_map(|(doc, name, head, body)| {
            Item::Rule(Rule {
                doc,
                name,
                head,
                body,
                span: sp(),
            })
        });
    prop_oneof![decl, rule]
}

fn reparse_module(text: &str) -> Module {
    let mut sm = SourceMap::new();
    let f = sm.add("p.dl", text);
    let (mut m, diags) = parse_module(&sm, f);
    assert!(diags.is_empty(), "{text}\n{diags:?}");
    m.strip_spans();
    m
}

/// Every entry point, on any text, returns without panicking.
fn all_entry_points(text: &str) {
    let mut sm = SourceMap::new();
    let f = sm.add("x", text);
    let (_, diags) = parse_module(&sm, f);
    for d in &diags {
        let _ = d.render(&sm);
    }
    if let Err(ds) = parse_query(&sm, f) {
        ds.iter().for_each(|d| drop(d.render(&sm)));
    }
    let _ = parse_atom(&sm, f);
    let _ = is_incomplete(text);
    let _ = grantlog::syntax::highlight_tokens(text);
}

const PIECES: &[&str] = &[
    ".decl",
    "p",
    "Q",
    "_",
    "X",
    "sf-creds",
    "\"s\"",
    "\"\\q",
    "\"",
    "-3",
    "99999999999999999999",
    "(",
    ")",
    ",",
    ".",
    ":-",
    "!",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    ":",
    "@",
    "?",
    "//c\n",
    "/*",
    "*/",
    "///d\n",
    " ",
    "\n",
    "é",
    "$",
    "symbol",
    "'",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn modules_round_trip(items in prop::collection::vec(item(), 0..6)) {
        let m = Module { items };
        let text = m.to_string();
        prop_assert_eq!(reparse_module(&text), m, "{}", text);
    }

    #[test]
    fn queries_round_trip(literals in prop::collection::vec(literal(), 1..4)) {
        let q = Query { literals, span: sp() };
        let text = q.to_string();
        let mut sm = SourceMap::new();
        let f = sm.add("q", text.as_str());
        let mut back = parse_query(&sm, f).map_err(|d| TestCaseError::fail(format!("{text}: {d:?}")))?;
        back.strip_spans();
        prop_assert_eq!(back, q);
    }

    #[test]
    fn random_strings_do_not_panic(text in any::<String>()) {
        all_entry_points(&text);
    }

    #[test]
    fn token_soup_does_not_panic(picks in prop::collection::vec(0..PIECES.len(), 0..40)) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        all_entry_points(&text);
        let glued: String = picks.iter().map(|&i| PIECES[i]).collect();
        all_entry_points(&glued);
    }

    #[test]
    fn mutated_programs_do_not_panic(
        items in prop::collection::vec(item(), 1..4),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), 0..PIECES.len()), 1..4),
    ) {
        let mut text = Module { items }.to_string();
        for (at, piece) in cuts {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            if piece % 2 == 0 {
                text.insert_str(i, PIECES[piece]);
            } else {
                let end = (i + 3).min(text.len());
                let end = (end..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap();
                text.replace_range(i..end, "");
            }
        }
        all_entry_points(&text);
    }
}

#[test]
fn real_files_round_trip() {
    let dirs = ["rules", "examples", "tests/data"];
    let mut seen = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "dl") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut sm = SourceMap::new();
                let f = sm.add(path.display().to_string(), text);
                let (mut m, diags) = parse_module(&sm, f);
                assert!(diags.is_empty(), "{}: {diags:?}", path.display());
                m.strip_spans();
                assert_eq!(reparse_module(&m.to_string()), m, "{}", path.display());
                seen += 1;
            }
        }
    }
    // The language spec's example stands in until rules/ lands on this branch.
    let spec = std::fs::read_to_string("grammar/LANGUAGE.md").unwrap();
    let example = spec
        .split("```datalog\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let m = reparse_module(example);
    assert_eq!(m.items.len(), 15);
    assert_eq!(reparse_module(&m.to_string()), m);
    let _ = seen;
}

#[test]
fn every_token_variant_is_in_the_grammar() {
    let lexer = std::fs::read_to_string("src/syntax/lexer.rs").unwrap();
    let grammar = std::fs::read_to_string("grammar/grantlog.lalrpop").unwrap();
    let body = lexer
        .split("pub enum Token {")
        .nth(1)
        .unwrap()
        .split("\n}")
        .next()
        .unwrap();
    let variants: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.split(|c: char| !c.is_alphanumeric()).next().unwrap())
        .collect();
    assert!(variants.len() > 20, "{variants:?}");
    // Comments never reach the parser: the driver drops them (docs are attached by offset).
    for v in variants
        .iter()
        .filter(|v| !["Comment", "DocComment"].contains(v))
    {
        assert!(
            grammar.contains(&format!("Token::{v}")),
            "Token::{v} missing from the grammar's extern block"
        );
    }
    for used in grammar.split("Token::").skip(1) {
        let name = used.split(|c: char| !c.is_alphanumeric()).next().unwrap();
        assert!(
            variants.contains(&name),
            "grammar uses unknown Token::{name}"
        );
    }
}
