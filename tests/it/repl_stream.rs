//! The REPL driven through `grantlog::repl::run` with scripted input: no terminal.

use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::repl::{self, needs_more};
use grantlog::shipped;
use grantlog::workspace::Workspace;

fn worked_example() -> Workspace {
    Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
        .unwrap_or_else(|_| panic!("the shipped example opens"))
}

fn session(ws: &mut Workspace, script: &str) -> (String, repl::Summary) {
    let mut out = Vec::new();
    let summary = repl::run(ws, script.as_bytes(), &mut out, false).expect("io");
    (String::from_utf8(out).expect("utf-8"), summary)
}

fn answer(script: &str) -> String {
    session(&mut worked_example(), script).0
}

/// Every tuple of every relation, for "nothing changed" checks.
fn state(ws: &Workspace) -> Vec<(String, usize)> {
    let p = ws.program();
    p.relations()
        .map(|r| (p.relation_name(r).to_string(), ws.model.len(r)))
        .collect()
}

#[test]
fn s30_questions() {
    let out = answer(
        "can_run(engineering, sales-360)\nmissing_permission(engineering, sales-360, U, D, P)?\n",
    );
    assert_eq!(
        out,
        "no\n U   │ D        │ P\n─────┼──────────┼────────────────\n sam │ sf-creds │ can_use_secret\n(1 row)\n"
    );
}

#[test]
fn a_query_may_end_in_a_dot_and_use_negation() {
    let out = answer("can_run(engineering, sales-360).\nmember(U, engineering), !can_use(U, engineering, sf-creds)\n");
    assert!(out.starts_with("no\n"), "{out}");
    assert!(
        out.contains(" dana\n")
            && out.contains(" maria\n")
            && out.contains(" sam\n")
            && out.contains("(3 rows)"),
        "{out}"
    );
}

#[test]
fn asserting_the_missing_grant_lets_sales_360_run_and_undo_restores() {
    let mut ws = worked_example();
    let before = state(&ws);
    let (out, summary) = session(
        &mut ws,
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.\n\
         can_run(engineering, sales-360)\n\
         :undo\n\
         can_run(engineering, sales-360)\n",
    );
    assert_eq!(summary.errors, 0, "{out}");
    let (asserted, rest) = out.split_once("yes\n").expect("yes after the grant");
    assert!(
        asserted.contains("+ can_run(engineering, sales-360)\n"),
        "{asserted}"
    );
    assert!(
        asserted.contains(
            "- missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)\n"
        ),
        "{asserted}"
    );
    // Decisions come first; other relations are summarised.
    assert!(asserted.contains("also: audit_grant +1"), "{asserted}");
    assert!(!asserted.contains("+ audit_grant"), "{asserted}");
    assert!(rest.starts_with("undone\n"), "{rest}");
    assert!(
        rest.contains("- can_run(engineering, sales-360)\n"),
        "{rest}"
    );
    assert!(rest.ends_with("no\n"), "{rest}");
    assert_eq!(state(&ws), before);
}

#[test]
fn verbose_assert_lists_every_tuple_and_the_final_dot_is_optional() {
    let out =
        answer(":assert -v grant can_use_secret on sf-creds in engineering to sam by maria\n");
    assert!(
        out.contains("+ audit_grant(engineering, sf-creds, sam, can_use_secret, maria)"),
        "{out}"
    );
    assert!(!out.contains("also:"), "{out}");
}

#[test]
fn retracting_a_grant_shows_losses() {
    let out = answer(":retract grant can_use_depot on sf-depot in engineering to sam by maria.\n");
    assert!(
        out.contains("- can_use(sam, engineering, sf-depot)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "+ missing_permission(engineering, sales-360, sam, sf-depot, can_use_depot)\n"
        ),
        "{out}"
    );
}

