//! The REPL in a terminal: rustyline with the [`ReplHelper`], history across sessions.

use super::helper::ReplHelper;
use super::{greeting, Flow, Repl, Summary, PROMPT};
use crate::workspace::Workspace;
use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Editor};
use std::io::Write;
use std::path::PathBuf;

/// `data_dir/grantlog/history` (e.g. `~/.local/share/grantlog/history` on Linux).
pub fn history_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("grantlog").join("history"))
}

/// Run the session on the terminal until `:quit` or Ctrl-D.
pub fn run(repl: &mut Repl, ws: &mut Workspace) -> rustyline::Result<Summary> {
    let config = Config::builder()
        .auto_add_history(true)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .max_history_size(5000)?
        .build();
    let mut rl: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)?;
    // NO_COLOR and --color decide, as everywhere.
    let colour = crate::style::enabled(crate::style::Stream::Stdout);
    rl.set_helper(Some(ReplHelper::new(ws, colour)));
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = rl.load_history(path);
    }
    let mut stdout = std::io::stdout();
    // A screenful of rows unless the session chose: the window's height less the lines
    // around the table.
    if repl.limit.is_none() {
        let rows = rl
            .dimensions()
            .map_or(super::output::SCREENFUL + 6, |(_, h)| usize::from(h));
        repl.limit = Some(rows.saturating_sub(6).max(5));
    }
    println!("{}", greeting(ws));
    loop {
        match rl.readline(PROMPT) {
            Ok(line) => {
                let flow = repl.handle(ws, &line, &mut stdout);
                let _ = stdout.flush();
                if flow == Flow::Quit {
                    break;
                }
                if let Some(h) = rl.helper_mut() {
                    h.refresh(ws);
                }
            }
            // Ctrl-C abandons the line being typed.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e),
        }
    }
    if let Some(path) = &history {
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(ReadlineError::from)
            .and_then(|()| rl.save_history(path));
        if let Err(e) = saved {
            eprintln!(
                "warning: could not save the history to {}: {e}",
                path.display()
            );
        }
    }
    Ok(repl.summary)
}
