//! From ASTs to a checked, stratified, planned program.
//!
//! [`Program::compile`] resolves relation names into [`RelId`]s and variables into register
//! slots, runs every check (collecting all diagnostics), splits the rules into strata (the
//! strongly connected components of the dependency graph, in topological order) and plans
//! every rule once per semi-naive variant (see [`plan`]).

mod check;
pub mod plan;
mod safety;
mod stratify;

use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{ColumnType, CompareOp, Const, Module};
use rustc_hash::FxHashMap;

pub use plan::{IndexId, Lookup, Op, Operand, Plan, RowRange, Scan};

/// A declared relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelId(pub u32);

/// A rule with a body (facts are not rules; they are [`BaseFact`]s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// A constant written in the rules, in [`Program::constants`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u32);

/// What `.decl` said about a relation.
#[derive(Clone, Debug)]
pub struct Relation {
    /// Declared `@decision`: a change report (REPL, server, diff) lists its tuples one by
    /// one, and the rest only as counts.
    pub decision: bool,
    pub name: String,
    pub columns: Vec<String>,
    pub types: Vec<Option<ColumnType>>,
    pub doc: Option<String>,
    pub span: Span,
}

/// What explanations need to know about a rule.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// The `@name`, else the `file:line` label.
    pub name: String,
    /// `file:line` of the rule's head.
    pub label: String,
    pub doc: Option<String>,
    pub span: Span,
    pub head: RelId,
}

/// A resolved term: a variable's register slot, a constant, or `_`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    Var(u32),
    Const(ConstId),
    Wild,
    /// A variable that occurs in one negated atom and nowhere else in its rule or query
    /// (slot = its name in `var_names`): `!s(X, P)` reads "there is no P with s(X, P)". It
    /// never gets a value; like `_`, but its repeated occurrences in the atom must agree.
    Local(u32),
}

impl BodyAtom {
    /// `(column, earlier column)` pairs that must hold equal values because the same
    /// local variable fills both (`!s(X, P, P)`).
    pub fn same_locals(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for (c, a) in self.args.iter().enumerate() {
            if let Arg::Local(_) = a {
                if let Some(first) = self.args[..c].iter().position(|b| b == a) {
                    out.push((c as u32, first as u32));
                }
            }
        }
        out
    }
}

