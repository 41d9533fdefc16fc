//! One input -> its answer: queries and every `:command`.

use super::report::changes;
use super::{explain_hook, max_round, split_word, EvalNote, Flow, Repl};
use crate::diag::{did_you_mean, plural, Diagnostic};
use crate::load::Text;
use crate::program::RelId;
use crate::shipped;
use crate::source::FileId;
use crate::syntax::ast::Const;
use crate::syntax::{parse_atom, parse_query};
use crate::table::{plain, table};
use crate::workspace::Workspace;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Every command, for completion, `:help` and "did you mean".
pub const COMMANDS: &[&str] = &[
    ":help",
    ":quit",
    ":q",
    ":load",
    ":reload",
    ":rules",
    ":facts",
    ":relations",
    ":stats",
    ":assert",
    ":retract",
    ":undo",
    ":why",
    ":whynot",
    ":depth",
    ":audit",
    ":timing",
    ":changes",
    ":save",
    ":format",
    ":limit",
];

pub const HELP: &str = "\
Ask questions of the access model: type a query, or a :command.

Queries (the variables, capitalised, become the columns of the answer; a query
without variables answers yes or no; a final `?` or `.` is optional):
  can_run(engineering, sales-360)                    can the data product run?  (no)
  missing_permission(engineering, sales-360, U, D, P)   what is missing, for whom?
  can_use(U, engineering, R), !can_edit(U, engineering, R)   several literals; `!` negates
An unfinished input (an open parenthesis, no closing quote) continues on the next line.

Why and why not:
  :why can_use(sam, engineering, sf-depot)           the rules and facts it rests on
  :whynot can_run(engineering, sales-360)            what is missing for it to hold
  :why can_use(sam, engineering, R)                  each answer explained (at most 5)
  :whynot can_run(engineering, W)                    each workload that does not run explained (at most 5)
  :depth N                                           explain at most N rules deep (`:depth` alone: no limit)
  :timing on|off                                     end each answer with how long it took
  :audit sam                                         everything sam holds, by scope, with the grants behind it

What if (every change can be undone; each prints the decisions it changed):
  :assert grant can_use_secret on sf-creds in engineering to sam by maria.
  :assert revoke run-as dpdeveloper from sam by iamgroot.
  :retract grant can_use_depot on sf-depot in engineering to sam by maria.
  :assert fact onboarding_delegated(engineering).    raw facts work too (with or without `fact`)
  :undo                                              reverse the last :assert, :retract or :load
  :assert -v ...                                     list every changed tuple, not only decisions
  :changes                                           what the session changed since it opened: statements, decisions
  :save FILE                                         write those changes as a .facts file to load after the inputs
Statements are those of .facts files (user, tenant, invite, role, resource, grant, revoke, fact).

The model:
  :relations             every relation: columns, tuples, base or derived
  :rules [REL]           the rules (all, or those deriving REL) with names, places and docs
  :facts REL             the tuples of REL as a table
  :stats                 tuples per relation; the last evaluation's time and rounds
  :format text|json|csv  how answers are written (text by default)
  :limit N|none          text answers show at most N rows, then how many more
                         (default: a screenful in a terminal, every row in a pipe)
  :load FILE             load a .facts (or raw fact) file; all or nothing
  :reload                reload the rules and facts from where they came from: files from disk,
                         the built-in rules and example from the binary (what-if changes are dropped)
  :help                  this text
  :quit, :q, Ctrl-D      leave
  Ctrl-C                 stop the running input; a change it stops leaves the model as it was

Tab completes commands, relation names, keywords and the names of users, tenants and
resources. Errors name their place as file:line:col; typed inputs are `<repl N>`.
";

type Result<T> = std::result::Result<T, Vec<Diagnostic>>;

fn error(code: &'static str, message: impl Into<String>) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, message)]
}

