//! The command line: one module per subcommand; `main.rs` only calls [`main`].

mod audit;
mod check;
mod completions;
mod diff;
mod diff_facts;
mod eval;
mod explain;
mod fmt;
mod generate;
mod handoff;
mod import;
mod lsp;
mod repl;
mod rules;
mod serve;
mod signal;
mod test;
mod watch;

use crate::diag::{Cap, Diagnostic};
use crate::engine::Limits;
use crate::source::SourceMap;
use clap::{Parser, Subcommand, ValueEnum};
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const ABOUT: &str = "Access models as Datalog rules: who may do what, why, and why not.

With no command, grantlog starts the REPL on the shipped DataOS rules and the worked example.";

const EXAMPLES: &str = "Examples:
  grantlog                      (the REPL: try `:help`)
  grantlog eval --query 'permission(U, T, R, P)' --format json
  grantlog explain --why-not 'can_run(engineering, sales-360)'
  grantlog audit sam
  grantlog test --coverage
  grantlog diff --against rules/dataos-s13-broad.dl examples/worked-example.facts
  grantlog check rules/dataos.dl
  grantlog serve --listen 127.0.0.1:8080
  grantlog import examples/dataos/ > instance.facts
  grantlog eval --rules graph.dl edges.dl --query 'path(a, X)'
  grantlog completions bash > ~/.local/share/bash-completion/completions/grantlog";

#[derive(Parser, Debug)]
#[command(name = "grantlog", version, about = ABOUT, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Colour: `auto` (in a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: crate::style::ColorChoice,
    /// Do not report warning CODE (repeatable, e.g. `--allow I0202`); `--allow warnings`
    /// reports no warning at all.
    #[arg(long, global = true, value_name = "CODE", value_parser = parse_allow)]
    pub allow: Vec<String>,
    /// `--deny warnings`: report every warning (not allowed) as an error, and fail.
    #[arg(long, global = true, value_name = "warnings", value_parser = ["warnings"])]
    pub deny: Vec<String>,
    /// Threads for loading facts and evaluating (default: every core, or the environment
    /// variable GRANTLOG_THREADS). Answers and proofs are the same for every count.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
}

/// A warning code (`I0202`, `W0601`, ...) or `warnings`.
fn parse_allow(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let code = b.len() == 5 && b"EWFTI".contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
    if s == "warnings" || code {
        Ok(s.to_owned())
    } else {
        Err("expected a diagnostic code such as I0202 (see docs/errors.md), or `warnings`".into())
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ask questions interactively: queries, what-if changes, why and why not (the default).
    #[command(after_help = repl::HELP)]
    Repl(repl::ReplArgs),
    /// Evaluate rules on facts and answer queries.
    #[command(after_help = eval::HELP)]
    Eval(eval::EvalArgs),
    /// Explain why a fact holds (a proof), or with --why-not why it does not and how to fix it.
    #[command(after_help = explain::HELP)]
    Explain(explain::ExplainArgs),
    /// Audit a user: every permission and power they hold, by scope, with the grants and grantors behind it.
    #[command(after_help = audit::HELP)]
    Audit(audit::AuditArgs),
    /// Run policy tests (*.test files): expected answers of the rules on stated instances.
    #[command(after_help = test::HELP)]
    Test(test::TestArgs),
    /// Compare two rule sets or two fact sets (files, or a git revision): decisions gained and lost, with proofs.
    #[command(after_help = diff::HELP)]
    Diff(diff::DiffArgs),
    /// Check rule files (syntax, relations, arity, safety, stratification) without running them.
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Format rule, fact and test files (in place, --check for CI, or stdin with -).
    #[command(after_help = fmt::HELP)]
    Fmt(fmt::FmtArgs),
    /// Print DataOS manifests and dataos-ctl tables as .facts statements, each with its source.
    #[command(after_help = import::HELP)]
    Import(import::ImportArgs),
    /// Print a large realistic DataOS instance (.facts), seeded and deterministic.
    #[command(after_help = generate::HELP)]
    Generate(generate::GenerateArgs),
    /// Serve the model over HTTP: decisions with proofs, changes, a stream of decision changes, a durable history.
    #[command(after_help = serve::HELP)]
    Serve(serve::ServeArgs),
    /// Serve the Language Server Protocol on stdin/stdout, for editors: diagnostics, hover, definition, references, completion.
    #[command(after_help = lsp::HELP)]
    Lsp(lsp::LspArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = completions::COMPLETIONS_HELP)]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), generated from the same definitions as --help.
    #[command(after_help = completions::MAN_HELP)]
    Man(completions::ManArgs),
    /// Print the DataOS rules built into grantlog (or, with --example, the worked example), to copy and edit.
    #[command(after_help = rules::HELP)]
    Rules(rules::RulesArgs),
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Csv,
}

