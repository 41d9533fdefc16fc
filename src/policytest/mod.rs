//! Policy tests: `*.test` files that state an instance in the `.facts` language and what
//! the rules must answer about it (`rules/tests/README.md` describes the format).
//!
//! Each test runs on a fresh [`Workspace`] with the given rules. A file that cannot be
//! read or parsed never stops the other files: its errors are counted as failures.

pub mod coverage;
pub mod explain;
pub mod parse;

use crate::diag::{render_all, Diagnostic};
use crate::engine::{Answer, Limits};
use crate::load::Text;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::{Const, Query};
use crate::syntax::parse_query;
use crate::workspace::Workspace;
pub use coverage::{Coverage, RuleCoverage};
pub use explain::Explanation;
pub use parse::{Expectation, Item, TestCase, TestFile};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// The outcome of one test (or of a file-level error, with `name` = the file).
#[derive(Clone, Debug)]
pub struct TestResult {
    pub name: String,
    pub description: Option<String>,
    pub file: String,
    pub line: usize,
    pub failures: Vec<Failure>,
    /// Warnings about the test's queries (W0601 unknown constant, W0602 capitalised
    /// variable), rendered: a test that passes because of a typo should not look clean.
    pub warnings: Vec<String>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One thing that went wrong in a test.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `file:line:col` of the statement.
    pub location: String,
    /// `holds`, `none`, `yields` for a wrong answer; `error` for anything unreadable.
    pub kind: &'static str,
    /// The `expect` statement's text (or a short summary of the error).
    pub statement: String,
    /// Expected rows (for `yields`).
    pub expected: Option<Vec<Vec<Const>>>,
    /// The actual answer, when the query ran.
    pub actual: Option<Answer>,
    /// Rendered diagnostics, or a one-line reason.
    pub message: String,
    /// From [`explain_failure`], for a wrong allow or a wrong deny.
    pub explanation: Option<Explanation>,
}

/// All results of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub results: Vec<TestResult>,
    /// Which rules fired, when asked for ([`run_paths_with`]) and the rules compile.
    pub coverage: Option<Coverage>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// The `*.test` files a path names: the file itself, or the `*.test` files directly in a
/// directory (not its subdirectories, which may need other rules), sorted.
pub fn test_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    Ok(files)
}

