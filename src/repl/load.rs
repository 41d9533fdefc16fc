//! `:load` of a big file at the cost of opening it, and its `:undo`.
//!
//! Applying a file to a session ([`Workspace::load`]) goes through the statement reader,
//! the transaction journal, the change tracker and an undo step that holds every fact:
//! for a million facts, 3.5 times the time and memory of opening the same file. When the
//! session's model is still the one its texts make ([`Workspace::as_opened`]), the same
//! model is had by opening the session's texts and the loaded ones together through the
//! fast path ([`crate::inputs::open`]); `:undo` then opens the session's texts again.
//!
//! That is exact only when the order of the facts is the same both ways: opening reads
//! raw fact files before `.facts` statements, so the session's texts must hold no
//! statements (an empty session, or raw facts only), or a loaded raw fact would be seen by
//! the session's grants. The report is the difference of the two models' derived
//! relations, which is what the ordinary path reports (every derived relation that
//! changed lies downstream of a base relation that changed).

use crate::diag::Diagnostic;
use crate::engine::{Model, Value};
use crate::facts::ActionKind;
use crate::load::Text;
use crate::program::RelId;
use crate::syntax::ast::Const;
use crate::workspace::{Delta, Workspace};

type Result<T> = std::result::Result<T, Vec<Diagnostic>>;

/// Which way `:load` goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRoute {
    /// By opening when it is exact and the loaded texts are big (see [`reopens`]).
    #[default]
    Auto,
    /// Always applied to the model ([`Workspace::load`]).
    Apply,
    /// By opening whenever it is exact.
    Open,
}

impl LoadRoute {
    /// `GRANTLOG_LOAD_ROUTE=apply|open|auto` (benchmarks compare the two ways).
    pub fn from_env() -> LoadRoute {
        match std::env::var("GRANTLOG_LOAD_ROUTE").as_deref() {
            Ok("apply") => LoadRoute::Apply,
            Ok("open") => LoadRoute::Open,
            _ => LoadRoute::Auto,
        }
    }
}

/// Loaded texts smaller than this are applied: a what-if `:load` of a few statements
/// takes milliseconds that way, and opening reads the whole session again.
pub const OPEN_BYTES: usize = 1 << 20;

/// Whether `:load` of `texts` opens instead of applying.
pub fn reopens(route: LoadRoute, ws: &Workspace, texts: &[Text]) -> bool {
    let statements = |t: &Text| crate::load::is_statement_text(&t.name, &t.text);
    let exact = ws.as_opened
        && !ws.fact_texts.iter().any(statements)
        && !crate::facts::keep_going::active();
    let bytes = |ts: &[Text]| ts.iter().map(|t| t.text.len()).sum::<usize>();
    let loaded = bytes(texts);
    // Opening reads the session's texts again: worth it when the load is as big.
    let big = loaded >= OPEN_BYTES && loaded * 2 >= bytes(&ws.fact_texts);
    exact
        && match route {
            LoadRoute::Auto => big,
            LoadRoute::Apply => false,
            LoadRoute::Open => true,
        }
}

/// `:load`: all or nothing, undoable, by the way `route` and the sizes choose.
pub fn load(route: LoadRoute, ws: &mut Workspace, texts: &[Text], list_all: bool) -> Result<Delta> {
    if reopens(route, ws, texts) {
        let n = ws.fact_texts.len();
        let mut all = ws.fact_texts.clone();
        all.extend(texts.iter().cloned());
        match crate::inputs::open(&ws.rule_texts, all, &ws.limits, true) {
            Ok(new) => {
                let first_loaded = new.sources.len() - texts.len();
                let mut delta = compare(&ws.model, &new.model, list_all);
                delta.refused = refusals(&new, first_loaded);
                delta.undo_dropped = ws.replace_opened(new, Some(n));
                return Ok(delta);
            }
            // A limit or Ctrl-C: the session is kept as it was.
            Err(f) if f.diagnostics.iter().all(|d| d.span.is_none()) => return Err(f.diagnostics),
            // Errors in the texts are reported by the ordinary path, located in the
            // session's sources (it stops at the check, before any fact is applied).
            Err(_) => {}
        }
    }
    let mut delta = ws.load(texts)?;
    if !list_all {
        count_others(ws, &mut delta);
    }
    Ok(delta)
}

