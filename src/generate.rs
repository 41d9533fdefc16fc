//! Large, realistic DataOS instances in the `.facts` language, seeded and deterministic.
//!
//! `instance(seed, users)` states two or more operators, `users` users (about one in ten an
//! application user), tenants with Tenant Admins, Data Admins, Developers and Consumers,
//! resources of every kind with their dependencies (depots with linked secrets, clusters
//! reading depots), grants (most by Tenant Admins or owners, some by people who cannot
//! manage access, some of the wrong kind, some revoked), and workloads running as
//! application users through Run As User grants (some set up by non-operators, some
//! revoked). Resource names carry their tenant (`t3-depot-7`), so a name never exists in
//! two tenants. The same seed and size always give the same text.

use std::fmt::Write;

/// A small deterministic generator (SplitMix64); no dependency needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        if xs.is_empty() {
            None
        } else {
            Some(&xs[self.below(xs.len())])
        }
    }
}

const ROLES: [&str; 4] = [
    "Tenant Admin",
    "Data Admin",
    "Data Developer",
    "Data Consumer",
];

#[derive(Default)]
struct Tenant {
    name: String,
    delegated: bool,
    /// Members by role index (0 Tenant Admin .. 3 Data Consumer).
    by_role: [Vec<String>; 4],
    computes: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    depots: Vec<(String, String)>,
    clusters: Vec<(String, String)>,
    others: Vec<(String, String)>,
}

