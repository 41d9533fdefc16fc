//! benches/acl.dl compiled with Ascent (serial). Symbols are interned to u32 before the
//! run; the three constants the rules name have fixed ids (see `main.rs`).

use ascent::ascent;

ascent! {
    pub struct Acl;

    relation tenant(u32);
    relation parent(u32, u32);
    relation member(u32, u32, u32);
    relation suspended(u32);
    relation resource(u32, u32, u32);
    relation workload(u32);
    relation depends(u32, u32);
    relation downstream(u32, u32);
    relation grant(u32, u32, u32, u32, u32);
    relation revoked(u32);

    relation ancestor(u32, u32);
    relation active(u32);
    relation tenant_admin(u32, u32);
    relation can_manage(u32, u32);
    relation effective(u32, u32, u32);
    relation can_use(u32, u32);
    relation runs_as(u32, u32);
    relation dangling(u32);
    relation missing(u32, u32);
    relation blocked(u32);
    relation runnable(u32);
    relation stalled(u32);
    relation healthy(u32);
    relation orphan(u32);

    ancestor(t, p) <-- parent(t, p);
    ancestor(t, a) <-- parent(t, p), ancestor(p, a);

    active(u) <-- member(u, _, _), !suspended(u);

    // 0 = admin, 1 = use, 2 = manage (crate::ADMIN, USE, MANAGE).
    tenant_admin(u, t) <-- member(u, t, 0), active(u);
    tenant_admin(u, t) <-- ancestor(t, a), tenant_admin(u, a);

    can_manage(u, r) <-- resource(r, _, u), active(u);
    can_manage(u, r) <-- resource(r, t, _), tenant_admin(u, t);
    can_manage(u, r) <-- effective(u, 2, r);

    effective(u, p, r) <-- grant(g, u, p, r, by), !revoked(g), active(u), can_manage(by, r);

    can_use(u, r) <-- effective(u, 1, r);
    can_use(u, r) <-- can_manage(u, r);

    runs_as(w, u) <-- workload(w), resource(w, _, u);

    dangling(g) <-- grant(g, _, _, r, by), !revoked(g), !can_manage(by, r);

    missing(w, r) <-- depends(w, r), runs_as(w, u), !can_use(u, r);

    blocked(w) <-- missing(w, _);
    blocked(w) <-- runs_as(w, u), !active(u);

    runnable(w) <-- workload(w), !blocked(w);

    stalled(w) <-- downstream(w, d), workload(d), !runnable(d);
    stalled(w) <-- downstream(w, d), stalled(d);

    healthy(w) <-- runnable(w), !stalled(w);

    orphan(r) <-- resource(r, t, _), !tenant(t);
}

/// Sizes of the derived relations, by name, in the order of benches/acl.dl.
pub fn sizes(p: &Acl) -> Vec<(&'static str, usize)> {
    vec![
        ("ancestor", p.ancestor.len()),
        ("active", p.active.len()),
        ("tenant_admin", p.tenant_admin.len()),
        ("can_manage", p.can_manage.len()),
        ("effective", p.effective.len()),
        ("can_use", p.can_use.len()),
        ("runs_as", p.runs_as.len()),
        ("dangling", p.dangling.len()),
        ("missing", p.missing.len()),
        ("blocked", p.blocked.len()),
        ("runnable", p.runnable.len()),
        ("stalled", p.stalled.len()),
        ("healthy", p.healthy.len()),
        ("orphan", p.orphan.len()),
    ]
}
