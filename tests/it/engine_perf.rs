//! Timing against `crepe` on the benchmark shapes. Ignored by default; run with
//! `cargo test --release --test engine_perf -- --ignored --nocapture`.
use grantlog::engine::{Limits, Model, Value};
use grantlog::program::Program;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::*;
use std::sync::Arc;
use std::time::Instant;

mod eff {
    use crepe::crepe;
    crepe! {
        @input pub struct Grant(pub u32, pub u32, pub u32, pub u32);
        @input pub struct CanManage(pub u32, pub u32);
        @output pub struct Effective(pub u32, pub u32, pub u32);
        Effective(u, p, r) <- Grant(u, p, r, g), CanManage(g, r);
    }
}

mod tc {
    use crepe::crepe;
    crepe! {
        @input pub struct Edge(pub u32, pub u32);
        @output pub struct Path(pub u32, pub u32);
        Path(x, y) <- Edge(x, y);
        Path(x, z) <- Edge(x, y), Path(y, z);
    }
}

mod neg {
    use crepe::crepe;
    crepe! {
        @input pub struct Depends(pub u32, pub u32);
        @input pub struct RunsAs(pub u32, pub u32);
        @input pub struct CanUse(pub u32, pub u32);
        @output pub struct Missing(pub u32, pub u32);
        Missing(w, d) <- Depends(w, d), RunsAs(w, u), !CanUse(u, d);
    }
}

fn s() -> Span {
    Span::default()
}
fn var(n: &str) -> Term {
    Term::Var(Ident::new(n, s()))
}
fn atom(rel: &str, args: &[&str]) -> Atom {
    Atom {
        relation: Ident::new(rel, s()),
        args: args.iter().map(|a| var(a)).collect(),
        span: s(),
    }
}
fn decl(rel: &str, arity: usize) -> Item {
    let columns = (0..arity)
        .map(|c| Column {
            name: Ident::new(format!("c{c}"), s()),
            ty: None,
        })
        .collect();
    Item::Decl(Decl {
        annotation: None,
        doc: None,
        name: Ident::new(rel, s()),
        columns,
        span: s(),
    })
}
fn rule(head: Atom, body: Vec<Literal>) -> Item {
    Item::Rule(Rule {
        doc: None,
        name: None,
        head,
        body,
        span: s(),
    })
}

fn model(items: Vec<Item>) -> Model {
    let mut sources = SourceMap::new();
    sources.add("bench.dl", "");
    let (p, _) = Program::compile(&sources, &[Module { items }]).unwrap();
    Model::new(Arc::new(p))
}

fn load(m: &mut Model, rel: &str, tuples: &[Vec<u32>], ids: &[Value]) {
    let r = m.program().relation(rel).unwrap();
    let mut buf = Vec::new();
    for t in tuples {
        buf.clear();
        buf.extend(t.iter().map(|&x| ids[x as usize]));
        m.add_fact(r, &buf, s());
    }
}

fn intern_all(m: &mut Model) -> Vec<Value> {
    (0..1_000_000).map(|i| m.intern(&Const::Num(i))).collect()
}

fn rng(seed: &mut u64, n: u32) -> u32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % n as u64) as u32
}

