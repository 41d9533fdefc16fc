//! Completion of the word before the cursor: relations (with their `.decl` as detail),
//! the permissions, tenant and instance roles and resource kinds of the facts language,
//! its statement keywords, and the users, tenants and resources declared so far.

use super::context::{File, Kind, Store};
use super::symbols::{symbols, Symbol};
use super::text::LineIndex;
use crate::facts::{INSTANCE_ROLES, KINDS, PERMISSIONS, STATEMENT_KEYWORDS, TENANT_ROLES};
use lsp_types as lsp;
use lsp_types::CompletionItemKind as K;

/// The word being typed: letters, digits, `_` and `-` before the cursor.
fn prefix(text: &str, offset: usize) -> &str {
    let before = &text[..offset.min(text.len())];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '-')
        .last()
        .map_or(before.len(), |(i, _)| i);
    &before[start..]
}

pub fn complete(store: &Store, doc: &File, pos: lsp::Position) -> Vec<lsp::CompletionItem> {
    let offset = LineIndex::new(&doc.text).offset(pos);
    let typed = prefix(&doc.text, offset);
    let mut items: Vec<lsp::CompletionItem> = Vec::new();
    // In a rule file a name with a space is a constant only when quoted.
    let quote = doc.kind() == Kind::Rules && !doc.text[..offset - typed.len()].ends_with('"');
    let mut add = |label: &str, kind: K, detail: &str| {
        let fits =
            label.starts_with(typed) || label.to_lowercase().starts_with(&typed.to_lowercase());
        if fits && !items.iter().any(|i| i.label == label) {
            items.push(lsp::CompletionItem {
                label: label.to_string(),
                kind: Some(kind),
                detail: (!detail.is_empty()).then(|| detail.to_string()),
                insert_text: (quote && label.contains(' ')).then(|| format!("\"{label}\"")),
                ..Default::default()
            });
        }
    };
    for rules in store.rules_for(doc) {
        for line in rules.text.lines() {
            if let Some(decl) = line.trim_start().strip_prefix(".decl ") {
                let name = decl.split('(').next().unwrap_or("").trim();
                add(name, K::FUNCTION, line.trim());
            }
        }
    }
    for p in PERMISSIONS {
        add(p, K::ENUM_MEMBER, "permission");
    }
    for r in TENANT_ROLES {
        add(r, K::ENUM_MEMBER, "tenant role");
    }
    for r in INSTANCE_ROLES {
        add(r, K::ENUM_MEMBER, "instance role");
    }
    for k in KINDS {
        add(k, K::ENUM_MEMBER, "resource kind");
    }
    if doc.kind() != Kind::Rules {
        for k in STATEMENT_KEYWORDS {
            add(k, K::KEYWORD, "statement");
        }
        let mut files = vec![doc.clone()];
        files.extend(store.facts_for(doc));
        for f in &files {
            for o in symbols(f) {
                if let (Symbol::Declared(key), true) = (&o.symbol, o.decl) {
                    add(&key.name, K::VARIABLE, key.kind.as_str());
                }
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn the_prefix_is_the_word_before_the_cursor() {
        assert_eq!(prefix("p(X) :- tenant_ro", 17), "tenant_ro");
        assert_eq!(prefix("grant can_use-", 14), "can_use-");
        assert_eq!(prefix("a(", 2), "");
    }
}
