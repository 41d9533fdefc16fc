//! All integration tests, one binary: linking thirty test binaries dominated a fresh `cargo test`.

mod audit;
mod cli_json;
mod cli_pipe;
mod cli_run;
mod corpus;
mod diff;
mod engine_basics;
#[allow(dead_code)]
mod engine_common;
mod engine_diagnostics;
mod engine_incremental;
mod engine_perf;
mod engine_props;
mod engine_retract;
mod explain_formats;
mod explain_programs;
#[allow(dead_code)]
mod explain_util;
mod explain_worked;
mod facts_desugar;
mod facts_errors;
mod facts_examples;
mod facts_props;
#[allow(dead_code)]
mod fuzz_common;
mod fuzz_inputs;
mod fuzz_repl_cli;
mod invariants;
mod peer_crepe;
mod policytest_coverage;
mod policytest_explain;
mod readme;
mod repl_binary;
#[cfg(unix)]
mod repl_pty;
mod repl_stream;
mod robust_regress;
mod shell_words;
mod statements;
mod syntax_errors;
mod syntax_parse;
mod syntax_props;
