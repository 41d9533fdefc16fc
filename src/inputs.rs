//! Which rule and fact texts a command loads: the files named (directories expanded, see
//! [`crate::load::expand_dirs`]), the shipped rules when no rule file is named, and the
//! worked example when nothing at all is named. Every command gathers its inputs here.

use crate::diag::Diagnostic;
use crate::engine::{Limits, Model};
use crate::facts::{BaseFact, Instance};
use crate::import::{source_of, Source};
use crate::load::fast::{self, Kind};
use crate::load::{check_base_fact, Text};
use crate::program::{Program, RelId};
use crate::shipped;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::{ColumnType, Const};
use crate::workspace::{LoadFailure, Workspace};
use std::path::PathBuf;
use std::sync::Arc;

/// Read every path; all unreadable paths are reported together. `-` is stdin
/// ([`read_stdin`]), which can be named once.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Text>, Vec<Diagnostic>> {
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    let stdin = paths.iter().filter(|p| is_stdin(p)).count();
    if stdin > 1 {
        errors.push(
            Diagnostic::error("E0003", format!("`-` (stdin) is named {stdin} times"))
                .help("stdin can be read once: name `-` once, and the other inputs as files"),
        );
    }
    for p in paths {
        if is_stdin(p) {
            if stdin == 1 {
                match read_stdin() {
                    Ok(t) => texts.push(t),
                    Err(d) => errors.push(d),
                }
            }
            continue;
        }
        match Text::read(p) {
            Ok(t) => texts.push(t),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(errors)
    }
}

/// Whether a path is `-`: the facts on stdin.
pub fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// The facts on stdin (`grantlog eval - ...`). A pipe has no file name to tell its
/// language by, so the text is named for what it looks like: `<stdin>.txt` for a
/// `dataos-ctl` table, `<stdin>.yaml` for manifests, `<stdin>` for raw facts
/// (`p(a, b).`), and otherwise `<stdin>.facts`, the facts language.
pub fn read_stdin() -> Result<Text, Diagnostic> {
    let text = stdin_text()?;
    Ok(Text::new(stdin_name(&text), text))
}

/// All of stdin as UTF-8 text (without a byte order mark).
pub fn stdin_text() -> Result<String, Diagnostic> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        return Err(
            Diagnostic::error("E0003", format!("cannot read stdin: {e}"))
                .help("`-` reads the facts from stdin: pipe or redirect them in"),
        );
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok(crate::load::without_bom(t)),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Diagnostic::error(
                "E0003",
                format!("cannot read stdin: line {line} is not valid UTF-8"),
            )
            .at_place("<stdin>".to_string(), line, 1)
            .help("send the text as UTF-8"))
        }
    }
}

/// The name `-` is read under: see [`read_stdin`].
pub fn stdin_name(text: &str) -> &'static str {
    if crate::import::source_of("<stdin>.txt", text) == Some(Source::Table) {
        return "<stdin>.txt";
    }
    // The first line that is not blank or a comment tells the language.
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !["//", "/*", "*", "#"].iter().any(|c| l.starts_with(c)));
    let Some(first) = first else {
        return "<stdin>.facts";
    };
    let word_end = first
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(first.len());
    let after = first[word_end..].trim_start();
    let yaml = first.starts_with("---")
        || first.starts_with("%YAML")
        || first.starts_with("- ")
        || (word_end > 0 && after.starts_with(':'));
    if yaml {
        "<stdin>.yaml"
    } else if word_end > 0 && after.starts_with('(') {
        "<stdin>"
    } else {
        "<stdin>.facts"
    }
}

/// The texts to load and the warnings about the choice made.
pub struct Inputs {
    pub rules: Vec<Text>,
    pub facts: Vec<Text>,
    /// W0004 when the shipped rules are used but a `rules/` here differs from them.
    pub warnings: Vec<Diagnostic>,
}

