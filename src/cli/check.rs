//! `grantlog check`: every diagnostic of the rule files, without evaluating.

use super::{read_all, report};
use crate::load::compile_texts;
use crate::source::SourceMap;
use std::path::PathBuf;

pub const HELP: &str = "Exit status: 0 when there is no error (warnings allowed), 1 otherwise.

Example:
  grantlog check rules/dataos.dl my-extra-rules.dl";

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule files, checked together (declarations may be in any of them).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &CheckArgs) -> u8 {
    let mut sources = SourceMap::new();
    let texts = match read_all(&args.files) {
        Ok(t) => t,
        Err(d) => {
            report(&d, &sources);
            return 1;
        }
    };
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_str()))
        .collect();
    match compile_texts(&mut sources, &pairs) {
        Ok((program, mut warnings)) => {
            // Only the rule files are known here, so anything they do not feed is unfed.
            warnings.extend(program.unfed_relations(|_| false));
            report(&warnings, &sources);
            eprintln!(
                "ok: {}, {}",
                crate::diag::plural(texts.len(), "file"),
                crate::diag::plural(warnings.len(), "warning")
            );
            0
        }
        Err(errors) => {
            report(&errors, &sources);
            1
        }
    }
}
