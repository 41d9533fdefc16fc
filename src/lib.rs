//! grantlog: access models as Datalog rules, answering who may do what, why, and why not.
// Diagnostics travel in Err on cold paths only; boxing them would buy nothing.
#![allow(clippy::result_large_err)]

pub mod allocator;
pub mod audit;
pub mod cli;
pub mod delimited;
pub mod diag;
pub mod diff;
pub mod engine;
pub mod explain;
pub mod facts;
pub mod fmt;
pub mod generate;
pub mod git;
pub mod history;
pub mod import;
pub mod inputs;
pub mod lint;
pub mod load;
pub mod lsp;
pub mod policytest;
pub mod program;
pub mod repl;
pub mod serve;
pub mod shipped;
pub mod source;
pub mod style;
pub mod syntax;
pub mod table;
pub mod threads;
pub mod watcher;
pub mod workspace;
