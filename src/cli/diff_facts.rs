//! `grantlog diff --old-facts OLD NEW` and `grantlog diff --base REV NEW`: the impact of
//! a change of the instance (and of the rules, when they change too).
//!
//! OLD is opened and evaluated as `eval` does. When both sides are `.facts` files and the
//! rules are the same, NEW is not read: the change is found from the two texts
//! ([`crate::diff::replay`]: only the statements that differ are parsed, and the actions
//! of the tenants the change reaches are applied again in order). Otherwise NEW's facts
//! are read (not evaluated) and compared with OLD's ([`FactChange::between`]): on a
//! second thread while OLD opens, or after it when the texts could not tell. Either way the base facts the two differ by are retracted
//! from and added to OLD's model in a transaction (or, when the rules change too, the
//! model of NEW's rules built beside OLD), and one incremental evaluation makes NEW: the
//! work is the change's, not a second evaluation's.

use super::diff::{evaluate_both, write, DiffArgs, Shown};
use super::read_all;
use crate::diag::Diagnostic;
use crate::diff::{measure, Diff, FactChange, MeasureError, MeasuredRows};
use crate::engine::limits::Inherited;
use crate::engine::{Limits, Origin};
use crate::explain::{NodeOrigin, Proof};
use crate::load::Text;
use crate::source::{FileId, SourceMap, Span};
use crate::workspace::{LoadFailure, Workspace};
use serde_json::json;

pub fn run(args: &DiffArgs) -> u8 {
    let texts = match texts(args) {
        Ok(t) => t,
        Err(errors) => {
            super::report_sides(&[(&errors, &SourceMap::new())]);
            return 1;
        }
    };
    let limits = args.limits.limits();
    let same_rules = texts.old_rules.len() == texts.new_rules.len()
        && (texts.old_rules.iter().zip(&texts.new_rules))
            .all(|(o, n)| o.name == n.name && o.text == n.text);
    let mut opened_old = None;
    if same_rules && replayable(&texts) {
        match replayed(args, &texts, &limits) {
            Replay::Done(code) => return code,
            Replay::Opened(old) => opened_old = Some(*old),
            Replay::No => {}
        }
    }
    let opened = match opened_old {
        // OLD is open already: NEW is read in full.
        Some(old) => crate::inputs::read(&texts.new_rules, texts.new_facts.clone(), &limits)
            .map(|read| (old, None, read))
            .map_err(|f| vec![f]),
        None => open(&texts, same_rules, &limits),
    };
    let (mut old, beside, read) = match opened {
        Ok(opened) => opened,
        Err(failures) => {
            let sides: Vec<(&[Diagnostic], &SourceMap)> = failures
                .iter()
                .map(|f| (f.diagnostics.as_slice(), &f.sources))
                .collect();
            super::report_sides(&sides);
            return 1;
        }
    };
    // Never freed, as in `diff` of rules: the process ends with the command.
    let read = super::keep_until_exit(read);
    let change = FactChange::between(&old.model, &read.model);
    let warnings = shown_warnings(args, &read.warnings);
    let extra = extra_members(args);
    let read_model = &read.model;
    if same_rules && beside.is_none() {
        match measure_on_old(args, &mut old, &read.sources, &change, &limits) {
            Ok(Some(measured)) => {
                super::report_sides(&[(&warnings, &read.sources)]);
                return write_measured(args, old, measured, &change, &read.sources, extra, {
                    |proof, offset| cite_new(proof, read_model, offset)
                });
            }
            Ok(None) => {}
            Err(failure) => {
                super::report_sides(&[(&failure.diagnostics, &failure.sources)]);
                return 1;
            }
        }
    }
    let said = Said { warnings, extra };
    compare_models(
        args, old, same_rules, beside, read, &texts, &change, &limits, said,
    )
}