pub(super) fn dispatch(
    repl: &mut Repl,
    ws: &mut Workspace,
    name: &str,
    input: &str,
    out: &mut dyn Write,
) -> Result<Flow> {
    let trimmed = input.trim_start();
    let Some(rest) = trimmed.strip_prefix(':') else {
        let text = query(repl, ws, name, input)?;
        emit(out, &text);
        return Ok(Flow::Continue);
    };
    let (word, arg) = split_word(rest);
    // The argument keeps its place in the line, so columns in diagnostics match the input.
    let offset = input.len() - arg.len();
    let padded = pad(input, offset);
    let argument = arg.trim();
    let text = match word {
        "q" | "quit" | "exit" => return Ok(Flow::Quit),
        "help" | "h" | "?" => HELP.to_string(),
        "relations" => relations(ws),
        "stats" => stats(repl, ws),
        "rules" => rules(ws, argument)?,
        "facts" => facts(ws, argument)?,
        "load" => {
            // The report goes straight to the answer: a big load's is hundreds of MiB.
            load(repl, ws, argument, out)?;
            return Ok(Flow::Continue);
        }
        "reload" => reload(repl, ws)?,
        "assert" | "retract" => {
            let (verbose, body) = verbose_flag(&padded);
            if body.trim().is_empty() {
                return Err(error("E0801", format!("`:{word}` needs a statement or a fact"))
                    .into_iter()
                    .map(|d| d.help(format!("for example `:{word} grant can_use_secret on sf-creds in engineering to sam by maria.`")))
                    .collect());
            }
            let body = with_final_dot(&body);
            let started = Instant::now();
            let before = max_round(ws);
            let delta = if word == "assert" {
                ws.assert(name, &body)?
            } else {
                ws.retract(name, &body)?
            };
            note(repl, ws, format!(":{word}"), started, before);
            changes(ws.program(), &delta, verbose)
        }
        "undo" => {
            let (verbose, _) = verbose_flag(arg);
            let started = Instant::now();
            let before = max_round(ws);
            match super::load::undo(ws, verbose) {
                None => "nothing to undo\n".to_string(),
                Some(result) => {
                    let report = result?;
                    note(repl, ws, ":undo".into(), started, before);
                    format!("undone\n{report}")
                }
            }
        }
        "why" | "whynot" => {
            if argument.is_empty() {
                return Err(error("E0801", format!("`:{word}` needs a fact"))
                    .into_iter()
                    .map(|d| {
                        d.help(format!(
                            "for example `:{word} can_run(engineering, sales-360)`"
                        ))
                    })
                    .collect());
            }
            let text = padded.trim_end().trim_end_matches('?').to_string();
            let file = ws.sources.add(name, text.clone());
            explain_command(repl, ws, word, file).map_err(|diags| {
                // Errors echo the line as typed (`:why ...`), not the blanked copy parsed.
                let shown = input.get(..text.len()).unwrap_or(&text).to_string();
                let echo = ws.sources.add(name, shown);
                diags
                    .into_iter()
                    .map(|d| explain_hook::in_repl_words(relocate(d, file, echo)))
                    .collect::<Vec<_>>()
            })?
        }
        "depth" => depth(repl, argument)?,
        "timing" => timing(repl, argument)?,
        "audit" => audit(ws, argument)?,
        "changes" => super::session::changes(repl, ws)?,
        "save" => super::session::save(repl, ws, argument)?,
        "format" => super::output::format(repl, argument)?,
        "limit" => super::output::limit(repl, argument)?,
        "" => return Err(unknown_command(":")),
        other => return Err(unknown_command(other)),
    };
    emit(out, &text);
    Ok(Flow::Continue)
}

/// `:why` / `:whynot` of the atom in `file`.
fn explain_command(repl: &Repl, ws: &mut Workspace, word: &str, file: FileId) -> Result<String> {
    let mut atom = parse_atom(&ws.sources, file).map_err(|diags| {
        // `:why a, b`: the help must not say "separate literals with `,`".
        (diags.into_iter())
            .map(|mut d| {
                if d.message.ends_with("found `,`") {
                    d.help = Some(format!(
                        "`:{word}` explains one fact: ask `:{word}` of each in turn, or ask the query (without `:{word}`) to see whether they hold together"
                    ));
                }
                d
            })
            .collect::<Vec<_>>()
    })?;
    let warnings = crate::lint::check_atom(ws.model.symbols(), &mut atom);
    let text = if word == "why" && has_variables(&atom) {
        explain_hook::why_each(ws, &atom, repl.depth)?
    } else if has_named_variables(&atom) {
        explain_hook::why_not_each(ws, &atom, repl.depth)?
    } else {
        explain_hook::explain(ws, &atom, word == "whynot", repl.depth)?
    };
    Ok(with_warnings(ws, &warnings, text))
}

