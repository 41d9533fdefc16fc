//! The change of an instance: the base facts one fact set states and the other does not,
//! found by comparing the two loaded models fact by fact (whatever form the facts were
//! read from: `.facts` statements, raw facts, manifests, tables), and listed by the
//! statement that states them (its file:line). Applied to a model of OLD's facts, they
//! make NEW's through incremental maintenance ([`FactChange::apply`]): the cost is that
//! of the change, not of a second evaluation.

use crate::engine::{Model, Origin, Value};
use crate::explain::{file_line, Fact};
use crate::program::RelId;
use crate::source::{SourceMap, Span};
use rustc_hash::FxHashSet;
use serde_json::{json, Value as Json};
use std::io::{self, Write};

/// A base fact, where its side states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stated {
    pub fact: Fact,
    /// In its side's sources (OLD's for a removed fact, NEW's for an added one).
    pub span: Span,
}

/// The base facts NEW states and OLD does not (`added`), and the other way round
/// (`removed`), each sorted by where it is stated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactChange {
    pub added: Vec<Stated>,
    pub removed: Vec<Stated>,
}

/// A relation the change names that the model it is applied to does not declare alike.
#[derive(Debug)]
pub struct Unplaced(pub String);

impl FactChange {
    /// The base facts of `new` that `old` does not state, and those of `old` that `new`
    /// does not, compared as constants (the two models may have different symbol tables
    /// and programs; a relation is matched by name and arity). Facts written in rule files
    /// are not the instance's: left out. Neither model needs to be evaluated.
    pub fn between(old: &Model, new: &Model) -> FactChange {
        // The two directions are independent: one on another thread.
        let (added, removed) = std::thread::scope(|s| {
            let added = s.spawn(|| missing(new, old));
            let removed = missing(old, new);
            (
                added
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                removed,
            )
        });
        let mut change = FactChange { added, removed };
        for list in [&mut change.added, &mut change.removed] {
            list.sort_by(|a, b| {
                (a.span.file.0, a.span.start, &a.fact).cmp(&(b.span.file.0, b.span.start, &b.fact))
            });
        }
        change
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// Retracts the removed facts from `target` (a model holding OLD's facts) and adds the
    /// added ones, each at `span_of` its NEW span; the caller evaluates. Nothing changes
    /// when a relation is missing from `target`'s program.
    pub fn apply(
        &self,
        target: &mut Model,
        span_of: impl Fn(Span) -> Span,
    ) -> Result<(), Unplaced> {
        let rel = |target: &Model, f: &Fact| {
            target
                .program()
                .relation(&f.relation)
                .filter(|&r| target.program().arity(r) == f.values.len())
                .ok_or_else(|| Unplaced(f.relation.clone()))
        };
        let mut removed = Vec::with_capacity(self.removed.len());
        for s in &self.removed {
            removed.push(rel(target, &s.fact)?);
        }
        let mut added = Vec::with_capacity(self.added.len());
        for s in &self.added {
            added.push(rel(target, &s.fact)?);
        }
        let mut tuple: Vec<Value> = Vec::new();
        for (s, &r) in self.removed.iter().zip(&removed) {
            tuple.clear();
            tuple.extend(s.fact.values.iter().map(|c| target.intern(c)));
            target.retract_fact(r, &tuple);
        }
        for (s, &r) in self.added.iter().zip(&added) {
            tuple.clear();
            tuple.extend(s.fact.values.iter().map(|c| target.intern(c)));
            target.add_fact(r, &tuple, span_of(s.span));
        }
        Ok(())
    }

    /// The statements removed, then those added, as text: `- file:line: statement` with
    /// the facts it stated below it (when the statement is not that fact itself).
    pub fn write_text(
        &self,
        old: &SourceMap,
        new: &SourceMap,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self.is_empty() {
            return writeln!(out, "statements: no fact added or removed\n");
        }
        for (sign, what, list, sources) in [
            (
                "-",
                "removed (stated in OLD, not in NEW)",
                &self.removed,
                old,
            ),
            ("+", "added (stated in NEW, not in OLD)", &self.added, new),
        ] {
            if list.is_empty() {
                continue;
            }
            let groups = statements(list, sources);
            writeln!(
                out,
                "statements {what}: {} ({} fact{})",
                groups.len(),
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            )?;
            for g in &groups {
                let text = statement_text(sources, g[0].span);
                writeln!(out, "  {sign} {}: {text}", file_line(sources, g[0].span))?;
                let alone = g.len() == 1 && text.trim_end_matches('.') == g[0].fact.to_string();
                if !alone {
                    for s in *g {
                        writeln!(out, "      {}", s.fact)?;
                    }
                }
            }
        }
        writeln!(out)
    }

    /// `{"removed": [statement, ..], "added": [..]}`, statement = `{"file", "line",
    /// "text", "facts": ["p(a, b)", ..]}`.
    pub fn to_json(&self, old: &SourceMap, new: &SourceMap) -> Json {
        let side = |list: &[Stated], sources: &SourceMap| -> Vec<Json> {
            statements(list, sources)
                .iter()
                .map(|g| {
                    let span = g[0].span;
                    let (file, line) = match sources.get(span.file) {
                        Some(_) => {
                            let loc = sources.locate(span);
                            (json!(loc.file), json!(loc.line))
                        }
                        None => (Json::Null, Json::Null),
                    };
                    let facts: Vec<String> = g.iter().map(|s| s.fact.to_string()).collect();
                    json!({"file": file, "line": line, "text": statement_text(sources, span),
                           "facts": facts})
                })
                .collect()
        };
        json!({"removed": side(&self.removed, old), "added": side(&self.added, new)})
    }
}

/// Runs of facts stated on one line (a statement, or one field of a statement written
/// over several lines).
fn statements<'a>(list: &'a [Stated], sources: &SourceMap) -> Vec<&'a [Stated]> {
    let line = |s: &Stated| {
        sources
            .get(s.span.file)
            .map(|_| sources.locate(s.span).line)
    };
    list.chunk_by(|a, b| a.span.file == b.span.file && line(a) == line(b))
        .collect()
}

