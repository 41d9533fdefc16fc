//! The lexer: one logos `Token` enum for the whole language.
//!
//! Lexical errors never stop the token stream: [`lex`] turns them into
//! [`Token::Error`] plus an E0002 diagnostic, because LALRPOP's error recovery cannot
//! resume after the token iterator yields `Err`.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use logos::{Lexer, Logos};
use std::collections::HashMap;
use std::ops::Range;

/// Words with a fixed meaning (for the REPL highlighter and completion).
pub const KEYWORDS: &[&str] = &[".decl", "symbol", "number"];

/// What went wrong while lexing one token (the logos error type).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    Stray,
    /// A `"` with no closing `"` on the same line.
    UnterminatedString,
    /// A `\x` escape other than `\" \\ \n \t \r \u{XXXX}`, with the offending text.
    BadEscape(String),
    IntOutOfRange,
    UnterminatedComment,
    /// `'text'`: strings use double quotes.
    SingleQuoted,
}

#[derive(Logos, Clone, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(error = LexError)]
pub enum Token {
    #[token(".decl")]
    Decl,
    /// A bare lowercase name: relation name or symbol constant (`sf-creds`).
    #[regex(r"[a-z][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*", |lex| lex.slice().to_owned())]
    Lower(String),
    /// Starts with an uppercase letter or `_`: a variable, or a relation name.
    #[regex(r"[A-Z_][A-Za-z0-9_]*", |lex| lex.slice().to_owned())]
    Upper(String),
    /// `_` alone: the anonymous variable.
    #[token("_", priority = 10)]
    Underscore,
    /// A double-quoted string, escapes decoded.
    #[token("\"", lex_string)]
    // A callback, not a regex `'[^'\n]*'`, for the stack's sake (see `Comment`).
    #[token("'", single_quoted)]
    Str(String),
    #[regex(r"-?[0-9]+", |lex| lex.slice().parse::<i64>().map_err(|_| LexError::IntOutOfRange))]
    Int(i64),
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(":-")]
    If,
    #[token("!")]
    Bang,
    #[token("=")]
    Eq,
    #[token("!=")]
    Ne,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token(":")]
    Colon,
    #[token("@")]
    At,
    #[token("?")]
    Question,
    /// `// ...` or `/* ... */`; the callback turns `///` lines into `DocComment`.
    // Scanned by the callback, not by a regex `//[^\n]*`: logos matched that one
    // character per stack frame, so a long non-ASCII comment line overflowed the stack.
    #[token("//", line_comment)]
    #[token("/*", block_comment)]
    Comment,
    /// One `///` line, without the slashes and one following space.
    DocComment(String),
    /// Stands for a token that failed to lex (already reported as E0002).
    Error,
    /// Synthetic first tokens that select the grammar's entry point.
    StartModule,
    StartQuery,
    StartAtom,
}

/// `'text'` on one line is a helpful error; a lone `'` is a stray character.
fn single_quoted(lex: &mut Lexer<Token>) -> Result<String, LexError> {
    let rest = lex.remainder();
    match rest.find(['\'', '\n']) {
        Some(i) if rest[i..].starts_with('\'') => {
            lex.bump(i + 1);
            Err(LexError::SingleQuoted)
        }
        _ => Err(LexError::Stray),
    }
}

fn line_comment(lex: &mut Lexer<Token>) -> Token {
    let rest = lex.remainder();
    lex.bump(rest.find('\n').unwrap_or(rest.len()));
    let s = lex.slice();
    // `////` is an ordinary comment, as in Rust.
    match s.strip_prefix("///") {
        Some(rest) if !rest.starts_with('/') => {
            let rest = rest.strip_suffix('\r').unwrap_or(rest);
            Token::DocComment(rest.strip_prefix(' ').unwrap_or(rest).to_owned())
        }
        _ => Token::Comment,
    }
}

fn block_comment(lex: &mut Lexer<Token>) -> Result<Token, LexError> {
    match lex.remainder().find("*/") {
        Some(i) => {
            lex.bump(i + 2);
            Ok(Token::Comment)
        }
        None => {
            lex.bump(lex.remainder().len());
            Err(LexError::UnterminatedComment)
        }
    }
}