/// The diagnostic with its places in `from` moved to `to` (a file of the same length).
fn relocate(mut d: Diagnostic, from: FileId, to: FileId) -> Diagnostic {
    let move_span = |s: &mut crate::source::Span| {
        if s.file == from {
            s.file = to;
        }
    };
    if let Some(s) = d.span.as_mut() {
        move_span(s);
    }
    for (s, _) in &mut d.related {
        move_span(s);
    }
    d
}

fn has_named_variables(atom: &crate::syntax::ast::Atom) -> bool {
    use crate::syntax::ast::Term;
    atom.args.iter().any(|t| matches!(t, Term::Var(_)))
}

fn has_variables(atom: &crate::syntax::ast::Atom) -> bool {
    use crate::syntax::ast::Term;
    atom.args
        .iter()
        .any(|t| matches!(t, Term::Var(_) | Term::Anonymous(_)))
}

/// `:audit USER`: what `grantlog audit USER` prints, on the session's model.
fn audit(ws: &Workspace, user: &str) -> Result<String> {
    if user.is_empty() {
        return Err(error("E0801", "`:audit` needs a user")
            .into_iter()
            .map(|d| d.help("for example `:audit sam`"))
            .collect());
    }
    crate::audit::audit(&ws.model, &ws.sources, user)
        .map(|a| a.to_text())
        .map_err(|d| vec![d])
}

fn emit(out: &mut dyn Write, text: &str) {
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') && !text.is_empty() {
        let _ = out.write_all(b"\n");
    }
}

/// `input` with its first `offset` bytes blanked (line breaks kept).
fn pad(input: &str, offset: usize) -> String {
    input[..offset]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .chain(input[offset..].chars())
        .collect()
}

/// Split a leading `-v` from a command argument (kept in place as blanks).
fn verbose_flag(arg: &str) -> (bool, String) {
    let start = arg.len() - arg.trim_start().len();
    let rest = &arg[start..];
    match rest.strip_prefix("-v") {
        Some(after) if after.is_empty() || after.starts_with(char::is_whitespace) => {
            (true, format!("{}  {after}", &arg[..start]))
        }
        _ => (false, arg.to_string()),
    }
}

/// Add the final `.` a typed statement may lack.
fn with_final_dot(body: &str) -> String {
    let trimmed = body.trim_end();
    if trimmed.ends_with('.') {
        body.to_string()
    } else {
        format!("{trimmed}.")
    }
}

fn unknown_command(word: &str) -> Vec<Diagnostic> {
    let typed = format!(":{word}");
    let d = Diagnostic::error("E0800", format!("unknown command `{typed}`"));
    let d = match did_you_mean(&typed, COMMANDS.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "the commands are {}; `:help` explains them",
            COMMANDS.join(" ")
        )),
    };
    vec![d]
}

fn note(repl: &mut Repl, ws: &Workspace, what: String, started: Instant, before: u32) {
    let after = max_round(ws);
    repl.last_eval = Some(EvalNote {
        what,
        elapsed: started.elapsed(),
        rounds: if after >= before {
            after - before
        } else {
            after
        },
    });
}

fn query(repl: &Repl, ws: &mut Workspace, name: &str, input: &str) -> Result<String> {
    let file = ws.sources.add(name, input.trim_end());
    let q = match parse_query(&ws.sources, file) {
        Ok(q) => q,
        Err(mut diags) => {
            let first = input.split_whitespace().next().unwrap_or("");
            if crate::facts::STATEMENT_KEYWORDS.contains(&first) && !first.contains('(') {
                if let Some(d) = diags.first_mut() {
                    d.help = Some(format!(
                        "a `{first}` statement changes the model: type `:assert {}`",
                        input.trim()
                    ));
                }
            }
            return Err(diags);
        }
    };
    let mut q = q;
    let warnings = crate::lint::check_query(ws.model.symbols(), &mut q);
    let answer = ws.model.query(&ws.sources, &q)?;
    let text = super::output::answer(repl, input, &answer);
    Ok(with_warnings(ws, &warnings, text))
}

/// Warnings about the question (W0601, W0602) before its answer.
fn with_warnings(ws: &Workspace, warnings: &[Diagnostic], answer: String) -> String {
    if warnings.is_empty() {
        return answer;
    }
    format!(
        "{}\n{answer}",
        crate::diag::render_all(warnings, &ws.sources).trim_end()
    )
}

