//! Hover: for a relation its `.decl` text, `///` doc, where it is declared and the
//! statements (S1..S30, `rules/STATEMENTS.md`) that it and the rules deriving it cite;
//! for a rule name its rule; for a declared user, tenant or resource its statement.

use super::context::{File, Store};
use super::navigation::{definitions, Place};
use super::symbols::{facts_text, symbol_at, Symbol};
use super::text::LineIndex;
use crate::source::SourceMap;
use crate::syntax::ast::Item;
use crate::syntax::parse_module;
use lsp_types as lsp;

const STATEMENTS: &str = include_str!("../../rules/STATEMENTS.md");

/// The one-line text of statement `id` (`S8`), as STATEMENTS.md gives it.
pub fn statement_text(id: &str) -> Option<&'static str> {
    let tag = format!("- **{id}** ");
    STATEMENTS
        .lines()
        .find_map(|l| l.strip_prefix(tag.as_str()))
}

/// Statement ids cited in a text (`S4`, `(S8)`, `S4, S1, S5`), in order, once each.
pub fn cited(text: &str, out: &mut Vec<String>) {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('S') {
        let digits: String = text[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let id = format!("S{digits}");
        if word_start && !digits.is_empty() && statement_text(&id).is_some() && !out.contains(&id) {
            out.push(id);
        }
    }
}

pub fn hover(store: &Store, doc: &File, pos: lsp::Position) -> Option<lsp::Hover> {
    let index = LineIndex::new(&doc.text);
    let at = symbol_at(doc, index.offset(pos))?;
    let places = definitions(store, doc, &at.symbol);
    let text = match &at.symbol {
        Symbol::Relation(name) => relation(name, places.first()?),
        Symbol::RuleName(name) => rule(name, places.first()?),
        Symbol::Declared(_) | Symbol::Word(_) => {
            let p = places.first()?;
            let (line, _) = line_col(&p.file.text, p.start);
            let stmt = statement_at(&p.file, p.start);
            format!(
                "```grantlog\n{stmt}\n```\nDeclared at {}:{line}",
                p.file.name
            )
        }
    };
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: text,
        }),
        range: Some(index.range(at.start, at.end)),
    })
}

fn relation(name: &str, decl: &Place) -> String {
    let mut sources = SourceMap::new();
    let file = sources.add(decl.file.name.clone(), decl.file.text.clone());
    let (module, _) = parse_module(&sources, file);
    let mut doc = None;
    let mut decl_text = name.to_string();
    let mut ids = Vec::new();
    for item in &module.items {
        match item {
            Item::Decl(d) if d.name.name == name => {
                decl_text = sources.snippet(d.span).to_string();
                if let Some(text) = &d.doc {
                    cited(text, &mut ids);
                    doc = Some(text.clone());
                }
            }
            Item::Rule(r) if r.head.relation.name == name && !r.is_fact() => {
                cited(r.doc.as_deref().unwrap_or(""), &mut ids)
            }
            _ => {}
        }
    }
    let (line, _) = line_col(&decl.file.text, decl.start);
    let mut out = format!("```grantlog\n{decl_text}\n```\n");
    if let Some(doc) = doc {
        out.push_str(&format!("{doc}\n\n"));
    }
    out.push_str(&format!("Declared at {}:{line}\n", decl.file.name));
    if !ids.is_empty() {
        out.push_str("\nStatements:\n");
        for id in &ids {
            out.push_str(&format!(
                "- **{id}** {}\n",
                statement_text(id).unwrap_or("")
            ));
        }
    }
    out
}

fn rule(name: &str, at: &Place) -> String {
    let mut sources = SourceMap::new();
    let file = sources.add(at.file.name.clone(), at.file.text.clone());
    let (module, _) = parse_module(&sources, file);
    let (line, _) = line_col(&at.file.text, at.start);
    let found = module.items.iter().find_map(|i| match i {
        Item::Rule(r) if r.name.as_ref().is_some_and(|n| n.name == name) => Some(r),
        _ => None,
    });
    let mut out = match found {
        Some(r) => format!("```grantlog\n{}\n```\n", sources.snippet(r.span)),
        None => String::new(),
    };
    if let Some(doc) = found.and_then(|r| r.doc.as_deref()) {
        out.push_str(&format!("{doc}\n\n"));
    }
    out.push_str(&format!("Rule `@{name}` at {}:{line}\n", at.file.name));
    out
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let p = LineIndex::new(text).position(offset);
    (p.line + 1, p.character + 1)
}

/// The `.facts` statement around `offset`, as written.
fn statement_at(file: &File, offset: usize) -> String {
    let text = facts_text(file).unwrap_or_default();
    let (stmts, _) = crate::facts::parse_file(&text, Default::default());
    stmts
        .iter()
        .find(|s| (s.span.start as usize) <= offset && offset <= s.span.end as usize)
        .map_or(String::new(), |s| {
            text[s.span.start as usize..s.span.end as usize].to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_found_and_cited_ids_read_once() {
        assert!(statement_text("S8")
            .unwrap()
            .starts_with("A tenant has four roles"));
        assert_eq!(statement_text("S99"), None);
        let mut ids = Vec::new();
        cited("S4, S1, S5: an operator ... (S4) XS3 S99", &mut ids);
        assert_eq!(ids, ["S4", "S1", "S5"]);
    }
}
