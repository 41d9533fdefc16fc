//! Proofs as text, JSON and DOT (why-nots: [`super::render_whynot`]).

use super::{file_line, NodeOrigin, Premise, Proof};
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

pub(super) fn rule_line(rule: &RuleInfo) -> String {
    if rule.name == rule.label {
        format!("by the rule at {}", rule.label)
    } else {
        format!("by @{} at {}", rule.name, rule.label)
    }
}

pub(super) fn rule_json(rule: &RuleInfo) -> Json {
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
            self.text_premise(sources, p, depth + 1, &pad, w, out);
        }
        if id == self.root {
            for d in &self.also {
                let _ = writeln!(out, "{pad}also {}, from:", rule_line(&d.rule));
                for p in &d.premises {
                    self.text_premise(sources, p, depth + 1, &pad, w, out);
                }
            }
        }
    }

    fn text_premise(
        &self,
        sources: &SourceMap,
        p: &Premise,
        depth: usize,
        pad: &str,
        w: &mut Walk,
        out: &mut String,
    ) {
        match p {
            Premise::Fact(c) => self.text_node(sources, *c, depth, pad, w, out),
            Premise::Absent(pat) => {
                let _ = writeln!(out, "{pad}!{pat} holds: no {pat}");
            }
            Premise::Compare(t) => {
                let _ = writeln!(out, "{pad}{t} holds");
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
            let premises = self.json_premises(sources, node.premises.as_deref(), depth, w);
            o.insert("premises".into(), premises);
            if id == self.root && !self.also.is_empty() {
                let also: Vec<Json> = self
                    .also
                    .iter()
                    .map(|d| {
                        json!({
                            "rule": rule_json(&d.rule),
                            "premises": self.json_premises(sources, Some(&d.premises), depth, w),
                        })
                    })
                    .collect();
                o.insert("also".into(), Json::Array(also));
            }
        } else {
            o.insert("truncated".into(), json!(true));
        }
        Json::Object(o)
    }

    fn json_premises(
        &self,
        sources: &SourceMap,
        premises: Option<&[Premise]>,
        depth: usize,
        w: &mut Walk,
    ) -> Json {
        premises
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
            .collect()
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
        let also = self.also.iter().filter(|_| id == self.root);
        let ways = std::iter::once((rule, node.premises.as_deref().unwrap_or_default()))
            .chain(also.map(|d| (&d.rule, &d.premises[..])));
        for (rule, p) in ways.flat_map(|(r, ps)| ps.iter().map(move |p| (r, p))) {
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

pub(super) fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
