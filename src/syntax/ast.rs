//! The abstract syntax of rule files, fact files and queries, as the parser produces it.
//!
//! Names are still strings here; `program` resolves them into typed ids. Spans are kept
//! on every node that a diagnostic may point at, and are ignored by `PartialEq` where
//! noted so that print-then-parse round trips can compare trees.

use crate::source::Span;

/// A name with where it was written. Equality ignores the span.
#[derive(Clone, Debug, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Ident {
    pub fn new(name: impl Into<String>, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
}

/// A whole file: declarations, facts and rules in source order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Decl(Decl),
    /// A rule with an empty body is a fact: `edge(a, b).`
    Rule(Rule),
}

/// `[@annotation] .decl name(col: type, ...)`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    pub doc: Option<String>,
    /// `@decision` before the `.decl`: the relation's changes are reported tuple by tuple.
    pub annotation: Option<Ident>,
    pub name: Ident,
    pub columns: Vec<Column>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: Ident,
    pub ty: Option<ColumnType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    Symbol,
    Number,
}

/// `/// doc` `@name` `head :- body.`; a fact when `body` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The `///` lines before the rule, joined with '\n', without the slashes.
    pub doc: Option<String>,
    /// Written `@name` on the line(s) before the head.
    pub name: Option<Ident>,
    pub head: Atom,
    pub body: Vec<Literal>,
    pub span: Span,
}

impl Rule {
    pub fn is_fact(&self) -> bool {
        self.body.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    pub relation: Ident,
    pub args: Vec<Term>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Positive(Atom),
    /// `!atom`; the span covers the `!`.
    Negative(Atom, Span),
    Compare(Comparison),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Positive(a) => a.span,
            Literal::Negative(_, s) => *s,
            Literal::Compare(c) => c.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub left: Term,
    pub op: CompareOp,
    pub right: Term,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// Only `=` and `!=` apply to symbols; the others need numbers.
    pub fn is_numeric(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Starts with an uppercase letter or `_` (but is not `_` alone).
    Var(Ident),
    /// `_`: matches anything, binds nothing; each occurrence is distinct.
    Anonymous(Span),
    Const(Const, Span),
}

impl Term {
    pub fn span(&self) -> Span {
        match self {
            Term::Var(v) => v.span,
            Term::Anonymous(s) => *s,
            Term::Const(_, s) => *s,
        }
    }
}

/// A constant: a symbol (bare lowercase name or quoted string; the two are the same value
/// when they spell the same text) or an integer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Const {
    Sym(String),
    Num(i64),
}

/// A query: `can_use(U, R), !can_edit(U, R)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub literals: Vec<Literal>,
    pub span: Span,
}
