//! Parsing a big `.facts` text on every thread: the text is cut into pieces of about
//! [`PIECE`] bytes at statement ends (a `.` followed by white space, outside strings and
//! comments), the pieces are parsed at once, and their statements and diagnostics are put
//! together in order, as one parse of the whole text gives them: every lexer error, then
//! every parser diagnostic. A statement never reads past its `.` (error recovery stops
//! there too), so a piece parses as it would inside the whole text. Should a cut land
//! where the lexer disagrees (a piece not ending with a `.` token), the whole text is
//! parsed in one piece instead.
//!
//! Pieces also bound the lexer's token vector: a whole 46 MB text lexed at once held
//! 400 MB of tokens.

use super::parse::{parse_piece, Piece};
use super::Stmt;
use crate::diag::Diagnostic;
use crate::source::FileId;
use rayon::prelude::*;
use std::ops::Range;

/// Bytes per piece (a piece ends at the first statement end past this many bytes).
pub(crate) const PIECE: usize = 1 << 20;

pub(super) fn parse_file(text: &str, file: FileId) -> (Vec<Stmt>, Vec<Diagnostic>) {
    parse_in_pieces(text, file, PIECE)
}

/// [`parse_file`] with pieces of `size` bytes (small in tests, to cut often).
pub(crate) fn parse_in_pieces(
    text: &str,
    file: FileId,
    size: usize,
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let pieces = statement_pieces(text, size);
    if pieces.len() > 1 {
        // The command's `--timeout` and Ctrl-C, read here: the workers have no scope.
        // Past them, the pieces left are not parsed; the caller's next check reports it.
        let deadline = crate::engine::limits::deadline(None).map(|(at, _)| at);
        let interrupt = crate::engine::limits::watched();
        let stop = || {
            deadline.is_some_and(|at| std::time::Instant::now() >= at)
                || interrupt.is_some_and(|i| i.requested())
        };
        let parts: Vec<Piece> = crate::threads::install(|| {
            pieces
                .into_par_iter()
                .map(|r| match stop() {
                    true => Piece {
                        stmts: Vec::new(),
                        lex_errors: Vec::new(),
                        diags: Vec::new(),
                        ends_at_dot: true,
                    },
                    false => parse_piece(text, r, file),
                })
                .collect()
        });
        if parts[..parts.len() - 1].iter().all(|p| p.ends_at_dot) {
            return join(parts);
        }
    }
    join(vec![parse_piece(text, 0..text.len(), file)])
}

fn join(parts: Vec<Piece>) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut stmts = Vec::with_capacity(parts.iter().map(|p| p.stmts.len()).sum());
    let mut lex_errors = Vec::new();
    let mut diags = Vec::new();
    for p in parts {
        stmts.extend(p.stmts);
        lex_errors.extend(p.lex_errors);
        diags.extend(p.diags);
    }
    lex_errors.append(&mut diags);
    (stmts, lex_errors)
}

/// Byte ranges covering `text`, each but the last ending just after a statement's `.`
/// once it holds `size` bytes or more.
pub(crate) fn statement_pieces(text: &str, size: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut from, mut i) = (0, 0);
    let skip_to = |i: usize, stop: &dyn Fn(u8) -> bool| {
        let mut j = i;
        while j < b.len() && !stop(b[j]) {
            j += 1;
        }
        j
    };
    while i < b.len() {
        match b[i] {
            b'"' => {
                // Strings end at the line (the lexer's rule); `\x` escapes one byte.
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => i = skip_to(i + 1, &|c| c == b'\'' || c == b'\n'),
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_to(i, &|c| c == b'\n'),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = match text[i + 2..].find("*/") {
                    Some(at) => i + 2 + at + 1,
                    None => b.len(),
                };
            }
            b'.' if i + 1 - from >= size && b.get(i + 1).is_none_or(u8::is_ascii_whitespace) => {
                out.push(from..i + 1);
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if from < b.len() || out.is_empty() {
        out.push(from..b.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use proptest::prelude::*;

    fn whole(text: &str, file: FileId) -> String {
        let p = parse_piece(text, 0..text.len(), file);
        format!("{:?}", join(vec![p]))
    }

    /// Fragments that make cutting hard: dots in strings and comments, statements broken
    /// or missing their `.`, doc comments, a string or comment left open.
    const FRAGMENTS: &[&str] = &[
        "user sam type person email \"sam. at example.com\".\n",
        "tenant engineering.\n",
        "grant can_use on sf-depot in engineering to sam by maria.\n",
        "resource sf-depot kind depot in engineering.\n",
        "revoke can_use on sf-depot in engineering from sam by maria.\n",
        "// a comment. with dots. \n",
        "/* a block. comment.\n spanning. lines */\n",
        "/// a doc. comment\n",
        "user ann type person\n",
        "grant can_use on . in x to y.\n",
        "edge(a, b). edge(b, c).\n",
        "'single. quoted'.\n",
        "\"unterminated. string\n",
        "/* open comment. \n",
        "x. y.z. \n",
        "user. \n",
        ".decl p(x).\n",
        "\"esc\\\". still string. \".\n",
        "é. ü.\n",
        "p(1). q(-2).\r\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Parsing in pieces (cut as often as possible, on 1 to 4 threads) gives the
        /// statements and diagnostics of one parse of the whole text.
        #[test]
        fn pieces_parse_as_the_whole_text(
            picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..40),
            size in 1usize..200,
            threads in 1usize..=4,
        ) {
            let text: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
            let mut sources = SourceMap::new();
            let file = sources.add("t.facts", text.clone());
            let pieced = crate::threads::with_threads(threads, || {
                parse_in_pieces(&text, file, size)
            });
            prop_assert_eq!(format!("{:?}", pieced), whole(&text, file));
        }
    }

    /// Cuts fall after a statement's `.`, never inside a string or comment.
    #[test]
    fn cuts_fall_after_statement_ends_only() {
        let text = "a(\"x. y\"). /* b. c */ d(1). // e. f\ng(2).";
        let cuts: Vec<usize> = statement_pieces(text, 1).iter().map(|r| r.end).collect();
        let after = |s: &str| text.find(s).unwrap() + s.len();
        assert_eq!(cuts, vec![after("y\")."), after("d(1)."), text.len()]);
    }

    /// The example files parse the same in pieces.
    #[test]
    fn examples_parse_the_same_in_pieces() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "facts") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut sources = SourceMap::new();
            let file = sources.add("t.facts", text.clone());
            let pieces = statement_pieces(&text, 64).len();
            assert!(pieces > 1, "{} is cut", path.display());
            let pieced = format!("{:?}", parse_in_pieces(&text, file, 64));
            assert_eq!(pieced, whole(&text, file), "{}", path.display());
        }
    }
}
