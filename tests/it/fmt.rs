//! `grantlog fmt`: golden layouts for each language, idempotence and meaning kept on the
//! shipped files under random changes of horizontal space, `--check`, stdin, and files
//! that do not parse.

use crate::cli_run::grantlog;
use grantlog::fmt::{format, Lang};
use grantlog::source::SourceMap;
use grantlog::syntax::lexer::Token;
use logos::Logos;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fmt(text: &str, lang: Lang) -> String {
    format("t", text, lang, &mut SourceMap::new()).expect("formats")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

#[test]
fn each_language_has_its_golden_layout() {
    for (ext, lang) in [
        ("dl", Lang::Rules),
        ("facts", Lang::Facts),
        ("test", Lang::Test),
    ] {
        let input = read(&format!("tests/fixtures/fmt/messy.{ext}"));
        let expected = read(&format!("tests/fixtures/fmt/messy.{ext}.expected"));
        assert_eq!(fmt(&input, lang), expected, "messy.{ext}");
        assert_eq!(
            fmt(&expected, lang),
            expected,
            "messy.{ext}.expected is a fixpoint"
        );
    }
}

/// Every token, comments included, with its text: what formatting must keep.
fn token_texts(text: &str) -> Vec<String> {
    let mut lexer = Token::lexer(text);
    let mut out = Vec::new();
    while lexer.next().is_some() {
        out.push(text[lexer.span()].trim_end().to_string());
    }
    out
}

/// The shipped rule, fact and test files.
fn shipped() -> Vec<(String, Lang)> {
    let mut out = Vec::new();
    for dir in ["rules", "rules/tests", "rules/tests/fixtures", "examples"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if let Some(lang) = Lang::of(&p) {
                out.push((p.strip_prefix(root()).unwrap().display().to_string(), lang));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn formatting_keeps_every_token_and_comment_and_is_idempotent_on_the_shipped_files() {
    let files = shipped();
    assert!(files.len() >= 10, "{files:?}");
    for (path, lang) in files {
        let text = read(&path);
        let once = fmt(&text, lang);
        assert_eq!(
            token_texts(&once),
            token_texts(&text),
            "{path}: tokens changed"
        );
        assert_eq!(
            fmt(&once, lang),
            once,
            "{path}: formatting twice changed it"
        );
        assert!(
            once.lines().all(|l| l == l.trim_end()),
            "{path}: trailing space"
        );
    }
}

/// Byte offsets between two tokens (where space may be added without changing tokens).
fn boundaries(text: &str) -> Vec<usize> {
    let mut lexer = Token::lexer(text);
    let mut out = Vec::new();
    while lexer.next().is_some() {
        out.push(lexer.span().end);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Adding spaces and tabs between tokens (never line breaks) changes nothing once
    /// formatted: the layout depends on tokens and line breaks only.
    #[test]
    fn horizontal_space_does_not_matter(file in 0usize..64, picks in prop::collection::vec((any::<prop::sample::Index>(), 1usize..4, any::<bool>()), 1..40)) {
        let files = shipped();
        let (path, lang) = &files[file % files.len()];
        let text = read(path);
        let mut cuts: Vec<(usize, String)> = {
            let b = boundaries(&text);
            picks.iter().map(|(i, n, tab)| (b[i.index(b.len())], if *tab { "\t".repeat(*n) } else { " ".repeat(*n) })).collect()
        };
        cuts.sort_by_key(|c| std::cmp::Reverse(c.0));
        let mut noisy = text.clone();
        for (at, ws) in cuts {
            noisy.insert_str(at, &ws);
        }
        prop_assert_eq!(fmt(&noisy, *lang), fmt(&text, *lang), "{}", path);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    dir
}

#[test]
fn check_lists_what_would_change_and_writes_nothing_then_fmt_writes() {
    let dir = scratch("check");
    let messy = read("tests/fixtures/fmt/messy.facts");
    let tidy = read("tests/fixtures/fmt/messy.dl.expected");
    std::fs::write(dir.join("sub/a.facts"), &messy).unwrap();
    std::fs::write(dir.join("b.dl"), &tidy).unwrap();
    std::fs::write(dir.join("notes.txt"), "not formatted").unwrap();
    let d = dir.display().to_string();
    let (out, _, code) = grantlog(&["fmt", "--check", &d]);
    // 3: files would change (a negative answer), none is broken (that would be 1).
    assert_eq!(code, 3);
    assert_eq!(
        out,
        format!(
            "would reformat {}\n",
            Path::new(&d).join("sub/a.facts").display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/a.facts")).unwrap(),
        messy
    );
    let (_, err, code) = grantlog(&["fmt", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("formatted") && err.contains("a.facts"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/a.facts")).unwrap(),
        read("tests/fixtures/fmt/messy.facts.expected")
    );
    let (out, _, code) = grantlog(&["fmt", "--check", &d]);
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let dir = scratch("bad");
    let bad = "edge(1, 2)\npath(X) :- edge(X, _).\n";
    let file = dir.join("bad.dl");
    std::fs::write(&file, bad).unwrap();
    let (_, err, code) = grantlog(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("E0001") && err.contains("bad.dl:2:"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), bad);
}

#[test]
fn stdin_goes_to_stdout_in_the_language_named() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["fmt", "-", "--lang", "test"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(read("tests/fixtures/fmt/messy.test").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        read("tests/fixtures/fmt/messy.test.expected")
    );
    let (_, err, code) = grantlog(&["fmt", "README.md"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a .dl, .facts or .test file"), "{err}");
}
