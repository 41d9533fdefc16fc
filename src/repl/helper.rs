//! The line editor's helper: validation by the real parser, completion of commands,
//! relations, keywords and the loaded names, and highlighting by the real lexer.

use super::commands::COMMANDS;
use super::needs_more;
use crate::facts::{KINDS, PERMISSIONS, STATEMENT_KEYWORDS};
use crate::style::{paint, Role};
use crate::syntax::lexer::is_bare_symbol;
use crate::syntax::{highlight_tokens, TokenClass, KEYWORDS};
use crate::workspace::Workspace;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Words Tab may complete to, refreshed after every input.
#[derive(Default)]
pub struct ReplHelper {
    relations: BTreeSet<String>,
    words: BTreeSet<String>,
    /// What the facts language names, for completion by context.
    tenants: BTreeSet<String>,
    users: BTreeSet<String>,
    /// (name, kind) of every resource.
    resources: BTreeSet<(String, String)>,
    /// Per relation, per column: constants seen there (a bounded sample).
    columns: std::collections::BTreeMap<String, Vec<BTreeSet<String>>>,
    files: FilenameCompleter,
    /// Colour the input (only in a terminal).
    pub colour: bool,
}

impl ReplHelper {
    pub fn new(ws: &Workspace, colour: bool) -> ReplHelper {
        let mut h = ReplHelper {
            colour,
            ..ReplHelper::default()
        };
        h.refresh(ws);
        h
    }

    /// Re-read relation names and constants from the workspace.
    pub fn refresh(&mut self, ws: &Workspace) {
        self.relations = ws.program().relation_names().map(str::to_owned).collect();
        let mut words: BTreeSet<String> = BTreeSet::new();
        words.extend(KEYWORDS.iter().map(|s| s.to_string()));
        words.extend(STATEMENT_KEYWORDS.iter().map(|s| s.to_string()));
        words.extend(PERMISSIONS.iter().map(|s| s.to_string()));
        words.extend(KINDS.iter().map(|s| s.to_string()));
        words.extend(ws.instance.users().map(str::to_owned));
        words.extend(ws.instance.tenants().map(str::to_owned));
        words.extend(ws.instance.resources().map(|(_, r, _)| r.to_owned()));
        let symbols = ws.model.symbols();
        for i in 0..symbols.len() as u32 {
            if let crate::syntax::ast::Const::Sym(s) = ws.model.constant(crate::engine::Value(i)) {
                if is_bare_symbol(s) {
                    words.insert(s.clone());
                }
            }
        }
        self.words = words;
        self.tenants = ws.instance.tenants().map(str::to_owned).collect();
        self.users = ws.instance.users().map(str::to_owned).collect();
        self.resources = ws
            .instance
            .resources()
            .map(|(_, r, k)| (r.to_owned(), k.to_owned()))
            .collect();
        self.columns = column_samples(ws);
    }

    /// The candidates for the word ending at `pos`: (start of the word, candidates).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-' || *c == ':'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        if word.starts_with(':') {
            if before[..start].trim().is_empty() {
                let found = COMMANDS
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| c.to_string())
                    .collect();
                return (start, found);
            }
            return (start, Vec::new());
        }
        if let Some(context) = self.by_context(&before[..start]) {
            let found = context
                .into_iter()
                .filter(|w| w.starts_with(word))
                .collect();
            return (start, found);
        }
        let mut found: Vec<String> = self
            .relations
            .iter()
            .filter(|r| r.starts_with(word))
            .cloned()
            .collect();
        found.extend(
            self.words
                .iter()
                .filter(|w| w.starts_with(word) && !self.relations.contains(*w))
                .cloned(),
        );
        (start, found)
    }
}

/// At most this many rows of each relation are read for column samples, and at most
/// this many distinct constants kept per column: completion stays instant at 1M facts.
const SAMPLE_ROWS: usize = 20_000;
const SAMPLE_VALUES: usize = 500;

fn column_samples(ws: &Workspace) -> std::collections::BTreeMap<String, Vec<BTreeSet<String>>> {
    let program = ws.program();
    let mut out = std::collections::BTreeMap::new();
    for rel in program.relations() {
        let mut cols: Vec<BTreeSet<String>> = vec![BTreeSet::new(); program.arity(rel)];
        for t in ws.model.tuples(rel).take(SAMPLE_ROWS) {
            for (c, v) in cols.iter_mut().zip(t) {
                if c.len() < SAMPLE_VALUES {
                    if let crate::syntax::ast::Const::Sym(s) = ws.model.constant(*v) {
                        if is_bare_symbol(s) {
                            c.insert(s.clone());
                        }
                    }
                }
            }
        }
        out.insert(program.relation_name(rel).to_string(), cols);
    }
    // An empty column of a derived relation (`can_run` when nothing runs) offers what its
    // rules could put there: the column of the premise that binds it (`workload(T, W)`).
    let mut traced = out.clone();
    for rel in program.relations() {
        let name = program.relation_name(rel);
        for col in 0..program.arity(rel) {
            if out[name][col].is_empty() {
                let mut seen = Vec::new();
                traced.get_mut(name).expect("every relation")[col] =
                    column_type(program, &out, rel, col, &mut seen);
            }
        }
    }
    traced
}

