//! Issue 24 item 20: what the docs claim is checked against what grantlog does. The
//! tables of examples/README.md are asked of their examples; the opening example of
//! docs/facts-language.md loads alone; the example test of rules/tests/README.md passes.

use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::syntax::ast::Const;
use grantlog::workspace::Workspace;
use std::collections::BTreeSet;

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", root())).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn open(rules: &str, facts: &[(String, String)]) -> Workspace {
    let facts: Vec<Text> = facts
        .iter()
        .map(|(n, t)| Text::new(n.clone(), t.clone()))
        .collect();
    match Workspace::open(&[Text::new(rules, read(rules))], &facts, &Limits::default()) {
        Ok(ws) => ws,
        Err(f) => panic!("{}", grantlog::diag::render_all(&f.diagnostics, &f.sources)),
    }
}

/// The backticked pieces at the start of a cell, separated by `;`, each perhaps followed
/// by a parenthetical (a cell such as `` `maria` (S11); `sam` ``): they end at the first
/// other text.
fn leading_code(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = cell.trim();
    while let Some(after) = rest.strip_prefix('`') {
        let Some(end) = after.find('`') else { break };
        out.push(after[..end].to_string());
        rest = after[end + 1..].trim_start();
        if rest.starts_with('(') {
            let mut depth = 0;
            let close = rest.char_indices().find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            });
            match close {
                Some((i, _)) => rest = rest[i + 1..].trim_start(),
                None => break,
            }
        }
        match rest.strip_prefix(';') {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out
}

/// Splits a row written `a b "c d"` into its values.
fn words(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = row.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            out.push(chars.by_ref().take_while(|&c| c != '"').collect());
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
            out.push(w);
        }
    }
    out
}

fn plain(c: &Const) -> String {
    match c {
        Const::Sym(s) => s.clone(),
        Const::Num(n) => n.to_string(),
    }
}

/// What a cell expects: yes/no, or exactly these rows (in the query's column order).
#[derive(Debug, PartialEq)]
enum Expected {
    Holds(bool),
    Rows(BTreeSet<Vec<String>>),
}

/// `None` when the cell is prose this reader does not take ("the three rows above plus").
fn expected(cell: &str, columns: &[String]) -> Option<Expected> {
    let cell = cell.trim();
    let first = cell
        .split(|c: char| !c.is_alphanumeric() && c != '(' && c != ')')
        .next()?;
    match first {
        "yes" => return Some(Expected::Holds(true)),
        "no" => return Some(Expected::Holds(false)),
        "(none)" => return Some(Expected::Rows(BTreeSet::new())),
        _ => {}
    }
    let cell = cell.strip_prefix("one row:").unwrap_or(cell);
    let code = leading_code(cell);
    if code.is_empty() {
        return None;
    }
    let mut rows = BTreeSet::new();
    for piece in code {
        let row = if piece.contains('=') {
            // `U=sam, D=sf-creds`: by variable name.
            let mut values = vec![None; columns.len()];
            for pair in piece.split(", ") {
                let (var, value) = pair.split_once('=')?;
                let i = columns.iter().position(|c| c == var.trim())?;
                values[i] = words(value).into_iter().next();
            }
            values.into_iter().collect::<Option<Vec<_>>>()?
        } else {
            words(&piece)
        };
        if row.len() != columns.len() {
            return None;
        }
        rows.insert(row);
    }
    Some(Expected::Rows(rows))
}

fn ask(ws: &mut Workspace, query: &str) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let file = ws.sources.add("<query>", query.to_string());
    let q = grantlog::syntax::parse_query(&ws.sources, file)
        .unwrap_or_else(|d| panic!("{query}: {}", grantlog::diag::render_all(&d, &ws.sources)));
    let a = ws
        .model
        .query(&ws.sources, &q)
        .unwrap_or_else(|d| panic!("{query}: {}", grantlog::diag::render_all(&d, &ws.sources)));
    (
        a.columns,
        a.rows
            .iter()
            .map(|r| r.iter().map(plain).collect())
            .collect(),
    )
}

