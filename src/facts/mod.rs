//! The `.facts` language (docs/facts-language.md): statements an administrator writes,
//! desugared into facts of the base relations of `rules/dataos.dl`.
//!
//! [`Instance::read`] parses and checks one or more files against what is already loaded
//! and returns the [`Changes`] (facts to add and to remove, warnings); the loader applies
//! them to the model and then calls [`Instance::apply`]. A read with any error changes
//! nothing.

mod ast;
mod check;
pub mod keep_going;
mod manifest;
mod names;
mod parse;
mod pieces;
mod read;
mod shared;

pub use ast::{Field, Name, Stmt, StmtKind, Words};
pub use names::{INSTANCE_ROLES, KINDS, PERMISSIONS, TENANT_ROLES, USER_TYPES};
/// The parsed statements, for tools that point at names (the language server, the importer).
pub use parse::parse_file;
pub use parse::STATEMENT_KEYWORDS;

/// The base relations the statements of the facts language fill (`user`, `grant`, ...):
/// a rule file that reads them is fed by `.facts` files, so `check` does not warn that
/// nothing gives them facts (W0503).
pub const FILLED_RELATIONS: &[&str] = &[
    "user",
    "user_info",
    "instance_role",
    "tenant",
    "onboarding_delegated",
    "invited",
    "tenant_role",
    "resource",
    "depends_on",
    "depot_secret",
    "run_as_user",
    "grant",
    "revoked_grant",
    "run_as_grant",
    "revoked_run_as",
    "refused_grant",
    "refused_revocation",
    "refused_run_as_revocation",
];

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::Const;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One base fact, by relation NAME (the loader resolves names, arity and column types
/// against the rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseFact {
    pub relation: String,
    pub values: Vec<Const>,
    /// The statement (or the part of it) that produced the fact.
    pub span: Span,
}

impl BaseFact {
    pub fn new(relation: &str, values: &[&str], span: Span) -> BaseFact {
        BaseFact {
            relation: relation.to_owned(),
            values: values.iter().map(|v| Const::Sym((*v).to_owned())).collect(),
            span,
        }
    }

    /// Same relation and values (spans ignored).
    pub fn same_tuple(&self, other: &BaseFact) -> bool {
        self.relation == other.relation && self.values == other.values
    }

    fn sym(&self, i: usize) -> Option<&str> {
        match self.values.get(i) {
            Some(Const::Sym(s)) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for BaseFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}(", self.relation)?;
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            match v {
                Const::Num(n) => write!(f, "{n}")?,
                Const::Sym(s) if crate::syntax::lexer::is_bare_symbol(s) => write!(f, "{s}")?,
                Const::Sym(s) => write!(f, "{s:?}")?,
            }
        }
        write!(f, ")")
    }
}

/// What one read of one or more .facts files changes.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Facts that hold whatever their place in the history (users, tenants, resources,
    /// invitations, roles, ...).
    pub add: Vec<BaseFact>,
    /// Facts to remove (the REPL's `:retract`; a read leaves it empty).
    pub remove: Vec<BaseFact>,
    /// Grants, revocations and run-as grants and revocations, in statement order: each is
    /// checked against its actor's right at its point in the history when it is applied
    /// (the loader's ordered reading, `crate::load::ordered`).
    pub actions: Vec<Action>,
    pub warnings: Vec<Diagnostic>,
}

impl Changes {
    /// The read as plain desugaring, as if every action's actor held the right: the
    /// actions' facts join `add` in order, each revocation taking the grants it names
    /// out of `add` (this read) or into `remove` (earlier reads). What the statements
    /// say, before the ordered reading decides what takes effect; for tools and tests
    /// of the desugaring.
    pub fn as_if_allowed(&self) -> Changes {
        let mut add = self.add.clone();
        let mut remove = self.remove.clone();
        for a in &self.actions {
            for t in &a.targets {
                let before = add.len();
                add.retain(|f| !(f.same_tuple(t) && f.span == t.span));
                if add.len() == before && !remove.iter().any(|r| r.same_tuple(t)) {
                    remove.push(t.clone());
                }
            }
            add.push(a.fact.clone());
        }
        Changes {
            add,
            remove,
            actions: Vec::new(),
            warnings: self.warnings.clone(),
        }
    }
}

