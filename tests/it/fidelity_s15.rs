//! Issue 9, fidelity 1 (S15, S3, S5, S25): a workload runs only if the identity it is
//! created and runs under may create its kind; why-not and audit say so.

use crate::cli_run::grantlog;
use crate::fidelity_util::TempDir;

const FIXTURE: &str = "rules/tests/fixtures/tenant.facts";

/// A fact file in a fresh temporary directory (kept for the test's life).
fn facts(name: &str, text: &str) -> (TempDir, String) {
    let dir = TempDir::new(name);
    let p = dir.write("case.facts", text);
    (dir, p)
}

/// The fixes of a text why-not: one Vec of statements per alternative.
fn fixes(out: &str) -> Vec<Vec<String>> {
    let Some((_, tail)) = out.split_once("\nFix") else {
        return Vec::new();
    };
    let mut alts = vec![Vec::new()];
    for line in tail.lines().skip(1) {
        match line.trim() {
            "or:" => alts.push(Vec::new()),
            "" => break,
            s => alts.last_mut().expect("one").push(s.to_string()),
        }
    }
    alts
}

#[test]
fn a_consumers_own_workflow_with_its_grant_does_not_run() {
    let (_d, f) = facts(
        "s15-1",
        "resource cora-flow in engineering type: workflow owner: cora compute: runnable-default.\n\
         grant can_use_compute on runnable-default in engineering to cora by maria.\n",
    );
    let (out, err, code) = grantlog(&["eval", FIXTURE, &f, "-q", "can_run(engineering, W)"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("cora-flow"), "{out}");
    let (out, err, code) = grantlog(&[
        "explain",
        "--why-not",
        "can_run(engineering, cora-flow)",
        FIXTURE,
        &f,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("identity_cannot_create(engineering, cora-flow, cora, workflow)"),
        "{out}"
    );
    let alts = fixes(&out);
    assert!(!alts.is_empty(), "{out}");
    // Every verified fix gives cora a role that may create workflows; none is a grant.
    for alt in &alts {
        assert!(
            alt.iter()
                .all(|s| s.starts_with("role cora in engineering:")),
            "{out}"
        );
    }
    assert!(
        alts.iter()
            .any(|a| a == &["role cora in engineering: Data Developer."]),
        "{out}"
    );
}

#[test]
fn why_not_proposes_no_grant_alone_for_an_operators_workload() {
    // Without the compute grant: the old why-not offered the grant alone as verified.
    let (_d, f) = facts("s15-2", "resource ops-audit in engineering type: workflow owner: iamgroot compute: runnable-default.\n",
    );
    let (out, err, code) = grantlog(&[
        "explain",
        "--why-not",
        "can_run(engineering, ops-audit)",
        FIXTURE,
        &f,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let alts = fixes(&out);
    assert!(!alts.is_empty(), "{out}");
    for alt in &alts {
        assert!(
            alt.iter()
                .any(|s| s.starts_with("role iamgroot in engineering:")),
            "{out}"
        );
        assert!(
            alt.iter().any(|s| s.starts_with("grant can_use_compute")),
            "{out}"
        );
        // The abduction also followed the runAsUser rule, and a runAsUser naming the
        // submitter plus a self run-as grant verified only because the role alone does;
        // a fix lists only what the change needs.
        assert!(
            !alt.iter()
                .any(|s| s.starts_with("run_as_user") || s.starts_with("grant run-as")),
            "a statement the fix does not need:\n{out}"
        );
    }
}

/// The same fix when the rules say "not yourself" with a comparison (`I != S`) instead of
/// a negated relation: the fix lies below the shown depth, and a search bounded by it
/// found none.
#[test]
fn a_fix_below_the_shown_depth_is_found_through_a_comparison() {
    let shipped = std::fs::read_to_string("rules/dataos.dl").expect("rules");
    let negated = "run_as_user(T, W, I), !names_itself(T, W), valid_run_as(I, S)";
    assert!(
        shipped.contains(negated),
        "the rule this test rewrites moved"
    );
    let dir = TempDir::new("s15-cmp");
    let rules = dir.write(
        "dataos.dl",
        &shipped.replace(negated, "run_as_user(T, W, I), I != S, valid_run_as(I, S)"),
    );
    let f = dir.write(
        "case.facts",
        "resource ops-audit in engineering type: workflow owner: iamgroot compute: runnable-default.\n",
    );
    let (out, err, code) = grantlog(&[
        "explain",
        "--rules",
        &rules,
        "--why-not",
        "can_run(engineering, ops-audit)",
        FIXTURE,
        &f,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let alts = fixes(&out);
    assert!(
        alts.iter().any(|a| a
            == &[
                "invite iamgroot to engineering by iamgroot.",
                "role iamgroot in engineering: Data Developer.",
                "grant can_use_compute on runnable-default in engineering to iamgroot by maria.",
            ]),
        "{out}"
    );
}

#[test]
fn audit_shows_the_workload_its_identity_may_not_create() {
    let (_d, f) = facts(
        "s15-3",
        "resource cora-flow in engineering type: workflow owner: cora compute: runnable-default.\n\
         grant can_use_compute on runnable-default in engineering to cora by maria.\n",
    );
    let (out, err, code) = grantlog(&["audit", "cora", FIXTURE, &f]);
    assert_eq!(code, 0, "{err}");
    let at = out.find("resource cora-flow in engineering").expect(&out);
    assert!(
        out[at..].contains(
            "identity_cannot_create  not in effect (workflow): by @running_identity_cannot_create"
        ),
        "{out}"
    );
    let (out, _, _) = grantlog(&["audit", "cora", FIXTURE, &f, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let text = v.to_string();
    assert!(
        text.contains("identity_cannot_create(engineering, cora-flow, cora, workflow)"),
        "{text}"
    );
}