/// Shipped rules unless `rules` names files; the worked example when nothing is named.
pub fn gather(rules: &[PathBuf], facts: &[PathBuf]) -> Result<Inputs, Vec<Diagnostic>> {
    let fact_texts = if rules.is_empty() && facts.is_empty() {
        vec![shipped::example()]
    } else {
        read_all(&crate::load::expand_dirs(facts)?)?
    };
    let mut warnings = Vec::new();
    let rule_texts = if rules.is_empty() {
        // An edited checkout must not be silently ignored.
        warnings.extend(shipped::disk_differs_here());
        shipped::rules()
    } else {
        read_all(rules)?
    };
    Ok(Inputs {
        rules: rule_texts,
        facts: fact_texts,
        warnings,
    })
}

/// Opens a workspace on `rules` and `facts`: the same workspace as [`Workspace::open`]
/// (same model, tuple for tuple and value id for value id, same instance and warnings),
/// with the facts read by the fast path ([`crate::load::fast`]) where every text allows
/// it. On any error, or any text the fast path does not read, it is `Workspace::open`
/// itself that loads, so every diagnostic is the one it always was.
///
/// `session`: an interactive session follows (the REPL), so keep the fact texts for
/// `:reload` and the instance for the statements still to come. Batch commands (it is
/// false) keep neither (`ws.instance` stays empty: nothing after the load reads it, and
/// its copy of every grant was a hundred MiB at a million facts), and also read `.tsv`
/// and `.csv` files ([`crate::delimited`]), after the other fact files; the REPL, whose
/// `:reload` re-reads texts as fact files, does not.
pub fn open(
    rules: &[Text],
    facts: Vec<Text>,
    limits: &Limits,
    session: bool,
) -> Result<Workspace, LoadFailure> {
    open_evaluating(rules, facts, limits, session, &mut |model, _| {
        model.evaluate(limits).map(|_| ())
    })
}

/// [`open`], with the loaded model evaluated by `evaluate` (given the sources its spans
/// point into), e.g. with another model evaluated beside it (`grantlog diff`). Not called
/// when the fast path does not read the facts (`Workspace::open` then evaluates).
pub fn open_evaluating(
    rules: &[Text],
    facts: Vec<Text>,
    limits: &Limits,
    session: bool,
    evaluate: &mut dyn FnMut(&mut Model, &SourceMap) -> Result<(), crate::engine::EvalError>,
) -> Result<Workspace, LoadFailure> {
    open_inner(rules, facts, limits, session, Some(evaluate))
}

/// [`open`] (batch) without the evaluation: the facts loaded, the model not evaluated.
/// `grantlog diff` of two fact sets reads NEW's facts only to compare them with OLD's.
pub fn read(rules: &[Text], facts: Vec<Text>, limits: &Limits) -> Result<Workspace, LoadFailure> {
    open_inner(rules, facts, limits, false, None)
}

type Evaluate<'a> =
    &'a mut dyn FnMut(&mut Model, &SourceMap) -> Result<(), crate::engine::EvalError>;

fn open_inner(
    rules: &[Text],
    facts: Vec<Text>,
    limits: &Limits,
    session: bool,
    evaluate: Option<Evaluate<'_>>,
) -> Result<Workspace, LoadFailure> {
    let evaluated = evaluate.is_some();
    let mut ws = open_texts(rules, facts, limits, session, evaluate)?;
    // Only a session keeps its fact texts: a batch workspace is not what they make.
    ws.as_opened = session && evaluated;
    Ok(ws)
}

