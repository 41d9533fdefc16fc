//! The change of an instance found from the texts, without reading NEW: OLD's and NEW's
//! `.facts` files are compared statement by statement ([`Aligned`]), only the statements
//! that differ are parsed, and the history is read again only where the change can reach
//! it. Grants and revocations are decided in order, each by its actor's right at its
//! point of the history; a change can reach the check of a later action. The rules say
//! which checks a fact can change (`history::touched_check_patterns`); when every check a
//! changed fact reaches is about named tenants, and every action's effect reaches only
//! checks about its own tenant (read off the rules, not assumed), the actions of other
//! tenants keep OLD's outcome, and those of the reached tenants are read again, in NEW's
//! order, on OLD's model in a transaction: their effects taken out, NEW's statements
//! about those tenants applied through the ordered reading, the result compared, and
//! the transaction rolled back. Anything else (a declaration removed, a run-as action, a
//! check not about a tenant, a file that is not `.facts`) gives `None`: the caller reads
//! NEW in full.

use super::aligned::{naming, Aligned};
use super::{FactChange, Stated};
use crate::diag::Diagnostic;
use crate::engine::{EvalError, Limits, Model, Origin, Value};
use crate::explain::Fact;
use crate::facts::{BaseFact, Instance, Stmt, StmtKind};
use crate::load::Text;
use crate::program::RelId;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::Const;
use rustc_hash::FxHashSet;

/// The relations the actions of a tenant leave in the model (what a read of them again
/// takes out and puts back).
const ACTION_RELATIONS: &[&str] = &[
    "grant",
    "revoked_grant",
    "refused_grant",
    "refused_revocation",
];

/// What the comparison of the texts found.
pub struct Replayed {
    pub change: FactChange,
    /// NEW's warnings: OLD's, moved to where NEW states them, and those of the statements
    /// read again.
    pub warnings: Vec<Diagnostic>,
    /// Per fact file (in order), OLD's and NEW's texts aligned.
    pub files: Vec<Aligned>,
}

impl Replayed {
    /// Where a span of OLD's fact file `file` (by its place among the fact files) is in
    /// NEW's, if its statement is in both.
    pub fn to_new(&self, file: usize, span: Span) -> Option<Span> {
        let a = self.files.get(file)?;
        let start = a.to_new(span.start as usize)?;
        let end = a.to_new(span.end.saturating_sub(1) as usize)? + 1;
        Some(Span {
            start: start as u32,
            end: (end as u32).max(start as u32),
            ..span
        })
    }
}

