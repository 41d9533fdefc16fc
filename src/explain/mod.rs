//! Explanations: why a fact holds (a proof tree) and why one does not (the first failing
//! premise per rule, followed down, and verified fixes).
//!
//! - [`matcher`]: a small backtracking matcher of rule bodies against the model's tuples
//!   (filters by bound columns while scanning, scans the smallest relation first).
//! - [`why`]: well-founded proofs from the recorded rounds, shared sub-proofs once.
//! - [`whynot`]: closest candidate bindings, blocking negations, fixes (abduced from the
//!   failing premises).
//! - [`fixes`]: sets of base facts abduced from the rules.
//! - [`verify`]: a fix verified on the live model in a transaction, and minimised.
//! - [`render`]: text, JSON and DOT.
//! - [`statement`]: base facts written back as `.facts` statements.
//! - [`revoked`]: the revocations behind a missing grant.
//! - [`candidates`]: the cases a why-not with variables explains.
//! - [`cause`]: the causes a why-not leads with, in the access model's words.

pub mod candidates;
mod cause;
mod fixes;
pub(crate) mod matcher;
mod render;
mod render_whynot;
mod revoked;
mod statement;
mod verify;
mod why;
mod whynot;

use crate::diag::Diagnostic;
use crate::engine::{Model, Value};
use crate::load::check_fact;
use crate::program::{RelId, RuleId, RuleInfo};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{Atom, Const};
use std::fmt;

pub use revoked::Revocation;
pub use statement::as_statement;
pub use why::{prove, why};
pub use whynot::{why_not, why_not_resolved};

/// E0701: `why` was asked for a fact that does not hold.
pub const DOES_NOT_HOLD: &str = "E0701";
/// E0702: `why_not` was asked for a fact that holds.
pub const HOLDS: &str = "E0702";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExplainOptions {
    /// Deepest level of premises shown (the fact itself is level 0); `None` = all.
    /// For why-not it also bounds how far failing derived premises are followed
    /// (default 6).
    pub max_depth: Option<usize>,
}

/// A ground fact: relation name and constants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fact {
    pub relation: String,
    pub values: Vec<Const>,
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.relation)?;
        if !self.values.is_empty() {
            f.write_str("(")?;
            for (i, v) in self.values.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// An argument of a premise as far as it is known: a constant, a variable still unbound,
/// or `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PatArg {
    Const(Const),
    Var(String),
    Wild,
}

