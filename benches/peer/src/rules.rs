//! benches/acl.dl compiled with Ascent, serial (`ascent!`) and parallel (`ascent_par!`,
//! rayon's pool: all cores unless RAYON_NUM_THREADS says otherwise). Symbols are interned to u32 before the
//! run; the three constants the rules name have fixed ids (see `main.rs`).

/// The rules once, for both engines: `$mac` is `ascent` or `ascent_par`, `$name` the
/// struct it makes, so the serial and parallel programs cannot drift apart.
macro_rules! acl_program {
    ($mac:ident, $name:ident) => {
        ascent::$mac! {
        pub struct $name;

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
    };
}

acl_program!(ascent, Acl);
acl_program!(ascent_par, AclPar);

/// What `main` needs of either program: rows in, a run, results out.
pub trait Program: Default {
    /// Appends one row of `rel`; arity errors are the caller's to report.
    fn push(&mut self, rel: &str, a: &[u32]) -> Result<(), String>;
    fn evaluate(&mut self);
    fn stalled(&self) -> Vec<u32>;
    /// Sizes of the derived relations, by name, in the order of benches/acl.dl.
    fn sizes(&self) -> Vec<(&'static str, usize)>;
}

/// The serial program keeps relations in `Vec`s, the parallel one in `boxcar::Vec`s;
/// both have `push`, `len` and `iter`, so one body serves both.
macro_rules! program_impl {
    ($t:ty) => {
        impl Program for $t {
            fn push(&mut self, rel: &str, a: &[u32]) -> Result<(), String> {
                let arity = |n: usize| {
                    if a.len() == n {
                        Ok(())
                    } else {
                        Err(format!("{rel} takes {n} columns, found {}", a.len()))
                    }
                };
                match rel {
                    "tenant" => arity(1).map(|_| self.tenant.push((a[0],))),
                    "parent" => arity(2).map(|_| self.parent.push((a[0], a[1]))),
                    "member" => arity(3).map(|_| self.member.push((a[0], a[1], a[2]))),
                    "suspended" => arity(1).map(|_| self.suspended.push((a[0],))),
                    "resource" => arity(3).map(|_| self.resource.push((a[0], a[1], a[2]))),
                    "workload" => arity(1).map(|_| self.workload.push((a[0],))),
                    "depends" => arity(2).map(|_| self.depends.push((a[0], a[1]))),
                    "downstream" => arity(2).map(|_| self.downstream.push((a[0], a[1]))),
                    "grant" => arity(5).map(|_| self.grant.push((a[0], a[1], a[2], a[3], a[4]))),
                    "revoked" => arity(1).map(|_| self.revoked.push((a[0],))),
                    _ => Err(format!("unknown relation {rel}")),
                }
                .map(|_| ())
            }
            fn evaluate(&mut self) {
                self.run();
            }
            fn stalled(&self) -> Vec<u32> {
                self.stalled.iter().map(|&(w,)| w).collect()
            }
            fn sizes(&self) -> Vec<(&'static str, usize)> {
                vec![
                    ("ancestor", self.ancestor.len()),
                    ("active", self.active.len()),
                    ("tenant_admin", self.tenant_admin.len()),
                    ("can_manage", self.can_manage.len()),
                    ("effective", self.effective.len()),
                    ("can_use", self.can_use.len()),
                    ("runs_as", self.runs_as.len()),
                    ("dangling", self.dangling.len()),
                    ("missing", self.missing.len()),
                    ("blocked", self.blocked.len()),
                    ("runnable", self.runnable.len()),
                    ("stalled", self.stalled.len()),
                    ("healthy", self.healthy.len()),
                    ("orphan", self.orphan.len()),
                ]
            }
        }
    };
}

program_impl!(Acl);
program_impl!(AclPar);
