//! Issue 24, items 21 and 24-26: inputs that crashed, ran away or were misread (YAML
//! alias bombs and deep nesting, delimited files as editors save them, import output
//! that did not load, a quadratic `grantlog test`). Each test failed before its fix.

use crate::cli_run::{grantlog, grantlog_with_input};
use crate::import_util::{open_with_base, rows};
use grantlog::policytest::parse::blank_except;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("grantlog-exports-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, name: &str, bytes: &[u8]) -> String {
    let p = d.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

const EDGE_RULES: &str = ".decl edge(from: symbol, to: symbol)\n.decl path(from: symbol, to: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n";

/// `path(a, X)` over the delimited files of `d`, as its answer rows.
fn paths_from_a(d: &Path) -> (String, String, i32) {
    let rules = write(d, "r.dl", EDGE_RULES.as_bytes());
    let input = d.join("in");
    grantlog(&[
        "eval",
        "--rules",
        &rules,
        "--input-dir",
        input.to_str().unwrap(),
        "-q",
        "path(a, X)",
        "--format",
        "csv",
    ])
}

fn delimited(name: &str, file: &str, bytes: &[u8]) -> (String, String, i32) {
    let d = dir(name);
    std::fs::create_dir_all(d.join("in")).unwrap();
    write(&d.join("in"), file, bytes);
    paths_from_a(&d)
}

#[test]
fn csv_with_crlf_line_ends_and_quoted_fields_loads() {
    // Before: E0004 "a `\"` inside an unquoted field" at 2:1.
    let (out, err, code) = delimited("crlf", "edge.csv", b"\"a\",b\r\n\"b\",c\r\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), ["b", "c"], "{out}");
}

#[test]
fn csv_record_starting_with_a_quote_after_a_blank_line_loads() {
    let (out, err, code) = delimited("blank", "edge.csv", b"a,b\n\n\"b\",\"c\"\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), ["b", "c"], "{out}");
}

#[test]
fn csv_errors_after_crlf_lines_are_still_located_at_their_field() {
    let (_, err, code) = delimited("crlf-bad", "edge.csv", b"a,b\r\n\"b\",c\"d\r\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("edge.csv:2:6"), "{err}");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_symbol() {
    // Before: the first symbol was "\u{feff}a", so `path(a, X)` silently had no answer.
    for (name, file, text) in [
        ("bom-tsv", "edge.tsv", "\u{feff}a\tb\nb\tc\n"),
        ("bom-csv", "edge.csv", "\u{feff}\"a\",b\nb,c\n"),
    ] {
        let (out, err, code) = delimited(name, file, text.as_bytes());
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(
            out.lines().skip(1).collect::<Vec<_>>(),
            ["b", "c"],
            "{file}: {out}"
        );
    }
}

#[test]
fn a_byte_order_mark_before_facts_and_manifests_is_skipped() {
    let d = dir("bom-facts");
    let facts = write(&d, "t.facts", "\u{feff}tenant engineering.\n".as_bytes());
    let (out, err, code) = grantlog(&["eval", &facts, "-q", "tenant(engineering)"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("yes"), "{out}");
}

/// A "billion laughs" manifest: ten levels of nine aliases each.
fn alias_bomb() -> String {
    let mut t =
        String::from("name: x\nversion: v1\ntype: workflow\nowner: sam\ntenant: engineering\n");
    t.push_str("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        t.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    t
}

#[test]
fn a_yaml_alias_bomb_is_a_located_error_not_gigabytes() {
    let text = alias_bomb();
    assert!(text.len() < 700);
    let started = Instant::now();
    let Err(err) = open_with_base(&[("tenants/engineering/bomb.yaml", &text)]) else {
        panic!("the bomb loaded")
    };
    // Before: the aliases were copied out in full (> 2.5 GB, then abort).
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        err.contains("error[I0002]: YAML aliases copy more than 100000 nodes"),
        "{err}"
    );
    assert!(
        err.contains("--> tenants/engineering/bomb.yaml:11:10"),
        "{err}"
    );
}

#[test]
fn yaml_aliases_that_copy_a_little_still_work() {
    let text = "name: wf\nversion: v1\ntype: workflow\nowner: sam\ntenant: engineering\n\
                defaults: &d {compute: runnable-default, runAsUser: dpdeveloper}\n\
                workflow:\n  dag:\n    - name: a\n      spec: *d\n";
    let compute = "resource runnable-default in engineering type: compute owner: maria.";
    let ws = open_with_base(&[("c.facts", compute), ("wf.yaml", text)])
        .unwrap_or_else(|e| panic!("{e}"));
    let uses = rows(&ws, "depends_on");
    assert!(
        uses.contains("engineering,wf,compute,runnable-default"),
        "{uses:?}"
    );
    let runs = rows(&ws, "run_as_user");
    assert!(runs.contains("engineering,wf,dpdeveloper"), "{runs:?}");
}

#[test]
fn deeply_nested_yaml_is_a_located_error_not_a_stack_overflow() {
    let d = dir("deep");
    let block = format!(
        "name: x\ntype: workflow\nowner: sam\ntenant: t\nspec:\n  {}x\n",
        "- ".repeat(60_000)
    );
    let flow = format!(
        "name: x\ntype: workflow\nowner: sam\ntenant: t\nspec: {}{}\n",
        "[".repeat(60_000),
        "]".repeat(60_000)
    );
    for (name, text) in [("block.yaml", block), ("flow.yaml", flow)] {
        let path = write(&d, name, text.as_bytes());
        let (out, err, code) = grantlog(&["import", &path]);
        // Before: "thread 'main' has overflowed its stack", exit 134.
        assert_eq!(code, 1, "{name}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains(&format!("{name}:6:")) || err.contains(&format!("{name}:5:")),
            "{err}"
        );
        assert!(err.contains("I0002") || err.contains("I0001"), "{err}");
    }
}

#[test]
fn import_output_with_a_nul_or_a_line_break_in_a_name_loads() {
    let d = dir("nul");
    let yaml = write(
        &d,
        "nul.yaml",
        b"name: \"sf\\0depot\"\ntype: depot\nowner: sam\ntenant: engineering\n---\nname: |\n  two\n  lines\ntype: depot\nowner: sam\ntenant: engineering\n",
    );
    let base = write(&d, "base.facts", crate::import_util::BASE.as_bytes());
    let (out, err, code) = grantlog(&["import", &base, &yaml]);
    assert_eq!(code, 0, "{err}");
    // Before: `"sf\0depot"`, an escape the facts language rejects.
    assert!(
        out.contains("resource \"sf\\u{0}depot\" in engineering"),
        "{out}"
    );
    assert!(
        out.contains("resource \"two\\nlines\\n\" in engineering"),
        "{out}"
    );
    // The output copies base.facts: it loads on its own.
    let imported = write(&d, "imported.facts", out.as_bytes());
    let (out, err, code) = grantlog(&[
        "eval",
        &imported,
        "-q",
        "resource(engineering, depot, N, O, S)",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"sf\\u0000depot\""), "{out}");
    assert!(out.contains("\"two\\nlines\\n\""), "{out}");
}

#[test]
fn a_name_with_a_line_break_does_not_split_the_error_header() {
    let yaml = "name: x\ntype: depot\nowner: |\n  sa\n  m\ntenant: engineering\n";
    let Err(err) = open_with_base(&[("x.yaml", yaml)]) else {
        panic!("an unknown owner loaded")
    };
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("error[F0101]: unknown user \"sa\\nm\\n\""),
        "{err}"
    );
    assert!(
        err.lines().nth(1).unwrap().starts_with(" --> x.yaml:4:3"),
        "{err}"
    );
}

#[test]
fn fmt_after_a_declaration_without_columns_starts_a_new_statement() {
    let text = ".decl ready\np(a) :- ready.\n.decl p(x: symbol).\n.decl q(x: symbol)\nq(a).\n";
    let (out, err, code) = grantlog_with_input(&["fmt", "-"], text);
    assert_eq!(code, 0, "{err}");
    // Before: `    p(a)` then `:- ready.`, and a lone `.` after `.decl p(x: symbol)`.
    assert_eq!(out, text);
}

#[test]
fn invalid_utf8_has_its_place_in_the_json_location() {
    let d = dir("utf8");
    let path = write(&d, "bad.facts", b"tenant a.\np(\xff).\n");
    let (_, err, code) = grantlog(&["eval", &path, "-q", "tenant(a)", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&err).expect(&err);
    let loc = &v["diagnostics"][0]["location"];
    assert_eq!(loc["file"], path.as_str(), "{err}");
    assert_eq!(
        (loc["line"].as_u64(), loc["column"].as_u64()),
        (Some(2), Some(3)),
        "{err}"
    );
    let (_, err, _) = grantlog(&["eval", &path, "-q", "tenant(a)"]);
    assert!(err.contains(&format!(" --> {path}:2:3")), "{err}");
}

#[test]
fn grantlog_test_is_linear_in_the_load_errors_of_a_test() {
    let d = dir("test-errors");
    let mut text = String::from("test t:\n");
    for i in 0..20_000 {
        text.push_str(&format!("  bogus{i}(x y).\n"));
    }
    text.push_str("  expect can_run(engineering, sales-360).\n");
    let path = write(&d, "t.test", text.as_bytes());
    let started = Instant::now();
    let (out, err, code) = grantlog(&["test", &path]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    // Before: 8.6 s at 8,000 lines and growing as their square (a debug build).
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(
        out.contains("t.test:2:12"),
        "{}",
        &out[..out.len().min(400)]
    );
    assert!(
        out.contains("20000 errors"),
        "{}",
        &out[out.len().saturating_sub(400)..]
    );
}

/// The naive reading of `blank_except`: each character kept when any range holds it.
fn blank_naive(text: &str, ranges: &[(usize, usize)]) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if c == '\n' || c == '\r' || ranges.iter().any(|&(s, e)| i >= s && i < e) {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(crate::fuzz_common::cases(256))]
    #[test]
    fn blank_except_keeps_exactly_the_ranges(
        text in "[a-zé\n\r .]{0,60}",
        ranges in prop::collection::vec((0usize..70, 0usize..70), 0..6),
    ) {
        prop_assert_eq!(blank_except(&text, &ranges), blank_naive(&text, &ranges));
    }
}

#[test]
fn a_test_whose_statement_does_not_parse_fails_even_without_expect() {
    let d = dir("broken-test");
    let path = write(&d, "b.test", b"test t:\n  grant can_use on.\n");
    let (out, err, code) = grantlog(&["test", &path]);
    // Before: "1 passed", exit 0: statements were only read before an `expect`.
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FAIL t ("), "{out}");
    assert!(
        out.contains("error[E0001]: expected a resource, found `.`"),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
}

#[test]
fn exit_codes_tell_a_failed_expectation_from_a_broken_input() {
    let d = dir("codes");
    let wrong = write(
        &d,
        "w.test",
        b"test w:\n  tenant x.\n  expect no tenant(x).\n",
    );
    let broken = write(&d, "k.test", b"test k:\n  tenant x\n  expect tenant(x).\n");
    assert_eq!(grantlog(&["test", &wrong]).2, 3);
    assert_eq!(grantlog(&["test", &broken]).2, 1);
    assert_eq!(
        grantlog(&["test", &wrong, &broken]).2,
        1,
        "broken input wins"
    );
    let messy = write(&d, "m.dl", b".decl e(a: symbol)\ne(x) .\n");
    let bad = write(&d, "bad.dl", b".decl e(a: symbol\n");
    assert_eq!(grantlog(&["fmt", "--check", &messy]).2, 3);
    assert_eq!(grantlog(&["fmt", "--check", &bad]).2, 1);
}
