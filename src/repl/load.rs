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
use crate::workspace::Workspace;
use std::io::Write;

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

/// `:load`: all or nothing, undoable, by the way `route` and the sizes choose; the report
/// of the decisions it changed (`verbose`: every derived relation listed).
pub fn load(
    route: LoadRoute,
    ws: &mut Workspace,
    texts: &[Text],
    verbose: bool,
    header: &str,
    out: &mut dyn Write,
) -> Result<()> {
    if reopens(route, ws, texts) {
        let n = ws.fact_texts.len();
        let mut all = ws.fact_texts.clone();
        all.extend(texts.iter().cloned());
        match crate::inputs::open(&ws.rule_texts, all, &ws.limits, true) {
            Ok(new) => {
                let first_loaded = new.sources.len() - texts.len();
                let refused = refusals(&new, first_loaded);
                let _ = out.write_all(header.as_bytes());
                report(&ws.model, &new.model, &refused, verbose, out);
                let dropped = ws.replace_opened(new, Some(n));
                let _ = out.write_all(super::report::undo_note(dropped).as_bytes());
                return Ok(());
            }
            // A limit or Ctrl-C: the session is kept as it was.
            Err(f) if f.diagnostics.iter().all(|d| d.span.is_none()) => return Err(f.diagnostics),
            // Errors in the texts are reported by the ordinary path, located in the
            // session's sources (it stops at the check, before any fact is applied).
            Err(_) => {}
        }
    }
    let delta = ws.load(texts)?;
    let _ = out.write_all(header.as_bytes());
    let _ = out.write_all(super::report::changes(ws.program(), &delta, verbose).as_bytes());
    Ok(())
}

/// `:undo`: the last step reversed (a load taken by opening by opening again), and the
/// report of the decisions it changed. `None`: nothing to undo.
pub fn undo(ws: &mut Workspace, verbose: bool) -> Option<Result<String>> {
    let Some(n) = ws.undo_reopens() else {
        let result = ws.undo()?;
        return Some(result.map(|delta| super::report::changes(ws.program(), &delta, verbose)));
    };
    let texts = ws.fact_texts[..n].to_vec();
    Some(
        match crate::inputs::open(&ws.rule_texts, texts, &ws.limits, true) {
            Ok(new) => {
                let mut text = Vec::new();
                report(&ws.model, &new.model, &[], verbose, &mut text);
                ws.replace_opened(new, None);
                Ok(String::from_utf8_lossy(&text).into_owned())
            }
            Err(f) if f.diagnostics.iter().all(|d| d.span.is_none()) => Err(f.diagnostics),
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

/// The report of the change from `old` to `new`, as [`super::report::changes`] words a
/// change applied to the model (without the undo note), written straight from the two
/// models: a load of a million facts changes millions of decisions, and a
/// [`crate::workspace::Delta`] holds each as strings (1.5 GB at 75,000 users). Every
/// derived relation that changed lies downstream of a base relation that changed, so
/// comparing them all compares those the ordinary path compares.
pub fn report(old: &Model, new: &Model, refused: &[String], verbose: bool, out: &mut dyn Write) {
    let p = new.program();
    let (to_old, to_new) = (translation(new, old), translation(old, new));
    let (rank_old, rank_new) = (ranks(old), ranks(new));
    // Per derived relation that changed: its name, gained tuples (of `new`) and lost
    // (of `old`), each sorted as `Const`s sort.
    let mut changed = Vec::new();
    for r in p.relations().filter(|&r| p.is_derived(r)) {
        let name = p.relation_name(r);
        let Some(ro) = old.program().relation(name) else {
            continue;
        };
        let mut gained: Vec<&[Value]> = missing(new, r, old, ro, &to_old).collect();
        let mut lost: Vec<&[Value]> = missing(old, ro, new, r, &to_new).collect();
        sort(&mut gained, &rank_new);
        sort(&mut lost, &rank_old);
        if !gained.is_empty() || !lost.is_empty() {
            changed.push((r, name, gained, lost));
        }
    }
    for r in refused {
        let _ = writeln!(out, "{r}");
    }
    if changed.is_empty() && refused.is_empty() {
        let _ = writeln!(out, "no derived fact changed");
        return;
    }
    let listed = |out: &mut dyn Write, name: &str, gained: &[&[Value]], lost: &[&[Value]]| {
        for (sign, model, tuples) in [('+', new, gained), ('-', old, lost)] {
            for t in tuples {
                let _ = write!(out, "{sign} {name}(");
                for (i, &v) in t.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    let _ = write!(out, "{comma}{}", model.constant(v));
                }
                let _ = out.write_all(b")\n");
            }
        }
    };
    let decisions: Vec<RelId> = p.decisions().collect();
    let mut any = false;
    for d in &decisions {
        if let Some((_, name, g, l)) = changed.iter().find(|c| c.0 == *d) {
            any = true;
            listed(out, name, g, l);
        }
    }
    if !any {
        let _ = writeln!(out, "no decision changed");
    }
    let mut others: Vec<_> = (changed.iter())
        .filter(|c| !decisions.contains(&c.0))
        .collect();
    others.sort_by_key(|c| c.1);
    if verbose {
        for (_, name, g, l) in others {
            listed(out, name, g, l);
        }
    } else if !others.is_empty() {
        let parts: Vec<String> = (others.iter())
            .map(|(_, r, g, l)| match (g.len(), l.len()) {
                (0, l) => format!("{r} -{l}"),
                (g, 0) => format!("{r} +{g}"),
                (g, l) => format!("{r} +{g} -{l}"),
            })
            .collect();
        let _ = writeln!(out, "  also: {} (`-v` lists them)", parts.join(", "));
    }
}

/// Tuples in the order of their constants (`rank`: see [`ranks`]).
fn sort(tuples: &mut [&[Value]], rank: &[u32]) {
    tuples.sort_unstable_by(|a, b| {
        (a.iter().map(|v| rank[v.0 as usize])).cmp(b.iter().map(|v| rank[v.0 as usize]))
    });
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

/// Per value of a model, its place in the order of the constants (as `Const`s sort).
fn ranks(model: &Model) -> Vec<u32> {
    let constants = model.symbols().constants();
    let mut order: Vec<u32> = (0..constants.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| constants[a as usize].cmp(&constants[b as usize]));
    let mut rank = vec![0; constants.len()];
    for (i, &v) in order.iter().enumerate() {
        rank[v as usize] = i as u32;
    }
    rank
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