/// `first`: the FileId of the first fact file (rule files come before them, the same on
/// both sides). `old_warnings`: OLD's read's warnings. `None`: the change is not one this
/// reads (the caller reads NEW in full); `Err`: a limit reached while applying.
pub fn replay(
    model: &mut Model,
    old: &[Text],
    new: &[Text],
    first: u32,
    old_warnings: &[Diagnostic],
    limits: &Limits,
) -> Option<Result<Replayed, EvalError>> {
    if old.len() != new.len() {
        return None;
    }
    let facts_file =
        |t: &Text| crate::import::source_of(&t.name, &t.text) == Some(crate::import::Source::Facts);
    if !old.iter().chain(new).all(facts_file) {
        return None;
    }
    let files: Vec<Aligned> = old
        .iter()
        .zip(new)
        .map(|(o, n)| Aligned::of(&o.text, &n.text))
        .collect();
    let id = |k: usize| FileId(first + k as u32);
    // The statements that differ, parsed; any diagnostic: the full read reports it.
    let mut removed: Vec<Stmt> = Vec::new();
    let mut added: Vec<Stmt> = Vec::new();
    for (k, a) in files.iter().enumerate() {
        for (list, ranges, text) in [
            (&mut removed, &a.removed, &old[k].text),
            (&mut added, &a.added, &new[k].text),
        ] {
            for r in ranges {
                if text[r.clone()].contains('\\') {
                    return None;
                }
                let (stmts, diags) = crate::facts::parse_range(text, r.clone(), id(k));
                if !diags.is_empty() {
                    return None;
                }
                list.extend(stmts);
            }
        }
    }
    let mut tenants: Vec<String> = Vec::new();
    for s in removed.iter().chain(&added) {
        match &s.kind {
            StmtKind::Invite { tenant, .. }
            | StmtKind::Role { tenant, .. }
            | StmtKind::Grant { tenant, .. }
            | StmtKind::Revoke { tenant, .. } => tenants.push(tenant.text.clone()),
            // Declarations name what the other statements are checked against; run-as
            // actions are not about a tenant; raw facts may be anything.
            _ => return None,
        }
    }
    let base = instance_of(model);
    let desugar = |stmts: Vec<Stmt>, sources: &SourceMap| {
        base.forgetting(&stmts)
            .read_parsed(sources, vec![(stmts, Vec::new())])
            .ok()
    };
    let (old_sources, new_sources) = (sources(old, first), sources(new, first));
    let gone = desugar(removed, &old_sources)?;
    let came = desugar(added, &new_sources)?;
    // The tenants whose checks the change reaches.
    for f in gone.add.iter().chain(&came.add) {
        tenants.extend(reached_tenants(model, f)?);
    }
    tenants.sort();
    tenants.dedup();
    if !tenant_local(model, &tenants) {
        return None;
    }
    // Every statement of NEW about those tenants, in order, read as one.
    let mut about: Vec<Stmt> = Vec::new();
    for (k, a) in files.iter().enumerate() {
        let text = &new[k].text;
        let mut at: Vec<usize> = tenants
            .iter()
            .flat_map(|t| naming(text, &a.new_statements, t))
            .collect();
        at.sort_unstable();
        at.dedup();
        for i in at {
            let r = a.new_statements[i].clone();
            let (stmts, diags) = crate::facts::parse_range(text, r, id(k));
            if !diags.is_empty() {
                return None;
            }
            about.extend(stmts);
        }
    }
    let mut statements: Vec<Stmt> = Vec::new();
    for s in about {
        match &s.kind {
            StmtKind::Grant { tenant, .. }
            | StmtKind::Revoke { tenant, .. }
            | StmtKind::Invite { tenant, .. }
            | StmtKind::Role { tenant, .. }
                if tenants.contains(&tenant.text) =>
            {
                statements.push(s)
            }
            StmtKind::Grant { .. }
            | StmtKind::Revoke { .. }
            | StmtKind::Invite { .. }
            | StmtKind::Role { .. } => {}
            StmtKind::Raw { relation, .. }
                if crate::facts::ActionKind::of_relation(&relation.text).is_some()
                    || crate::facts::ActionKind::of_refused(&relation.text).is_some() =>
            {
                return None
            }
            // A raw fact may state what a removed statement stated.
            StmtKind::Raw { relation, .. }
                if !matches!(
                    relation.text.as_str(),
                    "user" | "tenant" | "resource" | "instance_role"
                ) =>
            {
                statements.push(s)
            }
            // Declarations are unchanged (a changed one gave `None` above), and what they
            // state does not depend on the order.
            _ => {}
        }
    }
    let read = desugar(statements, &new_sources)?;
    let stated_new: FxHashSet<(&str, &[Const])> = read
        .add
        .iter()
        .map(|f| (f.relation.as_str(), f.values.as_slice()))
        .collect();
    let mut change = FactChange::default();
    // Facts that hold wherever they are stated: gone when no statement of NEW states them.
    for f in &gone.add {
        if stated_new.contains(&(f.relation.as_str(), f.values.as_slice())) {
            continue;
        }
        if let Some(span) = base_span(model, f) {
            change.removed.push(stated(f, span));
        }
    }
    let mut seen: FxHashSet<(&str, &[Const])> = FxHashSet::default();
    for f in &read.add {
        if came.add.iter().any(|c| c.same_tuple(f))
            && base_span(model, f).is_none()
            && seen.insert((f.relation.as_str(), f.values.as_slice()))
        {
            change.added.push(stated(f, f.span));
        }
    }
    // The actions of those tenants read again on OLD's model, in a transaction.
    let acts = match actions_again(model, &tenants, &change, &read.actions, first, limits) {
        Ok(a) => a,
        Err(e) => return Some(Err(e)),
    };
    change.removed.extend(acts.removed);
    change.added.extend(acts.added);
    for list in [&mut change.added, &mut change.removed] {
        list.sort_by(|a, b| {
            (a.span.file.0, a.span.start, &a.fact).cmp(&(b.span.file.0, b.span.start, &b.fact))
        });
    }
    let replayed = Replayed {
        change,
        warnings: Vec::new(),
        files,
    };
    let warnings = moved_warnings(&replayed, old_warnings, first, &tenants, old, read.warnings);
    Some(Ok(Replayed {
        warnings,
        ..replayed
    }))
}

