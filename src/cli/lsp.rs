//! `grantlog lsp`: the language server (see [`crate::lsp`]).

pub const HELP: &str =
    "An editor starts this command and talks to it over stdin/stdout (JSON-RPC with
Content-Length headers); it is not meant to be run by hand.

For .dl files: the diagnostics of `grantlog check`. For .facts files: the diagnostics of
loading them against the .dl files in the same folder, else the shipped rules. For .test
files: the test file's syntax errors. Hover on a relation shows its `///` doc, its
`.decl` and the statements (S1..S30) it cites; definition, references and completion
cover relations, `@rule` names and the users, tenants and resources of .facts files.

Exit status: 0 after the client's shutdown and exit, 1 otherwise.

Editor set-up: see \"Editor support\" in the README.";

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted and ignored: stdio is the only transport (some clients always pass it).
    #[arg(long, hide = true)]
    pub stdio: bool,
}

pub fn run(_: &LspArgs) -> u8 {
    crate::lsp::run()
}