/// Limits shared by every command that evaluates.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Stop with an error once this many tuples have been derived.
    #[arg(long, value_name = "N")]
    pub max_tuples: Option<usize>,
    /// Stop with an error after this many seconds of evaluation.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, allow_negative_numbers = true)]
    pub timeout: Option<f64>,
}

/// The longest `--timeout`: a year. Far beyond any evaluation, and small enough that
/// adding it to the clock cannot overflow (`1e19` did, and `1e30` did not even convert).
pub const MAX_TIMEOUT_SECS: f64 = 365.0 * 24.0 * 3600.0;

/// `--timeout`: seconds from 0 to [`MAX_TIMEOUT_SECS`]; anything else (negative, `nan`,
/// `inf`, too large) is a usage error (exit 2) rather than a panic or a silent "no limit".
pub fn parse_timeout(s: &str) -> Result<f64, String> {
    let range = format!("a number of seconds from 0 to {MAX_TIMEOUT_SECS} (one year)");
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=MAX_TIMEOUT_SECS).contains(&v) => Ok(v),
        Ok(_) => Err(format!("`{s}` is out of range: expected {range}")),
        Err(_) => Err(format!("`{s}` is not a number: expected {range}")),
    }
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_tuples: self.max_tuples,
            // parse_timeout keeps the value in range; the filter guards struct literals.
            timeout: self
                .timeout
                .filter(|s| (0.0..=MAX_TIMEOUT_SECS).contains(s))
                .map(Duration::from_secs_f64),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::style::set(cli.color);
    crate::diag::set_warning_policy(&cli.allow, !cli.deny.is_empty());
    match crate::threads::requested(cli.threads) {
        Ok(n) => crate::threads::configure(n),
        Err(message) => {
            report(
                &[crate::diag::Diagnostic::error("E0006", message)],
                &Default::default(),
            );
            return ExitCode::from(2);
        }
    }
    let json = match &cli.command {
        Some(Command::Eval(a)) => a.format == Format::Json,
        Some(Command::Explain(a)) => a.format == explain::ExplainFormat::Json,
        Some(Command::Test(a)) => a.format == test::TestFormat::Json,
        Some(Command::Diff(a)) => a.format == diff::DiffFormat::Json,
        Some(Command::Audit(a)) => a.format == audit::AuditFormat::Json,
        _ => false,
    };
    JSON_DIAGNOSTICS.store(json, Ordering::Relaxed);
    let repl = matches!(cli.command, None | Some(Command::Repl(_)));
    // The server handles SIGINT and SIGTERM itself (a graceful shutdown).
    if !matches!(cli.command, Some(Command::Serve(_))) {
        signal::install(repl, !std::io::IsTerminal::is_terminal(&std::io::stdin()));
    }
    let code = match cli.command {
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Repl(args)) => repl::run(&args),
        None => repl::run(&repl::ReplArgs::default()),
        Some(Command::Test(args)) => test::run(&args),
        Some(Command::Generate(args)) => generate::run(&args),
        Some(Command::Fmt(args)) => fmt::run(&args),
        Some(Command::Import(args)) => import::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Diff(args)) => diff::run(&args),
        Some(Command::Audit(args)) => audit::run(&args),
        Some(Command::Lsp(args)) => lsp::run(&args),
        Some(Command::Serve(args)) => serve::run(&args),
        Some(Command::Completions(args)) => completions::completions(&args),
        Some(Command::Man(args)) => completions::man(&args),
        Some(Command::Rules(args)) => rules::run(&args),
    };
    flush_json();
    // A warning reported as an error (`--deny warnings`) fails a command that succeeded;
    // so does an input left out under `--keep-going` (a broken input, 1, wins over 3).
    let kept_going = KEPT_GOING.load(Ordering::Relaxed) && (code == 0 || code == 3);
    let code = if (code == 0 && crate::diag::denied()) || kept_going {
        1
    } else {
        code
    };
    ExitCode::from(code)
}