fn lookup(ws: &Workspace, rel: &str) -> Result<RelId> {
    if rel.is_empty() {
        return Err(error("E0801", "name a relation")
            .into_iter()
            .map(|d| d.help("`:relations` lists them"))
            .collect());
    }
    ws.program().relation(rel).ok_or_else(|| {
        let d = Diagnostic::error("E0101", format!("unknown relation `{rel}`"));
        vec![match did_you_mean(rel, ws.program().relation_names()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help("`:relations` lists them"),
        }]
    })
}

fn sorted_tuples(ws: &Workspace, rel: RelId) -> Vec<Vec<Const>> {
    let mut rows: Vec<Vec<Const>> = ws
        .model
        .tuples(rel)
        .map(|t| t.iter().map(|&v| ws.model.constant(v).clone()).collect())
        .collect();
    rows.sort();
    rows
}

fn relations(ws: &Workspace) -> String {
    let p = ws.program();
    let mut cells: Vec<Vec<String>> = p
        .relations()
        .map(|r| {
            vec![
                p.relation_name(r).to_string(),
                p.columns(r).join(", "),
                ws.model.len(r).to_string(),
                if p.is_derived(r) { "derived" } else { "base" }.to_string(),
            ]
        })
        .collect();
    cells.sort();
    table(
        &[
            "relation".into(),
            "columns".into(),
            "tuples".into(),
            "kind".into(),
        ],
        &cells,
    )
}

fn stats(repl: &Repl, ws: &Workspace) -> String {
    let p = ws.program();
    let mut cells: Vec<Vec<String>> = p
        .relations()
        .filter(|&r| ws.model.len(r) > 0)
        .map(|r| {
            vec![
                p.relation_name(r).to_string(),
                ws.model.len(r).to_string(),
                if p.is_derived(r) { "derived" } else { "base" }.to_string(),
            ]
        })
        .collect();
    cells.sort();
    let mut out = table(&["relation".into(), "tuples".into(), "kind".into()], &cells);
    let total: usize = p.relations().map(|r| ws.model.len(r)).sum();
    let empty = p.relations().filter(|&r| ws.model.len(r) == 0).count();
    let _ = writeln!(
        out,
        "{total} tuples ({} derived) in {} relations; {empty} relations are empty",
        ws.model.derived_count(),
        cells.len()
    );
    match &repl.last_eval {
        Some(e) => {
            let _ = writeln!(
                out,
                "last evaluation ({}): {:.3} ms, {}",
                e.what,
                e.elapsed.as_secs_f64() * 1000.0,
                plural(e.rounds as usize, "round")
            );
        }
        None => {
            let rounds = plural(max_round(ws) as usize, "round");
            let _ = writeln!(out, "last evaluation: at start, {rounds}");
        }
    }
    if let Some((now, peak)) = memory() {
        let _ = writeln!(out, "memory: {now} MiB resident, {peak} MiB at most");
    }
    out
}

/// Resident and peak resident memory of this process in MiB, where the system says
/// (Linux: /proc/self/status).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((kb("VmRSS:")? / 1024, kb("VmHWM:")? / 1024))
}

fn rules(ws: &Workspace, rel: &str) -> Result<String> {
    let p = ws.program();
    let ids: Vec<_> = if rel.is_empty() {
        p.rules().collect()
    } else {
        let r = lookup(ws, rel)?;
        if !p.is_derived(r) {
            return Ok(format!(
                "`{rel}` is a base relation: no rule derives it; its tuples come from facts (`:facts {rel}`)\n"
            ));
        }
        p.rules_for(r).collect()
    };
    let mut out = String::new();
    for id in ids {
        let info = p.rule_info(id);
        let _ = writeln!(out, "── {}  ({})", info.name, info.label);
        if let Some(doc) = &info.doc {
            for line in doc.lines() {
                let _ = writeln!(out, "/// {line}");
            }
        }
        let text = ws.sources.snippet(info.span);
        let _ = writeln!(out, "{}\n", text.trim());
    }
    Ok(out)
}

fn facts(ws: &Workspace, rel: &str) -> Result<String> {
    let r = lookup(ws, rel)?;
    let p = ws.program();
    let rows = sorted_tuples(ws, r);
    if p.arity(r) == 0 {
        return Ok(if rows.is_empty() { "no\n" } else { "yes\n" }.to_string());
    }
    let cells: Vec<Vec<String>> = rows.iter().map(|t| t.iter().map(plain).collect()).collect();
    let mut out = table(p.columns(r), &cells);
    let n = rows.len();
    let _ = writeln!(out, "({n} {})", if n == 1 { "row" } else { "rows" });
    Ok(out)
}

