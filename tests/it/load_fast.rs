//! The fast load path (`inputs::open`) against `Workspace::open`, which it must equal:
//! same tuples with the same origins, same value ids, same instance, same warnings, and on
//! any error the same diagnostics (issue 10, item 1).

use grantlog::engine::{Limits, Origin};
use grantlog::inputs;
use grantlog::load::Text;
use grantlog::workspace::Workspace;

const RULES: &str = ".decl edge(a, b)\n.decl w(n: number, s: symbol)\n.decl path(a, b)\n\
.decl tenant(t)\n.decl grant(t, r, u, p, by)\n.decl user(u, k)\n.decl ok(t)\n\
path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n\
ok(T) :- tenant(T), grant(T, _, _, _, _).\n";

/// Everything observable about a workspace, as text.
fn fingerprint(ws: &Workspace) -> String {
    let m = &ws.model;
    let mut out = format!("constants {:?}\n", m.symbols().constants());
    for r in m.program().relations() {
        out.push_str(&format!("{}:", m.program().relation_name(r)));
        for t in m.tuples(r) {
            let origin = match m.origin(r, t) {
                Some(Origin::Base(s)) => format!("base {}:{}-{}", s.file.0, s.start, s.end),
                other => format!("{other:?}"),
            };
            out.push_str(&format!(" {t:?} {origin};"));
        }
        out.push('\n');
    }
    let i = &ws.instance;
    out.push_str(&format!(
        "users {:?}\ntenants {:?}\nresources {:?}\ngrants {:?}\nrun_as {:?}\n",
        i.users().collect::<Vec<_>>(),
        i.tenants().collect::<Vec<_>>(),
        i.resources().collect::<Vec<_>>(),
        i.grants().collect::<Vec<_>>(),
        i.run_as_grants().collect::<Vec<_>>(),
    ));
    for d in &ws.warnings {
        out.push_str(&format!("{}\n", d.render(&ws.sources)));
    }
    out
}

