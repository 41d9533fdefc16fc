//! Printing the AST back as canonical source that re-parses to the same tree.
//!
//! Canonical form: one item per line (a blank line after each rule with a doc or
//! name), `///` doc lines and `@name` on their own lines before the item, zero-arity
//! atoms without `()`, symbols bare when the lexer would read them back as one bare
//! name and quoted otherwise.

use super::ast::*;
use super::lexer::is_bare_symbol;
use std::fmt::{self, Display, Formatter, Write};

/// Writes `s` as a double-quoted string literal with the language's escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_doc(f: &mut Formatter<'_>, doc: &Option<String>) -> fmt::Result {
    if let Some(doc) = doc {
        for line in doc.split('\n') {
            if line.is_empty() {
                writeln!(f, "///")?;
            } else {
                writeln!(f, "/// {line}")?;
            }
        }
    }
    Ok(())
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Module {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            writeln!(f, "{item}")?;
        }
        Ok(())
    }
}

impl Display for Item {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Item::Decl(d) => d.fmt(f),
            Item::Rule(r) => r.fmt(f),
        }
    }
}

impl Display for Decl {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_doc(f, &self.doc)?;
        if let Some(a) = &self.annotation {
            writeln!(f, "@{}", a.name)?;
        }
        write!(f, ".decl {}", self.name.name)?;
        if !self.columns.is_empty() {
            f.write_str("(")?;
            comma_list(f, &self.columns)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl Display for Column {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name.name)?;
        match self.ty {
            Some(ColumnType::Symbol) => f.write_str(": symbol"),
            Some(ColumnType::Number) => f.write_str(": number"),
            None => Ok(()),
        }
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_doc(f, &self.doc)?;
        if let Some(name) = &self.name {
            writeln!(f, "@{}", name.name)?;
        }
        write!(f, "{}", self.head)?;
        if !self.body.is_empty() {
            f.write_str(" :- ")?;
            comma_list(f, &self.body)?;
        }
        f.write_str(".")
    }
}

impl Display for Atom {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.relation.name)?;
        if !self.args.is_empty() {
            f.write_str("(")?;
            comma_list(f, &self.args)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Positive(a) => a.fmt(f),
            Literal::Negative(a, _) => write!(f, "!{a}"),
            Literal::Compare(c) => c.fmt(f),
        }
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.op.as_str(), self.right)
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Term::Var(v) => f.write_str(&v.name),
            Term::Anonymous(_) => f.write_str("_"),
            Term::Const(c, _) => c.fmt(f),
        }
    }
}

impl Display for Const {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Const::Num(n) => write!(f, "{n}"),
            Const::Sym(s) if is_bare_symbol(s) => f.write_str(s),
            Const::Sym(s) => f.write_str(&quote(s)),
        }
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        comma_list(f, &self.literals)
    }
}
