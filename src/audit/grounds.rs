//! The rule instances giving a decision, and in their proofs the grants (and grantors)
//! behind them.
//!
//! Every instance of every rule for the decision is a ground. Each premise is proved
//! (`explain::prove`, well-founded), and the ground's proof is searched for a grant
//! record naming the user as grantee, going down only through derived facts about the
//! user that are not decisions themselves (those are reported on their own lines). The
//! record's sibling premise about the grantor is the grantor's authority, explained the
//! same way, so a chain ends at a role, a creator or an instance role.

use super::tables::{decision_columns, plain, Columns};
use super::{Authority, Ground, Link, RuleRef, BASES, DECISIONS, GRANT_RECORDS, NOT_DATAOS};
use crate::diag::Diagnostic;
use crate::engine::{Model, Origin, Value};
use crate::explain::matcher::{bind_head, instances};
use crate::explain::{fact_of, file_line, prove, NodeOrigin, Premise, Proof, ProofNode};
use crate::program::{BodyLiteral, RelId, RuleId, RuleInfo};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::Const;
use rustc_hash::{FxHashMap, FxHashSet};

/// Instances of one rule considered per decision (more would not read as an audit).
const PER_RULE: usize = 16;

struct Record {
    grantee: usize,
    grantor: usize,
    verb: &'static str,
}

struct BasisAt {
    relation: &'static str,
    user: usize,
    text: &'static str,
    columns: Vec<String>,
}

/// The tables resolved against the loaded program.
pub(super) struct Grounds<'a> {
    model: &'a Model,
    sources: &'a SourceMap,
    /// Per entry of [`DECISIONS`].
    pub columns: Vec<Columns>,
    decisions: FxHashSet<&'static str>,
    records: FxHashMap<&'static str, Record>,
    bases: Vec<BasisAt>,
}

/// What a proof node says about its subject.
struct Reason {
    rule: Option<RuleRef>,
    source: Option<String>,
    basis: String,
    chain: Vec<Link>,
}

impl<'a> Grounds<'a> {
    /// `Err` ([`NOT_DATAOS`]) when a relation or column of [`DECISIONS`] is missing.
    pub fn new(model: &'a Model, sources: &'a SourceMap) -> Result<Grounds<'a>, Diagnostic> {
        let program = model.program();
        let mut columns = Vec::new();
        let mut problems = Vec::new();
        for d in DECISIONS {
            match decision_columns(model, d) {
                Ok(c) => columns.push(c),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            let lack = if problems.len() == DECISIONS.len() {
                "declare none of the relations audit reads (`permission`, `holds_role`, \
                 `instance_role`, ...)"
                    .to_string()
            } else {
                format!("lack {}", problems.join(", "))
            };
            return Err(Diagnostic::error(
                NOT_DATAOS,
                format!("audit reads the DataOS access model; the loaded rules {lack}"),
            )
            .help(
                "audit the shipped rules (no --rules), rules/dataos-s13-broad.dl, or rules \
                 declaring every relation `grantlog audit --help` lists",
            ));
        }
        let col = |rel: RelId, name: &str| program.columns(rel).iter().position(|c| c == name);
        let records = GRANT_RECORDS
            .iter()
            .filter_map(|r| {
                let rel = program.relation(r.relation)?;
                Some((
                    r.relation,
                    Record {
                        grantee: col(rel, r.grantee)?,
                        grantor: col(rel, r.grantor)?,
                        verb: r.verb,
                    },
                ))
            })
            .collect();
        let bases = BASES
            .iter()
            .filter_map(|b| {
                let rel = program.relation(b.relation)?;
                Some(BasisAt {
                    relation: b.relation,
                    user: col(rel, b.user)?,
                    text: b.text,
                    columns: program.columns(rel).to_vec(),
                })
            })
            .collect();
        Ok(Grounds {
            model,
            sources,
            columns,
            decisions: DECISIONS.iter().map(|d| d.relation).collect(),
            records,
            bases,
        })
    }