/// The sources a side's fact files are cited in: rule files' places left empty.
fn sources(texts: &[Text], first: u32) -> SourceMap {
    let mut map = SourceMap::new();
    for _ in 0..first {
        map.add("", "");
    }
    for t in texts {
        map.add(t.name.clone(), t.text.clone());
    }
    map
}

/// Users, tenants and resources as OLD's model states them: what the statements read
/// again are checked against (they name nothing else).
fn instance_of(model: &Model) -> Instance {
    let program = model.program();
    let mut add = Vec::new();
    for (name, arity) in [("user", 2), ("tenant", 1), ("resource", 5)] {
        let Some(rel) = program
            .relation(name)
            .filter(|&r| program.arity(r) == arity)
        else {
            continue;
        };
        for (row, span) in model.base_facts(rel) {
            add.push(BaseFact {
                relation: name.to_owned(),
                values: row.iter().map(|&v| model.constant(v).clone()).collect(),
                span,
            });
        }
    }
    let mut inst = Instance::new();
    inst.apply(&crate::facts::Changes {
        add,
        ..crate::facts::Changes::default()
    });
    inst
}

/// Where OLD's model states `f` as a base fact, if it does.
fn base_span(model: &Model, f: &BaseFact) -> Option<Span> {
    let rel = model.program().relation(&f.relation)?;
    let values: Option<Vec<Value>> = f.values.iter().map(|c| model.symbols().get(c)).collect();
    match model.origin(rel, &values?)? {
        Origin::Base(span) => Some(span),
        Origin::Derived { .. } => None,
    }
}

fn stated(f: &BaseFact, span: Span) -> Stated {
    Stated {
        fact: Fact {
            relation: f.relation.clone(),
            values: f.values.clone(),
        },
        span,
    }
}

/// The tenants of the check tuples a change of `f` can reach; `None` when one is not
/// about a known tenant (any tenant, or a check with no tenant).
fn reached_tenants(model: &Model, f: &BaseFact) -> Option<Vec<String>> {
    let rel = model.program().relation(&f.relation)?;
    let pattern: Vec<Option<Value>> = f.values.iter().map(|c| model.symbols().get(c)).collect();
    let mut out = Vec::new();
    for (check, pat) in crate::history::touched_check_patterns(model, rel, &pattern) {
        let col = tenant_column(model, check)?;
        match pat[col] {
            Some(v) => match model.constant(v) {
                Const::Sym(t) => out.push(t.clone()),
                Const::Num(_) => return None,
            },
            None => return None,
        }
    }
    Some(out)
}

fn tenant_column(model: &Model, rel: RelId) -> Option<usize> {
    model
        .program()
        .columns(rel)
        .iter()
        .position(|c| c == super::TENANT_COLUMN)
}

/// Whether an action's effect in each of `tenants` reaches only checks about that same
/// tenant (read off the rules): then the other tenants' actions cannot tell.
fn tenant_local(model: &Model, tenants: &[String]) -> bool {
    let program = model.program();
    for t in tenants {
        let Some(v) = model.symbols().get(&Const::Sym(t.clone())) else {
            return false;
        };
        for name in ACTION_RELATIONS {
            let Some(rel) = program.relation(name) else {
                continue;
            };
            let Some(col) = tenant_column(model, rel) else {
                return false;
            };
            let mut pattern = vec![None; program.arity(rel)];
            pattern[col] = Some(v);
            for (check, pat) in crate::history::touched_check_patterns(model, rel, &pattern) {
                if tenant_column(model, check).is_none_or(|c| pat[c] != Some(v)) {
                    return false;
                }
            }
        }
    }
    true
}

/// The action facts of `tenants` OLD's model states and NEW's reading of `actions` gives.
#[derive(Default)]
struct Acts {
    removed: Vec<Stated>,
    added: Vec<Stated>,
}

