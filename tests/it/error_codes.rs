//! docs/errors.md documents exactly the diagnostic codes the source can emit.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `"X0000"` string literal (E, W, F, T or I and four digits) in the Rust files under `dir`.
fn codes_in_source(dir: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            codes_in_source(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            let b = text.as_bytes();
            for i in 0..b.len().saturating_sub(6) {
                let code = &b[i + 1..i + 6];
                if b[i] == b'"'
                    && b[i + 6] == b'"'
                    && b"EWFTI".contains(&code[0])
                    && code[1..].iter().all(u8::is_ascii_digit)
                {
                    out.insert(String::from_utf8(code.to_vec()).unwrap());
                }
            }
        }
    }
}

/// The codes of the reference's table rows, with their example cells.
fn documented(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?;
            let looks_like_code = code.len() == 5 && code[1..].chars().all(|c| c.is_ascii_digit());
            looks_like_code.then(|| (code.to_string(), cells.get(3).unwrap_or(&"").to_string()))
        })
        .collect()
}

#[test]
fn every_emitted_code_is_documented_with_an_example_and_no_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut emitted = BTreeSet::new();
    codes_in_source(&root.join("src"), &mut emitted);
    assert!(emitted.len() > 40, "found {emitted:?}");
    let doc = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let rows = documented(&doc);
    let listed: BTreeSet<String> = rows.iter().map(|(c, _)| c.clone()).collect();
    let missing: Vec<_> = emitted.difference(&listed).collect();
    assert!(missing.is_empty(), "docs/errors.md lacks {missing:?}");
    let stale: Vec<_> = listed.difference(&emitted).collect();
    assert!(
        stale.is_empty(),
        "docs/errors.md lists codes nothing emits: {stale:?}"
    );
    for (code, example) in &rows {
        assert!(example.len() > 3, "{code} has no example message");
    }
    assert_eq!(rows.len(), listed.len(), "a code is listed twice");
}

/// The string literals of the Rust files under `dir` (escapes read, a `\` line
/// continuation joined), as format patterns: literal pieces between `{...}` holes.
fn literals_in_source(dir: &Path, out: &mut Vec<Vec<String>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            literals_in_source(&p, out);
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            // Skip the char literals '"' and '\"' so that they do not open a string.
            if c == '\'' {
                let ahead: String = chars.clone().take(3).collect();
                if ahead.starts_with("\"'") {
                    chars.nth(1);
                } else if ahead.starts_with("\\\"'") {
                    chars.nth(2);
                }
                continue;
            }
            if c != '"' {
                continue;
            }
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some('\n') => {
                            let rest: String = chars.clone().collect();
                            let skip = rest.len() - rest.trim_start().len();
                            for _ in 0..rest[..skip].chars().count() {
                                chars.next();
                            }
                        }
                        Some(other) => s.push(other),
                        None => break,
                    },
                    c => s.push(c),
                }
            }
            out.push(format_pieces(&s));
        }
    }
}

/// `unknown relation `{name}`` as its literal pieces: ["unknown relation `", "`"].
fn format_pieces(s: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                pieces.last_mut().unwrap().push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                pieces.last_mut().unwrap().push('}');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                pieces.push(String::new());
            }
            c => pieces.last_mut().unwrap().push(c),
        }
    }
    // A message pushed as a line of a longer text ends in a line break.
    if let Some(last) = pieces.last_mut() {
        last.truncate(last.trim_end_matches('\n').len());
    }
    pieces
}

/// Whether `text` is the pieces with something non-empty in each hole.
fn fills(pieces: &[String], text: &str) -> bool {
    match pieces {
        [] => text.is_empty(),
        [only] => text == only,
        [first, rest @ ..] => {
            let Some(after) = text.strip_prefix(first.as_str()) else {
                return false;
            };
            (1..=after.len())
                .filter(|&i| after.is_char_boundary(i))
                .any(|i| fills(rest, &after[i..]))
        }
    }
}

/// The message of an example cell: the text of its first code span.
fn example_message(cell: &str) -> Option<&str> {
    let ticks = cell.len() - cell.trim_start_matches('`').len();
    if ticks == 0 {
        return None;
    }
    let fence = &cell[..ticks];
    let body = &cell[ticks..];
    let end = body.find(fence)?;
    Some(body[..end].trim())
}

/// Issue 24 item 20: the messages docs/errors.md quotes were paraphrases (`variable Y is
/// used only once` for ``variable `Y` is used only once``). Each must be what a message
/// of the source prints, its holes filled: a format string whose fixed text is long
/// enough to say something (a `"{}"` fits anything), or such a message with the
/// "did you mean" the name checks append.
#[test]
fn every_quoted_message_is_one_the_source_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut patterns = Vec::new();
    literals_in_source(&root.join("src"), &mut patterns);
    patterns.retain(|p| p.iter().map(String::len).sum::<usize>() >= 8);
    assert!(patterns.len() > 500, "{}", patterns.len());
    let doc = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let mut wrong = Vec::new();
    for (code, cell) in documented(&doc) {
        let Some(message) = example_message(&cell) else {
            wrong.push(format!("{code}: no quoted message in `{cell}`"));
            continue;
        };
        let core = match message.rsplit_once("; did you mean ") {
            Some((core, _)) if message.ends_with("?") => core,
            _ => message,
        };
        if !patterns.iter().any(|p| fills(p, core)) {
            wrong.push(format!("{code}: `{message}`"));
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/errors.md quotes messages the source does not print:\n{}",
        wrong.join("\n")
    );
}