    /// Every way the fact holds: its source if stated, else each rule instance.
    pub fn grounds(&self, rel: RelId, tuple: &[Value], subject: &Const) -> Vec<Ground> {
        let model = self.model;
        if let Some(Origin::Base(span)) = model.origin(rel, tuple) {
            return vec![Ground {
                rule: None,
                source: Some(file_line(self.sources, span)),
                basis: "stated".to_string(),
                chain: Vec::new(),
            }];
        }
        let program = model.program();
        let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
        let mut out: Vec<Ground> = Vec::new();
        for r in program.rules_for(rel) {
            let compiled = program.rule(r);
            let Some(regs) = bind_head(model, compiled, &head) else {
                continue;
            };
            let mut accept = |prel: RelId, t: &[Value]| !(prel == rel && t == tuple);
            for inst in instances(model, compiled, regs, &mut accept, PER_RULE) {
                let proof = self.instance_proof(rel, tuple, r, &inst.tuples);
                let reason = self.reason(&proof, proof.root, subject);
                let ground = Ground {
                    rule: reason.rule,
                    source: reason.source,
                    basis: reason.basis,
                    chain: reason.chain,
                };
                if !out.contains(&ground) {
                    out.push(ground);
                }
            }
        }
        out
    }

    /// A proof whose root is the fact by this rule instance, each premise proved below.
    fn instance_proof(
        &self,
        rel: RelId,
        tuple: &[Value],
        rule: RuleId,
        premises: &[Option<Vec<Value>>],
    ) -> Proof {
        let model = self.model;
        let compiled = model.program().rule(rule);
        let mut nodes = vec![ProofNode {
            fact: fact_of(model, rel, tuple),
            origin: NodeOrigin::Rule {
                rule: compiled.info.clone(),
                round: 0,
            },
            premises: None,
        }];
        let mut root_premises = Vec::new();
        for (lit, t) in compiled.body.iter().zip(premises) {
            let (BodyLiteral::Positive(atom), Some(t)) = (lit, t) else {
                continue;
            };
            let sub = prove(model, atom.rel, t, None);
            let offset = nodes.len();
            root_premises.push(Premise::Fact(sub.root + offset));
            nodes.extend(sub.nodes.into_iter().map(|mut n| {
                for p in n.premises.iter_mut().flatten() {
                    if let Premise::Fact(c) = p {
                        *c += offset;
                    }
                }
                n
            }));
        }
        nodes[0].premises = Some(root_premises);
        Proof {
            nodes,
            root: 0,
            max_depth: None,
            also: Vec::new(),
        }
    }

    /// Why the node holds, for `subject`: a grant chain if a grant to the subject lies
    /// below it, else the premise that reads best ([`BASES`]) and the rule.
    fn reason(&self, proof: &Proof, id: usize, subject: &Const) -> Reason {
        let node = &proof.nodes[id];
        let rule = match &node.origin {
            NodeOrigin::Base(span) => {
                return Reason {
                    rule: None,
                    source: Some(file_line(self.sources, *span)),
                    basis: self
                        .phrase(node, subject)
                        .unwrap_or_else(|| node.fact.to_string()),
                    chain: Vec::new(),
                }
            }
            NodeOrigin::Rule { rule, .. } => rule_ref(rule),
            NodeOrigin::Unproved => {
                return Reason {
                    rule: None,
                    source: None,
                    basis: String::new(),
                    chain: Vec::new(),
                }
            }
        };
        if let Some((rec, parent)) = self.find_record(proof, id, subject) {
            let record = &self.records[proof.nodes[rec].fact.relation.as_str()];
            let fact = &proof.nodes[rec].fact;
            let grantor = fact.values[record.grantor].clone();
            let mut rest = Vec::new();
            let authority = self.authority(proof, parent, rec, &grantor).map(|a| {
                let r = self.reason(proof, a, &grantor);
                rest = r.chain;
                Authority {
                    fact: proof.nodes[a].fact.to_string(),
                    rule: r.rule,
                    source: r.source,
                    basis: r.basis,
                }
            });
            let link = Link {
                grant: fact.to_string(),
                source: match proof.nodes[rec].origin {
                    NodeOrigin::Base(span) => file_line(self.sources, span),
                    _ => String::new(),
                },
                verb: record.verb.to_string(),
                grantor: plain(&grantor),
                grantee: plain(&fact.values[record.grantee]),
                authority,
            };
            let mut chain = vec![link];
            chain.extend(rest);
            return Reason {
                rule: Some(rule),
                source: None,
                basis: format!("{} {}", record.verb, plain(&grantor)),
                chain,
            };
        }
        let premises = premise_ids(proof, id);
        let basis = self
            .bases
            .iter()
            .find_map(|b| {
                premises
                    .iter()
                    .find_map(|&p| self.phrase_by(b, &proof.nodes[p], subject))
            })
            .unwrap_or_default();
        Reason {
            rule: Some(rule),
            source: None,
            basis,
            chain: Vec::new(),
        }
    }

