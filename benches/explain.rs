//! The REPL's questions on a large generated DataOS instance: `:why`, `:whynot` (with its
//! verified fixes) and `:assert` of the fix, each beside the peer that matters to a user,
//! the full load and evaluation of the same instance (what answering without provenance
//! and incremental evaluation would cost), measured in the same process.
//!
//! Size: `GRANTLOG_BENCH_USERS` users (default 10000, about 135k base facts);
//! `benches/explain-1m.sh` runs it at 75000 users, about 1M base facts.
//!
//! Run: `cargo bench --bench explain`.

use criterion::{criterion_group, criterion_main, Criterion};
use grantlog::engine::Limits;
use grantlog::explain::{as_statement, why, why_not, ExplainOptions};
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::syntax::parse_atom;
use grantlog::workspace::Workspace;
use std::time::{Duration, Instant};

fn users() -> usize {
    std::env::var("GRANTLOG_BENCH_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

fn open(facts: &Text) -> Workspace {
    Workspace::open(
        &shipped::rules(),
        std::slice::from_ref(facts),
        &Limits::default(),
    )
    .unwrap_or_else(|_| panic!("the generated instance loads"))
}

/// The first tuple of a query's answer, as `relation(v, ...)` text.
fn first(ws: &Workspace, query: &str, relation: &str, pick: &[usize]) -> String {
    let mut sources = ws.sources.clone();
    let file = sources.add("<bench>", query.to_string());
    let q = grantlog::syntax::parse_query(&sources, file).expect("query parses");
    let answer = ws.model.query(&sources, &q).expect("query runs");
    let row = answer
        .rows
        .iter()
        .min()
        .expect("the instance has an answer");
    let values: Vec<String> = pick.iter().map(|&i| row[i].to_string()).collect();
    format!("{relation}({})", values.join(", "))
}

/// Parses a fact against a copy of the workspace's sources (as the REPL does).
fn atom(ws: &Workspace, fact: &str) -> grantlog::syntax::ast::Atom {
    let mut sources = ws.sources.clone();
    let file = sources.add("<fact>", fact.to_string());
    parse_atom(&sources, file).expect("fact parses")
}

fn bench(c: &mut Criterion) {
    let n = users();
    let facts = Text::new("generated.facts", grantlog::generate::instance(1, n));
    let mut ws = open(&facts);
    let opts = ExplainOptions::default();

    // A permission that came from a grant, and a workload that cannot run.
    let granted = first(
        &ws,
        "effective_grant(T, R, G, P, By)",
        "permission",
        &[2, 0, 1, 3],
    );
    let blocked = first(&ws, "missing_permission(T, W, U, D, P)", "can_run", &[0, 1]);
    let blocked_atom = atom(&ws, &blocked);
    let granted_atom = atom(&ws, &granted);
    let fix = why_not(&mut ws.model, &ws.sources, &blocked_atom, &opts)
        .expect("why not")
        .fixes
        .first()
        .expect("a verified fix")
        .facts
        .iter()
        .map(|f| as_statement(&f.relation, &f.values))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{n} users; why {granted}; why not {blocked}; assert {fix}");

    let mut g = c.benchmark_group(format!("dataos_{n}_users"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("open (load + evaluate)", |b| b.iter(|| open(&facts)));
    g.bench_function("why", |b| {
        b.iter(|| why(&ws.model, &ws.sources, &granted_atom, &opts).map(|p| p.to_text(&ws.sources)))
    });
    g.bench_function("whynot (with verified fixes)", |b| {
        b.iter(|| {
            why_not(&mut ws.model, &ws.sources, &blocked_atom, &opts)
                .map(|w| w.to_text(&ws.sources))
        })
    });
    // Each step below is timed alone; the step that puts the instance back is not.
    let timed = |ws: &mut Workspace,
                 iters: u64,
                 step: &dyn Fn(&mut Workspace),
                 back: &dyn Fn(&mut Workspace)| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let t = Instant::now();
            step(ws);
            total += t.elapsed();
            back(ws);
        }
        total
    };
    let grant = "grant can_use_secret on t0-secret-27 in t0 to u8126 by u0.";
    let revoke_admin = r#"tenant_role(u0, t0, "Tenant Admin")."#;
    g.bench_function("assert one grant", |b| {
        b.iter_custom(|iters| {
            timed(
                &mut ws,
                iters,
                &|ws| drop(ws.assert("<a>", grant).expect("asserts")),
                &|ws| drop(ws.undo().expect("undo").expect("undo applies")),
            )
        })
    });
    g.bench_function("retract one grant", |b| {
        ws.assert("<a>", grant).expect("asserts");
        b.iter_custom(|iters| {
            timed(
                &mut ws,
                iters,
                &|ws| drop(ws.retract("<r>", grant).expect("retracts")),
                &|ws| drop(ws.undo().expect("undo").expect("undo applies")),
            )
        });
        ws.undo().expect("undo").expect("undo applies");
    });
    g.bench_function("undo an assert", |b| {
        ws.assert("<a>", grant).expect("asserts");
        b.iter_custom(|iters| {
            timed(
                &mut ws,
                iters,
                &|ws| drop(ws.undo().expect("undo").expect("undo applies")),
                &|ws| drop(ws.assert("<a>", grant).expect("asserts")),
            )
        });
        ws.undo().expect("undo").expect("undo applies");
    });
    g.bench_function("revoke a Tenant Admin's role", |b| {
        b.iter_custom(|iters| {
            timed(
                &mut ws,
                iters,
                &|ws| drop(ws.retract("<r>", revoke_admin).expect("retracts")),
                &|ws| drop(ws.undo().expect("undo").expect("undo applies")),
            )
        })
    });
    // Only the assert is timed; the undo that restores the instance is not.
    g.bench_function("assert (the fix, with the changed decisions)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let delta = ws.assert("<assert>", &fix).expect("the fix asserts");
                total += t.elapsed();
                assert!(!delta.gained.is_empty(), "the fix changes decisions");
                ws.undo().expect("undo").expect("undo applies");
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
