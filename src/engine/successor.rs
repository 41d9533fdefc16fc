//! A copy of an evaluated model to change its facts (`grantlog diff` of two fact sets):
//! it shares every relation until it writes one, and records them all as taken over, so
//! that what the change did is read off the rows ([`Model::changed_rows`]) rather than
//! by comparing whole relations.

use super::Model;
use std::sync::Arc;

impl Model {
    /// A copy of this model (cheap: relations are shared until written) whose
    /// [`Model::changed_rows`] against this one gives the rows a later change of facts
    /// and its evaluation appended or killed.
    pub fn successor(&self) -> Model {
        let mut next = self.clone();
        next.journal = None;
        next.taken = self.rels.iter().map(|r| Some(Arc::clone(r))).collect();
        next
    }
}

impl Model {
    /// A model of the same program and symbol table holding no tuple: what shows (and
    /// orders) the tuples of a state this model is about to leave, e.g. the gains of a
    /// change measured in a transaction before it is rolled back (`grantlog diff` of two
    /// fact sets). Asking it for tuples answers as for an empty model.
    pub fn symbols_only(&self) -> Model {
        let mut m = Model::new(Arc::clone(&self.program));
        m.rels = self
            .program
            .relations()
            .map(|r| {
                Arc::new(super::relation::Rows::new(
                    self.program.arity(r),
                    self.program.indexes(r),
                ))
            })
            .collect();
        m.base_spans.clear();
        m.symbols = Arc::clone(&self.symbols);
        m.consts = self.consts.clone();
        m
    }
}