    /// The first grant record to `subject` below `id`, with the node whose premise it is.
    fn find_record(&self, proof: &Proof, id: usize, subject: &Const) -> Option<(usize, usize)> {
        let premises = premise_ids(proof, id);
        for &p in &premises {
            let n = &proof.nodes[p];
            if let Some(r) = self.records.get(n.fact.relation.as_str()) {
                if matches!(n.origin, NodeOrigin::Base(_)) && n.fact.values[r.grantee] == *subject {
                    return Some((p, id));
                }
            }
        }
        premises.into_iter().find_map(|p| {
            let n = &proof.nodes[p];
            let descend = matches!(n.origin, NodeOrigin::Rule { .. })
                && !self.decisions.contains(n.fact.relation.as_str())
                && n.fact.values.contains(subject);
            descend
                .then(|| self.find_record(proof, p, subject))
                .flatten()
        })
    }

    /// The premise beside the record that says what the grantor holds: a derived one,
    /// else a stated one that reads as a basis (`instance role operator`).
    fn authority(
        &self,
        proof: &Proof,
        parent: usize,
        rec: usize,
        grantor: &Const,
    ) -> Option<usize> {
        let about: Vec<usize> = premise_ids(proof, parent)
            .into_iter()
            .filter(|&p| p != rec && proof.nodes[p].fact.values.contains(grantor))
            .collect();
        let derived = about
            .iter()
            .copied()
            .find(|&p| matches!(proof.nodes[p].origin, NodeOrigin::Rule { .. }));
        derived.or_else(|| {
            about
                .into_iter()
                .find(|&p| self.phrase(&proof.nodes[p], grantor).is_some())
        })
    }

    fn phrase(&self, node: &ProofNode, subject: &Const) -> Option<String> {
        self.bases
            .iter()
            .find_map(|b| self.phrase_by(b, node, subject))
    }

    /// The basis text of `b` for the node, if the node is `b`'s relation about `subject`.
    fn phrase_by(&self, b: &BasisAt, node: &ProofNode, subject: &Const) -> Option<String> {
        if node.fact.relation != b.relation || node.fact.values.get(b.user) != Some(subject) {
            return None;
        }
        let at = match node.origin {
            NodeOrigin::Base(span) => Some(span),
            _ => None,
        };
        Some(fill(b, &node.fact.values, at, self.sources))
    }
}

/// `{column}` and `{@}` of a basis text, filled in.
fn fill(b: &BasisAt, values: &[Const], at: Option<Span>, sources: &SourceMap) -> String {
    let mut out = String::new();
    let mut rest = b.text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let name = &rest[open + 1..close];
        if name == "@" {
            out.push_str(&at.map_or_else(String::new, |s| file_line(sources, s)));
        } else if let Some(i) = b.columns.iter().position(|c| c == name) {
            out.push_str(&plain(&values[i]));
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn premise_ids(proof: &Proof, id: usize) -> Vec<usize> {
    proof.nodes[id]
        .premises
        .iter()
        .flatten()
        .filter_map(|p| match p {
            Premise::Fact(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn rule_ref(rule: &RuleInfo) -> RuleRef {
    RuleRef {
        name: rule.name.clone(),
        location: rule.label.clone(),
        doc: rule.doc.clone(),
        statements: statements(rule.doc.as_deref().unwrap_or("")),
    }
}

/// The statement ids a doc comment starts with: `S17, S10: ...` gives S17, S10.
pub(super) fn statements(doc: &str) -> Vec<String> {
    doc.split([',', ' ', ':'])
        .filter(|w| !w.is_empty())
        .take_while(|w| {
            w.len() > 1 && w.starts_with('S') && w[1..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}
