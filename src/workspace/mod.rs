//! A loaded session: rules, fact files, the model, and what-if changes with undo.
//!
//! Every change is all-or-nothing: texts are read and checked before any fact reaches the
//! model, and a change whose evaluation stops (a limit, Ctrl-C) is rolled back
//! ([`Model::rollback`]: row by row, in time proportional to what it touched). After a
//! change, [`Delta`] lists the derived tuples gained and lost in the relations downstream
//! of the base relations that changed.
//!
//! `:undo` applies the inverse change (the facts a step added are retracted, those it
//! removed added back) through the same incremental maintenance. The history keeps at
//! most [`UNDO_STEPS`] steps and [`UNDO_BYTES`] bytes of facts; older steps are dropped, and the
//! change that dropped them says so.

use crate::diag::Diagnostic;
use crate::engine::{Limits, Model, Origin, Value};
use crate::facts::keep_going;
use crate::facts::{self, Instance};
use crate::history as ordered;
use crate::load::{check_base_fact, check_fact_file, compile_texts, eval_diagnostic, Text};
use crate::program::{Program, RelId};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::Const;
use rustc_hash::FxHashSet;
use std::sync::Arc;

mod beside;
mod undo;

pub use beside::Beside;
use undo::Step;

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
    /// Users, tenants, resources and grants stated in `.facts` texts so far.
    pub instance: Instance,
    undo: Vec<Step>,
    /// Most bytes of facts the undo history keeps ([`UNDO_BYTES`] unless set).
    pub undo_bytes: usize,
    /// How many of `warnings` (the first ones) are the rule files'.
    rule_warnings: usize,
    /// The model is the one [`crate::inputs::open`] makes of `rule_texts` and
    /// `fact_texts` (no what-if change since): a big `:load` may then open those texts and
    /// the loaded ones instead of applying them (see `crate::repl::load`).
    pub as_opened: bool,
}

/// Why a workspace could not be opened; `sources` renders the diagnostics.
pub struct LoadFailure {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Most steps `:undo` can reverse.
pub const UNDO_STEPS: usize = 100;
/// Most bytes the facts of the undo history may take (added plus removed, all steps).
pub const UNDO_BYTES: usize = 128 << 20;

/// Derived tuples gained and lost by one change, as (relation, tuple), sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delta {
    pub gained: Vec<(String, Vec<Const>)>,
    pub lost: Vec<(String, Vec<Const>)>,
    /// The grants and revocations of this change that had no effect, each as its
    /// statement and why ("`revoke ... by carol.` had no effect: may_revoke(carol, eng,
    /// c1) did not hold when it was applied"), in statement order.
    pub refused: Vec<String>,
    /// Oldest undo steps this change pushed out of the history.
    pub undo_dropped: usize,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty() && self.refused.is_empty()
    }
}

/// A base fact as the model holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fact {
    rel: RelId,
    values: Vec<Value>,
    span: Span,
}

/// Texts read and checked, not yet applied.
struct Checked {
    add: Vec<Fact>,
    remove: Vec<Fact>,
    /// Grants and revocations, applied in order after `add` (see [`crate::load::ordered`]).
    actions: Vec<facts::Action>,
    warnings: Vec<Diagnostic>,
    /// The instance as it will be once applied (its grants in force are updated as the
    /// actions are applied).
    instance: Instance,
}

impl Workspace {
    /// Compile the rules, read every fact file, then load all facts and evaluate.
    pub fn open(rules: &[Text], facts: &[Text], limits: &Limits) -> Result<Workspace, LoadFailure> {
        let mut ws = Workspace::read(rules, facts, limits)?;
        if let Err(e) = ws.model.evaluate(limits) {
            return Err(LoadFailure {
                diagnostics: vec![eval_diagnostic(e)],
                sources: ws.sources,
            });
        }
        ws.as_opened = true;
        Ok(ws)
    }

