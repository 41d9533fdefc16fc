//! `grantlog diff --base REV` and `--old-facts`: changes of the instance in scratch git
//! repositories (a grant added, a grant revoked, a role removed, a manifest with a new
//! runAsUser, a user removed from the table, renames), each diff checked tuple by tuple
//! against two separate `eval`s, in JSON and in text; usage errors.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The relations the shipped rules declare `@decision`: what a diff of fact sets lists.
pub(crate) fn decisions() -> Vec<String> {
    let rules = grantlog::shipped::rules();
    let ws = grantlog::workspace::Workspace::open(&rules, &[], &Default::default())
        .unwrap_or_else(|_| panic!("the shipped rules open"));
    let p = ws.program();
    p.decisions()
        .map(|r| p.relation_name(r).to_string())
        .collect()
}

pub(crate) struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `grantlog ARGS` run in `dir`.
pub(crate) fn grantlog_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run grantlog");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Whether the `git` program runs here; tests that need it say so and pass otherwise.
pub(crate) fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: the `git` program is not available");
    }
    ok
}

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// A fresh scratch repository holding a copy of `examples/dataos` as `dataos/`,
/// committed on `main`.
pub(crate) fn dataos_repo(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-facts-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dataos"),
        &dir.join("dataos"),
    );
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "the instance"]);
    dir
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

/// Tuples as their values' JSON texts.
type Tuples = BTreeSet<Vec<String>>;

fn tuple(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(Value::to_string).collect()
}

/// Every derived relation's tuples, from `grantlog eval PATH --format json`.
fn eval(dir: &Path, path: &str) -> BTreeMap<String, Tuples> {
    let run = grantlog_in(dir, &["eval", path, "--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    v["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let rows = r["rows"].as_array().unwrap();
            let rows = rows.iter().map(tuple).collect();
            (r["relation"].as_str().unwrap().to_string(), rows)
        })
        .collect()
}

/// Per relation listed: (gained, lost) values, and the same as fact texts.
fn diff_changes(v: &Value) -> BTreeMap<String, (Tuples, Tuples, BTreeSet<String>)> {
    let mut out = BTreeMap::new();
    for r in v["relations"].as_array().unwrap() {
        let mut gained = Tuples::new();
        let mut lost = Tuples::new();
        let mut facts = BTreeSet::new();
        for g in r["groups"].as_array().unwrap() {
            for (key, set, sign) in [("gained", &mut gained, "+"), ("lost", &mut lost, "-")] {
                for c in g[key].as_array().unwrap() {
                    set.insert(tuple(&c["values"]));
                    facts.insert(format!("{sign} {}", c["fact"].as_str().unwrap()));
                }
            }
        }
        out.insert(
            r["relation"].as_str().unwrap().to_string(),
            (gained, lost, facts),
        );
    }
    out
}

/// The `+ fact` / `- fact` lines of a text diff without proofs.
fn text_facts(text: &str) -> BTreeSet<String> {
    text.lines()
        .skip_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.starts_with("+ ") || l.starts_with("- "))
        .map(str::to_string)
        .collect()
}

/// The diff of the working tree against HEAD, checked tuple by tuple against `eval` of
/// the committed instance (`old`, a copy) and of the working tree: JSON and text. The
/// JSON document is returned for the scenario's own checks.
fn check_against_evals(repo: &Path, old: &Path) -> Value {
    let old_eval = eval(old, "dataos");
    let new_eval = eval(repo, "dataos");
    let json_run = grantlog_in(
        repo,
        &["diff", "--base", "HEAD", "dataos", "--format", "json"],
    );
    assert_eq!(json_run.status, 0, "{}", json_run.stderr);
    let v: Value = serde_json::from_str(&json_run.stdout).unwrap();
    let listed = diff_changes(&v);
    let empty = Tuples::new();
    let mut all_facts = BTreeSet::new();
    let decisions = decisions();
    for rel in &decisions {
        let o = old_eval.get(rel).unwrap_or(&empty);
        let n = new_eval.get(rel).unwrap_or(&empty);
        let gained: Tuples = n.difference(o).cloned().collect();
        let lost: Tuples = o.difference(n).cloned().collect();
        match listed.get(rel) {
            Some((g, l, facts)) => {
                assert_eq!(g, &gained, "{rel}: gained");
                assert_eq!(l, &lost, "{rel}: lost");
                all_facts.extend(facts.iter().cloned());
            }
            None => assert!(
                gained.is_empty() && lost.is_empty(),
                "{rel} changed but is not listed: +{gained:?} -{lost:?}"
            ),
        }
    }
    for rel in listed.keys() {
        assert!(decisions.contains(rel), "{rel} listed");
    }
    let text = grantlog_in(repo, &["diff", "--base", "HEAD", "dataos", "--no-proofs"]);
    assert_eq!(text.status, 0, "{}", text.stderr);
    assert_eq!(
        text_facts(&text.stdout),
        all_facts,
        "text:\n{}",
        text.stdout
    );
    v
}