#[test]
#[ignore]
fn compare_with_crepe() {
    for n in [100_000u32, 1_000_000] {
        let mut seed = 7u64;
        // effective: n grants, n/10 can_manage.
        let grants: Vec<Vec<u32>> = (0..n)
            .map(|_| {
                vec![
                    rng(&mut seed, 50_000),
                    rng(&mut seed, 10),
                    rng(&mut seed, 1000),
                    rng(&mut seed, 100),
                ]
            })
            .collect();
        let manage: Vec<Vec<u32>> = (0..n / 10)
            .map(|_| vec![rng(&mut seed, 100), rng(&mut seed, 1000)])
            .collect();
        let t = Instant::now();
        let mut c = eff::Crepe::new();
        c.extend(grants.iter().map(|g| eff::Grant(g[0], g[1], g[2], g[3])));
        c.extend(manage.iter().map(|g| eff::CanManage(g[0], g[1])));
        let (eff,) = c.run();
        let crepe_t = t.elapsed();
        let mut m = model(vec![
            decl("grant", 4),
            decl("can_manage", 2),
            decl("effective", 3),
            rule(
                atom("effective", &["U", "P", "R"]),
                vec![
                    Literal::Positive(atom("grant", &["U", "P", "R", "G"])),
                    Literal::Positive(atom("can_manage", &["G", "R"])),
                ],
            ),
        ]);
        let ids = intern_all(&mut m);
        let t = Instant::now();
        load(&mut m, "grant", &grants, &ids);
        load(&mut m, "can_manage", &manage, &ids);
        let load_t = t.elapsed();
        m.evaluate(&Limits::default()).unwrap();
        let ours = t.elapsed();
        let r = m.program().relation("effective").unwrap();
        assert_eq!(m.len(r), eff.len());
        println!(
            "effective n={n}: crepe {crepe_t:?}, grantlog {ours:?} (load {load_t:?}), {} tuples",
            eff.len()
        );

        // transitive closure over a sparse random graph
        let nodes = (n / 50).max(1000);
        let edges: Vec<Vec<u32>> = (0..n / 100)
            .map(|_| {
                let a = rng(&mut seed, nodes);
                vec![a, a + 1 + rng(&mut seed, 30)]
            })
            .collect();
        let t = Instant::now();
        let mut c = tc::Crepe::new();
        c.extend(edges.iter().map(|e| tc::Edge(e[0], e[1])));
        let (paths,) = c.run();
        let crepe_t = t.elapsed();
        let mut m = model(vec![
            decl("edge", 2),
            decl("path", 2),
            rule(
                atom("path", &["X", "Y"]),
                vec![Literal::Positive(atom("edge", &["X", "Y"]))],
            ),
            rule(
                atom("path", &["X", "Z"]),
                vec![
                    Literal::Positive(atom("edge", &["X", "Y"])),
                    Literal::Positive(atom("path", &["Y", "Z"])),
                ],
            ),
        ]);
        let ids = intern_all(&mut m);
        let t = Instant::now();
        load(&mut m, "edge", &edges, &ids);
        m.evaluate(&Limits::default()).unwrap();
        let ours = t.elapsed();
        let r = m.program().relation("path").unwrap();
        assert_eq!(m.len(r), paths.len());
        println!(
            "closure edges={}: crepe {crepe_t:?}, grantlog {ours:?}, {} tuples",
            edges.len(),
            paths.len()
        );

        // negation
        let depends: Vec<Vec<u32>> = (0..n)
            .map(|_| vec![rng(&mut seed, n / 4), rng(&mut seed, 1000)])
            .collect();
        let runs_as: Vec<Vec<u32>> = (0..n / 4).map(|w| vec![w, rng(&mut seed, 1000)]).collect();
        let can_use: Vec<Vec<u32>> = (0..n)
            .map(|_| vec![rng(&mut seed, 1000), rng(&mut seed, 1000)])
            .collect();
        let t = Instant::now();
        let mut c = neg::Crepe::new();
        c.extend(depends.iter().map(|e| neg::Depends(e[0], e[1])));
        c.extend(runs_as.iter().map(|e| neg::RunsAs(e[0], e[1])));
        c.extend(can_use.iter().map(|e| neg::CanUse(e[0], e[1])));
        let (missing,) = c.run();
        let crepe_t = t.elapsed();
        let mut m = model(vec![
            decl("depends", 2),
            decl("runs_as", 2),
            decl("can_use", 2),
            decl("missing", 2),
            rule(
                atom("missing", &["W", "D"]),
                vec![
                    Literal::Positive(atom("depends", &["W", "D"])),
                    Literal::Positive(atom("runs_as", &["W", "U"])),
                    Literal::Negative(atom("can_use", &["U", "D"]), s()),
                ],
            ),
        ]);
        let ids = intern_all(&mut m);
        let t = Instant::now();
        load(&mut m, "depends", &depends, &ids);
        load(&mut m, "runs_as", &runs_as, &ids);
        load(&mut m, "can_use", &can_use, &ids);
        m.evaluate(&Limits::default()).unwrap();
        let ours = t.elapsed();
        let r = m.program().relation("missing").unwrap();
        assert_eq!(m.len(r), missing.len());
        println!(
            "missing n={n}: crepe {crepe_t:?}, grantlog {ours:?}, {} tuples",
            missing.len()
        );
    }
}
