//! Issue 24 item 17: `--timeout` bounds the whole command, loading included (reading and
//! parsing the fact files, the instance's checks, feeding the model), not only the
//! evaluation: a 75,000-user open under `--timeout 0.2` ran 100 s before stopping.

use grantlog::engine::limits::Scope;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::workspace::Workspace;
use std::time::Duration;

fn past_deadline() -> Limits {
    Limits {
        timeout: Some(Duration::ZERO),
        ..Limits::default()
    }
}

/// `Workspace::read` loads without evaluating: before, nothing in it looked at the clock.
fn read_codes(facts: &[Text]) -> Vec<&'static str> {
    let _scope = Scope::enter(&past_deadline());
    match Workspace::read(&shipped::rules(), facts, &Limits::default()) {
        Ok(_) => Vec::new(),
        Err(f) => f.diagnostics.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn reading_statements_stops_at_the_commands_deadline() {
    assert_eq!(read_codes(&[shipped::example()]), ["E0402"]);
}

#[test]
fn parsing_a_large_file_in_pieces_stops_at_the_deadline() {
    // Over a megabyte: parsed in pieces on every thread.
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!(
            "user u{i} type person name \"User {i}\" email \"u{i}@tmdc.io\".\n"
        ));
    }
    assert!(text.len() > 2 << 20);
    assert_eq!(read_codes(&[Text::new("many.facts", text)]), ["E0402"]);
}

#[test]
fn raw_facts_stop_at_the_deadline_too() {
    let text: String = (0..1000).map(|i| format!("tenant(t{i}).\n")).collect();
    assert_eq!(read_codes(&[Text::new("tenants.dl", text)]), ["E0402"]);
}

#[test]
fn without_a_deadline_the_same_reads_succeed() {
    let _scope = Scope::enter(&Limits::default());
    assert!(Workspace::read(&shipped::rules(), &[shipped::example()], &Limits::default()).is_ok());
}
