//! Diagnostics of a document, made by the same checks as the command line: `grantlog
//! check` for rule files, the facts reader against the rules for `.facts` files, and the
//! test-file parser (plus the facts parser on its statements) for `.test` files.

use super::context::{File, Kind, Store};
use super::symbols::facts_text;
use super::text::LineIndex;
use crate::diag::{Diagnostic, Severity};
use crate::facts::Instance;
use crate::load::{check_base_fact, compile_texts};
use crate::program::Program;
use crate::source::{FileId, SourceMap};
use lsp_types as lsp;

/// The diagnostics of `doc`, located in it.
pub fn check(store: &Store, doc: &File) -> Vec<lsp::Diagnostic> {
    let mut sources = SourceMap::new();
    let (diags, file) = match doc.kind() {
        Kind::Rules => {
            let diags = match compile_texts(&mut sources, &[(&doc.name, &doc.text)]) {
                // As `grantlog check`: only rule files are known, so anything unfed is unfed.
                Ok((program, mut warnings)) => {
                    warnings.extend(program.unfed_relations(|_| false));
                    warnings
                }
                Err(errors) => errors,
            };
            (diags, FileId(0))
        }
        Kind::Facts => check_facts(store, doc, &mut sources),
        Kind::Test => check_test(doc, &mut sources),
        Kind::Other => return Vec::new(),
    };
    let index = LineIndex::new(&doc.text);
    let mut out: Vec<lsp::Diagnostic> = Vec::new();
    for d in &diags {
        let item = convert(d, file, &sources, &index, doc);
        // The same problem found twice (by two parsers of one statement) is shown once.
        if !out
            .iter()
            .any(|o| o.range == item.range && o.code == item.code)
        {
            out.push(item);
        }
    }
    out
}

/// As a `.facts` file is loaded: the rules compiled, the statements read, each fact
/// checked against the relation it feeds.
fn check_facts(store: &Store, doc: &File, sources: &mut SourceMap) -> (Vec<Diagnostic>, FileId) {
    let rules = store.rules_for(doc);
    let pairs: Vec<(&str, &str)> = rules
        .iter()
        .map(|r| (r.name.as_str(), r.text.as_str()))
        .collect();
    let program = match compile_texts(sources, &pairs) {
        Ok((program, _)) => program,
        Err(errors) => {
            let file = sources.add(doc.name.clone(), doc.text.clone());
            let first = errors.iter().find(|d| d.is_error()).map(|d| {
                let at = d
                    .span
                    .map(|s| format!(" at {}", sources.locate(s)))
                    .unwrap_or_default();
                format!("{}{at}: {}", d.code, d.message)
            });
            let d = Diagnostic::error(
                "E0003",
                format!(
                    "the rules this file is read with do not compile ({})",
                    first.unwrap_or_default()
                ),
            )
            .help(format!(
                "fix {}; `grantlog check` shows every error",
                names(&rules)
            ));
            return (vec![d], file);
        }
    };
    let file = sources.add(doc.name.clone(), doc.text.clone());
    (read_facts(sources, file, &program), file)
}

fn names(files: &[File]) -> String {
    files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `Workspace` does with a `.facts` text, without evaluating.
fn read_facts(sources: &SourceMap, file: FileId, program: &Program) -> Vec<Diagnostic> {
    match Instance::new().read(sources, &[file]) {
        Ok(changes) => {
            let mut out = changes.warnings.clone();
            let actions = changes.actions.iter().map(|a| &a.fact);
            for b in changes.add.iter().chain(&changes.remove).chain(actions) {
                if let Err(d) = check_base_fact(b, program) {
                    out.push(d);
                }
            }
            out
        }
        Err(diags) => diags,
    }
}

/// The test file's own errors (T00xx), and the syntax errors of its facts statements.
fn check_test(doc: &File, sources: &mut SourceMap) -> (Vec<Diagnostic>, FileId) {
    let file = sources.add(doc.name.clone(), doc.text.clone());
    let parsed = crate::policytest::parse::parse(&doc.name, &doc.text, file);
    let mut diags = parsed.errors;
    diags.extend(parsed.tests.into_iter().flat_map(|t| t.errors));
    if let Some(text) = facts_text(doc) {
        diags.extend(crate::facts::parse_file(&text, file).1);
    }
    (diags, file)
}

/// An LSP diagnostic: code and message as the CLI prints them; the label, help and notes
/// follow the message. A span outside the document (in a rule file) is shown at its
/// start, with the place named.
fn convert(
    d: &Diagnostic,
    file: FileId,
    sources: &SourceMap,
    index: &LineIndex,
    doc: &File,
) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    let range = match d.span {
        Some(s) if s.file == file => index.range(s.start as usize, s.end as usize),
        Some(s) if sources.get(s.file).is_some() => {
            message = format!("{}: {message}", sources.locate(s));
            lsp::Range::default()
        }
        _ => lsp::Range::default(),
    };
    if let Some(label) = &d.label {
        message.push_str(&format!(" ({label})"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter(|(s, _)| s.file == file)
        .map(|(s, text)| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(
                doc.uri.clone(),
                index.range(s.start as usize, s.end as usize),
            ),
            message: text.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("grantlog".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
