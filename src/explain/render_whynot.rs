//! Why-nots as text, JSON and DOT (proofs: [`super::render`]).

use super::cause::causes;
use super::render::{esc, rule_json, rule_line};
use super::{as_statement, Attempt, Failure, Fix, WhyNot};
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use serde_json::{json, Map, Value as Json};
use std::fmt::Write;

/// What a failure comes down to, in a few words: the causes the access model names
/// (`cause`), else the first thing missing or in the way.
fn reasons(f: &Failure, sources: &SourceMap) -> Vec<String> {
    match f {
        Failure::Blocked { premise, proof } => {
            let found = causes(proof, sources);
            if found.is_empty() {
                vec![format!("{premise} holds")]
            } else {
                found
            }
        }
        Failure::Missing {
            premise,
            why_not,
            revoked,
        } => {
            if let Some(r) = revoked.first() {
                let what = if r.refused {
                    "was refused when made"
                } else {
                    "was revoked"
                };
                return vec![format!("{premise} {what} ({})", r.statement(sources))];
            }
            match why_not
                .as_deref()
                .and_then(|w| w.attempts.first())
                .map(|a| reasons(&a.failure, sources))
                .filter(|r| !r.is_empty())
            {
                Some(deeper) => deeper,
                None => vec![format!("no {premise}")],
            }
        }
        Failure::Compare(c) => vec![format!("{c} is false")],
        Failure::HeadMismatch | Failure::None => Vec::new(),
    }
}

impl WhyNot {
    /// Per rule: bindings, what holds, the first failing premise (followed down), then the
    /// verified fixes as `.facts` statements.
    pub fn to_text(&self, sources: &SourceMap) -> String {
        let mut out = format!("{}\n", self.summary(sources));
        self.text_into(sources, "", &mut out);
        out.push('\n');
        if self.fixes.is_empty() {
            out.push_str("No fix found (adding base facts, within the search limits).\n");
        } else {
            out.push_str("Fix (verified: adding these facts makes it hold):\n");
            for (i, fix) in self.fixes.iter().enumerate() {
                if i > 0 {
                    out.push_str("or:\n");
                }
                // The signers every statement shares once, after them; the others
                // under their statement.
                let common = common_signers(fix);
                for (f, signers) in fix.facts.iter().zip(&fix.signers) {
                    let _ = writeln!(out, "  {}", as_statement(&f.relation, &f.values));
                    let own: Vec<Const> = signers
                        .iter()
                        .filter(|s| !common.contains(s))
                        .cloned()
                        .collect();
                    if common.is_empty() && own.len() > 1 {
                        let _ = writeln!(out, "    signed by any of: {}", names(&own));
                    } else if !common.is_empty() && !own.is_empty() {
                        let _ = writeln!(out, "    also signed by: {}", names(&own));
                    }
                }
                if !common.is_empty() {
                    let _ = writeln!(out, "  signed by any of: {}", names(&common));
                }
            }
        }
        out
    }

    /// The answer first, in one line: what does not hold, the first thing missing, and
    /// the first verified fix. A missing permission reads as the access model says it
    /// (`sam lacks can_use_secret on sf-creds`).
    pub fn summary(&self, sources: &SourceMap) -> String {
        let mut line = format!("{} does not hold", self.fact);
        let causes = self.causes(sources);
        if !causes.is_empty() {
            line.push_str(": ");
            line.push_str(&causes.join(", and "));
        }
        match self.fixes.first() {
            Some(fix) => {
                let stmts: Vec<String> = fix
                    .facts
                    .iter()
                    .map(|f| as_statement(&f.relation, &f.values))
                    .collect();
                line.push_str("; fix: ");
                line.push_str(&stmts.join(" "));
                let common = common_signers(fix);
                if !common.is_empty() {
                    line.push_str(&format!(" (signed by any of: {})", names(&common)));
                } else if fix.has_other_signers() {
                    line.push_str(" (or signed by others)");
                }
            }
            None => line.push('.'),
        }
        line
    }

