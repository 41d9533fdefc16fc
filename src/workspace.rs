//! A loaded session: rules, fact files, the model, and what-if changes with undo.
//!
//! Every change is all-or-nothing: texts are checked before any fact reaches the model.
//! After a change, [`Changes`] lists the derived tuples gained and lost, computed by
//! snapshotting only the relations downstream of the base relations that changed.

use crate::diag::Diagnostic;
use crate::engine::{Limits, Model, Origin, Value};
use crate::load::{check_fact_file, compile_texts, eval_diagnostic, Text};
use crate::program::{Program, RelId};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::Const;
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

/// Rules, facts and their fixpoint, with every source file kept for diagnostics and
/// explanations.
pub struct Workspace {
    pub sources: SourceMap,
    pub model: Model,
    /// Warnings from the rule files and fact files.
    pub warnings: Vec<Diagnostic>,
    /// The texts this workspace was opened with, for `:reload`.
    pub rule_texts: Vec<Text>,
    pub fact_texts: Vec<Text>,
    pub limits: Limits,
    undo: Vec<Step>,
}

/// Why a workspace could not be opened; `sources` renders the diagnostics.
pub struct LoadFailure {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Derived tuples gained and lost by one change, by relation, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub gained: Vec<(String, Vec<Const>)>,
    pub lost: Vec<(String, Vec<Const>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }
}

/// A base fact as the model holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fact {
    rel: RelId,
    values: Vec<Value>,
    span: Span,
}

/// What `:undo` reverses.
enum Step {
    Added(Vec<Fact>),
    Removed(Vec<Fact>),
}

impl Workspace {
    /// Compile the rules, check every fact file, then load all facts and evaluate.
    pub fn open(rules: &[Text], facts: &[Text], limits: &Limits) -> Result<Workspace, LoadFailure> {
        let mut sources = SourceMap::new();
        let texts: Vec<(&str, &str)> = rules.iter().map(|t| (t.name.as_str(), t.text.as_str())).collect();
        let (program, warnings) = match compile_texts(&mut sources, &texts) {
            Ok(ok) => ok,
            Err(diagnostics) => return Err(LoadFailure { sources, diagnostics }),
        };
        let mut ws = Workspace {
            sources,
            model: Model::new(Arc::new(program)),
            warnings,
            rule_texts: rules.to_vec(),
            fact_texts: Vec::new(),
            limits: limits.clone(),
            undo: Vec::new(),
        };
        let loaded = ws.check_texts(facts).map(|facts| {
            for f in &facts {
                ws.model.add_fact(f.rel, &f.values, f.span);
            }
        });
        if let Err(diagnostics) = loaded {
            return Err(LoadFailure { sources: ws.sources, diagnostics });
        }
        if let Err(e) = ws.model.evaluate(limits) {
            return Err(LoadFailure { diagnostics: vec![eval_diagnostic(e)], sources: ws.sources });
        }
        ws.fact_texts = facts.to_vec();
        Ok(ws)
    }

    pub fn program(&self) -> &Program {
        self.model.program()
    }

    /// Re-read nothing from disk: reopen from the given texts, keeping this workspace if
    /// they fail. The caller re-reads files so that a missing file is reported first.
    pub fn reopen(&mut self, rules: &[Text], facts: &[Text]) -> Result<(), LoadFailure> {
        *self = Workspace::open(rules, facts, &self.limits)?;
        Ok(())
    }

    /// Load more fact files (all-or-nothing) and continue the fixpoint.
    pub fn load(&mut self, facts: &[Text]) -> Result<Changes, Vec<Diagnostic>> {
        let checked = self.check_texts(facts)?;
        let changes = self.add(checked)?;
        self.fact_texts.extend(facts.iter().cloned());
        Ok(changes)
    }

    /// `:assert`: add the facts of a text; undoable.
    pub fn assert(&mut self, name: &str, text: &str) -> Result<Changes, Vec<Diagnostic>> {
        let checked = self.check_texts(&[Text::new(name, text)])?;
        self.add(checked)
    }

