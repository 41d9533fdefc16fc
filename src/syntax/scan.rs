//! A scanner for the common shape of a fact file: ground facts `rel(c, ...).` one after
//! another, read straight from the bytes with nothing allocated per fact.
//!
//! It accepts a strict subset of what the lexer and parser accept and reads it the same
//! way (same tokens, same spans). Anything else (a rule, a declaration, a variable, an
//! escape in a string, a zero-arity fact, a character that is not part of a token) is
//! [`Unsupported`]: the caller then reads the file the ordinary way, which also gives every
//! diagnostic its usual place.

/// One constant of a fact, borrowed from the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    /// A bare name or a double-quoted string without escapes (the two are one value).
    Sym(&'a str),
    Num(i64),
}

/// One fact: its relation and where it is (byte offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawFact<'a> {
    pub relation: &'a str,
    pub start: usize,
    /// Just after the `)`: the end of the atom (a raw fact file's span).
    pub atom_end: usize,
    /// Just after the `.`: the end of the statement (a `.facts` statement's span).
    pub end: usize,
}

/// The text leaves the subset the scanner reads; at this byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported(pub usize);

pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

#[inline]
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, pos: 0 }
    }

    /// How far the scanner has read.
    pub fn offset(&self) -> usize {
        self.pos
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn unsupported<T>(&self) -> Result<T, Unsupported> {
        Err(Unsupported(self.pos))
    }

    /// Skips whitespace and comments (`//` to the end of the line, `///` too, `/* */`).
    #[inline]
    fn skip(&mut self) -> Result<(), Unsupported> {
        let b = self.text.as_bytes();
        loop {
            match b.get(self.pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0c) => self.pos += 1,
                Some(b'/') => match b.get(self.pos + 1) {
                    Some(b'/') => {
                        self.pos = self.text[self.pos..]
                            .find('\n')
                            .map_or(b.len(), |i| self.pos + i);
                    }
                    Some(b'*') => match self.text[self.pos + 2..].find("*/") {
                        Some(i) => self.pos += i + 4,
                        None => return self.unsupported(),
                    },
                    _ => return self.unsupported(),
                },
                _ => return Ok(()),
            }
        }
    }

    /// `[a-z][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*`, as the lexer's `Lower`.
    #[inline]
    fn lower(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let start = self.pos;
        if !b.get(start).is_some_and(u8::is_ascii_lowercase) {
            return None;
        }
        let mut i = start + 1;
        loop {
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            if i + 1 < b.len() && b[i] == b'-' && is_ident(b[i + 1]) {
                i += 1;
                continue;
            }
            break;
        }
        self.pos = i;
        Some(&self.text[start..i])
    }

    /// One constant: a name, a string without escapes on one line, or `-?[0-9]+`.
    #[inline]
    fn arg(&mut self) -> Result<Arg<'a>, Unsupported> {
        let b = self.text.as_bytes();
        match self.peek() {
            Some(b'a'..=b'z') => Ok(Arg::Sym(self.lower().unwrap_or_default())),
            Some(b'"') => {
                let start = self.pos + 1;
                let mut i = start;
                while i < b.len() {
                    match b[i] {
                        b'"' => {
                            self.pos = i + 1;
                            return Ok(Arg::Sym(&self.text[start..i]));
                        }
                        b'\\' | b'\n' => break,
                        _ => i += 1,
                    }
                }
                self.unsupported()
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                let mut i = start + usize::from(b[start] == b'-');
                let digits = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == digits {
                    return self.unsupported();
                }
                match self.text[start..i].parse::<i64>() {
                    Ok(n) => {
                        self.pos = i;
                        Ok(Arg::Num(n))
                    }
                    Err(_) => self.unsupported(),
                }
            }
            _ => self.unsupported(),
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), Unsupported> {
        self.skip()?;
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.unsupported()
        }
    }

    /// The next fact, its constants in `args` (cleared first); `None` at the end.
    #[inline]
    pub fn next_fact(
        &mut self,
        args: &mut Vec<Arg<'a>>,
    ) -> Result<Option<RawFact<'a>>, Unsupported> {
        args.clear();
        self.skip()?;
        if self.pos >= self.text.len() {
            return Ok(None);
        }
        let start = self.pos;
        let Some(relation) = self.lower() else {
            return self.unsupported();
        };
        self.expect(b'(')?;
        loop {
            self.skip()?;
            args.push(self.arg()?);
            self.skip()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => break,
                _ => return self.unsupported(),
            }
        }
        self.pos += 1;
        let atom_end = self.pos;
        self.expect(b'.')?;
        // `.decl` right after the `.` lexes as one token, not as `.` then `decl`.
        if self.text.as_bytes()[self.pos..].starts_with(b"decl") {
            return self.unsupported();
        }
        Ok(Some(RawFact {
            relation,
            start,
            atom_end,
            end: self.pos,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Scanned<'a> = (String, Vec<Arg<'a>>, usize, usize, usize);

    fn all(text: &str) -> Result<Vec<Scanned<'_>>, Unsupported> {
        let mut s = Scanner::new(text);
        let mut args = Vec::new();
        let mut out = Vec::new();
        while let Some(f) = s.next_fact(&mut args)? {
            out.push((
                f.relation.to_owned(),
                args.clone(),
                f.start,
                f.atom_end,
                f.end,
            ));
        }
        Ok(out)
    }

    #[test]
    fn reads_facts_with_their_spans() {
        let text = "// c\np(a-b, \"x y\", -3) .\n/* k */ q_2(z9).";
        let facts = all(text).unwrap();
        let p = text.find("p(").unwrap();
        let q = text.find("q_2").unwrap();
        assert_eq!(
            facts,
            vec![
                (
                    "p".into(),
                    vec![Arg::Sym("a-b"), Arg::Sym("x y"), Arg::Num(-3)],
                    p,
                    p + 17,
                    p + 19
                ),
                ("q_2".into(), vec![Arg::Sym("z9")], q, q + 7, q + 8),
            ]
        );
        assert_eq!(&text[p..p + 19], "p(a-b, \"x y\", -3) .");
    }

    /// The spans are the parser's: a raw fact's atom span, a statement's span.
    #[test]
    fn spans_agree_with_the_parser() {
        use crate::source::SourceMap;
        use crate::syntax::ast::Item;
        let text = "edge(a, b).\n  edge( \"c d\" ,\t-12 ) . // x\n/// doc\nn(x-y-z).";
        let mut sources = SourceMap::new();
        let file = sources.add("f.dl", text);
        let (module, diags) = crate::syntax::parse_module(&sources, file);
        assert!(diags.is_empty());
        let spans: Vec<(usize, usize, usize)> = module
            .items
            .iter()
            .map(|i| match i {
                Item::Rule(r) => (
                    r.head.span.start as usize,
                    r.head.span.end as usize,
                    r.span.end as usize,
                ),
                Item::Decl(_) => unreachable!(),
            })
            .collect();
        let scanned: Vec<(usize, usize, usize)> = all(text)
            .unwrap()
            .into_iter()
            .map(|f| (f.2, f.3, f.4))
            .collect();
        assert_eq!(scanned, spans);
        let (stmts, diags) = crate::facts::parse_file(text, file);
        assert!(diags.is_empty());
        let ends: Vec<usize> = stmts.iter().map(|s| s.span.end as usize).collect();
        assert_eq!(scanned.iter().map(|s| s.2).collect::<Vec<_>>(), ends);
    }

    #[test]
    fn leaves_everything_else_to_the_parser() {
        for bad in [
            "p(X).",
            "p(a) :- q(a).",
            ".decl p(x)",
            "p(a-).",
            "p(\"a\\n\").",
            "p(\"a\nb\").",
            "p().",
            "p.",
            "P(a).",
            "p(a)",
            "p(a,).",
            "p(99999999999999999999).",
            "p(1x).",
            "p(a).decl q(x)",
            "p(a). /* open",
            "p(é).",
            "grant x on y.",
        ] {
            assert!(all(bad).is_err(), "{bad}");
        }
        assert_eq!(all("p(a). q(").unwrap_err(), Unsupported(8));
    }
}