pub(crate) use crate::inputs::read_all;

/// The workspace most commands start from: the named rules (or the shipped ones) on the
/// named facts (or, when neither is named, the worked example). Errors are reported on
/// stderr; `Err` is the exit status. `session`: the REPL follows (see [`crate::inputs::open`]).
pub(crate) fn open_workspace(
    rules: &[PathBuf],
    facts: &[PathBuf],
    limits: &LimitArgs,
    session: bool,
    keep_going: bool,
) -> Result<crate::workspace::Workspace, u8> {
    let (rule_texts, fact_texts) = eval::inputs(rules, facts).map_err(|d| {
        report(&d, &Default::default());
        1
    })?;
    let kept = keep_going.then(crate::facts::keep_going::KeepGoing::enter);
    let opened = crate::inputs::open(&rule_texts, fact_texts, &limits.limits(), session);
    let skipped = kept.map(|k| k.take_skipped()).unwrap_or_default();
    let ws = opened.map_err(|f| {
        // What was left out before an error no statement holds (a rule's, a deadline).
        let mut all = skipped.clone();
        all.extend(f.diagnostics);
        report(&all, &f.sources);
        1u8
    })?;
    // The shipped rules are known to be clean; warnings matter for the user's own rules,
    // and always for the facts (F codes) and imports (I codes: a pending grant request,
    // a skipped document), which are the user's.
    if rules.is_empty() {
        let facts: Vec<_> = ws
            .warnings
            .iter()
            .filter(|d| d.code.starts_with('F') || d.code.starts_with('I'))
            .cloned()
            .collect();
        report(&facts, &ws.sources);
    } else {
        report(&ws.warnings, &ws.sources);
    }
    if !skipped.is_empty() {
        report(&skipped, &ws.sources);
        KEPT_GOING.store(true, Ordering::Relaxed);
        if !json_diagnostics() {
            eprintln!(
                "--keep-going: what the {} above are in was left out; the rest is loaded",
                crate::diag::plural(skipped.len(), "error")
            );
        }
    }
    Ok(ws)
}

/// The workspace of a batch command, never freed: the process ends with the command,
/// and dropping a million-fact model (its vectors, tables and strings) took 8% of a run.
pub(crate) fn keep_until_exit(
    ws: crate::workspace::Workspace,
) -> &'static mut crate::workspace::Workspace {
    Box::leak(Box::new(ws))
}

/// Writes a command's output. A reader that stops early (`grantlog ... | head`) is not
/// an error, so a closed pipe ends the output quietly instead of panicking as `print!`.
pub(crate) fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Something was left out under `--keep-going`: the command fails (exit 1) once done.
static KEPT_GOING: AtomicBool = AtomicBool::new(false);

/// `--keep-going`, for the commands that load facts.
pub const KEEP_GOING_HELP: &str = concat!(
    "Load the statements and facts that are valid and report each one that is not ",
    "(located), instead of loading nothing; the command then runs on what loaded and exits 1"
);

