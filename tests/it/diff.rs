//! `grantlog diff`: the two readings of S13 on the worked example, losses, JSON, the
//! `--fail-on-gain` gate, errors; and the library's comparison by constants (the order
//! of changes: `diff_order`).

use crate::cli_run;

use grantlog::diff::{group_columns, Diff};
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::workspace::Workspace;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SHIPPED: &str = "rules/dataos.dl";
const BROAD: &str = "rules/dataos-s13-broad.dl";
const WORKED: &str = "examples/worked-example.facts";
const RESOURCES: [&str; 5] = [
    "minerva-cluster",
    "runnable-default",
    "sales-360",
    "sf-creds",
    "sf-depot",
];

pub(crate) struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The binary, from the repository root.
pub(crate) fn grantlog(args: &[&str]) -> Run {
    let (stdout, stderr, status) = cli_run::grantlog(args);
    Run {
        status,
        stdout,
        stderr,
    }
}

fn diff(old: &str, new: &str, extra: &[&str]) -> Run {
    diff_on(old, new, WORKED, extra)
}

/// `grantlog diff --rules OLD --against NEW FACTS EXTRA...`.
fn diff_on(old: &str, new: &str, facts: &str, extra: &[&str]) -> Run {
    let mut args = vec!["diff", "--rules", old, "--against", new, facts];
    args.extend_from_slice(extra);
    grantlog(&args)
}

pub(crate) fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// A scratch directory of files for one test.
pub(crate) fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

pub(crate) fn path(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

/// (relation, gained facts, lost facts) of every listed relation.
fn changes(v: &Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    let facts = |r: &Value, key: &str| -> Vec<String> {
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g[key].as_array().unwrap().iter())
            .map(|c| c["fact"].as_str().unwrap().to_string())
            .collect()
    };
    v["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["relation"].as_str().unwrap().to_string();
            (name, facts(r, "gained"), facts(r, "lost"))
        })
        .collect()
}

fn dana_manages(relation: &str) -> Vec<String> {
    RESOURCES
        .iter()
        .map(|r| match relation {
            "permission" => format!("permission(dana, engineering, {r}, can_manage_access)"),
            // may_grant, may_revoke (the rights the ordered reading checks) and can_manage_access
            other => format!("{other}(dana, engineering, {r})"),
        })
        .collect()
}

