//! `grantlog diff`: the same facts under two rule sets (or, in `diff_facts`, two fact
//! sets); per relation the tuples gained and lost, grouped by user and tenant, with
//! proofs; `--fail-on-gain` and `--fail-on-loss` as CI gates.

use super::{eval, read_all, LimitArgs};
use crate::diag::{did_you_mean, Diagnostic};
use crate::diff::{self, Diff};
use crate::engine::limits::Inherited;
use crate::engine::{EvalError, Limits, Model};
use crate::load::Text;
use crate::source::{SourceMap, Span};
use crate::workspace::{Beside, LoadFailure, Workspace};
use clap::ValueEnum;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

pub const HELP: &str = "Two forms:
- a rule change: OLD (--rules) and NEW (--against) evaluated on the same facts;
- an instance change: OLD's facts (--old-facts PATH, or the same paths at a git revision
  with --base REV) against NEW's (the FACT_FILEs), under the same rules, or under
  --rules and --against when the rules change too.
Every relation both declare with the same arity is compared by its constants.

An instance change first lists the statements removed (OLD's file:line) and added
(NEW's), with the facts each states; NEW is OLD with those facts retracted and added,
maintained incrementally (not a second evaluation). Only the decision relations
(permission, can_use, can_run, ...; every derived relation for other rules) are listed
unless --relation names others. --base reads OLD through the `git` program (`git
cat-file` in the repository holding the inputs): OLD's files are named `REV:path`. A
path outside a repository or an unknown revision is an error.

Listed: a summary line per changed relation (`permission: +5 -0`), relations not
compared (declared on one side only, or with another arity), then per relation and
group each tuple gained (+, with its proof under NEW) or lost (-, with its proof under
OLD), then a total line. Proofs read as in `grantlog explain`; fact numbers run over the
whole output, so a fact already shown in full is `(see [n])`.

Groups: a tuple's user is its first column named, by preference, user, grantee,
identity or submitter; its tenant is its column named tenant. A relation with neither
column is listed as one group.

Exit status: 0 when no gate failed (changes or not); 1 on any error in either rule set,
the facts, the revision or the arguments; 2 when the command line does not parse; 3
when NEW gains a tuple in a --fail-on-gain relation (a relation only in NEW, or whose
arity changed, gains all of its tuples) or loses one in a --fail-on-loss relation.
--relation restricts what is listed, never what the gates check.

JSON (--format json):
  {\"relations\": [{\"relation\", \"columns\": [..], \"user_column\": name | null,
                  \"tenant_column\": name | null, \"gained\": n, \"lost\": n,
                  \"groups\": [{\"user\": value | null, \"tenant\": value | null,
                              \"gained\": [change, ..], \"lost\": [change, ..]}]}],
   \"only_old\": [{\"relation\", \"tuples\": n}], \"only_new\": [{\"relation\", \"tuples\": n}],
   \"arity_changed\": [{\"relation\", \"old_arity\", \"new_arity\", \"new_tuples\"}],
   \"total\": {\"gained\": n, \"lost\": n, \"relations\": n},
   \"facts\": [path, ..]                                    (a rule change)
   \"old_facts\": [path, ..], \"new_facts\": [path, ..], \"base\": REV | null,
   \"statements\": {\"removed\": [statement, ..], \"added\": [..]}   (an instance change)
   \"fail_on_gain\": [{\"relation\", \"gained\": n, \"failed\": bool}],
   \"fail_on_loss\": [{\"relation\", \"lost\": n, \"failed\": bool}]}   (with --fail-on-loss)
  change = {\"fact\": \"p(a, b)\", \"values\": [\"a\", \"b\"], \"proof\": node | null}
  statement = {\"file\", \"line\", \"text\", \"facts\": [\"p(a, b)\", ..]}
  (node as in `grantlog explain --format json`; null with --no-proofs.) Only changed
  relations are listed; values are strings or numbers.

Examples:
  grantlog diff --rules rules/dataos.dl --against rules/dataos-s13-broad.dl examples/worked-example.facts
  grantlog diff --against rules/dataos-s13-broad.dl --relation can_manage_access --depth 1
  grantlog diff --rules old.dl --against new.dl prod.facts --no-proofs --fail-on-gain permission
  grantlog diff --old-facts examples/run-as.facts examples/run-as.facts examples/run-as-revoked.facts
  grantlog diff --base main instance/ --fail-on-gain can_manage_access --format json";

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug, Default)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true)
    .args(["against", "old_facts", "base"])))]