/// What a run of `paths` reads, for `grantlog test --watch`: the paths themselves and
/// every file or directory a test file there includes (resolved as a run resolves it).
/// Unreadable files and missing includes are left to the run to report.
pub fn read_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = paths.to_vec();
    for p in paths {
        for f in test_files(p).unwrap_or_default() {
            let Ok(t) = Text::read(&f) else { continue };
            let parsed = parse::parse(&t.name, &t.text, crate::source::FileId(0));
            let dir = f.parent().unwrap_or(Path::new(""));
            let items = parsed
                .prelude
                .iter()
                .chain(parsed.tests.iter().flat_map(|t| &t.items));
            for item in items {
                if let Item::Include { path, .. } = item {
                    out.push(normalise(&dir.join(path)));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Run every test of every path with the given rules.
pub fn run_paths(paths: &[PathBuf], rules: &[Text], limits: &Limits) -> Report {
    run_paths_with(paths, rules, limits, false)
}

/// Run every test of every path with the given rules; with `coverage`, also record which
/// rules fired (`Report::coverage`, `None` if the rules do not compile).
pub fn run_paths_with(
    paths: &[PathBuf],
    rules: &[Text],
    limits: &Limits,
    coverage: bool,
) -> Report {
    run_selected(paths, rules, limits, coverage, None)
}

/// [`run_paths_with`], running only the tests whose name contains `only` (all when
/// `None`); coverage then counts the selected tests only.
pub fn run_selected(
    paths: &[PathBuf],
    rules: &[Text],
    limits: &Limits,
    coverage: bool,
    only: Option<&str>,
) -> Report {
    let mut report = Report::default();
    let mut cov = None;
    if coverage {
        let texts: Vec<(&str, &str)> = rules
            .iter()
            .map(|t| (t.name.as_str(), t.text.as_str()))
            .collect();
        if let Ok((program, _)) = crate::load::compile_texts(&mut SourceMap::new(), &texts) {
            cov = Some(Coverage::new(&program));
        }
    }
    for p in paths {
        match test_files(p) {
            Ok(files) => {
                for f in files {
                    report
                        .results
                        .extend(file_results(&f, rules, limits, &mut cov, only));
                }
            }
            Err(e) => report.results.push(file_error(
                &p.display().to_string(),
                format!("cannot read `{}`: {e}", p.display()),
            )),
        }
    }
    report.coverage = cov;
    report
}

fn file_error(path: &str, message: String) -> TestResult {
    TestResult {
        name: path.to_string(),
        description: None,
        file: path.to_string(),
        line: 0,
        warnings: Vec::new(),
        failures: vec![Failure {
            location: path.to_string(),
            kind: "error",
            statement: String::new(),
            expected: None,
            actual: None,
            message,
            explanation: None,
        }],
    }
}

/// Run the tests of one file.
pub fn run_file(path: &Path, rules: &[Text], limits: &Limits) -> Vec<TestResult> {
    file_results(path, rules, limits, &mut None, None)
}

fn file_results(
    path: &Path,
    rules: &[Text],
    limits: &Limits,
    cov: &mut Option<Coverage>,
    only: Option<&str>,
) -> Vec<TestResult> {
    // `-`: a test file on stdin; its includes are relative to the current directory.
    if crate::inputs::is_stdin(path) {
        return match crate::inputs::stdin_text() {
            Ok(text) => text_results("<stdin>", &text, rules, limits, cov, only),
            Err(d) => vec![file_error("<stdin>", d.message)],
        };
    }
    let name = path.display().to_string();
    // Text::read names the line and column of a byte that is not UTF-8.
    match Text::read(path) {
        Ok(t) => text_results(&name, &t.text, rules, limits, cov, only),
        Err(d) => vec![file_error(&name, d.message)],
    }
}

/// Run the tests of a test file's text; `path` names it (and anchors its includes).
pub fn run_text(path: &str, text: &str, rules: &[Text], limits: &Limits) -> Vec<TestResult> {
    text_results(path, text, rules, limits, &mut None, None)
}

fn text_results(
    path: &str,
    text: &str,
    rules: &[Text],
    limits: &Limits,
    cov: &mut Option<Coverage>,
    only: Option<&str>,
) -> Vec<TestResult> {
    let mut sources = SourceMap::new();
    let file = sources.add(path, text);
    let parsed = parse::parse(path, text, file);
    let mut results = Vec::new();
    let line_of = |span: crate::source::Span| sources.locate(span).line;
    if !parsed.errors.is_empty() {
        let first = parsed.errors.iter().find_map(|d| d.span);
        let mut r = file_error(path, render_all(&parsed.errors, &sources));
        r.line = first.map_or(0, line_of);
        r.failures[0].location = first.map_or(path.to_string(), |s| sources.locate(s).to_string());
        r.failures[0].statement = "(before the first test)".into();
        results.push(r);
    }
    if parsed.tests.is_empty() && parsed.errors.is_empty() {
        results.push(file_error(path, format!("`{path}` holds no test")));
    }
    let selected = |t: &&TestCase| only.is_none_or(|p| t.name.contains(p));
    for t in parsed.tests.iter().filter(selected) {
        let mut result = TestResult {
            name: t.name.clone(),
            description: t.description.clone(),
            file: path.to_string(),
            line: line_of(t.span),
            failures: Vec::new(),
            warnings: Vec::new(),
        };
        if !t.errors.is_empty() {
            let at = t.errors.iter().find_map(|d| d.span).unwrap_or(t.span);
            result.failures.push(Failure {
                location: sources.locate(at).to_string(),
                kind: "error",
                statement: String::new(),
                expected: None,
                actual: None,
                message: render_all(&t.errors, &sources),
                explanation: None,
            });
        } else {
            run_test(&parsed, t, rules, limits, cov, &mut result);
        }
        results.push(result);
    }
    results
}

/// One step of a test: load more facts, or check an expectation against what is loaded.
enum Step<'a> {
    Load(Vec<Text>),
    Expect(&'a parse::Expect),
}

/// A test's steps: the file's prelude, then the test's statements, in order. Includes
/// are files; runs of inline statements are blanked copies of the test file; facts
/// between two `expect`s are loaded together, so an `expect` sees exactly the facts
/// stated above it.
fn steps<'a>(file: &'a TestFile, test: &'a TestCase) -> Result<Vec<Step<'a>>, String> {
    let dir = Path::new(&file.path).parent().unwrap_or(Path::new(""));
    let mut steps = Vec::new();
    let mut texts = Vec::new();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let flush = |ranges: &mut Vec<(usize, usize)>, texts: &mut Vec<Text>| {
        if !ranges.is_empty() {
            // `.facts` makes the workspace read it as statements; renamed back in messages.
            texts.push(Text::new(
                format!("{}.facts", file.path),
                parse::blank_except(&file.text, ranges),
            ));
            ranges.clear();
        }
    };
    for item in file.prelude.iter().chain(&test.items) {
        match item {
            Item::Facts { start, end } => ranges.push((*start, *end)),
            Item::Include { path, .. } => {
                flush(&mut ranges, &mut texts);
                let full = normalise(&dir.join(path));
                // A directory of manifests and tables includes every file in it.
                match crate::load::read_path(&full) {
                    Ok(t) => texts.extend(t),
                    Err(d) => return Err(d[0].message.clone()),
                }
            }
            Item::Expect(e) => {
                flush(&mut ranges, &mut texts);
                if !texts.is_empty() {
                    steps.push(Step::Load(std::mem::take(&mut texts)));
                }
                steps.push(Step::Expect(e));
            }
        }
    }
    // Statements after the last `expect` (or in a test without one) are loaded too: a
    // broken statement fails its test instead of passing unread.
    flush(&mut ranges, &mut texts);
    if !texts.is_empty() {
        steps.push(Step::Load(texts));
    }
    Ok(steps)
}

/// `a/b/../c` -> `a/c`, lexically (for readable file names in messages).
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The sources with the blanked copies (inline facts, queries) shown as the test file
/// itself: its name and its full text.
fn renamed(sources: &SourceMap, file: &TestFile) -> SourceMap {
    let inline = format!("{}.facts", file.path);
    let mut renamed = SourceMap::new();
    for i in 0..sources.len() {
        let f = sources.file(FileId(i as u32));
        if f.name == inline || f.name == file.path {
            renamed.add(file.path.clone(), file.text.clone());
        } else {
            renamed.add(f.name.clone(), f.text.clone());
        }
    }
    renamed
}

/// Diagnostics rendered as in the test file itself (see [`renamed`]).
fn render_renamed(diags: &[Diagnostic], sources: &SourceMap, file: &TestFile) -> String {
    render_all(diags, &renamed(sources, file))
}

fn run_test(
    file: &TestFile,
    test: &TestCase,
    rules: &[Text],
    limits: &Limits,
    cov: &mut Option<Coverage>,
    result: &mut TestResult,
) {
    let mut sources = SourceMap::new();
    sources.add(file.path.clone(), file.text.clone());
    let header = sources.locate(test.span).to_string();
    let error = |location: String, message: String| Failure {
        location,
        kind: "error",
        statement: String::new(),
        expected: None,
        actual: None,
        message,
        explanation: None,
    };
    let steps = match steps(file, test) {
        Ok(t) => t,
        Err(m) => {
            result.failures.push(error(header, m));
            return;
        }
    };
    let load_error = |sources: &SourceMap, diagnostics: &[Diagnostic]| {
        let at = diagnostics
            .iter()
            .find(|d| d.is_error())
            .and_then(|d| d.span)
            .map_or(header.clone(), |s| {
                let l = sources.locate(s);
                let name = if l.file == format!("{}.facts", file.path) {
                    file.path.as_str()
                } else {
                    l.file
                };
                format!("{name}:{}:{}", l.line, l.col)
            });
        error(at, render_renamed(diagnostics, sources, file))
    };
    let mut ws: Option<Workspace> = None;
    for step in steps {
        let e = match step {
            Step::Load(texts) => {
                match &mut ws {
                    None => match Workspace::open(rules, &texts, limits) {
                        Ok(w) => ws = Some(w),
                        Err(f) => {
                            result.failures.push(load_error(&f.sources, &f.diagnostics));
                            return;
                        }
                    },
                    Some(w) => {
                        if let Err(d) = w.load(&texts) {
                            result.failures.push(load_error(&w.sources, &d));
                            return;
                        }
                    }
                }
                continue;
            }
            Step::Expect(e) => e,
        };
        let ws = match &mut ws {
            Some(w) => w,
            None => match Workspace::open(rules, &[], limits) {
                Ok(w) => ws.insert(w),
                Err(f) => {
                    result.failures.push(load_error(&f.sources, &f.diagnostics));
                    return;
                }
            },
        };
        if let Some(c) = cov {
            c.observe(&ws.model);
        }
        let location = sources.locate(e.span).to_string();
        let statement = sources
            .snippet(e.span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let qfile = ws.sources.add(
            file.path.clone(),
            parse::blank_except(&file.text, &[e.query]),
        );
        let answer = parse_query(&ws.sources, qfile).and_then(|mut q| {
            let warnings = crate::lint::check_query(ws.model.symbols(), &mut q);
            result.warnings.extend(
                warnings
                    .iter()
                    .map(|d| render_renamed(std::slice::from_ref(d), &ws.sources, file)),
            );
            ws.model.query(&ws.sources, &q).map(|a| (q, a))
        });
        let (query, actual) = match answer {
            Ok(x) => x,
            Err(d) => {
                result.failures.push(Failure {
                    statement,
                    ..error(location, render_renamed(&d, &ws.sources, file))
                });
                continue;
            }
        };
        let mut failure = Failure {
            location,
            kind: "holds",
            statement,
            expected: None,
            actual: None,
            message: String::new(),
            explanation: None,
        };
        match &e.expectation {
            Expectation::Holds if !actual.holds() => {
                failure.message = "expected the query to hold; it has no answer".into();
                failure.explanation = explain_failure(ws, file, &query, &e.expectation, &actual);
            }
            Expectation::None if actual.holds() => {
                failure.kind = "none";
                failure.message = "expected no answer; the query holds".into();
                failure.explanation = explain_failure(ws, file, &query, &e.expectation, &actual);
            }
            Expectation::Yields(rows) => {
                failure.kind = "yields";
                let width = actual.columns.len();
                if width == 0 {
                    failure.kind = "error";
                    failure.message =
                        "`yields` needs a query with variables; use `expect Q.` or `expect no Q.`"
                            .into();
                } else if let Some((r, _)) = rows.iter().find(|(r, _)| r.len() != width) {
                    failure.kind = "error";
                    failure.message = format!(
                        "a row has {} value(s) but the query has {width} variable(s) ({})",
                        r.len(),
                        actual.columns.join(", ")
                    );
                } else {
                    let mut want: Vec<Vec<Const>> = rows.iter().map(|(r, _)| r.clone()).collect();
                    want.sort();
                    want.dedup();
                    if want == actual.rows {
                        continue;
                    }
                    failure.message = "the answer differs".into();
                    failure.expected = Some(want);
                    failure.explanation =
                        explain_failure(ws, file, &query, &e.expectation, &actual);
                }
            }
            _ => continue,
        }
        failure.actual = Some(actual);
        result.failures.push(failure);
    }
}

/// Why a wrong allow (the query holds though `expect no` / fewer rows were expected) or a
/// wrong deny (it does not hold though `expect` / more rows were expected) came about:
/// proofs of the unexpected answers, why-nots of the missing ones (see [`explain`]). The
/// test report prints it under the failure.
pub fn explain_failure(
    ws: &Workspace,
    file: &TestFile,
    query: &Query,
    expected: &Expectation,
    actual: &Answer,
) -> Option<Explanation> {
    explain::explain(ws, &renamed(&ws.sources, file), query, expected, actual)
}

fn rows_text(columns: &[String], rows: &[Vec<Const>]) -> String {
    if rows.is_empty() {
        return "(none)\n".into();
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(crate::table::plain).collect())
        .collect();
    crate::table::table(columns, &cells)
}

fn indent(s: &str, by: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{by}{l}\n")
            }
        })
        .collect()
}

/// The text report: each failure with its location, expected against actual and the
/// explanation (`why:`); then the coverage, if measured; then the `N passed, M failed`
/// line.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for r in report
        .results
        .iter()
        .filter(|r| r.passed() && !r.warnings.is_empty())
    {
        out.push_str(&format!("WARN {} ({}:{})\n", r.name, r.file, r.line));
        for w in &r.warnings {
            out.push_str(&indent(w, "  "));
        }
        out.push('\n');
    }
    for r in report.results.iter().filter(|r| !r.passed()) {
        out.push_str(&format!("FAIL {} ({}:{})\n", r.name, r.file, r.line));
        for w in &r.warnings {
            out.push_str(&indent(w, "  "));
        }
        for f in &r.failures {
            if f.statement.is_empty() {
                out.push_str(&format!("  at {}\n", f.location));
            } else {
                out.push_str(&format!("  at {}: {}\n", f.location, f.statement));
            }
            match f.kind {
                "error" => out.push_str(&indent(&f.message, "    ")),
                "holds" => {
                    out.push_str("    expected: holds (at least one answer)\n");
                    out.push_str("    actual:   no answer\n");
                }
                "none" | "yields" => {
                    let actual = f.actual.as_ref().expect("answer");
                    if f.kind == "none" {
                        out.push_str("    expected: no answer\n");
                    } else {
                        out.push_str("    expected:\n");
                        let want = f.expected.as_deref().unwrap_or(&[]);
                        out.push_str(&indent(&rows_text(&actual.columns, want), "      "));
                    }
                    if actual.columns.is_empty() {
                        out.push_str("    actual:   holds\n");
                    } else {
                        out.push_str("    actual:\n");
                        out.push_str(&indent(&rows_text(&actual.columns, &actual.rows), "      "));
                    }
                }
                _ => {}
            }
            if let Some(x) = &f.explanation {
                out.push_str("    why:\n");
                out.push_str(&indent(&x.text, "      "));
            }
        }
        out.push('\n');
    }
    if let Some(c) = &report.coverage {
        out.push_str(&c.to_text());
    }
    out.push_str(&format!(
        "{} passed, {} failed\n",
        report.passed(),
        report.failed()
    ));
    out
}

/// One JSON document: per-test results and the totals.
pub fn to_json(report: &Report) -> Json {
    let rows = |rows: &[Vec<Const>]| crate::table::json_rows(rows);
    let tests: Vec<Json> = report
        .results
        .iter()
        .map(|r| {
            let failures: Vec<Json> = r
                .failures
                .iter()
                .map(|f| {
                    json!({
                        "location": f.location,
                        "kind": f.kind,
                        "statement": f.statement,
                        "message": f.message,
                        "expected": f.expected.as_deref().map(rows),
                        "actual": f.actual.as_ref().map(|a| json!({"columns": a.columns, "rows": rows(&a.rows)})),
                        "explanation": f.explanation.as_ref().map(Explanation::to_json),
                    })
                })
                .collect();
            json!({
                "warnings": r.warnings,
                "name": r.name,
                "description": r.description,
                "file": r.file,
                "line": r.line,
                "passed": r.passed(),
                "failures": failures,
            })
        })
        .collect();
    let mut out = json!({"tests": tests, "passed": report.passed(), "failed": report.failed()});
    if let Some(c) = &report.coverage {
        out["coverage"] = c.to_json();
    }
    out
}
