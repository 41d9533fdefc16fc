//! All integration tests, one binary: linking thirty test binaries dominated a fresh `cargo test`.

mod audit;
mod cli_check;
mod cli_completions;
mod cli_exit;
mod cli_json;
mod cli_pipe;
mod cli_run;
mod cli_warnings;
mod color;
mod corpus;
mod decisions;
mod delimited;
mod diff;
mod diff_facts;
mod diff_facts_props;
mod diff_order;
mod doc_commands;
mod docs_ci;
mod docs_truth;
mod engine_basics;
mod engine_beside;
#[allow(dead_code)]
mod engine_common;
mod engine_diagnostics;
mod engine_incremental;
mod engine_maintain;
mod engine_perf;
mod engine_proof;
mod engine_props;
mod engine_retract;
mod error_codes;
mod explain_causes;
mod explain_each;
mod explain_formats;
mod explain_programs;
#[allow(dead_code)]
mod explain_util;
mod explain_worked;
mod explorer_api;
mod explorer_browser;
mod exports_cli;
#[cfg(unix)]
mod exports_dirs;
mod exports_import;
mod exports_lsp;
mod exports_merge;
mod exports_robust;
mod exports_warnings;
mod facts_desugar;
mod facts_errors;
mod facts_examples;
mod facts_props;
mod facts_raw;
mod fidelity_revoked;
mod fidelity_s15;
mod fidelity_s2;
mod fidelity_shipped;
#[allow(dead_code)]
mod fidelity_util;
mod fmt;
#[allow(dead_code)]
mod fuzz_common;
mod fuzz_exports;
mod fuzz_inputs;
mod fuzz_repl_cli;
mod import_cli;
mod import_errors;
mod import_example;
mod import_generate;
mod import_manifests;
mod import_tables;
#[allow(dead_code)]
mod import_util;
mod invariants;
mod limits_leak;
mod load_fast;
mod lsp;
mod maintain_dataos;
mod negation_local;
mod ordered;
mod parse_messages;
mod peer_ascent;
mod peer_crepe;
mod policytest_coverage;
mod policytest_explain;
mod policytest_loop;
mod query_lint;
mod readme;
mod repl_atomic;
mod repl_binary;
mod repl_completion;
#[cfg(unix)]
mod repl_interrupt;
#[cfg(unix)]
mod repl_pty;
mod repl_retract;
mod repl_session;
mod repl_stream;
mod repl_words;
mod robust_regress;
mod serve_api;
mod serve_authzen;
mod serve_docs;
mod serve_errors;
mod serve_history;
mod serve_stream;
#[allow(dead_code)]
mod serve_util;
mod serve_watch;
mod shell_words;
mod statements;
mod syntax_errors;
mod syntax_parse;
mod syntax_props;
mod threads;
mod timeout_load;