/// A DataOS instance with `users` users, as `.facts` text.
pub fn instance(seed: u64, users: usize) -> String {
    let mut r = Rng(seed ^ 0x5EED_0FDA_7A05);
    let users = users.max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// generated: grantlog generate --seed {seed} --users {users}\n"
    );
    let operators: Vec<String> = (0..(2 + users / 1000)).map(|i| format!("op{i}")).collect();
    let mut persons = Vec::new();
    let mut apps = Vec::new();
    for i in 0..users {
        if r.chance(10) {
            apps.push(format!("app{i}"));
        } else {
            persons.push(format!("u{i}"));
        }
    }
    if persons.is_empty() {
        persons.push("u0".into());
    }
    for o in &operators {
        let _ = writeln!(out, "user {o} type person email \"{o}@example.com\".");
    }
    for p in &persons {
        let _ = writeln!(
            out,
            "user {p} type person name \"Person {p}\" email \"{p}@example.com\"."
        );
    }
    for a in &apps {
        let _ = writeln!(out, "user {a} type application name \"App {a}\".");
    }
    // Instance roles: every operator and almost every person signs in; a few
    // super-app-users.
    let signed: Vec<&String> = persons.iter().filter(|_| !r.chance(3)).collect();
    let _ = write!(
        out,
        "\ninstance\n  operator: {}\n  user: {}",
        operators.join(", "),
        {
            let mut all: Vec<&str> = operators.iter().map(String::as_str).collect();
            all.extend(signed.iter().map(|s| s.as_str()));
            all.join(", ")
        }
    );
    let supers: Vec<&String> = persons.iter().filter(|_| r.chance(1)).collect();
    if !supers.is_empty() {
        let _ = write!(
            out,
            "\n  super-app-user: {}",
            supers
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push_str(".\n\n");

    // About 150 people per tenant at every size: tenants (and their Tenant Admins, who
    // manage every resource of their tenant) grow with the instance, so the derived
    // permissions grow linearly with it, as in a real installation.
    let n_tenants = (users / 150).max(2);
    let mut tenants: Vec<Tenant> = (0..n_tenants)
        .map(|i| Tenant {
            name: format!("t{i}"),
            delegated: r.chance(40),
            ..Tenant::default()
        })
        .collect();
    for t in &tenants {
        let _ = writeln!(
            out,
            "tenant {}{}.",
            t.name,
            if t.delegated {
                " delegates onboarding"
            } else {
                ""
            }
        );
    }
    out.push('\n');
    // Memberships: each person joins one tenant (some two); roles weighted towards
    // developers and consumers; each tenant gets a Tenant Admin first.
    let mut order: Vec<String> = persons.clone();
    for (i, t) in tenants.iter_mut().enumerate() {
        let admin = order[i % order.len()].clone();
        let op = r.pick(&operators).expect("operator").clone();
        let _ = writeln!(out, "invite {admin} to {} by {op} as Tenant Admin.", t.name);
        t.by_role[0].push(admin);
    }
    let shift = n_tenants % order.len().max(1);
    order.rotate_left(shift);
    for p in &order {
        let joins = if r.chance(15) { 2 } else { 1 };
        for _ in 0..joins {
            let ti = r.below(n_tenants);
            let role = match r.below(20) {
                0 => 0,
                1..=3 => 1,
                4..=12 => 2,
                _ => 3,
            };
            let t = &mut tenants[ti];
            if t.by_role.iter().any(|m| m.contains(p)) {
                continue;
            }
            // Invited by an operator, by a Tenant Admin (counts only when delegated), or
            // now and then by a developer (ignored).
            let by = match r.below(20) {
                0..=16 => r.pick(&operators).expect("operator").clone(),
                17 | 18 if t.delegated => r.pick(&t.by_role[0]).expect("admin").clone(),
                17 | 18 => r.pick(&operators).expect("operator").clone(),
                _ => r
                    .pick(&t.by_role[2])
                    .cloned()
                    .unwrap_or_else(|| operators[0].clone()),
            };
            let _ = writeln!(out, "invite {p} to {} by {by} as {}.", t.name, ROLES[role]);
            t.by_role[role].push(p.clone());
        }
    }
    // Application users get a developer role in one tenant (as the operator provisions them).
    for a in &apps {
        let t = &mut tenants[r.below(n_tenants)];
        let op = r.pick(&operators).expect("operator");
        let _ = writeln!(out, "invite {a} to {} by {op} as Data Developer.", t.name);
        t.by_role[2].push(a.clone());
    }
    out.push('\n');

    // Resources.
    let mut counter = 0usize;
    let mut name = |t: &str, kind: &str| {
        counter += 1;
        format!("{t}-{kind}-{counter}")
    };
    let mut workloads: Vec<(usize, String, String)> = Vec::new();
    for (ti, tenant) in tenants.iter_mut().enumerate() {
        let tn = tenant.name.clone();
        let members = tenant.by_role.iter().map(Vec::len).sum::<usize>();
        let infra = 2 + members / 8;
        for _ in 0..infra {
            // Infrastructure by a Tenant Admin or a Data Admin.
            let owner = if r.chance(60) || tenant.by_role[1].is_empty() {
                r.pick(&tenant.by_role[0]).expect("admin").clone()
            } else {
                r.pick(&tenant.by_role[1]).expect("data admin").clone()
            };
            let c = name(&tn, "compute");
            let _ = writeln!(out, "resource {c} in {tn} type: compute owner: {owner}.");
            tenant.computes.push((c, owner.clone()));
            let s = name(&tn, "secret");
            let _ = writeln!(out, "resource {s} in {tn} type: secret owner: {owner}.");
            tenant.secrets.push((s.clone(), owner.clone()));
            let d = name(&tn, "depot");
            if r.chance(80) {
                let _ = writeln!(
                    out,
                    "resource {d} in {tn} type: depot owner: {owner} secrets: {s}."
                );
            } else {
                let _ = writeln!(out, "resource {d} in {tn} type: depot owner: {owner}.");
            }
            tenant.depots.push((d, owner.clone()));
            if r.chance(50) {
                let k = name(&tn, "lakehouse");
                let _ = writeln!(out, "resource {k} in {tn} type: lakehouse owner: {owner}.");
                tenant.others.push((k, owner.clone()));
            }
        }
        if let Some(admin) = tenant.by_role[0].first().cloned() {
            let k = name(&tn, "cluster");
            let comp = tenant.computes[0].0.clone();
            let depot = r.pick(&tenant.depots).expect("depot").0.clone();
            let _ = writeln!(
                out,
                "resource {k} in {tn} type: cluster owner: {admin} compute: {comp} depot: {depot}."
            );
            tenant.clusters.push((k, admin));
        }
        // Workloads by developers (and, now and then, a consumer or an operator, who may not).
        let devs: Vec<String> = tenant.by_role[2].clone();
        for dev in &devs {
            for _ in 0..1 + r.below(3) {
                let kind = ["workflow", "service", "worker", "data-product", "nilus"][r.below(5)];
                let w = name(&tn, kind);
                let mut line = format!("resource {w} in {tn} type: {kind} owner: {dev}");
                let t = &tenant;
                let _ = write!(
                    line,
                    " compute: {}",
                    r.pick(&t.computes).expect("compute").0
                );
                if r.chance(70) {
                    let _ = write!(line, " depot: {}", r.pick(&t.depots).expect("depot").0);
                }
                if r.chance(30) {
                    if let Some(c) = r.pick(&t.clusters) {
                        let _ = write!(line, " cluster: {}", c.0);
                    }
                }
                if r.chance(20) {
                    let _ = write!(line, " secret: {}", r.pick(&t.secrets).expect("secret").0);
                }
                if r.chance(10) && !dev.starts_with("app") {
                    // Submitted by someone else.
                    if let Some(s) = r.pick(&devs) {
                        let _ = write!(line, " submitter: {s}");
                    }
                }
                let _ = writeln!(out, "{line}.");
                workloads.push((ti, w.clone(), dev.clone()));
                tenant.others.push((w, dev.clone()));
            }
        }
        let odd_owners: Vec<String> = tenant.by_role[3]
            .iter()
            .take(2)
            .chain(operators.iter().take(1))
            .cloned()
            .collect();
        for who in &odd_owners {
            if r.chance(30) {
                let w = name(&tn, "workflow");
                let comp = r.pick(&tenant.computes).expect("compute").0.clone();
                let _ = writeln!(
                    out,
                    "resource {w} in {tn} type: workflow owner: {who} compute: {comp}."
                );
                tenant.others.push((w, who.clone()));
            }
        }
    }
    out.push('\n');

    // Grants: most by a Tenant Admin or the owner; some ineffective; some revoked.
    let mut revocations = Vec::new();
    for t in &tenants {
        let members: Vec<&String> = t.by_role.iter().flatten().collect();
        let kinds: [(&[(String, String)], &str); 4] = [
            (&t.computes, "can_use_compute"),
            (&t.depots, "can_use_depot"),
            (&t.secrets, "can_use_secret"),
            (&t.clusters, "can_use_cluster"),
        ];
        let n = members.len() * 3;
        for _ in 0..n {
            let (list, perm) = kinds[r.below(4)];
            let Some((res, owner)) = r.pick(list) else {
                continue;
            };
            let grantee = (*r.pick(&members).expect("member")).clone();
            let grantor = match r.below(20) {
                0..=10 => r.pick(&t.by_role[0]).expect("admin").clone(),
                11..=16 => owner.clone(),
                17 => r.pick(&operators).expect("operator").clone(),
                _ => (*r.pick(&members).expect("member")).clone(),
            };
            let perm = if r.chance(3) { "can_use_depot" } else { perm }; // now and then the wrong kind
            let _ = writeln!(
                out,
                "grant {perm} on {res} in {} to {grantee} by {grantor}.",
                t.name
            );
            if r.chance(8) {
                revocations.push(format!(
                    "revoke {perm} on {res} in {} from {grantee} by {grantor}.",
                    t.name
                ));
            }
        }
        // Delegation of Can Manage Access and edits.
        for (res, owner) in t.others.iter().chain(&t.depots) {
            if !r.chance(10) {
                continue;
            }
            let grantee = (*r.pick(&members).expect("member")).clone();
            let perm = if r.chance(50) {
                "can_manage_access"
            } else {
                "can_edit"
            };
            let _ = writeln!(
                out,
                "grant {perm} on {res} in {} to {grantee} by {owner}.",
                t.name
            );
        }
        // Operators are granted use now and then, like anybody else (S5).
        if r.chance(30) {
            let (res, _) = &t.computes[0];
            let admin = &t.by_role[0][0];
            let _ = writeln!(
                out,
                "grant can_use_compute on {res} in {} to {} by {admin}.",
                t.name, operators[0]
            );
        }
    }
    out.push('\n');

    // Running as application users.
    let mut run_as_revokes = Vec::new();
    for (ti, w, dev) in &workloads {
        if dev.starts_with("app") || !r.chance(15) {
            continue;
        }
        let t = &tenants[*ti];
        let apps_here: Vec<&String> = t.by_role[2]
            .iter()
            .filter(|m| m.starts_with("app"))
            .collect();
        let Some(app) = r.pick(&apps_here) else {
            continue;
        };
        let _ = writeln!(
            out,
            "resource {w}-as in {} type: workflow owner: {dev} runAsUser: {app} compute: {}.",
            t.name, t.computes[0].0
        );
        let set_up_by = if r.chance(80) {
            r.pick(&operators).expect("operator").clone()
        } else {
            t.by_role[0][0].clone()
        };
        if r.chance(85) {
            let _ = writeln!(out, "grant run-as {app} to {dev} by {set_up_by}.");
            if r.chance(20) {
                run_as_revokes.push(format!(
                    "revoke run-as {app} from {dev} by {}.",
                    operators[0]
                ));
            }
        }
        let admin = &t.by_role[0][0];
        let _ = writeln!(
            out,
            "grant can_use_compute on {} in {} to {app} by {admin}.",
            t.computes[0].0, t.name
        );
    }
    out.push('\n');
    for line in revocations.iter().chain(&run_as_revokes) {
        let _ = writeln!(out, "{line}");
    }
    out
}
