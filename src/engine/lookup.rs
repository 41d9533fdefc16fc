//! Tuples matching a pattern, through an index when one covers bound columns: the
//! explainer's searches (why, why-not, fixes) probe instead of scanning relations.

use super::relation::hash_values;
use super::{Model, Value};
use crate::program::RelId;

impl Model {
    /// The live tuples of `rel` whose columns equal `pattern`'s `Some` values, in the
    /// order of [`Model::tuples`].
    pub fn matching<'a>(
        &'a self,
        rel: RelId,
        pattern: &'a [Option<Value>],
    ) -> Box<dyn Iterator<Item = &'a [Value]> + 'a> {
        let rows = &self.rels[rel.0 as usize];
        let fits = move |t: &[Value]| {
            pattern
                .iter()
                .zip(t)
                .all(|(p, v)| p.is_none_or(|p| p == *v))
        };
        let best = self
            .program
            .indexes(rel)
            .iter()
            .enumerate()
            .filter(|(_, cols)| cols.iter().all(|&c| pattern[c as usize].is_some()))
            .max_by_key(|(i, cols)| (cols.len(), usize::MAX - i));
        match best {
            Some((i, cols)) if !cols.is_empty() => {
                let hash = hash_values(cols.iter().map(|&c| pattern[c as usize].expect("bound")));
                Box::new(
                    rows.index_rows(i as u32, hash)
                        .filter(move |&id| rows.is_alive(id))
                        .map(move |id| rows.row(id))
                        .filter(move |t| fits(t)),
                )
            }
            _ => Box::new(self.tuples(rel).filter(move |t| fits(t))),
        }
    }
}