    /// `:retract`: remove base facts; undoable. A fact that is not a base fact is an error
    /// (a derived fact is retracted by retracting what it was derived from).
    pub fn retract(&mut self, name: &str, text: &str) -> Result<Changes, Vec<Diagnostic>> {
        let checked = self.check_texts(&[Text::new(name, text)])?;
        let mut errors = Vec::new();
        for f in &checked {
            if !matches!(self.model.origin(f.rel, &f.values), Some(Origin::Base(_))) {
                let what = if self.model.contains(f.rel, &f.values) { "is derived, not a base fact" } else { "does not hold" };
                errors.push(
                    Diagnostic::error("E0106", format!("cannot retract: this fact {what}"))
                        .at(f.span)
                        .help("retract a base fact (one stated in a fact file or asserted); `:why FACT` shows what a derived fact rests on"),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.remove(checked)
    }

    /// `:undo`: reverse the last assert or retract. `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Option<Result<Changes, Vec<Diagnostic>>> {
        let step = self.undo.pop()?;
        let result = match step {
            Step::Added(facts) => self.remove(facts),
            Step::Removed(facts) => self.add(facts),
        };
        // Undoing must not itself be undoable.
        self.undo.pop();
        Some(result)
    }

    fn check_texts(&mut self, facts: &[Text]) -> Result<Vec<Fact>, Vec<Diagnostic>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for t in facts {
            let file = self.sources.add(t.name.clone(), t.text.clone());
            match check_fact_file(&self.sources, file, self.model.program()) {
                Ok(checked) => {
                    for (rel, consts, span) in checked.facts {
                        let values = consts.iter().map(|c| self.model.intern(c)).collect();
                        out.push(Fact { rel, values, span });
                    }
                }
                Err(d) => errors.extend(d),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn add(&mut self, facts: Vec<Fact>) -> Result<Changes, Vec<Diagnostic>> {
        let touched: Vec<RelId> = facts.iter().map(|f| f.rel).collect();
        let before = self.snapshot(&touched);
        let mut added = Vec::new();
        for f in facts {
            if self.model.add_fact(f.rel, &f.values, f.span) {
                added.push(f);
            }
        }
        self.model.evaluate(&self.limits).map_err(|e| vec![eval_diagnostic(e)])?;
        self.undo.push(Step::Added(added));
        Ok(self.changes_since(before))
    }

    /// Removal rebuilds the model from the remaining base facts: correct, and only as slow
    /// as loading; the engine's own retraction will replace it.
    fn remove(&mut self, facts: Vec<Fact>) -> Result<Changes, Vec<Diagnostic>> {
        let touched: Vec<RelId> = facts.iter().map(|f| f.rel).collect();
        let before = self.snapshot(&touched);
        let gone: FxHashSet<(RelId, &[Value])> = facts.iter().map(|f| (f.rel, f.values.as_slice())).collect();
        let mut rebuilt = Model::new(self.model.program_arc().clone());
        // Same interning order, so every Value keeps its meaning in the rebuilt model.
        for i in 0..self.model.symbols().len() as u32 {
            rebuilt.intern(self.model.constant(Value(i)));
        }
        for rel in self.program().relations() {
            for t in self.model.tuples(rel) {
                if let Some(Origin::Base(span)) = self.model.origin(rel, t) {
                    if !gone.contains(&(rel, t)) {
                        rebuilt.add_fact(rel, t, span);
                    }
                }
            }
        }
        rebuilt.evaluate(&self.limits).map_err(|e| vec![eval_diagnostic(e)])?;
        self.model = rebuilt;
        self.undo.push(Step::Removed(facts));
        Ok(self.changes_since(before))
    }

    /// The tuples of every derived relation downstream of `touched`.
    fn snapshot(&self, touched: &[RelId]) -> FxHashMap<RelId, FxHashSet<Vec<Value>>> {
        downstream(self.program(), touched)
            .into_iter()
            .map(|r| (r, self.model.tuples(r).map(<[Value]>::to_vec).collect()))
            .collect()
    }

    fn changes_since(&self, before: FxHashMap<RelId, FxHashSet<Vec<Value>>>) -> Changes {
        let mut changes = Changes::default();
        let name = |r: RelId| self.program().relation_name(r).to_string();
        let consts = |t: &[Value]| t.iter().map(|&v| self.model.constant(v).clone()).collect::<Vec<_>>();
        for (rel, old) in &before {
            for t in self.model.tuples(*rel) {
                if !old.contains(t) {
                    changes.gained.push((name(*rel), consts(t)));
                }
            }
            for t in old {
                if !self.model.contains(*rel, t) {
                    changes.lost.push((name(*rel), consts(t)));
                }
            }
        }
        changes.gained.sort();
        changes.lost.sort();
        changes
    }
}

/// Derived relations whose tuples can depend on any of `touched`.
pub fn downstream(program: &Program, touched: &[RelId]) -> Vec<RelId> {
    let mut reached: FxHashSet<RelId> = touched.iter().copied().collect();
    for stratum in program.strata() {
        if stratum.reads.iter().any(|r| reached.contains(r)) || stratum.relations.iter().any(|r| reached.contains(r)) {
            reached.extend(stratum.relations.iter().copied());
        }
    }
    let mut out: Vec<RelId> = reached.into_iter().filter(|&r| program.is_derived(r)).collect();
    out.sort();
    out
}