/// The statements' texts of one side of the JSON `statements`.
fn statement_texts(v: &Value, side: &str) -> Vec<String> {
    v["statements"][side]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}: {}",
                s["file"].as_str().unwrap(),
                s["line"],
                s["text"].as_str().unwrap()
            )
        })
        .collect()
}

/// A repository, a copy of its committed instance, the change made in the working tree.
fn scenario(name: &str, change: impl FnOnce(&Path)) -> Option<Value> {
    if !have_git() {
        return None;
    }
    let repo = dataos_repo(name);
    let old = repo.with_file_name(format!("diff-facts-{name}-old"));
    let _ = std::fs::remove_dir_all(&old);
    copy_dir(&repo.join("dataos"), &old.join("dataos"));
    change(&repo.join("dataos"));
    Some(check_against_evals(&repo, &old))
}

#[test]
fn a_grant_added() {
    let Some(v) = scenario("grant-added", |d| {
        edit(&d.join("tenant.facts"), |t| {
            t.replace("// grant can_use_secret", "grant can_use_secret")
        })
    }) else {
        return;
    };
    assert_eq!(statement_texts(&v, "removed"), Vec::<String>::new());
    assert_eq!(
        statement_texts(&v, "added"),
        ["dataos/tenant.facts:14: grant can_use_secret on sf-creds in engineering to sam by maria."]
    );
    let permission = &v["relations"][0];
    assert_eq!(permission["relation"], "permission");
    assert_eq!(permission["gained"], 1);
}

#[test]
fn a_grant_revoked() {
    let Some(v) = scenario("grant-revoked", |d| {
        edit(&d.join("tenant.facts"), |t| {
            t + "revoke can_use_depot on sf-depot in engineering from sam by maria.\n"
        })
    }) else {
        return;
    };
    // The grant is no longer stated: OLD's statement is listed as removed.
    assert_eq!(
        statement_texts(&v, "removed"),
        ["HEAD:dataos/tenant.facts:11: grant can_use_depot   on sf-depot         in engineering to sam by maria."]
    );
    let lost: usize = (v["relations"].as_array().unwrap().iter())
        .map(|r| r["lost"].as_u64().unwrap() as usize)
        .sum();
    assert!(lost > 0, "{v}");
}

#[test]
fn a_role_removed() {
    let Some(v) = scenario("role-removed", |d| {
        edit(&d.join("tenant.facts"), |t| {
            t.replace("role sam in engineering: Tenant Data Developer.\n", "")
        })
    }) else {
        return;
    };
    assert_eq!(
        statement_texts(&v, "removed"),
        ["HEAD:dataos/tenant.facts:7: role sam in engineering: Tenant Data Developer."]
    );
    assert!(statement_texts(&v, "added").is_empty());
}

#[test]
fn a_manifest_with_a_new_run_as_user() {
    let Some(v) = scenario("run-as", |d| {
        std::fs::write(
            d.join("tenants/engineering/nightly.yaml"),
            "name: nightly\nversion: v1\ntype: workflow\nowner: sam\ntenant: engineering\n\
             workflow:\n  dag:\n    - name: load\n      spec:\n        compute: runnable-default\n\
             \x20       runAsUser: dana\n",
        )
        .unwrap()
    }) else {
        return;
    };
    let added = statement_texts(&v, "added");
    assert!(
        added
            .iter()
            .any(|s| s.contains("nightly.yaml") && s.contains("runAsUser: dana")),
        "{added:?}"
    );
    let runs_as = (v["relations"].as_array().unwrap().iter())
        .find(|r| r["relation"] == "runs_as")
        .expect("runs_as changed");
    assert_eq!(runs_as["gained"], 1);
}

#[test]
fn a_user_removed_from_the_table() {
    // Dana leaves: her rows go from the user table, and with them her invitation and the
    // run-as request naming her (statements about an unknown user are errors).
    let Some(v) = scenario("user-removed", |d| {
        edit(&d.join("users.txt"), |t| {
            t.lines()
                .filter(|l| !l.contains("Dana Levi") && !l.contains("users:id:dana"))
                .map(|l| format!("{l}\n"))
                .collect()
        });
        edit(&d.join("tenant.facts"), |t| {
            t.replace(
                "invite dana to engineering by iamgroot as Data Admin.\n",
                "",
            )
        });
        edit(&d.join("grants.yaml"), |t| {
            t.replace("users:id:dana", "users:id:maria")
        });
    }) else {
        return;
    };
    let removed = statement_texts(&v, "removed");
    assert!(
        removed
            .iter()
            .any(|s| s.starts_with("HEAD:dataos/users.txt:")),
        "{removed:?}"
    );
    assert!(
        removed.iter().any(|s| s.contains("invite dana")),
        "{removed:?}"
    );
}

