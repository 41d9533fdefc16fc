//! One read: parse every file, collect the declarations (order-independent), then check
//! and desugar every statement in order (grants and revocations are order-dependent).

use super::names;
use super::parse::{parse_file, Name, Stmt, StmtKind, Words};
use super::{Action, ActionKind, BaseFact, Changes, Instance};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::Const;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) fn read(
    inst: &Instance,
    sources: &SourceMap,
    files: &[FileId],
) -> Result<Changes, Vec<Diagnostic>> {
    let mut parsed = Vec::new();
    for &f in files {
        let Some(file) = sources.get(f) else {
            parsed.push((
                Vec::new(),
                vec![
                    Diagnostic::error("E0003", format!("no source file with id {}", f.0))
                        .help("add the file to the source map before reading it"),
                ],
            ));
            continue;
        };
        parsed.push(parse_file(&file.text, f));
    }
    read_parsed(inst, sources, parsed)
}

/// Check and desugar statements already parsed, one list (with its parse diagnostics) per
/// file in load order: `.facts` files through [`parse_file`], imported manifests and
/// tables through `crate::import`. Same checks either way.
pub(super) fn read_parsed(
    inst: &Instance,
    sources: &SourceMap,
    parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
) -> Result<Changes, Vec<Diagnostic>> {
    read_marking(inst, sources, parsed, &mut Vec::new())
}

/// [`read_parsed`], handing each fact of `Changes::add` to `sink` as it is desugared
/// (the returned `add` is empty): the loader puts it in a fresh model at once, so the
/// facts as strings are never all held together (about 250 MiB at 75,000 users). The
/// sink sees the facts of a read that fails too: the caller drops what it built then.
pub(super) fn read_streaming(
    inst: &Instance,
    sources: &SourceMap,
    parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
    sink: &mut dyn FnMut(BaseFact),
) -> Result<Changes, Vec<Diagnostic>> {
    read_into(inst, sources, parsed, &mut Vec::new(), Some(sink))
}

/// [`read_parsed`], noting in `failing` the position (among all the statements, in
/// order) of each statement an error was found in, for `--keep-going`
/// ([`super::keep_going`]) to leave out.
pub(super) fn read_marking(
    inst: &Instance,
    sources: &SourceMap,
    parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
    failing: &mut Vec<usize>,
) -> Result<Changes, Vec<Diagnostic>> {
    read_into(inst, sources, parsed, failing, None)
}

fn read_into<'a>(
    inst: &Instance,
    sources: &'a SourceMap,
    parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
    failing: &mut Vec<usize>,
    sink: Option<&'a mut dyn FnMut(BaseFact)>,
) -> Result<Changes, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // One vector of the exact size (a big file's own vector moved): collected with
    // doubling, it was the largest block at the peak of a 75,000-user open (126 MiB).
    let mut stmts = Vec::new();
    if parsed.len() > 1 {
        stmts.reserve_exact(parsed.iter().map(|(s, _)| s.len()).sum());
    }
    for (s, d) in parsed {
        if stmts.capacity() == 0 {
            stmts = s;
        } else {
            stmts.extend(s);
        }
        diags.extend(d);
    }
    let mut r = Reader {
        sources,
        users: inst.users.clone(),
        tenants: inst.tenants.clone(),
        resources: inst.resources.clone(),
        instance: inst.instance,
        diags,
        add: Vec::new(),
        sink,
        actions: Vec::new(),
        revocable: FxHashMap::default(),
        prior_grants: inst.grants.clone(),
        prior_run_as: inst.run_as.clone(),
        after_creation: false,
        known: Known::default(),
    };
    let mut first_instance = Vec::with_capacity(stmts.len());
    let mut mark = |i: usize, r: &Reader, before: usize| {
        if r.diags[before..].iter().any(Diagnostic::is_error) && failing.last() != Some(&i) {
            failing.push(i);
        }
    };
    for (i, s) in stmts.iter().enumerate() {
        bounded(i)?;
        let before = r.diags.len();
        first_instance.push(r.declare(s));
        mark(i, &r, before);
    }
    // Pass 2 only reads what pass 1 declared: for a large read, index it by hash for the
    // checks. A small one (a REPL `:assert`) looks names up in the maps: copying a
    // 75,000-user instance into the index cost 200 ms per `:assert`.
    if stmts.len() >= KNOWN_FROM {
        r.known = Known::new(&r.users, &r.tenants, &r.resources);
    }
    let created = (first_instance.iter().position(|&f| f)).map(|c| (c, stmts[c].span.file));
    // Each statement is dropped once desugared: its strings and the facts made of them
    // are not held at once.
    for (i, (s, first)) in stmts.into_iter().zip(first_instance).enumerate() {
        bounded(i)?;
        // S2: a statement of an earlier read, or of a later file of this one, comes after
        // the instance was created (within one file declarations are order-independent).
        r.after_creation = inst.instance.is_some()
            || created.is_some_and(|(c, file)| i > c && file != s.span.file);
        let before = r.diags.len();
        r.desugar(&s, first);
        mark(i, &r, before);
    }
    if r.diags.iter().any(Diagnostic::is_error) {
        return Err(r.diags);
    }
    Ok(Changes {
        add: r.add,
        remove: Vec::new(),
        actions: r.actions,
        warnings: r.diags,
    })
}

