//! `grantlog test`: run policy tests (`*.test` files, see `rules/tests/README.md`).

use super::{read_all, report, LimitArgs};
use crate::policytest::{render_text, run_selected, to_json, Report};
use crate::shipped;
use std::path::PathBuf;

pub const HELP: &str = "A directory runs the *.test files directly in it (not its subdirectories).

A failure shows the test's name and line, the failed `expect` with its location, expected
against actual, and under `why:` an explanation from the rules (depth 4):
  - a wrong allow (`expect no Q` holds, or `yields` got a row it did not list): the proof
    of each unexpected answer (at most 3), as `grantlog explain` prints it;
  - a wrong deny (`expect Q` has no answer, or `yields` lacks a listed row): why not, for
    the first literal that fails (per missing row; for `expect Q`, the literal that
    empties the answer), with verified fixes as .facts statements.
The last line is `N passed, M failed`.

--coverage reports how many rules fired in the tests (a rule fires when some instance of
its body holds in a test's model), then lists the rules that never fired, by file, with
their location, @name and doc. --min-coverage PCT (0 to 100) implies --coverage and fails
the run when fewer than PCT percent of the rules fired.

--format json prints one document: {\"tests\": [...], \"passed\", \"failed\"}; each failure
has \"explanation\": {\"text\", \"items\"} or null; with coverage, \"coverage\": {\"fired\",
\"total\", \"percent\", \"never_fired\": [{\"rule\", \"location\", \"doc\"}]} (and \"min\",
\"below_min\" with --min-coverage).

--run PATTERN runs only the tests whose name contains PATTERN (a run that selects no test
fails, so that a mistyped pattern cannot pass in CI).

--coverage-format lcov (implies --coverage) prints an LCOV tracefile on stdout instead
of the report (which goes to stderr): each rule's head line is a line record, hit when
the rule fired; each @name a function record. Editors and CI coverage services read it:
  grantlog test --coverage-format lcov > lcov.info

--watch runs the tests, then again whenever a test file, an included file or a rule file
changes (the screen is not cleared; each run starts with a line naming what changed).
Stop it with Ctrl-C.

Exit status: 0 when every test passed (and coverage reached --min-coverage); 1 when a
test file, an include or a statement of a test could not be read (a broken input); 3
when everything was read and a test's expectation failed, or coverage is below
--min-coverage.

Examples:
  grantlog test
  grantlog test --coverage
  grantlog test --min-coverage 90
  grantlog test --run s21
  grantlog test --watch
  grantlog test examples/tests/wrong-expectation.test
  grantlog test rules/tests/s30.test --format json
  grantlog test - < my-policy.test      (its includes are relative to here)
  grantlog test rules/tests/s13-broad --rules rules/dataos-s13-broad.dl";

#[derive(clap::ValueEnum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TestFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Test files or directories (default: rules/tests/); `-` reads a test file from stdin
    /// (its includes are relative to the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TestFormat,
    /// Report which rules fired in the tests and which never did.
    #[arg(long)]
    pub coverage: bool,
    /// Fail unless at least PCT percent of the rules fired (implies --coverage).
    #[arg(long, value_name = "PCT", value_parser = percent)]
    pub min_coverage: Option<f64>,
    /// Run only the tests whose name contains PATTERN.
    #[arg(long = "run", value_name = "PATTERN")]
    pub only: Option<String>,
    /// How to print coverage: `text` in the report, or `lcov` (a tracefile on stdout).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub coverage_format: Option<CoverageFormat>,
    /// Re-run the tests whenever a test or rule file changes.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CoverageFormat {
    Text,
    Lcov,
}

/// A percentage from 0 to 100.
fn percent(s: &str) -> Result<f64, String> {
    let p: f64 = s
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{s} is not a percentage from 0 to 100"))
    }
}

pub fn run(args: &TestArgs) -> u8 {
    let stdin = args
        .paths
        .iter()
        .filter(|p| crate::inputs::is_stdin(p))
        .count();
    if stdin > 1 || (stdin == 1 && args.watch) {
        eprintln!("error: `-` (a test file on stdin) can be named once, and not with --watch");
        eprintln!("  = help: stdin is read once; to watch, name the test files");
        return 2;
    }
    if args.watch {
        return super::watch::watch(
            || watched(args),
            || {
                once(args);
            },
        );
    }
    once(args)
}

/// The paths `--watch` follows: the test paths, the files and directories their test
/// files include, and the rule files (the shipped rules are embedded, so only `--rules`
/// files can change). Asked again after each run, as the includes may have changed.
fn watched(args: &TestArgs) -> Vec<PathBuf> {
    let mut paths = crate::policytest::read_paths(&test_paths(args));
    paths.extend(args.rules.iter().cloned());
    paths
}

fn test_paths(args: &TestArgs) -> Vec<PathBuf> {
    if args.paths.is_empty() {
        vec![PathBuf::from("rules/tests")]
    } else {
        args.paths.clone()
    }
}

fn once(args: &TestArgs) -> u8 {
    // Outside a checkout there is no rules/tests: say what was looked for (a usage error),
    // not "0 passed".
    if args.paths.is_empty() && !std::path::Path::new("rules/tests").is_dir() {
        eprintln!("error: no test files named, and no rules/tests directory here to run");
        eprintln!(
            "  = help: name the .test files or directories to run: `grantlog test my-policy.test`"
        );
        return 2;
    }
    let rules = if args.rules.is_empty() {
        // Said on stderr, so that an edited checkout is not silently ignored.
        if let Some(d) = shipped::disk_differs_here() {
            report(&[d], &Default::default());
        }
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
    let lcov = args.coverage_format == Some(CoverageFormat::Lcov);
    let coverage = args.coverage || args.min_coverage.is_some() || args.coverage_format.is_some();
    let mut result = run_selected(
        &test_paths(args),
        &rules,
        &args.limits.limits(),
        coverage,
        args.only.as_deref(),
    );
    if let Some(c) = &mut result.coverage {
        c.min = args.min_coverage;
    }
    let none_selected = args.only.is_some() && result.results.is_empty();
    if lcov {
        // stdout is the tracefile alone; the report still reaches the terminal.
        eprint!("{}", render_text(&without_coverage(&result)));
        super::emit(
            &result
                .coverage
                .as_ref()
                .map(|c| c.to_lcov())
                .unwrap_or_default(),
        );
    } else {
        match args.format {
            TestFormat::Text => super::emit(&render_text(&result)),
            TestFormat::Json => super::emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&to_json(&result)).expect("json")
            )),
        }
    }
    if let (true, Some(p)) = (none_selected, &args.only) {
        eprintln!("error: no test name contains `{p}`");
    }
    // Coverage asked for but not measured: the rules did not compile (every test failed).
    let below = match &result.coverage {
        Some(c) => c.below_min(),
        None => args.min_coverage.is_some(),
    };
    // 1: a broken input (a test file, an include or a statement that does not read);
    // 3: every input read and a test's expectation, or the coverage, said no.
    let broken = result
        .results
        .iter()
        .any(|r| r.failures.iter().any(|f| f.kind == "error"));
    if broken || none_selected {
        1
    } else if result.failed() > 0 || below {
        3
    } else {
        0
    }
}

/// The report without its coverage section (printed as LCOV instead).
fn without_coverage(r: &Report) -> Report {
    Report {
        results: r.results.clone(),
        coverage: None,
    }
}