    /// What it comes down to, the most telling first: the causes the access model names
    /// (an invalid run-as grant, an identity that may not create the workload, a missing
    /// permission), else the first thing missing or in the way (by the first rule).
    pub fn causes(&self, sources: &SourceMap) -> Vec<String> {
        self.attempts
            .first()
            .map(|a| reasons(&a.failure, sources))
            .unwrap_or_default()
    }

    fn text_into(&self, sources: &SourceMap, indent: &str, out: &mut String) {
        if self.base {
            let _ = writeln!(
                out,
                "{indent}{} is a base relation and no such fact is stated.",
                self.fact.relation
            );
            return;
        }
        if self.attempts.is_empty() {
            let _ = writeln!(out, "{indent}No rule derives {}.", self.fact.relation);
        }
        for a in &self.attempts {
            attempt_text(a, sources, indent, out);
        }
    }

    pub fn to_json(&self, sources: &SourceMap) -> Json {
        let mut o = self.json_body(sources);
        let fixes: Vec<Vec<String>> = self
            .fixes
            .iter()
            .map(|fix| {
                fix.facts
                    .iter()
                    .map(|f| as_statement(&f.relation, &f.values))
                    .collect()
            })
            .collect();
        o["fixes"] = json!(fixes);
        let signers: Vec<Vec<Vec<String>>> = self
            .fixes
            .iter()
            .map(|fix| {
                fix.signers
                    .iter()
                    .map(|s| s.iter().map(ToString::to_string).collect())
                    .collect()
            })
            .collect();
        o["signers"] = json!(signers);
        o["summary"] = json!(self.summary(sources));
        o["causes"] = json!(self.causes(sources));
        o
    }

    fn json_body(&self, sources: &SourceMap) -> Json {
        let rules: Vec<Json> = self
            .attempts
            .iter()
            .map(|a| {
                let bindings: Map<String, Json> = a
                    .bindings
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v.to_string())))
                    .collect();
                let failing = match &a.failure {
                    Failure::HeadMismatch => json!({"kind": "head_mismatch"}),
                    Failure::Missing {
                        premise,
                        why_not,
                        revoked,
                    } => json!({
                        "kind": "missing", "premise": premise.to_string(),
                        "why_not": why_not.as_ref().map(|w| w.json_body(sources)),
                        "revoked": revoked.iter().map(|r| json!({
                            "fact": r.fact.to_string(), "at": r.location(sources),
                            "statement": r.statement(sources), "refused": r.refused,
                        })).collect::<Vec<_>>(),
                    }),
                    Failure::Blocked { premise, proof } => json!({
                        "kind": "blocked", "premise": format!("!{premise}"),
                        "proof": proof.to_json(sources),
                    }),
                    Failure::Compare(t) => json!({"kind": "comparison", "premise": t}),
                    Failure::None => json!({"kind": "none"}),
                };
                json!({
                    "rule": rule_json(&a.rule), "bindings": bindings,
                    "holding": a.holding, "failing": failing,
                })
            })
            .collect();
        json!({"fact": self.fact.to_string(), "holds": false, "base": self.base, "rules": rules})
    }

    /// `digraph why_not`: the fact (red), per rule its failing premise with an edge labelled
    /// by the rule; a blocking fact with its proof; fixes (green).
    pub fn to_dot(&self, sources: &SourceMap) -> String {
        let mut out = String::from(
            "digraph why_not {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        let mut ids = 0;
        let root = self.dot_into(sources, &mut ids, &mut out);
        for fix in &self.fixes {
            for f in &fix.facts {
                ids += 1;
                let _ = writeln!(
                    out,
                    "  f{ids} [label=\"{}\", color=green];\n  f{ids} -> {root} [label=\"fix\", color=green];",
                    esc(&as_statement(&f.relation, &f.values))
                );
            }
        }
        out.push_str("}\n");
        out
    }

    fn dot_into(&self, sources: &SourceMap, ids: &mut usize, out: &mut String) -> String {
        *ids += 1;
        let me = format!("w{ids}");
        let _ = writeln!(
            out,
            "  {me} [label=\"{}\\ndoes not hold\", color=red];",
            esc(&self.fact.to_string())
        );
        for a in &self.attempts {
            let label = esc(&a.rule.name);
            match &a.failure {
                Failure::Missing {
                    premise, why_not, ..
                } => {
                    let from = match why_not {
                        Some(w) => w.dot_into(sources, ids, out),
                        None => {
                            *ids += 1;
                            let n = format!("w{ids}");
                            let _ = writeln!(
                                out,
                                "  {n} [label=\"{}\\nmissing\", color=red];",
                                esc(&premise.to_string())
                            );
                            n
                        }
                    };
                    let _ = writeln!(out, "  {from} -> {me} [label=\"{label}\"];");
                }
                Failure::Blocked { proof, .. } => {
                    *ids += 1;
                    let root = proof.dot_into(sources, &format!("b{ids}_"), ids, out);
                    let _ = writeln!(
                        out,
                        "  {root} -> {me} [label=\"{label} (blocks)\", style=dashed, color=red];"
                    );
                }
                Failure::Compare(t) => {
                    *ids += 1;
                    let _ = writeln!(
                        out,
                        "  w{ids} [label=\"{} is false\", shape=ellipse, color=red];\n  w{ids} -> {me} [label=\"{label}\"];",
                        esc(t)
                    );
                }
                Failure::HeadMismatch | Failure::None => {}
            }
        }
        me
    }
}

