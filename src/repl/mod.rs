//! The interactive session: queries, `:commands`, what-if changes and explanations.
//!
//! The REPL is a function of its input and output streams ([`run`]), so tests drive it
//! with a script; the binary wraps the same [`Repl::handle`] in a line editor
//! ([`terminal`]) when standard input is a terminal. An input that fails changes nothing.

mod commands;
pub mod explain_hook;
mod helper;
pub mod load;
pub mod output;
mod report;
pub mod session;
pub mod terminal;

use crate::diag::Diagnostic;
use crate::engine::limits::Scope;
use crate::load::Text;
use crate::syntax::is_incomplete;
use crate::workspace::Workspace;
use std::io::{self, BufRead, Write};
use std::time::Duration;

pub use commands::{COMMANDS, HELP};
pub use helper::ReplHelper;

/// What the caller should do after one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Inputs that were answered.
    pub inputs: usize,
    /// Inputs that failed (a script piped into `grantlog` exits 1 when this is not 0).
    pub errors: usize,
}

/// Session state beyond the workspace: input numbering, the explanation depth and the
/// last evaluation's cost (for `:stats`).
#[derive(Debug, Default)]
pub struct Repl {
    /// Number of the next input, for `<repl N>` source names.
    next_input: usize,
    /// `:depth N` for `:why` / `:whynot`.
    pub depth: Option<usize>,
    /// `:timing on`: each input's answer ends with how long it took.
    pub timing: bool,
    /// What the last evaluation was for, how long it took and how many rounds it ran.
    pub last_eval: Option<EvalNote>,
    pub summary: Summary,
    /// The texts the session took from the binary, not from disk: `:reload` keeps them.
    pub embedded: Vec<Text>,
    /// `:format`: how query answers are written.
    pub format: output::AnswerFormat,
    /// `:limit`: most rows a text answer shows (a screenful in a terminal, none in a pipe).
    pub limit: Option<usize>,
    /// How many of the workspace's fact texts the session opened with (set at its first
    /// input, and by `:reload`): `:changes` and `:save` compare with them.
    pub opened_facts: Option<usize>,
    /// Colour the diagnostics, as `eval` colours its own (`--color`, NO_COLOR, a terminal).
    pub colour: bool,
    /// Which way `:load` goes (applied, or by opening: see [`load`]).
    pub load_route: load::LoadRoute,
}

/// The cost of the last change that evaluated.
#[derive(Clone, Debug)]
pub struct EvalNote {
    pub what: String,
    pub elapsed: Duration,
    pub rounds: u32,
}

impl Repl {
    pub fn new() -> Repl {
        Repl {
            next_input: 1,
            load_route: load::LoadRoute::from_env(),
            ..Repl::default()
        }
    }

    /// Note how long opening the workspace took (shown by `:stats`).
    pub fn opened(&mut self, ws: &Workspace, elapsed: Duration) {
        self.last_eval = Some(EvalNote {
            what: "open".into(),
            elapsed,
            rounds: max_round(ws),
        });
    }

    /// Answer one complete input (a query or a `:command`, possibly several lines) and
    /// write the answer, or the diagnostics, to `out`.
    pub fn handle(&mut self, ws: &mut Workspace, input: &str, out: &mut dyn Write) -> Flow {
        let text = input.trim();
        if text.is_empty() || (text.starts_with("//") && !text.contains('\n')) {
            return Flow::Continue;
        }
        let n = self.next_input.max(1);
        self.next_input = n + 1;
        self.opened_facts.get_or_insert(ws.fact_texts.len());
        let name = format!("<repl {n}>");
        // One input is one command: its evaluations, queries and explanations share the
        // limits (and stop at Ctrl-C); its answer is written only once it is complete.
        let started = std::time::Instant::now();
        let scope = Scope::enter(&ws.limits);
        let mut answer = Vec::new();
        let mut result = commands::dispatch(self, ws, &name, input, &mut answer);
        if let (Ok(_), Err(e)) = (&result, scope.finish()) {
            result = Err(vec![e.to_diagnostic()]);
        }
        let flow = match result {
            Ok(flow) => {
                let _ = out.write_all(&answer);
                self.summary.inputs += 1;
                flow
            }
            Err(mut diags) => {
                interrupted_note(&mut diags, input);
                self.summary.errors += 1;
                let text = render_styled(&diags, &ws.sources, self.colour)
                    .replace(&format!("{name}.facts"), &name);
                let _ = out.write_all(text.as_bytes());
                Flow::Continue
            }
        };
        if self.timing {
            let ms = started.elapsed().as_secs_f64() * 1e3;
            let _ = writeln!(out, "time: {ms:.3} ms");
        }
        flow
    }
}

