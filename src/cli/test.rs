//! `grantlog test`: run policy tests (`*.test` files, see `rules/tests/README.md`).

use super::{read_all, report, LimitArgs};
use crate::policytest::{render_text, run_paths, to_json};
use crate::shipped;
use std::path::PathBuf;

pub const HELP: &str = "A directory runs the *.test files directly in it (not its subdirectories).

Exit status: 0 when every test passed, 1 when any failed or could not be read.

Examples:
  grantlog test
  grantlog test rules/tests/s30.test --format json
  grantlog test rules/tests/s13-broad --rules rules/dataos-s13-broad.dl";

#[derive(clap::ValueEnum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TestFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Test files or directories (default: rules/tests/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TestFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: &TestArgs) -> u8 {
    let rules = if args.rules.is_empty() {
        shipped::rules()
    } else {
        match read_all(&args.rules) {
            Ok(t) => t,
            Err(d) => {
                report(&d, &Default::default());
                return 1;
            }
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules/tests")]
    } else {
        args.paths.clone()
    };
    let result = run_paths(&paths, &rules, &args.limits.limits());
    match args.format {
        TestFormat::Text => print!("{}", render_text(&result)),
        TestFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&result)).expect("json")
        ),
    }
    u8::from(result.failed() > 0)
}
