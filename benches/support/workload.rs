//! Generators for the benchmark workloads, shared by benches and differential tests.
//! Deterministic for a seed, with no dependency on a random-number crate.

/// Reserved ids for the constants of `benches/access.dl`; entity ids start at `FIRST_ID`.
pub const ADMIN: u32 = 0;
pub const DEVELOPER: u32 = 1;
pub const CONSUMER: u32 = 2;
pub const USE: u32 = 3;
pub const MANAGE: u32 = 4;
pub const FIRST_ID: u32 = 10;

/// The name each reserved id has in the rule text.
pub fn constant_name(id: u32) -> Option<&'static str> {
    match id {
        ADMIN => Some("admin"),
        DEVELOPER => Some("developer"),
        CONSUMER => Some("consumer"),
        USE => Some("use"),
        MANAGE => Some("manage"),
        _ => None,
    }
}

/// splitmix64: small, fast, and good enough to spread a workload.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

#[derive(Default, Clone)]
pub struct Access {
    pub member: Vec<(u32, u32, u32)>,
    pub resource: Vec<(u32, u32, u32)>,
    pub workload: Vec<u32>,
    pub depends: Vec<(u32, u32)>,
    pub grant: Vec<(u32, u32, u32, u32)>,
}

impl Access {
    pub fn len(&self) -> usize {
        self.member.len()
            + self.resource.len()
            + self.workload.len()
            + self.depends.len()
            + self.grant.len()
    }

    /// Every base fact as (relation, row).
    pub fn facts(&self) -> Vec<(&'static str, Vec<u32>)> {
        let mut out = Vec::with_capacity(self.len());
        out.extend(
            self.member
                .iter()
                .map(|&(a, b, c)| ("member", vec![a, b, c])),
        );
        out.extend(
            self.resource
                .iter()
                .map(|&(a, b, c)| ("resource", vec![a, b, c])),
        );
        out.extend(self.workload.iter().map(|&a| ("workload", vec![a])));
        out.extend(self.depends.iter().map(|&(a, b)| ("depends", vec![a, b])));
        out.extend(
            self.grant
                .iter()
                .map(|&(a, b, c, d)| ("grant", vec![a, b, c, d])),
        );
        out
    }
}

/// About `target` base facts: tenants of ~40 users and ~100 resources, two admins each,
/// a quarter of resources are workloads with 3-4 dependencies, and grants of which most
/// come from someone who can manage the resource (some through delegated manage grants,
/// some from users who cannot, and so do not count).
pub fn access(target: usize, seed: u64) -> Access {
    let mut rng = Rng::new(seed);
    let tenants = (target / 1000).max(2) as u32;
    let users_per_tenant = 40u32;
    let resources_per_tenant = 100u32;
    let mut next_id = FIRST_ID;
    let mut w = Access::default();
    // Roughly 1000 base facts per tenant: 60 member, 100 resource, 25 workload,
    // ~90 depends, and the rest grants.
    for _ in 0..tenants {
        let tenant = next_id;
        next_id += 1;
        let users: Vec<u32> = (0..users_per_tenant).map(|i| next_id + i).collect();
        next_id += users_per_tenant;
        for (i, &u) in users.iter().enumerate() {
            let role = match i {
                0 | 1 => ADMIN,
                _ if rng.chance(60) => DEVELOPER,
                _ => CONSUMER,
            };
            w.member.push((u, tenant, role));
            if rng.chance(50) {
                w.member.push((u, tenant, CONSUMER));
            }
        }
        let resources: Vec<u32> = (0..resources_per_tenant).map(|i| next_id + i).collect();
        next_id += resources_per_tenant;
        let mut owners = Vec::with_capacity(resources.len());
        for &r in &resources {
            let owner = users[rng.below(users_per_tenant) as usize];
            owners.push(owner);
            w.resource.push((r, tenant, owner));
        }
        let workloads = resources_per_tenant / 4;
        for i in 0..workloads as usize {
            let wl = resources[i];
            w.workload.push(wl);
            for _ in 0..3 + rng.below(2) {
                let d =
                    resources[(workloads + rng.below(resources_per_tenant - workloads)) as usize];
                w.depends.push((wl, d));
            }
            // Most workloads get the use grants their owner needs, from an admin.
            for &(_, d) in w.depends.iter().rev().take(4).filter(|(x, _)| *x == wl) {
                if rng.chance(85) {
                    w.grant
                        .push((owners[i], USE, d, users[rng.below(2) as usize]));
                }
            }
        }
        let per_tenant_grants = 1000usize.saturating_sub(60 + 100 + 25 + 90 + 85);
        for _ in 0..per_tenant_grants {
            let ri = rng.below(resources_per_tenant) as usize;
            let grantee = users[rng.below(users_per_tenant) as usize];
            let perm = if rng.chance(20) { MANAGE } else { USE };
            let grantor = match rng.below(10) {
                0..=4 => owners[ri],
                5..=7 => users[rng.below(2) as usize],
                // Anyone: effective only if they were delegated manage on it.
                _ => users[rng.below(users_per_tenant) as usize],
            };
            w.grant.push((grantee, perm, resources[ri], grantor));
        }
    }
    w
}

/// A random directed graph for transitive closure.
pub fn graph(nodes: u32, edges: usize, seed: u64) -> Vec<(u32, u32)> {
    let mut rng = Rng::new(seed);
    (0..edges)
        .map(|_| (rng.below(nodes) + FIRST_ID, rng.below(nodes) + FIRST_ID))
        .collect()
}