fn load(repl: &mut Repl, ws: &mut Workspace, argument: &str, out: &mut dyn Write) -> Result<()> {
    let (verbose, path) = verbose_flag(argument);
    let path = path.trim();
    if path.is_empty() {
        return Err(error("E0801", "`:load` needs a file")
            .into_iter()
            .map(|d| d.help("for example `:load examples/run-as.facts`"))
            .collect());
    }
    // A directory of manifests, tables and .facts files loads as one all-or-nothing read.
    let texts = crate::load::read_path(Path::new(path))?;
    let started = Instant::now();
    let before = max_round(ws);
    let header = format!("loaded {path}\n");
    super::load::load(repl.load_route, ws, &texts, verbose, &header, out)?;
    note(repl, ws, format!(":load {path}"), started, before);
    Ok(())
}

/// Reload from where the session's texts came from: a text taken from the binary (the
/// shipped rules, the worked example) stays as shipped, every file is re-read from disk.
fn reload(repl: &mut Repl, ws: &mut Workspace) -> Result<String> {
    let embedded = &repl.embedded;
    let reread = |texts: &[Text]| -> Result<Vec<Text>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for t in texts {
            if embedded.contains(t) {
                out.push(t.clone());
                continue;
            }
            match Text::read(Path::new(&t.name)) {
                Ok(new) => out.push(new),
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    };
    let rules = reread(&ws.rule_texts)?;
    let facts = reread(&ws.fact_texts)?;
    let started = Instant::now();
    // As the session was opened: the fast path for facts (a 75,000-user instance reloaded
    // through the ordinary reader took 3x as long).
    let fact_files = facts.len();
    match crate::inputs::open(&rules, facts, &ws.limits, true) {
        Ok(new) => {
            *ws = new;
            crate::allocator::give_back();
            repl.opened_facts = Some(ws.fact_texts.len());
            let elapsed = started.elapsed();
            repl.last_eval = Some(EvalNote {
                what: ":reload".into(),
                elapsed,
                rounds: max_round(ws),
            });
            let mut text = format!(
                "reloaded {} and {}; what-if changes and undo history are cleared\n",
                plural(rules.len(), "rule file"),
                plural(fact_files, "fact file")
            );
            if rules.iter().any(|t| embedded.contains(t)) {
                text.push_str("the rules are the ones built into grantlog");
                if shipped::disk_differs_here().is_some() {
                    text.push_str(
                        "; rules/dataos.dl in this directory differs from them \
                         (restart with `--rules rules/dataos.dl` to use it)",
                    );
                }
                text.push('\n');
            }
            Ok(text)
        }
        Err(failure) => {
            // The diagnostics point into the failed load's sources: render them here.
            let mut text = crate::diag::render_all(&failure.diagnostics, &failure.sources);
            text.push_str("reload failed; the previous state is kept\n");
            Err(vec![Diagnostic::error(
                "E0802",
                text.trim_end().to_string(),
            )])
        }
    }
}

fn timing(repl: &mut Repl, argument: &str) -> Result<String> {
    repl.timing = match argument {
        "on" | "" => true,
        "off" => false,
        other => {
            return Err(error("E0801", format!("`{other}` is not on or off"))
                .into_iter()
                .map(|d| d.help("write `:timing on` or `:timing off`"))
                .collect())
        }
    };
    Ok(format!(
        "timing is {}\n",
        if repl.timing {
            "on: each answer ends with `time: N ms`"
        } else {
            "off"
        }
    ))
}

fn depth(repl: &mut Repl, argument: &str) -> Result<String> {
    if argument.is_empty() || argument == "none" {
        repl.depth = None;
        return Ok("explanations are not depth-limited\n".into());
    }
    match argument.parse::<usize>() {
        Ok(n) if n > 0 => {
            repl.depth = Some(n);
            Ok(format!(
                "explanations go at most {} deep\n",
                plural(n, "rule")
            ))
        }
        _ => Err(error("E0801", format!("`{argument}` is not a depth"))
            .into_iter()
            .map(|d| d.help("write a positive number, e.g. `:depth 3`, or `:depth` for no limit"))
            .collect()),
    }
}
