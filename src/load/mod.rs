//! Reading rule files and fact files into a checked program and a model.
//!
//! Loading is all-or-nothing: every file is parsed and checked first, and facts reach the
//! model only when no file had an error, so a bad file never leaves anything half-loaded.

pub mod fast;

use crate::diag::{did_you_mean, Diagnostic};
use crate::engine::{EvalError, Model};
use crate::facts::BaseFact;
use crate::program::{Program, RelId};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{Atom, ColumnType, Const, Item, Term};
use crate::syntax::parse_module;
use std::path::{Path, PathBuf};

/// A named text: a file read from disk or a rule file embedded in the binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub name: String,
    pub text: String,
}

impl Text {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Text {
        Text {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Read a file, turning an I/O failure into a diagnostic that names the path.
    pub fn read(path: &Path) -> Result<Text, Diagnostic> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Diagnostic::error("E0003", format!("cannot read `{name}`: {e}"))
                .help("check the path; it is relative to the current directory")
        })?;
        String::from_utf8(bytes)
            .map(|text| Text::new(name.clone(), without_bom(text)))
            .map_err(|e| {
                // Say where: the line and column of the first byte that is not UTF-8.
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let col = String::from_utf8_lossy(&valid[start..]).chars().count() + 1;
                Diagnostic::error(
                    "E0003",
                    format!("cannot read `{name}`: {name}:{line}:{col} is not valid UTF-8"),
                )
                .at_place(name.clone(), line, col)
                .help("save the file as UTF-8")
            })
    }
}

/// A text without the UTF-8 byte order mark some editors put first: it is no part of
/// the first name, field or header (a `.tsv`'s first symbol kept it, and queries
/// silently answered nothing).
pub fn without_bom(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    text
}

/// Parse and check rule texts together (declarations may be in any of them).
pub fn compile_texts(
    sources: &mut SourceMap,
    files: &[(&str, &str)],
) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        let file = sources.add(*name, *text);
        let (module, diags) = parse_module(sources, file);
        errors.extend(diags);
        modules.push(module);
    }
    match Program::compile(sources, &modules) {
        Ok((program, warnings)) if errors.is_empty() => Ok((program, drop_echoes(warnings))),
        Ok(_) => Err(drop_echoes(errors)),
        // Checks on partial modules still find real errors worth reporting at once; their
        // warnings ("never used") would only reflect what the syntax errors cut out.
        Err(more) => {
            let syntax_failed = !errors.is_empty();
            errors.extend(more.into_iter().filter(|d| d.is_error() || !syntax_failed));
            Err(drop_echoes(errors))
        }
    }
}

/// Ground facts read from a fact file, checked against the program but not yet loaded.
pub struct CheckedFacts {
    pub facts: Vec<(crate::program::RelId, Vec<Const>, Span)>,
}

impl CheckedFacts {
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Add to the model; returns how many were new.
    pub fn add_to(&self, model: &mut Model) -> usize {
        let mut added = 0;
        let mut row = Vec::new();
        for (rel, consts, span) in &self.facts {
            row.clear();
            row.extend(consts.iter().map(|c| model.intern(c)));
            added += usize::from(model.add_fact(*rel, &row, *span));
        }
        added
    }
}

/// Parse a fact file (raw facts `rel(a, "b c", 3).`) and check each fact's relation,
/// arity and column types. Every problem is reported; nothing is loaded here.
pub fn check_fact_file(
    sources: &SourceMap,
    file: FileId,
    program: &Program,
) -> Result<CheckedFacts, Vec<Diagnostic>> {
    let (module, mut errors) = parse_module(sources, file);
    let mut facts = Vec::new();
    for item in &module.items {
        match item {
            Item::Decl(d) => errors.push(
                Diagnostic::error("E0104", "a declaration in a fact file")
                    .at(d.span)
                    .label("declarations belong in rule files")
                    .help("move it to a file passed with --rules"),
            ),
            Item::Rule(r) if !r.is_fact() => errors.push(
                Diagnostic::error("E0104", "a rule in a fact file")
                    .at(r.span)
                    .label("rules belong in rule files")
                    .help("move it to a file passed with --rules"),
            ),
            Item::Rule(r) => match check_fact(&r.head, program) {
                Ok(consts) => {
                    let rel = program.relation(&r.head.relation.name).expect("checked");
                    if program.is_derived(rel) {
                        errors.push(stated_derived(&r.head.relation.name, r.head.span));
                    } else {
                        facts.push((rel, consts, r.head.span));
                    }
                }
                Err(d) => errors.push(d),
            },
        }
    }
    if errors.is_empty() {
        Ok(CheckedFacts { facts })
    } else if crate::facts::keep_going::active() {
        // `--keep-going`: the facts that check are loaded, the others reported.
        crate::facts::keep_going::skip(drop_echoes(errors));
        Ok(CheckedFacts { facts })
    } else {
        Err(drop_echoes(errors))
    }
}

