//! The golden corpus: every case under `tests/corpus/<name>/` is run through the real
//! `grantlog` binary and its stdout, stderr and exit status are compared exactly.
//!
//! A case is a directory holding the program's files (`rules.dl`, `facts.dl`, ...) and a
//! file `expected`, written by hand:
//!
//! ```text
//! # Free-form comment lines: what the case checks and how to see the answer by hand.
//! # XFAIL: why grantlog is wrong here (the case is reported as an expected failure)
//! $ grantlog eval --rules rules.dl facts.dl --query 'path(a, X)' --format json
//! --- status 0
//! --- stdout
//! ...exact text...
//! --- stderr
//! ...exact text...
//! ```
//!
//! Several `$ grantlog ...` runs may follow each other in one file. The command line is
//! split like a shell would for single- and double-quoted words (no escapes, no
//! expansion) and runs with the case directory as the current directory. A section that
//! is left out expects empty output; `--- status` defaults to 0. Section text is taken
//! verbatim up to the next `--- ` or `$ ` line, so a trailing blank line is significant.
//!
//! `CORPUS_ONLY=<name>` runs one case. There is no mode that rewrites expectations.

use crate::shell_words;

use shell_words::shell_words;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    line: usize,
    command: String,
    args: Vec<String>,
    status: i32,
    stdout: String,
    stderr: String,
}

struct Case {
    name: String,
    dir: PathBuf,
    xfail: Option<String>,
    runs: Vec<Run>,
}

fn parse_expected(name: &str, dir: &Path, text: &str) -> Result<Case, String> {
    let mut case = Case {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        xfail: None,
        runs: Vec::new(),
    };
    // Which section the following lines belong to.
    enum Section {
        Header,
        Stdout,
        Stderr,
    }
    let mut section = Section::Header;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lineno = i + 1;
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(cmd) = bare.strip_prefix("$ ") {
            let words = shell_words(cmd).map_err(|e| format!("line {lineno}: {e}"))?;
            let Some(("grantlog", args)) = words.split_first().map(|(a, b)| (a.as_str(), b)) else {
                return Err(format!("line {lineno}: a run must start with `$ grantlog`"));
            };
            case.runs.push(Run {
                line: lineno,
                command: cmd.to_string(),
                args: args.to_vec(),
                status: 0,
                stdout: String::new(),
                stderr: String::new(),
            });
            section = Section::Header;
            continue;
        }
        if let Some(marker) = bare.strip_prefix("--- ") {
            let run = case
                .runs
                .last_mut()
                .ok_or_else(|| format!("line {lineno}: `--- {marker}` before any `$` line"))?;
            if let Some(n) = marker.strip_prefix("status ") {
                run.status = n
                    .trim()
                    .parse()
                    .map_err(|_| format!("line {lineno}: bad status `{n}`"))?;
                section = Section::Header;
            } else if marker == "stdout" {
                section = Section::Stdout;
            } else if marker == "stderr" {
                section = Section::Stderr;
            } else {
                return Err(format!("line {lineno}: unknown marker `--- {marker}`"));
            }
            continue;
        }
        match section {
            Section::Stdout => case.runs.last_mut().unwrap().stdout.push_str(line),
            Section::Stderr => case.runs.last_mut().unwrap().stderr.push_str(line),
            Section::Header => {
                let t = bare.trim();
                if let Some(c) = t.strip_prefix('#').or_else(|| t.strip_prefix("//")) {
                    if let Some(reason) = c.trim().strip_prefix("XFAIL:") {
                        case.xfail = Some(reason.trim().to_string());
                    }
                } else if !t.is_empty() {
                    return Err(format!(
                        "line {lineno}: text outside a section (comments start with `#`)"
                    ));
                }
            }
        }
    }
    if case.runs.is_empty() {
        return Err("no `$ grantlog ...` run".into());
    }
    Ok(case)
}

/// A line diff (longest common subsequence), `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let show = |s: &str| {
        if s.ends_with('\n') {
            s.trim_end_matches('\n').to_string()
        } else {
            format!("{s}⏎ (no newline at end)")
        }
    };
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "      {}", show(a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] > lcs[i + 1][j]) {
            let _ = writeln!(out, "    + {}", show(b[j]));
            j += 1;
        } else {
            let _ = writeln!(out, "    - {}", show(a[i]));
            i += 1;
        }
    }
    out
}

/// Runs every run of a case; returns a report of the mismatches (empty when all match).
fn check_case(case: &Case) -> String {
    let mut report = String::new();
    for run in &case.runs {
        let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
            .args(&run.args)
            .current_dir(&case.dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("run grantlog");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let status = out.status.code().unwrap_or(-1);
        let mut problems = String::new();
        if status != run.status {
            let _ = writeln!(
                problems,
                "  exit status: expected {}, got {status}",
                run.status
            );
        }
        for (what, want, got) in [
            ("stdout", &run.stdout, &stdout),
            ("stderr", &run.stderr, &stderr),
        ] {
            if want.as_str() != got.as_ref() {
                let _ = writeln!(problems, "  {what} (- expected, + actual):");
                problems.push_str(&diff(want, got));
            }
        }
        if !problems.is_empty() {
            let _ = writeln!(report, " expected:{} $ {}", run.line, run.command);
            report.push_str(&problems);
        }
    }
    report
}

#[test]
fn corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let only = std::env::var("CORPUS_ONLY").ok().filter(|s| !s.is_empty());
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/corpus")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = String::new();
    let mut xfails = String::new();
    let (mut passed, mut failed, mut xfailed, mut ran) = (0, 0, 0, 0);
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_ref().is_some_and(|o| *o != name) {
            continue;
        }
        ran += 1;
        let text = match fs::read_to_string(dir.join("expected")) {
            Ok(t) => t,
            Err(e) => {
                failed += 1;
                let _ = writeln!(failures, "=== {name}: cannot read `expected`: {e}\n");
                continue;
            }
        };
        let case = match parse_expected(&name, dir, &text) {
            Ok(c) => c,
            Err(e) => {
                failed += 1;
                let _ = writeln!(failures, "=== {name}: bad `expected`: {e}\n");
                continue;
            }
        };
        let report = check_case(&case);
        match (&case.xfail, report.is_empty()) {
            (None, true) => passed += 1,
            (None, false) => {
                failed += 1;
                let _ = writeln!(failures, "=== {}: MISMATCH\n{report}", case.name);
            }
            (Some(reason), false) => {
                xfailed += 1;
                let _ = writeln!(xfails, "  {} — {reason}", case.name);
            }
            (Some(reason), true) => {
                failed += 1;
                let _ = writeln!(
                    failures,
                    "=== {}: XPASS (marked XFAIL: {reason}) — it passes now; remove the XFAIL line\n",
                    case.name
                );
            }
        }
    }
    if let Some(o) = &only {
        assert!(
            ran > 0,
            "CORPUS_ONLY={o}: no such case under {}",
            root.display()
        );
    }
    eprintln!(
        "corpus: {ran} case(s): {passed} passed, {xfailed} expected failure(s), {failed} failed"
    );
    if !xfails.is_empty() {
        eprintln!("expected failures (XFAIL):\n{xfails}");
    }
    assert!(
        failures.is_empty(),
        "{failed} corpus case(s) failed:\n\n{failures}"
    );
}
