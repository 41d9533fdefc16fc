//! Name resolution and the static checks: E0101-E0105, E0201 (in `safety.rs`),
//! W0501, W0502.

use super::safety::check_safety;
use super::{
    Arg, BaseFact, BodyAtom, BodyLiteral, CompiledRule, ConstId, RelId, Relation, RuleInfo,
};
use crate::diag::{did_you_mean, Diagnostic};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{Atom, ColumnType, Const, Item, Literal, Module, Term};
use rustc_hash::{FxHashMap, FxHashSet};

pub(super) struct Checked {
    pub relations: Vec<Relation>,
    pub by_name: FxHashMap<String, RelId>,
    pub rules: Vec<CompiledRule>,
    pub facts: Vec<BaseFact>,
    pub constants: Vec<Const>,
    pub first_read: Vec<Option<Span>>,
    pub diags: Vec<Diagnostic>,
}

pub(super) fn check_modules(sources: &SourceMap, modules: &[Module]) -> Checked {
    let mut diags = Vec::new();
    const DECISION: &str = "decision";
    let mut relations: Vec<Relation> = Vec::new();
    let mut by_name: FxHashMap<String, RelId> = FxHashMap::default();
    for decl in modules
        .iter()
        .flat_map(|m| &m.items)
        .filter_map(|i| match i {
            Item::Decl(d) => Some(d),
            Item::Rule(_) => None,
        })
    {
        let name = &decl.name.name;
        if let Some(&first) = by_name.get(name) {
            diags.push(
                Diagnostic::error("E0103", format!("relation `{name}` is declared twice"))
                    .at(decl.name.span)
                    .label("declared again here")
                    .related(relations[first.0 as usize].span, "first declared here")
                    .help("remove one of the declarations (or rename one relation)"),
            );
            continue;
        }
        let decision = match &decl.annotation {
            None => false,
            Some(a) if a.name == DECISION => true,
            Some(a) => {
                diags.push(
                    Diagnostic::error("E0107", format!("unknown annotation `@{}` on a declaration", a.name))
                        .at(a.span)
                        .label("not an annotation grantlog knows")
                        .help(format!("the one annotation of a `.decl` is `@{DECISION}` (changes to the relation are reported tuple by tuple); remove this one")),
                );
                false
            }
        };
        by_name.insert(name.clone(), RelId(relations.len() as u32));
        relations.push(Relation {
            decision,
            name: name.clone(),
            columns: decl.columns.iter().map(|c| c.name.name.clone()).collect(),
            types: decl.columns.iter().map(|c| c.ty).collect(),
            doc: decl.doc.clone(),
            span: decl.span,
        });
    }

    let mut scope = Scope::new(&relations, &by_name);
    let mut rules = Vec::new();
    let mut facts = Vec::new();
    let mut mentioned = vec![false; relations.len()];
    let mut first_read = vec![None; relations.len()];
    for rule in modules
        .iter()
        .flat_map(|m| &m.items)
        .filter_map(|i| match i {
            Item::Rule(r) => Some(r),
            Item::Decl(_) => None,
        })
    {
        let mut vars = Vars::default();
        let head = scope.resolve_atom(&rule.head, &mut vars);
        let mut body = scope.resolve_body(&rule.body, &mut vars);
        if let Some(h) = &head {
            super::mark_locals(&mut body, &h.args);
        }
        for lit in &rule.body {
            if let Literal::Positive(a) | Literal::Negative(a, _) = lit {
                if let Some(&r) = by_name.get(&a.relation.name) {
                    mentioned[r.0 as usize] = true;
                    first_read[r.0 as usize].get_or_insert(a.relation.span);
                }
            }
        }
        check_safety(Some(&rule.head.args), &rule.body, &mut scope.diags);
        if !rule.is_fact() {
            vars.warn_used_once(&mut scope.diags);
        }
        let Some(head) = head else { continue };
        mentioned[head.rel.0 as usize] = true;
        if rule.is_fact() {
            let args = head.args.iter().filter_map(|a| match a {
                Arg::Const(c) => Some(*c),
                _ => None,
            });
            facts.push(BaseFact {
                rel: head.rel,
                args: args.collect(),
                span: rule.span,
            });
            continue;
        }
        let loc = sources.locate(rule.head.span);
        let label = format!("{}:{}", loc.file, loc.line);
        rules.push(CompiledRule {
            info: RuleInfo {
                name: rule
                    .name
                    .as_ref()
                    .map_or_else(|| label.clone(), |n| n.name.clone()),
                label,
                doc: rule.doc.clone(),
                span: rule.span,
                head: head.rel,
            },
            head_args: head.args,
            body,
            var_names: vars.names,
            plans: Vec::new(),
            seeded: Vec::new(),
            rederive: super::plan::Plan::default(),
        });
    }
    for (r, rel) in relations.iter().enumerate() {
        if !mentioned[r] {
            scope.diags.push(
                Diagnostic::warning(
                    "W0502",
                    format!("relation `{}` is declared but never used", rel.name),
                )
                .at(rel.span)
                .label("no rule or fact mentions it")
                .help("remove the declaration, or use the relation in a rule"),
            );
        }
    }
    diags.append(&mut scope.diags);
    Checked {
        constants: scope.constants,
        relations,
        by_name,
        rules,
        facts,
        first_read,
        diags,
    }
}