/// The example files a paragraph names (`` `run-as.facts` then `run-as-revoked.facts` ``).
fn named_files(line: &str) -> Vec<String> {
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| w.ends_with(".facts"))
        .map(str::to_string)
        .collect()
}

#[test]
fn examples_readme_tables_answer_as_stated() {
    let text = read("examples/README.md");
    let mut files: Vec<String> = Vec::new();
    let mut uncomment_missing = false;
    let mut rules: Vec<String> = Vec::new();
    let mut checked = 0;
    let mut skipped = Vec::new();
    let mut wrong = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("examples/README.md:{}", n + 1);
        if let Some(h) = line.strip_prefix("## ") {
            files = h
                .split_whitespace()
                .next()
                .into_iter()
                .map(str::to_string)
                .collect();
            uncomment_missing = false;
            continue;
        }
        if !line.starts_with('|') {
            if line.ends_with(':') && !named_files(line).is_empty() {
                files = named_files(line);
            }
            if line.contains("uncomment the line marked `THE MISSING GRANT`") {
                uncomment_missing = true;
            }
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        if cells[0].trim() == "query" {
            // The columns after the first name the rule files, or are just "expected".
            rules = cells[1..]
                .iter()
                .map(|c| {
                    leading_code(c)
                        .into_iter()
                        .next()
                        .unwrap_or("rules/dataos.dl".into())
                })
                .collect();
            continue;
        }
        if cells[0].starts_with('-') {
            continue;
        }
        let query = leading_code(cells[0]);
        if query.len() != 1 || cells[0].trim() != format!("`{}`", query[0]) {
            skipped.push(format!("{at}: {}", cells[0]));
            continue;
        }
        let facts: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                let mut t = read(&format!("examples/{f}"));
                if uncomment_missing {
                    t = t.replace(
                        "// grant can_use_secret on sf-creds",
                        "grant can_use_secret on sf-creds",
                    );
                }
                (format!("examples/{f}"), t)
            })
            .collect();
        for (rule_file, cell) in rules.iter().zip(&cells[1..]) {
            let mut ws = open(rule_file, &facts);
            let (columns, actual) = ask(&mut ws, &query[0]);
            let Some(want) = expected(cell, &columns) else {
                skipped.push(format!("{at}: {cell}"));
                continue;
            };
            let got = if columns.is_empty() {
                Expected::Holds(!actual.is_empty())
            } else {
                Expected::Rows(actual)
            };
            checked += 1;
            if got != want {
                wrong.push(format!(
                    "{at} ({files:?}, {rule_file}): `{}` answers {got:?}, the README says {want:?}",
                    query[0]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The reader must take nearly every row: a README row it cannot read is no check.
    assert!(
        checked >= 60,
        "only {checked} rows checked; skipped: {skipped:#?}"
    );
    assert!(skipped.len() <= 4, "rows not read: {skipped:#?}");
}

/// The first code block of a Markdown file.
fn first_block(text: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("```")).skip(1);
    lines
        .by_ref()
        .take_while(|l| !l.starts_with("```"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn facts_language_opening_example_loads_alone() {
    let block = first_block(&read("docs/facts-language.md"));
    assert!(block.contains("grant can_use_depot on sf-depot"), "{block}");
    let mut ws = open(
        "rules/dataos.dl",
        &[("docs/facts-language.md (opening).facts".into(), block)],
    );
    let (_, rows) = ask(&mut ws, "can_use(sam, engineering, sf-depot)");
    assert_eq!(rows.len(), 1, "the example's grant takes effect");
}

#[test]
fn policy_test_readme_example_passes() {
    let text = read("rules/tests/README.md");
    let block = text
        .split("```\n")
        .find(|b| b.starts_with("// rules/tests/s30.test"))
        .expect("the format example");
    let dir = crate::fidelity_util::TempDir::new("readme-test-example");
    dir.write(
        "examples/worked-example.facts",
        &read("examples/worked-example.facts"),
    );
    let path = dir.write("rules/tests/example.test", block);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["test", &path])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed, 0 failed"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