pub struct DiffArgs {
    /// An OLD rule file; repeat for several. Without it, the shipped DataOS rules are OLD.
    #[arg(long = "rules", value_name = "OLD")]
    pub rules: Vec<PathBuf>,
    /// A NEW rule file; repeat for several. Without it, NEW has OLD's rules.
    #[arg(long = "against", value_name = "NEW")]
    pub against: Vec<PathBuf>,
    /// OLD's facts (a file or directory; repeat for several): the FACT_FILEs are then
    /// NEW's facts.
    #[arg(long = "old-facts", value_name = "PATH", conflicts_with = "base")]
    pub old_facts: Vec<PathBuf>,
    /// OLD is the FACT_FILEs (and the --rules files) as they are at this git revision
    /// (`main`, `HEAD~1`, a commit); NEW is the working tree.
    #[arg(long, value_name = "REV", conflicts_with = "against")]
    pub base: Option<String>,
    /// Fact files or directories: evaluated under both rule sets, or with --old-facts or
    /// --base, NEW's facts. With no --rules and no fact files, the worked example is
    /// loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    /// List only this relation; repeat for several.
    #[arg(long = "relation", value_name = "REL")]
    pub relations: Vec<String>,
    /// Exit with status 3 when NEW gains any tuple in REL; repeat for several.
    #[arg(long = "fail-on-gain", value_name = "REL")]
    pub fail_on_gain: Vec<String>,
    /// Exit with status 3 when NEW loses any tuple of REL; repeat for several.
    #[arg(long = "fail-on-loss", value_name = "REL")]
    pub fail_on_loss: Vec<String>,
    /// List the tuples without their proofs.
    #[arg(long)]
    pub no_proofs: bool,
    /// Show proofs down to this depth (the tuple is depth 0).
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The exit status when a `--fail-on-gain` relation gained tuples (or a `--fail-on-loss`
/// relation lost some).
pub const GAINED: u8 = 3;

pub fn run(args: &DiffArgs) -> u8 {
    // `--timeout` bounds the whole command, reading both sides included (issue 24 item 17).
    let _scope = crate::engine::limits::Scope::enter(&args.limits.limits());
    if !args.old_facts.is_empty() || args.base.is_some() {
        return super::diff_facts::run(args);
    }
    let (old, new) = match open(args) {
        Ok(ws) => ws,
        Err(code) => return code,
    };
    // Never freed: the process ends with the command, and freeing two large models and
    // their diff took a sixth of a run.
    let (old, new) = (super::keep_until_exit(old), super::keep_until_exit(new));
    let facts = if args.facts.is_empty() {
        json!([crate::shipped::example().name])
    } else {
        args.facts
            .iter()
            .map(|p| json!(p.display().to_string()))
            .collect()
    };
    let shown = Shown {
        old: &old.sources,
        new: &mut new.sources,
        statements: None,
        default_relations: None,
        extra: vec![("facts", facts)],
    };
    write(args, Diff::compute(&old.model, &new.model), shown, |_| {})
}

/// What [`write`] shows besides the diff.
pub(super) struct Shown<'a> {
    pub old: &'a SourceMap,
    pub new: &'a mut SourceMap,
    /// The change of facts, listed first.
    pub statements: Option<(&'a diff::FactChange, &'a SourceMap)>,
    /// The relations listed without --relation (all when `None`).
    pub default_relations: Option<Vec<String>>,
    /// JSON members after the documented ones.
    pub extra: Vec<(&'static str, serde_json::Value)>,
}

/// Checks the relations named, proves, writes the diff and applies the gates: the exit
/// status. `fix_proof` is given each gain's proof.
pub(super) fn write(
    args: &DiffArgs,
    mut diff: Diff<'_>,
    shown: Shown<'_>,
    fix_proof: impl FnMut(&mut crate::explain::Proof),
) -> u8 {
    let mut unknown = Vec::new();
    for (flag, names) in [
        ("--relation", &args.relations),
        ("--fail-on-gain", &args.fail_on_gain),
        ("--fail-on-loss", &args.fail_on_loss),
    ] {
        for name in names {
            if diff.gained_in(name).is_none() {
                unknown.push(unknown_relation(&diff, shown.new, flag, name));
            }
        }
    }
    if !unknown.is_empty() {
        super::report_sides(&[(&unknown, shown.new)]);
        return 1;
    }
    let listed = if args.relations.is_empty() {
        shown.default_relations.clone()
    } else {
        Some(args.relations.clone())
    };
    let include = |r: &str| listed.as_ref().is_none_or(|l| l.iter().any(|n| n == r));
    if !args.no_proofs {
        diff.prove(args.depth, include);
        diff.map_gained_proofs(fix_proof);
    }
    let gates: Vec<(&str, &str, usize)> = (args.fail_on_gain.iter())
        .map(|r| ("gain", r.as_str(), diff.gained_in(r).unwrap_or(0)))
        .chain(
            (args.fail_on_loss.iter()).map(|r| ("loss", r.as_str(), diff.lost_in(r).unwrap_or(0))),
        )
        .collect();
    let (old, new) = (shown.old, &*shown.new);
    // Formatting and the writes of a large diff overlap.
    let mut out = super::handoff::Handoff::new(std::io::stdout());
    // A reader that stops early (`| head`) ends the output quietly, as with `emit`.
    let _ = match args.format {
        DiffFormat::Text => match shown.statements {
            Some((change, changed)) => change.write_text(old, changed, &mut out),
            None => Ok(()),
        }
        .and_then(|()| diff::write_text(&diff, old, new, &include, &mut out)),
        DiffFormat::Json => {
            let gate = |kind: &str| -> serde_json::Value {
                (gates.iter().filter(|g| g.0 == kind))
                    .map(|&(_, r, n)| {
                        let key = if kind == "gain" { "gained" } else { "lost" };
                        json!({"relation": r, key: n, "failed": n > 0})
                    })
                    .collect()
            };
            let mut extra = shown.extra;
            if let Some((change, changed)) = shown.statements {
                extra.push(("statements", change.to_json(old, changed)));
            }
            extra.push(("fail_on_gain", gate("gain")));
            if !args.fail_on_loss.is_empty() {
                extra.push(("fail_on_loss", gate("loss")));
            }
            diff::write_json(&diff, old, new, &include, &extra, &mut out)
        }
    }
    .and_then(|()| out.finish());
    drop(out);
    std::mem::forget(diff);
    let mut failed = false;
    for &(kind, r, n) in gates.iter().filter(|g| g.2 > 0) {
        failed = true;
        // With JSON, stdout's `fail_on_gain` says it; stderr stays one JSON document.
        if super::json_diagnostics() {
            continue;
        }
        let s = if n == 1 { "" } else { "s" };
        match kind {
            "gain" => {
                eprintln!("--fail-on-gain {r}: NEW grants {n} `{r}` tuple{s} that OLD did not")
            }
            _ => eprintln!("--fail-on-loss {r}: NEW loses {n} `{r}` tuple{s} that OLD held"),
        }
    }
    if failed {
        GAINED
    } else {
        0
    }
}

/// Both workspaces on the same fact texts. Every error of either side is reported (once,
/// when both sides report the same one, as for an error in a fact file); `Err` is the
/// exit status.
fn open(args: &DiffArgs) -> Result<(Workspace, Workspace), u8> {
    let inputs = if args.facts.is_empty() {
        // Two rule sets on no facts always agree: compare on the worked example instead,
        // and say so (JSON output names its facts), rather than pass silently.
        if args.format == DiffFormat::Text {
            eprintln!(
                "note: no fact file given; comparing on the worked example ({})",
                crate::shipped::example().name
            );
        }
        eval::inputs(&args.rules, &[]).map(|(rules, _)| (rules, vec![crate::shipped::example()]))
    } else {
        eval::inputs(&args.rules, &args.facts)
    };
    let against = read_all(&args.against);
    let ((old_rules, facts), new_rules) = match (inputs, against) {
        (Ok(i), Ok(a)) => (i, a),
        (i, a) => {
            let mut errors = i.err().unwrap_or_default();
            errors.extend(a.err().unwrap_or_default());
            super::report_sides(&[(&errors, &SourceMap::new())]);
            return Err(1);
        }
    };
    let limits = args.limits.limits();
    // The batch load path, as `eval` takes: the old side is one evaluation, and the new
    // side is built beside it and evaluated on a second thread meanwhile.
    let mut beside = None;
    let old = crate::inputs::open_evaluating(
        &old_rules,
        facts.clone(),
        &limits,
        false,
        &mut |model, sources| evaluate_both(model, sources, &new_rules, &limits, &mut beside),
    );
    // The same facts under the new rules: taken over from the old model where the rules
    // agree, else read and evaluated again (which also reports any mismatch, and every
    // error when the old side failed).
    let new = match (&old, beside) {
        (Ok(o), Some(Ok(b))) => Some(Ok(b.finish(o, &limits))),
        (Ok(_), Some(Err(failure))) => Some(Err(failure)),
        (Ok(o), None) => Workspace::open_beside(o, &new_rules, &limits),
        (Err(_), _) => None,
    }
    .unwrap_or_else(|| crate::inputs::open(&new_rules, facts, &limits, false));
    match (old, new) {
        (Ok(old), Ok(new)) => {
            // The shipped rules are known to be clean; warnings matter for the user's own.
            let none = Vec::new();
            let old_warnings = if args.rules.is_empty() {
                &none
            } else {
                &old.warnings
            };
            super::report_sides(&[(old_warnings, &old.sources), (&new.warnings, &new.sources)]);
            Ok((old, new))
        }
        (old, new) => {
            let old = old.err();
            let new = new.err();
            let sides: Vec<(&[Diagnostic], &SourceMap)> = old
                .iter()
                .chain(new.iter())
                .map(|f| (f.diagnostics.as_slice(), &f.sources))
                .collect();
            super::report_sides(&sides);
            Err(1)
        }
    }
}

/// Evaluates the old model (`old`, facts loaded) and, on a second thread, the new rules
/// beside it ([`Model::beside_feed`]): the new side takes over each old stratum as the
/// old evaluation finishes it. `beside` gets the new side when the programs match up.
pub(super) fn evaluate_both(
    old: &mut Model,
    sources: &SourceMap,
    rules: &[Text],
    limits: &Limits,
    beside: &mut Option<Result<Beside, LoadFailure>>,
) -> Result<(), EvalError> {
    let feed = Arc::new(old.feed());
    let mut new = match Beside::prepare(sources, old, rules, Some(Arc::clone(&feed))) {
        Some(Ok(new)) => new,
        other => {
            *beside = other;
            return old.evaluate(limits).map(|_| ());
        }
    };
    let inherited = Inherited::here();
    std::thread::scope(|s| {
        let other = s.spawn(move || {
            inherited.enter();
            new.evaluate(limits).map(|()| new)
        });
        let result = old.evaluate_feeding(limits, &feed).map(|_| ());
        *beside = Some(
            other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        );
        result
    })
}

/// E0101 for a relation named on the command line that neither side declares, located in
/// the argument itself.
fn unknown_relation(diff: &Diff, sources: &mut SourceMap, flag: &str, name: &str) -> Diagnostic {
    let file = sources.add(format!("<{flag}>"), name.to_string());
    let d = Diagnostic::error("E0101", format!("unknown relation `{name}`"))
        .at(Span::new(file, 0, name.len()))
        .label("declared in neither OLD nor NEW");
    match did_you_mean(name, diff.relation_names()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d,
    }
}
