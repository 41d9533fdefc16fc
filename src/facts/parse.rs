//! Parsing `.facts` statements: a hand-written recursive-descent parser over the rule
//! language's tokens. Keywords are `Lower` tokens matched by their text.
//!
//! Errors never stop the parse: a statement with a syntax error is reported (E0001) and
//! skipped up to its closing `.`, so one read reports every broken statement.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::Const;
use crate::syntax::lexer::{lex_range, Token};
use std::ops::Range;

pub use super::ast::{Field, Name, Stmt, StmtKind, Words};

/// The statement keywords (first position only).
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "user", "instance", "tenant", "invite", "role", "resource", "grant", "revoke", "fact",
];

/// Parse one file's text. Returns the statements that parsed and every diagnostic
/// (E0002 from the lexer, E0001, F0002). A big text is parsed in pieces split at statement
/// ends, on every thread (see `pieces`); the result is the same.
pub fn parse_file(text: &str, file: FileId) -> (Vec<Stmt>, Vec<Diagnostic>) {
    super::pieces::parse_file(text, file)
}

/// What parsing one piece of a text gave.
pub(super) struct Piece {
    pub stmts: Vec<Stmt>,
    /// E0002, from the lexer.
    pub lex_errors: Vec<Diagnostic>,
    /// From the parser.
    pub diags: Vec<Diagnostic>,
    /// The piece ends with a `.` token, outside any string or comment: the next piece
    /// starts a statement.
    pub ends_at_dot: bool,
}

/// Parses the part `range` of `text` (offsets and spans in `text`).
pub(super) fn parse_piece(text: &str, range: Range<usize>, file: FileId) -> Piece {
    let lexed = lex_range(text, range.clone(), file);
    let ends_at_dot = !lexed.open_at_eof
        && matches!(lexed.tokens.last(), Some((_, Token::Dot, end)) if *end == range.end);
    let mut p = Parser {
        toks: lexed.tokens,
        pos: 0,
        file,
        eof: text.len(),
        diags: Vec::new(),
    };
    let mut stmts = Vec::new();
    while p.pos < p.toks.len() {
        let start = p.pos;
        match p.statement() {
            Ok(s) => stmts.push(s),
            Err(d) => {
                // A forgotten `.`: read the statement as ending before the next line that
                // starts a statement, so that what it declares (and what follows) is not
                // lost and reported as a cascade of unknown names.
                if let Some(stmt) = p.missing_dot(start, text) {
                    stmts.push(stmt);
                    continue;
                }
                // Report a syntax error unless the bad token was already reported by the lexer.
                let at_error_token = matches!(p.peek(), Some(Token::Error));
                if !at_error_token {
                    p.diags.push(*d);
                }
                p.recover(start, text);
            }
        }
    }
    Piece {
        stmts,
        lex_errors: lexed.errors,
        diags: p.diags,
        ends_at_dot,
    }
}

type PResult<T> = Result<T, Box<Diagnostic>>;

struct Parser {
    toks: Vec<(usize, Token, usize)>,
    pos: usize,
    file: FileId,
    eof: usize,
    /// Non-fatal diagnostics (F0002).
    diags: Vec<Diagnostic>,
}

fn describe(tok: Option<&Token>) -> String {
    match tok {
        None => "end of input".into(),
        Some(Token::Lower(s)) => format!("`{s}`"),
        Some(Token::Upper(s)) => format!("`{s}`"),
        Some(Token::Str(s)) => format!("\"{s}\""),
        Some(Token::Int(i)) => format!("`{i}`"),
        Some(Token::LParen) => "`(`".into(),
        Some(Token::RParen) => "`)`".into(),
        Some(Token::Comma) => "`,`".into(),
        Some(Token::Dot) => "`.`".into(),
        Some(Token::Colon) => "`:`".into(),
        Some(Token::Underscore) => "`_`".into(),
        Some(Token::Error) => "an invalid token".into(),
        Some(other) => format!("`{}`", token_text(other)),
    }
}