/// An interrupted input is named, with what it left: a change that stopped changed
/// nothing.
fn interrupted_note(diags: &mut [Diagnostic], input: &str) {
    let first = input.trim().lines().next().unwrap_or("");
    let change = [":assert", ":retract", ":load", ":undo"]
        .iter()
        .any(|c| first.starts_with(c));
    for d in diags.iter_mut() {
        match d.code {
            "E0403" => {
                d.message = format!("interrupted (Ctrl-C): `{first}`");
                d.help = Some(
                    "it was stopped before it finished; the model is as it was before it".into(),
                );
            }
            "E0401" | "E0402" if change => {
                let help = d.help.take().unwrap_or_default();
                d.help = Some(format!("{help}; nothing was changed"));
            }
            _ => {}
        }
    }
}

/// The last round the model's evaluations have run since it was built.
pub(crate) fn max_round(ws: &Workspace) -> u32 {
    ws.model.last_round()
}

/// True when `buffer` should continue on the next line: an unfinished query or rule
/// (the real parser decides), or an `:assert` / `:retract` whose statement has no final
/// `.` (or, for a raw fact, `)`) yet. Commands without a Datalog argument never continue.
pub fn needs_more(buffer: &str) -> bool {
    let text = buffer.trim();
    if text.is_empty() {
        return false;
    }
    if let Some(rest) = text.strip_prefix(':') {
        let (word, body) = split_word(rest);
        return match word {
            "assert" | "retract" => {
                let body = body.trim_start();
                let body = body.strip_prefix("-v").unwrap_or(body).trim();
                // A statement ends with `.`; a raw fact may also stop at its `)`.
                let end = strip_comment(body).trim_end();
                !body.is_empty() && !end.ends_with('.') && !end.ends_with(')')
            }
            "why" | "whynot" => is_incomplete(text),
            _ => false,
        };
    }
    is_incomplete(text)
}

/// The text of the last line without a trailing `// comment` (outside strings).
fn strip_comment(text: &str) -> &str {
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let line = &text[last_line_start..];
    let mut in_string = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                return &text[..last_line_start + i];
            }
            _ => {}
        }
    }
    text
}

