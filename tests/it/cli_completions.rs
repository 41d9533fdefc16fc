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

/// Issue 24 item 20: the README installed only grantlog.1, whose SEE ALSO names
/// grantlog-eval(1) and the other pages, which were nowhere. `man --dir` installs every
/// page, and every page any of them refers to is among them.
#[test]
fn man_dir_installs_every_page_the_pages_refer_to() {
    let dir = crate::fidelity_util::TempDir::new("man-dir");
    let target = dir.path().join("man1");
    let (_, err, code) = grantlog(&["man", "--dir", target.to_str().unwrap()]);
    assert_eq!(code, 1, "a missing directory is an error: {err}");
    assert!(err.contains("mkdir -p"), "{err}");
    std::fs::create_dir_all(&target).unwrap();
    let (out, err, code) = grantlog(&["man", "--dir", target.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let pages: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(pages.contains(&"grantlog.1".to_string()), "{pages:?}");
    for c in COMMANDS {
        assert!(pages.contains(&format!("grantlog-{c}.1")), "{c}: {pages:?}");
    }
    let mut referred = 0;
    for page in &pages {
        let text = std::fs::read_to_string(target.join(page)).unwrap();
        // roff escapes the hyphen: `grantlog\-eval(1)`.
        for (at, _) in text.match_indices("(1)") {
            let start = text[..at]
                .rfind(|c: char| c.is_whitespace() || c == ',')
                .map_or(0, |i| i + 1);
            let name = text[start..at]
                .replace("\\-", "-")
                .replace("\\fB", "")
                .replace("\\fR", "");
            if name.starts_with("grantlog") {
                referred += 1;
                assert!(
                    pages.contains(&format!("{name}.1")),
                    "{page} refers to {name}(1), not installed"
                );
            }
        }
    }
    assert!(referred >= COMMANDS.len(), "{referred} references");
}
