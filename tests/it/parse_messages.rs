//! Issue 24 item 19: parse messages that misled. An unquoted multi-word role in a query
//! gets "quote multi-word names" (it got "is a `)` missing?"); `:why a(..), b(..)` gets a
//! help that does not contradict the error (it said "separate literals with `,`"); `fmt -`
//! on facts text names `--lang facts`.

use crate::cli_run::{grantlog, grantlog_with_input};

#[test]
fn an_unquoted_multi_word_role_is_told_to_be_quoted() {
    let (_, err, code) = grantlog(&["eval", "-q", "holds_role(sam, engineering, Data Developer)"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("help: quote multi-word names: `\"Data Developer\"`"),
        "{err}"
    );
    assert!(!err.contains("is a `)` missing?"), "{err}");
    // Two lowercase names in a row are more likely a forgotten comma: not "quote".
    let (_, err, _) = grantlog(&["eval", "-q", "can_use(sam engineering, R)"]);
    assert!(!err.contains("quote multi-word"), "{err}");
}

#[test]
fn why_of_two_facts_is_told_it_explains_one() {
    let (out, _, _) = grantlog_with_input(
        &["repl"],
        ":why can_use(sam, engineering, sf-depot), can_run(engineering, sales-360)\n",
    );
    assert!(out.contains("expected `.`, found `,`"), "{out}");
    assert!(out.contains("`:why` explains one fact"), "{out}");
    assert!(!out.contains("separate literals with `,`"), "{out}");
}

#[test]
fn fmt_of_facts_text_on_stdin_names_the_lang_flag() {
    let (_, err, code) = grantlog_with_input(&["fmt", "-"], "user sam type person.\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pass `--lang facts`"), "{err}");
    let (out, err, code) =
        grantlog_with_input(&["fmt", "--lang", "facts", "-"], "user sam type person.\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "user sam type person.\n");
}