fn outcome(r: Result<Workspace, grantlog::workspace::LoadFailure>) -> String {
    match r {
        Ok(ws) => fingerprint(&ws),
        Err(f) => f
            .diagnostics
            .iter()
            .map(|d| d.render(&f.sources))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn same(rules: &str, facts: &[(&str, &str)]) -> String {
    let rules = [Text::new("r.dl", rules)];
    let facts: Vec<Text> = facts.iter().map(|(n, t)| Text::new(*n, *t)).collect();
    let limits = Limits::default();
    let slow = outcome(Workspace::open(&rules, &facts, &limits));
    let fast = outcome(inputs::open(&rules, facts, &limits, true));
    assert_eq!(fast, slow);
    fast
}

#[test]
fn raw_fact_files_and_facts_files_load_the_same() {
    let out = same(
        RULES,
        &[
            (
                "a.dl",
                "edge(a, b). edge(b, \"c d\").\n// note\nw(1, x). w(-2, \"1\").\nedge(a, b).",
            ),
            (
                "b.facts",
                "tenant(t1).\nuser(u, person).\n/* c */ edge(c, a).",
            ),
        ],
    );
    // The fast path read both texts itself (it did not hand them to the ordinary reader).
    let ws = Workspace::open(&[Text::new("r.dl", RULES)], &[], &Limits::default())
        .ok()
        .unwrap();
    let mut model = grantlog::engine::Model::new(ws.model.program_arc().clone());
    let mut instance = grantlog::facts::Instance::new();
    use grantlog::load::fast::{load_facts, Kind};
    let raw = "edge(a, b). edge(b, \"c d\").\n// note\nw(1, x). w(-2, \"1\").\nedge(a, b).";
    assert_eq!(
        load_facts(&mut model, grantlog::source::FileId(9), raw, Kind::Raw),
        Ok(5)
    );
    let stmts = "tenant(t1).\nuser(u, person).\n/* c */ edge(c, a).";
    let kind = Kind::Statements(Some(&mut instance));
    assert_eq!(
        load_facts(&mut model, grantlog::source::FileId(9), stmts, kind),
        Ok(3)
    );
    // A batch command keeps the same model, and no instance.
    let rules = [Text::new("r.dl", RULES)];
    let texts = vec![Text::new("b.facts", stmts)];
    let batch = inputs::open(&rules, texts.clone(), &Limits::default(), false)
        .ok()
        .unwrap();
    let session = inputs::open(&rules, texts, &Limits::default(), true)
        .ok()
        .unwrap();
    assert_eq!(batch.instance.tenants().count(), 0);
    assert_eq!(session.instance.tenants().collect::<Vec<_>>(), ["t1"]);
    assert_eq!(
        batch.model.symbols().constants(),
        session.model.symbols().constants()
    );
    // It did load: the constants, the tenant and the grant are there.
    assert!(out.contains("tenants [\"t1\"]"), "{out}");
    assert!(out.contains("\"c d\""), "{out}");
}

#[test]
fn statements_mixed_with_raw_facts_load_the_same() {
    let text = grantlog::generate::instance(3, 40);
    let rules = grantlog::shipped::rules();
    let facts = vec![
        Text::new("g.facts", text.as_str()),
        Text::new("raw.facts", "tenant(extra).\n"),
        // One file of raw facts and statements: the fast path starts, then hands over.
        Text::new("mixed.facts", "tenant(mixt).\ntenant mixt2.\n"),
    ];
    let limits = Limits::default();
    let slow = outcome(Workspace::open(&rules, &facts, &limits));
    let fast = outcome(inputs::open(&rules, facts, &limits, true));
    assert_eq!(fast, slow);
    assert!(fast.contains("extra") && fast.contains("mixt2"), "{fast}");
}

#[test]
fn every_error_is_the_ordinary_one() {
    for facts in [
        "edge(a, b).\nedge(a).",
        "edge(a, b).\nw(x, y).",
        "edge(a, b).\nedeg(a, b).",
        "edge(a, X).",
        "edge(a, b) :- edge(b, a).",
        "edge(a, \"b\\q\").",
        "edge(a, b).\n.decl q(x)",
        "edge(a, b). edge(c, d)",
        "edge(a, b).\npath(a, b).",
    ] {
        let out = same(RULES, &[("f.dl", facts), ("g.facts", facts)]);
        assert!(out.contains("error["), "{facts}: {out}");
    }
    // A derived relation stated in a .facts file, and instance_role, fail there only.
    let out = same(RULES, &[("f.facts", "path(a, b).")]);
    assert!(out.contains("F0601"), "{out}");
}

/// The statement reader hands each fact to the model as it reads it (issue 25): a read
/// that fails after thousands of facts went in must still load nothing and report what
/// `Workspace::open` reports, in a session and in a batch command.
#[test]
fn a_statement_read_that_fails_late_loads_nothing() {
    let text = grantlog::generate::instance(3, 200);
    let rules = grantlog::shipped::rules();
    let limits = Limits::default();
    for bad in [
        // A check of the reader's (an unknown grantee), after every other statement.
        "grant can_use_secret on t0-secret-1 in t0 to nobody-such by u0.\n",
        // A raw fact of no relation of the rules: the model refuses it mid-read.
        "no_such_relation(a, b).\n",
        // A fact of a derived relation, stated (F0601).
        "permission(u0, t0, t0-secret-1, can_use_secret).\n",
    ] {
        let facts = vec![Text::new("g.facts", format!("{text}{bad}"))];
        for session in [true, false] {
            let slow = outcome(Workspace::open(&rules, &facts, &limits));
            let fast = outcome(inputs::open(&rules, facts.clone(), &limits, session));
            assert_eq!(fast, slow, "{bad}");
            assert!(fast.contains("error["), "{bad}: {fast}");
            assert!(!fast.contains("constants"), "loaded after an error: {bad}");
        }
    }
    // Without the bad statement the same text loads, to the same model either way.
    let facts = vec![Text::new("g.facts", text.as_str())];
    let slow = outcome(Workspace::open(&rules, &facts, &limits));
    let fast = outcome(inputs::open(&rules, facts, &limits, true));
    assert_eq!(fast, slow);
    assert!(fast.contains("constants"), "{fast}");
}