/// Scans a string after its opening quote. Strings end at the line: an unterminated one
/// swallows only the rest of its line, so the next line still parses.
fn lex_string(lex: &mut Lexer<Token>) -> Result<String, LexError> {
    let rest = lex.remainder();
    let mut out = String::new();
    let mut bad: Option<String> = None;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                return match bad {
                    Some(b) => Err(LexError::BadEscape(b)),
                    None => Ok(out),
                };
            }
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((j, 'u')) => match unicode_escape(&rest[j + 1..]) {
                    Some((ch, len)) => {
                        out.push(ch);
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    None => {
                        bad.get_or_insert_with(|| "\\u".to_owned());
                    }
                },
                Some((_, '\n')) | None => break,
                Some((_, other)) => {
                    bad.get_or_insert_with(|| format!("\\{other}"));
                }
            },
            _ => out.push(c),
        }
    }
    let len = rest.find('\n').unwrap_or(rest.len());
    lex.bump(len);
    Err(LexError::UnterminatedString)
}

/// Parses `{XXXX}` (1 to 6 hex digits); returns the char and the bytes consumed.
fn unicode_escape(s: &str) -> Option<(char, usize)> {
    let body = s.strip_prefix('{')?;
    let close = body.find('}')?;
    let hex = &body[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, close + 2))
}

/// The lexed form of one input, ready for the parser.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Tokens without comments, as `(start, token, end)`.
    pub tokens: Vec<(usize, Token, usize)>,
    /// E0002 diagnostics.
    pub errors: Vec<Diagnostic>,
    /// Joined `///` lines, keyed by the start of the token that follows them.
    pub docs: HashMap<usize, String>,
    /// The input ends inside a string or block comment.
    pub open_at_eof: bool,
}

/// Lexes `text`; spans are made in `file`.
pub fn lex(text: &str, file: FileId) -> Lexed {
    lex_range(text, 0..text.len(), file)
}

/// Lexes the part `range` of `text` as if it were the whole input, with offsets (token
/// positions, spans, doc keys) in `text`: a piece of a file split at statement ends.
pub fn lex_range(text: &str, range: Range<usize>, file: FileId) -> Lexed {
    let mut out = Lexed::default();
    let mut pending_doc: Option<String> = None;
    let base = range.start;
    let mut lexer = Token::lexer(&text[range]);
    let piece_len = lexer.source().len();
    while let Some(result) = lexer.next() {
        let Range { start, end } = lexer.span();
        let (start, end, at_end) = (start + base, end + base, end == piece_len);
        let tok = match result {
            Ok(Token::Comment) => continue,
            Ok(Token::DocComment(line)) => {
                match &mut pending_doc {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(&line);
                    }
                    None => pending_doc = Some(line),
                }
                continue;
            }
            Ok(tok) => tok,
            Err(e) => {
                if at_end
                    && matches!(
                        e,
                        LexError::UnterminatedString | LexError::UnterminatedComment
                    )
                {
                    out.open_at_eof = true;
                }
                out.errors.push(lex_error(&e, Span::new(file, start, end)));
                Token::Error
            }
        };
        if let Some(doc) = pending_doc.take() {
            out.docs.insert(start, doc);
        }
        out.tokens.push((start, tok, end));
    }
    out
}

fn lex_error(e: &LexError, span: Span) -> Diagnostic {
    let d = Diagnostic::error("E0002", "");
    let d = match e {
        LexError::Stray => Diagnostic {
            message: "unexpected character".into(),
            ..d
        }
        .label("not part of any token")
        .help("variables start with an uppercase letter; constants are lowercase or quoted"),
        LexError::UnterminatedString => Diagnostic {
            message: "unterminated string".into(),
            ..d
        }
        .label("no closing `\"` on this line"),
        LexError::BadEscape(esc) => Diagnostic {
            message: format!("unknown escape `{esc}` in string"),
            ..d
        }
        .help(r#"the escapes are \" \\ \n \t \r and \u{XXXX}"#),
        LexError::IntOutOfRange => Diagnostic {
            message: "integer out of range".into(),
            ..d
        }
        .help("numbers are 64-bit signed integers"),
        LexError::SingleQuoted => Diagnostic {
            message: "single-quoted string".into(),
            ..d
        }
        .help("strings use double quotes: \"text\""),
        LexError::UnterminatedComment => Diagnostic {
            message: "unterminated block comment".into(),
            ..d
        }
        .label("no closing `*/`"),
    };
    d.at(span)
}

/// Coarse token classes for syntax highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenClass {
    Keyword,
    /// A lowercase name: a relation or a symbol constant.
    Ident,
    /// An uppercase or `_` name (relation names may also be uppercase).
    Variable,
    String,
    Number,
    Comment,
    Punctuation,
    Error,
}