/// The relations the rules give the rights of actions in (see [`ActionKind::check`]).
pub const CHECK_RELATIONS: &[&str] = &["may_grant", "may_revoke", "may_revoke_run_as"];

/// What an action statement does when it is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `grant P on R in T to G by By`: `grant(T, R, G, P, By)`, if `may_grant(By, T, R)`.
    Grant,
    /// `revoke P on R in T from G by By`: removes the grants of P on R to G and records
    /// `revoked_grant(T, R, G, P, By)`, if `may_revoke(By, T, R)`.
    Revoke,
    /// `grant run-as I to G by By`: `run_as_grant(I, G, By)` (whether it counts is the
    /// rules' `valid_run_as`: instance roles never change, S2).
    RunAsGrant,
    /// `revoke run-as I from G by By`: removes the run-as grants of I to G and records
    /// `revoked_run_as(I, G, By)`, if `may_revoke_run_as(By)`.
    RunAsRevoke,
}

/// One grant, revocation, run-as grant or run-as revocation of the history.
#[derive(Clone, Debug)]
pub struct Action {
    pub kind: ActionKind,
    /// The fact the statement states: `grant`, `revoked_grant`, `run_as_grant` or
    /// `revoked_run_as`, spanning the statement.
    pub fact: BaseFact,
    /// For a revocation: the grants stated before it that it removes if it takes effect
    /// (those already gone are skipped when it is applied).
    pub targets: Vec<BaseFact>,
}

impl ActionKind {
    /// The relation whose tuple must hold for the action to take effect, and the columns
    /// of the action's fact that form that tuple; `None`: no check.
    pub fn check(self) -> Option<(&'static str, &'static [usize])> {
        match self {
            ActionKind::Grant => Some(("may_grant", &[4, 0, 1])),
            ActionKind::Revoke => Some(("may_revoke", &[4, 0, 1])),
            ActionKind::RunAsGrant => None,
            ActionKind::RunAsRevoke => Some(("may_revoke_run_as", &[2])),
        }
    }

    /// The check relations the rules declare: empty when they state no right for actions
    /// (every action then takes effect).
    pub fn checks_in(program: &crate::program::Program) -> Vec<crate::program::RelId> {
        [
            ActionKind::Grant,
            ActionKind::Revoke,
            ActionKind::RunAsRevoke,
        ]
        .into_iter()
        .filter_map(|k| k.check().and_then(|(name, _)| program.relation(name)))
        .collect()
    }

    /// The relation that records the action when its check fails (it then has no effect).
    pub fn refused(self) -> &'static str {
        match self {
            ActionKind::Grant => "refused_grant",
            ActionKind::Revoke => "refused_revocation",
            ActionKind::RunAsGrant => "run_as_grant",
            ActionKind::RunAsRevoke => "refused_run_as_revocation",
        }
    }

    /// The action whose statement states a fact of `relation`.
    pub fn of_relation(relation: &str) -> Option<ActionKind> {
        match relation {
            "grant" => Some(ActionKind::Grant),
            "revoked_grant" => Some(ActionKind::Revoke),
            "run_as_grant" => Some(ActionKind::RunAsGrant),
            "revoked_run_as" => Some(ActionKind::RunAsRevoke),
            _ => None,
        }
    }

    /// Why a refusal record (`refused_revocation(eng, c1, bob, can_use_compute, carol)`)
    /// had no effect: "had no effect: may_revoke(carol, eng, c1) did not hold when it was
    /// applied", read off the action's check. `None` for another relation.
    pub fn refusal_note(relation: &str, values: &[Const]) -> Option<String> {
        let (check, cols) = ActionKind::of_refused(relation)?.check()?;
        let args: Vec<String> = cols
            .iter()
            .map(|&c| {
                values
                    .get(c)
                    .map_or_else(|| "_".to_string(), ToString::to_string)
            })
            .collect();
        Some(format!(
            "had no effect: {check}({}) did not hold when it was applied",
            args.join(", ")
        ))
    }

    /// The action a refusal record (`refused_grant`, ...) stands for.
    pub fn of_refused(relation: &str) -> Option<ActionKind> {
        [
            ActionKind::Grant,
            ActionKind::Revoke,
            ActionKind::RunAsRevoke,
        ]
        .into_iter()
        .find(|k| k.refused() == relation)
    }
}

