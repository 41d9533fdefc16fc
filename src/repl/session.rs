//! What a what-if session changed, kept: `:changes` lists the statements it added and
//! removed since it opened and the decisions that differ; `:save FILE` writes them as a
//! `.facts` file that, loaded after the session's inputs, gives the session's model.
//!
//! Nothing is recorded per change: the session's inputs (the fact texts it opened with)
//! are read again, without evaluation, and compared with the model fact by fact
//! ([`FactChange`]); the decisions as they were are the model with that change undone,
//! maintained incrementally on a copy. So the cost is one read of the inputs and the
//! change's own, only when asked.

use super::Repl;
use crate::diag::Diagnostic;
use crate::diff::{self, Diff, FactChange, Stated};
use crate::engine::Model;
use crate::explain::Fact;
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use crate::workspace::Workspace;
use std::fmt::Write as _;

type Result<T> = std::result::Result<T, Vec<Diagnostic>>;

/// The session's inputs read again: the model they state (not evaluated) and its sources.
fn opened(repl: &Repl, ws: &Workspace) -> Result<Workspace> {
    let n = repl.opened_facts.unwrap_or(0).min(ws.fact_texts.len());
    crate::inputs::read(&ws.rule_texts, ws.fact_texts[..n].to_vec(), &ws.limits).map_err(|f| {
        vec![Diagnostic::error(
            "E0802",
            crate::diag::render_all(&f.diagnostics, &f.sources)
                .trim_end()
                .to_string(),
        )]
    })
}

