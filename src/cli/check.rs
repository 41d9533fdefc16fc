//! `grantlog check`: every diagnostic of rule, fact and test files, without answering
//! anything.

use super::{read_all, report};
use crate::diag::Diagnostic;
use crate::load::{compile_texts, Text};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

pub const HELP: &str = "Each file is checked as what its extension says:
  .dl     rule files, checked together (declarations may be in any of them): syntax,
          relations, arity, types, safety, stratification, and warnings;
  .facts  fact files, read together against those rules (the shipped DataOS rules when
          no .dl file is given): every statement, name and reference; DataOS
          manifests (.yaml, .yml) and `dataos-ctl` tables (.txt, .table) are read with
          them, as `grantlog eval` reads them;
  .test   policy test files: their structure (test headers, include, expect, yields).
A directory means every such file under it (each directory and file once, whatever
the symbolic links).

Exit status: 0 when there is no error (warnings allowed), 1 otherwise, 2 for a usage
error (a path that is none of these).

Examples:
  grantlog check rules/dataos.dl my-extra-rules.dl
  grantlog check examples/worked-example.facts
  grantlog check examples/dataos/
  grantlog check rules/";

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule (.dl), fact (.facts, manifests, tables) and test (.test) files, or
    /// directories of them.
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

/// The files of each kind, in the order given (directories sorted).
#[derive(Default)]
struct Files {
    rules: Vec<PathBuf>,
    facts: Vec<PathBuf>,
    tests: Vec<PathBuf>,
}

pub fn run(args: &CheckArgs) -> u8 {
    let mut files = Files::default();
    let mut seen = std::collections::HashSet::new();
    for p in &args.files {
        if let Err(e) = gather(p, &mut files, true, &mut seen) {
            eprintln!("error: `{}`: {e}", p.display());
            return 2;
        }
    }
    // Each kind is located in its own sources; all are reported together, counted once.
    let mut sides: Vec<(Vec<Diagnostic>, SourceMap)> = Vec::new();
    let rule_texts = match read_all(&files.rules) {
        Ok(t) => t,
        Err(d) => {
            report(&d, &SourceMap::new());
            return 1;
        }
    };
    let mut rules_ok = true;
    if !rule_texts.is_empty() {
        let mut sources = SourceMap::new();
        let pairs: Vec<(&str, &str)> = rule_texts
            .iter()
            .map(|t| (t.name.as_str(), t.text.as_str()))
            .collect();
        let diags = match compile_texts(&mut sources, &pairs) {
            Ok((program, mut w)) => {
                // Fact files given alongside feed relations; without any, only the relations
                // the facts language fills can be fed.
                if files.facts.is_empty() {
                    let filled =
                        |r| crate::facts::FILLED_RELATIONS.contains(&program.relation_name(r));
                    w.extend(program.unfed_relations(filled));
                }
                w
            }
            Err(e) => {
                rules_ok = false;
                e
            }
        };
        sides.push((diags, sources));
    }
    if !files.facts.is_empty() && rules_ok {
        sides.push(check_facts(&files.facts, rule_texts));
    }
    for t in &files.tests {
        sides.push(check_test(t));
    }
    let all: Vec<(&[Diagnostic], &SourceMap)> =
        sides.iter().map(|(d, s)| (d.as_slice(), s)).collect();
    super::report_sides(&all);
    let errors = sides
        .iter()
        .flat_map(|(d, _)| d)
        .filter(|d| d.is_error())
        .count();
    if errors > 0 || !rules_ok {
        return 1;
    }
    let warnings = sides.iter().map(|(d, _)| d.len()).sum::<usize>();
    let count = files.rules.len() + files.facts.len() + files.tests.len();
    eprintln!(
        "ok: {}, {}",
        crate::diag::plural(count, "file"),
        crate::diag::plural(warnings, "warning")
    );
    0
}

/// Read the fact files together against the rules (the shipped ones when none).
fn check_facts(paths: &[PathBuf], rules: Vec<Text>) -> (Vec<Diagnostic>, SourceMap) {
    let facts = match read_all(paths) {
        Ok(t) => t,
        Err(d) => return (d, SourceMap::new()),
    };
    let rules = if rules.is_empty() {
        crate::shipped::rules()
    } else {
        rules
    };
    match crate::workspace::Workspace::open(&rules, &facts, &Default::default()) {
        Ok(ws) => {
            let fact_warnings = ws
                .warnings
                .iter()
                .filter(|d| d.code.starts_with('F') || d.code.starts_with('I'))
                .cloned()
                .collect();
            (fact_warnings, ws.sources)
        }
        Err(f) => (f.diagnostics, f.sources),
    }
}

/// The structural errors of one test file.
fn check_test(path: &Path) -> (Vec<Diagnostic>, SourceMap) {
    let mut sources = SourceMap::new();
    let name = path.display().to_string();
    let text = match Text::read(path) {
        Ok(t) => t.text,
        Err(d) => return (vec![d], sources),
    };
    let file = sources.add(&name, &text);
    let parsed = crate::policytest::parse::parse(&name, &text, file);
    let errors = parsed
        .errors
        .into_iter()
        .chain(parsed.tests.into_iter().flat_map(|t| t.errors))
        .collect();
    (errors, sources)
}

/// Sort a path into its kind; a directory adds the files under it. A file named
/// explicitly must have one of the three extensions.
fn gather(
    path: &Path,
    files: &mut Files,
    named: bool,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> std::io::Result<()> {
    // Each directory and file once: links to `.` would otherwise recurse forever.
    if let Ok(canonical) = std::fs::canonicalize(path) {
        if !seen.insert(canonical) {
            return Ok(());
        }
    }
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == "target");
            if !hidden {
                gather(&p, files, false, seen)?;
            }
        }
        return Ok(());
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("dl") => files.rules.push(path.to_path_buf()),
        Some("facts" | "yaml" | "yml") => files.facts.push(path.to_path_buf()),
        // A `dataos-ctl` table (notes beside the manifests are not read).
        Some("txt" | "table")
            if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                crate::import::wanted_in_directory(n, || std::fs::read_to_string(path).ok())
            }) =>
        {
            files.facts.push(path.to_path_buf())
        }
        Some("test") => files.tests.push(path.to_path_buf()),
        _ if named && !path.exists() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        }
        _ if named => {
            return Err(std::io::Error::other(
                "not a .dl, .facts, .test, .yaml or .yml file, a dataos-ctl table, or a directory of them",
            ))
        }
        _ => {}
    }
    Ok(())
}
