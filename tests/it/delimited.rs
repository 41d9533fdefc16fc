//! Delimited input and output (issue 10, item 2): `.tsv`/`.csv` files named after their
//! relation, `--input-dir`, `--output-dir`, and a located error for every way a file can
//! be wrong (a file with any error loads nothing).

use crate::cli_run::grantlog;
use std::fmt::Write;
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("grantlog-delim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &std::path::Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const RULES: &str = ".decl edge(from: symbol, to: symbol)\n.decl cost(from: symbol, to: symbol, amount: number)\n\
.decl path(from: symbol, to: symbol)\n.decl cheap(from, to)\n\
path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\ncheap(X, Y) :- cost(X, Y, C), C < 10.\n";

/// The same ACL facts (benches/acl.dl) as one `.facts` file and as a TSV directory.
fn acl_inputs(d: &std::path::Path, n: usize) -> (String, String) {
    let mut facts = String::new();
    let mut tables: Vec<(&str, String)> = ["tenant", "parent", "member", "suspended", "resource"]
        .iter()
        .chain(&["workload", "depends", "downstream", "grant", "revoked"])
        .map(|r| (*r, String::new()))
        .collect();
    let mut put = |rel: &str, vals: &[String]| {
        let _ = writeln!(facts, "{rel}({}).", vals.join(", "));
        let t = tables.iter_mut().find(|t| t.0 == rel).unwrap();
        let _ = writeln!(t.1, "{}", vals.join("\t"));
    };
    let s = |p: &str, i: usize| format!("{p}{i}");
    for i in 0..n {
        put("tenant", &[s("t", i % 7)]);
        if i % 7 > 0 {
            put("parent", &[s("t", i % 7), s("t", (i % 7) / 2)]);
        }
        put(
            "member",
            &[
                s("u", i),
                s("t", i % 7),
                (if i % 5 == 0 { "admin" } else { "dev" }).into(),
            ],
        );
        if i % 11 == 0 {
            put("suspended", &[s("u", i)]);
        }
        put("resource", &[s("r", i), s("t", i % 7), s("u", (i * 3) % n)]);
        if i % 2 == 0 {
            put("workload", &[s("r", i)]);
            put("depends", &[s("r", i), s("r", (i + 1) % n)]);
            put("downstream", &[s("r", i), s("r", (i + 2) % n)]);
        }
        put(
            "grant",
            &[
                s("g", i),
                s("u", (i * 7) % n),
                "use".into(),
                s("r", (i * 5) % n),
                s("u", (i * 3) % n),
            ],
        );
        if i % 13 == 0 {
            put("revoked", &[s("g", i)]);
        }
    }
    let tsv = d.join("tsv");
    std::fs::create_dir_all(&tsv).unwrap();
    for (rel, text) in &tables {
        write(&tsv, &format!("{rel}.tsv"), text);
    }
    (write(d, "acl.facts", &facts), tsv.display().to_string())
}

#[test]
fn tsv_and_facts_of_the_same_data_give_the_same_answers() {
    let d = dir("same");
    let (facts, tsv) = acl_inputs(&d, 300);
    let rules = "benches/acl.dl";
    for q in [
        "stalled(W)",
        "can_use(U, R)",
        "effective(U, P, R)",
        "runnable(W)",
        "dangling(G)",
    ] {
        let a = grantlog(&["eval", "--rules", rules, &facts, "-q", q, "--format", "csv"]);
        let b = grantlog(&[
            "eval",
            "--rules",
            rules,
            "--input-dir",
            &tsv,
            "-q",
            q,
            "--format",
            "csv",
        ]);
        assert_eq!(a.2, 0, "{}", a.1);
        assert_eq!(a, b, "{q}");
        assert!(a.0.lines().count() > 1, "{q} has answers: {}", a.0);
    }
    // All derived sizes agree too.
    let a = grantlog(&["eval", "--rules", rules, &facts]);
    let b = grantlog(&["eval", "--rules", rules, "--input-dir", &tsv]);
    assert_eq!(a, b);
}

#[test]
fn csv_quoting_and_typed_columns() {
    let d = dir("csv");
    let rules = write(&d, "r.dl", RULES);
    let edges = write(&d, "edge.tsv", "a\tb\r\n\nb\t007\n");
    let cost = write(
        &d,
        "cost.csv",
        "\"x, \"\"y\"\"\",a,3\n\"multi\nline\",b,-4\nb,c,12\n",
    );
    let (out, err, code) = grantlog(&[
        "eval",
        "--rules",
        &rules,
        &edges,
        &cost,
        "-q",
        "path(a, X)",
        "-q",
        "cheap(X, Y)",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    // `007` in a symbol column stays the symbol "007"; quotes and line breaks survive.
    assert_eq!(
        out,
        "X\n007\nb\n\nX,Y\n\"multi\nline\",b\n\"x, \"\"y\"\"\",a\n"
    );
}

#[test]
fn output_dir_writes_each_derived_relation_sorted() {
    let d = dir("out");
    let rules = write(&d, "r.dl", RULES);
    let edges = write(&d, "edge.tsv", "b\tc\na\tb\n");
    let out = d.join("out");
    let (_, err, code) = grantlog(&[
        "eval",
        "--rules",
        &rules,
        &edges,
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("path.tsv")).unwrap(),
        "a\tb\na\tc\nb\tc\n"
    );
    assert_eq!(std::fs::read_to_string(out.join("cheap.tsv")).unwrap(), "");
    assert!(
        !out.join("edge.tsv").exists(),
        "base relations are not written"
    );
    // What it writes reads back as the same facts.
    let again = d.join("again");
    let (_, err, code) = grantlog(&[
        "eval",
        "--rules",
        &rules,
        "--input-dir",
        out.to_str().unwrap(),
        "--output-dir",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(again.join("path.tsv")).unwrap(),
        "a\tb\na\tc\nb\tc\n"
    );
}

/// One error: exit 1, nothing on stdout (nothing loaded), the code at `file:line:col`.
fn fails(args: &[&str], code: &str, at: &str) -> String {
    let (out, err, status) = grantlog(args);
    assert_eq!(status, 1, "{err}");
    assert_eq!(out, "", "a file with an error loads nothing");
    assert!(err.contains(&format!("error[{code}]")), "{code}: {err}");
    assert!(err.contains(at), "{at}: {err}");
    err
}

#[test]
fn every_delimited_error_is_located() {
    let d = dir("errors");
    let rules = write(&d, "r.dl", RULES);
    let r = rules.as_str();
    let f = write(&d, "edgs.tsv", "a\tb\n");
    let err = fails(&["eval", "--rules", r, &f], "E0101", &format!("{f}:1:1"));
    assert!(
        err.contains("did you mean `edge`? rename the file to `edge.tsv`"),
        "{err}"
    );
    let f = write(&d, "edge.tsv", "a\tb\nb\tc\td\n");
    let err = fails(&["eval", "--rules", r, &f], "E0102", &format!("{f}:2:1"));
    assert!(
        err.contains("`edge` takes 2 field(s), this line has 3"),
        "{err}"
    );
    let c = d.join("c");
    std::fs::create_dir_all(&c).unwrap();
    let f = write(&c, "cost.csv", "a,b,1\n\"a\",b\n");
    fails(&["eval", "--rules", r, &f], "E0102", &format!("{f}:2:1"));
    let f = write(&c, "cost.csv", "a,b,1\na,b,x1\n");
    let err = fails(&["eval", "--rules", r, &f], "E0105", &format!("{f}:2:5"));
    assert!(err.contains("holds a number, found \"x1\""), "{err}");
    let f = write(&d, "cost.tsv", "a\tb\t99999999999999999999\n");
    fails(&["eval", "--rules", r, &f], "E0105", &format!("{f}:1:5"));
    let f = write(&c, "cost.csv", "a,b,1\na,b\"c,2\n");
    let err = fails(&["eval", "--rules", r, &f], "E0004", &format!("{f}:2:4"));
    assert!(err.contains("a `\"` inside an unquoted field"), "{err}");
    let f = write(&c, "cost.csv", "a,\"b,1\n");
    fails(&["eval", "--rules", r, &f], "E0004", &format!("{f}:1:3"));
    let missing = d.join("nowhere").display().to_string();
    fails(
        &["eval", "--rules", r, "--input-dir", &missing],
        "E0003",
        "cannot read directory",
    );
    // An error in a good-looking TSV and in another fact file: both reported.
    let good = write(&c, "edge.tsv", "a\tb\n");
    let bad = write(&d, "other.dl", "edge(a).\n");
    let bad_tsv = write(&d, "cost.tsv", "a\tb\tc\n");
    let err = fails(
        &["eval", "--rules", r, &good, &bad_tsv, &bad],
        "E0105",
        &format!("{bad_tsv}:1:5"),
    );
    assert!(
        err.contains(&format!("{bad}:1:1")),
        "the other file's error too: {err}"
    );
    let err = fails(
        &["eval", "--rules", r, &good, &bad],
        "E0102",
        &format!("{bad}:1:1"),
    );
    assert!(err.contains("this fact gives 1"), "{err}");
}

#[test]
fn output_errors_are_reported() {
    let d = dir("outerr");
    let rules = write(&d, "r.dl", RULES);
    let facts = write(&d, "e.dl", "edge(\"a\\tb\", c).\n");
    let out = d.join("out").display().to_string();
    let (_, err, code) = grantlog(&["eval", "--rules", &rules, &facts, "--output-dir", &out]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error[E0005]: cannot write `path` as TSV"),
        "{err}"
    );
    let file = write(&d, "plain", "x");
    let (_, err, code) = grantlog(&["eval", "--rules", &rules, "--output-dir", &file]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E0005]: cannot write"), "{err}");
}
