//! The names in a text that the server can point at, found on the project's own tokens
//! (so a document that does not parse yet is still navigable): relations (`name(` or
//! `.decl name`), rule names (`@name`), and the users, tenants and resources of `.facts`
//! statements.

use super::context::{File, Kind};
use crate::facts::{parse_file, Name, StmtKind};
use crate::policytest::{parse as test_parse, Item};
use crate::source::FileId;
use crate::syntax::lexer::{lex, Token};

/// What a name under the cursor stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    Relation(String),
    RuleName(String),
    Declared(NameKey),
    /// A bare word (a constant in a rule or a query): maybe a declared name.
    Word(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKind {
    User,
    Tenant,
    Resource,
}

impl NameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::User => "user",
            NameKind::Tenant => "tenant",
            NameKind::Resource => "resource",
        }
    }
}

/// A declared name: users and tenants by name, resources by tenant and name (S24).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey {
    pub kind: NameKind,
    pub tenant: String,
    pub name: String,
}

/// One occurrence of a symbol: byte range, and whether it is where the symbol is declared.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub symbol: Symbol,
    pub start: usize,
    pub end: usize,
    pub decl: bool,
}

/// Relations and rule names in a text (any of the three languages share the tokens).
pub fn rule_symbols(text: &str) -> Vec<Occurrence> {
    let toks = lex(text, FileId::default()).tokens;
    let mut out = Vec::new();
    for (i, (s, tok, e)) in toks.iter().enumerate() {
        let Token::Lower(name) = tok else { continue };
        let prev = i.checked_sub(1).map(|p| &toks[p].1);
        let next = toks.get(i + 1).map(|t| &t.1);
        let symbol = match (prev, next) {
            (Some(Token::Decl), _) => Some((Symbol::Relation(name.clone()), true)),
            (Some(Token::At), _) => Some((Symbol::RuleName(name.clone()), true)),
            (_, Some(Token::LParen)) => Some((Symbol::Relation(name.clone()), false)),
            _ => None,
        };
        if let Some((symbol, decl)) = symbol {
            out.push(Occurrence {
                symbol,
                start: *s,
                end: *e,
                decl,
            });
        }
    }
    out
}

/// The `.facts` statements of a file: the whole text of a `.facts` file, and of a
/// `.test` file its facts statements with everything else blanked (offsets kept).
pub fn facts_text(file: &File) -> Option<String> {
    match file.kind() {
        Kind::Facts => Some(file.text.clone()),
        Kind::Test => {
            let parsed = test_parse::parse(&file.name, &file.text, FileId::default());
            let ranges: Vec<(usize, usize)> = parsed
                .prelude
                .iter()
                .chain(parsed.tests.iter().flat_map(|t| &t.items))
                .filter_map(|i| match i {
                    Item::Facts { start, end } => Some((*start, *end)),
                    _ => None,
                })
                .collect();
            Some(test_parse::blank_except(&file.text, &ranges))
        }
        _ => None,
    }
}