/// The constants a column can hold: its own when it has some, else the union, over the
/// rules of its relation, of the column of the first positive premise binding it (or the
/// head's constant there), followed down through empty relations. `seen` cuts cycles.
fn column_type(
    program: &crate::program::Program,
    samples: &std::collections::BTreeMap<String, Vec<BTreeSet<String>>>,
    rel: crate::program::RelId,
    col: usize,
    seen: &mut Vec<(crate::program::RelId, usize)>,
) -> BTreeSet<String> {
    use crate::program::{Arg, BodyLiteral};
    let own = &samples[program.relation_name(rel)][col];
    if !own.is_empty() || seen.contains(&(rel, col)) || seen.len() > 16 {
        return own.clone();
    }
    seen.push((rel, col));
    let mut out = BTreeSet::new();
    for r in program.rules_for(rel) {
        let rule = program.rule(r);
        match rule.head_args.get(col) {
            Some(Arg::Var(v)) => {
                let premise = rule.body.iter().find_map(|lit| match lit {
                    BodyLiteral::Positive(a) => a
                        .args
                        .iter()
                        .position(|x| *x == Arg::Var(*v))
                        .map(|j| (a.rel, j)),
                    _ => None,
                });
                if let Some((r2, j)) = premise {
                    out.extend(column_type(program, samples, r2, j, seen));
                }
            }
            Some(Arg::Const(c)) => {
                if let crate::syntax::ast::Const::Sym(s) = &program.constants()[c.0 as usize] {
                    if is_bare_symbol(s) {
                        out.insert(s.clone());
                    }
                }
            }
            _ => {}
        }
        if out.len() >= SAMPLE_VALUES {
            break;
        }
    }
    out
}

impl ReplHelper {
    /// Candidates that the words before the cursor call for: after `in` the tenants,
    /// after `on` the resources, after `to`/`by`/`from` the users, after `grant` the
    /// permissions, after `type:` the kinds, after `compute:` (and the other dependency
    /// fields) the resources of that kind; inside `rel(...)` the constants of that column.
    /// `None` where the context says nothing (then every name is offered).
    fn by_context(&self, before: &str) -> Option<Vec<String>> {
        let words: Vec<&str> = before.split_whitespace().collect();
        let last = words.last().copied().unwrap_or("");
        let owned = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
        let of_kind = |k: &str| {
            self.resources
                .iter()
                .filter(|(_, kind)| kind == k || (k == "cluster" && kind == "minerva"))
                .map(|(r, _)| r.clone())
                .collect::<Vec<_>>()
        };
        // Commands that take one name: `:audit` a user, `:facts` a relation.
        match words.as_slice() {
            [":audit"] => return Some(owned(&self.users)),
            [":facts"] => return Some(owned(&self.relations)),
            _ => {}
        }
        let statement = words.iter().any(|w| STATEMENT_KEYWORDS.contains(w));
        if statement
            || words
                .first()
                .is_some_and(|w| *w == ":assert" || *w == ":retract")
        {
            return match last {
                "in" => Some(owned(&self.tenants)),
                "on" => Some(self.resources.iter().map(|(r, _)| r.clone()).collect()),
                "to" | "by" | "from" | "owner:" | "submitter:" | "runAsUser:" | "invite"
                | "role" => Some(owned(&self.users)),
                "grant" | "revoke" => {
                    let mut p: Vec<String> = PERMISSIONS.iter().map(|s| s.to_string()).collect();
                    p.push("run-as".into());
                    Some(p)
                }
                "type:" => Some(KINDS.iter().map(|s| s.to_string()).collect()),
                "compute:" | "depot:" | "secret:" | "cluster:" => {
                    Some(of_kind(last.trim_end_matches(':')))
                }
                _ => None,
            };
        }
        // Inside an atom: the relation and the column the cursor is in.
        let open = before.rfind('(')?;
        if before[open..].contains(')') {
            return None;
        }
        let name_start = before[..open]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let rel = &before[name_start..open];
        let column = before[open..].matches(',').count();
        let values = self.columns.get(rel)?.get(column)?;
        Some(values.iter().cloned().collect())
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if line.trim_start().starts_with(":load ") {
            return self.files.complete(line, pos, ctx);
        }
        let (start, words) = self.candidates(line, pos);
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// On a continuation line (the input so far is unfinished), say so, so that a
    /// forgotten `.` or `)` does not look like a hang.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        continuation_hint(line, pos)
    }
}