/// In a transaction on `model`: the facts `change` names changed, the action facts of
/// `tenants` the fact files (from FileId `first`) state taken out, `actions` applied in order through the ordered reading, and the
/// action facts compared; then rolled back.
fn actions_again(
    model: &mut Model,
    tenants: &[String],
    change: &FactChange,
    actions: &[crate::facts::Action],
    first: u32,
    limits: &Limits,
) -> Result<Acts, EvalError> {
    let program = std::sync::Arc::clone(model.program_arc());
    let values: FxHashSet<Value> = tenants
        .iter()
        .filter_map(|t| model.symbols().get(&Const::Sym(t.clone())))
        .collect();
    let facts_of = |model: &Model| -> Vec<(RelId, Vec<Value>, Span)> {
        let mut out = Vec::new();
        for name in ACTION_RELATIONS {
            let Some(rel) = program.relation(name) else {
                continue;
            };
            let Some(col) = tenant_column(model, rel) else {
                continue;
            };
            for (row, span) in model.base_facts(rel) {
                // A rule file's facts are no statement's: they stay.
                if span.file.0 >= first && values.contains(&row[col]) {
                    out.push((rel, row.to_vec(), span));
                }
            }
        }
        out
    };
    model.begin();
    let before = facts_of(model);
    for (rel, row, _) in &before {
        model.retract_fact(*rel, row);
    }
    let mut tuple = Vec::new();
    for s in &change.removed {
        if let Some(rel) = program.relation(&s.fact.relation) {
            tuple.clear();
            tuple.extend(s.fact.values.iter().map(|c| model.intern(c)));
            model.retract_fact(rel, &tuple);
        }
    }
    for s in &change.added {
        if let Some(rel) = program.relation(&s.fact.relation) {
            tuple.clear();
            tuple.extend(s.fact.values.iter().map(|c| model.intern(c)));
            model.add_fact(rel, &tuple, s.span);
        }
    }
    if let Err(e) = crate::history::apply(model, actions, limits, false) {
        model.rollback();
        return Err(e);
    }
    let after = facts_of(model);
    let fact = |model: &Model, rel: RelId, row: &[Value], span: Span| Stated {
        fact: Fact {
            relation: program.relation_name(rel).to_string(),
            values: row.iter().map(|&v| model.constant(v).clone()).collect(),
        },
        span,
    };
    let key = |(rel, row, _): &(RelId, Vec<Value>, Span)| (*rel, row.clone());
    let had: FxHashSet<(RelId, Vec<Value>)> = before.iter().map(key).collect();
    let has: FxHashSet<(RelId, Vec<Value>)> = after.iter().map(key).collect();
    let mut acts = Acts::default();
    for f in &before {
        if !has.contains(&key(f)) {
            acts.removed.push(fact(model, f.0, &f.1, f.2));
        }
    }
    for f in &after {
        if !had.contains(&key(f)) {
            acts.added.push(fact(model, f.0, &f.1, f.2));
        }
    }
    model.rollback();
    Ok(acts)
}

/// NEW's warnings: OLD's where NEW has the same statement (moved there), except those
/// about the tenants read again, whose warnings are `again`'s; in order of place.
fn moved_warnings(
    r: &Replayed,
    old_warnings: &[Diagnostic],
    first: u32,
    tenants: &[String],
    old: &[Text],
    again: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let about: Vec<Vec<std::ops::Range<usize>>> = r
        .files
        .iter()
        .enumerate()
        .map(|(k, a)| {
            tenants
                .iter()
                .flat_map(|t| naming(&old[k].text, &a.old_statements, t))
                .map(|i| a.old_statements[i].clone())
                .collect()
        })
        .collect();
    let mut out: Vec<Diagnostic> = Vec::new();
    for d in old_warnings {
        let Some(span) = d.span else {
            out.push(d.clone());
            continue;
        };
        let Some(k) = span.file.0.checked_sub(first).map(|k| k as usize) else {
            out.push(d.clone());
            continue;
        };
        if about
            .get(k)
            .is_some_and(|rs| rs.iter().any(|r| r.contains(&(span.start as usize))))
        {
            continue;
        }
        let Some(moved) = r.to_new(k, span) else {
            continue;
        };
        let mut d = d.clone();
        d.span = Some(moved);
        d.related = d
            .related
            .iter()
            .filter_map(|(s, l)| {
                let k = s.file.0.checked_sub(first)? as usize;
                Some((r.to_new(k, *s)?, l.clone()))
            })
            .collect();
        out.push(d);
    }
    out.extend(again);
    out.sort_by_key(|d| d.span.map(|s| (s.file.0, s.start)));
    out
}