/// With `--format json`, diagnostics too are JSON (on stderr, so that stdout stays one
/// document): `{"diagnostics": [...], "errors": n, "warnings": m, "omitted": k}`, each
/// diagnostic as [`Diagnostic::to_json`] gives it. Rule warnings, fact warnings and query
/// errors are reported at different moments, so they are collected here and written as
/// ONE document when the command ends ([`flush_json`]), never one document each.
static JSON_DIAGNOSTICS: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
struct Reported {
    /// What has been reported, so that a diagnostic reported twice shows once.
    seen: HashSet<(String, u32, u32, &'static str, String)>,
    cap: Cap,
    items: Vec<serde_json::Value>,
    errors: usize,
    warnings: usize,
}

static REPORTED: Mutex<Option<Reported>> = Mutex::new(None);

pub(crate) fn report(diags: &[Diagnostic], sources: &SourceMap) {
    report_sides(&[(diags, sources)]);
}

/// Diagnostics of several sides (e.g. the two rule sets of `diff`), each located with its
/// own sources; one that reads exactly like an earlier one is left out. At most
/// [`crate::diag::MAX_PER_FILE`] of each kind per file are shown. Text: each written to
/// stderr as it is rendered, with a closing count when there are errors; JSON: kept for
/// the process's one document.
pub(crate) fn report_sides(sides: &[(&[Diagnostic], &SourceMap)]) {
    let json = JSON_DIAGNOSTICS.load(Ordering::Relaxed);
    let color = crate::style::enabled(crate::style::Stream::Stderr);
    let mut guard = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let all = guard.get_or_insert_with(Reported::default);
    // Text reports count and cap per call; JSON ones per process.
    let mut local = Reported::default();
    let r = if json { all } else { &mut local };
    let mut err = std::io::stderr().lock();
    for (diags, sources) in sides {
        let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
        sorted.sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
        for d in sorted {
            let Some(d) = crate::diag::apply_policy(d) else {
                continue;
            };
            let d = d.as_ref();
            // Keyed without rendering, so the ones left out by the cap cost nothing.
            let key = d.span.map_or((String::new(), 0, 0), |s| {
                let name = sources.get(s.file).map_or("", |f| f.name.as_str());
                (name.to_string(), s.start, s.end)
            });
            if !r
                .seen
                .insert((key.0, key.1, key.2, d.code, d.message.clone()))
            {
                continue;
            }
            if d.is_error() {
                r.errors += 1;
            } else {
                r.warnings += 1;
            }
            if !r.cap.admit(d, sources) {
                continue;
            }
            if json {
                r.items.push(d.to_json(sources));
            } else {
                let _ = writeln!(err, "{}", d.render_styled(sources, color));
            }
        }
    }
    if json {
        return;
    }
    for note in r.cap.notes() {
        let _ = writeln!(err, "{note}");
    }
    if r.errors > 0 {
        let _ = writeln!(err, "{}", crate::diag::error_count(r.errors, r.warnings));
    }
}

/// Writes the JSON document of everything [`report`]ed, if anything was (JSON mode only).
pub(crate) fn flush_json() {
    let mut guard = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let Some(r) = guard.take() else { return };
    if !JSON_DIAGNOSTICS.load(Ordering::Relaxed) || r.errors + r.warnings == 0 {
        return;
    }
    let mut doc = serde_json::json!({
        "diagnostics": r.items,
        "errors": r.errors,
        "warnings": r.warnings,
    });
    if r.cap.omitted() > 0 {
        doc["omitted"] = r.cap.omitted().into();
        doc["notes"] = r.cap.notes().into();
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Whether diagnostics go out as JSON (commands with `--format json`).
pub(crate) fn json_diagnostics() -> bool {
    JSON_DIAGNOSTICS.load(Ordering::Relaxed)
}
