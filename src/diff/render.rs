//! A [`Diff`] as text for people and as JSON for scripts.
//!
//! In text, proofs read as in `grantlog explain`, except that fact numbers run over the
//! whole output: a fact shown in full once (per side) is `(see [n])` afterwards, so the
//! proofs of many tuples resting on the same facts stay short.

use super::{Change, Diff, Group, RelationDiff};
use crate::explain::{file_line, Fact, NodeOrigin, Premise, Proof};
use crate::program::RuleInfo;
use crate::source::SourceMap;
use crate::table::json_value;
use rustc_hash::FxHashMap;
use serde_json::{json, Value as Json};
use std::fmt::Write;

/// The diff as text: a summary line per changed relation (and one per relation not
/// compared), then per relation and group each tuple gained (`+`) or lost (`-`) with its
/// proof when it has one, then a total line. Only relations `include` accepts are listed.
pub fn to_text(
    diff: &Diff,
    old: &SourceMap,
    new: &SourceMap,
    include: &dyn Fn(&str) -> bool,
) -> String {
    let mut out = String::new();
    let listed: Vec<&RelationDiff> = diff.changed().filter(|r| include(&r.relation)).collect();
    for r in &listed {
        let _ = writeln!(out, "{}: +{} -{}", r.relation, r.gained.len(), r.lost.len());
    }
    for (side, only) in [("OLD", &diff.only_old), ("NEW", &diff.only_new)] {
        for u in only.iter().filter(|u| include(&u.relation)) {
            let (name, n) = (&u.relation, tuples(u.tuples));
            let _ = writeln!(out, "relation `{name}` only in {side} ({n}); not compared");
        }
    }
    for a in diff.arity_changed.iter().filter(|a| include(&a.relation)) {
        let _ = writeln!(
            out,
            "relation `{}`: arity {} in OLD, {} in NEW ({} in NEW); not compared",
            a.relation,
            a.old_arity,
            a.new_arity,
            tuples(a.new_tuples)
        );
    }
    let mut numbers = Numbers::default();
    for r in &listed {
        for g in r.groups() {
            let _ = writeln!(out, "\n{}:", heading(r, &g));
            for (sign, changes, sources, side) in
                [("+", &g.gained, new, New), ("-", &g.lost, old, Old)]
            {
                for c in changes {
                    change_text(c, sign, sources, side, &mut numbers, &mut out);
                }
            }
        }
    }
    let (gained, lost) = listed
        .iter()
        .fold((0, 0), |(g, l), r| (g + r.gained.len(), l + r.lost.len()));
    if !out.is_empty() {
        out.push('\n');
    }
    if listed.is_empty() {
        out.push_str("total: no change");
    } else {
        let _ = write!(
            out,
            "total: +{gained} -{lost} in {} relation{}",
            listed.len(),
            plural(listed.len())
        );
    }
    let hidden = diff.changed().count() - listed.len();
    if hidden > 0 {
        let _ = write!(
            out,
            " ({hidden} more changed relation{} not listed)",
            plural(hidden)
        );
    }
    out.push('\n');
    out
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
fn heading(r: &RelationDiff, g: &Group<'_>) -> String {
    let mut h = r.relation.clone();
    if let Some(u) = g.user {
        let col = &r.columns[r.user_column.expect("user column")];
        let _ = write!(h, ", {col} {u}");
    }
    if let Some(t) = g.tenant {
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

fn change_text(
    c: &Change,
    sign: &str,
    sources: &SourceMap,
    side: Side,
    numbers: &mut Numbers,
    out: &mut String,
) {
    match &c.proof {
        None => {
            let _ = writeln!(out, "  {sign} {}", c.fact);
        }
        Some(p) => {
            let mut w = TextWalk {
                proof: p,
                sources,
                side,
                numbers,
                out,
            };
            w.node(p.root, 0, &format!("  {sign} "), "    ");
        }
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

/// The diff as JSON (shape documented in `grantlog diff --help`); only relations
/// `include` accepts are listed, and `total` counts those.
pub fn to_json(
    diff: &Diff,
    old: &SourceMap,
    new: &SourceMap,
    include: &dyn Fn(&str) -> bool,
) -> Json {
    let listed: Vec<&RelationDiff> = diff.changed().filter(|r| include(&r.relation)).collect();
    let change = |c: &Change, sources: &SourceMap| {
        json!({
            "fact": c.fact.to_string(),
            "values": c.fact.values.iter().map(json_value).collect::<Vec<_>>(),
            "proof": c.proof.as_ref().map(|p| p.to_json(sources)),
        })
    };
    let relations: Vec<Json> = listed
        .iter()
        .map(|r| {
            let groups: Vec<Json> = r
                .groups()
                .iter()
                .map(|g| {
                    json!({
                        "user": g.user.map(json_value),
                        "tenant": g.tenant.map(json_value),
                        "gained": g.gained.iter().map(|c| change(c, new)).collect::<Vec<_>>(),
                        "lost": g.lost.iter().map(|c| change(c, old)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "relation": r.relation,
                "columns": r.columns,
                "user_column": r.user_column.map(|i| &r.columns[i]),
                "tenant_column": r.tenant_column.map(|i| &r.columns[i]),
                "gained": r.gained.len(),
                "lost": r.lost.len(),
                "groups": groups,
            })
        })
        .collect();
    let unmatched = |us: &[super::Unmatched]| -> Vec<Json> {
        us.iter()
            .filter(|u| include(&u.relation))
            .map(|u| json!({"relation": u.relation, "tuples": u.tuples}))
            .collect()
    };
    let arity: Vec<Json> = diff
        .arity_changed
        .iter()
        .filter(|a| include(&a.relation))
        .map(|a| {
            json!({"relation": a.relation, "old_arity": a.old_arity,
                   "new_arity": a.new_arity, "new_tuples": a.new_tuples})
        })
        .collect();
    json!({
        "relations": relations,
        "only_old": unmatched(&diff.only_old),
        "only_new": unmatched(&diff.only_new),
        "arity_changed": arity,
        "total": {
            "gained": listed.iter().map(|r| r.gained.len()).sum::<usize>(),
            "lost": listed.iter().map(|r| r.lost.len()).sum::<usize>(),
            "relations": listed.len(),
        },
    })
}
