//! `grantlog diff`: changes ordered and grouped by constants, not by interning order, in
//! text and JSON, whether the two models share a symbol table, one extends the other, or
//! each has its own.

use crate::diff::{grantlog, json, open, path, scratch};
use grantlog::diff::Diff;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::workspace::Workspace;
use serde_json::Value;

/// Rule files whose changes sort differently by constants than by interning order:
/// numbers by value (3 before 10), quoted symbols by their text ("Zoe" and "3" before
/// lowercase, "t 2" before t1), users before tenants whatever their columns, a relation
/// of arity 5 (sorted apart from the packed keys), one with a user and no tenant, one
/// not grouped; groups with gains only, losses only and both.
const ORDER_OLD: &str = ".decl k(a: symbol)
.decl base(user: symbol, tenant: symbol, n: number, s: symbol)
.decl grant(tenant: symbol, n: number, user: symbol, s: symbol)
.decl wide(s: symbol, n: number, tenant: symbol, grantee: symbol, m: number)
.decl owner(user: symbol, n: number)
.decl plain(n: number, s: symbol)
k(zed). k(\"3\"). k(y).
grant(T, N, U, S) :- base(U, T, N, S), N < 0.
wide(S, N, T, U, N) :- base(U, T, N, S), N < 0.
owner(U, N) :- base(U, _, N, _), N < 0.
plain(N, S) :- base(_, _, N, S), N < 0.
";
const ORDER_FACTS: &str = "base(zed, \"t 2\", 10, \"3\").
base(zed, \"t 2\", 3, b).
base(zed, \"t 2\", -7, a).
base(amy, \"t 2\", -2, \"10\").
base(amy, t1, 0, \"A b\").
base(amy, t1, -9, c).
base(\"Zoe\", t1, 2, x).
base(zed, t1, -6, y).
";
const ORDER_TEXT: &str = "grant: +4 -3
wide: +4 -3
owner: +4 -3
plain: +4 -3

grant, user \"Zoe\", tenant t1:
  + grant(t1, 2, \"Zoe\", x)

grant, user amy, tenant t1:
  + grant(t1, 0, amy, \"A b\")
  - grant(t1, -9, amy, c)

grant, user zed, tenant \"t 2\":
  + grant(\"t 2\", 3, zed, b)
  + grant(\"t 2\", 10, zed, \"3\")
  - grant(\"t 2\", -7, zed, a)

grant, user zed, tenant t1:
  - grant(t1, -6, zed, y)

wide, grantee \"Zoe\", tenant t1:
  + wide(x, 2, t1, \"Zoe\", 2)

wide, grantee amy, tenant t1:
  + wide(\"A b\", 0, t1, amy, 0)
  - wide(c, -9, t1, amy, -9)

wide, grantee zed, tenant \"t 2\":
  + wide(\"3\", 10, \"t 2\", zed, 10)
  + wide(b, 3, \"t 2\", zed, 3)
  - wide(a, -7, \"t 2\", zed, -7)

wide, grantee zed, tenant t1:
  - wide(y, -6, t1, zed, -6)

owner, user \"Zoe\":
  + owner(\"Zoe\", 2)

owner, user amy:
  + owner(amy, 0)
  - owner(amy, -9)

owner, user zed:
  + owner(zed, 3)
  + owner(zed, 10)
  - owner(zed, -7)
  - owner(zed, -6)

plain:
  + plain(0, \"A b\")
  + plain(2, x)
  + plain(3, b)
  + plain(10, \"3\")
  - plain(-9, c)
  - plain(-7, a)
  - plain(-6, y)

total: +16 -12 in 4 relations
";

/// NEW: the same relations, `N > -5` for `N < 0`, and the `k` facts in another order
/// (so that a model of its own interns the constants in another order too).
fn order_new() -> String {
    ORDER_OLD
        .replace("N < 0", "N > -5")
        .replace("k(zed). k(\"3\"). k(y).", "k(y). k(\"3\"). k(zed).")
}

#[test]
fn changes_are_ordered_and_grouped_by_constants_in_text_and_json() {
    let new = order_new();
    let dir = scratch(
        "order",
        &[
            ("old.dl", ORDER_OLD),
            ("new.dl", &new),
            ("b.facts", ORDER_FACTS),
        ],
    );
    let (old, new, facts) = (
        path(&dir, "old.dl"),
        path(&dir, "new.dl"),
        path(&dir, "b.facts"),
    );
    let args = ["diff", "--rules", &old, "--against", &new, &facts];
    let run = grantlog(&[&args[..], &["--no-proofs"]].concat());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stdout, ORDER_TEXT);
    // JSON: the same groups, each with its own gains and losses.
    let v = json(&grantlog(
        &[&args[..], &["--no-proofs", "--format", "json"]].concat(),
    ));
    let owner = &v["relations"][2];
    assert_eq!(owner["relation"], "owner");
    assert_eq!(owner["tenant_column"], Value::Null);
    let groups: Vec<(Value, Value, usize, usize)> = owner["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let n = |k: &str| g[k].as_array().unwrap().len();
            (
                g["user"].clone(),
                g["tenant"].clone(),
                n("gained"),
                n("lost"),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("Zoe".into(), Value::Null, 1, 0),
            ("amy".into(), Value::Null, 1, 1),
            ("zed".into(), Value::Null, 2, 2),
        ]
    );
    let zed = &owner["groups"][2];
    assert_eq!(zed["gained"][1]["values"], serde_json::json!(["zed", 10]));
    assert_eq!(zed["lost"][0]["fact"], "owner(zed, -7)");
    // With proofs, every change is listed once with a number.
    let run = grantlog(&args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let firsts: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  + ") || l.starts_with("  - "))
        .collect();
    assert_eq!(firsts.len(), 28);
    assert!(firsts.iter().all(|l| l[4..].starts_with('[')), "{firsts:?}");
}

/// Rule-file facts that make OLD intern every constant NEW's rules use, so that NEW built
/// beside OLD keeps OLD's symbol table instead of a copy with more constants.
const BOTH_CONSTANTS: &str = ".decl c(n: number)\nc(-5). c(0).\n";

#[test]
fn changes_are_ordered_and_grouped_by_constants_whatever_the_symbol_tables() {
    let limits = Limits::default();
    for (extra, beside, shared) in [
        ("", false, false),
        ("", true, false),
        (BOTH_CONSTANTS, true, true),
    ] {
        let (old_rules, new_rules) = (
            format!("{ORDER_OLD}{extra}"),
            format!("{}{extra}", order_new()),
        );
        let old = open(&old_rules, ORDER_FACTS);
        // Beside: NEW's values are OLD's (the same table, or a copy it extended); else
        // a model of its own, whose values are translated (gains are NEW's values,
        // losses OLD's, each ranked in its own table).
        let new = if beside {
            let rules = [Text::new("rules.dl", &new_rules)];
            match Workspace::open_beside(&old, &rules, &limits) {
                Some(Ok(ws)) => ws,
                _ => panic!("beside"),
            }
        } else {
            open(&new_rules, ORDER_FACTS)
        };
        assert_eq!(new.model.shares_symbols(&old.model), shared);
        let d = Diff::compute(&old.model, &new.model);
        let all = |_: &str| true;
        let text = grantlog::diff::to_text(&d, &old.sources, &new.sources, &all);
        assert_eq!(text, ORDER_TEXT, "beside {beside}, shared {shared}");
        let grant = d.relations.iter().find(|r| r.relation == "grant").unwrap();
        let groups: Vec<(String, String, usize, usize)> = grant
            .groups()
            .iter()
            .map(|g| {
                (
                    g.user.unwrap().to_string(),
                    g.tenant.unwrap().to_string(),
                    g.gained.len(),
                    g.lost.len(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("\"Zoe\"".into(), "t1".into(), 1, 0),
                ("amy".into(), "t1".into(), 1, 1),
                ("zed".into(), "\"t 2\"".into(), 2, 1),
                ("zed".into(), "t1".into(), 0, 1),
            ]
        );
        // `k`: the same tuples in both, interned in another order.
        assert!(d
            .relations
            .iter()
            .find(|r| r.relation == "k")
            .unwrap()
            .is_empty());
    }
}