fn open_texts(
    rules: &[Text],
    facts: Vec<Text>,
    limits: &Limits,
    session: bool,
    evaluate: Option<Evaluate<'_>>,
) -> Result<Workspace, LoadFailure> {
    let mut ws = Workspace::open(rules, &[], limits)?;
    let mut files = Vec::new();
    let mut delimited = Vec::new();
    for t in facts {
        let table = !session && crate::delimited::format_of(&t.name).is_some();
        let facts_file = source_of(&t.name, &t.text) == Some(Source::Facts);
        let statements = !table && (facts_file || crate::load::is_statement_text(&t.name, &t.text));
        let id = ws.sources.add(t.name, t.text);
        if table {
            delimited.push(id);
        } else {
            files.push((id, statements));
        }
    }
    let program = Arc::clone(ws.model.program_arc());
    // `--keep-going` is the ordinary path's: the fast one reads all or nothing.
    if crate::facts::keep_going::active() {
        return fallback(
            rules,
            &texts_of(&ws.sources, &files),
            &program,
            &ws.sources,
            &delimited,
            limits,
            evaluate.is_some(),
        );
    }
    let loaded = match load_all(&program, &ws.sources, &files, true, session, limits) {
        Err(Retry::Statements) => load_all(&program, &ws.sources, &files, false, session, limits),
        other => other,
    };
    let texts = |sources: &SourceMap| texts_of(sources, &files);
    let Ok((mut model, instance, warnings)) = loaded else {
        return fallback(
            rules,
            &texts(&ws.sources),
            &program,
            &ws.sources,
            &delimited,
            limits,
            evaluate.is_some(),
        );
    };
    load_delimited(&mut model, &ws.sources, &delimited).map_err(|diagnostics| LoadFailure {
        diagnostics,
        sources: ws.sources.clone(),
    })?;
    if let Some(Err(e)) = evaluate.map(|e| e(&mut model, &ws.sources)) {
        return Err(LoadFailure {
            diagnostics: vec![crate::load::eval_diagnostic(e)],
            sources: ws.sources,
        });
    }
    if session {
        ws.fact_texts = texts(&ws.sources);
    }
    ws.model = model;
    ws.instance = instance;
    ws.warnings.extend(warnings);
    Ok(ws)
}

/// The texts of the fact files, as read.
fn texts_of(sources: &SourceMap, files: &[(FileId, bool)]) -> Vec<Text> {
    files
        .iter()
        .map(|&(id, _)| {
            let f = sources.file(id);
            Text::new(f.name.clone(), f.text.clone())
        })
        .collect()
}

