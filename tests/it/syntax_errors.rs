//! Located syntax errors: messages, spans, help lines and recovery.

use grantlog::source::SourceMap;
use grantlog::syntax::{is_incomplete, parse_atom, parse_module, parse_query};

/// Parses `text` as a module; returns the item count and `code file:line:col message`
/// for every diagnostic, plus the help lines.
fn errors(text: &str) -> (usize, Vec<String>, Vec<Option<String>>) {
    let mut sm = SourceMap::new();
    let f = sm.add("t.dl", text);
    let (m, diags) = parse_module(&sm, f);
    let lines = diags
        .iter()
        .map(|d| format!("{} {} {}", d.code, sm.locate(d.span.unwrap()), d.message))
        .collect();
    (
        m.items.len(),
        lines,
        diags.into_iter().map(|d| d.help).collect(),
    )
}

#[test]
fn missing_dot_points_at_the_next_token() {
    let (_, e, help) = errors("p(a)\nq(b).\nr(c).");
    assert_eq!(
        e,
        ["E0001 t.dl:2:1 expected one of `.`, `:-`, found name `q`"]
    );
    assert_eq!(help[0].as_deref(), Some("a fact or rule ends with `.`"));
}

#[test]
fn missing_dot_at_end_of_file_points_after_the_last_token() {
    let (n, e, _) = errors("p(a).\nq(b)  \n");
    assert_eq!(n, 1);
    assert_eq!(
        e,
        ["E0001 t.dl:2:5 expected one of `.`, `:-`, found end of input"]
    );
}

#[test]
fn missing_close_paren() {
    let (n, e, help) = errors("p(a, b.\nq(c).");
    assert_eq!(n, 1, "recovers after the `.`");
    assert_eq!(e, ["E0001 t.dl:1:7 expected one of `)`, `,`, found `.`"]);
    assert_eq!(help[0].as_deref(), Some("is a `)` missing?"));
}

#[test]
fn if_twice() {
    let (n, e, _) = errors("p(X) :- q(X) :- r(X).\ns(a).");
    assert_eq!(n, 1);
    assert_eq!(e, ["E0001 t.dl:1:14 expected one of `,`, `.`, found `:-`"]);
}

#[test]
fn bad_string_escape_is_one_error_and_the_rule_survives() {
    let (n, e, _) = errors("p(\"a\\q\", b).\nq(b).");
    assert_eq!(n, 2);
    assert_eq!(e, ["E0002 t.dl:1:3 unknown escape `\\q` in string"]);
}

#[test]
fn unterminated_string_stops_at_the_line_end() {
    // The rest of the line is lost, so `q(b)` ends the broken fact; `r(c)` survives.
    let (n, e, _) = errors("p(\"abc).\nq(b).\nr(c).");
    assert_eq!(n, 1);
    assert_eq!(e, ["E0002 t.dl:1:3 unterminated string"]);
}

#[test]
fn lowercase_variable_mistakes_get_help() {
    // `'x'` is not a string and a bare term is not a literal.
    let (_, e, help) = errors("p(X) :- q(X), 'y' = X.");
    assert_eq!(e, ["E0002 t.dl:1:15 single-quoted string"]);
    assert!(help[0].as_deref().unwrap().contains("double quotes"));
    let (_, e, help) = errors("p(X) :- q(X, ).");
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("E0001 t.dl:1:14 expected one of "),
        "{e:?}"
    );
    assert_eq!(
        help[0].as_deref(),
        Some("variables start with an uppercase letter; constants are lowercase or quoted")
    );
}

#[test]
fn many_errors_in_one_file_are_all_reported() {
    let text = "\
.decl p(x: foo)
.decl q(a b)
.decl r(x)
r(a) r(b).
r(c).
r(d, .
r(99999999999999999999).
r(e) :- $.
r(f).
";
    let (n, e, _) = errors(text);
    assert_eq!(
        e,
        [
            "E0001 t.dl:1:12 unknown column type `foo`",
            "E0001 t.dl:2:11 expected one of `)`, `,`, `:`, found name `b`",
            "E0001 t.dl:4:6 expected one of `.`, `:-`, found name `r`",
            "E0001 t.dl:6:6 expected one of name, variable, `_`, string, number, found `.`",
            "E0002 t.dl:7:3 integer out of range",
            "E0002 t.dl:8:9 unexpected character",
        ]
    );
    // p, r (the decl after the bad one), r(c), r(<bad int>), r(f).
    assert_eq!(n, 5);
}

#[test]
fn queries_and_atoms_report_errors() {
    let mut sm = SourceMap::new();
    let f = sm.add("q", "can_use(U, R), !can_edit(U R)");
    let e = parse_query(&sm, f).unwrap_err();
    assert_eq!(sm.locate(e[0].span.unwrap()).to_string(), "q:1:28");
    let f = sm.add("a", "can_use(bob, x) extra");
    let e = parse_atom(&sm, f).unwrap_err();
    assert_eq!(e[0].message, "expected `.`, found name `extra`");
    let f = sm.add("a", "");
    assert!(parse_atom(&sm, f).is_err());
    assert!(parse_query(&sm, f).is_err());
}

#[test]
fn incomplete_input_for_the_repl() {
    for text in [
        "p(a",
        "p(X) :- q(X)",
        "p(X) :- q(X),",
        "p(\"abc",
        "/* comment",
        ".decl p(x",
        ":why can_use(bob",
    ] {
        assert!(is_incomplete(text), "{text:?} should be incomplete");
    }
    for text in [
        "",
        "p(a)",
        "p(a).",
        "p(X) :- q(X).",
        "p(a b",
        "p(a))",
        ":why can_use(bob, x)",
        "p(\"x\nq",
    ] {
        assert!(!is_incomplete(text), "{text:?} should not be incomplete");
    }
}
