//! Go to definition and find references. Relations and rule names are looked up in the
//! rule files a document is read with; users, tenants and resources in the document
//! first, then in the `.facts` files it may use (its folder, or a test's includes).

use super::context::{File, Kind, Store};
use super::symbols::{symbol_at, symbols, NameKey, Symbol};
use super::text::LineIndex;
use lsp_types as lsp;

/// A range in a file.
#[derive(Clone, Debug)]
pub struct Place {
    pub file: File,
    pub start: usize,
    pub end: usize,
}

impl Place {
    pub fn location(&self) -> lsp::Location {
        let index = LineIndex::new(&self.file.text);
        lsp::Location::new(self.file.uri.clone(), index.range(self.start, self.end))
    }
}

/// Where `symbol` (found in `doc`) is declared.
pub fn definitions(store: &Store, doc: &File, symbol: &Symbol) -> Vec<Place> {
    match symbol {
        Symbol::Relation(_) | Symbol::RuleName(_) => {
            places(&store.rules_for(doc), |s, decl| decl && s == symbol)
        }
        Symbol::Declared(_) | Symbol::Word(_) => {
            let matches = |s: &Symbol, decl: bool| decl && same_name(s, symbol);
            let own = places(std::slice::from_ref(doc), matches);
            if own.is_empty() {
                places(&store.facts_for(doc), matches)
            } else {
                own
            }
        }
    }
}

/// Every occurrence of `symbol` (declarations included when `with_decl`).
pub fn references(store: &Store, doc: &File, symbol: &Symbol, with_decl: bool) -> Vec<Place> {
    let keep = |decl: bool| with_decl || !decl;
    match symbol {
        Symbol::Relation(_) | Symbol::RuleName(_) => {
            let mut files = store.rules_for(doc);
            if doc.kind() != Kind::Rules {
                files.push(doc.clone());
            }
            places(&files, |s, decl| keep(decl) && s == symbol)
        }
        Symbol::Declared(_) | Symbol::Word(_) => {
            // A bare word means the declared name it resolves to.
            let Some(key) = definitions(store, doc, symbol).first().and_then(key_at) else {
                return Vec::new();
            };
            let mut files = vec![doc.clone()];
            files.extend(
                store
                    .facts_for(doc)
                    .into_iter()
                    .filter(|f| f.uri != doc.uri),
            );
            places(&files, |s, decl| {
                keep(decl) && *s == Symbol::Declared(key.clone())
            })
        }
    }
}

fn key_at(p: &Place) -> Option<NameKey> {
    match symbol_at(&p.file, p.start)?.symbol {
        Symbol::Declared(k) => Some(k),
        _ => None,
    }
}

/// A declared name matches itself, and a bare word matches any declared name it spells.
fn same_name(found: &Symbol, wanted: &Symbol) -> bool {
    match (found, wanted) {
        (Symbol::Declared(a), Symbol::Declared(b)) => a == b,
        (Symbol::Declared(a), Symbol::Word(w)) => a.name == *w,
        _ => false,
    }
}

fn places(files: &[File], want: impl Fn(&Symbol, bool) -> bool) -> Vec<Place> {
    let mut out = Vec::new();
    for f in files {
        for o in symbols(f) {
            if want(&o.symbol, o.decl) {
                out.push(Place {
                    file: f.clone(),
                    start: o.start,
                    end: o.end,
                });
            }
        }
    }
    out
}

/// `textDocument/definition`.
pub fn definition(store: &Store, doc: &File, pos: lsp::Position) -> Vec<lsp::Location> {
    let offset = LineIndex::new(&doc.text).offset(pos);
    let Some(at) = symbol_at(doc, offset) else {
        return Vec::new();
    };
    definitions(store, doc, &at.symbol)
        .iter()
        .map(Place::location)
        .collect()
}

/// `textDocument/references`.
pub fn find_references(
    store: &Store,
    doc: &File,
    pos: lsp::Position,
    with_decl: bool,
) -> Vec<lsp::Location> {
    let offset = LineIndex::new(&doc.text).offset(pos);
    let Some(at) = symbol_at(doc, offset) else {
        return Vec::new();
    };
    references(store, doc, &at.symbol, with_decl)
        .iter()
        .map(Place::location)
        .collect()
}