/// What has been loaded so far: users, tenants, resources, the instance declaration,
/// and the grants / run-as grants currently in force.
///
/// Each part is shared until written (`Arc::make_mut`): the workspace keeps a copy per
/// undo step and the reader works on one, so copying must not cost the whole instance
/// (a million facts) for every `:assert`.
#[derive(Clone, Debug, Default)]
pub struct Instance {
    users: Arc<BTreeMap<String, Span>>,
    tenants: Arc<BTreeMap<String, Span>>,
    /// (tenant, name) -> (kind, span)
    resources: Arc<BTreeMap<(String, String), (String, Span)>>,
    /// Where the instance statement is (its first `instance_role` fact).
    instance: Option<Span>,
    grants: shared::SharedList,
    run_as: shared::SharedList,
}

impl Instance {
    pub fn new() -> Instance {
        Instance::default()
    }

    /// Read files as one sequence of statements (declarations order-independent across
    /// them, grants/revocations in order), checked against what is already loaded. On
    /// any error: Err with every diagnostic (warnings included), and `self` unchanged.
    pub fn read(&self, sources: &SourceMap, files: &[FileId]) -> Result<Changes, Vec<Diagnostic>> {
        read::read(self, sources, files)
    }

    /// As [`Instance::read`], for statements already parsed (one list with its parse
    /// diagnostics per file, in load order): the seam through which imported manifests
    /// and tables get every check a `.facts` file gets.
    pub fn read_parsed(
        &self,
        sources: &SourceMap,
        parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
    ) -> Result<Changes, Vec<Diagnostic>> {
        read::read_parsed(self, sources, parsed)
    }

    /// As [`Instance::read_parsed`], handing each fact of `Changes::add` to `sink` as it
    /// is read instead of collecting them (the returned `add` is empty). On an error the
    /// sink has seen some facts of the failed read: build only what can be dropped.
    pub fn read_parsed_streaming(
        &self,
        sources: &SourceMap,
        parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
        sink: &mut dyn FnMut(BaseFact),
    ) -> Result<Changes, Vec<Diagnostic>> {
        read::read_streaming(self, sources, parsed, sink)
    }

    /// Record a successful read (call after the loader has applied `changes` to the model).
    pub fn apply(&mut self, changes: &Changes) {
        for r in &changes.remove {
            let list = match r.relation.as_str() {
                "grant" => &mut self.grants,
                "run_as_grant" => &mut self.run_as,
                _ => continue,
            };
            let k = shared::key(&r.relation, r.values.first(), r.values.get(1));
            list.take_where(k, |g| g.same_tuple(r));
        }
        for f in &changes.add {
            self.record(f);
        }
    }

    /// As [`Instance::apply`] does for one added fact, taking it: a grant is kept as it
    /// is, not copied (the fast load path builds one for each `grant` fact).
    pub(crate) fn keep(&mut self, f: BaseFact) {
        match (f.relation.as_str(), f.values.len()) {
            ("grant", 5) => self.grants.push(f),
            ("run_as_grant", 3) => self.run_as.push(f),
            _ => self.record(&f),
        }
    }