/// Drop diagnostics that only echo another at the same place: a type error on a token
/// that did not lex (E0002), or "used once" on a variable already reported unbound (E0201),
/// where renaming it would be wrong advice.
pub fn drop_echoes(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let at = |code: &str| -> Vec<Span> {
        diags
            .iter()
            .filter(|d| d.code == code)
            .filter_map(|d| d.span)
            .collect()
    };
    let bad_tokens = at("E0002");
    let unbound = at("E0201");
    diags
        .into_iter()
        .filter(|d| {
            let Some(span) = d.span else { return true };
            let echoes_token =
                d.code != "E0002" && !d.code.starts_with("E000") && bad_tokens.contains(&span);
            let echoes_unbound = d.code == "W0501" && unbound.contains(&span);
            !(echoes_token || echoes_unbound)
        })
        .collect()
}

/// One ground atom against the program: known relation, right arity, constants only,
/// constants of the declared column types.
pub fn check_fact(atom: &Atom, program: &Program) -> Result<Vec<Const>, Diagnostic> {
    let rel = lookup(&atom.relation.name, atom.relation.span, program)?;
    check_arity(rel, atom.args.len(), atom.span, program)?;
    let mut out = Vec::with_capacity(atom.args.len());
    for (i, arg) in atom.args.iter().enumerate() {
        match arg {
            Term::Const(c, span) => {
                check_type(rel, i, c, *span, program)?;
                out.push(c.clone());
            }
            other => {
                return Err(Diagnostic::error("E0104", "a fact must be ground")
                    .at(other.span())
                    .label("a variable in a fact")
                    .help("facts hold constants: lowercase names, \"quoted strings\" or integers"))
            }
        }
    }
    Ok(out)
}

/// A fact file (either language) or an `:assert` stating a tuple of a derived relation
/// (F0601): it would bypass the policy, and `:assert` and `:load` must agree on it. Only
/// the rules may state such a tuple.
fn stated_derived(relation: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "F0601",
        format!("`{relation}` is derived by the rules; a fact file cannot state it"),
    )
    .at(span)
    .help("state what it is derived from instead (for a permission, a `grant` statement)")
}

/// A fact from the facts language against the program; a derived relation cannot be fed
/// from a fact file (F0601).
pub fn check_base_fact(fact: &BaseFact, program: &Program) -> Result<RelId, Diagnostic> {
    let rel = lookup(&fact.relation, fact.span, program)?;
    if program.is_derived(rel) {
        return Err(stated_derived(&fact.relation, fact.span));
    }
    check_arity(rel, fact.values.len(), fact.span, program)?;
    for (i, c) in fact.values.iter().enumerate() {
        check_type(rel, i, c, fact.span, program)?;
    }
    Ok(rel)
}

fn lookup(name: &str, span: Span, program: &Program) -> Result<RelId, Diagnostic> {
    program.relation(name).ok_or_else(|| {
        let d = Diagnostic::error("E0101", format!("unknown relation `{name}`"))
            .at(span)
            .label("not declared by the rules");
        match did_you_mean(name, program.relation_names()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help("declare it with `.decl` in a rule file, or check the spelling"),
        }
    })
}

fn check_arity(rel: RelId, given: usize, span: Span, program: &Program) -> Result<(), Diagnostic> {
    let arity = program.arity(rel);
    if given == arity {
        return Ok(());
    }
    let name = program.relation_name(rel);
    Err(Diagnostic::error(
        "E0102",
        format!("`{name}` takes {arity} argument(s), this fact gives {given}"),
    )
    .at(span)
    .help(format!(
        "columns of `{name}`: ({})",
        program.columns(rel).join(", ")
    )))
}

fn check_type(
    rel: RelId,
    column: usize,
    c: &Const,
    span: Span,
    program: &Program,
) -> Result<(), Diagnostic> {
    let Some(ty) = program.column_types(rel)[column] else {
        return Ok(());
    };
    let fits = matches!(
        (ty, c),
        (ColumnType::Number, Const::Num(_)) | (ColumnType::Symbol, Const::Sym(_))
    );
    if fits {
        return Ok(());
    }
    let want = if ty == ColumnType::Number {
        "a number"
    } else {
        "a symbol"
    };
    Err(Diagnostic::error(
        "E0105",
        format!(
            "column `{}` of `{}` holds {want}",
            program.columns(rel)[column],
            program.relation_name(rel)
        ),
    )
    .at(span)
    .help(format!("write {want} here")))
}

pub fn eval_diagnostic(e: EvalError) -> Diagnostic {
    e.into()
}

/// Whether a text is read as statements (a `.facts` file, a manifest, a `dataos-ctl`
/// table) rather than as raw facts.
pub fn is_statement_text(name: &str, text: &str) -> bool {
    crate::import::source_of(name, text).is_some()
}

