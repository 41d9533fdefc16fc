//! Tokens, the parser entry points and the AST printer.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod print;

pub use lexer::{highlight_tokens, TokenClass, KEYWORDS};
pub use parser::{is_incomplete, parse_atom, parse_module, parse_query};