/// Variables of one rule or query: register slots by name, and how often each occurs.
#[derive(Default)]
pub(crate) struct Vars {
    pub names: Vec<String>,
    uses: Vec<(usize, Span)>,
}

impl Vars {
    fn slot(&mut self, name: &str, span: Span) -> u32 {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            self.uses[i].0 += 1;
            return i as u32;
        }
        self.names.push(name.to_string());
        self.uses.push((1, span));
        self.names.len() as u32 - 1
    }

    fn warn_used_once(&self, diags: &mut Vec<Diagnostic>) {
        for (name, &(count, span)) in self.names.iter().zip(&self.uses) {
            if count == 1 && !name.starts_with('_') {
                diags.push(
                    Diagnostic::warning("W0501", format!("variable `{name}` is used only once"))
                        .at(span)
                        .label("used once")
                        .help(format!("if this is intended, name it `_{name}` or `_`")),
                );
            }
        }
    }
}

/// Resolves names against the declared relations; collects constants and diagnostics.
pub(crate) struct Scope<'a> {
    relations: &'a [Relation],
    by_name: &'a FxHashMap<String, RelId>,
    pub constants: Vec<Const>,
    const_ids: FxHashMap<Const, ConstId>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Scope<'a> {
    pub fn new(relations: &'a [Relation], by_name: &'a FxHashMap<String, RelId>) -> Scope<'a> {
        Scope {
            relations,
            by_name,
            constants: Vec::new(),
            const_ids: FxHashMap::default(),
            diags: Vec::new(),
        }
    }

    pub fn resolve_body(&mut self, body: &[Literal], vars: &mut Vars) -> Vec<BodyLiteral> {
        let mut out = Vec::with_capacity(body.len());
        for lit in body {
            match lit {
                Literal::Positive(a) => {
                    out.extend(self.resolve_atom(a, vars).map(BodyLiteral::Positive))
                }
                Literal::Negative(a, _) => {
                    out.extend(self.resolve_atom(a, vars).map(BodyLiteral::Negative))
                }
                Literal::Compare(c) => out.push(BodyLiteral::Compare {
                    op: c.op,
                    left: self.resolve_term(&c.left, None, vars),
                    right: self.resolve_term(&c.right, None, vars),
                    span: c.span,
                }),
            }
        }
        out
    }

    /// The atom resolved; `None` after reporting why not (its variables still count as used).
    pub fn resolve_atom(&mut self, atom: &Atom, vars: &mut Vars) -> Option<BodyAtom> {
        let resolved = self.try_resolve_atom(atom, vars);
        if resolved.is_none() {
            for t in &atom.args {
                if let Term::Var(v) = t {
                    vars.slot(&v.name, v.span);
                }
            }
        }
        resolved
    }

    fn try_resolve_atom(&mut self, atom: &Atom, vars: &mut Vars) -> Option<BodyAtom> {
        let name = &atom.relation.name;
        let Some(&rel) = self.by_name.get(name) else {
            let help = match did_you_mean(name, self.relations.iter().map(|r| r.name.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("declare it: `.decl {name}(...)`"),
            };
            self.diags.push(
                Diagnostic::error("E0101", format!("unknown relation `{name}`"))
                    .at(atom.relation.span)
                    .label("not declared")
                    .help(help),
            );
            return None;
        };
        let decl = &self.relations[rel.0 as usize];
        if decl.columns.len() != atom.args.len() {
            self.diags.push(
                Diagnostic::error(
                    "E0102",
                    format!(
                        "`{name}` has {} column(s), but {} were given",
                        decl.columns.len(),
                        atom.args.len()
                    ),
                )
                .at(atom.span)
                .label(format!("{} argument(s)", atom.args.len()))
                .related(decl.span, "declared here")
                .help(format!("write `{name}({})`", decl.columns.join(", "))),
            );
            return None;
        }
        let args = atom
            .args
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let column =
                    decl.types[i].map(|ty| (ty, decl.name.as_str(), decl.columns[i].as_str()));
                self.resolve_term(t, column, vars)
            })
            .collect();
        Some(BodyAtom {
            rel,
            args,
            span: atom.span,
        })
    }

    fn resolve_term(
        &mut self,
        term: &Term,
        column: Option<(ColumnType, &str, &str)>,
        vars: &mut Vars,
    ) -> Arg {
        match term {
            Term::Var(v) => Arg::Var(vars.slot(&v.name, v.span)),
            Term::Anonymous(_) => Arg::Wild,
            Term::Const(c, span) => {
                if let Some((ty, rel, col)) = column {
                    let (ok, want) = match ty {
                        ColumnType::Number => (matches!(c, Const::Num(_)), "number"),
                        ColumnType::Symbol => (matches!(c, Const::Sym(_)), "symbol"),
                    };
                    if !ok {
                        self.diags.push(
                            Diagnostic::error(
                                "E0105",
                                format!("column `{col}` of `{rel}` holds a {want}"),
                            )
                            .at(*span)
                            .label(format!("not a {want}"))
                            .help(format!(
                                "write a {want} here, or change the column type in `.decl {rel}`"
                            )),
                        );
                    }
                }
                Arg::Const(self.constant(c))
            }
        }
    }

    pub fn constant(&mut self, c: &Const) -> ConstId {
        if let Some(&id) = self.const_ids.get(c) {
            return id;
        }
        let id = ConstId(self.constants.len() as u32);
        self.constants.push(c.clone());
        self.const_ids.insert(c.clone(), id);
        id
    }
}

