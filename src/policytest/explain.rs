//! Why a failing expectation failed, in terms of the rules.
//!
//! - A **wrong allow** (`expect no Q` holds, or `yields` got rows it did not list): for
//!   each unexpected answer (at most [`ROWS`]), the query's literals are instantiated with
//!   it and each positive literal is proved (the proof tree of `grantlog explain`).
//! - A **wrong deny** (`expect Q` has no answer, or `yields` lacks rows it listed): for a
//!   missing row, the query's literals are instantiated with it and the first one that
//!   does not hold is explained (why not, for a fact; the proof of what blocks a `!p`; a
//!   false comparison). For `expect Q`, the literals are added one at a time (positive
//!   ones first) until the answer becomes empty; the literal that empties it is explained
//!   for the first answer of those before it. A literal left with variables or `_` cannot
//!   be asked why not: the explanation says which literal has no match, and which rules
//!   could derive it.
//!
//! Proofs and why-nots are cut at depth [`DEPTH`].

use super::Expectation;
use crate::engine::{Answer, Model, Value};
use crate::explain::{prove, why_not, ExplainOptions};
use crate::program::RelId;
use crate::source::SourceMap;
use crate::syntax::ast::{Atom, CompareOp, Comparison, Const, Literal, Query, Term};
use crate::workspace::Workspace;
use serde_json::{json, Map, Value as Json};

/// How deep proofs are shown and failing premises followed.
pub const DEPTH: usize = 4;
/// Unexpected (or missing) answers explained per failed expectation.
pub const ROWS: usize = 3;

/// An explanation as text (shown under the failure) and as JSON items.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub text: String,
    /// One object per explained literal or note: `{"kind", "row", "literal", ...}`.
    pub items: Vec<Json>,
}

impl Explanation {
    pub fn to_json(&self) -> Json {
        json!({"text": self.text, "items": self.items})
    }
}

/// Values of the query's named variables.
type Bindings = Vec<(String, Const)>;

/// Explain a failed expectation. `shown` renders source locations (the test file under its
/// own name). `None` when there is nothing to explain.
pub fn explain(
    ws: &Workspace,
    shown: &SourceMap,
    query: &Query,
    expected: &Expectation,
    actual: &Answer,
) -> Option<Explanation> {
    let mut out = Out {
        ws,
        shown,
        text: String::new(),
        items: Vec::new(),
        row: Json::Null,
    };
    match expected {
        Expectation::Holds => out.deny_query(query),
        Expectation::None => out.allow_rows(query, &actual.columns, &actual.rows),
        Expectation::Yields(rows) => {
            let mut want: Vec<Vec<Const>> = rows.iter().map(|(r, _)| r.clone()).collect();
            want.sort();
            want.dedup();
            let extra: Vec<Vec<Const>> = actual
                .rows
                .iter()
                .filter(|r| !want.contains(r))
                .cloned()
                .collect();
            let missing: Vec<Vec<Const>> = want
                .iter()
                .filter(|r| !actual.rows.contains(r))
                .cloned()
                .collect();
            out.allow_rows(query, &actual.columns, &extra);
            out.deny_rows(query, &actual.columns, &missing);
        }
    }
    if out.text.is_empty() {
        return None;
    }
    Some(Explanation {
        text: out.text,
        items: out.items,
    })
}

struct Out<'a> {
    ws: &'a Workspace,
    shown: &'a SourceMap,
    text: String,
    items: Vec<Json>,
    /// The answer being explained, as JSON (`null` for a query without variables).
    row: Json,
}

