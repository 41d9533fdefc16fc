//! A [`Diff`] as text for people, written as it goes (a large diff is hundreds of
//! megabytes: never one string).
//!
//! Proofs read as in `grantlog explain`, except that fact numbers run over the whole
//! output: a fact shown in full once (per side) is `(see [n])` afterwards, so the
//! proofs of many tuples resting on the same facts stay short.

use super::shown::SideShown;
use super::{Diff, RelationDiff};
use crate::explain::{file_line, Fact, NodeOrigin, Premise, Proof};
use crate::program::RuleInfo;
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The diff as text: a summary line per changed relation (and one per relation not
/// compared), then per relation and group each tuple gained (`+`) or lost (`-`) with its
/// proof when it has one, then a total line. Only relations `include` accepts are listed.
pub fn write_text(
    diff: &Diff<'_>,
    old: &SourceMap,
    new: &SourceMap,
    include: &dyn Fn(&str) -> bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let listed: Vec<&RelationDiff> = diff.changed().filter(|r| include(&r.relation)).collect();
    // Whether anything precedes the total line (which is then set apart by a blank).
    let mut any = false;
    for r in &listed {
        writeln!(out, "{}: +{} -{}", r.relation, r.gained.len(), r.lost.len())?;
        any = true;
    }
    for (side, only) in [("OLD", &diff.only_old), ("NEW", &diff.only_new)] {
        for u in only.iter().filter(|u| include(&u.relation)) {
            let (name, n) = (&u.relation, tuples(u.tuples));
            writeln!(out, "relation `{name}` only in {side} ({n}); not compared")?;
            any = true;
        }
    }
    for a in diff.arity_changed.iter().filter(|a| include(&a.relation)) {
        writeln!(
            out,
            "relation `{}`: arity {} in OLD, {} in NEW ({} in NEW); not compared",
            a.relation,
            a.old_arity,
            a.new_arity,
            tuples(a.new_tuples)
        )?;
        any = true;
    }
    let (old_model, new_model) = diff.models();
    let mut shown = SideShown::new(old_model.symbols(), new_model.symbols());
    let mut numbers = Numbers::default();
    let mut line: Vec<u8> = Vec::new();
    let mut proof_text = String::new();
    for r in &listed {
        for g in r.groups() {
            writeln!(out, "\n{}:", heading(r, g.user, g.tenant))?;
            for (sign, changes, range, sources, side) in [
                ("+", &r.gained, g.gained, new, New),
                ("-", &r.lost, g.lost, old, Old),
            ] {
                let shown = shown.side(side == New);
                for i in range {
                    match changes.proof(i) {
                        None => {
                            line.clear();
                            line.extend_from_slice(b"  ");
                            line.extend_from_slice(sign.as_bytes());
                            line.push(b' ');
                            shown.fact(&r.relation, changes, i, &mut line);
                            line.push(b'\n');
                            out.write_all(&line)?;
                        }
                        Some(p) => {
                            proof_text.clear();
                            let mut w = TextWalk {
                                proof: p,
                                sources,
                                side,
                                numbers: &mut numbers,
                                out: &mut proof_text,
                            };
                            w.node(p.root, 0, &format!("  {sign} "), "    ");
                            out.write_all(proof_text.as_bytes())?;
                        }
                    }
                }
            }
            any = true;
        }
    }
    let (gained, lost) = listed
        .iter()
        .fold((0, 0), |(g, l), r| (g + r.gained.len(), l + r.lost.len()));
    if any {
        writeln!(out)?;
    }
    if listed.is_empty() {
        write!(out, "total: no change")?;
    } else {
        write!(
            out,
            "total: +{gained} -{lost} in {} relation{}",
            listed.len(),
            plural(listed.len())
        )?;
    }
    let hidden = diff.changed().count() - listed.len();
    if hidden > 0 {
        write!(
            out,
            " ({hidden} more changed relation{} not listed)",
            plural(hidden)
        )?;
    }
    writeln!(out)
}

/// [`write_text`] into a string.
pub fn to_text(
    diff: &Diff<'_>,
    old: &SourceMap,
    new: &SourceMap,
    include: &dyn Fn(&str) -> bool,
) -> String {
    let mut out = Vec::new();
    write_text(diff, old, new, include, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("text is UTF-8")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn tuples(n: usize) -> String {
    format!("{n} tuple{}", plural(n))
}

/// `permission, user dana, tenant engineering`; a relation without a user or tenant
/// column is its name alone.
fn heading(r: &RelationDiff, user: Option<&Const>, tenant: Option<&Const>) -> String {
    let mut h = r.relation.clone();
    if let Some(u) = user {
        let col = &r.columns[r.user_column.expect("user column")];
        let _ = write!(h, ", {col} {u}");
    }
    if let Some(t) = tenant {
        let _ = write!(h, ", tenant {t}");
    }
    h
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Old,
    New,
}
use Side::{New, Old};

/// Fact numbers over the whole output, per side, and how deep each fact was shown: a
/// later occurrence that would show no more is `(see [n])`.
#[derive(Default)]
struct Numbers {
    number: FxHashMap<(Side, Fact), usize>,
    /// Levels of premises shown below the fact (`usize::MAX`: all of them).
    shown: FxHashMap<(Side, Fact), usize>,
}

impl Numbers {
    fn number(&mut self, side: Side, fact: &Fact) -> usize {
        let next = self.number.len() + 1;
        *self.number.entry((side, fact.clone())).or_insert(next)
    }

    fn shown(&self, side: Side, fact: &Fact) -> Option<usize> {
        self.shown.get(&(side, fact.clone())).copied()
    }

    fn set_shown(&mut self, side: Side, fact: &Fact, levels: usize) {
        self.shown.insert((side, fact.clone()), levels);
    }
}

struct TextWalk<'a> {
    proof: &'a Proof,
    sources: &'a SourceMap,
    side: Side,
    numbers: &'a mut Numbers,
    out: &'a mut String,
}

impl TextWalk<'_> {
    /// The node's first line starts with `first`, the lines below it with `indent`
    /// (followed by four spaces).
    fn node(&mut self, id: usize, depth: usize, first: &str, indent: &str) {
        let node = &self.proof.nodes[id];
        let (side, fact) = (self.side, &node.fact);
        let levels = self
            .proof
            .max_depth
            .map_or(usize::MAX, |d| d.saturating_sub(depth));
        if self.numbers.shown(side, fact).is_some_and(|l| l >= levels) {
            let n = self.numbers.number(side, fact);
            let _ = writeln!(self.out, "{first}{fact}  (see [{n}])");
            return;
        }
        let n = self.numbers.number(side, fact);
        let _ = writeln!(self.out, "{first}[{n}] {fact}");
        let pad = format!("{indent}    ");
        match &node.origin {
            NodeOrigin::Base(span) => {
                let _ = writeln!(self.out, "{pad}fact at {}", file_line(self.sources, *span));
                self.numbers.set_shown(side, fact, usize::MAX);
                return;
            }
            NodeOrigin::Rule { rule, .. } => {
                let _ = writeln!(self.out, "{pad}{}", rule_line(rule));
                for line in rule.doc.iter().flat_map(|d| d.lines()) {
                    let _ = writeln!(self.out, "{pad}/// {}", line.trim());
                }
            }
            NodeOrigin::Unproved => {
                let _ = writeln!(self.out, "{pad}(no well-founded derivation found)");
            }
        }
        self.numbers.set_shown(side, fact, levels);
        let expand = node.premises.is_some() && levels > 0;
        if !expand {
            let _ = writeln!(self.out, "{pad}...");
            return;
        }
        for p in node.premises.as_deref().unwrap_or_default() {
            match p {
                Premise::Fact(c) => self.node(*c, depth + 1, &pad, &pad),
                Premise::Absent(pat) => {
                    let _ = writeln!(self.out, "{pad}!{pat} holds: no {pat}");
                }
                Premise::Compare(t) => {
                    let _ = writeln!(self.out, "{pad}{t} holds");
                }
            }
        }
    }
}

fn rule_line(rule: &RuleInfo) -> String {
    if rule.name == rule.label {
        format!("by the rule at {}", rule.label)
    } else {
        format!("by @{} at {}", rule.name, rule.label)
    }
}
