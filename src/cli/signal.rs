//! Ctrl-C (SIGINT). A batch command exits 130 at once. In the REPL, Ctrl-C stops the
//! running input (it fails with E0403 and changes nothing: see `engine::limits`) and the
//! session goes on; while a piped session waits for input, it exits 130 as a batch
//! command would (in a terminal the line editor reads Ctrl-C itself).

use crate::engine::limits::{watch, Interrupt};

static INTERRUPT: Interrupt = Interrupt::new();

/// Install the handler; `repl`: the REPL, `piped`: its input is not a terminal.
pub fn install(repl: bool, piped: bool) {
    if repl {
        watch(&INTERRUPT);
    }
    // If no handler can be installed, Ctrl-C keeps its default (it ends the process).
    let _ = ctrlc::set_handler(move || {
        if repl && (INTERRUPT.request() || !piped) {
            return;
        }
        eprintln!("interrupted");
        std::process::exit(130);
    });
}