/// Read statement files (`.facts`, manifests, tables) as one sequence, checked against
/// what is loaded; see [`crate::facts::Instance::read`].
pub fn read_statement_files(
    instance: &crate::facts::Instance,
    sources: &SourceMap,
    files: &[FileId],
) -> Result<crate::facts::Changes, Vec<Diagnostic>> {
    read_statement_files_into(instance, sources, files, None)
}

/// [`read_statement_files`], handing each fact of `Changes::add` to `sink` as it is read
/// (see [`crate::facts::Instance::read_parsed_streaming`]); `--keep-going` collects them
/// and hands them over at the end.
pub fn read_statement_files_streaming(
    instance: &crate::facts::Instance,
    sources: &SourceMap,
    files: &[FileId],
    sink: &mut dyn FnMut(BaseFact),
) -> Result<crate::facts::Changes, Vec<Diagnostic>> {
    read_statement_files_into(instance, sources, files, Some(sink))
}

fn read_statement_files_into(
    instance: &crate::facts::Instance,
    sources: &SourceMap,
    files: &[FileId],
    sink: Option<&mut dyn FnMut(BaseFact)>,
) -> Result<crate::facts::Changes, Vec<Diagnostic>> {
    let parsed = crate::import::parse_files(sources, files);
    crate::engine::limits::check().map_err(|e| vec![eval_diagnostic(e)])?;
    if crate::facts::keep_going::active() {
        let mut changes = crate::facts::keep_going::read(instance, sources, parsed)?;
        if let Some(sink) = sink {
            std::mem::take(&mut changes.add).into_iter().for_each(sink);
        }
        return Ok(changes);
    }
    // One mistake, one error: a YAML file that does not parse yields none of its
    // resources, so every reference to them elsewhere would be an error too (one typo
    // gave 24 errors, the real one last). Report what did not parse, and only that.
    let unreadable = |d: &Diagnostic| matches!(d.code, "I0001" | "I0002");
    if parsed.iter().any(|(_, d)| d.iter().any(unreadable)) {
        return Err(parsed
            .into_iter()
            .flat_map(|(_, d)| d)
            .filter(unreadable)
            .collect());
    }
    match sink {
        Some(sink) => instance.read_parsed_streaming(sources, parsed, sink),
        None => instance.read_parsed(sources, parsed),
    }
}

/// Fact paths with each directory replaced by the files in it (recursively, sorted by
/// path) that are `.facts`, manifests (`.yaml`, `.yml`) or tables (`.txt`, `.table`).
///
/// Symbolic links are followed, but each directory is walked once and each file is read
/// once, by its canonical path: two links to `.` ran until killed. Only regular files
/// are read (a FIFO named `x.txt` would block). The walk stops with E0403 when the
/// command is interrupted (Ctrl-C in the REPL: `:load /` walked the whole file system).
pub fn expand_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut walk = Walk::default();
    for p in paths {
        if p.is_dir() {
            walk.dir(p);
        } else {
            walk.out.push(p.clone());
        }
        if walk.stopped {
            break;
        }
    }
    if walk.errors.is_empty() {
        Ok(walk.out)
    } else {
        Err(walk.errors)
    }
}

#[derive(Default)]
struct Walk {
    out: Vec<PathBuf>,
    errors: Vec<Diagnostic>,
    /// Canonical paths of the directories walked and the files taken.
    seen: std::collections::HashSet<PathBuf>,
    stopped: bool,
}

impl Walk {
    /// False when `p` was seen already (by any path to it).
    fn first_visit(&mut self, p: &Path) -> bool {
        match std::fs::canonicalize(p) {
            Ok(c) => self.seen.insert(c),
            Err(_) => true,
        }
    }

    fn dir(&mut self, dir: &Path) {
        if !self.first_visit(dir) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(
                    Diagnostic::error(
                        "E0003",
                        format!("cannot read directory `{}`: {e}", dir.display()),
                    )
                    .help("check the path; it is relative to the current directory"),
                );
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if self.stopped {
                return;
            }
            if let Err(e) = crate::engine::limits::check() {
                self.errors.push(eval_diagnostic(e));
                self.stopped = true;
                return;
            }
            // `metadata` follows links; a dangling link is skipped.
            let Ok(meta) = std::fs::metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                self.dir(&p);
            } else if meta.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| crate::import::wanted_in_directory(n, || head_of(&p)))
                && self.first_visit(&p)
            {
                self.out.push(p);
            }
        }
    }
}

/// The first 64 KiB of a file as text (enough to find a table's header).
fn head_of(p: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(p)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut buf)
        .ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// One path (a file, or a directory as [`expand_dirs`] reads it) as texts.
pub fn read_path(path: &Path) -> Result<Vec<Text>, Vec<Diagnostic>> {
    expand_dirs(&[path.to_path_buf()])?
        .iter()
        .map(|p| Text::read(p).map_err(|d| vec![d]))
        .collect()
}