/// Every few thousand statements: has the command's `--timeout` passed (or Ctrl-C)? A
/// read is part of the command it bounds (E0402, E0403).
fn bounded(i: usize) -> Result<(), Vec<Diagnostic>> {
    if i.is_multiple_of(2048) {
        crate::engine::limits::check().map_err(|e| vec![e.to_diagnostic()])?;
    }
    Ok(())
}

pub(super) struct Reader<'a> {
    pub(super) sources: &'a SourceMap,
    pub(super) users: Arc<BTreeMap<String, Span>>,
    pub(super) tenants: Arc<BTreeMap<String, Span>>,
    pub(super) resources: Arc<BTreeMap<(String, String), (String, Span)>>,
    pub(super) instance: Option<Span>,
    pub(super) diags: Vec<Diagnostic>,
    /// Facts that hold wherever they are stated, in statement order (unless `sink`).
    pub(super) add: Vec<BaseFact>,
    /// Takes each fact of `add` instead, as it comes ([`read_streaming`]).
    pub(super) sink: Option<&'a mut dyn FnMut(BaseFact)>,
    /// Grants, revocations and their run-as forms, in statement order.
    pub(super) actions: Vec<Action>,
    /// Positions in `actions` of grants and run-as grants, by a hash of the relation and
    /// the leading values a revocation names ([`revoke_hash`]), so that a revocation does
    /// not scan every grant read so far. Keyed by hash, not by owned copies of the values
    /// (five allocations per grant); a revocation checks each grant it finds.
    pub(super) revocable: FxHashMap<u64, Vec<usize>>,
    /// Grants loaded by earlier reads and still in force.
    pub(super) prior_grants: super::shared::SharedList,
    pub(super) prior_run_as: super::shared::SharedList,
    /// The statement being desugared comes after the instance was created (S2).
    pub(super) after_creation: bool,
    /// The declared names, hashed, for pass 2's checks (the maps above keep the order
    /// that "did you mean" and the instance need). Empty during pass 1.
    pub(super) known: Known,
}

/// Users, tenants and resources (with their kind) by hash: a check in pass 2 is one
/// probe rather than a BTreeMap descent of string compares (6% of a 75k-user load).
#[derive(Default)]
pub(super) struct Known {
    /// False for a small read: the checks use the reader's maps.
    pub(super) built: bool,
    pub(super) users: rustc_hash::FxHashSet<String>,
    pub(super) tenants: rustc_hash::FxHashSet<String>,
    resources: hashbrown::HashMap<(String, String), String, rustc_hash::FxBuildHasher>,
}

/// A borrowed `(tenant, name)` key that finds an owned one.
#[derive(Hash)]
struct Pair<'a>(&'a str, &'a str);

impl hashbrown::Equivalent<(String, String)> for Pair<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// Reads of at least this many statements index the declared names (see [`Known`]).
const KNOWN_FROM: usize = 4096;

impl Known {
    fn new(
        users: &BTreeMap<String, Span>,
        tenants: &BTreeMap<String, Span>,
        resources: &BTreeMap<(String, String), (String, Span)>,
    ) -> Known {
        Known {
            built: true,
            users: users.keys().cloned().collect(),
            tenants: tenants.keys().cloned().collect(),
            resources: resources
                .iter()
                .map(|(k, (kind, _))| (k.clone(), kind.clone()))
                .collect(),
        }
    }