/// Users, tenants and resources named in `.facts` statements, declarations marked.
pub fn declared_names(facts_text: &str) -> Vec<Occurrence> {
    let (stmts, _) = parse_file(facts_text, FileId::default());
    let mut out = Vec::new();
    let mut add = |kind, tenant: &str, n: &Name, decl| {
        out.push(Occurrence {
            symbol: Symbol::Declared(NameKey {
                kind,
                tenant: if kind == NameKind::Resource {
                    tenant.to_string()
                } else {
                    String::new()
                },
                name: n.text.clone(),
            }),
            start: n.span.start as usize,
            end: n.span.end as usize,
            decl,
        })
    };
    use NameKind::{Resource, Tenant, User};
    for s in &stmts {
        match &s.kind {
            StmtKind::User { id, .. } => add(User, "", id, true),
            StmtKind::Instance { clauses } => {
                for u in clauses.iter().flat_map(|(_, users)| users) {
                    add(User, "", u, false);
                }
            }
            StmtKind::Tenant { name, .. } => add(Tenant, "", name, true),
            StmtKind::Invite {
                user, tenant, by, ..
            } => {
                add(User, "", user, false);
                add(Tenant, "", tenant, false);
                add(User, "", by, false);
            }
            StmtKind::Role { user, tenant, .. } => {
                add(User, "", user, false);
                add(Tenant, "", tenant, false);
            }
            StmtKind::Resource {
                name,
                tenant,
                fields,
            } => {
                add(Resource, &tenant.text, name, true);
                add(Tenant, "", tenant, false);
                for f in fields {
                    let kind = match f.name.text.as_str() {
                        "owner" | "submitter" | "runAsUser" => User,
                        "type" => continue,
                        _ => Resource,
                    };
                    for v in &f.values {
                        add(kind, &tenant.text, v, false);
                    }
                }
            }
            StmtKind::Grant {
                resource,
                tenant,
                grantee,
                by,
                ..
            }
            | StmtKind::Revoke {
                resource,
                tenant,
                grantee,
                by,
                ..
            } => {
                add(Resource, &tenant.text, resource, false);
                add(Tenant, "", tenant, false);
                add(User, "", grantee, false);
                add(User, "", by, false);
            }
            StmtKind::RunAsGrant {
                identity,
                grantee,
                by,
            }
            | StmtKind::RunAsRevoke {
                identity,
                grantee,
                by,
            } => {
                for u in [identity, grantee, by] {
                    add(User, "", u, false);
                }
            }
            StmtKind::Raw { .. } => {}
        }
    }
    out
}

/// Every symbol of a file: relations and rule names, and for `.facts` and `.test` files
/// the declared names.
pub fn symbols(file: &File) -> Vec<Occurrence> {
    let mut out = rule_symbols(&file.text);
    if let Some(text) = facts_text(file) {
        out.extend(declared_names(&text));
    }
    out
}

/// The symbol at a byte offset (the cursor may sit just after the name), with its range.
pub fn symbol_at(file: &File, offset: usize) -> Option<Occurrence> {
    let hit = |o: &&Occurrence| o.start <= offset && offset <= o.end;
    let all = symbols(file);
    if let Some(o) = all.iter().find(hit) {
        return Some(o.clone());
    }
    // A bare word: a constant in a rule body or an `expect` query.
    let toks = lex(&file.text, FileId::default()).tokens;
    toks.iter().find_map(|(s, t, e)| match t {
        Token::Lower(w) | Token::Str(w) if *s <= offset && offset <= *e => Some(Occurrence {
            symbol: Symbol::Word(w.clone()),
            start: *s,
            end: *e,
            decl: false,
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn file(name: &str, text: &str) -> File {
        File {
            uri: lsp_types::Uri::from_str("file:///x").unwrap(),
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn relations_rule_names_and_declared_names_are_found() {
        let dl = file("a.dl", ".decl e(x: symbol)\n@step\np(X) :- e(X), X = e.\n");
        let syms: Vec<(Symbol, bool)> = symbols(&dl)
            .into_iter()
            .map(|o| (o.symbol, o.decl))
            .collect();
        let rel = |n: &str| Symbol::Relation(n.into());
        assert_eq!(
            syms,
            vec![
                (rel("e"), true),
                (Symbol::RuleName("step".into()), true),
                (rel("p"), false),
                (rel("e"), false),
            ]
        );
        let facts = file(
            "b.facts",
            "tenant eng.\ngrant can_edit on d in eng to sam by ana.\n",
        );
        let at = facts.text.find("d in").unwrap();
        let o = symbol_at(&facts, at).unwrap();
        assert_eq!(
            o.symbol,
            Symbol::Declared(NameKey {
                kind: NameKind::Resource,
                tenant: "eng".into(),
                name: "d".into()
            })
        );
        assert!(!o.decl);
    }
}
