//! A [`Diff`] as JSON for scripts (shape documented in `grantlog diff --help`),
//! serialized as it goes: no document of `Value`s for millions of tuples.

use super::shown::SideShown;
use super::{Changes, Diff, RelationDiff};
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::cell::RefCell;
use std::io::{self, Write};

/// The diff as pretty-printed JSON, with `extra` members after the documented ones; only
/// relations `include` accepts are listed, and `total` counts those.
pub fn write_json(
    diff: &Diff<'_>,
    old: &SourceMap,
    new: &SourceMap,
    include: &dyn Fn(&str) -> bool,
    extra: &[(&str, Json)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let (old_model, new_model) = diff.models();
    let doc = Doc {
        diff,
        sources: [old, new],
        include,
        extra,
        shown: RefCell::new(SideShown::new(old_model.symbols(), new_model.symbols())),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}

struct Doc<'a, 'm> {
    diff: &'a Diff<'m>,
    /// OLD's, NEW's.
    sources: [&'a SourceMap; 2],
    include: &'a dyn Fn(&str) -> bool,
    extra: &'a [(&'a str, Json)],
    shown: RefCell<SideShown<'m>>,
}

impl Serialize for Doc<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let include = self.include;
        let listed: Vec<&RelationDiff> = self
            .diff
            .changed()
            .filter(|r| include(&r.relation))
            .collect();
        let unmatched = |us: &[super::Unmatched]| -> Vec<Json> {
            us.iter()
                .filter(|u| include(&u.relation))
                .map(|u| json!({"relation": u.relation, "tuples": u.tuples}))
                .collect()
        };
        let arity: Vec<Json> = self
            .diff
            .arity_changed
            .iter()
            .filter(|a| include(&a.relation))
            .map(|a| {
                json!({"relation": a.relation, "old_arity": a.old_arity,
                       "new_arity": a.new_arity, "new_tuples": a.new_tuples})
            })
            .collect();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "relations",
            &Relations {
                doc: self,
                listed: &listed,
            },
        )?;
        m.serialize_entry("only_old", &unmatched(&self.diff.only_old))?;
        m.serialize_entry("only_new", &unmatched(&self.diff.only_new))?;
        m.serialize_entry("arity_changed", &arity)?;
        let total = json!({
            "gained": listed.iter().map(|r| r.gained.len()).sum::<usize>(),
            "lost": listed.iter().map(|r| r.lost.len()).sum::<usize>(),
            "relations": listed.len(),
        });
        m.serialize_entry("total", &total)?;
        for (k, v) in self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct Relations<'a, 'm> {
    doc: &'a Doc<'a, 'm>,
    listed: &'a [&'a RelationDiff<'m>],
}

impl Serialize for Relations<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.listed.len()))?;
        for r in self.listed {
            seq.serialize_element(&Relation { doc: self.doc, r })?;
        }
        seq.end()
    }
}

struct Relation<'a, 'm> {
    doc: &'a Doc<'a, 'm>,
    r: &'a RelationDiff<'m>,
}

impl Serialize for Relation<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.r;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("relation", &r.relation)?;
        m.serialize_entry("columns", &r.columns)?;
        m.serialize_entry("user_column", &r.user_column.map(|i| &r.columns[i]))?;
        m.serialize_entry("tenant_column", &r.tenant_column.map(|i| &r.columns[i]))?;
        m.serialize_entry("gained", &r.gained.len())?;
        m.serialize_entry("lost", &r.lost.len())?;
        let groups = r.groups();
        m.serialize_entry(
            "groups",
            &Seq(groups.len(), || {
                groups.iter().map(|g| {
                    let user = g.user.map(ConstJson);
                    let tenant = g.tenant.map(ConstJson);
                    let gained = Side {
                        doc: self.doc,
                        r,
                        changes: &r.gained,
                        range: g.gained.clone(),
                        new_side: true,
                    };
                    let lost = Side {
                        changes: &r.lost,
                        range: g.lost.clone(),
                        new_side: false,
                        ..gained
                    };
                    GroupJson {
                        user,
                        tenant,
                        gained,
                        lost,
                    }
                })
            }),
        )?;
        m.end()
    }
}

/// A sequence of `len` elements from an iterator made on demand.
struct Seq<F>(usize, F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0))?;
        for e in (self.1)() {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

struct GroupJson<'a, 'm> {
    user: Option<ConstJson<'a>>,
    tenant: Option<ConstJson<'a>>,
    gained: Side<'a, 'm>,
    lost: Side<'a, 'm>,
}

impl Serialize for GroupJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("user", &self.user)?;
        m.serialize_entry("tenant", &self.tenant)?;
        m.serialize_entry("gained", &self.gained)?;
        m.serialize_entry("lost", &self.lost)?;
        m.end()
    }
}

/// One group's gains or losses.
#[derive(Clone)]
struct Side<'a, 'm> {
    doc: &'a Doc<'a, 'm>,
    r: &'a RelationDiff<'m>,
    changes: &'a Changes<'m>,
    range: std::ops::Range<usize>,
    new_side: bool,
}

impl Serialize for Side<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.changes;
        let sources = self.doc.sources[self.new_side as usize];
        let mut fact = Vec::new();
        let mut seq = s.serialize_seq(Some(self.range.len()))?;
        for i in self.range.clone() {
            fact.clear();
            self.doc
                .shown
                .borrow_mut()
                .side(self.new_side)
                .fact(&self.r.relation, c, i, &mut fact);
            let fact = std::str::from_utf8(&fact).expect("text is UTF-8");
            let values = Seq(c.row(i).len(), || {
                (0..c.row(i).len()).map(|col| ConstJson(c.constant(i, col)))
            });
            let proof = c.proof(i).map(|p| p.to_json(sources));
            seq.serialize_element(&ChangeJson {
                fact,
                values,
                proof,
            })?;
        }
        seq.end()
    }
}

struct ChangeJson<'a, V> {
    fact: &'a str,
    values: V,
    proof: Option<Json>,
}

impl<V: Serialize> Serialize for ChangeJson<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("fact", self.fact)?;
        m.serialize_entry("values", &self.values)?;
        m.serialize_entry("proof", &self.proof)?;
        m.end()
    }
}

/// A constant as a JSON string or number.
#[derive(Clone, Copy)]
struct ConstJson<'a>(&'a Const);

impl Serialize for ConstJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Const::Sym(t) => s.serialize_str(t),
            Const::Num(n) => s.serialize_i64(*n),
        }
    }
}
