//! The evaluator: a [`Model`] holds one program, its facts and their fixpoint.
//!
//! Design (details where they live):
//! - [`symbols`]: constants are interned into `Value(u32)`; inner loops see only values.
//! - [`relation`]: flat row storage, a dedup table over row ids, incremental indexes,
//!   provenance in a parallel vector.
//! - [`eval`]: plans run as nested loops over a register file; no allocation per probe or
//!   per derived tuple.
//! - [`fixpoint`]: stratified semi-naive evaluation, maintained incrementally (delete and
//!   rederive) after facts are added and retracted.
//! - [`journal`]: changes made in a transaction, rolled back row by row.
//! - [`query`]: one-off queries planned against the indexes the model already has.
//! - [`limits`]: one command's limits over all its engine work, and the Ctrl-C flag.

mod beside;
mod bulk;
mod changes;
mod eval;
mod feed;
mod fixpoint;
mod journal;
pub mod limits;
mod lookup;
mod memory;
mod query;
mod relation;
mod successor;
pub mod symbols;

use crate::diag::Diagnostic;
use crate::program::{Program, RelId, RuleId};
use crate::source::Span;
use crate::syntax::ast::Const;
use relation::{hash_values, Prov, Rows, BASE};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use beside::Candidates;
pub use changes::Changes;
pub use feed::Feed;
pub use memory::MemoryUse;
pub use query::Answer;
pub use symbols::{Symbols, Value};

/// Bounds on one evaluation; `None` = unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Most derived tuples the model may hold.
    pub max_tuples: Option<usize>,
    /// Longest one call to [`Model::evaluate`] may run (an enclosing
    /// [`limits::Scope`] may end it sooner).
    pub timeout: Option<Duration>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvalStats {
    /// Semi-naive rounds run (over all strata).
    pub rounds: u32,
    /// Tuples derived by this call.
    pub derived: usize,
    pub elapsed: Duration,
}

/// Why evaluation stopped before the fixpoint. The model stays usable: the next
/// [`Model::evaluate`] recomputes what was left unfinished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// E0401
    TupleLimit { limit: usize },
    /// E0402
    Timeout { limit: Duration },
    /// E0403: the interrupt flag was set (Ctrl-C), see [`limits::Interrupt`].
    Interrupted,
}

impl EvalError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            EvalError::TupleLimit { limit } => Diagnostic::error(
                "E0401",
                format!("limit on derived tuples reached ({limit} tuples)"),
            )
            .help("raise the limit (`--max-tuples N`), or look for a rule that derives more than intended, such as a cross product"),
            EvalError::Timeout { limit } => Diagnostic::error(
                "E0402",
                format!("time limit reached ({:.3}s)", limit.as_secs_f64()),
            )
            .help("raise the limit (`--timeout SECONDS`), or look for a rule that derives more than intended"),
            EvalError::Interrupted => Diagnostic::error("E0403", "interrupted (Ctrl-C)")
                .help("the work was stopped before it finished; nothing it would have changed was kept"),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_diagnostic();
        write!(f, "error[{}]: {}", d.code, d.message)
    }
}

impl std::error::Error for EvalError {}

impl From<EvalError> for Diagnostic {
    fn from(e: EvalError) -> Diagnostic {
        e.to_diagnostic()
    }
}

/// Where a tuple came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A fact, written at this span.
    Base(Span),
    /// First derived by `rule` in `round`. Rounds count up over the model's lifetime, so
    /// every tuple a derivation used has a smaller round (or is a base fact).
    Derived { rule: RuleId, round: u32 },
}

/// One program, its facts and the fixpoint. Cloning copies every tuple (flat vectors and
/// tables, no per-tuple allocation) and shares the program: a cheap base for what-if
/// analysis.
#[derive(Clone)]
pub struct Model {
    program: Arc<Program>,
    /// Shared until a new constant is interned, like `rels`.
    symbols: Arc<Symbols>,
    /// `ConstId` of the program -> value.
    consts: Vec<Value>,
    /// Shared until written (`Arc::make_mut`): a clone of the model copies only the
    /// relations it then changes, so what-if copies (fix verification) are cheap.
    rels: Vec<Arc<Rows>>,
    base_spans: Vec<Span>,
    /// Per relation, the rows every stratum has consumed (the fixpoint so far).
    seen: Vec<u32>,
    /// Strata from here on must be recomputed from scratch at the next evaluation (set
    /// for a new model and after an evaluation stopped by a limit).
    reset_from: Option<usize>,
    /// Per stratum: recompute it from scratch at the next evaluation (a model built
    /// [`Model::beside`] another).
    stale: Vec<bool>,
    /// The generation rows die in: one per successful evaluation.
    gen: u32,
    /// Per relation, the ids of rows that died in this generation (retracted, or killed
    /// while maintaining the fixpoint).
    killed: Vec<Vec<u32>>,
    /// Open transaction: what to undo on rollback.
    journal: Option<Box<journal::Journal>>,
    tracker: changes::Tracker,
    /// The last round number used.
    round: u32,
    derived_total: usize,
    /// Rules a rule change added to strata [`Model::beside`] maintains: the next
    /// evaluation inserts all their derivations (then forgets them).
    added: Vec<RuleId>,
    /// Relations a model built [`Model::beside`] another takes over when its evaluation
    /// reaches their stratum (the other may still be evaluating them).
    carrying: Option<Box<beside::Carrying>>,
    /// Per relation of a model built beside another (else empty): the other's rows it
    /// took over, which are its own rows below their length, id for id.
    taken: Vec<Option<Arc<Rows>>>,
}

