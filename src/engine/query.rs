//! One-off queries: checked like rule bodies, planned against the indexes the model
//! already maintains (bound columns no index covers become filters), run once over all
//! rows. Constants the model has never seen get temporary values past the interned ones.

use super::eval::{Budget, Run};
use super::relation::Pending;
use super::{Limits, Model, Value};
use crate::diag::Diagnostic;
use crate::program::plan::{plan_body, ExistingIndexes};
use crate::program::{Arg, BodyLiteral};
use crate::source::SourceMap;
use crate::syntax::ast::{Const, Query};
use std::time::Instant;

/// The answer to a query: one column per named variable, rows sorted and unique.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Const>>,
}

impl Answer {
    /// For a query without variables: did it hold?
    pub fn holds(&self) -> bool {
        !self.rows.is_empty()
    }
}

impl Model {
    /// Checks the query against the program (unknown relation, arity, types, safety: the
    /// diagnostics of rules) and answers it from the current tuples. Columns are the named
    /// variables in order of first appearance; a query without variables answers `[[]]`
    /// when it holds and `[]` when not. Rows are sorted by [`Const`]'s order.
    /// Bounded by the enclosing [`super::limits::Scope`]: at most its `max_tuples` rows,
    /// its deadline, Ctrl-C (E0401, E0402, E0403 as diagnostics, no partial answer).
    pub fn query(&self, _sources: &SourceMap, q: &Query) -> Result<Answer, Vec<Diagnostic>> {
        let program = self.program();
        let resolved = program.resolve_query(q)?;
        let head = resolved.head.clone();
        let plan = plan_body(
            &resolved.body,
            &head,
            None,
            &mut ExistingIndexes(program.all_indexes()),
        );
        let mut extra: Vec<Const> = Vec::new();
        let mut extra_numbers = Vec::new();
        let consts: Vec<Value> = resolved
            .constants
            .iter()
            .map(|c| {
                self.symbols.get(c).unwrap_or_else(|| {
                    extra.push(c.clone());
                    extra_numbers.push(match c {
                        Const::Num(n) => Some(*n),
                        Const::Sym(_) => None,
                    });
                    Value((self.symbols.len() + extra.len() - 1) as u32)
                })
            })
            .collect();
        let hi: Vec<u32> = self.rels.iter().map(|r| r.len()).collect();
        let mut pending = Pending::new(head.len());
        let mut regs = vec![Value(0); plan.slots];
        let mut run = Run {
            rels: &self.rels,
            consts: &consts,
            numbers: self.symbols.numbers(),
            extra_numbers: &extra_numbers,
            lo: &hi,
            hi: &hi,
            window: super::eval::WHOLE,
            vis: super::relation::Vis::Now,
            seed: &[],
            head: &plan.head,
            head_rel: None,
            out: &mut pending,
            direct: None,
            scratch: Vec::new(),
            budget: Budget::new(&Limits::default(), Instant::now(), 0),
            stopped: None,
        };
        run.run(&plan.ops, &mut regs);
        if let Some(e) = run.stopped {
            return Err(vec![e.to_diagnostic()]);
        }
        let constant = |v: &Value| match extra.get((v.0 as usize).wrapping_sub(self.symbols.len()))
        {
            Some(c) if v.0 as usize >= self.symbols.len() => c.clone(),
            _ => self.symbols.constant(*v).clone(),
        };
        let mut rows: Vec<Vec<Const>> = (0..pending.len())
            .map(|i| pending.row(i).iter().map(constant).collect())
            .collect();
        rows.sort_unstable();
        Ok(Answer {
            columns: resolved.columns,
            rows,
        })
    }

    /// For a query that is one atom without variables (a check): whether it holds, with
    /// the diagnostics [`Model::query`] gives, answered by one probe of the relation's
    /// tuple table instead of planning and running the query (a server's check is mostly
    /// that overhead otherwise). Any other query is answered by [`Model::query`].
    pub fn holds(&self, sources: &SourceMap, q: &Query) -> Result<bool, Vec<Diagnostic>> {
        let resolved = self.program().resolve_query(q)?;
        let atom = match resolved.body.as_slice() {
            [BodyLiteral::Positive(a)] if a.args.iter().all(|x| matches!(x, Arg::Const(_))) => a,
            _ => return self.query(sources, q).map(|a| a.holds()),
        };
        let mut tuple = Vec::with_capacity(atom.args.len());
        for arg in &atom.args {
            let Arg::Const(id) = arg else {
                unreachable!("checked above")
            };
            // A constant the model has never seen is in no tuple.
            match self.symbols.get(&resolved.constants[id.0 as usize]) {
                Some(v) => tuple.push(v),
                None => return Ok(false),
            }
        }
        Ok(self.contains(atom.rel, &tuple))
    }
}