/// Marks the variables local to a negated atom as [`Arg::Local`]: those occurring in that
/// one literal only (not in `head`, not in another literal). The safety check already
/// allowed exactly these to stay unbound.
pub(crate) fn mark_locals(body: &mut [BodyLiteral], head: &[Arg]) {
    let vars = |lit: &BodyLiteral| -> Vec<u32> {
        let args: Vec<Arg> = match lit {
            BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => a.args.clone(),
            BodyLiteral::Compare { left, right, .. } => vec![*left, *right],
        };
        args.into_iter()
            .filter_map(|a| match a {
                Arg::Var(s) => Some(s),
                _ => None,
            })
            .collect()
    };
    let per_literal: Vec<Vec<u32>> = body.iter().map(vars).collect();
    for (i, lit) in body.iter_mut().enumerate() {
        let BodyLiteral::Negative(atom) = lit else {
            continue;
        };
        let elsewhere = |s: u32| {
            head.contains(&Arg::Var(s))
                || per_literal
                    .iter()
                    .enumerate()
                    .any(|(j, vs)| j != i && vs.contains(&s))
        };
        for a in &mut atom.args {
            if let Arg::Var(s) = *a {
                if !elsewhere(s) {
                    *a = Arg::Local(s);
                }
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct BodyAtom {
    pub rel: RelId,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum BodyLiteral {
    Positive(BodyAtom),
    Negative(BodyAtom),
    Compare {
        op: CompareOp,
        left: Arg,
        right: Arg,
        span: Span,
    },
}

/// A rule after name resolution, with one plan per semi-naive variant.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub info: RuleInfo,
    pub head_args: Vec<Arg>,
    pub body: Vec<BodyLiteral>,
    /// Variable names by slot.
    pub var_names: Vec<String>,
    /// One plan per positive body atom (that atom reads the delta), or a single plan
    /// without a delta atom when the body has no positive atom.
    pub plans: Vec<Plan>,
    /// For incremental maintenance (`engine::fixpoint`): per body literal that has an
    /// atom, the body planned from seed rows of that atom's relation.
    pub seeded: Vec<(usize, Plan)>,
    /// The body planned from seed rows of the head's relation: which of those tuples can
    /// still be derived.
    pub rederive: Plan,
}

/// A fact written in a rule file: `edge(a, b).`
#[derive(Clone, Debug)]
pub struct BaseFact {
    pub rel: RelId,
    pub args: Vec<ConstId>,
    pub span: Span,
}

/// One strongly connected component of the dependency graph.
#[derive(Clone, Debug, Default)]
pub struct Stratum {
    pub relations: Vec<RelId>,
    pub rules: Vec<RuleId>,
    /// Every relation some rule of this stratum reads (positively or negated).
    pub reads: Vec<RelId>,
    /// The relations some rule of this stratum negates (a subset of `reads`): when one of
    /// them gains tuples, conclusions drawn from their absence may be wrong.
    pub negated: Vec<RelId>,
}

/// A checked, stratified, planned program. Immutable; share it with `Arc`.
#[derive(Clone, Debug)]
pub struct Program {
    relations: Vec<Relation>,
    by_name: FxHashMap<String, RelId>,
    rules: Vec<CompiledRule>,
    facts: Vec<BaseFact>,
    constants: Vec<Const>,
    strata: Vec<Stratum>,
    stratum_of: Vec<usize>,
    /// Per relation, the column sets of the indexes the plans probe (`IndexId` = position).
    indexes: Vec<Vec<Vec<u32>>>,
    derived: Vec<bool>,
    /// Per relation, the first place a rule body reads it.
    first_read: Vec<Option<Span>>,
}

impl Program {
    /// All modules of the rule files together. `Err` holds every diagnostic found (all
    /// checks run, not just the first; warnings are included too); `Ok` carries warnings.
    pub fn compile(
        sources: &SourceMap,
        modules: &[Module],
    ) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
        let checked = check::check_modules(sources, modules);
        let mut diags = checked.diags;
        let has_errors = |d: &[Diagnostic]| d.iter().any(Diagnostic::is_error);
        if has_errors(&diags) {
            return Err(diags);
        }
        let strata = stratify::stratify(&checked.relations, &checked.rules, &mut diags);
        if has_errors(&diags) {
            return Err(diags);
        }
        let n = checked.relations.len();
        let mut program = Program {
            by_name: checked.by_name,
            rules: checked.rules,
            facts: checked.facts,
            constants: checked.constants,
            stratum_of: strata.stratum_of,
            strata: strata.strata,
            indexes: vec![Vec::new(); n],
            derived: vec![false; n],
            first_read: checked.first_read,
            relations: checked.relations,
        };
        for rule in &program.rules {
            program.derived[rule.info.head.0 as usize] = true;
        }
        let mut chooser = plan::CreateIndexes(&mut program.indexes);
        for rule in &mut program.rules {
            rule.plans = plan::plan_variants(&rule.body, &rule.head_args, &mut chooser);
            rule.seeded = (0..rule.body.len())
                .filter_map(|i| match &rule.body[i] {
                    BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => Some((
                        i,
                        plan::plan_seeded(&rule.body, &rule.head_args, a, &mut chooser),
                    )),
                    BodyLiteral::Compare { .. } => None,
                })
                .collect();
            let head = BodyAtom {
                rel: rule.info.head,
                args: rule.head_args.clone(),
                span: rule.info.span,
            };
            rule.rederive = plan::plan_seeded(&rule.body, &rule.head_args, &head, &mut chooser);
        }
        Ok((program, diags))
    }

    pub fn relation(&self, name: &str) -> Option<RelId> {
        self.by_name.get(name).copied()
    }

    pub fn relation_name(&self, r: RelId) -> &str {
        &self.relations[r.0 as usize].name
    }

    pub fn columns(&self, r: RelId) -> &[String] {
        &self.relations[r.0 as usize].columns
    }

    pub fn column_types(&self, r: RelId) -> &[Option<ColumnType>] {
        &self.relations[r.0 as usize].types
    }

    pub fn arity(&self, r: RelId) -> usize {
        self.relations[r.0 as usize].columns.len()
    }

    /// The declaration: name, columns, types, doc and span.
    /// The relations declared `@decision`, in declaration order.
    pub fn decisions(&self) -> impl Iterator<Item = RelId> + '_ {
        (0..self.relations.len() as u32)
            .map(RelId)
            .filter(|&r| self.relations[r.0 as usize].decision)
    }

    /// Whether the relation is declared `@decision`.
    pub fn is_decision(&self, r: RelId) -> bool {
        self.relations[r.0 as usize].decision
    }

    pub fn declaration(&self, r: RelId) -> &Relation {
        &self.relations[r.0 as usize]
    }

    pub fn relations(&self) -> impl Iterator<Item = RelId> {
        (0..self.relations.len() as u32).map(RelId)
    }

    pub fn relation_names(&self) -> impl Iterator<Item = &str> {
        self.relations.iter().map(|r| r.name.as_str())
    }

    pub fn rules(&self) -> impl Iterator<Item = RuleId> {
        (0..self.rules.len() as u32).map(RuleId)
    }

    pub fn rule_info(&self, r: RuleId) -> &RuleInfo {
        &self.rules[r.0 as usize].info
    }

    pub fn rule(&self, r: RuleId) -> &CompiledRule {
        &self.rules[r.0 as usize]
    }

    /// Rules whose head is `rel`.
    pub fn rules_for(&self, rel: RelId) -> impl Iterator<Item = RuleId> + '_ {
        self.rules()
            .filter(move |r| self.rules[r.0 as usize].info.head == rel)
    }

    /// Has at least one rule with a body.
    pub fn is_derived(&self, r: RelId) -> bool {
        self.derived[r.0 as usize]
    }

    /// The facts written in the rule files.
    pub fn facts(&self) -> &[BaseFact] {
        &self.facts
    }

    /// Every constant the rules and facts mention (`ConstId` = position).
    pub fn constants(&self) -> &[Const] {
        &self.constants
    }

    /// Strata in evaluation order.
    pub fn strata(&self) -> &[Stratum] {
        &self.strata
    }

    pub fn stratum_of(&self, r: RelId) -> usize {
        self.stratum_of[r.0 as usize]
    }

    /// The key columns of every index the plans of `r` probe.
    pub fn indexes(&self, r: RelId) -> &[Vec<u32>] {
        &self.indexes[r.0 as usize]
    }

    /// W0503: relations some rule reads that have neither rules nor facts. Facts may come
    /// from fact files after compiling, so the caller says which relations it fed.
    pub fn unfed_relations(&self, has_facts: impl Fn(RelId) -> bool) -> Vec<Diagnostic> {
        let mut fed = self.derived.clone();
        for f in &self.facts {
            fed[f.rel.0 as usize] = true;
        }
        self.relations()
            .filter(|&r| !fed[r.0 as usize] && !has_facts(r))
            .filter_map(|r| {
                let span = self.first_read[r.0 as usize]?;
                let name = self.relation_name(r);
                Some(
                    Diagnostic::warning(
                        "W0503",
                        format!("relation `{name}` is used but never given facts or rules"),
                    )
                    .at(span)
                    .label("always empty")
                    .related(self.declaration(r).span, "declared here")
                    .help(format!(
                        "add facts for `{name}` (in a rule file or a fact file) or a rule deriving it"
                    )),
                )
            })
            .collect()
    }
}
