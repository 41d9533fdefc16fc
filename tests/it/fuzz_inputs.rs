//! No panic on any rule file, fact file, query or `.test` file: arbitrary bytes and
//! mutations of the shipped files. Each error is located; each case is quick.

use crate::fuzz_common::{assert_located, assert_quick, cases, input, text};
use grantlog::engine::Limits;
use grantlog::load::{compile_texts, Text};
use grantlog::policytest::parse::parse;
use grantlog::policytest::run_text;
use grantlog::shipped;
use grantlog::source::SourceMap;
use grantlog::syntax::parse_query;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const DATAOS: &str = include_str!("../../rules/dataos.dl");
const WORKED: &str = include_str!("../../examples/worked-example.facts");
const RUN_AS: &str = include_str!("../../examples/run-as.facts");
const ONBOARD: &str = include_str!("../../examples/onboarding-and-revoke.facts");
const S30_TEST: &str = include_str!("../../rules/tests/s30.test");
const RUNAS_TEST: &str = include_str!("../../rules/tests/runas.test");
const SMALL_RULES: &str = ".decl grant(u, r, level)\n.decl has_any(u)\ngrant(ann, db, 1). grant(bob, \"web\", -2).\nhas_any(U) :- grant(U, _, L), L >= 1, !grant(U, \"x\", _).\npath(X, Y) :- grant(X, Y, _).\n";

/// Limits for evaluating a mutated input: a fuzz case must not run away.
fn limits() -> Limits {
    Limits {
        max_tuples: Some(200_000),
        timeout: Some(Duration::from_secs(5)),
    }
}

fn worked_example() -> &'static Workspace {
    static WS: OnceLock<Workspace> = OnceLock::new();
    WS.get_or_init(|| {
        Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
            .unwrap_or_else(|_| panic!("the shipped example opens"))
    })
}

proptest! {
    #![proptest_config(cases(384))]

    #[test]
    fn rule_files(bytes in input(vec![DATAOS, SMALL_RULES])) {
        let started = Instant::now();
        let text = text(&bytes);
        let mut sources = SourceMap::new();
        if let Err(errors) = compile_texts(&mut sources, &[("fuzz.dl", &text)]) {
            prop_assert!(errors.iter().any(|d| d.is_error()));
            assert_located(&errors, &sources)?;
            // Rendering (capped, windowed) is part of the surface.
            let report = grantlog::diag::render_all(&errors, &sources);
            prop_assert!(report.len() < 200_000, "{} bytes of report", report.len());
        }
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn fact_files(bytes in input(vec![WORKED, RUN_AS, ONBOARD])) {
        let started = Instant::now();
        let facts = Text::new("fuzz.facts", text(&bytes));
        if let Err(f) = Workspace::open(&shipped::rules(), &[facts], &limits()) {
            prop_assert!(f.diagnostics.iter().any(|d| d.is_error()));
            // E0401/E0402 (a limit) name no place in a file; everything else does.
            let located: Vec<_> =
                f.diagnostics.iter().filter(|d| !d.code.starts_with("E04")).cloned().collect();
            assert_located(&located, &f.sources)?;
        }
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn queries(bytes in input(vec![
        "can_run(engineering, sales-360)",
        "missing_permission(engineering, sales-360, U, D, P)",
        "member(U, engineering), !can_use(U, engineering, sf-creds)",
        "permission(U, T, R, P), U != \"maria\", holds_role(U, T, \"Data Developer\")",
        "user(U)?",
    ])) {
        let started = Instant::now();
        let ws = worked_example();
        let mut sources = ws.sources.clone();
        let file = sources.add("<query>", text(&bytes));
        let result = parse_query(&sources, file).and_then(|q| ws.model.query(&sources, &q));
        if let Err(errors) = result {
            prop_assert!(errors.iter().any(|d| d.is_error()));
            assert_located(&errors, &sources)?;
        }
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn test_files_parse(bytes in input(vec![S30_TEST, RUNAS_TEST, "test t \"d\":\n  expect no a(X).\n"])) {
        let started = Instant::now();
        let text = text(&bytes);
        let mut sources = SourceMap::new();
        let file = sources.add("fuzz.test", text.clone());
        let parsed = parse("fuzz.test", &text, file);
        assert_located(&parsed.errors, &sources)?;
        for t in &parsed.tests {
            assert_located(&t.errors, &sources)?;
        }
        assert_quick(started, bytes.len())?;
    }
}

proptest! {
    // Each case evaluates the shipped rules on the test's facts: fewer cases.
    #![proptest_config(cases(48))]

    #[test]
    fn test_files_run(bytes in input(vec![S30_TEST, RUNAS_TEST])) {
        let started = Instant::now();
        // Named inside rules/tests so that its `include`s resolve as the shipped file's do.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/tests/fuzz.test");
        let results = run_text(path, &text(&bytes), &shipped::rules(), &limits());
        for f in results.iter().flat_map(|r| &r.failures) {
            prop_assert!(f.location.contains(':') || f.location.ends_with(".test"), "{f:?}");
        }
        assert_quick(started, bytes.len())?;
    }
}