/// The signers every signed statement of the fix shares, when there is a choice (two or
/// more); else none.
fn common_signers(fix: &Fix) -> Vec<Const> {
    let mut signed = fix.signers.iter().filter(|s| !s.is_empty());
    let Some(first) = signed.next() else {
        return Vec::new();
    };
    let mut common = first.clone();
    for s in signed {
        common.retain(|c| s.contains(c));
    }
    if common.len() < 2 {
        common.clear();
    }
    common
}

fn names(values: &[Const]) -> String {
    let v: Vec<String> = values.iter().map(ToString::to_string).collect();
    v.join(", ")
}

fn attempt_text(a: &Attempt, sources: &SourceMap, indent: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "{indent}rule {}",
        rule_line(&a.rule).trim_start_matches("by ")
    );
    let pad = format!("{indent}  ");
    if let Failure::HeadMismatch = a.failure {
        let _ = writeln!(out, "{pad}does not apply: its head does not match");
        return;
    }
    for line in a.rule.doc.iter().flat_map(|d| d.lines()) {
        let _ = writeln!(out, "{pad}/// {}", line.trim());
    }
    if !a.bindings.is_empty() {
        let b: Vec<String> = a
            .bindings
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let _ = writeln!(out, "{pad}closest: {}", b.join(", "));
    }
    for h in &a.holding {
        let _ = writeln!(out, "{pad}holds: {h}");
    }
    match &a.failure {
        Failure::HeadMismatch => {}
        Failure::Missing {
            premise,
            why_not,
            revoked,
        } => {
            let _ = writeln!(out, "{pad}fails: no {premise}");
            for r in revoked {
                let _ = writeln!(
                    out,
                    "{pad}  {} at {}: {}",
                    if r.refused {
                        "refused when made"
                    } else {
                        "revoked"
                    },
                    r.location(sources),
                    r.statement(sources)
                );
            }
            if let Some(w) = why_not {
                let inner = format!("{pad}  ");
                let _ = writeln!(out, "{inner}why not {}:", w.fact);
                w.text_into(sources, &format!("{inner}  "), out);
            }
        }
        Failure::Blocked { premise, proof } => {
            let _ = writeln!(out, "{pad}fails: !{premise}, because {premise} holds:");
            proof.text_into(sources, &format!("{pad}  "), out);
        }
        Failure::Compare(t) => {
            let _ = writeln!(out, "{pad}fails: {t} is false");
        }
        Failure::None => {
            let _ = writeln!(out, "{pad}every premise holds (is the model evaluated?)");
        }
    }
}
