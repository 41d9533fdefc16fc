//! Runs every ```console block of README.md: each `$ grantlog ...` line is run with the
//! real binary from the repository root, and its output (stdout, then stderr) must equal
//! the lines that follow it in the block.

use crate::shell_words;

use shell_words::shell_words;
use std::path::Path;
use std::process::Command;

/// (command line, expected output) for every example in the README.
fn examples(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        if line.starts_with("```console") {
            in_block = true;
            continue;
        }
        if !in_block {
            continue;
        }
        if line.starts_with("```") {
            in_block = false;
            out.extend(current.take());
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.extend(current.take());
            current = Some((cmd.to_string(), String::new()));
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    out
}

#[test]
fn readme_examples_print_what_the_readme_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let cases = examples(&readme);
    assert!(
        cases.len() >= 8,
        "expected the README's examples, found {}",
        cases.len()
    );
    if std::env::var_os("GRANTLOG_BLESS").is_some() {
        std::fs::write(root.join("README.md"), blessed(&readme, root)).unwrap();
        return;
    }
    let mut failures = Vec::new();
    for (line, expected) in &cases {
        let (cmd, status) = expected_status(line);
        let (actual, code) = run(root, cmd);
        let out_status = code;
        if out_status != Some(status) {
            failures.push(format!(
                "$ {cmd}\nexit status {out_status:?}, the README says {status}"
            ));
        }
        // Blocks separate examples with a blank line the command does not print.
        if actual.trim_end() != expected.trim_end() {
            failures.push(format!(
                "$ {cmd}\n--- README\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs a README command line with the real binary: its output (stdout, then stderr)
/// and exit status.
fn run(root: &Path, cmd: &str) -> (String, Option<i32>) {
    let words = shell_words(cmd).expect("a README command line");
    assert_eq!(
        words[0], "grantlog",
        "README commands start with grantlog: {cmd}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(&words[1..])
        .current_dir(root)
        .output()
        .unwrap();
    let actual = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (actual, out.status.code())
}

/// The README with every example's output replaced by what the command prints now
/// (`GRANTLOG_BLESS=1 cargo test --test it readme`, after a change that moves output:
/// read the diff before committing it).
fn blessed(readme: &str, root: &Path) -> String {
    let mut out = String::new();
    let mut in_block = false;
    let mut skipping = false;
    let lines: Vec<&str> = readme.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("```console") {
            in_block = true;
        } else if in_block && line.starts_with("```") {
            in_block = false;
            skipping = false;
        } else if in_block {
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.push_str(line);
                out.push('\n');
                let (actual, _) = run(root, expected_status(cmd).0);
                let trimmed = actual.trim_end();
                if !trimmed.is_empty() {
                    out.push_str(trimmed);
                    out.push('\n');
                }
                // Another example follows in this block: keep the blank line between.
                let next = lines[i + 1..]
                    .iter()
                    .find(|l| l.starts_with("$ ") || l.starts_with("```"));
                if next.is_some_and(|l| l.starts_with("$ ")) {
                    out.push('\n');
                }
                skipping = true;
                continue;
            }
            if skipping {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A command line and the exit status it must end with: 0, or N when the line ends with
/// `# exit N`.
pub fn expected_status(line: &str) -> (&str, i32) {
    match line.rsplit_once("# exit ") {
        Some((cmd, n)) => (
            cmd.trim_end(),
            n.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
                .expect("# exit N"),
        ),
        None => (line, 0),
    }
}

#[test]
fn shell_words_handles_the_quoting_the_readme_uses() {
    assert_eq!(
        shell_words(r#"grantlog eval -q 'a(X, "b c")' --format json"#).unwrap(),
        [
            "grantlog",
            "eval",
            "-q",
            "a(X, \"b c\")",
            "--format",
            "json"
        ]
    );
}
