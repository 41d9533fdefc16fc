//! Proofs and why-nots as text, JSON and DOT.

use super::{as_statement, file_line, Attempt, Failure, NodeOrigin, Premise, Proof, WhyNot};
use crate::program::RuleInfo;
use crate::source::SourceMap;
use serde_json::{json, Map, Value as Json};
use std::fmt::Write;

/// Where a proof is in its traversal: numbers of nodes shown, nodes shown in full.
struct Walk {
    number: Vec<Option<usize>>,
    full: Vec<bool>,
    next: usize,
}

impl Walk {
    fn new(proof: &Proof) -> Walk {
        Walk {
            number: vec![None; proof.nodes.len()],
            full: vec![false; proof.nodes.len()],
            next: 1,
        }
    }

    fn number(&mut self, id: usize) -> usize {
        *self.number[id].get_or_insert_with(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

/// Premises shown below a node at this depth?
fn expand(proof: &Proof, id: usize, depth: usize) -> bool {
    proof.nodes[id].premises.is_some() && proof.max_depth.is_none_or(|d| depth < d)
}

fn rule_line(rule: &RuleInfo) -> String {
    if rule.name == rule.label {
        format!("by the rule at {}", rule.label)
    } else {
        format!("by @{} at {}", rule.name, rule.label)
    }
}

fn rule_json(rule: &RuleInfo) -> Json {
    json!({"name": rule.name, "location": rule.label, "doc": rule.doc})
}

impl Proof {
    /// An indented tree; each fact is numbered `[n]` where it is shown in full and
    /// referred to as `(see [n])` afterwards.
    pub fn to_text(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        self.text_into(sources, "", &mut out);
        out
    }

    pub(crate) fn text_into(&self, sources: &SourceMap, indent: &str, out: &mut String) {
        let mut w = Walk::new(self);
        self.text_node(sources, self.root, 0, indent, &mut w, out);
    }

    fn text_node(
        &self,
        sources: &SourceMap,
        id: usize,
        depth: usize,
        indent: &str,
        w: &mut Walk,
        out: &mut String,
    ) {
        let node = &self.nodes[id];
        if w.full[id] {
            let n = w.number[id].expect("numbered");
            let _ = writeln!(out, "{indent}{}  (see [{n}])", node.fact);
            return;
        }
        // A fact cut by the depth limit gets no number: the number belongs to the place
        // where its premises are shown (a deeper-budget occurrence may come later).
        let cut = !matches!(node.origin, NodeOrigin::Base(_)) && !expand(self, id, depth);
        if cut {
            let _ = writeln!(out, "{indent}{}", node.fact);
        } else {
            let n = w.number(id);
            let _ = writeln!(out, "{indent}[{n}] {}", node.fact);
        }
        let pad = format!("{indent}    ");
        match &node.origin {
            NodeOrigin::Base(span) => {
                let _ = writeln!(out, "{pad}fact at {}", file_line(sources, *span));
                if let Some(note) = super::revoked::refusal_note(&node.fact) {
                    let _ = writeln!(out, "{pad}{note}");
                }
                w.full[id] = true;
                return;
            }
            NodeOrigin::Rule { rule, .. } => {
                let _ = writeln!(out, "{pad}{}", rule_line(rule));
                for line in rule.doc.iter().flat_map(|d| d.lines()) {
                    let _ = writeln!(out, "{pad}/// {}", line.trim());
                }
            }
            NodeOrigin::Unproved => {
                let _ = writeln!(out, "{pad}(no well-founded derivation found)");
            }
        }
        if cut {
            let _ = writeln!(out, "{pad}...");
            return;
        }
        w.full[id] = true;
        for p in node.premises.as_deref().unwrap_or_default() {
            match p {
                Premise::Fact(c) => self.text_node(sources, *c, depth + 1, &pad, w, out),
                Premise::Absent(pat) => {
                    let _ = writeln!(out, "{pad}!{pat} holds: no {pat}");
                }
                Premise::Compare(t) => {
                    let _ = writeln!(out, "{pad}{t} holds");
                }
            }
        }
    }

    /// Nested objects: `{fact, holds, rule, source, premises}`; a fact shown before is
    /// `{fact, holds, ref}`.
    pub fn to_json(&self, sources: &SourceMap) -> Json {
        let mut w = Walk::new(self);
        self.json_node(sources, self.root, 0, &mut w)
    }

    fn json_node(&self, sources: &SourceMap, id: usize, depth: usize, w: &mut Walk) -> Json {
        let node = &self.nodes[id];
        if w.full[id] {
            return json!({"fact": node.fact.to_string(), "holds": true, "ref": w.number[id]});
        }
        let mut o = Map::new();
        o.insert("id".into(), json!(w.number(id)));
        o.insert("fact".into(), json!(node.fact.to_string()));
        o.insert("holds".into(), json!(true));
        let (rule, source) = match &node.origin {
            NodeOrigin::Base(span) => {
                let loc = sources.get(span.file).map(|_| sources.locate(*span));
                let source = match loc {
                    Some(l) => json!({"file": l.file, "line": l.line}),
                    None => Json::Null,
                };
                (Json::Null, source)
            }
            NodeOrigin::Rule { rule, .. } => (rule_json(rule), Json::Null),
            NodeOrigin::Unproved => (Json::Null, Json::Null),
        };
        o.insert("rule".into(), rule);
        o.insert("source".into(), source);
        if matches!(node.origin, NodeOrigin::Base(_)) {
            w.full[id] = true;
            if let Some(note) = super::revoked::refusal_note(&node.fact) {
                o.insert("note".into(), json!(note));
            }
            o.insert("premises".into(), json!([]));
        } else if expand(self, id, depth) {
            w.full[id] = true;
            let premises: Vec<Json> = node
                .premises
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|p| match p {
                    Premise::Fact(c) => self.json_node(sources, *c, depth + 1, w),
                    Premise::Absent(pat) => json!({
                        "fact": format!("!{pat}"), "holds": true, "negated": true,
                        "absent": pat.to_string(), "premises": []
                    }),
                    Premise::Compare(t) => json!({
                        "fact": t, "holds": true, "comparison": true, "premises": []
                    }),
                })
                .collect();
            o.insert("premises".into(), Json::Array(premises));
        } else {
            o.insert("truncated".into(), json!(true));
        }
        Json::Object(o)
    }

    /// `digraph proof`: one node per fact, edges premise -> conclusion labelled with the
    /// conclusion's rule name.
    pub fn to_dot(&self, sources: &SourceMap) -> String {
        let mut out = String::from(
            "digraph proof {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        let mut ids = 0;
        self.dot_into(sources, "p", &mut ids, &mut out);
        out.push_str("}\n");
        out
    }

    /// Writes this proof's nodes and edges with ids prefixed by `prefix`; returns the
    /// root's id.
    pub(crate) fn dot_into(
        &self,
        sources: &SourceMap,
        prefix: &str,
        extra: &mut usize,
        out: &mut String,
    ) -> String {
        let mut shown = vec![false; self.nodes.len()];
        let mut expanded = vec![false; self.nodes.len()];
        self.dot_node(
            sources,
            prefix,
            self.root,
            0,
            &mut shown,
            &mut expanded,
            extra,
            out,
        );
        format!("{prefix}{}", self.root)
    }

    #[allow(clippy::too_many_arguments)]
    fn dot_node(
        &self,
        sources: &SourceMap,
        prefix: &str,
        id: usize,
        depth: usize,
        shown: &mut [bool],
        expanded: &mut [bool],
        extra: &mut usize,
        out: &mut String,
    ) {
        let node = &self.nodes[id];
        if !shown[id] {
            shown[id] = true;
            let (sub, style) = match &node.origin {
                NodeOrigin::Base(span) => (
                    format!("\\n{}", esc(&file_line(sources, *span))),
                    ", style=filled, fillcolor=\"#eeeeee\"",
                ),
                _ => (String::new(), ""),
            };
            let _ = writeln!(
                out,
                "  {prefix}{id} [label=\"{}{sub}\"{style}];",
                esc(&node.fact.to_string())
            );
        }
        if expanded[id] || !expand(self, id, depth) {
            return;
        }
        expanded[id] = true;
        let NodeOrigin::Rule { rule, .. } = &node.origin else {
            return;
        };
        for p in node.premises.as_deref().unwrap_or_default() {
            let from = match p {
                Premise::Fact(c) => {
                    self.dot_node(sources, prefix, *c, depth + 1, shown, expanded, extra, out);
                    format!("{prefix}{c}")
                }
                Premise::Absent(pat) => {
                    *extra += 1;
                    let n = format!("{prefix}x{}", *extra);
                    let _ = writeln!(
                        out,
                        "  {n} [label=\"!{}\", style=dashed];",
                        esc(&pat.to_string())
                    );
                    n
                }
                Premise::Compare(t) => {
                    *extra += 1;
                    let n = format!("{prefix}x{}", *extra);
                    let _ = writeln!(out, "  {n} [label=\"{}\", shape=ellipse];", esc(t));
                    n
                }
            };
            let _ = writeln!(
                out,
                "  {from} -> {prefix}{id} [label=\"{}\"];",
                esc(&rule.name)
            );
        }
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What a failure comes down to, in a few words.
fn first_reason(f: &Failure, sources: &SourceMap) -> Option<String> {
    match f {
        Failure::Blocked { premise, proof } => {
            // The most telling fact under the block: a missing permission, if any.
            let lacks = proof.nodes.iter().find_map(|n| {
                let v = &n.fact.values;
                (n.fact.relation == "missing_permission" && v.len() == 5)
                    .then(|| format!("{} lacks {} on {}", v[2], v[4], v[3]))
            });
            Some(lacks.unwrap_or_else(|| format!("{premise} holds")))
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
                return Some(format!("{premise} {what} ({})", r.statement(sources)));
            }
            match why_not
                .as_deref()
                .and_then(|w| w.attempts.first())
                .and_then(|a| first_reason(&a.failure, sources))
            {
                Some(deeper) => Some(deeper),
                None => Some(format!("no {premise}")),
            }
        }
        Failure::Compare(c) => Some(format!("{c} is false")),
        Failure::HeadMismatch | Failure::None => None,
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
                for f in fix {
                    let _ = writeln!(out, "  {}", as_statement(&f.relation, &f.values));
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
        if let Some(reason) = self
            .attempts
            .first()
            .and_then(|a| first_reason(&a.failure, sources))
        {
            line.push_str(": ");
            line.push_str(&reason);
        }
        match self.fixes.first() {
            Some(fix) => {
                let stmts: Vec<String> = fix
                    .iter()
                    .map(|f| as_statement(&f.relation, &f.values))
                    .collect();
                line.push_str("; fix: ");
                line.push_str(&stmts.join(" "));
            }
            None => line.push('.'),
        }
        line
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
                fix.iter()
                    .map(|f| as_statement(&f.relation, &f.values))
                    .collect()
            })
            .collect();
        o["fixes"] = json!(fixes);
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
            for f in fix {
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