    /// Keeps what a fact of the facts language tells about the instance (users, tenants,
    /// resources, grants in force); [`Instance::apply`] does it for each fact added.
    fn record(&mut self, f: &BaseFact) {
        match (f.relation.as_str(), f.values.len()) {
            ("user", 2) => {
                if let Some(u) = f.sym(0).filter(|u| !self.users.contains_key(*u)) {
                    Arc::make_mut(&mut self.users).insert(u.to_owned(), f.span);
                }
            }
            ("tenant", 1) => {
                if let Some(t) = f.sym(0).filter(|t| !self.tenants.contains_key(*t)) {
                    Arc::make_mut(&mut self.tenants).insert(t.to_owned(), f.span);
                }
            }
            ("resource", 5) => {
                if let (Some(t), Some(k), Some(r)) = (f.sym(0), f.sym(1), f.sym(2)) {
                    let key = (t.to_owned(), r.to_owned());
                    if !self.resources.contains_key(&key) {
                        Arc::make_mut(&mut self.resources).insert(key, (k.to_owned(), f.span));
                    }
                }
            }
            ("instance_role", _) => {
                self.instance.get_or_insert(f.span);
            }
            ("grant", 5) => self.grants.push(f.clone()),
            ("run_as_grant", 3) => self.run_as.push(f.clone()),
            _ => {}
        }
    }

    /// The instance without the users, tenants, resources and `instance` statement that
    /// `stmts` declare: what a `:retract` of those declarations reads its text against,
    /// so that restating them (to name what goes) is not a second definition (F0104).
    pub fn forgetting(&self, stmts: &[Stmt]) -> Instance {
        let mut out = self.clone();
        for s in stmts {
            match &s.kind {
                StmtKind::User { id, .. } if out.users.contains_key(&id.text) => {
                    Arc::make_mut(&mut out.users).remove(&id.text);
                }
                StmtKind::Tenant { name, .. } if out.tenants.contains_key(&name.text) => {
                    Arc::make_mut(&mut out.tenants).remove(&name.text);
                }
                StmtKind::Resource { name, tenant, .. } => {
                    let key = (tenant.text.clone(), name.text.clone());
                    if out.resources.contains_key(&key) {
                        Arc::make_mut(&mut out.resources).remove(&key);
                    }
                }
                StmtKind::Instance { .. } => out.instance = None,
                _ => {}
            }
        }
        out
    }

    /// Known user ids, sorted.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(String::as_str)
    }

    /// Known tenants, sorted.
    pub fn tenants(&self) -> impl Iterator<Item = &str> {
        self.tenants.keys().map(String::as_str)
    }

    /// Known resources as (tenant, name, kind), sorted by tenant and name.
    pub fn resources(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.resources
            .iter()
            .map(|((t, r), (k, _))| (t.as_str(), r.as_str(), k.as_str()))
    }

    /// Whether an `instance` statement has been loaded.
    pub fn has_instance(&self) -> bool {
        self.instance.is_some()
    }

    /// The `grant` facts currently in force (loaded and not revoked).
    pub fn grants(&self) -> impl Iterator<Item = &BaseFact> {
        self.grants.iter()
    }

    /// The `run_as_grant` facts currently in force.
    pub fn run_as_grants(&self) -> impl Iterator<Item = &BaseFact> {
        self.run_as.iter()
    }
}

/// The syntax errors of a `.facts` text (names are not checked): what `grantlog fmt`
/// refuses to format.
pub fn syntax_errors(text: &str, file: FileId) -> Vec<Diagnostic> {
    parse::parse_file(text, file).1
}

/// The byte ranges of `text`'s statements, each ending just after its `.` (the last may
/// hold only white space or comments): what `grantlog diff` compares two texts by, so
/// that only the statements that differ are parsed.
pub fn statement_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    pieces::statement_pieces(text, 0)
}

/// Parses the part `range` of `text` (a run of whole statements, spans in `text`):
/// the statements and every diagnostic.
pub fn parse_range(
    text: &str,
    range: std::ops::Range<usize>,
    file: FileId,
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let p = parse::parse_piece(text, range, file);
    let mut diags = p.lex_errors;
    diags.extend(p.diags);
    (p.stmts, diags)
}
