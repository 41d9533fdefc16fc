//! Revocations behind a missing grant: the facts language removes a revoked `grant` or
//! `run_as_grant` fact and records a `revoked_grant` / `revoked_run_as` fact at the
//! `revoke` statement (docs/facts-language.md), so a why-not that ends at a missing grant
//! can name the revocation that removed it (S20, S27).

use super::matcher::{arg_value, Regs};
use super::{fact_of, file_line, Fact};
use crate::engine::{Model, Origin};
use crate::program::BodyAtom;
use crate::source::{SourceMap, Span};

/// (relation a revocation removes, relation recording it, leading columns they share):
/// the revocations that removed a grant, and the grant statements refused when they were
/// applied (the grantor could not grant then), which never became a `grant`.
const RECORDS: &[(&str, &str, usize)] = &[
    ("grant", "revoked_grant", 4),
    ("run_as_grant", "revoked_run_as", 2),
    ("grant", "refused_grant", 4),
];

/// For a refusal (`refused_grant`, `refused_revocation`, ...): what did not hold when
/// the statement was applied. The refusal is a fact of the history; this is its reason,
/// read off the action's check (docs/facts-language.md, "Order and loading").
pub fn refusal_note(fact: &Fact) -> Option<String> {
    crate::facts::ActionKind::refusal_note(&fact.relation, &fact.values)
}

/// At most this many revocations are named per missing premise.
const MAX_SHOWN: usize = 4;

/// A revocation record matching a missing premise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// `revoked_run_as(dpdeveloper, sam, iamgroot)`.
    pub fact: Fact,
    /// The `revoke` statement's span (`None` for a fact derived or added without one).
    pub at: Option<Span>,
    /// A grant statement refused when it was applied, rather than a revocation.
    pub refused: bool,
}

impl Revocation {
    /// `examples/run-as-revoked.facts:3`.
    pub fn location(&self, sources: &SourceMap) -> String {
        self.at
            .map_or_else(|| "<added>".to_string(), |at| file_line(sources, at))
    }

    /// The statement's text, on one line; the recorded fact when there is no source.
    pub fn statement(&self, sources: &SourceMap) -> String {
        let text = self.at.and_then(|at| {
            let f = sources.get(at.file)?;
            f.text
                .get(at.start as usize..at.end as usize)
                .map(str::to_string)
        });
        match text {
            Some(t) if !t.trim().is_empty() => {
                let mut s = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if !s.ends_with('.') {
                    s.push('.');
                }
                s
            }
            _ => self.fact.to_string(),
        }
    }
}

/// The recorded revocations of facts the missing premise `atom` (under `regs`) asks for.
pub(super) fn revocations(model: &Model, atom: &BodyAtom, regs: &Regs) -> Vec<Revocation> {
    let program = model.program();
    let name = program.relation_name(atom.rel);
    let mut out = Vec::new();
    for &(_, record, shared) in RECORDS.iter().filter(|(r, _, _)| *r == name) {
        if let Some(rec) = program.relation(record) {
            out.extend(records(model, atom, regs, rec, record, shared));
        }
    }
    out.truncate(MAX_SHOWN);
    out
}

fn records(
    model: &Model,
    atom: &BodyAtom,
    regs: &Regs,
    rec: crate::program::RelId,
    record: &str,
    shared: usize,
) -> Vec<Revocation> {
    let want: Vec<_> = atom
        .args
        .iter()
        .take(shared)
        .map(|a| arg_value(model, *a, regs))
        .collect();
    model
        .tuples(rec)
        .filter(|t| {
            t.len() >= shared
                && want
                    .iter()
                    .zip(t.iter())
                    .all(|(w, v)| w.is_none_or(|w| w == *v))
        })
        .take(MAX_SHOWN)
        .map(|t| Revocation {
            refused: record.starts_with("refused_"),
            fact: fact_of(model, rec, t),
            at: match model.origin(rec, t) {
                Some(Origin::Base(span)) => Some(span),
                _ => None,
            },
        })
        .collect()
}
