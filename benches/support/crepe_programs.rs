//! The benchmark rules compiled with crepe: the peer the interpreter is measured against.
//! Both use the Fx hasher (`run_with_hasher`), crepe's fair setting.

pub mod closure {
    use crepe::crepe;

    crepe! {
        @input
        pub struct Edge(pub u32, pub u32);
        @output
        pub struct Path(pub u32, pub u32);

        Path(x, y) <- Edge(x, y);
        Path(x, z) <- Edge(x, y), Path(y, z);
    }

    pub fn run(edges: &[(u32, u32)]) -> usize {
        let mut rt = Crepe::new();
        rt.extend(edges.iter().map(|&(a, b)| Edge(a, b)));
        let (paths,) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
        paths.len()
    }
}

pub mod access {
    use super::super::workload::{Access, ADMIN, MANAGE, USE};
    use crepe::crepe;

    crepe! {
        @input
        pub struct Member(pub u32, pub u32, pub u32);
        @input
        pub struct Resource(pub u32, pub u32, pub u32);
        @input
        pub struct Workload(pub u32);
        @input
        pub struct Depends(pub u32, pub u32);
        @input
        pub struct Grant(pub u32, pub u32, pub u32, pub u32);

        @output
        pub struct CanManage(pub u32, pub u32);
        @output
        pub struct Effective(pub u32, pub u32, pub u32, pub u32);
        @output
        pub struct CanUse(pub u32, pub u32);
        @output
        pub struct RunsAs(pub u32, pub u32);
        @output
        pub struct Missing(pub u32, pub u32);
        @output
        pub struct Blocked(pub u32);
        @output
        pub struct Runnable(pub u32);

        CanManage(u, r) <- Resource(r, _, u);
        CanManage(u, r) <- Resource(r, t, _), Member(u, t, role), (role == ADMIN);
        CanManage(u, r) <- Effective(u, p, r, _), (p == MANAGE);
        Effective(u, p, r, g) <- Grant(u, p, r, g), CanManage(g, r);
        CanUse(u, r) <- Effective(u, p, r, _), (p == USE);
        RunsAs(w, u) <- Workload(w), Resource(w, _, u);
        Missing(w, d) <- Depends(w, d), RunsAs(w, u), !CanUse(u, d);
        Blocked(w) <- Missing(w, _);
        Runnable(w) <- Workload(w), !Blocked(w);
    }

    /// Sizes of every derived relation, in the order of `benches/access.dl`.
    pub fn run(w: &Access) -> [usize; 7] {
        let mut rt = Crepe::new();
        rt.extend(w.member.iter().map(|&(a, b, c)| Member(a, b, c)));
        rt.extend(w.resource.iter().map(|&(a, b, c)| Resource(a, b, c)));
        rt.extend(w.workload.iter().map(|&a| Workload(a)));
        rt.extend(w.depends.iter().map(|&(a, b)| Depends(a, b)));
        rt.extend(w.grant.iter().map(|&(a, b, c, d)| Grant(a, b, c, d)));
        let (m, e, u, r, mi, b, ok) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
        [
            m.len(),
            e.len(),
            u.len(),
            r.len(),
            mi.len(),
            b.len(),
            ok.len(),
        ]
    }
}
