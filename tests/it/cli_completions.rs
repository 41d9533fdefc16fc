//! `grantlog completions SHELL` and `grantlog man`: generated from the clap definitions.

use crate::cli_run::grantlog;

const COMMANDS: &[&str] = &[
    "repl", "eval", "explain", "audit", "test", "diff", "check", "generate",
];

#[test]
fn every_shell_gets_a_script_naming_the_commands_and_options() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (out, err, code) = grantlog(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for c in COMMANDS {
            assert!(out.contains(c), "{shell} script lacks command {c}");
        }
        assert!(
            out.contains("max-tuples"),
            "{shell} script lacks --max-tuples"
        );
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let (out, _, _) = grantlog(&["completions", "bash"]);
    let path = std::env::temp_dir().join(format!("grantlog-compl-{}.bash", std::process::id()));
    std::fs::write(&path, out).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash");
    let _ = std::fs::remove_file(&path);
    assert!(status.success());
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let (_, err, code) = grantlog(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("bash"), "lists the shells: {err}");
}

#[test]
fn the_man_page_lists_every_command_and_a_command_page_its_options() {
    let (out, _, code) = grantlog(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH grantlog 1"),
        "{out}"
    );
    for c in COMMANDS {
        assert!(out.contains(c), "man page lacks {c}");
    }
    let (eval, _, code) = grantlog(&["man", "eval"]);
    assert_eq!(code, 0);
    assert!(eval.contains(".TH grantlog-eval 1"));
    assert!(eval.contains("query"), "eval page lacks --query");
    let (_, err, code) = grantlog(&["man", "evl"]);
    assert_eq!(code, 2);
    assert!(err.contains("eval"), "{err}");
}
