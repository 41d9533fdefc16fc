//! Issue 24 item 10: a why-not with variables explains each case that does not hold
//! (`:whynot can_run(engineering, W)`: each workload of engineering that does not run),
//! five, then "and N more", in the REPL and in `grantlog explain --why-not`; it was E0104
//! "a fact must be ground".

use crate::cli_run::grantlog;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::repl;
use grantlog::shipped;
use grantlog::workspace::Workspace;

/// The worked example plus seven workflows of sam on the compute he may use and the
/// secret he may not: none runs; `sales-360` does not run either; `ok-flow` runs.
fn many_blocked() -> String {
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/worked-example.facts"
    ))
    .unwrap();
    for i in 1..=7 {
        text.push_str(&format!(
            "resource flow-{i} in engineering type: workflow owner: sam compute: runnable-default secret: sf-creds.\n"
        ));
    }
    text.push_str(
        "resource ok-flow in engineering type: workflow owner: sam compute: runnable-default.\n",
    );
    text
}

fn repl_answer(facts: &str, script: &str) -> String {
    let mut ws = Workspace::open(
        &shipped::rules(),
        &[Text::new("many.facts", facts)],
        &Limits::default(),
    )
    .unwrap_or_else(|f| panic!("{}", grantlog::diag::render_all(&f.diagnostics, &f.sources)));
    let mut out = Vec::new();
    repl::run(&mut ws, script.as_bytes(), &mut out, false).expect("io");
    String::from_utf8(out).unwrap()
}

/// The facts each explanation's first line is about.
fn explained(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_once(" does not hold").map(|(f, _)| f.to_string()))
        .filter(|f| !f.starts_with(' '))
        .collect()
}

#[test]
fn whynot_with_a_variable_explains_five_workloads_that_do_not_run_then_counts_the_rest() {
    let out = repl_answer(&many_blocked(), ":whynot can_run(engineering, W)\n");
    assert!(!out.contains("error"), "{out}");
    let facts = explained(&out);
    // Eight do not run (seven flows and sales-360), sorted; ok-flow runs and is not one.
    assert_eq!(
        facts,
        [
            "can_run(engineering, flow-1)",
            "can_run(engineering, flow-2)",
            "can_run(engineering, flow-3)",
            "can_run(engineering, flow-4)",
            "can_run(engineering, flow-5)",
        ],
        "{out}"
    );
    assert!(out.ends_with("and 3 more\n"), "{out}");
    assert!(!out.contains("ok-flow"), "{out}");
    // Each is a full why-not, with its verified fix.
    assert_eq!(out.matches("Fix (verified").count(), 5, "{out}");
}

#[test]
fn whynot_with_a_variable_when_all_run_or_the_relation_is_stated() {
    let mut facts = many_blocked();
    facts.push_str("grant can_use_secret on sf-creds in engineering to sam by maria.\n");
    let out = repl_answer(&facts, ":whynot can_run(engineering, W)\n");
    assert!(
        out.starts_with("every case of `can_run(engineering, W)`"),
        "{out}"
    );
    let out = repl_answer(&facts, ":whynot grant(engineering, R, sam, P, maria)\n");
    assert!(out.contains("error[E0703]"), "{out}");
    assert!(!out.contains("must be ground"), "{out}");
}

#[test]
fn explain_why_not_with_a_variable_on_the_command_line() {
    let dir = crate::fidelity_util::TempDir::new("explain-each");
    let file = dir.write("many.facts", &many_blocked());
    let (out, err, code) = grantlog(&["explain", "--why-not", "can_run(engineering, W)", &file]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(explained(&out).len(), 5, "{out}");
    assert!(out.ends_with("and 3 more\n"), "{out}");
    let (out, err, code) = grantlog(&[
        "explain",
        "--why-not",
        "can_run(engineering, W)",
        &file,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["more"], 3);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    assert_eq!(cases[0]["fact"], "can_run(engineering, flow-1)");
    assert_eq!(cases[0]["holds"], false);
}
