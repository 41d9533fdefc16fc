//! The explorer's search over the model's names (users, tenants, workloads, resources).
//!
//! Reading every name out of the model per keystroke cost about 0.6 s at 75,000 users;
//! the names are instead read once per revision into an [`Index`]: per kind, sorted by
//! their lowercase form, so that exact and prefix matches are ranges found by binary
//! search and only substring matches need a scan (of short strings already lowercased).
//! A sorted `Vec` does what an `fst` would for a few hundred thousand names, with no
//! dependency, and keeps each name's tenant and detail beside it.

use super::state::Live;
use serde_json::{json, Value as Json};
use std::sync::{Arc, Mutex};

/// The kinds, in the order hits of one rank are listed.
pub const KINDS: [&str; 4] = ["resource", "tenant", "user", "workload"];

/// One name: its lowercase form (the sort key), as stated, the tenant it lives in, a line
/// to show under it.
struct Name {
    lower: String,
    name: String,
    tenant: Option<String>,
    detail: String,
}

/// Every name of one revision, per kind of [`KINDS`], sorted.
pub struct Index {
    pub revision: u64,
    kinds: [Vec<Name>; 4],
}

/// One page of hits and how many there are in all.
pub struct Page {
    pub total: usize,
    pub items: Vec<Json>,
}

impl Index {
    /// Reads the names of the live model (DataOS' `user`, `tenant`, `resource` and
    /// `workload_kind`; other rules have none of them and an empty index).
    pub fn build(live: &Live) -> Index {
        let mut kinds: [Vec<Name>; 4] = Default::default();
        let name = |name: &str, tenant: Option<&str>, detail: String| Name {
            lower: name.to_lowercase(),
            name: name.to_string(),
            tenant: tenant.map(str::to_string),
            detail,
        };
        for r in super::explore_api::rows(live, "user(U, K)") {
            kinds[2].push(name(&r[0], None, r[1].clone()));
        }
        for r in super::explore_api::rows(live, "tenant(T)") {
            kinds[1].push(name(&r[0], None, String::new()));
        }
        let workload_kinds: Vec<String> = super::explore_api::rows(live, "workload_kind(K)")
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect();
        for r in super::explore_api::rows(live, "resource(T, K, N, O, S)") {
            let kind = if workload_kinds.contains(&r[1]) { 3 } else { 0 };
            let detail = format!("{} owned by {}", r[1], r[3]);
            kinds[kind].push(name(&r[2], Some(&r[0]), detail));
        }
        for names in &mut kinds {
            names.sort_unstable_by(|a, b| {
                (&a.lower, &a.name, &a.tenant).cmp(&(&b.lower, &b.name, &b.tenant))
            });
        }
        Index {
            revision: live.revision,
            kinds,
        }
    }

    /// The names containing `needle` (lowercase), exact matches first, then prefixes, then
    /// the rest; within a rank by kind, then name: hits `offset..offset + limit`.
    pub fn search(&self, needle: &str, offset: usize, limit: usize) -> Page {
        // Per rank and kind, the hits as indices into the kind's names.
        let mut segments: Vec<(usize, Hits)> = Vec::new();
        let mut substring: Vec<(usize, Hits)> = Vec::new();
        for (k, names) in self.kinds.iter().enumerate() {
            let lo = names.partition_point(|n| n.lower.as_str() < needle);
            let hi = lo + names[lo..].partition_point(|n| n.lower == needle);
            let end = hi + names[hi..].partition_point(|n| n.lower.starts_with(needle));
            segments.push((k, Hits::Range(lo, hi)));
            substring.push((k, Hits::Range(hi, end)));
        }
        // Prefix ranges come after every exact one; substring hits after every prefix.
        segments.append(&mut substring);
        for (k, names) in self.kinds.iter().enumerate() {
            let inside = |n: &Name| n.lower.contains(needle) && !n.lower.starts_with(needle);
            let found: Vec<u32> = if needle.is_empty() {
                Vec::new()
            } else {
                (0..names.len() as u32)
                    .filter(|&i| inside(&names[i as usize]))
                    .collect()
            };
            segments.push((k, Hits::Listed(found)));
        }
        let total = segments.iter().map(|(_, h)| h.len()).sum();
        let mut items = Vec::new();
        let mut skip = offset;
        for (k, hits) in &segments {
            if items.len() >= limit {
                break;
            }
            if skip >= hits.len() {
                skip -= hits.len();
                continue;
            }
            let want = (limit - items.len()).min(hits.len() - skip);
            for j in skip..skip + want {
                let n = &self.kinds[*k][hits.get(j)];
                items.push(json!({"kind": KINDS[*k], "name": n.name, "tenant": n.tenant, "detail": n.detail}));
            }
            skip = 0;
        }
        Page { total, items }
    }
}

enum Hits {
    Range(usize, usize),
    Listed(Vec<u32>),
}

impl Hits {
    fn len(&self) -> usize {
        match self {
            Hits::Range(a, b) => b - a,
            Hits::Listed(l) => l.len(),
        }
    }

    fn get(&self, j: usize) -> usize {
        match self {
            Hits::Range(a, _) => a + j,
            Hits::Listed(l) => l[j] as usize,
        }
    }
}

/// The index of the latest revision searched, rebuilt when the model has moved on.
#[derive(Default)]
pub struct SearchCache(Mutex<Option<Arc<Index>>>);

impl SearchCache {
    /// The index of `live`'s revision. The lock is held while building, so that a burst
    /// of keystrokes after a change builds it once.
    pub fn get(&self, live: &Live) -> Arc<Index> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some(ix) if ix.revision == live.revision => Arc::clone(ix),
            _ => {
                let ix = Arc::new(Index::build(live));
                *slot = Some(Arc::clone(&ix));
                ix
            }
        }
    }
}