fn token_text(t: &Token) -> &'static str {
    match t {
        Token::Decl => ".decl",
        Token::If => ":-",
        Token::Bang => "!",
        Token::Eq => "=",
        Token::Ne => "!=",
        Token::Lt => "<",
        Token::Le => "<=",
        Token::Gt => ">",
        Token::Ge => ">=",
        Token::At => "@",
        Token::Question => "?",
        _ => "token",
    }
}

fn is_cap(t: Option<&Token>) -> bool {
    matches!(t, Some(Token::Upper(_)))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos).map(|(_, t, _)| t)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n).map(|(_, t, _)| t)
    }

    fn span_here(&self) -> Span {
        match self.toks.get(self.pos) {
            Some((s, _, e)) => Span::new(self.file, *s, *e),
            None => Span::new(self.file, self.eof, self.eof),
        }
    }

    fn prev_span(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some((s, _, e)) => Span::new(self.file, *s, *e),
            None => Span::new(self.file, 0, 0),
        }
    }

    fn bump(&mut self) -> Span {
        let s = self.span_here();
        self.pos += 1;
        s
    }

    /// Skip to just after the next `.` (at least one token past `start`).
    /// Skip the broken statement that began at token `start`: up to its `.`, or up to a
    /// line that starts another statement, whichever comes first.
    fn recover(&mut self, start: usize, text: &str) {
        if self.pos <= start {
            self.pos = start + 1;
            if matches!(self.toks.get(start).map(|t| &t.1), Some(Token::Dot)) {
                return;
            }
        }
        if let Some(b) = self.next_statement_line(start, text) {
            self.pos = b;
            return;
        }
        while let Some(t) = self.peek() {
            let dot = *t == Token::Dot;
            self.pos += 1;
            if dot {
                break;
            }
        }
    }

    /// The first token after `start`, before the statement's `.`, that begins a line with
    /// a statement keyword (not a field such as `user:`).
    fn next_statement_line(&self, start: usize, text: &str) -> Option<usize> {
        let mut i = start + 1;
        while i < self.toks.len() {
            let (s, tok, _) = &self.toks[i];
            if *tok == Token::Dot {
                return None;
            }
            let prev_end = self.toks[i - 1].2;
            let line_start = text[prev_end..*s].contains('\n');
            let keyword =
                matches!(tok, Token::Lower(k) if STATEMENT_KEYWORDS.contains(&k.as_str()));
            let field = matches!(self.toks.get(i + 1), Some((_, Token::Colon, _)));
            if line_start && keyword && !field {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// When the statement from `start` parses with a `.` put before the next line that
    /// starts a statement: that statement, with one E0001 at the place of the missing `.`.
    fn missing_dot(&mut self, start: usize, text: &str) -> Option<Stmt> {
        let b = self.next_statement_line(start, text)?;
        let end = self.toks[b - 1].2;
        let saved_diags = self.diags.len();
        self.toks.insert(b, (end, Token::Dot, end));
        self.pos = start;
        match self.statement() {
            Ok(stmt) if self.pos == b + 1 => {
                let next = match &self.toks.get(b + 1).map(|t| &t.1) {
                    Some(Token::Lower(k)) => format!("`{k}`"),
                    _ => "the next statement".into(),
                };
                self.diags.push(
                    Diagnostic::error("E0001", format!("expected `.` before {next}"))
                        .at(Span::new(self.file, end, end))
                        .label("the statement ends here")
                        .help(format!("end the statement with `.`; a new one ({next}) starts on the next line")),
                );
                Some(stmt)
            }
            _ => {
                self.toks.remove(b);
                self.diags.truncate(saved_diags);
                self.pos = start;
                None
            }
        }
    }

    fn expected(&self, what: &[&str]) -> Box<Diagnostic> {
        let found = describe(self.peek());
        let message = match what {
            [one] => format!("expected {one}, found {found}"),
            many => format!("expected one of {}, found {found}", many.join(", ")),
        };
        let mut d = Diagnostic::error("E0001", message)
            .at(self.span_here())
            .label(if self.peek().is_none() {
                "input ends here"
            } else {
                "unexpected here"
            });
        d = if what.contains(&"`.`") {
            d.help("a statement ends with `.`")
        } else {
            d.help("see docs/facts-language.md for the statement forms")
        };
        Box::new(d)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Lower(s)) if s == w)
    }

    fn keyword(&mut self, w: &str) -> PResult<Span> {
        if self.is_word(w) {
            Ok(self.bump())
        } else {
            Err(self.expected(&[&format!("`{w}`")]))
        }
    }

    fn punct(&mut self, t: Token, text: &str) -> PResult<Span> {
        if self.peek() == Some(&t) {
            Ok(self.bump())
        } else {
            Err(self.expected(&[text]))
        }
    }

    /// A name: a lowercase name or a string. A capitalised word is F0002 (reported, and
    /// read as the name it spells so that parsing goes on).
    fn name(&mut self, what: &str) -> PResult<Name> {
        let span = self.span_here();
        let (text, quoted, capitalised) = match self.peek() {
            Some(Token::Lower(s)) => (s.clone(), false, false),
            Some(Token::Str(s)) => (s.clone(), true, false),
            Some(Token::Upper(s)) => {
                let s = s.clone();
                self.diags.push(cap_error(&s, span));
                // Read as the spelling the error proposes, so that later uses of that
                // spelling are not reported again (and "Sam" is never suggested).
                (s.to_lowercase(), false, true)
            }
            _ => return Err(self.expected(&[what])),
        };
        self.pos += 1;
        Ok(Name {
            text,
            span,
            quoted,
            capitalised,
        })
    }

    fn statement(&mut self) -> PResult<Stmt> {
        let start = self.span_here();
        let kind = match self.peek() {
            // `rel(...)`, `Rel(...)`: a raw fact of any declared relation, whatever its case.
            Some(Token::Lower(_) | Token::Upper(_)) if self.peek_at(1) == Some(&Token::LParen) => {
                self.raw()?
            }
            // `z.`, `Z.`: a zero-arity fact, unless the word is a keyword (`instance.` is
            // a statement; `user.` is a user statement missing its id).
            Some(Token::Lower(k) | Token::Upper(k))
                if self.peek_at(1) == Some(&Token::Dot)
                    && !STATEMENT_KEYWORDS.contains(&k.as_str()) =>
            {
                self.raw()?
            }
            Some(Token::Lower(k)) => match k.as_str() {
                "user" => self.user()?,
                "instance" => self.instance()?,
                "tenant" => self.tenant()?,
                "invite" => self.invite()?,
                "role" => self.role()?,
                "resource" => self.resource()?,
                "grant" => self.grant()?,
                "revoke" => self.revoke()?,
                "fact" => {
                    self.bump();
                    self.raw()?
                }
                _ => return Err(self.statement_expected()),
            },
            _ => return Err(self.statement_expected()),
        };
        let end = self.punct(Token::Dot, "`.`")?;
        Ok(Stmt {
            kind,
            span: start.to(end),
        })
    }

    fn statement_expected(&self) -> Box<Diagnostic> {
        let mut d = *self.expected(&[
            "`user`",
            "`instance`",
            "`tenant`",
            "`invite`",
            "`role`",
            "`resource`",
            "`grant`",
            "`revoke`",
            "`fact`",
            "a fact `relation(...)`",
        ]);
        if let Some(Token::Lower(w) | Token::Upper(w)) = self.peek() {
            if let Some(k) = super::names::did_you_mean(w, STATEMENT_KEYWORDS.iter().copied()) {
                d = d.help(format!("did you mean `{k}`?"));
            }
        }
        Box::new(d)
    }

    /// `rel(v, ...)`, `rel()` or `rel` (zero arity). The relation name may be capitalised
    /// (relation names are not symbols), and is checked against the rules when loaded.
    fn raw(&mut self) -> PResult<StmtKind> {
        let span = self.span_here();
        let relation = match self.peek() {
            Some(Token::Lower(s) | Token::Upper(s)) => Name {
                text: s.clone(),
                span,
                quoted: false,
                capitalised: false,
            },
            Some(Token::Str(s)) => Name {
                text: s.clone(),
                span,
                quoted: true,
                capitalised: false,
            },
            _ => return Err(self.expected(&["a relation name"])),
        };
        self.pos += 1;
        let mut values = Vec::new();
        if self.peek() == Some(&Token::Dot) {
            return Ok(StmtKind::Raw { relation, values });
        }
        self.punct(Token::LParen, "`(`")?;
        if self.peek() != Some(&Token::RParen) {
            loop {
                let span = self.span_here();
                let c = match self.peek() {
                    Some(Token::Lower(s) | Token::Str(s)) => Const::Sym(s.clone()),
                    Some(Token::Int(i)) => Const::Num(*i),
                    Some(Token::Upper(s)) => {
                        let s = s.clone();
                        self.diags.push(cap_error(&s, span));
                        Const::Sym(s)
                    }
                    _ => return Err(self.expected(&["a name", "a string", "an integer"])),
                };
                self.pos += 1;
                values.push((c, span));
                if self.peek() == Some(&Token::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        self.punct(Token::RParen, "`)`")?;
        Ok(StmtKind::Raw { relation, values })
    }

    fn user(&mut self) -> PResult<StmtKind> {
        self.keyword("user")?;
        let id = self.name("a user id")?;
        let mut fields = Vec::new();
        loop {
            let field = match self.peek() {
                Some(Token::Lower(f)) if ["type", "name", "email"].contains(&f.as_str()) => {
                    self.name("a field")?
                }
                Some(Token::Dot) => break,
                _ => return Err(self.expected(&["`type`", "`name`", "`email`", "`.`"])),
            };
            let value = if field.text == "type" {
                self.name("`person` or `application`")?
            } else {
                match self.peek() {
                    Some(Token::Str(_)) => self.name("a string")?,
                    _ => return Err(self.expected(&["a string"])),
                }
            };
            fields.push((field, value));
        }
        Ok(StmtKind::User { id, fields })
    }

    fn instance(&mut self) -> PResult<StmtKind> {
        self.keyword("instance")?;
        let mut clauses = Vec::new();
        while self.peek() != Some(&Token::Dot) {
            let role = match self.peek() {
                Some(Token::Lower(_) | Token::Str(_) | Token::Upper(_)) => self.name("a role")?,
                _ => return Err(self.expected(&["an instance role", "`.`"])),
            };
            self.punct(Token::Colon, "`:`")?;
            let users = self.name_list("a user")?;
            clauses.push((role, users));
        }
        Ok(StmtKind::Instance { clauses })
    }

    fn name_list(&mut self, what: &str) -> PResult<Vec<Name>> {
        let mut out = vec![self.name(what)?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            out.push(self.name(what)?);
        }
        Ok(out)
    }

    fn tenant(&mut self) -> PResult<StmtKind> {
        self.keyword("tenant")?;
        let name = self.name("a tenant name")?;
        let delegates = self.is_word("delegates");
        if delegates {
            self.bump();
            self.keyword("onboarding")?;
        } else if self.peek() != Some(&Token::Dot) {
            return Err(self.expected(&["`delegates onboarding`", "`.`"]));
        }
        Ok(StmtKind::Tenant { name, delegates })
    }

    fn invite(&mut self) -> PResult<StmtKind> {
        self.keyword("invite")?;
        let user = self.name("a user")?;
        self.keyword("to")?;
        let tenant = self.name("a tenant")?;
        self.keyword("by")?;
        let by = self.name("a user")?;
        let roles = if self.is_word("as") {
            self.bump();
            self.words_list(true)?
        } else if self.peek() == Some(&Token::Dot) {
            Vec::new()
        } else {
            return Err(self.expected(&["`as`", "`.`"]));
        };
        Ok(StmtKind::Invite {
            user,
            tenant,
            by,
            roles,
        })
    }

    fn role(&mut self) -> PResult<StmtKind> {
        self.keyword("role")?;
        let user = self.name("a user")?;
        self.keyword("in")?;
        let tenant = self.name("a tenant")?;
        self.punct(Token::Colon, "`:`")?;
        let roles = self.words_list(true)?;
        Ok(StmtKind::Role {
            user,
            tenant,
            roles,
        })
    }

    /// `words ("," words)*` for role names (`role = true`) or permissions.
    fn words_list(&mut self, role: bool) -> PResult<Vec<Words>> {
        let mut out = vec![self.words(role)?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            out.push(self.words(role)?);
        }
        Ok(out)
    }

    /// A role name (`STRING | NAME? CAP+`) or a permission (`STRING | NAME | CAP+`).
    fn words(&mut self, role: bool) -> PResult<Words> {
        let start = self.span_here();
        match self.peek() {
            Some(Token::Str(s)) => {
                let words = s.split_whitespace().map(str::to_owned).collect();
                self.pos += 1;
                return Ok(Words {
                    words,
                    single_name: false,
                    span: start,
                });
            }
            Some(Token::Lower(s)) => {
                let s = s.clone();
                self.pos += 1;
                if !(role && is_cap(self.peek())) {
                    return Ok(Words {
                        words: vec![s],
                        single_name: true,
                        span: start,
                    });
                }
                let mut words = vec![s];
                self.caps(&mut words);
                return Ok(Words {
                    words,
                    single_name: false,
                    span: start.to(self.prev_span()),
                });
            }
            Some(Token::Upper(_)) => {}
            _ => return Err(self.expected(&[if role { "a role name" } else { "a permission" }])),
        }
        let mut words = Vec::new();
        self.caps(&mut words);
        Ok(Words {
            words,
            single_name: false,
            span: start.to(self.prev_span()),
        })
    }

    fn caps(&mut self, words: &mut Vec<String>) {
        while let Some(Token::Upper(w)) = self.peek() {
            words.push(w.clone());
            self.pos += 1;
        }
    }

    fn resource(&mut self) -> PResult<StmtKind> {
        self.keyword("resource")?;
        let name = self.name("a resource name")?;
        self.keyword("in")?;
        let tenant = self.name("a tenant")?;
        let mut fields = Vec::new();
        while self.peek() != Some(&Token::Dot) {
            let field = match self.peek() {
                Some(Token::Lower(_) | Token::Str(_) | Token::Upper(_)) => {
                    self.name("a field name")?
                }
                _ => return Err(self.expected(&["a field such as `type:`", "`.`"])),
            };
            self.punct(Token::Colon, "`:`")?;
            let values = self.name_list("a value")?;
            fields.push(Field {
                name: field,
                values,
            });
        }
        Ok(StmtKind::Resource {
            name,
            tenant,
            fields,
        })
    }

    fn grant(&mut self) -> PResult<StmtKind> {
        self.keyword("grant")?;
        self.grant_or_revoke(false)
    }

    fn revoke(&mut self) -> PResult<StmtKind> {
        self.keyword("revoke")?;
        self.grant_or_revoke(true)
    }

    /// The rest of `grant P on R in T to U by G` / `revoke P on R in T from U by G`, or of
    /// their run-as forms: the two differ only in `to` / `from`.
    fn grant_or_revoke(&mut self, revoke: bool) -> PResult<StmtKind> {
        let toward = if revoke { "from" } else { "to" };
        if self.is_word("run-as") {
            self.bump();
            let identity = self.name("a user")?;
            self.keyword(toward)?;
            let grantee = self.name("a user")?;
            self.keyword("by")?;
            let by = self.name("a user")?;
            return Ok(if revoke {
                StmtKind::RunAsRevoke {
                    identity,
                    grantee,
                    by,
                }
            } else {
                StmtKind::RunAsGrant {
                    identity,
                    grantee,
                    by,
                }
            });
        }
        let perms = self.words_list(false)?;
        self.keyword("on")?;
        let resource = self.name("a resource")?;
        self.keyword("in")?;
        let tenant = self.name("a tenant")?;
        self.keyword(toward)?;
        let grantee = self.name("a user")?;
        self.keyword("by")?;
        let by = self.name("a user")?;
        Ok(if revoke {
            StmtKind::Revoke {
                perms,
                resource,
                tenant,
                grantee,
                by,
            }
        } else {
            StmtKind::Grant {
                perms,
                resource,
                tenant,
                grantee,
                by,
            }
        })
    }
}

/// F0002: a capitalised word where a name belongs.
fn cap_error(word: &str, span: Span) -> Diagnostic {
    let lower = word.to_lowercase();
    Diagnostic::error(
        "F0002",
        format!("\"{word}\" is not a name here; write {lower} or \"{word}\""),
    )
    .at(span)
    .label("a capitalised word")
    .help(format!(
        "capitalised words are only read as words inside role and permission names; write {lower} or \"{word}\""
    ))
}