#[test]
fn a_file_renamed_changes_nothing() {
    let Some(v) = scenario("file-renamed", |d| {
        std::fs::rename(d.join("tenant.facts"), d.join("engineering.facts")).unwrap()
    }) else {
        return;
    };
    assert!(statement_texts(&v, "added").is_empty(), "{v}");
    assert!(statement_texts(&v, "removed").is_empty(), "{v}");
    assert_eq!(v["relations"], serde_json::json!([]));
}

#[test]
fn a_user_renamed() {
    let Some(v) = scenario("user-renamed", |d| {
        for f in ["users.txt", "tenant.facts", "grants.yaml"] {
            edit(&d.join(f), |t| t.replace("dana", "dora"));
        }
    }) else {
        return;
    };
    let added = statement_texts(&v, "added");
    let removed = statement_texts(&v, "removed");
    assert!(added.iter().any(|s| s.contains("dora")), "{added:?}");
    assert!(removed.iter().any(|s| s.contains("dana")), "{removed:?}");
}

#[test]
fn usage_errors_name_the_revision_or_the_repository() {
    if !have_git() {
        return;
    }
    let repo = dataos_repo("usage");
    let run = grantlog_in(&repo, &["diff", "--base", "no-such-branch", "dataos"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("unknown revision `no-such-branch`")
            && run.stderr.contains("git fetch origin main"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    // Outside any repository: the inputs' directory is not in one.
    let outside = std::env::temp_dir().join("grantlog-diff-facts-outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("a.facts"), "tenant t.\n").unwrap();
    let inside_git = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(&outside)
        .output()
        .is_ok_and(|o| o.status.success());
    if !inside_git {
        let run = grantlog_in(&outside, &["diff", "--base", "main", "a.facts"]);
        assert_eq!(run.status, 1);
        assert!(
            run.stderr
                .contains("`a.facts` is not inside a git repository"),
            "{}",
            run.stderr
        );
    }
    // No change named at all: clap's usage error.
    let run = grantlog_in(&repo, &["diff", "dataos"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--against"), "{}", run.stderr);
}

#[test]
fn old_facts_form_gates_and_proofs_cite_each_side() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-facts-old-form");
    std::fs::create_dir_all(&dir).unwrap();
    let worked = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/worked-example.facts"),
    )
    .unwrap();
    // NEW: two lines inserted at the top (every later line moves down by two), the
    // missing grant stated, sam's role taken away.
    let new = format!("// NEW\n// ---\n{worked}")
        .replace("// grant can_use_secret", "grant can_use_secret")
        .replace("role sam in engineering: Tenant Data Developer.", "");
    std::fs::write(dir.join("old.facts"), &worked).unwrap();
    std::fs::write(dir.join("new.facts"), &new).unwrap();
    let args = ["diff", "--old-facts", "old.facts", "new.facts"];
    let mut one = args.to_vec();
    one.extend(["--relation", "permission"]);
    let run = grantlog_in(&dir, &one);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // A gain's proof cites NEW's lines (the resource moved from line 27 to 29), a loss's
    // OLD's (in `permission`, sam's gain is listed before his losses).
    let gained = run.stdout.find("  + [").unwrap();
    let lost = run.stdout.find("  - [").unwrap();
    let (gain_proof, loss_proof) = if gained < lost {
        (&run.stdout[gained..lost], &run.stdout[lost..])
    } else {
        (&run.stdout[gained..], &run.stdout[lost..gained])
    };
    assert!(
        gain_proof.contains("fact at new.facts:29"),
        "{}",
        run.stdout
    );
    assert!(!gain_proof.contains("old.facts"), "{}", run.stdout);
    assert!(loss_proof.contains("fact at old.facts:"), "{}", run.stdout);
    assert!(
        run.stdout.starts_with(
            "statements removed (stated in OLD, not in NEW): 1 (1 fact)\n  \
             - old.facts:23: role sam in engineering: Tenant Data Developer."
        ),
        "{}",
        run.stdout
    );
    // The gates: sam loses can_edit on sales-360, gains can_use on sf-creds.
    let mut gated = args.to_vec();
    gated.extend(["--fail-on-loss", "can_edit", "--no-proofs"]);
    let run = grantlog_in(&dir, &gated);
    assert_eq!(run.status, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--fail-on-loss can_edit: NEW loses 1 `can_edit` tuple"),
        "{}",
        run.stderr
    );
    let mut json = gated.clone();
    json.extend(["--fail-on-gain", "can_run", "--format", "json"]);
    let run = grantlog_in(&dir, &json);
    assert_eq!(run.status, 3);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["fail_on_loss"],
        serde_json::json!([{"relation": "can_edit", "lost": 1, "failed": true}])
    );
    assert_eq!(
        v["fail_on_gain"],
        serde_json::json!([{"relation": "can_run", "gained": 0, "failed": false}])
    );
    assert_eq!(v["old_facts"], serde_json::json!(["old.facts"]));
    // --relation lists one relation, whatever the default.
    let mut one = args.to_vec();
    one.extend(["--relation", "effective_grant", "--no-proofs"]);
    let run = grantlog_in(&dir, &one);
    assert!(
        run.stdout.contains("effective_grant: +1 -0\n") && !run.stdout.contains("permission:"),
        "{}",
        run.stdout
    );
    // An unknown relation is an error, located in the argument.
    let mut bad = args.to_vec();
    bad.extend(["--fail-on-loss", "can_edt"]);
    let run = grantlog_in(&dir, &bad);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("did you mean `can_edit`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_and_facts_change_together() {
    // The broad reading of S13 and the missing grant at once: compared with evaluating
    // each side on its own.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-facts-both");
    std::fs::create_dir_all(&dir).unwrap();
    let worked = std::fs::read_to_string(root.join("examples/worked-example.facts")).unwrap();
    std::fs::write(dir.join("old.facts"), &worked).unwrap();
    std::fs::write(
        dir.join("new.facts"),
        worked.replace("// grant can_use_secret", "grant can_use_secret"),
    )
    .unwrap();
    let shipped = root.join("rules/dataos.dl").display().to_string();
    let broad = root.join("rules/dataos-s13-broad.dl").display().to_string();
    let eval_side = |rules: &str, facts: &str| -> BTreeMap<String, Tuples> {
        let run = grantlog_in(&dir, &["eval", "--rules", rules, facts, "--format", "json"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        (v["relations"].as_array().unwrap().iter())
            .map(|r| {
                let rows = r["rows"].as_array().unwrap().iter().map(tuple).collect();
                (r["relation"].as_str().unwrap().to_string(), rows)
            })
            .collect()
    };
    let old = eval_side(&shipped, "old.facts");
    let new = eval_side(&broad, "new.facts");
    let run = grantlog_in(
        &dir,
        &[
            "diff",
            "--rules",
            &shipped,
            "--against",
            &broad,
            "--old-facts",
            "old.facts",
            "new.facts",
            "--format",
            "json",
            "--no-proofs",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let listed = diff_changes(&v);
    let empty = Tuples::new();
    let mut changed = 0;
    for rel in &decisions() {
        let (o, n) = (
            old.get(rel).unwrap_or(&empty),
            new.get(rel).unwrap_or(&empty),
        );
        let gained: Tuples = n.difference(o).cloned().collect();
        let lost: Tuples = o.difference(n).cloned().collect();
        let (g, l) = listed
            .get(rel)
            .map_or((empty.clone(), empty.clone()), |(g, l, _)| {
                (g.clone(), l.clone())
            });
        assert_eq!((g, l), (gained.clone(), lost.clone()), "{rel}");
        changed += gained.len() + lost.len();
    }
    assert!(changed > 1, "{v}");
    assert_eq!(v["statements"]["added"].as_array().unwrap().len(), 1);
}

#[test]
fn base_reads_the_rule_files_at_the_revision_too() {
    if !have_git() {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-facts-base-rules");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rules = ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\n\
                 path(X, Y) :- edge(X, Y).\n";
    std::fs::write(dir.join("graph.dl"), rules).unwrap();
    std::fs::write(dir.join("edges.facts"), "edge(a, b).\nedge(b, c).\n").unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "edges"]);
    // The pull request makes `path` transitive and adds an edge.
    std::fs::write(
        dir.join("graph.dl"),
        format!("{rules}path(X, Z) :- path(X, Y), edge(Y, Z).\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("edges.facts"),
        "edge(a, b).\nedge(b, c).\nedge(c, d).\n",
    )
    .unwrap();
    let args = [
        "diff",
        "--base",
        "HEAD",
        "--rules",
        "graph.dl",
        "edges.facts",
        "--no-proofs",
    ];
    let run = grantlog_in(&dir, &args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "statements added (stated in NEW, not in OLD): 1 (1 fact)\n  \
         + edges.facts:3: edge(c, d).\n\n\
         path: +4 -0\n\npath:\n  + path(a, c)\n  + path(a, d)\n  + path(b, d)\n  + path(c, d)\n\n\
         total: +4 -0 in 1 relation (1 more changed relation not listed)\n"
    );
}