#[test]
fn the_broad_s13_reading_gains_exactly_danas_manage_access_with_proofs() {
    let run = diff(SHIPPED, BROAD, &["--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let v = json(&run);
    assert_eq!(
        changes(&v),
        [
            ("permission".into(), dana_manages("permission"), vec![]),
            ("may_grant".into(), dana_manages("may_grant"), vec![]),
            ("may_revoke".into(), dana_manages("may_revoke"), vec![]),
            (
                "can_manage_access".into(),
                dana_manages("can_manage_access"),
                vec![]
            ),
        ]
    );
    assert_eq!(v["total"]["gained"], 20);
    assert_eq!(v["total"]["lost"], 0);
    let permission = &v["relations"][0];
    for change in permission["groups"][0]["gained"].as_array().unwrap() {
        let rule = &change["proof"]["rule"];
        assert_eq!(rule["name"], "data_admin_manages_all_resources");
        assert!(rule["location"].as_str().unwrap().starts_with(BROAD));
        assert!(rule["doc"].as_str().unwrap().starts_with("S13"));
    }
    // The same in text: every gained tuple with its proof under NEW.
    let text = diff(SHIPPED, BROAD, &[]);
    assert_eq!(text.status, 0);
    let out = &text.stdout;
    assert!(out.starts_with(
        "permission: +5 -0\nmay_grant: +5 -0\nmay_revoke: +5 -0\ncan_manage_access: +5 -0\n\n"
    ));
    assert!(out.contains("\npermission, user dana, tenant engineering:\n"));
    assert!(out.contains("\ncan_manage_access, user dana, tenant engineering:\n"));
    assert_eq!(
        out.matches("by @data_admin_manages_all_resources at rules/dataos-s13-broad.dl:")
            .count(),
        5
    );
    for fact in dana_manages("permission")
        .iter()
        .chain(&dana_manages("can_manage_access"))
    {
        assert!(out.contains(&format!("] {fact}\n")), "{fact} in\n{out}");
    }
    assert_eq!(out.lines().filter(|l| l.starts_with("  + ")).count(), 20);
    assert!(!out.lines().any(|l| l.starts_with("  - ")));
    assert!(out.ends_with("\ntotal: +20 -0 in 4 relations\n"));
}

#[test]
fn identical_rules_give_an_empty_diff_and_exit_0() {
    let run = diff(SHIPPED, SHIPPED, &["--fail-on-gain", "permission"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "total: no change\n");
    assert_eq!(run.stderr, "");
    let v = json(&diff(SHIPPED, SHIPPED, &["--format", "json"]));
    assert_eq!(v["relations"], serde_json::json!([]));
    assert_eq!(v["total"]["gained"], 0);
}

#[test]
fn fail_on_gain_is_a_gate_on_the_named_relations_only() {
    let run = diff(
        SHIPPED,
        BROAD,
        &["--fail-on-gain", "permission", "--no-proofs"],
    );
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stderr,
        "--fail-on-gain permission: NEW grants 5 `permission` tuples that OLD did not\n"
    );
    assert!(run.stdout.contains("permission: +5 -0\n"));
    let run = diff(SHIPPED, BROAD, &["--fail-on-gain", "can_run"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    // Losses do not trip the gate.
    let run = diff(BROAD, SHIPPED, &["--fail-on-gain", "permission"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // --relation restricts what is listed, not what is checked.
    let run = diff(
        SHIPPED,
        BROAD,
        &[
            "--relation",
            "can_run",
            "--fail-on-gain",
            "can_manage_access",
        ],
    );
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stdout,
        "total: no change (4 more changed relations not listed)\n"
    );
    let v = json(&diff(
        SHIPPED,
        BROAD,
        &[
            "--format",
            "json",
            "--fail-on-gain",
            "permission",
            "--fail-on-gain",
            "can_run",
        ],
    ));
    assert_eq!(
        v["fail_on_gain"],
        serde_json::json!([
            {"relation": "permission", "gained": 5, "failed": true},
            {"relation": "can_run", "gained": 0, "failed": false},
        ])
    );
}

#[test]
fn swapping_old_and_new_lists_losses_with_their_proofs_under_the_old_rules() {
    let run = diff(BROAD, SHIPPED, &["--relation", "permission"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.starts_with("permission: +0 -5\n"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("  - [")).count(), 5);
    assert_eq!(
        out.matches("by @data_admin_manages_all_resources at rules/dataos-s13-broad.dl:")
            .count(),
        5
    );
    assert!(!out.contains("rules/dataos.dl"), "{out}");
    let v = json(&diff(BROAD, SHIPPED, &["--format", "json"]));
    assert_eq!(
        changes(&v),
        [
            ("permission".into(), vec![], dana_manages("permission")),
            ("may_grant".into(), vec![], dana_manages("may_grant")),
            ("may_revoke".into(), vec![], dana_manages("may_revoke")),
            (
                "can_manage_access".into(),
                vec![],
                dana_manages("can_manage_access")
            ),
        ]
    );
    let lost = &v["relations"][3]["groups"][0]["lost"][0]["proof"];
    assert_eq!(lost["rule"]["name"], "can_manage_access_from_permission");
    assert_eq!(
        lost["premises"][0]["rule"]["name"],
        "data_admin_manages_all_resources"
    );
}

#[test]
fn json_has_the_documented_fields() {
    let v = json(&diff(SHIPPED, BROAD, &["--format", "json", "--depth", "1"]));
    for key in [
        "relations",
        "only_old",
        "only_new",
        "arity_changed",
        "total",
        "fail_on_gain",
    ] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    let r = &v["relations"][0];
    assert_eq!(r["relation"], "permission");
    assert_eq!(
        r["columns"],
        serde_json::json!(["user", "tenant", "resource", "permission"])
    );
    assert_eq!(r["user_column"], "user");
    assert_eq!(r["tenant_column"], "tenant");
    assert_eq!(
        (r["gained"].as_u64(), r["lost"].as_u64()),
        (Some(5), Some(0))
    );
    let g = &r["groups"][0];
    assert_eq!(
        (g["user"].as_str(), g["tenant"].as_str()),
        (Some("dana"), Some("engineering"))
    );
    let c = &g["gained"][0];
    assert_eq!(
        c["values"],
        serde_json::json!([
            "dana",
            "engineering",
            "minerva-cluster",
            "can_manage_access"
        ])
    );
    assert_eq!(c["proof"]["fact"], c["fact"]);
    assert_eq!(c["proof"]["holds"], true);
    // --depth 1: the premises are there, cut below.
    let premises = c["proof"]["premises"].as_array().unwrap();
    assert_eq!(premises.len(), 2);
    assert!(premises.iter().all(|p| p["truncated"] == true));
    assert_eq!(
        v["total"],
        serde_json::json!({"gained": 20, "lost": 0, "relations": 4})
    );
    let v = json(&diff(SHIPPED, BROAD, &["--format", "json", "--no-proofs"]));
    assert!(v["relations"][0]["groups"][0]["gained"][0]["proof"].is_null());
}

#[test]
fn no_proofs_lists_the_tuples_alone() {
    let run = diff(
        SHIPPED,
        BROAD,
        &["--no-proofs", "--relation", "can_manage_access"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let mut expected = String::from(
        "can_manage_access: +5 -0\n\ncan_manage_access, user dana, tenant engineering:\n",
    );
    for f in dana_manages("can_manage_access") {
        expected.push_str(&format!("  + {f}\n"));
    }
    expected.push_str("\ntotal: +5 -0 in 1 relation (3 more changed relations not listed)\n");
    assert_eq!(run.stdout, expected);
}

#[test]
fn a_broken_rule_file_is_located_and_exits_1() {
    let dir = scratch(
        "broken",
        &[
            (
                "new.dl",
                ".decl a(x: symbol)\n.decl b(x: symbol)\nb(X) :- a(X.\n",
            ),
            ("old.dl", ".decl a(x: symbol)\nb(X) :- a(X).\n"),
        ],
    );
    let new = path(&dir, "new.dl");
    let run = diff(SHIPPED, &new, &[]);
    assert_eq!(run.status, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error[E0001]: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(" --> {new}:3:12\n")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with("1 error, 0 warnings\n"));
    // Errors on both sides are all reported, counted once.
    let old = path(&dir, "old.dl");
    let run = grantlog(&["diff", "--rules", &old, "--against", &new]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("error[E0101]: unknown relation `b`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!(" --> {new}:3:12\n")));
    assert!(
        run.stderr.ends_with("\n2 errors, 0 warnings\n"),
        "{}",
        run.stderr
    );
    // A missing file is an error too.
    let run = diff(SHIPPED, "rules/nope.dl", &[]);
    assert_eq!(run.status, 1);
    assert!(run
        .stderr
        .contains("error[E0003]: cannot read `rules/nope.dl`"));
}

#[test]
fn an_unknown_relation_named_on_the_command_line_gets_a_did_you_mean() {
    let run = diff(SHIPPED, BROAD, &["--fail-on-gain", "permision"]);
    assert_eq!(run.status, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error[E0101]: unknown relation `permision`
 --> <--fail-on-gain>:1:1
  |
1 | permision
  | ^^^^^^^^^ declared in neither OLD nor NEW
  = help: did you mean `permission`?

1 error, 0 warnings
"
    );
    let run = diff(SHIPPED, BROAD, &["--relation", "can_rn"]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("did you mean `can_run`?"));
}

#[test]
fn relations_on_one_side_or_with_another_arity_are_listed_apart_and_gated() {
    let dir = scratch(
        "sides",
        &[
            (
                "old.dl",
                ".decl edge(from: symbol, to: symbol)\n.decl path(from: symbol, to: symbol)\n\
                 .decl gone(x: symbol)\n.decl shape(x: symbol)\n\
                 path(X, Y) :- edge(X, Y).\ngone(X) :- edge(X, _).\nshape(X) :- edge(X, _).\n",
            ),
            (
                "new.dl",
                ".decl edge(from: symbol, to: symbol)\n.decl path(from: symbol, to: symbol)\n\
                 .decl fresh(x: symbol)\n.decl shape(x: symbol, y: symbol)\n\
                 path(X, Z) :- edge(X, Y), path(Y, Z).\npath(X, Y) :- edge(X, Y), X != c.\n\
                 fresh(X) :- edge(X, _).\nshape(X, Y) :- edge(X, Y).\n",
            ),
            ("e.facts", "edge(a, b).\nedge(b, c).\nedge(c, d).\n"),
        ],
    );
    let (old, new, facts) = (
        path(&dir, "old.dl"),
        path(&dir, "new.dl"),
        path(&dir, "e.facts"),
    );
    let run = diff_on(&old, &new, &facts, &["--no-proofs"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "path: +1 -1
relation `gone` only in OLD (3 tuples); not compared
relation `fresh` only in NEW (3 tuples); not compared
relation `shape`: arity 1 in OLD, 2 in NEW (3 tuples in NEW); not compared

path:
  + path(a, c)
  - path(c, d)

total: +1 -1 in 1 relation
"
    );
    for (rel, status) in [("fresh", 3), ("shape", 3), ("gone", 0), ("path", 3)] {
        let run = diff_on(&old, &new, &facts, &["--fail-on-gain", rel]);
        assert_eq!(run.status, status, "{rel}: {}", run.stderr);
    }
    // The loss's proof is under OLD, the gain's under NEW.
    let run = grantlog(&["diff", "--rules", &old, "--against", &new, &facts]);
    let out = run.stdout;
    let gain = out.find("  + [").unwrap();
    let loss = out.find("  - [").unwrap();
    assert!(
        out[gain..loss].contains(&format!("by the rule at {new}:5")),
        "{out}"
    );
    assert!(
        out[loss..].contains(&format!("by the rule at {old}:5")),
        "{out}"
    );
}

pub(crate) fn open(rules: &str, facts: &str) -> Workspace {
    let rules = [Text::new("rules.dl", rules)];
    let facts = [Text::new("f.facts", facts)];
    match Workspace::open(&rules, &facts, &Limits::default()) {
        Ok(ws) => ws,
        Err(f) => panic!("{}", grantlog::diag::render_all(&f.diagnostics, &f.sources)),
    }
}

#[test]
fn tuples_are_compared_by_constants_not_by_interned_values() {
    // OLD interns `z`, `y` and 7 first (facts of its rule file), so every constant has
    // another value in OLD than in NEW; the derived tuples are the same.
    let decls =
        ".decl e(a: symbol, b: number)\n.decl p(a: symbol, b: number)\n.decl k(a: symbol)\n";
    let old = open(
        &format!("{decls}k(z). k(y). e(q, 7).\np(X, N) :- e(X, N).\n"),
        "e(a, 1). e(b, 2). e(\"3\", 3).\n",
    );
    let new = open(
        &format!("{decls}p(X, N) :- e(X, N), N < 3.\n"),
        "e(a, 1). e(b, 2). e(\"3\", 3).\n",
    );
    let d = Diff::compute(&old.model, &new.model);
    let p = d.relations.iter().find(|r| r.relation == "p").unwrap();
    let shown = |cs: &grantlog::diff::Changes| -> Vec<String> {
        cs.facts().map(|f| f.to_string()).collect()
    };
    assert_eq!(shown(&p.gained), Vec::<String>::new());
    assert_eq!(shown(&p.lost), ["p(\"3\", 3)", "p(q, 7)"]);
    let k = d.relations.iter().find(|r| r.relation == "k").unwrap();
    assert_eq!(shown(&k.lost), ["k(y)", "k(z)"]);
    let e = d.relations.iter().find(|r| r.relation == "e").unwrap();
    assert_eq!(shown(&e.lost), ["e(q, 7)"]);
    assert!(e.gained.is_empty());
    assert!(!e.derived);
}

#[test]
fn groups_come_from_column_names() {
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        group_columns(&cols(&["tenant", "resource", "grantee", "permission"])),
        (Some(2), Some(0))
    );
    // `user` is preferred to `identity` and `submitter`, wherever it is.
    assert_eq!(
        group_columns(&cols(&["identity", "submitter", "user"])),
        (Some(2), None)
    );
    assert_eq!(group_columns(&cols(&["from", "to"])), (None, None));
}

/// The fact files' warnings are reported for the NEW side even though its model is built
/// beside the old one (regression: they went missing when the facts stopped being read
/// twice).
#[test]
fn fact_warnings_are_reported_once_when_the_new_model_is_built_beside_the_old() {
    let (_, err, code) = cli_run::grantlog(&[
        "diff",
        "--against",
        "rules/dataos-s13-broad.dl",
        "examples/onboarding-and-revoke.facts",
        "--no-proofs",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("warning[F0501]").count(), 1, "{err}");
    assert!(err.contains("onboarding-and-revoke.facts:27:1"), "{err}");
}

/// `diff` loads its facts as `eval` does: a `.tsv` file holds the facts of the relation
/// it is named after (before, diff read it as a `.facts` text and failed on the tabs).
#[test]
fn a_delimited_fact_file_is_read_as_eval_reads_it() {
    let dir = scratch(
        "delimited",
        &[
            ("edge.tsv", "a\tb\nb\tc\n"),
            (
                "old.dl",
                ".decl edge(x: symbol, y: symbol)\n.decl path(x: symbol, y: symbol)\npath(X, Y) :- edge(X, Y).\n",
            ),
            (
                "new.dl",
                ".decl edge(x: symbol, y: symbol)\n.decl path(x: symbol, y: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n",
            ),
        ],
    );
    let (old, new, tsv) = (
        path(&dir, "old.dl"),
        path(&dir, "new.dl"),
        path(&dir, "edge.tsv"),
    );
    let run = diff_on(&old, &new, &tsv, &["--no-proofs", "--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let out = json(&run);
    let relations = out["relations"].as_array().unwrap();
    assert_eq!(relations.len(), 1, "{out}");
    assert_eq!(relations[0]["relation"], "path");
    assert_eq!(
        (
            relations[0]["gained"].as_u64(),
            relations[0]["lost"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(relations[0]["groups"][0]["gained"][0]["fact"], "path(a, c)");
    assert_eq!(out["facts"][0].as_str(), Some(tsv.as_str()));
}

/// A tuple limit stops whichever side reaches it (the two are evaluated at once, the new
/// side waiting on the old one's strata): the error is reported once, nothing is listed.
#[test]
fn a_tuple_limit_on_either_side_is_reported_once_and_lists_nothing() {
    let edges: String = (1..=40)
        .map(|i| format!("edge(n{i}, n{}).\n", i + 1))
        .collect();
    let decls = ".decl edge(x: symbol, y: symbol)\n.decl path(x: symbol, y: symbol)\npath(X, Y) :- edge(X, Y).\n";
    let closure = "path(X, Z) :- path(X, Y), edge(Y, Z).\n";
    let dir = scratch(
        "limit",
        &[
            ("chain.facts", edges.as_str()),
            ("flat.dl", decls),
            ("closed.dl", &format!("{decls}{closure}")),
            (
                "both.dl",
                &format!("{decls}{closure}path(Y, X) :- path(X, Y).\n"),
            ),
        ],
    );
    let facts = path(&dir, "chain.facts");
    for (old, new) in [("closed.dl", "both.dl"), ("flat.dl", "closed.dl")] {
        let run = diff_on(
            &path(&dir, old),
            &path(&dir, new),
            &facts,
            &["--no-proofs", "--max-tuples", "200"],
        );
        assert_eq!(run.status, 1, "{old} -> {new}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("E0401").count(),
            1,
            "{old} -> {new}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{old} -> {new}");
    }
}