    /// The kind of resource `name` in `tenant`, if declared.
    pub(super) fn resource(&self, tenant: &str, name: &str) -> Option<&str> {
        self.resources.get(&Pair(tenant, name)).map(String::as_str)
    }
}

/// How many leading values of a `relation` fact a revocation names (grant: tenant,
/// resource, grantee, permission; run-as grant: identity, grantee).
fn revoke_key_len(relation: &str) -> Option<usize> {
    match relation {
        "grant" => Some(4),
        "run_as_grant" => Some(2),
        _ => None,
    }
}

/// The key of [`Reader::revocable`]: the relation and leading values, hashed.
fn revoke_hash<'c>(relation: &str, values: impl Iterator<Item = &'c Const>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    relation.hash(&mut h);
    for v in values {
        v.hash(&mut h);
    }
    h.finish()
}

fn sym(s: &str) -> Const {
    Const::Sym(s.to_owned())
}

impl Reader<'_> {
    /// Pass 1: record what the statement declares. Returns whether it is the first
    /// `instance` statement (only that one desugars).
    fn declare(&mut self, s: &Stmt) -> bool {
        match &s.kind {
            StmtKind::User { id, .. } => match self.users.get(&id.text) {
                Some(&e) => self.duplicate(format!("user \"{}\"", id.text), e, id.span),
                None => {
                    Arc::make_mut(&mut self.users).insert(id.text.clone(), s.span);
                }
            },
            StmtKind::Tenant { name, .. } => match self.tenants.get(&name.text) {
                Some(&e) => self.duplicate(format!("tenant \"{}\"", name.text), e, name.span),
                None => {
                    Arc::make_mut(&mut self.tenants).insert(name.text.clone(), s.span);
                }
            },
            StmtKind::Resource {
                name,
                tenant,
                fields,
            } => {
                let key = (tenant.text.clone(), name.text.clone());
                match self.resources.get(&key) {
                    Some(&(_, e)) => self.duplicate(
                        format!("resource \"{}\" in {}", name.text, tenant.text),
                        e,
                        name.span,
                    ),
                    None => {
                        let kind = fields
                            .iter()
                            .find(|f| f.name.text == "type")
                            .and_then(|f| f.values.first())
                            .and_then(|k| names::kind(k).ok())
                            .unwrap_or("");
                        Arc::make_mut(&mut self.resources).insert(key, (kind.to_owned(), s.span));
                    }
                }
            }
            StmtKind::Instance { .. } => match self.instance {
                Some(e) => {
                    let at = self.at(e, s.span);
                    self.diags.push(
                        Diagnostic::error(
                            "F0201",
                            format!(
                                "instance roles are fixed when the instance is created (S2); first declared at {at}"
                            ),
                        )
                        .at(s.span)
                        .label("a second instance statement")
                        .help("state every instance role in the one `instance` statement"),
                    );
                }
                None => {
                    self.instance = Some(s.span);
                    return true;
                }
            },
            StmtKind::Raw { relation, values } => {
                let v: Vec<&str> = values
                    .iter()
                    .map(|(c, _)| match c {
                        Const::Sym(s) => s.as_str(),
                        Const::Num(_) => "",
                    })
                    .collect();
                match (relation.text.as_str(), v.as_slice()) {
                    ("instance_role", _) => {
                        let msg = match self.instance {
                            Some(e) => format!(
                                "instance roles are fixed when the instance is created (S2); first declared at {}",
                                self.at(e, s.span)
                            ),
                            None => "instance roles are fixed when the instance is created (S2); state them in the instance statement".to_owned(),
                        };
                        self.diags.push(
                            Diagnostic::error("F0201", msg)
                                .at(s.span)
                                .label("a raw instance_role fact")
                                .help("list the role in the `instance` statement, e.g. `instance operator: iamgroot.`"),
                        );
                    }
                    ("user", [u, _]) => {
                        Arc::make_mut(&mut self.users)
                            .entry((*u).to_owned())
                            .or_insert(s.span);
                    }
                    ("tenant", [t]) => {
                        Arc::make_mut(&mut self.tenants)
                            .entry((*t).to_owned())
                            .or_insert(s.span);
                    }
                    ("resource", [t, k, r, _, _]) => {
                        Arc::make_mut(&mut self.resources)
                            .entry(((*t).to_owned(), (*r).to_owned()))
                            .or_insert(((*k).to_owned(), s.span));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        false
    }

    pub(super) fn push(&mut self, relation: &str, values: &[&str], span: Span) {
        self.add_fact(BaseFact::new(relation, values, span));
    }

    fn add_fact(&mut self, f: BaseFact) {
        if let Some(k) = revoke_key_len(&f.relation).filter(|&k| f.values.len() > k) {
            let key = revoke_hash(&f.relation, f.values[..k].iter());
            self.revocable
                .entry(key)
                .or_default()
                .push(self.actions.len());
            let kind = if f.relation == "grant" {
                ActionKind::Grant
            } else {
                ActionKind::RunAsGrant
            };
            self.actions.push(Action {
                kind,
                fact: f,
                targets: Vec::new(),
            });
            return;
        }
        match &mut self.sink {
            Some(sink) => sink(f),
            None => self.add.push(f),
        }
    }

    /// A revocation, in order: its record and the grants it removes if it takes effect.
    fn push_revocation(&mut self, kind: ActionKind, record: BaseFact, targets: Vec<BaseFact>) {
        self.actions.push(Action {
            kind,
            fact: record,
            targets,
        });
    }

    pub(super) fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Pass 2: check one statement and produce its facts.
    fn desugar(&mut self, s: &Stmt, first_instance: bool) {
        match &s.kind {
            StmtKind::User { id, fields } => self.user(s, id, fields),
            StmtKind::Instance { clauses } => {
                let mut facts = Vec::new();
                for (role, users) in clauses {
                    let role = match names::instance_role(role) {
                        Ok(r) => Some(r),
                        Err(d) => {
                            self.error(d);
                            None
                        }
                    };
                    for u in users {
                        if self.check_user(u) {
                            if let Some(r) = role {
                                facts.push((u.text.clone(), r, u.span));
                            }
                        }
                    }
                }
                // Each role cites where its user is named (in a table: the user's row).
                if first_instance {
                    for (u, r, at) in facts {
                        self.push("instance_role", &[&u, r], at);
                    }
                }
            }
            StmtKind::Tenant { name, delegates } => {
                self.push("tenant", &[&name.text], s.span);
                if *delegates {
                    self.push("onboarding_delegated", &[&name.text], s.span);
                }
            }
            StmtKind::Invite {
                user,
                tenant,
                by,
                roles,
            } => {
                self.check_user(user);
                self.check_tenant(tenant);
                self.check_user(by);
                self.push("invited", &[&user.text, &tenant.text, &by.text], s.span);
                self.roles(user, tenant, roles);
            }
            StmtKind::Role {
                user,
                tenant,
                roles,
            } => {
                self.check_user(user);
                self.check_tenant(tenant);
                self.roles(user, tenant, roles);
            }
            StmtKind::Resource {
                name,
                tenant,
                fields,
            } => self.resource(s, name, tenant, fields),
            StmtKind::Grant {
                perms,
                resource,
                tenant,
                grantee,
                by,
            } => {
                let perms = self.target(perms, resource, tenant, grantee, by);
                for p in perms {
                    self.push(
                        "grant",
                        &[&tenant.text, &resource.text, &grantee.text, p, &by.text],
                        s.span,
                    );
                }
            }
            StmtKind::RunAsGrant {
                identity,
                grantee,
                by,
            } => {
                self.check_user(identity);
                self.check_user(grantee);
                self.check_user(by);
                self.push(
                    "run_as_grant",
                    &[&identity.text, &grantee.text, &by.text],
                    s.span,
                );
            }
            StmtKind::Revoke {
                perms,
                resource,
                tenant,
                grantee,
                by,
            } => {
                let before = self.diags.len();
                let perms = self.target(perms, resource, tenant, grantee, by);
                let checked = self.diags.len() == before;
                for p in perms {
                    let key = [tenant.text.as_str(), &resource.text, &grantee.text, p];
                    let targets = self.revocable_by("grant", &key);
                    let n = targets.len();
                    // Only a revocation that names real things can be "nothing to revoke".
                    if n == 0 && checked {
                        self.diags.push(
                            Diagnostic::warning(
                                "F0501",
                                format!(
                                    "nothing to revoke: no earlier grant of {p} on {} to {}",
                                    resource.text, grantee.text
                                ),
                            )
                            .at(s.span)
                            .label("revokes nothing")
                            .help("a revocation removes only grants stated before it; the revocation is still recorded"),
                        );
                    }
                    let record = BaseFact::new(
                        "revoked_grant",
                        &[&tenant.text, &resource.text, &grantee.text, p, &by.text],
                        s.span,
                    );
                    self.push_revocation(ActionKind::Revoke, record, targets);
                }
            }
            StmtKind::RunAsRevoke {
                identity,
                grantee,
                by,
            } => {
                let known: Vec<bool> = [identity, grantee, by]
                    .into_iter()
                    .map(|u| self.check_user(u))
                    .collect();
                let checked = known.iter().all(|k| *k);
                let targets = self.revocable_by("run_as_grant", &[&identity.text, &grantee.text]);
                let n = targets.len();
                if n == 0 && checked {
                    self.diags.push(
                        Diagnostic::warning(
                            "F0501",
                            format!(
                                "nothing to revoke: no earlier run-as grant of {} to {}",
                                identity.text, grantee.text
                            ),
                        )
                        .at(s.span)
                        .label("revokes nothing")
                        .help("a revocation removes only grants stated before it; the revocation is still recorded"),
                    );
                }
                let record = BaseFact::new(
                    "revoked_run_as",
                    &[&identity.text, &grantee.text, &by.text],
                    s.span,
                );
                self.push_revocation(ActionKind::RunAsRevoke, record, targets);
            }
            StmtKind::Raw { relation, values } => {
                if relation.text != "instance_role" {
                    self.add_fact(BaseFact {
                        relation: relation.text.clone(),
                        values: values.iter().map(|(c, _)| c.clone()).collect(),
                        span: s.span,
                    });
                }
            }
        }
    }

    /// Every earlier `relation` fact (of this read, or of earlier reads and in force) whose
    /// leading values are `key`: what a revocation removes if it takes effect. Nothing is
    /// removed here: whether it takes effect is decided when it is applied, in order.
    fn revocable_by(&mut self, relation: &str, key: &[&str]) -> Vec<BaseFact> {
        let matches = |f: &BaseFact| {
            f.relation == relation
                && f.values.len() > key.len()
                && f.values.iter().zip(key).all(|(v, k)| *v == sym(k))
        };
        let named: Vec<Const> = key.iter().map(|k| sym(k)).collect();
        let index_key = revoke_hash(relation, named.iter());
        let mut out: Vec<BaseFact> = Vec::new();
        let prior = if relation == "grant" {
            &self.prior_grants
        } else {
            &self.prior_run_as
        };
        let (first, second) = (key.first().map(|k| sym(k)), key.get(1).map(|k| sym(k)));
        out.extend(prior.find_where(
            super::shared::key(relation, first.as_ref(), second.as_ref()),
            matches,
        ));
        if let Some(slots) = self.revocable.get(&index_key) {
            // Slots of another key with the same hash are for their own revocation.
            out.extend(
                slots
                    .iter()
                    .map(|&i| &self.actions[i].fact)
                    .filter(|f| matches(f))
                    .cloned(),
            );
        }
        out
    }

    /// Checks the names of a grant or revocation; returns its normalised permissions.
    fn target(
        &mut self,
        perms: &[Words],
        resource: &Name,
        tenant: &Name,
        grantee: &Name,
        by: &Name,
    ) -> Vec<&'static str> {
        let mut out = Vec::new();
        for p in perms {
            match names::permission(p) {
                Ok(p) => out.push(p),
                Err(d) => self.error(d),
            }
        }
        if self.check_tenant(tenant) {
            self.check_resource(&tenant.text, &resource.text, resource.span);
        }
        self.check_user(grantee);
        self.check_user(by);
        out
    }

    fn roles(&mut self, user: &Name, tenant: &Name, roles: &[Words]) {
        for r in roles {
            match names::tenant_role(r, &tenant.text) {
                Ok(role) => self.push("tenant_role", &[&user.text, &tenant.text, role], r.span),
                Err(d) => self.error(d),
            }
        }
    }
}
