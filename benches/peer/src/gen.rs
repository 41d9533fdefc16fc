//! `peer gen SIZE DIR`: a deterministic workload of about SIZE base facts for
//! benches/acl.dl, written as DIR/acl.facts (raw facts) and DIR/tsv/<relation>.tsv.
//! Every fan-out is bounded, so derived sizes grow linearly with SIZE.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// splitmix64: deterministic and dependency-free.
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
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Rows as strings, one Vec per relation, in declaration order.
#[derive(Default)]
pub struct Facts {
    pub rels: Vec<(&'static str, Vec<Vec<String>>)>,
}

impl Facts {
    fn add(&mut self, rel: &'static str, row: Vec<String>) {
        match self.rels.iter_mut().find(|(n, _)| *n == rel) {
            Some((_, rows)) => rows.push(row),
            None => self.rels.push((rel, vec![row])),
        }
    }
    pub fn len(&self) -> usize {
        self.rels.iter().map(|(_, r)| r.len()).sum()
    }
}

/// The base relations of benches/acl.dl, in its order.
pub const RELATIONS: [&str; 10] = [
    "tenant",
    "parent",
    "member",
    "suspended",
    "resource",
    "workload",
    "depends",
    "downstream",
    "grant",
    "revoked",
];

pub fn generate(size: usize) -> Facts {
    let mut rng = Rng(0x5EED);
    let mut f = Facts::default();
    // About `size` facts in all, from these proportions.
    let s = size;
    let (t, u, r) = ((s / 90).max(4), (s / 11).max(8), (s / 4).max(16));
    let user = |i: usize| format!("u{i}");
    let res = |i: usize| format!("r{i}");
    // Keep the relation order of acl.dl in the output.
    for rel in RELATIONS {
        f.rels.push((rel, Vec::new()));
    }
    // Tenant tree: fan-out 8, so depth grows with log(size) only.
    for i in 0..t {
        f.add("tenant", vec![format!("t{i}")]);
        if i > 0 {
            f.add("parent", vec![format!("t{i}"), format!("t{}", (i - 1) / 8)]);
        }
    }
    for i in 0..u {
        let role = match rng.below(100) {
            0..=2 => "admin",
            3..=62 => "developer",
            _ => "consumer",
        };
        f.add(
            "member",
            vec![user(i), format!("t{}", rng.below(t)), role.into()],
        );
        if rng.chance(30) {
            f.add(
                "member",
                vec![user(i), format!("t{}", rng.below(t)), "consumer".into()],
            );
        }
        if rng.chance(2) {
            f.add("suspended", vec![user(i)]);
        }
    }
    // Resources: 30% are workloads, on four levels of a dependency DAG.
    let owner: Vec<usize> = (0..r).map(|_| rng.below(u)).collect();
    let mut levels: [Vec<usize>; 4] = Default::default();
    let mut data = Vec::new();
    for (i, &o) in owner.iter().enumerate() {
        // One resource in 200 names a tenant that does not exist (`orphan` finds it).
        let tn = if i % 200 != 7 {
            format!("t{}", rng.below(t))
        } else {
            format!("t{}", t + i)
        };
        f.add("resource", vec![res(i), tn, user(o)]);
        if i % 10 < 3 {
            f.add("workload", vec![res(i)]);
            levels[(i / 10) % 4].push(i);
        } else {
            data.push(i);
        }
    }
    let mut grants = 0usize;
    let mut grant = |f: &mut Facts, rng: &mut Rng, to: usize, perm: &str, on: usize, by: usize| {
        let id = format!("g{grants}");
        grants += 1;
        if rng.chance(3) {
            f.add("revoked", vec![id.clone()]);
        }
        f.add("grant", vec![id, user(to), perm.into(), res(on), user(by)]);
    };
    // Delegations: the owner lets someone manage; sometimes that one delegates again,
    // so validity recurses through two manage grants.
    let mut delegate = vec![None; r];
    for (i, d) in delegate.iter_mut().enumerate() {
        if rng.chance(15) {
            let m = rng.below(u);
            grant(&mut f, &mut rng, m, "manage", i, owner[i]);
            *d = Some(m);
            if rng.chance(20) {
                let m2 = rng.below(u);
                grant(&mut f, &mut rng, m2, "manage", i, m);
                *d = Some(m2);
            }
        }
    }
    for (level, ws) in levels.iter().enumerate() {
        for &w in ws {
            for _ in 0..2 + rng.below(2) {
                let d = data[rng.below(data.len())];
                f.add("depends", vec![res(w), res(d)]);
                if rng.chance(93) {
                    let by = match (rng.below(100), delegate[d]) {
                        (0..=44, Some(m)) => m,
                        (0..=89, _) => owner[d],
                        _ => rng.below(u),
                    };
                    grant(&mut f, &mut rng, owner[w], "use", d, by);
                }
            }
            if level > 0 {
                let up = &levels[level - 1];
                for _ in 0..1 + rng.below(2) {
                    f.add("downstream", vec![res(w), res(up[rng.below(up.len())])]);
                }
            }
        }
    }
    // Noise: grants by the owner or by anyone (mostly dangling).
    for _ in 0..s / 12 {
        let on = rng.below(r);
        let perm = if rng.chance(10) { "manage" } else { "use" };
        let by = if rng.chance(50) {
            owner[on]
        } else {
            rng.below(u)
        };
        let to = rng.below(u);
        grant(&mut f, &mut rng, to, perm, on, by);
    }
    f
}

pub fn write(f: &Facts, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("tsv"))?;
    let mut facts = BufWriter::new(File::create(dir.join("acl.facts"))?);
    for (rel, rows) in &f.rels {
        let mut tsv = BufWriter::new(File::create(dir.join("tsv").join(format!("{rel}.tsv")))?);
        for row in rows {
            writeln!(facts, "{rel}({}).", row.join(", "))?;
            writeln!(tsv, "{}", row.join("\t"))?;
        }
        tsv.flush()?;
    }
    facts.flush()
}