#[test]
fn raw_facts_can_be_asserted_and_retracted() {
    let out = answer(
        ":assert grant(engineering, sf-creds, sam, can_use_secret, maria).\n\
         can_run(engineering, sales-360)\n\
         :retract grant(engineering, sf-creds, sam, can_use_secret, maria)\n\
         can_run(engineering, sales-360)\n",
    );
    assert!(out.contains("+ can_run(engineering, sales-360)"), "{out}");
    assert!(out.contains("yes\n"), "{out}");
    assert!(out.contains("- can_run(engineering, sales-360)"), "{out}");
    assert!(out.ends_with("no\n"), "{out}");
}

#[test]
fn revoking_a_run_as_grant_shows_the_workloads_that_now_fail() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/run-as.facts"
    ))
    .unwrap();
    let mut ws = Workspace::open(
        &shipped::rules(),
        &[Text::new("examples/run-as.facts", text)],
        &Limits::default(),
    )
    .unwrap_or_else(|_| panic!("opens"));
    let (out, _) = session(
        &mut ws,
        ":assert revoke run-as dpdeveloper from sam by iamgroot.\n",
    );
    assert!(out.contains("- can_run(engineering, dp-ingest)\n"), "{out}");
    assert!(
        out.contains("+ run_as_invalid(engineering, dp-ingest, dpdeveloper, sam, revoked)\n"),
        "{out}"
    );
}

