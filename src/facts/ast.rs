//! The parsed form of `.facts` statements, before checking and desugaring.

use crate::source::Span;
use crate::syntax::ast::Const;

/// A name or string: one symbol, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
    /// Written as a double-quoted string (addresses and qualified ids must be).
    pub quoted: bool,
    /// A capitalised word, already reported as F0002 (so not reported again as unknown).
    pub capitalised: bool,
}

/// A role or permission as written: words (from a string, or a run of tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    /// The words, split on whitespace.
    pub words: Vec<String>,
    /// Written as a single lowercase name (`can_use_depot`).
    pub single_name: bool,
    pub span: Span,
}

impl Words {
    pub fn text(&self) -> String {
        self.words.join(" ")
    }
}

/// One `field: value, ...` line of a resource statement.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: Name,
    pub values: Vec<Name>,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    User {
        id: Name,
        /// Each `type`/`name`/`email` field as written (the keyword, then its value).
        fields: Vec<(Name, Name)>,
    },
    Instance {
        clauses: Vec<(Name, Vec<Name>)>,
    },
    Tenant {
        name: Name,
        delegates: bool,
    },
    Invite {
        user: Name,
        tenant: Name,
        by: Name,
        roles: Vec<Words>,
    },
    Role {
        user: Name,
        tenant: Name,
        roles: Vec<Words>,
    },
    Resource {
        name: Name,
        tenant: Name,
        fields: Vec<Field>,
    },
    Grant {
        perms: Vec<Words>,
        resource: Name,
        tenant: Name,
        grantee: Name,
        by: Name,
    },
    RunAsGrant {
        identity: Name,
        grantee: Name,
        by: Name,
    },
    Revoke {
        perms: Vec<Words>,
        resource: Name,
        tenant: Name,
        grantee: Name,
        by: Name,
    },
    RunAsRevoke {
        identity: Name,
        grantee: Name,
        by: Name,
    },
    Raw {
        relation: Name,
        values: Vec<(Const, Span)>,
    },
}

/// One statement, with the span from its first token to its `.`.
#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}
