//! `grantlog repl` (and `grantlog` alone): the interactive session.

use super::LimitArgs;
use crate::repl::{self, Repl};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

pub const HELP: &str =
    "With no rules and no facts, the shipped DataOS rules and the worked example (S30)
are loaded. In a terminal the session has line editing, Tab completion, coloured input and
diagnostics (as eval's: --color always|never, NO_COLOR) and history (kept in the platform's data directory, e.g. ~/.local/share/grantlog/history);
with standard input piped, each line of the script is answered in plain text, and the
exit status is 1 if any input failed.

Examples:
  grantlog
  grantlog repl examples/run-as.facts
  printf 'can_run(engineering, sales-360)\\n' | grantlog repl";

#[derive(clap::Args, Debug, Default)]
pub struct ReplArgs {
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Fact files. With no rules and no facts, the worked example is loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    #[arg(long, help = super::KEEP_GOING_HELP)]
    pub keep_going: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: &ReplArgs) -> u8 {
    let started = Instant::now();
    // The session reads its commands from stdin: it cannot also be a fact file.
    if args.facts.iter().any(|p| crate::inputs::is_stdin(p)) {
        eprintln!("error: `-` (stdin) is not a fact file in the REPL: stdin holds its commands");
        eprintln!("  = help: name a file, or `:load` one in the session; `grantlog eval -` reads facts from stdin");
        return 2;
    }
    let mut ws = match super::open_workspace(
        &args.rules,
        &args.facts,
        &args.limits,
        true,
        args.keep_going,
    ) {
        Ok(ws) => ws,
        Err(code) => return code,
    };
    let mut session = Repl::new();
    session.embedded = crate::shipped::embedded(!args.rules.is_empty(), !args.facts.is_empty());
    session.opened(&ws, started.elapsed());
    // Diagnostics go to stdout with the answers: coloured as `eval` colours stderr.
    session.colour = crate::style::enabled(crate::style::Stream::Stdout);
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        match repl::terminal::run(&mut session, &mut ws) {
            Ok(_) => 0,
            Err(e) => {
                eprintln!("error: the terminal failed: {e}");
                1
            }
        }
    } else {
        let stdin = std::io::stdin();
        let mut stdout = std::io::stdout();
        match repl::run_with(&mut session, &mut ws, stdin.lock(), &mut stdout, false) {
            Ok(summary) if summary.errors == 0 => 0,
            Ok(_) => 1,
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        }
    }
}