impl Out<'_> {
    fn model(&self) -> &Model {
        &self.ws.model
    }

    fn opts() -> ExplainOptions {
        ExplainOptions {
            max_depth: Some(DEPTH),
        }
    }

    fn line(&mut self, indent: &str, s: &str) {
        for l in s.lines() {
            if !l.is_empty() {
                self.text.push_str(indent);
            }
            self.text.push_str(l);
            self.text.push('\n');
        }
    }

    fn item(&mut self, mut o: Map<String, Json>) {
        o.insert("row".into(), self.row.clone());
        self.items.push(Json::Object(o));
    }

    fn note(&mut self, indent: &str, s: &str) {
        self.line(indent, s);
        let mut o = Map::new();
        o.insert("kind".into(), json!("note"));
        o.insert("text".into(), json!(s));
        self.item(o);
    }

    fn set_row(&mut self, kind: &str, b: &Bindings) {
        self.row = if b.is_empty() {
            Json::Null
        } else {
            let values: Map<String, Json> = b
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.to_string())))
                .collect();
            json!({"kind": kind, "values": values})
        };
    }

    /// A wrong allow: prove each unexpected answer.
    fn allow_rows(&mut self, query: &Query, columns: &[String], rows: &[Vec<Const>]) {
        for row in rows.iter().take(ROWS) {
            let b = bindings(columns, row);
            self.set_row("unexpected", &b);
            let indent = if b.is_empty() {
                ""
            } else {
                self.line("", &format!("unexpected answer {}:", show_bindings(&b)));
                "  "
            };
            self.allow(query, &b, indent);
        }
        if rows.len() > ROWS {
            self.row = Json::Null;
            let n = rows.len() - ROWS;
            self.note("", &format!("(and {n} more unexpected {})", answers(n)));
        }
    }

    /// Every literal holds under `b`: prove the positive ones, state the others.
    fn allow(&mut self, query: &Query, b: &Bindings, indent: &str) {
        for lit in &query.literals {
            let shown = literal_text(lit, b);
            match lit {
                Literal::Positive(atom) => match find(self.model(), atom, b) {
                    Some((rel, t)) => {
                        let proof = prove(self.model(), rel, &t, Some(DEPTH));
                        let text = proof.to_text(self.shown);
                        self.line(indent, &text);
                        let mut o = Map::new();
                        o.insert("kind".into(), json!("proof"));
                        o.insert("literal".into(), json!(shown));
                        o.insert("proof".into(), proof.to_json(self.shown));
                        self.item(o);
                    }
                    // The query answered this row, so this should not happen.
                    None => self.note(indent, &format!("{shown}: no match found to prove")),
                },
                Literal::Negative(atom, _) => {
                    let pattern = literal_text(&Literal::Positive(atom.clone()), b);
                    self.line(indent, &format!("{shown} holds: no {pattern}"));
                    let mut o = Map::new();
                    o.insert("kind".into(), json!("absent"));
                    o.insert("literal".into(), json!(shown));
                    self.item(o);
                }
                Literal::Compare(_) => {
                    self.line(indent, &format!("{shown} holds"));
                    let mut o = Map::new();
                    o.insert("kind".into(), json!("comparison"));
                    o.insert("literal".into(), json!(shown));
                    o.insert("holds".into(), json!(true));
                    self.item(o);
                }
            }
        }
    }

    /// A wrong deny for listed rows: per missing row, the first literal that fails.
    fn deny_rows(&mut self, query: &Query, columns: &[String], rows: &[Vec<Const>]) {
        for row in rows.iter().take(ROWS) {
            let b = bindings(columns, row);
            self.set_row("missing", &b);
            self.line("", &format!("missing answer {}:", show_bindings(&b)));
            let failed = query.literals.iter().any(|l| self.deny(l, &b, "  "));
            if !failed {
                self.note("  ", "(every literal holds for it on its own)");
            }
        }
        if rows.len() > ROWS {
            self.row = Json::Null;
            let n = rows.len() - ROWS;
            self.note("", &format!("(and {n} more missing {})", answers(n)));
        }
    }

    /// A wrong deny for `expect Q`: find the literal that empties the answer.
    fn deny_query(&mut self, query: &Query) {
        self.row = Json::Null;
        if let [lit] = query.literals.as_slice() {
            if !self.deny(lit, &Vec::new(), "") {
                self.note(
                    "",
                    "(the query has no answer, but its literal holds on its own)",
                );
            }
            return;
        }
        // Positive literals first, then `=` (which may bind), then the rest: every prefix
        // of a safe query is then safe.
        let rank = |l: &Literal| match l {
            Literal::Positive(_) => 0,
            Literal::Compare(c) if c.op == CompareOp::Eq => 1,
            _ => 2,
        };
        let mut order: Vec<&Literal> = query.literals.iter().collect();
        order.sort_by_key(|l| rank(l));
        let mut before: Option<Answer> = None;
        for i in 0..order.len() {
            let prefix = Query {
                literals: order[..=i].iter().map(|l| (*l).clone()).collect(),
                span: query.span,
            };
            match self.model().query(&self.ws.sources, &prefix) {
                Ok(a) if a.holds() => before = Some(a),
                Ok(_) => {
                    let lit = order[i];
                    let b = match &before {
                        None => {
                            self.line(
                                "",
                                &format!("{} alone has no answer:", literal_text(lit, &Vec::new())),
                            );
                            Vec::new()
                        }
                        Some(a) => {
                            let shown: Vec<String> = order[..i]
                                .iter()
                                .map(|l| literal_text(l, &Vec::new()))
                                .collect();
                            let b = bindings(&a.columns, &a.rows[0]);
                            let n = a.rows.len();
                            self.line(
                                "",
                                &format!(
                                    "{} has {n} {}, and none of them satisfies {}; for the first, {}:",
                                    shown.join(", "),
                                    answers(n),
                                    literal_text(lit, &Vec::new()),
                                    show_bindings(&b)
                                ),
                            );
                            b
                        }
                    };
                    self.set_row("first", &b);
                    if !self.deny(lit, &b, "  ") {
                        self.note("  ", "(it holds on its own for these values)");
                    }
                    return;
                }
                Err(_) => break,
            }
        }
        self.note("", "(no single literal could be singled out)");
    }

    /// Explain `lit` under `b` if it fails there; `false` when it holds (or cannot be
    /// decided).
    fn deny(&mut self, lit: &Literal, b: &Bindings, indent: &str) -> bool {
        let shown = literal_text(lit, b);
        let mut o = Map::new();
        o.insert("literal".into(), json!(shown));
        match lit {
            Literal::Positive(atom) => {
                if find(self.model(), atom, b).is_some() {
                    return false;
                }
                let ground = ground_atom(atom, b);
                match ground.map(|g| {
                    why_not(
                        &mut self.model().clone(),
                        &self.ws.sources,
                        &g,
                        &Self::opts(),
                    )
                }) {
                    Some(Ok(w)) => {
                        self.line(indent, &w.to_text(self.shown));
                        o.insert("kind".into(), json!("why_not"));
                        o.insert("why_not".into(), w.to_json(self.shown));
                    }
                    _ => {
                        self.line(indent, &format!("no fact matches {shown}"));
                        let ws = self.ws;
                        let program = ws.model.program();
                        let mut rules = Vec::new();
                        if let Some(rel) = program.relation(&atom.relation.name) {
                            if !program.is_derived(rel) {
                                self.line(
                                    indent,
                                    &format!(
                                        "{} is a base relation: no such fact is stated",
                                        atom.relation.name
                                    ),
                                );
                            }
                            for r in program.rules_for(rel) {
                                let info = program.rule_info(r);
                                rules.push(json!({"name": info.name, "location": info.label}));
                                let name = if info.name == info.label {
                                    format!("the rule at {}", info.label)
                                } else {
                                    format!("@{} at {}", info.name, info.label)
                                };
                                self.line(indent, &format!("  no instance of {name} gives one"));
                            }
                        }
                        o.insert("kind".into(), json!("no_match"));
                        o.insert("rules".into(), json!(rules));
                    }
                }
            }
            Literal::Negative(atom, _) => {
                let Some((rel, t)) = find(self.model(), atom, b) else {
                    return false;
                };
                let proof = prove(self.model(), rel, &t, Some(DEPTH));
                let fact = &proof.nodes[proof.root].fact;
                self.line(indent, &format!("{shown} fails, because {fact} holds:"));
                self.line(&format!("{indent}  "), &proof.to_text(self.shown));
                o.insert("kind".into(), json!("blocked"));
                o.insert("proof".into(), proof.to_json(self.shown));
            }
            Literal::Compare(c) => {
                if compare(c, b) != Some(false) {
                    return false;
                }
                self.line(indent, &format!("{shown} is false"));
                o.insert("kind".into(), json!("comparison"));
                o.insert("holds".into(), json!(false));
            }
        }
        self.item(o);
        true
    }
}