/// A query resolved against a program: its body, answer columns (the named variables in
/// order of first appearance, except those local to a negation) and the constants it
/// mentions (`ConstId` here indexes this list, not the program's).
pub struct ResolvedQuery {
    pub body: Vec<BodyLiteral>,
    pub columns: Vec<String>,
    /// The slots of the answer columns, in order.
    pub head: Vec<Arg>,
    pub constants: Vec<Const>,
}

impl super::Program {
    /// Unknown relations, arity, constant types and safety, as for rules.
    pub fn resolve_query(
        &self,
        query: &crate::syntax::ast::Query,
    ) -> Result<ResolvedQuery, Vec<Diagnostic>> {
        let mut scope = Scope::new(&self.relations, &self.by_name);
        let mut vars = Vars::default();
        let mut body = scope.resolve_body(&query.literals, &mut vars);
        check_safety(None, &query.literals, &mut scope.diags);
        if scope.diags.iter().any(Diagnostic::is_error) {
            return Err(scope.diags);
        }
        super::mark_locals(&mut body, &[]);
        // A variable local to a negation has no value, so it is no answer column.
        let local: FxHashSet<u32> = body
            .iter()
            .filter_map(|l| match l {
                BodyLiteral::Negative(a) => Some(a),
                _ => None,
            })
            .flat_map(|a| &a.args)
            .filter_map(|a| match a {
                Arg::Local(s) => Some(*s),
                _ => None,
            })
            .collect();
        let (columns, head) = (0..vars.names.len() as u32)
            .filter(|s| !local.contains(s))
            .map(|s| (vars.names[s as usize].clone(), Arg::Var(s)))
            .unzip();
        Ok(ResolvedQuery {
            body,
            columns,
            head,
            constants: scope.constants,
        })
    }

    pub(crate) fn all_indexes(&self) -> &[Vec<Vec<u32>>] {
        &self.indexes
    }
}