/// Every delimited file into `model`; all their diagnostics together.
fn load_delimited(
    model: &mut Model,
    sources: &SourceMap,
    files: &[FileId],
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for &id in files {
        if let Err(d) = crate::delimited::load(model, sources, id) {
            errors.extend(d);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `Workspace::open` on the fact files, then the delimited files added and evaluated;
/// when either has errors, all of them are reported.
fn fallback(
    rules: &[Text],
    facts: &[Text],
    program: &Arc<Program>,
    sources: &SourceMap,
    delimited: &[FileId],
    limits: &Limits,
    evaluate: bool,
) -> Result<Workspace, LoadFailure> {
    let opened = if evaluate {
        Workspace::open(rules, facts, limits)
    } else {
        Workspace::read(rules, facts, limits)
    };
    if delimited.is_empty() {
        return opened;
    }
    let add = |to: &mut SourceMap| -> Vec<FileId> {
        delimited
            .iter()
            .map(|&id| {
                let f = sources.file(id);
                to.add(f.name.clone(), f.text.clone())
            })
            .collect()
    };
    let mut ws = match opened {
        Ok(ws) => ws,
        Err(mut failure) => {
            let ids = add(&mut failure.sources);
            let mut scratch = Model::new(Arc::clone(program));
            if let Err(more) = load_delimited(&mut scratch, &failure.sources, &ids) {
                failure.diagnostics.extend(more);
            }
            return Err(failure);
        }
    };
    let ids = add(&mut ws.sources);
    if let Err(diagnostics) = load_delimited(&mut ws.model, &ws.sources, &ids) {
        return Err(LoadFailure {
            diagnostics,
            sources: ws.sources,
        });
    }
    if evaluate {
        if let Err(e) = ws.model.evaluate(limits) {
            return Err(LoadFailure {
                diagnostics: vec![crate::load::eval_diagnostic(e)],
                sources: ws.sources,
            });
        }
    }
    Ok(ws)
}

/// Why [`load_all`] stopped: a `.facts` file holds statements (read them all through the
/// facts language), or anything that needs `Workspace::open`.
enum Retry {
    Statements,
    Fallback,
}

/// The model and instance the fact files make: raw fact files first, then the statement
/// files, as `Workspace::open` orders them. `fast_statements`: try the fast path on the
/// `.facts` files too (it reads raw facts only). `session`: keep the instance.
fn load_all(
    program: &Arc<Program>,
    sources: &SourceMap,
    files: &[(FileId, bool)],
    fast_statements: bool,
    session: bool,
    limits: &Limits,
) -> Result<(Model, Instance, Vec<Diagnostic>), Retry> {
    let mut model = Model::new(Arc::clone(program));
    let mut instance = Instance::new();
    for &(id, _) in files.iter().filter(|f| !f.1) {
        let text = &sources.file(id).text;
        fast::load_facts(&mut model, id, text, Kind::Raw).map_err(|_| Retry::Fallback)?;
    }
    let statements: Vec<FileId> = files.iter().filter(|f| f.1).map(|f| f.0).collect();
    if statements.is_empty() {
        return Ok((model, instance, Vec::new()));
    }
    if fast_statements {
        for &id in &statements {
            let f = sources.file(id);
            if source_of(&f.name, &f.text) != Some(Source::Facts) {
                return Err(Retry::Statements);
            }
            let kind = Kind::Statements(session.then_some(&mut instance));
            fast::load_facts(&mut model, id, &f.text, kind).map_err(|_| Retry::Statements)?;
        }
        return Ok((model, instance, Vec::new()));
    }
    // Each fact that holds wherever it is stated goes into the model as it is read: the
    // facts as strings were all held at once (about 250 MiB at 75,000 users). A read
    // that fails leaves this model half-built: it is dropped (`Workspace::open` reports).
    let mut refused = false;
    let changes = {
        let mut last: Option<(String, RelId)> = None;
        let mut row = Vec::new();
        let mut sink = |b: BaseFact| {
            if refused {
                return;
            }
            let rel = match &last {
                Some((name, rel)) if *name == b.relation && same_shape(program, *rel, &b) => *rel,
                _ => match check_base_fact(&b, program) {
                    Ok(rel) => {
                        last = Some((b.relation.clone(), rel));
                        rel
                    }
                    Err(_) => {
                        refused = true;
                        return;
                    }
                },
            };
            row.clear();
            row.extend(b.values.iter().map(|c| match c {
                Const::Sym(s) => model.intern_sym(s),
                Const::Num(n) => model.intern_num(*n),
            }));
            model.add_fact(rel, &row, b.span);
            // A session's instance takes the facts over; a batch command drops them.
            if session {
                instance.keep(b);
            }
        };
        // The instance is empty here: the read is checked against an empty one.
        crate::load::read_statement_files_streaming(
            &Instance::new(),
            sources,
            &statements,
            &mut sink,
        )
    };
    let changes = changes.map_err(|_| Retry::Fallback)?;
    if refused {
        return Err(Retry::Fallback);
    }
    for a in &changes.actions {
        check_base_fact(&a.fact, program).map_err(|_| Retry::Fallback)?;
    }
    let crate::facts::Changes {
        actions, warnings, ..
    } = changes;
    // A limit reached while checking the actions: `Workspace::open` reports it.
    let applied = crate::history::apply(&mut model, &actions, limits, session)
        .map_err(|_| Retry::Fallback)?;
    if session {
        instance.apply(&crate::facts::Changes {
            add: applied.granted,
            remove: applied.revoked,
            ..crate::facts::Changes::default()
        });
    }
    Ok((model, instance, warnings))
}

/// The checks of [`check_base_fact`] beyond the relation's name: arity and column types.
fn same_shape(program: &Program, rel: RelId, b: &crate::facts::BaseFact) -> bool {
    let types = program.column_types(rel);
    types.len() == b.values.len()
        && types.iter().zip(&b.values).all(|(t, c)| {
            matches!(
                (t, c),
                (None, _)
                    | (Some(ColumnType::Symbol), Const::Sym(_))
                    | (Some(ColumnType::Number), Const::Num(_))
            )
        })
}
