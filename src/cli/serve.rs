//! `grantlog serve`: the model over HTTP (see `crate::serve` and docs/server.md).

use super::LimitArgs;
use std::path::PathBuf;

pub const HELP: &str =
    "With no rules and no facts, the shipped DataOS rules and the worked example (S30)
are served. The server prints `grantlog serve: listening on http://ADDR (revision N)` on
stderr once it answers, then one JSON line per request (`--quiet`: none).

Endpoints (JSON in and out; every answer names the revision it was given at):
  POST /v1/query    {\"query\": \"permission(sam, T, R, P)\"}
  POST /v1/check    {\"fact\": \"can_run(engineering, sales-360)\", \"explain\": \"whynot\"}
  POST /v1/checks   {\"checks\": [{\"fact\": ...}, ...]}          (one snapshot)
  POST /v1/changes  {\"assert\": TEXT, \"retract\": TEXT, \"dry_run\": bool, \"if_revision\": N}
  GET  /v1/watch?relations=can_run&since=N                     (server-sent events)
  GET  /v1/history?fact=can_run(engineering,sales-360)
  GET  /v1/audit/USER    GET /health    GET /ready    GET /metrics
  AuthZEN 1.0: POST /access/v1/evaluation, /access/v1/evaluations,
  /access/v1/search/subject|resource|action; GET /.well-known/authzen-configuration
  (the mapping to relations: rules/dataos.authzen.json, or --authzen FILE)

Changes need `Authorization: Bearer TOKEN` when --token-file is given; listening on an
address other than loopback needs --token-file. With --data DIR every change is committed
to DIR/history.sqlite3 before it is acknowledged and replayed on the next start.
SIGTERM or Ctrl-C: requests in flight finish, the database is closed.

Exit status: 0 after a clean shutdown; 1 when it cannot start (inputs that do not load,
an address in use, a history recorded on other inputs); 2 for a usage error.

Examples:
  grantlog serve
  grantlog serve --listen 127.0.0.1:8080 --data /var/lib/grantlog --token-file token
  curl -s localhost:8080/v1/check -d '{\"fact\": \"can_run(engineering, sales-360)\"}'";

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Fact files or directories. With no rules and no facts, the worked example is loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    /// Address to listen on (HOST:PORT; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// A file holding the bearer token that changes need.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Keep the history of changes in DIR (SQLite), replayed on start.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Write no request log.
    #[arg(long)]
    pub quiet: bool,
    /// How AuthZEN requests map to the rules (JSON). Default: the shipped mapping with the
    /// shipped rules, else `RULES.authzen.json` beside the first --rules file if there is one.
    #[arg(long, value_name = "FILE")]
    pub authzen: Option<PathBuf>,
    /// Apply edits of the fact files as changes, and of the --rules files by building the
    /// new rules beside the running model and swapping them in (one revision each).
    #[arg(long)]
    pub watch: bool,
    /// Revisions the watch stream keeps in memory for resuming (`since=N`).
    #[arg(long, value_name = "N", default_value_t = crate::serve::watch::KEPT_EVENTS)]
    pub keep_events: usize,
    /// Changes whose statements are kept in memory: the explorer's rule change replays
    /// them (with --data, older ones are read from the history), and proofs quote them.
    /// Older changes' texts are dropped; proofs citing them still name their revision.
    #[arg(long, value_name = "N", default_value_t = crate::serve::kept::KEPT_CHANGES)]
    pub keep_changes: usize,
    /// A rule file the explorer's rule change may compare the live model with (its
    /// decisions gained and lost, with proofs); repeat for several.
    #[arg(long = "alt-rules", value_name = "FILE")]
    pub alt_rules: Vec<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Without `--timeout`, a request's engine work stops after this many seconds.
const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

pub fn run(args: &ServeArgs) -> u8 {
    let token = match args
        .token_file
        .as_deref()
        .map(crate::serve::auth::read_token)
    {
        Some(Err(e)) => {
            eprintln!("{e}");
            return 1;
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    // Refuse a non-loopback address before the (possibly long) load.
    if let Err(e) = crate::serve::auth::listen_address(&args.listen, token.is_some()) {
        eprintln!("{e}");
        return 1;
    }
    let (rules, facts) = match super::eval::inputs(&args.rules, &args.facts) {
        Ok(t) => t,
        Err(d) => {
            super::report(&d, &Default::default());
            return 1;
        }
    };
    let authzen = match authzen_mapping(args) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    if args.watch && args.data.is_some() {
        eprintln!("error: --watch with --data is not supported yet: the history would replay file changes onto files that already have them\n  = help: use one or the other");
        return 1;
    }
    if args.watch && args.facts.is_empty() {
        eprintln!("error: --watch needs fact files or directories to watch\n  = help: e.g. grantlog serve --watch instance.facts");
        return 1;
    }
    let alt_rules = match crate::inputs::read_all(&args.alt_rules) {
        Ok(t) => t,
        Err(d) => {
            super::report(&d, &Default::default());
            return 1;
        }
    };
    let mut limits = args.limits.clone();
    limits.timeout.get_or_insert(DEFAULT_TIMEOUT_SECS);
    let config = crate::serve::Config {
        rules,
        facts,
        listen: args.listen.clone(),
        token,
        data: args.data.clone(),
        limits: limits.limits(),
        max_body: args.max_body,
        quiet: args.quiet,
        keep_events: args.keep_events,
        keep_changes: args.keep_changes,
        keep_change_bytes: crate::serve::kept::KEPT_CHANGE_BYTES,
        authzen,
        watch: args.watch.then(|| crate::serve::files::Watched {
            rules: args.rules.clone(),
            facts: args.facts.clone(),
        }),
        alt_rules,
    };
    match crate::serve::run(config) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", e.trim_end());
            1
        }
    }
}

/// The AuthZEN mapping: `--authzen FILE`; with the shipped rules the shipped mapping;
/// else `X.authzen.json` beside the first `--rules X.dl`, when there is one.
fn authzen_mapping(args: &ServeArgs) -> Result<Option<crate::load::Text>, String> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .map(|t| Some(crate::load::Text::new(p.display().to_string(), t)))
            .map_err(|e| format!("error: --authzen {}: {e}", p.display()))
    };
    if let Some(p) = &args.authzen {
        return read(p);
    }
    match args.rules.first() {
        None => Ok(Some(crate::shipped::authzen())),
        Some(rules) => {
            let beside = rules.with_extension("authzen.json");
            if beside.is_file() {
                read(&beside)
            } else {
                Ok(None)
            }
        }
    }
}