#[test]
fn loading_a_bad_file_changes_nothing_and_names_line_and_column() {
    let dir = std::env::temp_dir().join(format!("grantlog-repl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.facts");
    std::fs::write(
        &bad,
        "grant can_use_secret on sf-creds in engineering to sam by maria.\ngrant can_use on sf-creds in engineering to nobody by maria.\n",
    )
    .unwrap();
    let good = dir.join("good.facts");
    std::fs::write(
        &good,
        "grant can_use_secret on sf-creds in engineering to sam by maria.\n",
    )
    .unwrap();
    let mut ws = worked_example();
    let before = state(&ws);
    let (out, summary) = session(
        &mut ws,
        &format!(":load {}\ncan_run(engineering, sales-360)\n", bad.display()),
    );
    assert_eq!(summary.errors, 1, "{out}");
    assert!(out.contains(&format!("{}:2:", bad.display())), "{out}");
    assert!(
        out.ends_with("no\n"),
        "the first line of the bad file was not applied: {out}"
    );
    assert_eq!(state(&ws), before);
    let (out, _) = session(
        &mut ws,
        &format!(
            ":load {}\ncan_run(engineering, sales-360)\n",
            good.display()
        ),
    );
    assert!(out.contains("+ can_run(engineering, sales-360)"), "{out}");
    assert!(out.ends_with("yes\n"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_name_the_repl_line_and_change_nothing() {
    let mut ws = worked_example();
    let before = state(&ws);
    let (out, summary) = session(
        &mut ws,
        "can_run(engineering, sales-360)\ncan_rnu(engineering, X)\n:assert grant can_use_secret on sf-creds in engineering to sam by mariaa.\n",
    );
    assert_eq!(summary.errors, 2, "{out}");
    assert!(out.contains("--> <repl 2>:1:1"), "{out}");
    assert!(out.contains("did you mean `can_run`?"), "{out}");
    // The statement's column is its column in the typed line.
    assert!(out.contains("--> <repl 3>:1:67"), "{out}");
    assert!(!out.contains(".facts:"), "{out}");
    assert_eq!(state(&ws), before);
}

#[test]
fn a_statement_typed_as_a_query_suggests_assert() {
    let out = answer("grant can_use_secret on sf-creds in engineering to sam by maria.\n");
    assert!(out.contains("type `:assert grant can_use_secret"), "{out}");
}

#[test]
fn unfinished_input_continues_on_the_next_line() {
    assert!(needs_more("can_run(engineering,"));
    assert!(!needs_more("can_run(engineering, sales-360)"));
    assert!(needs_more(":assert grant can_use_secret on sf-creds"));
    assert!(!needs_more(":help"));
    assert!(!needs_more(":load examples/x.facts"));
    let out = answer("can_run(engineering,\n   sales-360\n)\n");
    assert_eq!(out, "no\n");
    let out = answer(":assert grant can_use_secret on sf-creds\n  in engineering to sam by maria.\ncan_run(engineering, sales-360)\n");
    assert!(out.ends_with("yes\n"), "{out}");
}

#[test]
fn a_command_line_ends_an_unfinished_input() {
    let (out, summary) = session(&mut worked_example(), "can_run(engineering,\n:help\n");
    assert_eq!(summary.errors, 1);
    assert!(
        out.contains("input ends here") || out.contains("end of input"),
        "{out}"
    );
    assert!(out.contains(":whynot"), "{out}");
}

#[test]
fn facts_rules_relations_stats() {
    let out = answer(":facts member\n");
    assert!(out.starts_with(" user  │ tenant\n"), "{out}");
    assert!(out.contains(" sam   │ engineering\n"), "{out}");
    let out = answer(":rules can_run\n");
    assert!(out.contains("workload_runs"), "{out}");
    assert!(out.contains("rules/dataos.dl:"), "{out}");
    assert!(out.contains("/// S23, S27, S30"), "{out}");
    assert!(out.contains("can_run(T, W) :- "), "{out}");
    assert!(
        !out.contains("missing_permission_blocks"),
        "only rules deriving can_run: {out}"
    );
    let out = answer(":rules grant\n");
    assert!(out.contains("base relation"), "{out}");
    let out = answer(":relations\n");
    assert!(out.contains(" can_run "), "{out}");
    assert!(out.contains("tenant, workload"), "{out}");
    assert!(out.contains("derived") && out.contains("base"), "{out}");
    let out = answer(":stats\n");
    assert!(out.contains(" missing_permission "), "{out}");
    assert!(out.contains(" rounds"), "{out}");
    let out = answer(
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.\n:stats\n",
    );
    assert!(out.contains("last evaluation (:assert):"), "{out}");
    if cfg!(target_os = "linux") {
        let line = out
            .lines()
            .find(|l| l.starts_with("memory: "))
            .expect("a memory line");
        let mib: u64 = line["memory: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(mib > 0, "{line}");
    }
}

#[test]
fn help_teaches_the_s30_questions() {
    let out = answer(":help\n");
    for needle in [
        "can_run(engineering, sales-360)",
        "missing_permission(engineering, sales-360, U, D, P)",
        ":whynot can_run(engineering, sales-360)",
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.",
        ":undo",
        ":load",
        ":reload",
        ":rules",
        ":facts",
        ":relations",
        ":stats",
        ":quit",
        ":depth",
    ] {
        assert!(out.contains(needle), "{needle} missing from :help");
    }
}

#[test]
fn unknown_commands_suggest_the_closest() {
    let out = answer(":relatons\n:asert x\n");
    assert!(out.contains("unknown command `:relatons`"), "{out}");
    assert!(out.contains("did you mean `:relations`?"), "{out}");
    assert!(out.contains("did you mean `:assert`?"), "{out}");
}

#[test]
fn why_and_whynot_go_through_the_explain_hook() {
    let out = answer(
        ":whynot can_run(engineering, sales-360)\n:why can_run(engineering\n:depth 2\n:depth x\n",
    );
    // The why-not of S30 ends with the one missing grant, as a pasteable statement.
    assert!(
        out.contains("grant can_use_secret on sf-creds in engineering to sam by maria."),
        "{out}"
    );
    assert!(
        out.contains("fails: !blocked(engineering, sales-360)"),
        "{out}"
    );
    assert!(
        out.contains("explanations go at most 2 rules deep"),
        "{out}"
    );
    assert!(out.contains("`x` is not a depth"), "{out}");
}

#[test]
fn undo_with_nothing_to_undo_and_quit_stops_reading() {
    let out = answer(":undo\n:q\ncan_run(engineering, sales-360)\n");
    assert_eq!(out, "nothing to undo\n");
}

#[test]
fn reload_rereads_files_and_drops_what_if_changes() {
    let out = answer(
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.\n:reload\ncan_run(engineering, sales-360)\n",
    );
    assert!(
        out.contains("reloaded 1 rule file and 1 fact file"),
        "{out}"
    );
    assert!(out.ends_with("no\n"), "{out}");
}

#[test]
fn interactive_streams_get_plain_prompts() {
    let mut out = Vec::new();
    repl::run(
        &mut worked_example(),
        "can_run(engineering,\nsales-360)\n".as_bytes(),
        &mut out,
        true,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("grantlog> "), "{out}");
    assert!(out.contains("     ...> no\n"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
}

#[test]
fn nothing_panics_on_odd_input() {
    let inputs = [
        ":",
        "::",
        ": assert",
        ":assert",
        ":retract",
        ":facts",
        ":facts nosuch",
        ":rules nosuch",
        ":why",
        ":whynot X",
        ":load",
        ":depth 0",
        "(",
        ")",
        "\"",
        "/*",
        "?",
        ".",
        "!",
        "can_run(",
        ":assert fact",
        ":assert can_run(engineering, sales-360).",
        ":retract can_run(engineering, sales-360)",
        ":retract user sam type person.",
        "X",
        "can_run(X, Y), X != Y",
        "é(ü)",
        "\u{0}",
        ":assert -v",
        ":undo -v",
        ":facts can_run(",
        "permission(U, T, R, P), U = 3",
    ];
    let mut ws = worked_example();
    let before = state(&ws);
    for input in inputs {
        let mut out = Vec::new();
        let _ = repl::run(&mut ws, format!("{input}\n").as_bytes(), &mut out, false).unwrap();
        assert_eq!(state(&ws), before, "{input} changed the state");
    }
}

#[test]
fn timing_on_ends_every_answer_with_its_time_and_off_stops() {
    let out = answer(":timing on\ncan_run(engineering, sales-360)\n:timing off\ncan_run(engineering, sales-360)\n");
    let times: Vec<&str> = out.lines().filter(|l| l.starts_with("time: ")).collect();
    // The query and `:timing off` itself; nothing after.
    assert_eq!(times.len(), 2, "{out}");
    for t in times {
        let ms: f64 = t["time: ".len()..].trim_end_matches(" ms").parse().unwrap();
        assert!(ms >= 0.0, "{t}");
    }
    let out = answer(":timing sometimes\n");
    assert!(
        out.contains("E0801") && out.contains("`:timing on`"),
        "{out}"
    );
}

#[test]
fn undo_history_keeps_the_last_hundred_changes_and_says_when_one_is_dropped() {
    let mut script = String::new();
    for i in 0..101 {
        script.push_str(
            &format!("user tmp{i} type person email \"t{i}@example.com\".\n")
                .replace("user", ":assert user"),
        );
    }
    for _ in 0..101 {
        script.push_str(":undo\n");
    }
    let (out, ws) = {
        let mut ws = worked_example();
        let before = state(&ws);
        let (out, _) = session(&mut ws, &script);
        (out, (before, state(&ws)))
    };
    assert_eq!(
        out.matches("note: the undo history is full").count(),
        1,
        "{out}"
    );
    assert_eq!(out.lines().filter(|l| *l == "undone").count(), 100, "{out}");
    assert_eq!(out.matches("nothing to undo").count(), 1, "{out}");
    // The first user stays: its step was dropped.
    assert_ne!(ws.0, ws.1);
}

#[test]
fn undo_history_is_bounded_by_the_bytes_of_its_facts() {
    let mut ws = worked_example();
    // Room for one step's facts only: the second change pushes the first out.
    ws.undo_bytes = 1;
    let first = ws
        .assert("<a>", "user tmp1 type person email \"t1@example.com\".")
        .expect("asserts");
    assert_eq!(first.undo_dropped, 0, "the step just taken is kept");
    let second = ws
        .assert("<b>", "user tmp2 type person email \"t2@example.com\".")
        .expect("asserts");
    assert_eq!(second.undo_dropped, 1);
    assert!(ws.undo().expect("one step").is_ok());
    assert!(ws.undo().is_none(), "the first step was dropped");
    let (out, _) = session(&mut worked_example(), ":assert user tmp3 type person.\n");
    assert!(!out.contains("undo history is full"), "{out}");
}
