//! `grantlog diff` of two `.facts` sets without reading NEW in full
//! (`grantlog::diff::replay`): the change it finds from the texts equals the one found by
//! reading NEW in full and comparing the two loaded fact sets, base fact for base fact
//! and span for span; OLD's model is left as it was. The cases are those where the order
//! of the history matters: a grantor who loses Can Manage Access before a grant they make
//! later in the file (whose grant then never takes effect), a grant a later revocation
//! took, a Tenant Admin's role removed, and random changes of generated instances.

use grantlog::diff::{replay, FactChange};
use grantlog::engine::Limits;
use grantlog::load::Text;
use proptest::prelude::*;

/// The replayed change and the full read's, and whether OLD's model is unchanged after.
/// `None`: the replay declined (the caller reads NEW in full).
fn both(old: &str, new: &str) -> Option<(FactChange, FactChange)> {
    let rules = grantlog::shipped::rules();
    let limits = Limits::default();
    let (o, n) = (
        vec![Text::new("f.facts", old)],
        vec![Text::new("f.facts", new)],
    );
    let Ok(mut ws) = grantlog::inputs::open(&rules, o.clone(), &limits, false) else {
        panic!("OLD loads:\n{old}");
    };
    let read = grantlog::inputs::read(&rules, n.clone(), &limits);
    let first = (ws.sources.len() - 1) as u32;
    let found = replay(&mut ws.model, &o, &n, first, &ws.warnings, &limits);
    let Ok(read) = read else {
        // NEW does not load: the full read must report it.
        assert!(found.is_none(), "replayed a NEW that does not load:\n{new}");
        return None;
    };
    let expected = FactChange::between(&ws.model, &read.model);
    let found = found?.expect("no limit reached");
    // Rolled back: OLD compares with NEW as before.
    assert_eq!(FactChange::between(&ws.model, &read.model), expected);
    Some((found.change, expected))
}

fn assert_same(old: &str, new: &str) -> FactChange {
    let (found, expected) = both(old, new).expect("the change is read from the texts");
    assert_eq!(found, expected, "OLD:\n{old}\nNEW:\n{new}");
    found
}

fn facts(list: &[grantlog::diff::Stated]) -> Vec<String> {
    list.iter().map(|s| s.fact.to_string()).collect()
}

fn generated(seed: u64, users: usize) -> String {
    grantlog::generate::instance(seed, users)
}

/// u3 may manage access on t1-worker-22 through u1's grant (u1 is t1's Tenant Admin),
/// and later grants can_edit on it to u5.
fn with_delegation(base: &str, revoked_later: bool) -> String {
    let mut s = base.to_string();
    s.push_str("grant can_manage_access on t1-worker-22 in t1 to u3 by u1.\n");
    s.push_str("grant can_use_compute on t1-compute-16 in t1 to u4 by u1.\n");
    s.push_str("grant can_edit on t1-worker-22 in t1 to u5 by u3.\n");
    if revoked_later {
        s.push_str("revoke can_edit on t1-worker-22 in t1 from u5 by u1.\n");
    }
    s
}

#[test]
fn a_grantor_who_loses_manage_access_before_a_later_grant_makes_it_refused() {
    let base = generated(3, 6);
    let old = with_delegation(&base, false);
    let new = old.replace(
        "grant can_manage_access on t1-worker-22 in t1 to u3 by u1.\n",
        "",
    );
    let change = assert_same(&old, &new);
    // The delegation went, and with it u3's later grant: refused now, at its line.
    assert!(
        facts(&change.removed).contains(&"grant(t1, t1-worker-22, u5, can_edit, u3)".into()),
        "{change:?}"
    );
    assert!(
        facts(&change.added).contains(&"refused_grant(t1, t1-worker-22, u5, can_edit, u3)".into()),
        "{change:?}"
    );
    // And back: the delegation added again before the grant makes it take effect.
    let change = assert_same(&new, &old);
    assert!(
        facts(&change.added).contains(&"grant(t1, t1-worker-22, u5, can_edit, u3)".into()),
        "{change:?}"
    );
}

#[test]
fn a_grant_a_later_revocation_took_is_refused_when_its_grantor_loses_the_right() {
    // In OLD the grant took effect and the revocation took it: no trace of it in the
    // model. In NEW it never takes effect: its refusal is recorded.
    let base = generated(3, 6);
    let old = with_delegation(&base, true);
    let new = old.replace(
        "grant can_manage_access on t1-worker-22 in t1 to u3 by u1.\n",
        "",
    );
    let change = assert_same(&old, &new);
    assert!(
        facts(&change.added).contains(&"refused_grant(t1, t1-worker-22, u5, can_edit, u3)".into()),
        "{change:?}"
    );
}

#[test]
fn a_tenant_admins_role_removed_refuses_their_later_grants() {
    let old = generated(3, 6);
    let new = old.replace(
        "invite u1 to t1 by op0 as Tenant Admin.",
        "invite u1 to t1 by op0.",
    );
    let change = assert_same(&old, &new);
    assert!(facts(&change.removed).contains(&"tenant_role(u1, t1, \"Tenant Admin\")".into()));
    assert!(
        facts(&change.added)
            .iter()
            .any(|f| f.starts_with("refused_grant(t1, ")),
        "{change:?}"
    );
}

#[test]
fn a_declaration_changed_is_read_in_full() {
    let old = generated(3, 6);
    let new = old.replace("tenant t1 delegates onboarding.", "tenant t1.");
    assert!(both(&old, &new).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random grants, revocations and invitations dropped, a role taken off one, and one
    /// action moved to the end, on random generated instances.
    #[test]
    fn the_change_read_from_the_texts_is_the_full_reads(
        seed in 0u64..1000,
        users in 4usize..12,
        drop in prop::collection::vec(0usize..400, 0..5),
        strip in prop::option::of(0usize..400),
        moved in prop::option::of(0usize..400),
    ) {
        let old = generated(seed, users);
        let lines: Vec<&str> = old.lines().collect();
        let action = |l: &str| ["grant ", "revoke ", "invite "].iter().any(|k| l.starts_with(k));
        let actions: Vec<usize> = (0..lines.len()).filter(|&i| action(lines[i])).collect();
        prop_assume!(!actions.is_empty());
        let pick = |i: usize| actions[i % actions.len()];
        let dropped: Vec<usize> = drop.iter().map(|&i| pick(i)).collect();
        let moved = moved.map(pick).filter(|m| !dropped.contains(m));
        let strip = strip.map(pick);
        let mut new: Vec<String> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if dropped.contains(&i) || Some(i) == moved {
                continue;
            }
            match (Some(i) == strip, l.find(" as ")) {
                (true, Some(at)) if l.starts_with("invite ") => new.push(format!("{}.", &l[..at])),
                _ => new.push(l.to_string()),
            }
        }
        if let Some(m) = moved {
            new.push(lines[m].to_string());
        }
        let new = new.join("\n") + "\n";
        // When the route answers, it answers as the full read does. It may decline (the
        // command then reads NEW in full): it did for an action moved to the end of
        // `generate --seed 964 --users 10` (kept in proptest-regressions), not yet
        // understood; the cases above assert the route is taken where it must be.
        if let Some((found, expected)) = both(&old, &new) {
            prop_assert_eq!(found, expected, "NEW:\n{}", new);
        }
    }
}
