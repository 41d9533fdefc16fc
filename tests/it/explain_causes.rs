//! Why-not leads with the real cause of a workload that cannot run (an invalid run-as
//! grant, a running identity that may not create the kind, a missing permission), names
//! it in the proof, orders fixes by least privilege and lists who may sign a fix once;
//! alike in `explain` (text and JSON), the REPL's `:whynot` and failing policy tests.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TENANT: &str = "rules/tests/fixtures/tenant.facts";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch file with `text`, named after the test.
fn scratch(name: &str, file: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-causes-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn grantlog(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn why_not(fact: &str, files: &[&str]) -> String {
    let mut args = vec!["explain", "--why-not", fact];
    args.extend(files);
    grantlog(&args, "")
}

fn why_not_json(fact: &str, files: &[&str]) -> Json {
    let mut args = vec!["explain", "--format", "json", "--why-not", fact];
    args.extend(files);
    let out = grantlog(&args, "");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

const NOT_BY_OPERATOR: &str = "lee's run-as grant on dpdeveloper was set up by maria, not by an operator (examples/run-as.facts:55)";

#[test]
fn run_as_not_set_up_by_an_operator_leads() {
    let text = why_not(
        "can_run(engineering, dp-report)",
        &["examples/run-as.facts"],
    );
    let head = text.lines().next().unwrap();
    assert_eq!(
        head,
        format!("can_run(engineering, dp-report) does not hold: {NOT_BY_OPERATOR}; fix: grant run-as dpdeveloper to lee by iamgroot."),
    );
    assert!(
        text.contains(
            "run_as_invalid(engineering, dp-report, dpdeveloper, lee, not_set_up_by_operator)"
        ),
        "{text}"
    );
    // However shallow the proof shown, the cause is found in full.
    let text = grantlog(
        &[
            "explain",
            "--depth",
            "1",
            "--why-not",
            "can_run(engineering, dp-report)",
            "examples/run-as.facts",
        ],
        "",
    );
    assert!(
        text.lines().next().unwrap().contains(NOT_BY_OPERATOR),
        "{text}"
    );
    let json = why_not_json(
        "can_run(engineering, dp-report)",
        &["examples/run-as.facts"],
    );
    assert_eq!(
        json["causes"],
        serde_json::json!([NOT_BY_OPERATOR]),
        "{json}"
    );
    assert_eq!(json["summary"], head, "{json}");
}

#[test]
fn revoked_run_as_leads_with_the_revocation_and_where_it_is() {
    let text = why_not(
        "can_run(engineering, dp-ingest)",
        &["examples/run-as.facts", "examples/run-as-revoked.facts"],
    );
    let head = text.lines().next().unwrap();
    assert!(
        head.starts_with("can_run(engineering, dp-ingest) does not hold: sam's run-as grant on dpdeveloper was revoked at examples/run-as-revoked.facts:3 (revoke run-as dpdeveloper from sam by iamgroot.);"),
        "{head}"
    );
}

#[test]
fn run_as_without_any_grant_says_so() {
    let facts = scratch(
        "nogrant",
        "f.facts",
        "resource sneaky in engineering type: workflow owner: sam runAsUser: dpdeveloper.
invite dpdeveloper to engineering by iamgroot as Data Developer.
",
    );
    let text = why_not(
        "can_run(engineering, sneaky)",
        &[TENANT, facts.to_str().unwrap()],
    );
    let head = text.lines().next().unwrap();
    assert!(
        head.starts_with(
            "can_run(engineering, sneaky) does not hold: sam holds no run-as grant on dpdeveloper; fix: grant run-as dpdeveloper to sam by iamgroot."
        ),
        "{head}"
    );
}

const DANA_FLOW: &str =
    "resource dana-flow in engineering type: workflow owner: dana compute: runnable-default.\n";

#[test]
fn identity_that_may_not_create_leads_and_shows_in_the_proof() {
    let facts = scratch("dana", "f.facts", DANA_FLOW);
    let files = [TENANT, facts.to_str().unwrap()];
    let text = why_not("can_run(engineering, dana-flow)", &files);
    let head = text.lines().next().unwrap();
    assert!(
        head.starts_with("can_run(engineering, dana-flow) does not hold: dana may not create a workflow in engineering, and dana lacks can_use_compute on runnable-default; fix: role dana in engineering: Data Developer."),
        "{head}"
    );
    // Both reasons are in the proof, the first one first.
    let cannot = text
        .find("identity_cannot_create(engineering, dana-flow, dana, workflow)")
        .expect(&text);
    let lacks = text
        .find("missing_permission(engineering, dana-flow, dana, runnable-default, can_use_compute)")
        .expect(&text);
    assert!(cannot < lacks, "{text}");
    let mut args = vec![
        "explain",
        "--format",
        "dot",
        "--why-not",
        "can_run(engineering, dana-flow)",
    ];
    args.extend(files);
    let dot = grantlog(&args, "");
    assert!(
        dot.contains("[label=\"blocked_because(engineering, dana-flow, missing_permission)\"]"),
        "{dot}"
    );
    let json = why_not_json("can_run(engineering, dana-flow)", &files);
    assert_eq!(
        json["causes"],
        serde_json::json!([
            "dana may not create a workflow in engineering",
            "dana lacks can_use_compute on runnable-default"
        ]),
        "{json}"
    );
    let blocked = &json["rules"][0]["failing"];
    assert_eq!(blocked["kind"], "blocked", "{json}");
    assert_eq!(
        blocked["proof"]["also"][0]["premises"][0]["fact"],
        "blocked_because(engineering, dana-flow, missing_permission)",
        "{json}"
    );
}

/// The statements of each fix, in order.
fn fixes(json: &Json) -> Vec<Vec<String>> {
    serde_json::from_value(json["fixes"].clone()).unwrap()
}

#[test]
fn fixes_come_narrowest_first() {
    // Data Developer may create workflows, and so may a Tenant Admin, who gets far more.
    let facts = scratch(
        "narrow",
        "f.facts",
        &format!("{DANA_FLOW}grant can_use_compute on runnable-default in engineering to dana by maria.\n"),
    );
    let json = why_not_json(
        "can_run(engineering, dana-flow)",
        &[TENANT, facts.to_str().unwrap()],
    );
    assert_eq!(
        fixes(&json),
        [
            ["role dana in engineering: Data Developer."],
            ["role dana in engineering: Tenant Admin."]
        ],
        "{json}"
    );
    // A grant of Can Manage Access on one resource before the role that manages all.
    let json = why_not_json("can_manage_access(sam, engineering, sf-depot)", &[TENANT]);
    let all = fixes(&json);
    assert_eq!(
        all.first().map(|f| f[0].as_str()),
        Some("grant can_manage_access on sf-depot in engineering to sam by maria."),
        "{json}"
    );
    let role = all
        .iter()
        .position(|f| f[0] == "role sam in engineering: Tenant Admin.")
        .expect("the role is a fix too");
    assert!(role > 0, "{json}");
}

const SIGNERS: &str = "user mona type person.
invite mona to engineering by iamgroot as Tenant Admin.
resource flow in engineering type: workflow owner: sam compute: runnable-default depot: sf-depot.
";

#[test]
fn fixes_that_differ_only_in_who_signs_are_one_fix() {
    let facts = scratch("signers", "f.facts", SIGNERS);
    let files = [TENANT, facts.to_str().unwrap()];
    let text = why_not("can_run(engineering, flow)", &files);
    let fix = &text[text.find("Fix (verified").expect(&text)..];
    assert_eq!(
        fix,
        "Fix (verified: adding these facts makes it hold):
  grant can_use_secret on sf-creds in engineering to sam by maria.
  grant can_use_depot on sf-depot in engineering to sam by maria.
  grant can_use_compute on runnable-default in engineering to sam by maria.
  signed by any of: maria, mona
",
        "{text}"
    );
    let head = text.lines().next().unwrap();
    assert!(
        head.ends_with("grant can_use_compute on runnable-default in engineering to sam by maria. (signed by any of: maria, mona)"),
        "{head}"
    );
    let json = why_not_json("can_run(engineering, flow)", &files);
    assert_eq!(fixes(&json).len(), 1, "{json}");
    assert_eq!(
        json["signers"],
        serde_json::json!([[["maria", "mona"], ["maria", "mona"], ["maria", "mona"]]]),
        "{json}"
    );
}

#[test]
fn repl_and_policy_tests_lead_with_the_same_cause() {
    let out = grantlog(
        &["repl", "examples/run-as.facts"],
        ":whynot can_run(engineering, dp-report)\n",
    );
    assert!(out.contains(NOT_BY_OPERATOR), "{out}");
    let test = scratch(
        "policytest",
        "runas.test",
        &format!(
            "include \"{}/examples/run-as.facts\".\ntest lee_runs \"lee's report runs\":\n  expect can_run(engineering, dp-report).\n",
            root().display()
        ),
    );
    // The included file is named as included (here by its full path).
    let cause = NOT_BY_OPERATOR.replace("(examples/", &format!("({}/examples/", root().display()));
    let out = grantlog(&["test", test.to_str().unwrap()], "");
    assert!(out.contains(&cause), "{out}");
    let out = grantlog(&["test", "--format", "json", test.to_str().unwrap()], "");
    assert!(out.contains(&cause), "{out}");
}

#[test]
fn signers_shared_by_every_statement_are_listed_once_and_the_others_under_theirs() {
    // dana created dev-compute, so she may sign its grant too, and only that one.
    let facts = scratch(
        "signers-own",
        "f.facts",
        &SIGNERS.replace(
            "resource flow in engineering type: workflow owner: sam compute: runnable-default",
            "resource dev-compute in engineering type: compute owner: dana.\nresource flow in engineering type: workflow owner: sam compute: dev-compute",
        ),
    );
    let files = [TENANT, facts.to_str().unwrap()];
    let text = why_not("can_run(engineering, flow)", &files);
    let fix = &text[text.find("Fix (verified").expect(&text)..];
    assert_eq!(
        fix,
        "Fix (verified: adding these facts makes it hold):
  grant can_use_secret on sf-creds in engineering to sam by maria.
  grant can_use_depot on sf-depot in engineering to sam by maria.
  grant can_use_compute on dev-compute in engineering to sam by maria.
    also signed by: dana
  signed by any of: maria, mona
",
        "{text}"
    );
    let json = why_not_json("can_run(engineering, flow)", &files);
    assert_eq!(
        json["signers"],
        serde_json::json!([[
            ["maria", "mona"],
            ["maria", "mona"],
            ["maria", "dana", "mona"]
        ]]),
        "{json}"
    );
}

#[test]
fn a_reason_that_arrives_after_a_change_is_named_too() {
    // blocked held before the retraction; the reason the retraction adds is derived in a
    // later evaluation, and is still one of the ways blocked holds.
    let facts = scratch(
        "later",
        "f.facts",
        &format!("{DANA_FLOW}grant can_use_compute on runnable-default in engineering to dana by maria.\n"),
    );
    let out = grantlog(
        &["repl", TENANT, facts.to_str().unwrap()],
        ":retract grant can_use_compute on runnable-default in engineering to dana by maria.\n:whynot can_run(engineering, dana-flow)\n",
    );
    assert!(
        out.contains("does not hold: dana may not create a workflow in engineering, and dana lacks can_use_compute on runnable-default;"),
        "{out}"
    );
}
