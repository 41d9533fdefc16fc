//! `grantlog diff` of two fact sets, by phase, on a generated DataOS instance: comparing
//! the two loaded fact sets, and the change itself as the command makes it (the removed
//! facts retracted from OLD's model and the added ones added in a transaction, maintained
//! incrementally, the tuples gained and lost read off the model, rolled back), against
//! the way before it (a copy of OLD's model changed, then compared whole).
//!
//! OLD and NEW: the files `GRANTLOG_DIFF_OLD` and `GRANTLOG_DIFF_NEW` (`benches/diff-facts.sh`
//! makes them: 75,000 users, 100 grants added and one role removed); without them, a
//! 10,000-user instance and the same kind of change.
//!
//! Run: `cargo bench --bench diff_facts`.

use criterion::{criterion_group, criterion_main, Criterion};
use grantlog::diff::{Diff, FactChange};
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use std::time::{Duration, Instant};

/// NEW from OLD as `benches/diff-facts-change.sh` makes it.
fn changed(old: &str) -> String {
    let lines: Vec<&str> = old.lines().collect();
    let grants: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("grant "))
        .collect();
    fn grantee(l: &str) -> &str {
        l.split(" to ")
            .nth(1)
            .and_then(|r| r.split(" by ").next())
            .unwrap_or("")
    }
    let mut out = String::new();
    let mut done = false;
    for l in &lines {
        match l.strip_suffix(" as Tenant Admin.") {
            Some(invite) if !done => {
                out.push_str(invite);
                out.push_str(".\n");
                done = true;
            }
            _ => {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    for i in 999..1099 {
        let (head, tail) = grants[i].split_once(" to ").expect("a grant");
        let by = tail.split_once(" by ").expect("by").1;
        out.push_str(&format!("{head} to {} by {by}\n", grantee(grants[i + 50])));
    }
    out
}

fn bench(c: &mut Criterion) {
    let (old, new) = match (
        std::env::var("GRANTLOG_DIFF_OLD"),
        std::env::var("GRANTLOG_DIFF_NEW"),
    ) {
        (Ok(o), Ok(n)) => (
            Text::read(std::path::Path::new(&o)).expect("OLD reads"),
            Text::read(std::path::Path::new(&n)).expect("NEW reads"),
        ),
        _ => {
            let text = grantlog::generate::instance(1, 10_000);
            let new = changed(&text);
            (Text::new("old.facts", text), Text::new("new.facts", new))
        }
    };
    let limits = Limits::default();
    let rules = shipped::rules();
    let mut old = grantlog::inputs::open(&rules, vec![old], &limits, false)
        .unwrap_or_else(|_| panic!("OLD opens"));
    let read =
        grantlog::inputs::read(&rules, vec![new], &limits).unwrap_or_else(|_| panic!("NEW reads"));
    let change = FactChange::between(&old.model, &read.model);
    eprintln!(
        "{} facts added, {} removed",
        change.added.len(),
        change.removed.len()
    );
    let mut g = c.benchmark_group("diff_of_fact_sets");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("compare the fact sets", |b| {
        b.iter(|| FactChange::between(&old.model, &read.model))
    });
    // The command's way: the change applied to OLD's own model in a transaction, what it
    // did read off the model, then rolled back (no proofs: `--no-proofs`).
    g.bench_function(
        "the change (in a transaction: retract, add, maintain, read, roll back)",
        |b| {
            b.iter(|| {
                let m = grantlog::diff::measure(&mut old.model, &change, |s| s, &limits, None)
                    .expect("applies");
                let (new, rows) = m.split();
                Diff::measured(&old.model, &new, rows).changed().count()
            })
        },
    );
    // The way before: a copy of OLD's model sharing its relations until written, changed,
    // then compared with OLD relation by relation.
    g.bench_function("a copy changed (copy, retract, add, maintain)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let mut new = old.model.successor();
                change.apply(&mut new, |s| s).expect("applies");
                new.evaluate(&limits).expect("evaluates");
                total += t.elapsed();
                // Freed outside the timing, as the command never frees it.
                drop(new);
            }
            total
        })
    });
    let mut new = old.model.successor();
    change.apply(&mut new, |s| s).expect("applies");
    new.evaluate(&limits).expect("evaluates");
    g.bench_function("a copy changed: compare the models (Diff::compute)", |b| {
        b.iter(|| Diff::compute(&old.model, &new).changed().count())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
