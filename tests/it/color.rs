//! Colour: `--color always|never|auto`, NO_COLOR and CLICOLOR_FORCE, and carets and
//! table columns measured in display columns under wide characters.

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantlog"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

use grantlog::style::strip as plain;

const BAD: &[&str] = &["eval", "-q", "can_rn(engineering, W)"];

#[test]
fn always_colours_never_does_not_and_the_text_is_the_same() {
    let mut always = BAD.to_vec();
    always.extend(["--color", "always"]);
    let mut never = BAD.to_vec();
    never.extend(["--color", "never"]);
    let (_, coloured) = run(&always, &[("NO_COLOR", "1")]);
    let (_, bare) = run(&never, &[("CLICOLOR_FORCE", "1")]);
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    assert!(!bare.contains('\x1b'), "{bare:?}");
    assert_eq!(plain(&coloured), bare);
}

#[test]
fn auto_honours_no_color_over_clicolor_force() {
    let (_, forced) = run(BAD, &[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced.contains("\x1b["),
        "CLICOLOR_FORCE colours a pipe: {forced:?}"
    );
    let (_, off) = run(BAD, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!off.contains('\x1b'), "NO_COLOR wins: {off:?}");
    let (_, piped) = run(BAD, &[]);
    assert!(!piped.contains('\x1b'), "no colour into a pipe: {piped:?}");
}

#[test]
fn carets_and_table_columns_line_up_under_wide_characters() {
    let dir = std::env::temp_dir().join(format!("grantlog-width-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("wide.dl");
    std::fs::write(&rules, ".decl p(x: symbol)\np(\"日本語\") :- qq(1).\n").unwrap();
    let (_, err) = run(&["check", rules.to_str().unwrap()], &[]);
    let source = err
        .lines()
        .find(|l| l.contains("日本語"))
        .expect("source line");
    let carets = err.lines().find(|l| l.contains('^')).expect("caret line");
    let col = |line: &str, needle: &str| {
        let at = line.find(needle).unwrap();
        grantlog::style::width(&line[..at])
    };
    assert_eq!(col(carets, "^^"), col(source, "qq"), "\n{source}\n{carets}");

    let facts = dir.join("wide.facts");
    std::fs::write(&facts, "p(\"日本語\").\np(ab).\n").unwrap();
    std::fs::write(
        &rules,
        ".decl p(x: symbol)\n.decl q(x: symbol, y: symbol)\nq(X, X) :- p(X).\n",
    )
    .unwrap();
    let (out, _) = run(
        &[
            "eval",
            "--rules",
            rules.to_str().unwrap(),
            facts.to_str().unwrap(),
            "-q",
            "q(X, Y)",
        ],
        &[],
    );
    let bars: Vec<usize> = out
        .lines()
        .filter(|l| l.contains('│'))
        .map(|l| col(l, "│"))
        .collect();
    assert!(
        bars.len() == 3 && bars.iter().all(|&b| b == bars[0]),
        "{out}"
    );
}

/// `grantlog repl` with `input` on stdin (a pipe) and the environment given.
fn repl(args: &[&str], env: &[(&str, &str)], input: &str) -> String {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantlog"));
    cmd.arg("repl")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 24 items 12 and 20: the README says "Diagnostics and the REPL are coloured";
/// the REPL's diagnostics were plain whatever `--color` said. They follow the same
/// choice as `eval`'s: `--color always|never`, NO_COLOR over CLICOLOR_FORCE, none in a pipe.
#[test]
fn repl_diagnostics_are_coloured_like_evals() {
    let input = "can_rn(engineering, W)\n:assert user x type robot.\n";
    let coloured = repl(&["--color", "always"], &[("NO_COLOR", "1")], input);
    let bare = repl(&["--color", "never"], &[("CLICOLOR_FORCE", "1")], input);
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    assert!(bare.contains("error[E0101]"), "{bare}");
    assert!(!bare.contains('\x1b'), "{bare:?}");
    assert_eq!(plain(&coloured), bare);
    // The error header is painted as eval paints it.
    let (_, eval_err) = run(&[BAD[0], BAD[1], BAD[2], "--color", "always"], &[]);
    let head = eval_err.lines().next().unwrap();
    assert!(coloured.contains(head), "{head:?} in {coloured:?}");
    let forced = repl(&[], &[("CLICOLOR_FORCE", "1")], input);
    assert!(forced.contains("\x1b["), "{forced:?}");
    let off = repl(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], input);
    assert!(!off.contains('\x1b'), "{off:?}");
    let piped = repl(&[], &[], input);
    assert!(!piped.contains('\x1b'), "{piped:?}");
}