/// The hint shown at the end of an unfinished multi-line input.
pub fn continuation_hint(line: &str, pos: usize) -> Option<String> {
    let on_new_line = line.contains('\n');
    (pos == line.len() && on_new_line && needs_more(line))
        .then(|| "   ... (unfinished: close it, or end with `.`; Ctrl-C drops it)".to_string())
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if needs_more(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

/// The colour role of a token class.
fn role(class: TokenClass) -> Option<Role> {
    match class {
        TokenClass::Keyword => Some(Role::Keyword),
        TokenClass::Ident => None,
        TokenClass::Variable => Some(Role::Variable),
        TokenClass::String => Some(Role::String),
        TokenClass::Number => Some(Role::Number),
        TokenClass::Comment => Some(Role::Comment),
        TokenClass::Punctuation => None,
        TokenClass::Error => Some(Role::Error),
    }
}

/// `line` coloured from the real lexer; a leading `:command` is bold, relation names
/// cyan, statement keywords of `:assert` / `:retract` like keywords.
pub fn highlight_line(line: &str, relations: &BTreeSet<String>) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut body_start = 0;
    let trimmed = line.trim_start();
    let mut statement = false;
    if trimmed.starts_with(':') {
        let lead = line.len() - trimmed.len();
        let end = trimmed
            .find(char::is_whitespace)
            .map_or(line.len(), |i| lead + i);
        out.push_str(&line[..lead]);
        out.push_str(&paint(&line[lead..end], Role::Strong, true));
        statement = matches!(&line[lead..end], ":assert" | ":retract");
        body_start = end;
    }
    let body = &line[body_start..];
    let tokens = highlight_tokens(body);
    let mut at = 0;
    let mut first = true;
    for (i, (class, range)) in tokens.iter().enumerate() {
        if range.start < at || range.end > body.len() {
            continue;
        }
        out.push_str(&body[at..range.start]);
        let text = &body[range.clone()];
        let next_is_paren = tokens
            .get(i + 1)
            .is_some_and(|(_, r)| body[r.clone()].starts_with('('));
        let r = match class {
            TokenClass::Ident if next_is_paren && relations.contains(text) => Some(Role::Relation),
            TokenClass::Ident if statement && first && STATEMENT_KEYWORDS.contains(&text) => {
                Some(Role::Keyword)
            }
            c => role(*c),
        };
        if *class != TokenClass::Comment {
            first = false;
        }
        match r {
            Some(r) => out.push_str(&paint(text, r, true)),
            None => out.push_str(text),
        }
        at = range.end;
    }
    out.push_str(&body[at..]);
    out
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour || line.is_empty() {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_line(line, &self.relations))
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.colour {
            Cow::Owned(paint(prompt, Role::Prompt, true))
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.colour {
            Cow::Owned(paint(hint, Role::Comment, true))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {

    #[test]
    fn an_unfinished_input_on_a_second_line_is_hinted() {
        let open = "can_run(engineering,\n";
        assert!(continuation_hint(open, open.len())
            .unwrap()
            .contains("unfinished"));
        let done = "can_run(engineering,\n sales-360)";
        assert_eq!(continuation_hint(done, done.len()), None);
        assert_eq!(
            continuation_hint("can_run(", 8),
            None,
            "first line: no hint yet"
        );
    }

    use super::*;

    #[test]
    fn highlighting_keeps_the_text() {
        let rels: BTreeSet<String> = ["can_run".to_string()].into();
        for line in [
            "can_run(engineering, X), !blocked(T, \"a b\") // c",
            ":assert grant can_use on x in t to u by v.",
            ":why can_run(e, 'bad",
            "é ü (",
        ] {
            let h = highlight_line(line, &rels);
            let stripped = crate::style::strip(&h);
            assert_eq!(stripped, line);
        }
        assert!(highlight_line("can_run(X)", &rels).contains("\x1b[36mcan_run"));
    }

    #[test]
    fn completes_commands_and_relations() {
        let h = ReplHelper {
            relations: ["missing_permission".to_string(), "can_run".to_string()].into(),
            words: ["sam".to_string(), "sales-360".to_string()].into(),
            ..ReplHelper::default()
        };
        assert_eq!(
            h.candidates("missing_perm", 12),
            (0, vec!["missing_permission".to_string()])
        );
        assert_eq!(h.candidates(":wh", 3).1, vec![":why", ":whynot"]);
        assert_eq!(
            h.candidates("can_run(engineering, sa", 23),
            (21, vec!["sales-360".to_string(), "sam".to_string()])
        );
    }
}