/// `:undo`: the last step reversed, a load taken by opening by opening again.
pub fn undo(ws: &mut Workspace, list_all: bool) -> Option<Result<Delta>> {
    let Some(n) = ws.undo_reopens() else {
        return ws.undo();
    };
    let texts = ws.fact_texts[..n].to_vec();
    Some(
        match crate::inputs::open(&ws.rule_texts, texts, &ws.limits, true) {
            Ok(new) => {
                let delta = compare(&ws.model, &new.model, list_all);
                ws.replace_opened(new, None);
                Ok(delta)
            }
            Err(f) => Err(vec![Diagnostic::error(
                "E0802",
                crate::diag::render_all(&f.diagnostics, &f.sources)
                    .trim_end()
                    .to_string(),
            )
            .help("the session is kept as it was; `:undo` again tries again")]),
        },
    )
}

/// The derived tuples `new` has and `old` has not (gained) and the other way (lost), as
/// [`Workspace::load`] reports them; with `list_all` false only the decision relations
/// are listed, the others counted ([`Delta::counted`]).
pub fn compare(old: &Model, new: &Model, list_all: bool) -> Delta {
    let p = new.program();
    let to_old = translation(new, old);
    let to_new = translation(old, new);
    let mut delta = Delta::default();
    for r in p.relations().filter(|&r| p.is_derived(r)) {
        let name = p.relation_name(r);
        let Some(ro) = old.program().relation(name) else {
            continue;
        };
        let listed = list_all || p.decisions().any(|d| d == r);
        let mut counts = [0, 0];
        for (i, (from, rf, to, rt, map)) in [(new, r, old, ro, &to_old), (old, ro, new, r, &to_new)]
            .into_iter()
            .enumerate()
        {
            let out = if i == 0 {
                &mut delta.gained
            } else {
                &mut delta.lost
            };
            for t in missing(from, rf, to, rt, map) {
                counts[i] += 1;
                if listed {
                    let consts = t.iter().map(|&v| from.constant(v).clone()).collect();
                    out.push((name.to_string(), consts));
                }
            }
        }
        if !listed && counts != [0, 0] {
            delta.counted.push((name.to_string(), counts[0], counts[1]));
        }
    }
    delta.gained.sort();
    delta.lost.sort();
    delta
}

/// The tuples of `from`'s relation `rf` that `to`'s `rt` does not hold (`map`: `from`'s
/// values in `to`, see [`translation`]).
fn missing<'m>(
    from: &'m Model,
    rf: RelId,
    to: &'m Model,
    rt: RelId,
    map: &'m [Option<Value>],
) -> impl Iterator<Item = &'m [Value]> + 'm {
    let mut row = Vec::new();
    from.tuples(rf).filter(move |t| {
        row.clear();
        for v in t.iter() {
            match map[v.0 as usize] {
                Some(w) => row.push(w),
                // A constant `to` has nowhere: no tuple of `to` holds it.
                None => return true,
            }
        }
        !to.contains(rt, &row)
    })
}

/// Per value of `from`, the same constant's value in `to` (`None`: `to` has it nowhere).
fn translation(from: &Model, to: &Model) -> Vec<Option<Value>> {
    (from.symbols().constants().iter())
        .map(|c| to.symbols().get(c))
        .collect()
}

/// The grants and revocations of the loaded files (from source file `first` on) that had
/// no effect, in statement order, as [`Workspace::load`] words them.
fn refusals(ws: &Workspace, first: usize) -> Vec<String> {
    let p = ws.program();
    let mut found = Vec::new();
    for r in p.relations() {
        let name = p.relation_name(r);
        if ActionKind::of_refused(name).is_none() {
            continue;
        }
        for (t, span) in ws.model.base_facts(r) {
            if (span.file.0 as usize) < first || !ws.model.contains(r, t) {
                continue;
            }
            let values: Vec<Const> = t.iter().map(|&v| ws.model.constant(v).clone()).collect();
            if let Some(note) = ActionKind::refusal_note(name, &values) {
                let text = ws.sources.snippet(span);
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                found.push(((span.file.0, span.start), format!("`{text}` {note}")));
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, s)| s).collect()
}

/// Relations other than the decisions reported by count only (as the report shows them
/// without `-v`): their tuples need not be kept.
fn count_others(ws: &Workspace, delta: &mut Delta) {
    let p = ws.program();
    let decisions: Vec<&str> = p.decisions().map(|r| p.relation_name(r)).collect();
    let mut counts: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for (list, gained) in [(&mut delta.gained, true), (&mut delta.lost, false)] {
        list.retain(|(rel, _)| {
            if decisions.contains(&rel.as_str()) {
                return true;
            }
            let c = counts.entry(rel.clone()).or_default();
            if gained {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
            false
        });
    }
    delta
        .counted
        .extend(counts.into_iter().map(|(r, (g, l))| (r, g, l)));
}