impl Model {
    /// A model of `program` holding the facts written in its rule files (not evaluated).
    pub fn new(program: Arc<Program>) -> Model {
        let mut symbols = Symbols::new();
        let consts: Vec<Value> = program
            .constants()
            .iter()
            .map(|c| symbols.intern(c))
            .collect();
        let rels = program
            .relations()
            .map(|r| Arc::new(Rows::new(program.arity(r), program.indexes(r))))
            .collect();
        let n = program.relations().count();
        let mut model = Model {
            program: program.clone(),
            symbols: Arc::new(symbols),
            consts,
            rels,
            base_spans: Vec::new(),
            seen: vec![0; n],
            reset_from: Some(0),
            stale: Vec::new(),
            gen: 1,
            killed: vec![Vec::new(); n],
            journal: None,
            tracker: changes::Tracker::default(),
            round: 0,
            derived_total: 0,
            added: Vec::new(),
            carrying: None,
            taken: Vec::new(),
        };
        let mut tuple = Vec::new();
        for fact in program.facts() {
            tuple.clear();
            tuple.extend(fact.args.iter().map(|c| model.consts[c.0 as usize]));
            model.add_fact(fact.rel, &tuple, fact.span);
        }
        model
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn program_arc(&self) -> &Arc<Program> {
        &self.program
    }

    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    pub fn intern(&mut self, c: &Const) -> Value {
        match self.symbols.get(c) {
            Some(v) => v,
            None => Arc::make_mut(&mut self.symbols).insert_new(c),
        }
    }

    pub fn constant(&self, v: Value) -> &Const {
        self.symbols.constant(v)
    }

    /// Adds a base fact; true if the tuple is new. A tuple that was derived becomes a
    /// base fact (its origin changes) but is not new. Panics if the arity is wrong.
    ///
    /// If `rel` feeds (transitively) a relation that some rule negates, and the next
    /// [`Model::evaluate`] sees that relation gain tuples, it recomputes the negating
    /// stratum and what depends on it; otherwise the new fact is simply part of the next
    /// delta.
    pub fn add_fact(&mut self, rel: RelId, tuple: &[Value], origin: Span) -> bool {
        assert_eq!(
            tuple.len(),
            self.program.arity(rel),
            "arity of {}",
            self.program.relation_name(rel)
        );
        let prov = Prov {
            rule: BASE,
            detail: self.base_spans.len() as u32,
        };
        let r = rel.0 as usize;
        let hash = hash_values(tuple.iter().copied());
        if let Some(id) = self.rels[r].find(hash, tuple) {
            let before = self.rels[r].prov(id);
            if before.rule != BASE {
                self.journal_prov(r, id, before);
                self.rows_mut(r).set_prov(id, prov);
                self.base_spans.push(origin);
                self.derived_total -= 1;
            }
            return false;
        }
        self.rows_mut(r).insert_new(hash, tuple, prov);
        self.base_spans.push(origin);
        true
    }

    /// Removes a base fact; true if `tuple` was one. A tuple that is only derived cannot be
    /// retracted (false, nothing changes); a base fact that rules also derive is removed
    /// as a fact and derived again at the next evaluation.
    ///
    /// The next [`Model::evaluate`] carries the deletion through the strata that read
    /// `rel` (see [`fixpoint`]): only tuples that lose their last derivation go, the rest
    /// keep their rows and provenance.
    pub fn retract_fact(&mut self, rel: RelId, tuple: &[Value]) -> bool {
        let Some(id) = self.row_id(rel, tuple) else {
            return false;
        };
        if self.rels[rel.0 as usize].prov(id).rule != BASE {
            return false;
        }
        self.kill_row(rel, id);
        true
    }

    /// Marks row `id` of `rel` dead in this generation, for the journal and the fixpoint.
    fn kill_row(&mut self, rel: RelId, id: u32) {
        let r = rel.0 as usize;
        let gen = self.gen;
        let before = self.rows_mut(r).kill(id, gen);
        if before.rule != BASE {
            self.derived_total -= 1;
        }
        self.journal_prov(r, id, before);
        self.killed[r].push(id);
    }

    /// The base facts of `rel` (written in rule files or added), each with its origin, in
    /// the order they were added.
    pub fn base_facts(&self, rel: RelId) -> impl Iterator<Item = (&[Value], Span)> {
        let rows = &self.rels[rel.0 as usize];
        let spans = &self.base_spans;
        (0..rows.len()).filter_map(move |r| {
            let prov = rows.prov(r);
            (prov.rule == BASE).then(|| (rows.row(r), spans[prov.detail as usize]))
        })
    }

    /// Runs to the fixpoint, continuing from the previous one (see [`fixpoint`]).
    pub fn evaluate(&mut self, limits: &Limits) -> Result<EvalStats, EvalError> {
        fixpoint::evaluate(self, limits, usize::MAX, None)
    }

    /// [`Model::evaluate`], publishing each stratum's relations to `feed` as they reach
    /// the fixpoint, for a model built beside this one on another thread
    /// ([`Model::beside_feed`]). The feed is closed when this returns.
    pub fn evaluate_feeding(
        &mut self,
        limits: &Limits,
        feed: &Feed,
    ) -> Result<EvalStats, EvalError> {
        let _closing = feed::Closing(feed);
        fixpoint::evaluate(self, limits, usize::MAX, Some(feed))
    }

    /// A feed for models built beside this one (see [`Model::evaluate_feeding`]).
    pub fn feed(&self) -> Feed {
        Feed::new(self.rels.len())
    }

    /// True when no stratum waits to be computed from scratch: the model has reached a
    /// fixpoint through every stratum and changes since are maintained from it. Then
    /// [`Model::evaluate_for`] would cost the strata above `rel` a computation from scratch
    /// at the next [`Model::evaluate`], where evaluating everything maintains them.
    pub fn has_fixpoint(&self) -> bool {
        self.reset_from.is_none()
    }

    /// Runs only as far as `rel` needs: the strata up to its own. What comes later is
    /// left stale and recomputed by the next [`Model::evaluate`]. For what-if copies that
    /// only ask about `rel` (verifying a fix).
    pub fn evaluate_for(&mut self, rel: RelId, limits: &Limits) -> Result<EvalStats, EvalError> {
        let last = self.program.stratum_of(rel);
        fixpoint::evaluate(self, limits, last, None)
    }

    pub fn len(&self, rel: RelId) -> usize {
        self.rels[rel.0 as usize].live() as usize
    }

    /// True when no relation holds a tuple.
    pub fn is_empty(&self) -> bool {
        self.rels.iter().all(|r| r.live() == 0)
    }

    /// Tuples in the order they were added or derived.
    pub fn tuples(&self, rel: RelId) -> impl Iterator<Item = &[Value]> {
        let rows = &self.rels[rel.0 as usize];
        (0..rows.len())
            .filter(|&r| rows.is_alive(r))
            .map(move |r| rows.row(r))
    }

    /// The tuple of row `id` of `rel` (ids as [`Candidates`] gives them).
    pub fn row(&self, rel: RelId, id: u32) -> &[Value] {
        self.rels[rel.0 as usize].row(id)
    }

    pub fn contains(&self, rel: RelId, tuple: &[Value]) -> bool {
        self.row_id(rel, tuple).is_some()
    }

    pub fn origin(&self, rel: RelId, tuple: &[Value]) -> Option<Origin> {
        let prov = self.rels[rel.0 as usize].prov(self.row_id(rel, tuple)?);
        Some(if prov.rule == BASE {
            Origin::Base(self.base_spans[prov.detail as usize])
        } else {
            Origin::Derived {
                rule: RuleId(prov.rule),
                round: prov.detail,
            }
        })
    }

    fn row_id(&self, rel: RelId, tuple: &[Value]) -> Option<u32> {
        let rows = &self.rels[rel.0 as usize];
        if tuple.len() != self.program.arity(rel) {
            return None;
        }
        rows.find(hash_values(tuple.iter().copied()), tuple)
    }

    /// The last round number evaluation used (rounds count up over the model's life; a
    /// tuple's round is at most this).
    pub fn last_round(&self) -> u32 {
        self.round
    }

    /// Rows held, dead ones (waiting to be compacted away) included: what memory holds.
    pub fn held_rows(&self) -> usize {
        self.rels.iter().map(|r| r.len() as usize).sum()
    }

    /// Entries of the tuple lookup tables over all relations: live tuples, plus dead ones
    /// of an evaluation not finished (or a transaction not committed).
    pub fn lookup_entries(&self) -> usize {
        self.rels.iter().map(|r| r.lookup_entries()).sum()
    }

    /// Total derived (non-base) tuples held.
    pub fn derived_count(&self) -> usize {
        self.derived_total
    }

    /// W0503 for relations read by rules that have no rules, no facts in the rule files
    /// and no tuples in this model.
    pub fn unfed_relations(&self) -> Vec<Diagnostic> {
        self.program.unfed_relations(|r| self.len(r) > 0)
    }

    /// True when both models use the same symbol table: equal values are equal constants.
    pub fn shares_symbols(&self, other: &Model) -> bool {
        Arc::ptr_eq(&self.symbols, &other.symbols)
    }
}