/// A premise instantiated under (possibly partial) bindings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub relation: String,
    pub args: Vec<PatArg>,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.relation)?;
        if !self.args.is_empty() {
            f.write_str("(")?;
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match a {
                    PatArg::Const(c) => write!(f, "{c}")?,
                    PatArg::Var(v) => f.write_str(v)?,
                    PatArg::Wild => f.write_str("_")?,
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A proof: nodes of a DAG (shared sub-proofs are one node), `root` first.
#[derive(Clone, Debug)]
pub struct Proof {
    pub nodes: Vec<ProofNode>,
    pub root: usize,
    /// The depth the proof is shown to (`...` below it).
    pub max_depth: Option<usize>,
    /// Other derivations of the root, sharing `nodes` (filled where every reason a fact
    /// holds matters: the fact that blocks a why-not).
    pub also: Vec<Derivation>,
}

/// Another rule instance deriving a proof's root.
#[derive(Clone, Debug)]
pub struct Derivation {
    pub rule: RuleInfo,
    pub premises: Vec<Premise>,
}

#[derive(Clone, Debug)]
pub struct ProofNode {
    pub fact: Fact,
    pub origin: NodeOrigin,
    /// In body order; `None` when the depth limit cut the proof here.
    pub premises: Option<Vec<Premise>>,
}

#[derive(Clone, Debug)]
pub enum NodeOrigin {
    /// Written at this span (a fact file or a rule file).
    Base(Span),
    /// Derived by this rule (first in this round).
    Rule { rule: RuleInfo, round: u32 },
    /// Derived, but no well-founded rule instance was found (should not happen).
    Unproved,
}

#[derive(Clone, Debug)]
pub enum Premise {
    /// A positive premise: its node.
    Fact(usize),
    /// `!p(..)` holds: there is no such fact.
    Absent(Pattern),
    /// A comparison that holds, instantiated (`sam != dpdeveloper`).
    Compare(String),
}

/// Why a fact does not hold.
#[derive(Clone, Debug)]
pub struct WhyNot {
    pub fact: Pattern,
    /// The relation has no rules: the fact is simply not stated.
    pub base: bool,
    /// One per rule whose head could give the fact.
    pub attempts: Vec<Attempt>,
    /// Verified sets of base facts whose addition makes the fact hold, smallest and then
    /// narrowest first (only at the top level).
    pub fixes: Vec<Fix>,
}

/// A verified fix: base facts to add and, per fact, who may sign it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub facts: Vec<Fact>,
    /// Per fact (same order), the values of its signer column that verify (the one in
    /// `facts` first); empty for a fact without one (`by`, `grantor`, `*_by`).
    pub signers: Vec<Vec<Const>>,
}

impl Fix {
    /// Whether someone other than the signer shown may sign some statement.
    pub fn has_other_signers(&self) -> bool {
        self.signers.iter().any(|s| s.len() > 1)
    }
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub rule: RuleInfo,
    /// The closest candidate bindings (those satisfying the most premises).
    pub bindings: Vec<(String, Const)>,
    /// The premises that hold under those bindings, in the order they were checked.
    pub holding: Vec<String>,
    pub failure: Failure,
}

#[derive(Clone, Debug)]
pub enum Failure {
    /// The head's constants or repeated variables do not fit the fact.
    HeadMismatch,
    /// No fact matches this positive premise; for a derived one, why not (unless cut);
    /// for a grant, the recorded revocations that removed it.
    Missing {
        premise: Pattern,
        why_not: Option<Box<WhyNot>>,
        revoked: Vec<Revocation>,
    },
    /// `!premise` fails because the premise holds; here is its proof.
    Blocked { premise: Fact, proof: Proof },
    /// The comparison is false.
    Compare(String),
    /// Every premise holds (the model may not be evaluated).
    None,
}

/// Whether some instance of the rule's body holds in the model: the rule fires there
/// (in a model at its fixpoint, its head holds for that instance). Searched within the
/// matcher's work budget, so a very large model may answer `false` for a rule that fires.
pub fn body_holds(model: &Model, rule: RuleId) -> bool {
    let compiled = model.program().rule(rule);
    let regs = matcher::empty_regs(compiled);
    !matcher::instances(model, compiled, regs, &mut |_, _| true, 1).is_empty()
}

/// Whether some rule for `rel` derives `tuple` from the model as it stands: one rule
/// application, so the relations its body reads must be up to date, `rel` itself need
/// not be (the ordered reading checks a right this way after evaluating only what the
/// right rests on, [`crate::history`]).
pub fn one_step_derives(model: &Model, rel: RelId, tuple: &[Value]) -> bool {
    let program = model.program();
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    program.rules_for(rel).any(|r| {
        let rule = program.rule(r);
        matcher::bind_head(model, rule, &head).is_some_and(|regs| {
            !matcher::instances(model, rule, regs, &mut |_, _| true, 1).is_empty()
        })
    })
}

/// The fact as relation and model values. `Err` for unknown relations, wrong arity,
/// non-ground atoms or wrong types (diagnostics as for fact files).
pub(crate) fn resolve(model: &Model, fact: &Atom) -> Result<(RelId, Vec<Const>), Vec<Diagnostic>> {
    let program = model.program();
    let consts = check_fact(fact, program).map_err(|d| vec![d])?;
    let rel = program.relation(&fact.relation.name).expect("checked");
    Ok((rel, consts))
}

pub(crate) fn values_of(model: &Model, consts: &[Const]) -> Option<Vec<Value>> {
    consts.iter().map(|c| model.symbols().get(c)).collect()
}

pub(crate) fn fact_of(model: &Model, rel: RelId, tuple: &[Value]) -> Fact {
    Fact {
        relation: model.program().relation_name(rel).to_string(),
        values: tuple.iter().map(|&v| model.constant(v).clone()).collect(),
    }
}

/// `file:line` of a span.
pub(crate) fn file_line(sources: &SourceMap, span: Span) -> String {
    match sources.get(span.file) {
        Some(_) => {
            let loc = sources.locate(span);
            format!("{}:{}", loc.file, loc.line)
        }
        None => "<added>".to_string(),
    }
}
