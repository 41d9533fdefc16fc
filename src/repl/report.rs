//! The report of a change (`:assert`, `:retract`, `:undo`, `:load`): refused actions,
//! then the decisions (`@decision` relations) tuple by tuple, the rest as counts.

use crate::program::Program;
use crate::syntax::ast::Const;
use crate::workspace::Delta;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A change's report: decision relations tuple by tuple (`+ can_run(...)`), the rest as
/// counts unless `verbose`.
pub(crate) fn changes(program: &Program, delta: &Delta, verbose: bool) -> String {
    let mut out = String::new();
    for r in &delta.refused {
        let _ = writeln!(out, "{r}");
    }
    out.push_str(&decision_changes(program, delta, verbose));
    out.push_str(&undo_note(delta.undo_dropped));
    out
}

/// The note that a change pushed `dropped` old steps out of the undo history.
pub(crate) fn undo_note(dropped: usize) -> String {
    if dropped == 0 {
        return String::new();
    }
    format!(
        "note: the undo history is full ({} steps or {} MiB of facts): the oldest {} can no longer be undone\n",
        crate::workspace::UNDO_STEPS,
        crate::workspace::UNDO_BYTES >> 20,
        if dropped == 1 { "step".to_string() } else { format!("{dropped} steps") },
    )
}

/// The relations declared `@decision` in the rules, in declaration order, are listed tuple by
/// tuple; the others are counted.
fn decision_changes(program: &Program, delta: &Delta, verbose: bool) -> String {
    let decisions: Vec<&str> = program
        .decisions()
        .map(|r| program.declaration(r).name.as_str())
        .collect();
    if delta.is_empty() {
        return "no derived fact changed\n".to_string();
    }
    // relation -> (gained, lost)
    let mut by_rel: BTreeMap<&str, (Tuples, Tuples)> = BTreeMap::new();
    for (rel, t) in &delta.gained {
        by_rel.entry(rel.as_str()).or_default().0.push(t);
    }
    for (rel, t) in &delta.lost {
        by_rel.entry(rel.as_str()).or_default().1.push(t);
    }
    let mut out = String::new();
    let listed = |out: &mut String, rel: &str, gained: &[&[Const]], lost: &[&[Const]]| {
        for t in gained {
            let _ = writeln!(out, "+ {}", fact_text(rel, t));
        }
        for t in lost {
            let _ = writeln!(out, "- {}", fact_text(rel, t));
        }
    };
    for rel in &decisions {
        if let Some((g, l)) = by_rel.get(rel) {
            listed(&mut out, rel, g, l);
        }
    }
    let others: Vec<(&str, usize, usize)> = by_rel
        .iter()
        .filter(|(r, _)| !decisions.contains(r))
        .map(|(r, (g, l))| (*r, g.len(), l.len()))
        .collect();
    if out.is_empty() {
        out.push_str("no decision changed\n");
    }
    if verbose {
        for (rel, (g, l)) in &by_rel {
            if !decisions.contains(rel) {
                listed(&mut out, rel, g, l);
            }
        }
    } else if !others.is_empty() {
        let parts: Vec<String> = others
            .iter()
            .map(|(r, g, l)| match (g, l) {
                (0, l) => format!("{r} -{l}"),
                (g, 0) => format!("{r} +{g}"),
                (g, l) => format!("{r} +{g} -{l}"),
            })
            .collect();
        let _ = writeln!(out, "  also: {} (`-v` lists them)", parts.join(", "));
    }
    out
}

type Tuples<'a> = Vec<&'a [Const]>;

fn fact_text(rel: &str, t: &[Const]) -> String {
    let args: Vec<String> = t.iter().map(ToString::to_string).collect();
    format!("{rel}({})", args.join(", "))
}
