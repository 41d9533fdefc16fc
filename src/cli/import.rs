//! `grantlog import`: manifests and `dataos-ctl` tables printed as `.facts` text.

use super::{read_all, report};
use crate::engine::Limits;
use crate::load::Text;
use crate::source::SourceMap;
use crate::workspace::Workspace;
use std::path::PathBuf;

pub const HELP: &str = "Reads DataOS resource manifests and grant manifests (.yaml, .yml; several
documents per file), `dataos-ctl user get -a` and `dataos-ctl get -t TYPE -a` tables
(by content), or directories of them, and prints the equivalent .facts statements,
each commented with the file and line it came from. The output is deterministic:
files in the order given (a directory's files sorted by path), statements in file order.
A resource's tenant is its manifest's `tenant:` field, else the directory tenants/NAME/
the file is in. A grant manifest with `approve: false` is a pending request: printed as
a comment, never as a grant. The `.facts` files given (or found in a directory) are
copied into the output, so that it loads on its own.

Everything is checked as `grantlog eval` checks it (unknown users, depots and tenants,
references across tenants, duplicates), with the errors located in the manifests and
tables: give the users table and the .facts files with the manifests they complete.

Exit status: 0 on success, 1 when any file has an error (then nothing is printed).

Examples:
  grantlog import examples/dataos/ > instance.facts
  grantlog import examples/dataos/users.txt";

#[derive(clap::Args, Debug, Default)]
pub struct ImportArgs {
    /// Manifests, tables, or directories of them.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &ImportArgs) -> u8 {
    let texts = match crate::load::expand_dirs(&args.files).and_then(|p| read_all(&p)) {
        Ok(t) => t,
        Err(d) => {
            report(&d, &SourceMap::new());
            return 1;
        }
    };
    // The same checks as `eval` (unknown names, tenants, duplicates, kinds), located in
    // the manifests and tables, before anything is printed. A file that is none of
    // manifest, table or .facts is not imported (as in a directory).
    let wanted: Vec<Text> = texts
        .into_iter()
        .filter(|t| crate::import::source_of(&t.name, &t.text).is_some())
        .collect();
    if let Err(f) = Workspace::open(&crate::shipped::rules(), &wanted, &Limits::default()) {
        report(&f.diagnostics, &f.sources);
        return 1;
    }
    let mut sources = SourceMap::new();
    let files: Vec<_> = wanted
        .iter()
        .map(|t| sources.add(t.name.clone(), t.text.clone()))
        .collect();
    match crate::import::facts_text(&sources, &files) {
        Ok((text, warnings)) => {
            report(&warnings, &sources);
            super::emit(&text);
            0
        }
        Err(d) => {
            report(&d, &sources);
            1
        }
    }
}