fn answers(n: usize) -> &'static str {
    if n == 1 {
        "answer"
    } else {
        "answers"
    }
}

fn bindings(columns: &[String], row: &[Const]) -> Bindings {
    columns.iter().cloned().zip(row.iter().cloned()).collect()
}

fn show_bindings(b: &Bindings) -> String {
    b.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn value_of<'a>(t: &'a Term, b: &'a Bindings) -> Option<&'a Const> {
    match t {
        Term::Const(c, _) => Some(c),
        Term::Var(v) => b.iter().find(|(k, _)| *k == v.name).map(|(_, c)| c),
        Term::Anonymous(_) => None,
    }
}

fn term_text(t: &Term, b: &Bindings) -> String {
    match (value_of(t, b), t) {
        (Some(c), _) => c.to_string(),
        (None, Term::Var(v)) => v.name.clone(),
        _ => "_".to_string(),
    }
}

/// The literal with the bound variables replaced by their values.
fn literal_text(lit: &Literal, b: &Bindings) -> String {
    let atom = |a: &Atom| {
        if a.args.is_empty() {
            a.relation.name.clone()
        } else {
            let args: Vec<String> = a.args.iter().map(|t| term_text(t, b)).collect();
            format!("{}({})", a.relation.name, args.join(", "))
        }
    };
    match lit {
        Literal::Positive(a) => atom(a),
        Literal::Negative(a, _) => format!("!{}", atom(a)),
        Literal::Compare(c) => format!(
            "{} {} {}",
            term_text(&c.left, b),
            c.op.as_str(),
            term_text(&c.right, b)
        ),
    }
}

/// The atom as a fact, when `b` binds every argument.
fn ground_atom(a: &Atom, b: &Bindings) -> Option<Atom> {
    let args = a
        .args
        .iter()
        .map(|t| value_of(t, b).map(|c| Term::Const(c.clone(), t.span())))
        .collect::<Option<Vec<Term>>>()?;
    Some(Atom {
        relation: a.relation.clone(),
        args,
        span: a.span,
    })
}

/// A tuple of the model matching the atom under `b` (unbound variables and `_` match
/// anything; an unbound variable written twice matches equal values).
fn find(model: &Model, a: &Atom, b: &Bindings) -> Option<(RelId, Vec<Value>)> {
    let rel = model.program().relation(&a.relation.name)?;
    let mut pattern: Vec<Option<Value>> = Vec::with_capacity(a.args.len());
    let mut same: Vec<(usize, usize)> = Vec::new();
    for (i, t) in a.args.iter().enumerate() {
        match value_of(t, b) {
            // A constant the model never saw matches nothing.
            Some(c) => pattern.push(Some(model.symbols().get(c)?)),
            None => {
                pattern.push(None);
                if let Term::Var(v) = t {
                    let earlier = a.args[..i]
                        .iter()
                        .position(|u| matches!(u, Term::Var(w) if w.name == v.name));
                    if let Some(j) = earlier {
                        same.push((j, i));
                    }
                }
            }
        }
    }
    model
        .tuples(rel)
        .find(|t| {
            pattern
                .iter()
                .zip(t.iter())
                .all(|(p, v)| p.is_none_or(|p| p == *v))
                && same.iter().all(|&(j, i)| t[j] == t[i])
        })
        .map(|t| (rel, t.to_vec()))
}

/// The comparison under `b`; `None` while a side is unbound.
fn compare(c: &Comparison, b: &Bindings) -> Option<bool> {
    let (l, r) = (value_of(&c.left, b)?, value_of(&c.right, b)?);
    Some(match c.op {
        CompareOp::Eq => l == r,
        CompareOp::Ne => l != r,
        op => match (l, r) {
            (Const::Num(a), Const::Num(b)) => match op {
                CompareOp::Lt => a < b,
                CompareOp::Le => a <= b,
                CompareOp::Gt => a > b,
                _ => a >= b,
            },
            _ => false,
        },
    })
}
