//! Bulk loading: interning by text and pre-sizing, for the fast load paths
//! (`crate::load::fast`, `crate::delimited`). Only what the loaders need beyond
//! [`Model::add_fact`], kept out of `mod.rs`.

use super::{Model, Value};
use crate::program::RelId;
use std::sync::Arc;

impl Model {
    /// The value of a symbol, interning it when new (no `Const` is built to look it up).
    #[inline]
    pub fn intern_sym(&mut self, s: &str) -> Value {
        match self.symbols.get_sym(s) {
            Some(v) => v,
            None => Arc::make_mut(&mut self.symbols).intern_sym(s),
        }
    }

    #[inline]
    pub fn intern_num(&mut self, n: i64) -> Value {
        Arc::make_mut(&mut self.symbols).intern_num(n)
    }

    /// Room for `rows` more base facts of `rel` and `constants` more constants, so that
    /// a load announced by its size does not rehash as it grows.
    pub fn reserve_base(&mut self, rel: RelId, rows: usize, constants: usize) {
        Arc::make_mut(&mut self.rels[rel.0 as usize]).reserve(rows);
        self.base_spans.reserve(rows);
        Arc::make_mut(&mut self.symbols).reserve(constants);
    }
}
