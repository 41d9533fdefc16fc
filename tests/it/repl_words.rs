//! The REPL in its own words: `:why` over variables, `:audit`, hints that name REPL
//! commands, errors that echo the line as typed, help that says what a query is, and a
//! banner that suggests a question about the instance loaded.

use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::workspace::Workspace;

fn session(facts: &[Text], script: &str, interactive: bool) -> String {
    let mut ws = Workspace::open(&shipped::rules(), facts, &Limits::default())
        .unwrap_or_else(|_| panic!("opens"));
    let mut out = Vec::new();
    grantlog::repl::run(&mut ws, script.as_bytes(), &mut out, interactive).unwrap();
    String::from_utf8(out).unwrap()
}

fn worked(script: &str) -> String {
    session(&[shipped::example()], script, false)
}

#[test]
fn why_with_variables_explains_each_answer() {
    let out = worked(":why can_use(sam, engineering, R)\n");
    for r in ["minerva-cluster", "runnable-default", "sf-depot"] {
        assert!(
            out.contains(&format!("[1] can_use(sam, engineering, {r})")),
            "{out}"
        );
    }
    assert!(!out.contains("E0104"), "{out}");
    let none = worked(":why can_run(engineering, W)\n");
    assert!(
        none.contains("no answer: nothing matches `can_run(engineering, W)`"),
        "{none}"
    );
}

#[test]
fn why_with_more_answers_than_shown_says_how_many_more() {
    let out = worked(":why permission(U, engineering, R, P)\n");
    let shown =
        out.matches("\n[1] permission(").count() + usize::from(out.starts_with("[1] permission("));
    assert_eq!(shown, 5, "{out}");
    assert!(out.contains(" more\n"), "{out}");
}

#[test]
fn errors_echo_the_command_and_hints_name_repl_commands() {
    let out = worked(":why can_run(engineering, sales-360)\n");
    assert!(
        out.contains("1 | :why can_run(engineering, sales-360)"),
        "{out}"
    );
    assert!(
        out.contains("help: ask why not: :whynot can_run(engineering, sales-360)\n"),
        "{out}"
    );
    assert!(!out.contains("grantlog explain"), "{out}");
    let out = worked(":whynot can_use(sam, engineering, sf-depot)\n");
    assert!(
        out.contains("help: ask why: :why can_use(sam, engineering, sf-depot)\n"),
        "{out}"
    );
}

#[test]
fn audit_in_the_repl_is_grantlog_audit_on_the_session() {
    let out = worked(
        ":assert grant can_use_secret on sf-creds in engineering to sam by maria.\n:audit sam\n",
    );
    assert!(out.contains("sam (person)"), "{out}");
    assert!(
        out.contains("resource sf-creds in engineering"),
        "the asserted grant counts: {out}"
    );
    let out = worked(":audit\n:audit smа\n");
    assert!(out.contains("E0801") && out.contains("E1001"), "{out}");
}

#[test]
fn a_broken_query_gets_help_about_queries() {
    let out = worked("can_run(engineering, sales-360) can_use(sam, engineering, R)\n");
    assert!(
        out.contains("help: a query is literals separated by `,`"),
        "{out}"
    );
    assert!(!out.contains("a fact or rule ends"), "{out}");
}

#[test]
fn the_banner_suggests_a_question_about_the_loaded_instance() {
    let out = session(&[shipped::example()], "", true);
    assert!(
        out.contains("`:whynot can_run(engineering, sales-360)`"),
        "{out}"
    );
    let run_as = Text::read(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/self-grant.facts"
    )))
    .unwrap();
    let out = session(&[run_as], "", true);
    assert!(
        !out.contains("sales-360"),
        "not the worked example's: {out}"
    );
}

#[test]
fn a_why_not_leads_with_the_answer_in_one_line() {
    let out = worked(":whynot can_run(engineering, sales-360)\n");
    assert_eq!(
        out.lines().next().unwrap(),
        "can_run(engineering, sales-360) does not hold: sam lacks can_use_secret on sf-creds; fix: grant can_use_secret on sf-creds in engineering to sam by maria."
    );
}