    /// [`Workspace::open`] without the evaluation: the facts are loaded, the model is not
    /// evaluated (`grantlog diff` of fact sets reads NEW's facts only to compare them).
    pub fn read(rules: &[Text], facts: &[Text], limits: &Limits) -> Result<Workspace, LoadFailure> {
        let (sources, program, warnings) = compile_rules(SourceMap::new(), rules)?;
        let mut ws = Workspace {
            sources,
            model: Model::new(Arc::new(program)),
            warnings,
            rule_texts: rules.to_vec(),
            fact_texts: Vec::new(),
            limits: *limits,
            instance: Instance::new(),
            undo: Vec::new(),
            undo_bytes: UNDO_BYTES,
            rule_warnings: 0,
            as_opened: false,
        };
        ws.rule_warnings = ws.warnings.len();
        match ws.check_texts(facts) {
            Ok(mut checked) => {
                for (i, f) in checked.add.iter().enumerate() {
                    // `--timeout` bounds loading too (E0402), not only evaluation.
                    if i.is_multiple_of(65_536) {
                        if let Err(e) = crate::engine::limits::check() {
                            return Err(LoadFailure {
                                diagnostics: vec![eval_diagnostic(e)],
                                sources: ws.sources,
                            });
                        }
                    }
                    ws.model.add_fact(f.rel, &f.values, f.span);
                }
                match ordered::apply(&mut ws.model, &checked.actions, limits, true) {
                    Ok(applied) => record_grants(&mut checked.instance, &applied),
                    Err(e) => {
                        return Err(LoadFailure {
                            diagnostics: vec![eval_diagnostic(e)],
                            sources: ws.sources,
                        })
                    }
                }
                ws.warnings.extend(checked.warnings);
                ws.instance = checked.instance;
            }
            Err(diagnostics) => {
                return Err(LoadFailure {
                    sources: ws.sources,
                    diagnostics,
                })
            }
        }
        ws.fact_texts = facts.to_vec();
        Ok(ws)
    }

    /// The same facts under other rules (`grantlog diff`): strata the rules share are
    /// taken over from `old` ([`Model::beside`]), the facts are not read again, and only
    /// what the change touches is evaluated. `None` when the two programs cannot be
    /// matched up; open the texts instead, which reports why.
    pub fn open_beside(
        old: &Workspace,
        rules: &[Text],
        limits: &Limits,
    ) -> Option<Result<Workspace, LoadFailure>> {
        let mut beside = match Beside::prepare(&old.sources, &old.model, rules, None)? {
            Ok(b) => b,
            Err(failure) => return Some(Err(failure)),
        };
        Some(beside.evaluate(limits).map(|()| beside.finish(old, limits)))
    }

    /// A copy whose facts are about to change (`grantlog diff` of two fact sets): the
    /// model's relations are shared until written ([`Model::successor`]); no history.
    pub fn successor(&self) -> Workspace {
        Workspace {
            sources: self.sources.clone(),
            model: self.model.successor(),
            warnings: self.warnings.clone(),
            rule_texts: self.rule_texts.clone(),
            fact_texts: self.fact_texts.clone(),
            limits: self.limits,
            instance: self.instance.clone(),
            undo: Vec::new(),
            undo_bytes: self.undo_bytes,
            rule_warnings: self.rule_warnings,
            as_opened: false,
        }
    }

    pub fn program(&self) -> &Program {
        self.model.program()
    }

    /// Load more fact files (all-or-nothing) and continue the fixpoint; undoable.
    pub fn load(&mut self, facts: &[Text]) -> Result<Delta, Vec<Diagnostic>> {
        self.atomically(|ws| {
            let checked = ws.check_texts(facts)?;
            let delta = ws.apply(checked)?;
            ws.fact_texts.extend(facts.iter().cloned());
            Ok(delta)
        })
    }

    /// Runs `change`; when it fails, the model is put back as it was (interned constants
    /// included). Everything else a change touches it sets only once it has succeeded.
    fn atomically<T>(
        &mut self,
        change: impl FnOnce(&mut Workspace) -> Result<T, Vec<Diagnostic>>,
    ) -> Result<T, Vec<Diagnostic>> {
        self.model.begin();
        let result = change(self);
        if result.is_err() {
            self.model.rollback();
        } else {
            self.model.commit();
        }
        result
    }

