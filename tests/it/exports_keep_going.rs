//! Issue 24 item 18, `--keep-going`: load what is valid and report the rest, each error
//! located; the default stays all-or-nothing (nothing half-loaded). What is loaded under
//! `--keep-going` answers exactly as the same input with the reported statements removed.

use crate::cli_run::grantlog;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-kg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn repo(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Statements each wrong in its own way, and one (line 4) that fails only because an
/// earlier one (line 3) is left out. Line 2 is valid and completes S30's grants.
const BAD: &str = "
grant can_use_secret on sf-creds in engineering to nobody by maria.
grant can_use_secret on sf-creds in engineering to sam by maria.
resource broken in engineering type: depot owner: ghost.
grant can_use_depot on broken in engineering to sam by maria.
user sam type person name \"Other Sam\" email \"other@tmdc.io\".
tenant .
";

/// The worked example with [`BAD`] after it (`bad.facts`), and with only its valid line
/// (`clean.facts`).
fn files(dir: &Path) -> (String, String) {
    let example = repo("examples/worked-example.facts");
    let bad = dir.join("bad.facts");
    let clean = dir.join("clean.facts");
    std::fs::write(&bad, format!("{example}{BAD}")).unwrap();
    let valid = BAD.lines().nth(2).unwrap();
    std::fs::write(&clean, format!("{example}\n\n{valid}\n")).unwrap();
    (
        bad.to_str().unwrap().to_string(),
        clean.to_str().unwrap().to_string(),
    )
}

const QUERIES: &[&str] = &[
    "can_run(T, W)",
    "can_use(U, T, R)",
    "user_info(U, N, E)",
    "resource(T, K, R, O, S)",
    "grant(T, R, U, P, G)",
];

fn with_queries<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    for q in QUERIES {
        all.extend(["-q", q]);
    }
    all
}

#[test]
fn by_default_nothing_is_loaded_and_every_error_is_reported() {
    let dir = scratch("default");
    let (bad, _) = files(&dir);
    let (out, err, code) = grantlog(&with_queries(&["eval", &bad]));
    assert_eq!(code, 1);
    assert!(out.is_empty(), "nothing answered on half the input: {out}");
    assert!(!err.contains("--keep-going:"), "{err}");
}

#[test]
fn keep_going_answers_on_what_is_valid_as_if_the_rest_were_not_there() {
    let dir = scratch("facts");
    let (bad, clean) = files(&dir);
    let expected = grantlog(&with_queries(&["eval", &clean]));
    assert_eq!(expected.2, 0, "{}", expected.1);
    let (out, err, code) = grantlog(&with_queries(&["eval", &bad, "--keep-going"]));
    assert_eq!(out, expected.0, "{err}");
    assert!(
        out.contains("engineering │ sales-360"),
        "S30 completed: {out}"
    );
    // Each statement left out is named at its line; line 4 (the grant on the resource
    // left out) was found only once line 3 was out.
    let base = repo("examples/worked-example.facts").lines().count();
    for (line, code_) in [
        (2, "F0101"),
        (4, "F0101"),
        (5, "F0103"),
        (6, "F0104"),
        (7, "E0001"),
    ] {
        let at = format!("bad.facts:{}:", base + line);
        assert!(err.contains(&at), "{at} in {err}");
        assert!(err.contains(code_), "{code_} in {err}");
    }
    assert!(!err.contains(&format!("bad.facts:{}:", base + 3)), "{err}");
    assert!(
        err.contains("--keep-going: what the 5 errors above are in was left out"),
        "{err}"
    );
    assert_eq!(code, 1, "an input was broken: the command still fails");
}