/// Writes the diff measured on OLD's model ([`measure_on_old`]), NEW's proofs cited by
/// `cite` (given the offset of NEW's files in the sources they cite).
fn write_measured(
    args: &DiffArgs,
    old: Workspace,
    measured: MeasuredOnOld,
    change: &FactChange,
    new_sources: &SourceMap,
    extra: Vec<(&'static str, serde_json::Value)>,
    mut cite: impl FnMut(&mut Proof, usize),
) -> u8 {
    let (new_model, rows, mut sources, offset) = measured;
    // Never freed, as in `diff` of rules: the process ends with the command.
    let old = super::keep_until_exit(old);
    let new_model: &'static crate::engine::Model = Box::leak(Box::new(new_model));
    let diff = Diff::measured(&old.model, new_model, rows);
    let shown = Shown {
        old: &old.sources,
        new: &mut sources,
        statements: Some((change, new_sources)),
        default_relations: Some(crate::repl::session::decision_relations(&old.model)),
        extra,
    };
    write(args, diff, shown, |proof| cite(proof, offset))
}

type MeasuredOnOld = (crate::engine::Model, MeasuredRows, SourceMap, usize);

/// The change applied to OLD's own model in a transaction and measured there
/// ([`crate::diff::measure`]): NEW's gains proved before the rollback (when proofs are
/// shown), OLD's model left as it was. With the sources NEW's proofs cite (OLD's, then
/// NEW's files from `offset`). `None`: the change does not fit OLD's program.
fn measure_on_old(
    args: &DiffArgs,
    old: &mut Workspace,
    new_sources: &SourceMap,
    change: &FactChange,
    limits: &Limits,
) -> Result<Option<MeasuredOnOld>, LoadFailure> {
    let mut sources = old.sources.clone();
    let offset = sources.len();
    for id in 0..new_sources.len() {
        let f = new_sources.file(FileId(id as u32));
        sources.add(f.name.clone(), f.text.clone());
    }
    // The relations `write` lists, so that the gains proved now are those it shows.
    let listed = if args.relations.is_empty() {
        crate::repl::session::decision_relations(&old.model)
    } else {
        args.relations.clone()
    };
    let include = |r: &str| listed.iter().any(|n| n == r);
    let prove = (!args.no_proofs).then_some((args.depth, &include as &dyn Fn(&str) -> bool));
    match measure(&mut old.model, change, |s| moved(s, offset), limits, prove) {
        Ok(m) => {
            let (model, rows) = m.split();
            Ok(Some((model, rows, sources, offset)))
        }
        Err(MeasureError::Unplaced(_)) => Ok(None),
        Err(MeasureError::Eval(e)) => Err(LoadFailure {
            diagnostics: vec![crate::load::eval_diagnostic(e)],
            sources,
        }),
    }
}

/// What the replayed route did.
enum Replay {
    /// The diff is written: the exit code.
    Done(u8),
    /// OLD is open, but the change is not one the texts tell (NEW is read in full).
    Opened(Box<Workspace>),
    /// Nothing done (OLD did not open: the full route reports it with NEW's errors).
    No,
}

/// Whether both sides are `.facts` files, as many on each side: what
/// [`crate::diff::replay`] can compare by their texts.
fn replayable(texts: &Texts) -> bool {
    let facts =
        |t: &Text| crate::import::source_of(&t.name, &t.text) == Some(crate::import::Source::Facts);
    texts.old_facts.len() == texts.new_facts.len()
        && texts.old_facts.iter().chain(&texts.new_facts).all(facts)
}

/// OLD opened and evaluated, the change found from the texts without reading NEW
/// ([`crate::diff::replay`]) and measured on OLD's model.
fn replayed(args: &DiffArgs, texts: &Texts, limits: &Limits) -> Replay {
    let Ok(mut old) = crate::inputs::open(&texts.old_rules, texts.old_facts.clone(), limits, false)
    else {
        return Replay::No;
    };
    let Some(first) = old.sources.len().checked_sub(texts.old_facts.len()) else {
        return Replay::Opened(Box::new(old));
    };
    let found = crate::diff::replay(
        &mut old.model,
        &texts.old_facts,
        &texts.new_facts,
        first as u32,
        &old.warnings,
        limits,
    );
    let replayed = match found {
        None => return Replay::Opened(Box::new(old)),
        Some(Err(e)) => {
            let d = vec![crate::load::eval_diagnostic(e)];
            super::report_sides(&[(&d, &old.sources)]);
            return Replay::Done(1);
        }
        Some(Ok(r)) => r,
    };
    // NEW's sources as a read of NEW numbers them: the rule files, then the fact files.
    let mut new_sources = old.sources.clone();
    new_sources.truncate(first);
    for t in &texts.new_facts {
        new_sources.add(t.name.clone(), t.text.clone());
    }
    let change = &replayed.change;
    let measured = match measure_on_old(args, &mut old, &new_sources, change, limits) {
        Ok(Some(m)) => m,
        Ok(None) => return Replay::Opened(Box::new(old)),
        Err(failure) => {
            super::report_sides(&[(&failure.diagnostics, &failure.sources)]);
            return Replay::Done(1);
        }
    };
    let warnings = shown_warnings(args, &replayed.warnings);
    super::report_sides(&[(&warnings, &new_sources)]);
    let extra = extra_members(args);
    let first = first as u32;
    let cite = |proof: &mut Proof, offset: usize| {
        for node in &mut proof.nodes {
            let NodeOrigin::Base(span) = &mut node.origin else {
                continue;
            };
            if span.file.0 >= offset as u32 {
                continue;
            }
            // A rule file's fact is cited in NEW's copy of it; a fact file's, where NEW
            // has the same statement.
            let at = match span.file.0.checked_sub(first) {
                None => Some(*span),
                Some(k) => replayed.to_new(k as usize, *span),
            };
            if let Some(at) = at {
                *span = moved(at, offset);
            }
        }
    };
    Replay::Done(write_measured(
        args,
        old,
        measured,
        change,
        &new_sources,
        extra,
        cite,
    ))
}

/// The warnings a diff shows: with the shipped rules, only the facts' and imports'.
fn shown_warnings(args: &DiffArgs, warnings: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut shown: Vec<Diagnostic> = if args.rules.is_empty() && args.against.is_empty() {
        warnings
            .iter()
            .filter(|d| d.code.starts_with('F') || d.code.starts_with('I'))
            .cloned()
            .collect()
    } else {
        warnings.to_vec()
    };
    shown.retain(|d| !d.is_error());
    shown
}

/// The JSON members naming the two sides.
fn extra_members(args: &DiffArgs) -> Vec<(&'static str, serde_json::Value)> {
    let names = |paths: &[std::path::PathBuf]| -> serde_json::Value {
        paths
            .iter()
            .map(|p| json!(p.display().to_string()))
            .collect()
    };
    let old_facts = match &args.base {
        Some(rev) => args
            .facts
            .iter()
            .map(|p| json!(format!("{rev}:{}", p.display())))
            .collect(),
        None => names(&args.old_facts),
    };
    vec![
        ("old_facts", old_facts),
        ("new_facts", names(&args.facts)),
        ("base", json!(args.base)),
    ]
}

/// What the output says besides the diff: NEW's warnings and the JSON members.
struct Said {
    warnings: Vec<Diagnostic>,
    extra: Vec<(&'static str, serde_json::Value)>,
}

/// NEW built as a model of its own (NEW's rules beside OLD's, or a copy of OLD's model
/// changed, or from scratch) and the two models compared ([`Diff::compute`]).
#[allow(clippy::too_many_arguments)]
fn compare_models(
    args: &DiffArgs,
    old: Workspace,
    same_rules: bool,
    beside: Option<Result<crate::workspace::Beside, LoadFailure>>,
    read: &'static Workspace,
    texts: &Texts,
    change: &FactChange,
    limits: &Limits,
    said: Said,
) -> u8 {
    let Said { warnings, extra } = said;
    let old = super::keep_until_exit(old);
    let new = match build_new(old, same_rules, beside, read, texts, change, limits) {
        Ok(ws) => super::keep_until_exit(ws),
        Err(failure) => {
            super::report_sides(&[(&failure.diagnostics, &failure.sources)]);
            return 1;
        }
    };
    super::report_sides(&[(&warnings, &read.sources)]);
    let default_relations = Some(crate::repl::session::decision_relations(&new.model));
    let diff = Diff::compute(&old.model, &new.model);
    let offset = new.sources.len() - read.sources.len();
    let shown = Shown {
        old: &old.sources,
        new: &mut new.sources,
        statements: Some((change, &read.sources)),
        default_relations,
        extra,
    };
    let read_model = &read.model;
    write(args, diff, shown, |proof| {
        cite_new(proof, read_model, offset)
    })
}

/// The rule and fact texts of both sides.
struct Texts {
    old_rules: Vec<Text>,
    old_facts: Vec<Text>,
    new_rules: Vec<Text>,
    new_facts: Vec<Text>,
}

fn texts(args: &DiffArgs) -> Result<Texts, Vec<Diagnostic>> {
    if args.facts.is_empty() {
        let which = if args.base.is_some() {
            "--base compares the fact files named with themselves at the revision"
        } else {
            "--old-facts names OLD's facts; the FACT_FILEs are NEW's"
        };
        return Err(vec![Diagnostic::error(
            "E0003",
            "no fact file or directory given for NEW",
        )
        .help(format!(
            "{which}: e.g. `grantlog diff --base main facts/` or `grantlog diff \
             --old-facts old.facts new.facts`"
        ))]);
    }
    let inputs = super::eval::inputs(&args.rules, &args.facts)?;
    let (rules, new_facts) = inputs;
    let new_rules = if args.against.is_empty() {
        rules.clone()
    } else {
        read_all(&args.against)?
    };
    let (old_rules, old_facts) = match &args.base {
        Some(rev) => {
            let facts = crate::git::texts_at(rev, &args.facts)?;
            let rules = if args.rules.is_empty() {
                rules
            } else {
                crate::git::texts_at(rev, &args.rules)?
            };
            (rules, facts)
        }
        None => {
            let paths = crate::load::expand_dirs(&args.old_facts)?;
            (rules, read_all(&paths)?)
        }
    };
    // The same rule texts are the same rules: both sides cite them by their names here.
    let same = old_rules.len() == new_rules.len()
        && old_rules
            .iter()
            .zip(&new_rules)
            .all(|(o, n)| o.text == n.text);
    let old_rules = if same { new_rules.clone() } else { old_rules };
    Ok(Texts {
        old_rules,
        old_facts,
        new_rules,
        new_facts,
    })
}

type Opened = (
    Workspace,
    Option<Result<crate::workspace::Beside, LoadFailure>>,
    Workspace,
);

/// OLD opened and evaluated (with NEW's rules beside it when they differ) while NEW's
/// facts are read on a second thread. Every failure of either side.
fn open(texts: &Texts, same_rules: bool, limits: &Limits) -> Result<Opened, Vec<LoadFailure>> {
    let inherited = Inherited::here();
    let mut beside = None;
    let (old, read) = std::thread::scope(|s| {
        let reading = s.spawn(move || {
            inherited.enter();
            crate::inputs::read(&texts.new_rules, texts.new_facts.clone(), limits)
        });
        let old = crate::inputs::open_evaluating(
            &texts.old_rules,
            texts.old_facts.clone(),
            limits,
            false,
            &mut |model, sources| {
                if same_rules {
                    model.evaluate(limits).map(|_| ())
                } else {
                    evaluate_both(model, sources, &texts.new_rules, limits, &mut beside)
                }
            },
        );
        let read = reading
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (old, read)
    });
    match (old, read) {
        (Ok(old), Ok(read)) => Ok((old, beside, read)),
        (old, read) => Err(old.err().into_iter().chain(read.err()).collect()),
    }
}

/// NEW: OLD's model (or the one of NEW's rules beside it) with the change applied and
/// maintained. When the two cannot be matched up (rules that move facts, a relation NEW
/// dropped), NEW's facts are evaluated from scratch instead.
fn build_new(
    old: &Workspace,
    same_rules: bool,
    beside: Option<Result<crate::workspace::Beside, LoadFailure>>,
    read: &Workspace,
    texts: &Texts,
    change: &FactChange,
    limits: &Limits,
) -> Result<Workspace, LoadFailure> {
    let mut base = match beside {
        None if same_rules => Some(old.successor()),
        None => None,
        Some(b) => Some(b?.finish(old, limits)),
    };
    if let Some(ws) = &mut base {
        let offset = ws.sources.len();
        for id in 0..read.sources.len() {
            let f = read.sources.file(FileId(id as u32));
            ws.sources.add(f.name.clone(), f.text.clone());
        }
        ws.model.begin();
        let applied = change.apply(&mut ws.model, |s| moved(s, offset));
        match applied.map(|()| ws.model.evaluate(limits)) {
            Ok(Ok(_)) => {
                ws.model.commit();
                return Ok(base.expect("some"));
            }
            Ok(Err(e)) => {
                return Err(LoadFailure {
                    diagnostics: vec![crate::load::eval_diagnostic(e)],
                    sources: ws.sources.clone(),
                })
            }
            Err(_) => ws.model.rollback(),
        }
    }
    // Evaluated from scratch, as `eval` would: the same files in the same order as
    // `read`'s, so that spans of `read` hold here too.
    let _ = read;
    crate::inputs::open(&texts.new_rules, texts.new_facts.clone(), limits, false)
}

fn moved(s: Span, offset: usize) -> Span {
    Span {
        file: FileId(s.file.0 + offset as u32),
        ..s
    }
}

/// Points the base facts of a gain's proof (which NEW may have taken over from OLD, with
/// OLD's file:line) at where NEW's facts state them.
fn cite_new(proof: &mut Proof, read: &crate::engine::Model, offset: usize) {
    for node in &mut proof.nodes {
        let NodeOrigin::Base(span) = &mut node.origin else {
            continue;
        };
        let Some(rel) = read.program().relation(&node.fact.relation) else {
            continue;
        };
        let values: Option<Vec<_>> = (node.fact.values.iter())
            .map(|c| read.symbols().get(c))
            .collect();
        if let Some(Origin::Base(at)) = values.and_then(|v| read.origin(rel, &v)) {
            *span = moved(at, offset);
        }
    }
}
