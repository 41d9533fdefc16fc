//! Tokens, the parser entry points and the AST printer.

pub mod ast;