/// `:changes`: the statements added and removed since the session opened, then the
/// decisions that differ (a diff without proofs).
pub(super) fn changes(repl: &Repl, ws: &Workspace) -> Result<String> {
    let before = opened(repl, ws)?;
    let change = FactChange::between(&before.model, &ws.model);
    if change.is_empty() {
        return Ok("no change since the session opened\n".into());
    }
    let mut out = Vec::new();
    let _ = change.write_text(&before.sources, &ws.sources, &mut out);
    let old = undone(ws, &change)?;
    let diff = Diff::compute(&old, &ws.model);
    let decisions = decision_relations(&ws.model);
    let include = |r: &str| decisions.iter().any(|d| d == r);
    let _ = diff::write_text(&diff, &ws.sources, &ws.sources, &include, &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The model as the session opened it: `change` undone on a copy and maintained.
fn undone(ws: &Workspace, change: &FactChange) -> Result<Model> {
    let mut old = ws.model.successor();
    let inverse = FactChange {
        added: change.removed.clone(),
        removed: change.added.clone(),
    };
    let placed = inverse.apply(&mut old, |s| s);
    if let Err(diff::Unplaced(rel)) = placed {
        return Err(vec![Diagnostic::error(
            "E0802",
            format!("the session's inputs state `{rel}`, which these rules do not declare"),
        )]);
    }
    old.evaluate(&ws.limits)
        .map_err(|e| vec![crate::load::eval_diagnostic(e)])?;
    Ok(old)
}

/// The relations the model's rules declare `@decision` (all derived relations when they
/// declare none):
/// what `:changes` and `grantlog diff` of fact sets list by default.
pub fn decision_relations(model: &Model) -> Vec<String> {
    let p = model.program();
    let declared: Vec<String> = (p.decisions())
        .map(|r| p.relation_name(r).to_string())
        .collect();
    if !declared.is_empty() {
        return declared;
    }
    (p.relations().filter(|&r| p.is_derived(r)))
        .map(|r| p.relation_name(r).to_string())
        .collect()
}

/// `:save FILE`: the session's change as a `.facts` file.
pub(super) fn save(repl: &Repl, ws: &Workspace, path: &str) -> Result<String> {
    if path.is_empty() {
        return Err(vec![Diagnostic::error("E0801", "`:save` needs a file")
            .help("for example `:save what-if.facts`")]);
    }
    let before = opened(repl, ws)?;
    let change = FactChange::between(&before.model, &ws.model);
    let (text, unsaved) = facts_text(&change, &ws.model, &ws.sources);
    if let Err(e) = std::fs::write(path, &text) {
        return Err(vec![Diagnostic::error(
            "E0003",
            format!("cannot write `{path}`: {e}"),
        )
        .help("check the directory exists and is writable")]);
    }
    let mut out = format!(
        "saved {} added and {} removed fact{} to {path}; load it after the session's inputs \
         (`grantlog repl INPUTS {path}`), or see it with `grantlog diff --old-facts INPUTS INPUTS {path}`\n",
        change.added.len(),
        change.removed.len(),
        if change.added.len() + change.removed.len() == 1 { "" } else { "s" },
    );
    if !unsaved.is_empty() {
        let _ = writeln!(
            out,
            "note: {} removed fact{} cannot be written as a .facts statement (only grants and \
             run-as grants are revoked); the file lists {} as comments:",
            unsaved.len(),
            if unsaved.len() == 1 { "" } else { "s" },
            if unsaved.len() == 1 { "it" } else { "them" },
        );
        for f in &unsaved {
            let _ = writeln!(out, "  {f}");
        }
    }
    Ok(out)
}

/// The `.facts` text of a change, and the removed facts no statement can remove.
///
/// What the session stated itself (`:assert`) is written as it was typed, in order; other
/// added facts (from `:load`) as raw facts. A grant removed without a revocation
/// (`:retract`) is revoked by its grantor (which states that revocation too), before the
/// statements. A `revoke` removes every earlier matching grant: the grants the session
/// still holds that a written revocation would remove are stated again at the end.
pub fn facts_text(
    change: &FactChange,
    model: &Model,
    new_sources: &SourceMap,
) -> (String, Vec<Fact>) {
    let v = |f: &Fact, i: usize| f.values[i].to_string();
    let mut revokes: Vec<String> = Vec::new();
    let mut unsaved = Vec::new();
    // A grant the session revoked is removed by its typed `revoke`, written below.
    let revoked = |g: &Fact| {
        change.added.iter().any(|s| {
            let r = &s.fact;
            (r.relation == "revoked_grant"
                && g.relation == "grant"
                && r.values[..4] == g.values[..4])
                || (r.relation == "revoked_run_as"
                    && g.relation == "run_as_grant"
                    && r.values[..2] == g.values[..2])
        })
    };
    for Stated { fact: f, .. } in change.removed.iter().filter(|s| !revoked(&s.fact)) {
        match (f.relation.as_str(), f.values.len()) {
            ("grant", 5) => revokes.push(format!(
                "revoke {} on {} in {} from {} by {}.",
                v(f, 3),
                v(f, 1),
                v(f, 0),
                v(f, 2),
                v(f, 4)
            )),
            ("run_as_grant", 3) => revokes.push(format!(
                "revoke run-as {} from {} by {}.",
                v(f, 0),
                v(f, 1),
                v(f, 2)
            )),
            _ => unsaved.push(f.clone()),
        }
    }
    let mut text = String::from(
        "// What a grantlog session changed: load this file after the session's inputs.\n",
    );
    for f in &unsaved {
        let _ = writeln!(text, "// removed, and no statement can remove it: {f}");
    }
    for r in &revokes {
        let _ = writeln!(text, "{r}");
    }
    let mut typed = Vec::new();
    let mut raw = Vec::new();
    let mut restate = Vec::new();
    for s in &change.added {
        let f = &s.fact;
        match f.relation.as_str() {
            "revoked_grant" if f.values.len() == 5 => {
                restate.extend(still_held(model, "grant", &f.values[..4]))
            }
            "revoked_run_as" if f.values.len() == 3 => {
                restate.extend(still_held(model, "run_as_grant", &f.values[..2]))
            }
            _ => {}
        }
        match new_sources.get(s.span.file) {
            Some(file) if file.name.starts_with("<repl ") => {
                if !typed.contains(&s.span.file) {
                    typed.push(s.span.file);
                    let _ = writeln!(text, "{}", file.text.trim());
                }
            }
            _ => raw.push(f.clone()),
        }
    }
    for f in &change.removed {
        if f.fact.relation == "grant" && f.fact.values.len() == 5 {
            restate.extend(still_held(model, "grant", &f.fact.values[..4]));
        }
        if f.fact.relation == "run_as_grant" && f.fact.values.len() == 3 {
            restate.extend(still_held(model, "run_as_grant", &f.fact.values[..2]));
        }
    }
    raw.extend(restate);
    raw.sort();
    raw.dedup();
    for f in raw {
        let _ = writeln!(text, "fact {f}.");
    }
    (text, unsaved)
}

/// The tuples of `relation` the model holds whose first columns are `prefix`.
fn still_held(model: &Model, relation: &str, prefix: &[Const]) -> Vec<Fact> {
    let p = model.program();
    let Some(rel) = p.relation(relation) else {
        return Vec::new();
    };
    let prefix: Option<Vec<_>> = prefix.iter().map(|c| model.symbols().get(c)).collect();
    let Some(prefix) = prefix else {
        return Vec::new();
    };
    model
        .tuples(rel)
        .filter(|t| t.starts_with(&prefix))
        .map(|t| Fact {
            relation: relation.to_string(),
            values: t.iter().map(|&v| model.constant(v).clone()).collect(),
        })
        .collect()
}