    /// `:assert`: apply a `.facts` text (statements or raw facts; a `revoke` removes);
    /// undoable.
    pub fn assert(&mut self, name: &str, text: &str) -> Result<Delta, Vec<Diagnostic>> {
        self.atomically(|ws| {
            let checked = ws.check_texts(&[Text::new(format!("{name}.facts"), text)])?;
            ws.apply(checked)
        })
    }

    /// `:retract`: remove the base facts a `.facts` text states (a grant statement or a
    /// raw fact); undoable. A fact that is not a base fact is an error: a derived fact is
    /// retracted by retracting what it rests on.
    pub fn retract(&mut self, name: &str, text: &str) -> Result<Delta, Vec<Diagnostic>> {
        self.atomically(|ws| ws.retract_text(name, text))
    }

    fn retract_text(&mut self, name: &str, text: &str) -> Result<Delta, Vec<Diagnostic>> {
        let file = self.sources.add(format!("{name}.facts"), text);
        // Declarations restated to retract them are read as if not yet made.
        let (stmts, _) = facts::parse_file(text, file);
        let forgetting = self.instance.forgetting(&stmts);
        let changes = forgetting.read(&self.sources, &[file])?;
        let mut errors = Vec::new();
        let mut gone = Vec::new();
        // A grant or revocation statement states its fact, or its refusal if it had no
        // effect: retract whichever the model holds.
        let stated: Vec<facts::BaseFact> = changes
            .add
            .iter()
            .cloned()
            .chain(changes.actions.iter().map(|a| {
                let mut f = a.fact.clone();
                let refused = a.kind.refused();
                if let (Some(rel), Some(refused_rel)) = (
                    self.program().relation(&f.relation),
                    self.program().relation(refused),
                ) {
                    let values: Option<Vec<Value>> = f
                        .values
                        .iter()
                        .map(|c| self.model.symbols().get(c))
                        .collect();
                    if let Some(v) = values {
                        if self.model.origin(rel, &v).is_none()
                            && matches!(self.model.origin(refused_rel, &v), Some(Origin::Base(_)))
                        {
                            f.relation = refused.to_owned();
                        }
                    }
                }
                f
            }))
            .collect();
        for b in &stated {
            // A derived fact is not retracted (E0106), whether or not it holds now.
            let derived =
                (self.program().relation(&b.relation)).filter(|&r| self.program().is_derived(r));
            if derived.is_some() {
                errors.push(
                    Diagnostic::error("E0106", format!("cannot retract `{b}`: it is derived, not stated"))
                        .at(b.span)
                        .label(format!("`{}` is derived by the rules", b.relation))
                        .help(format!(
                            "retract a stated fact it rests on (for a permission, its grant); `:why {b}` shows them"
                        )),
                );
                continue;
            }
            match check_base_fact(b, self.model.program()) {
                Ok(rel) => {
                    let values: Vec<Value> =
                        b.values.iter().map(|c| self.model.intern(c)).collect();
                    match self.model.origin(rel, &values) {
                        Some(Origin::Base(span)) => gone.push(Fact { rel, values, span }),
                        other => errors.push(
                            Diagnostic::error(
                                "E0106",
                                format!(
                                    "cannot retract `{b}`: it {}",
                                    if other.is_some() { "is derived, not stated" } else { "does not hold" }
                                ),
                            )
                            .at(b.span)
                            .help("retract a stated fact; `:why FACT` shows what a derived fact rests on"),
                        ),
                    }
                }
                Err(d) => errors.push(d),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut instance = forgetting;
        instance.apply(&facts::Changes {
            remove: stated,
            ..facts::Changes::default()
        });
        self.apply(Checked {
            add: Vec::new(),
            remove: gone,
            actions: Vec::new(),
            warnings: Vec::new(),
            instance,
        })
    }

    /// Read texts: `.facts` files through the facts language (together, as one sequence),
    /// anything else as raw facts. Nothing changes here.
    fn check_texts(&mut self, texts: &[Text]) -> Result<Checked, Vec<Diagnostic>> {
        let mut checked = Checked {
            add: Vec::new(),
            remove: Vec::new(),
            actions: Vec::new(),
            warnings: Vec::new(),
            instance: self.instance.clone(),
        };
        let mut errors = Vec::new();
        let mut statement_files = Vec::new();
        for t in texts {
            crate::engine::limits::check().map_err(|e| vec![eval_diagnostic(e)])?;
            let file = self.sources.add(t.name.clone(), t.text.clone());
            if crate::load::is_statement_text(&t.name, &t.text) {
                statement_files.push(file);
                continue;
            }
            match check_fact_file(&self.sources, file, self.model.program()) {
                Ok(facts) => {
                    for (rel, consts, span) in facts.facts {
                        let values = consts.iter().map(|c| self.model.intern(c)).collect();
                        checked.add.push(Fact { rel, values, span });
                    }
                }
                Err(d) => errors.extend(d),
            }
        }
        crate::engine::limits::check().map_err(|e| vec![eval_diagnostic(e)])?;
        if !statement_files.is_empty() {
            match crate::load::read_statement_files(&self.instance, &self.sources, &statement_files)
            {
                Ok(changes) => {
                    for (list, facts) in [
                        (&mut checked.add, &changes.add),
                        (&mut checked.remove, &changes.remove),
                    ] {
                        for b in facts {
                            match check_base_fact(b, self.model.program()) {
                                Ok(rel) => {
                                    let values =
                                        b.values.iter().map(|c| self.model.intern(c)).collect();
                                    list.push(Fact {
                                        rel,
                                        values,
                                        span: b.span,
                                    });
                                }
                                Err(d) if keep_going::active() => keep_going::skip([d]),
                                Err(d) => errors.push(d),
                            }
                        }
                    }
                    let mut changes = changes;
                    let program = self.model.program();
                    changes
                        .actions
                        .retain(|a| match check_base_fact(&a.fact, program) {
                            Ok(_) => true,
                            // `--keep-going`: a grant that cannot be a fact is left out.
                            Err(d) if keep_going::active() => {
                                keep_going::skip([d]);
                                false
                            }
                            Err(d) => {
                                errors.push(d);
                                true
                            }
                        });
                    checked.warnings.extend(changes.warnings.iter().cloned());
                    checked.instance.apply(&changes);
                    checked.actions = changes.actions;
                }
                Err(d) => errors.extend(d),
            }
        }
        if errors.iter().any(Diagnostic::is_error) {
            Err(errors)
        } else {
            checked.warnings.extend(errors);
            Ok(checked)
        }
    }

    fn apply(&mut self, checked: Checked) -> Result<Delta, Vec<Diagnostic>> {
        self.apply_as(checked, true)
    }

    /// Applies a checked change; `record`: as a step `:undo` can reverse.
    fn apply_as(&mut self, checked: Checked, record: bool) -> Result<Delta, Vec<Diagnostic>> {
        let touched: Vec<RelId> = checked
            .add
            .iter()
            .chain(&checked.remove)
            .map(|f| f.rel)
            .collect();
        let previous = self.instance.clone();
        let fact_texts = self.fact_texts.len();
        let removed: Vec<Fact> = checked
            .remove
            .into_iter()
            .filter(|f| matches!(self.model.origin(f.rel, &f.values), Some(Origin::Base(_))))
            .collect();
        for f in &removed {
            self.model.retract_fact(f.rel, &f.values);
        }
        let mut added = Vec::new();
        for f in checked.add {
            // A tuple the rules derived becomes stated too: undo must take that back, or
            // the tuple would stay stated once its derivation goes.
            let stated = matches!(self.model.origin(f.rel, &f.values), Some(Origin::Base(_)));
            self.model.add_fact(f.rel, &f.values, f.span);
            if !stated {
                added.push(f);
            }
        }
        let mut instance = checked.instance;
        let applied = ordered::apply(&mut self.model, &checked.actions, &self.limits, true)
            .map_err(|e| vec![eval_diagnostic(e)])?;
        record_grants(&mut instance, &applied);
        let refused: Vec<String> = applied
            .added
            .iter()
            .filter_map(|p| {
                let values: Vec<Const> = p
                    .values
                    .iter()
                    .map(|&v| self.model.constant(v).clone())
                    .collect();
                let note =
                    facts::ActionKind::refusal_note(self.program().relation_name(p.rel), &values)?;
                Some(format!(
                    "`{}` {note}",
                    statement_text(&self.sources, p.span)
                ))
            })
            .collect();
        let mut touched = touched;
        let placed = |p: ordered::Placed| Fact {
            rel: p.rel,
            values: p.values,
            span: p.span,
        };
        touched.extend(applied.added.iter().chain(&applied.removed).map(|p| p.rel));
        added.extend(applied.added.into_iter().map(placed));
        let mut removed = removed;
        removed.extend(applied.removed.into_iter().map(placed));
        self.model
            .evaluate(&self.limits)
            .map_err(|e| vec![eval_diagnostic(e)])?;
        self.instance = instance;
        self.warnings.extend(checked.warnings);
        self.as_opened = false;
        let mut delta = self.delta(&touched);
        delta.refused = refused;
        if record {
            self.undo.push(Step {
                added,
                removed,
                instance: previous,
                fact_texts,
                reopen: false,
            });
            delta.undo_dropped = self.trim_history();
        }
        Ok(delta)
    }

    /// The decisions the last evaluation changed: derived tuples downstream of `touched`.
    fn delta(&self, touched: &[RelId]) -> Delta {
        let changes = self.model.changes(&downstream(self.program(), touched));
        let fact = |(rel, t): &(RelId, Vec<Value>)| {
            let name = self.program().relation_name(*rel).to_string();
            (
                name,
                t.iter().map(|&v| self.model.constant(v).clone()).collect(),
            )
        };
        let mut delta = Delta {
            gained: changes.gained.iter().map(fact).collect(),
            lost: changes.lost.iter().map(fact).collect(),
            refused: Vec::new(),
            undo_dropped: 0,
        };
        delta.gained.sort();
        delta.lost.sort();
        delta
    }
}

/// A statement's text on one line (its span), for messages.
fn statement_text(sources: &SourceMap, span: Span) -> String {
    let text = sources
        .get(span.file)
        .and_then(|f| f.text.get(span.start as usize..span.end as usize))
        .unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keeps the instance's record of grants in force in step with what the actions did.
fn record_grants(instance: &mut Instance, applied: &ordered::Applied) {
    instance.apply(&facts::Changes {
        add: applied.granted.clone(),
        remove: applied.revoked.clone(),
        ..facts::Changes::default()
    });
}

/// Derived relations whose tuples can depend on any of `touched`.
pub fn downstream(program: &Program, touched: &[RelId]) -> Vec<RelId> {
    let mut reached: FxHashSet<RelId> = touched.iter().copied().collect();
    for stratum in program.strata() {
        let reads_reached = stratum
            .reads
            .iter()
            .chain(&stratum.relations)
            .any(|r| reached.contains(r));
        if reads_reached {
            reached.extend(stratum.relations.iter().copied());
        }
    }
    let mut out: Vec<RelId> = reached
        .into_iter()
        .filter(|&r| program.is_derived(r))
        .collect();
    out.sort();
    out
}

/// `rules` compiled into `sources` (which gains their files), with the warnings.
fn compile_rules(
    mut sources: SourceMap,
    rules: &[Text],
) -> Result<(SourceMap, Program, Vec<Diagnostic>), LoadFailure> {
    let texts: Vec<(&str, &str)> = rules
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_str()))
        .collect();
    match compile_texts(&mut sources, &texts) {
        Ok((program, warnings)) => Ok((sources, program, warnings)),
        Err(diagnostics) => Err(LoadFailure {
            sources,
            diagnostics,
        }),
    }
}