#[test]
fn keep_going_fails_with_1_not_3_and_reports_json_diagnostics() {
    let dir = scratch("json");
    let (bad, _) = files(&dir);
    let (_, _, code) = grantlog(&[
        "eval",
        &bad,
        "--keep-going",
        "-q",
        "can_run(engineering, nothing)",
        "--fail",
    ]);
    assert_eq!(code, 1, "a broken input wins over --fail's 3");
    let (out, err, code) = grantlog(&[
        "eval",
        &bad,
        "--keep-going",
        "-q",
        "can_run(engineering, sales-360)",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let answers: Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(answers["results"][0]["rows"], serde_json::json!([[]]));
    let diags: Value = serde_json::from_str(&err).expect(&err);
    assert_eq!(diags["errors"], 5, "{err}");
    assert!(diags["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["location"]["line"].as_u64().is_some()));
}

#[test]
fn keep_going_leaves_out_a_manifest_that_does_not_parse_or_names_what_is_not_there() {
    let dir = scratch("yaml");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dataos");
    copy_dir(&src, &dir);
    let eng = dir.join("tenants/engineering");
    std::fs::write(
        eng.join("bad.yaml"),
        "name: bad-one\nversion: v1\ntype: depot\nowner: sam\n  spec: [unclosed\n",
    )
    .unwrap();
    let product = eng.join("sales-360.yaml");
    let text = std::fs::read_to_string(&product).unwrap();
    assert!(text.contains("cluster: minerva-cluster"));
    std::fs::write(
        &product,
        text.replace("cluster: minerva-cluster", "cluster: no-such-cluster"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let q = [
        "-q",
        "can_use(U, T, R)",
        "-q",
        "resource(T, K, sales-360, O, S)",
    ];
    let strict = grantlog(&[&["eval", d][..], &q].concat());
    assert_eq!(strict.2, 1);
    assert!(strict.0.is_empty());
    let (out, err, code) = grantlog(&[&["eval", d, "--keep-going"][..], &q].concat());
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.yaml:5:7") && err.contains("I0001"),
        "{err}"
    );
    assert!(
        err.contains("sales-360.yaml:9:12") && err.contains("F0103"),
        "{err}"
    );
    // The rest is loaded: sam uses the depot, the cluster and the compute; the data
    // product whose manifest names a missing cluster is not.
    assert!(out.contains("sam │ engineering │ sf-depot"), "{out}");
    assert!(out.contains("(3 rows)"), "{out}");
    assert!(out.ends_with("(0 rows)\n"), "{out}");
}

#[test]
fn keep_going_loads_the_raw_facts_that_check() {
    let dir = scratch("raw");
    let facts = dir.join("a.dl");
    std::fs::write(&facts, "a(1).\na(x).\na(2, 3).\nnope(4).\na(5).\n").unwrap();
    let f = facts.to_str().unwrap();
    let rules = "tests/fixtures/coverage/tiny.dl";
    let strict = grantlog(&["eval", "--rules", rules, f, "-q", "b(X)"]);
    assert_eq!(strict.2, 1);
    assert!(strict.0.is_empty());
    let (out, err, code) = grantlog(&["eval", "--rules", rules, f, "-q", "b(X)", "--keep-going"]);
    assert_eq!(code, 1);
    assert!(out.contains(" 1\n 5\n(2 rows)"), "{out}");
    for at in ["a.dl:2:", "a.dl:3:", "a.dl:4:"] {
        assert!(err.contains(at), "{at}: {err}");
    }
}

#[test]
fn a_delimited_file_with_an_error_still_stops_the_command() {
    // As README says: --keep-going reads statements and raw facts, not .tsv/.csv rows.
    let (out, err, code) = grantlog(&[
        "eval",
        "--rules",
        "examples/tsv/reach.dl",
        "examples/tsv/bad/cost.csv",
        "-q",
        "cost(X, Y, C)",
        "--keep-going",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("cost.csv:2:5"), "{err}");
}

#[test]
fn keep_going_is_on_explain_audit_and_the_repl() {
    let dir = scratch("others");
    let (bad, _) = files(&dir);
    let (out, _, code) = grantlog(&[
        "explain",
        "can_run(engineering, sales-360)",
        &bad,
        "--keep-going",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("can_run(engineering, sales-360)"), "{out}");
    let (out, _, code) = grantlog(&["audit", "sam", &bad, "--keep-going"]);
    assert_eq!(code, 1);
    assert!(out.contains("sf-creds"), "the grant kept: {out}");
    let (out, err, code) = crate::cli_run::grantlog_with_input(
        &["repl", &bad, "--keep-going"],
        "can_run(engineering, sales-360)\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("yes"), "{out}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