/// `word rest` -> (`word`, `rest`).
pub(crate) fn split_word(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// Lines one input may run over before it is answered as it stands.
pub const MAX_INPUT_LINES: usize = 1000;

/// The plain prompt and the continuation prompt (the same width).
pub const PROMPT: &str = "grantlog> ";
pub const CONTINUE: &str = "     ...> ";

/// Run a session over streams: read inputs from `input` (continuing a line while the
/// parser says it is unfinished), answer each on `output`. With `interactive`, prompts
/// and a greeting are printed (plain text, no escape codes). Ends at EOF or `:quit`.
pub fn run(
    ws: &mut Workspace,
    input: impl BufRead,
    output: &mut impl Write,
    interactive: bool,
) -> io::Result<Summary> {
    let mut repl = Repl::new();
    run_with(&mut repl, ws, input, output, interactive)
}

/// [`run`] with a session the caller set up (e.g. with [`Repl::opened`]).
pub fn run_with(
    repl: &mut Repl,
    ws: &mut Workspace,
    mut input: impl BufRead,
    output: &mut impl Write,
    interactive: bool,
) -> io::Result<Summary> {
    if interactive {
        writeln!(output, "{}", greeting(ws))?;
    }
    let mut buffer = String::new();
    loop {
        if interactive {
            write!(
                output,
                "{}",
                if buffer.is_empty() { PROMPT } else { CONTINUE }
            )?;
            output.flush()?;
        }
        let mut bytes = Vec::new();
        let eof = input.read_until(b'\n', &mut bytes)? == 0;
        // Invalid UTF-8 ended the session; now each bad byte is U+FFFD, a located E0002.
        let line = String::from_utf8_lossy(&bytes).into_owned();
        if eof {
            if !buffer.trim().is_empty() {
                repl.handle(ws, &buffer, output);
            }
            if interactive {
                writeln!(output)?;
            }
            break;
        }
        // A new `:command` line never continues an unfinished input: answer that first.
        if !buffer.is_empty() && line.trim_start().starts_with(':') {
            let unfinished = std::mem::take(&mut buffer);
            if repl.handle(ws, &unfinished, output) == Flow::Quit {
                break;
            }
        }
        let continuing = !buffer.is_empty();
        buffer.push_str(&line);
        // A blank line cannot finish an unfinished input: no re-parse (many blank lines
        // after an open parenthesis were quadratic). An input past MAX_INPUT_LINES is
        // answered as it stands (its syntax error says what is open).
        if continuing && line.trim().is_empty() {
            continue;
        }
        if needs_more(&buffer) && buffer.lines().count() < MAX_INPUT_LINES {
            continue;
        }
        let complete = std::mem::take(&mut buffer);
        if repl.handle(ws, &complete, output) == Flow::Quit {
            break;
        }
        output.flush()?;
    }
    output.flush()?;
    Ok(repl.summary)
}

/// The first lines of an interactive session.
pub fn greeting(ws: &Workspace) -> String {
    let rules = ws
        .rule_texts
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let facts = if ws.fact_texts.is_empty() {
        "no fact files".to_string()
    } else {
        ws.fact_texts
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "grantlog {}: rules {rules}; facts {facts}.\nType a query such as {}, or `:help`.",
        env!("CARGO_PKG_VERSION"),
        suggestion(ws)
    )
}

/// A first question about the instance actually loaded: why a blocked workload cannot
/// run, else why one can, else the first tuple of the last derived relation.
fn suggestion(ws: &Workspace) -> String {
    let program = ws.program();
    let first = |rel: &str| {
        let r = program.relation(rel)?;
        let mut rows: Vec<Vec<String>> = ws
            .model
            .tuples(r)
            .map(|t| {
                t.iter()
                    .map(|&v| ws.model.constant(v).to_string())
                    .collect()
            })
            .collect();
        rows.sort();
        rows.into_iter().next()
    };
    if let Some(row) = first("blocked").filter(|r| r.len() == 2) {
        return format!(
            "`can_run({}, W)` or `:whynot can_run({}, {})`",
            row[0], row[0], row[1]
        );
    }
    if let Some(row) = first("can_run").filter(|r| r.len() == 2) {
        return format!(
            "`can_run({}, W)` or `:why can_run({}, {})`",
            row[0], row[0], row[1]
        );
    }
    let derived = program.relations().filter(|&r| program.is_derived(r));
    match derived.last() {
        Some(r) => {
            let name = program.relation_name(r);
            let vars: Vec<String> = (0..program.arity(r))
                .map(|i| format!("X{}", i + 1))
                .collect();
            format!("`{name}({})`", vars.join(", "))
        }
        None => "`:relations` (to see what is loaded)".into(),
    }
}

/// Diagnostics in source order, each with file:line:col (no closing count: one input
/// at a time).
pub fn render(diags: &[Diagnostic], sources: &crate::source::SourceMap) -> String {
    render_styled(diags, sources, false)
}

/// [`render`], coloured when `color`.
pub fn render_styled(
    diags: &[Diagnostic],
    sources: &crate::source::SourceMap,
    color: bool,
) -> String {
    // Capped per file (crate::diag::MAX_PER_FILE): thousands of errors stay readable.
    let mut out = String::new();
    let notes = crate::diag::render_capped_styled(diags, sources, color, &mut |t| out.push_str(t));
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out
}