/// Classifies every token of `text`, comments and bad input included, in order.
pub fn highlight_tokens(text: &str) -> Vec<(TokenClass, Range<usize>)> {
    let mut lexer = Token::lexer(text);
    let mut out = Vec::new();
    while let Some(result) = lexer.next() {
        let class = match result {
            Ok(Token::Decl) => TokenClass::Keyword,
            Ok(Token::Lower(s)) if KEYWORDS.contains(&s.as_str()) => TokenClass::Keyword,
            Ok(Token::Lower(_)) => TokenClass::Ident,
            Ok(Token::Upper(_) | Token::Underscore) => TokenClass::Variable,
            Ok(Token::Str(_)) => TokenClass::String,
            Ok(Token::Int(_)) => TokenClass::Number,
            Ok(Token::Comment | Token::DocComment(_)) => TokenClass::Comment,
            Ok(Token::Error) | Err(_) => TokenClass::Error,
            Ok(_) => TokenClass::Punctuation,
        };
        out.push((class, lexer.span()));
    }
    out
}

/// Whether `s` can be written as a bare symbol (else it must be quoted).
pub fn is_bare_symbol(s: &str) -> bool {
    let mut lexer = Token::lexer(s);
    matches!(lexer.next(), Some(Ok(Token::Lower(ref t))) if t == s) && lexer.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Result<Token, LexError>> {
        Token::lexer(text).collect()
    }

    #[test]
    fn names_numbers_and_punctuation() {
        use Token::*;
        assert_eq!(
            toks("sf-creds runnable-default X _ _x -3 :- != <= @ ?"),
            vec![
                Ok(Lower("sf-creds".into())),
                Ok(Lower("runnable-default".into())),
                Ok(Upper("X".into())),
                Ok(Underscore),
                Ok(Upper("_x".into())),
                Ok(Int(-3)),
                Ok(If),
                Ok(Ne),
                Ok(Le),
                Ok(At),
                Ok(Question),
            ]
        );
        // A trailing '-' is not part of the name.
        assert_eq!(
            toks("a-)"),
            vec![Ok(Lower("a".into())), Err(LexError::Stray), Ok(RParen)]
        );
    }

    #[test]
    fn strings_decode_escapes_and_report_bad_ones() {
        assert_eq!(
            toks(r#""a\"\n\u{e9}""#),
            vec![Ok(Token::Str("a\"\né".into()))]
        );
        assert_eq!(
            toks(r#""a\q""#),
            vec![Err(LexError::BadEscape("\\q".into()))]
        );
        assert_eq!(
            toks("\"abc\nx"),
            vec![
                Err(LexError::UnterminatedString),
                Ok(Token::Lower("x".into()))
            ]
        );
        assert_eq!(
            toks("99999999999999999999"),
            vec![Err(LexError::IntOutOfRange)]
        );
    }

    #[test]
    fn comments_and_docs() {
        let l = lex("/// one\n///two\n// x\n/* y */ p //// z\n", FileId(0));
        assert_eq!(l.tokens.len(), 1);
        assert_eq!(
            l.docs.get(&l.tokens[0].0).map(String::as_str),
            Some("one\ntwo")
        );
        assert!(lex("/* open", FileId(0)).open_at_eof);
    }

    #[test]
    fn bare_symbols() {
        assert!(is_bare_symbol("sf-creds"));
        assert!(!is_bare_symbol("Bob"));
        assert!(!is_bare_symbol("a b"));
        assert!(!is_bare_symbol(""));
        assert!(!is_bare_symbol("a-"));
    }
}