/// The line a fact is stated on, trimmed (a table row, a statement, a manifest's field).
fn statement_text(sources: &SourceMap, span: Span) -> String {
    let Some(file) = sources.get(span.file) else {
        return String::new();
    };
    let (line, _) = file.line_col(span.start as usize);
    file.line_text(line).trim().to_string()
}

/// Per value of `a`, the same constant in `b` (`None`: `b` never saw it). Two readings of
/// nearly the same text intern constants in nearly the same order, so each value is
/// first tried at the place the previous one's match suggests (one comparison of two
/// constants), and looked up by hash only where the orders part.
fn translation(a: &Model, b: &Model) -> Vec<Option<Value>> {
    let (sa, sb) = (a.symbols(), b.symbols());
    let mut shift: i64 = 0;
    (0..sa.len() as u32)
        .map(|v| {
            let c = sa.constant(Value(v));
            let guess = v as i64 + shift;
            if (0..sb.len() as i64).contains(&guess) && sb.constant(Value(guess as u32)) == c {
                return Some(Value(guess as u32));
            }
            let found = sb.get(c);
            if let Some(w) = found {
                shift = w.0 as i64 - v as i64;
            }
            found
        })
        .collect()
}

/// The base facts of `a` that `b` does not state as base facts (rule files' facts left
/// out), with `a`'s spans.
fn missing(a: &Model, b: &Model) -> Vec<Stated> {
    let (pa, pb) = (a.program(), b.program());
    let rule_file: FxHashSet<Span> = pa.facts().iter().map(|f| f.span).collect();
    let to_b = if a.shares_symbols(b) {
        Vec::new()
    } else {
        translation(a, b)
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for ra in pa.relations() {
        let name = pa.relation_name(ra);
        let rb: Option<RelId> = pb.relation(name).filter(|&r| pb.arity(r) == pa.arity(ra));
        for (row, span) in a.base_facts(ra) {
            if rule_file.contains(&span) {
                continue;
            }
            let stated = rb.is_some_and(|rb| {
                buf.clear();
                if to_b.is_empty() {
                    buf.extend_from_slice(row);
                } else {
                    buf.extend(row.iter().map_while(|v| to_b[v.0 as usize]));
                }
                buf.len() == row.len() && matches!(b.origin(rb, &buf), Some(Origin::Base(_)))
            });
            if !stated {
                out.push(Stated {
                    fact: Fact {
                        relation: name.to_string(),
                        values: row.iter().map(|&v| a.constant(v).clone()).collect(),
                    },
                    span,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::ast::Const;
    use std::sync::Arc;

    fn model(facts: &[(&str, &str)]) -> Model {
        let mut sources = SourceMap::new();
        let (program, _) = crate::load::compile_texts(
            &mut sources,
            &[("r.dl", ".decl p(a: symbol, b: symbol)\n")],
        )
        .unwrap_or_else(|d| panic!("compiles: {d:?}"));
        let mut m = Model::new(Arc::new(program));
        let p = m.program().relation("p").expect("p");
        for (i, (x, y)) in facts.iter().enumerate() {
            let t = [
                m.intern(&Const::Sym((*x).into())),
                m.intern(&Const::Sym((*y).into())),
            ];
            let at = Span {
                file: FileId(0),
                start: i as u32,
                end: i as u32 + 1,
            };
            m.add_fact(p, &t, at);
        }
        m
    }

    /// Symbol tables that agree, then part (a constant first seen later, or never), then
    /// agree again at another place: every value is translated to the same constant.
    #[test]
    fn translation_follows_the_shift_between_two_tables() {
        let a = model(&[("u1", "t0"), ("u2", "t0"), ("u3", "t1"), ("u4", "t1")]);
        let b = model(&[
            ("u1", "t0"),
            ("x", "t0"),
            ("u3", "t1"),
            ("u4", "t1"),
            ("u2", "y"),
        ]);
        let to_b = translation(&a, &b);
        assert_eq!(to_b.len(), a.symbols().len());
        for (v, w) in to_b.iter().enumerate() {
            let c = a.constant(Value(v as u32));
            assert_eq!(
                w.map(|w| b.constant(w)),
                b.symbols().get(c).map(|_| c),
                "{c}"
            );
        }
        let change = FactChange::between(&a, &b);
        let shown =
            |l: &[Stated]| -> Vec<String> { l.iter().map(|s| s.fact.to_string()).collect() };
        assert_eq!(shown(&change.removed), ["p(u2, t0)"]);
        assert_eq!(shown(&change.added), ["p(x, t0)", "p(u2, y)"]);
    }
}
