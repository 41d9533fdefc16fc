//! `grantlog explain`: why a fact holds (a proof) or, with `--why-not`, why it does not
//! and what to add so that it does.

use super::{report, LimitArgs};
use crate::diag::Diagnostic;
use crate::explain::{why, why_not, ExplainOptions, DOES_NOT_HOLD, HOLDS};
use crate::syntax::parse_atom;
use clap::ValueEnum;
use std::path::PathBuf;

pub const HELP: &str = "Exit status: 0 when explained; 1 on any error in the rules, facts or FACT;
2 for a usage error (a missing FACT, an unknown option); 3 when FACT does not hold (ask
--why-not) or, with --why-not, when it holds (ask without).

Text: a proof is an indented tree. Each fact shows the rule that derived it (@name and
file:line) with its doc comment, or for a base fact the file and line stating it. A
negated premise reads `!p(..) holds: no p(..)`. A fact proved before is `(see [n])`;
one cut by --depth is shown unnumbered with its rule, then `...`.
--why-not first says in one line what it comes down to (an invalid run-as grant and the
statement at fault, an identity that may not create the workload, a missing permission)
and the first fix. Then, per rule that could give FACT, the closest bindings, what holds,
and the first failing premise (followed down; a blocking `!q` with q's proof and every
other way q holds, as `also by @rule ..., from:`; a missing grant with the `revoke`
statement that removed it, as `revoked at file:line: ...`), then fixes: the smallest sets
of facts (as .facts statements) whose addition was verified to make FACT hold, the
narrowest first (fewest decisions gained: a grant before a role, Data Developer before
Tenant Admin); fixes that differ only in who signs are one, with `signed by any of: ...`.

JSON (--format json), why:
  node    = {\"id\": n, \"fact\": \"p(a, b)\", \"holds\": true,
             \"rule\": {\"name\", \"location\": \"file:line\", \"doc\"} | null,   (derived)
             \"source\": {\"file\", \"line\"} | null,                         (base fact)
             \"premises\": [node | negated | comparison, ...],
             \"also\": [{\"rule\", \"premises\"}, ...],    (why-not: other ways a blocking fact holds)
             \"truncated\": true}                                        (cut by --depth)
  repeat  = {\"fact\", \"holds\": true, \"ref\": n}          (the node with id n, shown earlier)
  negated = {\"fact\": \"!q(a)\", \"holds\": true, \"negated\": true, \"absent\": \"q(a)\", \"premises\": []}
JSON, why-not:
  {\"fact\", \"holds\": false, \"base\": bool, \"summary\": \"<the first line>\",
   \"causes\": [\"<cause>\", ...], \"fixes\": [[\"<statement>\", ...], ...],
   \"signers\": [[[\"<who may sign statement 1 of fix 1>\", ...], ...], ...],
   \"rules\": [{\"rule\": {\"name\", \"location\", \"doc\"}, \"bindings\": {\"Var\": \"value\"},
              \"holding\": [\"premise\", ...],
              \"failing\": {\"kind\": \"missing\"|\"blocked\"|\"comparison\"|\"head_mismatch\"|\"none\",
                          \"premise\", \"why_not\": {...} | null, \"proof\": node,
                          \"revoked\": [{\"fact\", \"at\", \"statement\"}, ...]}}]}  (missing)
DOT (--format dot): one node per fact, edges premise -> conclusion labelled with rule names.
--why-not with variables (`can_run(engineering, W)`): each case a rule of the relation could
derive (by its first premises that bind them: each workload of engineering) that does not
hold, explained in turn, at most 5, then `and N more`; JSON {\"cases\": [why-not, ...],
\"more\": N}; exit 0 when some case is explained, 3 when every case holds.

Examples:
  grantlog explain 'missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)'
  grantlog explain --why-not 'can_run(engineering, sales-360)'
  grantlog explain --why-not 'can_run(engineering, W)'
  grantlog explain --rules graph.dl edges.dl 'path(a, d)' --format dot | dot -Tsvg > p.svg";

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    #[default]
    Text,
    Json,
    Dot,
}

#[derive(clap::Args, Debug, Default)]
pub struct ExplainArgs {
    /// The fact to explain, e.g. `can_run(engineering, sales-360)`.
    #[arg(value_name = "FACT")]
    pub fact: String,
    /// Explain why the fact does not hold, and propose fixes.
    #[arg(long)]
    pub why_not: bool,
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Fact files. With no rules and no facts, the worked example is loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
    /// Show premises down to this depth (the fact is depth 0).
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    #[arg(long, help = super::KEEP_GOING_HELP)]
    pub keep_going: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: &ExplainArgs) -> u8 {
    // The limits bound the whole command, fix verification included; an explanation cut
    // short by them is an error, not a partial answer.
    let scope = crate::engine::limits::Scope::enter(&args.limits.limits());
    let ws = match super::open_workspace(
        &args.rules,
        &args.facts,
        &args.limits,
        false,
        args.keep_going,
    ) {
        Ok(ws) => super::keep_until_exit(ws),
        Err(code) => return code,
    };
    let file = ws.sources.add("<fact>", args.fact.clone());
    let atom = match parse_atom(&ws.sources, file) {
        Ok(mut a) => {
            report(
                &crate::lint::check_atom(ws.model.symbols(), &mut a),
                &ws.sources,
            );
            a
        }
        Err(d) => {
            report(&d, &ws.sources);
            return 1;
        }
    };
    let opts = ExplainOptions {
        max_depth: args.depth,
    };
    let f = args.format;
    let named_vars = atom
        .args
        .iter()
        .any(|t| matches!(t, crate::syntax::ast::Term::Var(_)));
    let out = if args.why_not && named_vars {
        why_not_each(ws, &atom, &opts, f)
    } else if args.why_not {
        why_not(&mut ws.model, &ws.sources, &atom, &opts).map(|w| match f {
            ExplainFormat::Text => w.to_text(&ws.sources),
            ExplainFormat::Json => pretty(&w.to_json(&ws.sources)),
            ExplainFormat::Dot => w.to_dot(&ws.sources),
        })
    } else {
        why(&ws.model, &ws.sources, &atom, &opts).map(|p| match f {
            ExplainFormat::Text => p.to_text(&ws.sources),
            ExplainFormat::Json => pretty(&p.to_json(&ws.sources)),
            ExplainFormat::Dot => p.to_dot(&ws.sources),
        })
    };
    let out = out.and_then(|text| scope.finish().map(|()| text).map_err(|e| vec![e.into()]));
    match out {
        Ok(text) => {
            super::emit(&text);
            0
        }
        Err(d) => {
            report(&d, &ws.sources);
            exit_code(&d)
        }
    }
}

/// At most this many cases of a why-not with variables are explained.
const WHY_NOT_EACH: usize = 5;

/// `--why-not` of a fact with variables: each case a rule could derive that does not hold.
fn why_not_each(
    ws: &mut crate::workspace::Workspace,
    atom: &crate::syntax::ast::Atom,
    opts: &ExplainOptions,
    f: ExplainFormat,
) -> Result<String, Vec<Diagnostic>> {
    let Some(cases) = crate::explain::candidates::not_holding(&ws.model, &mut ws.sources, atom)?
    else {
        return Err(vec![crate::repl::explain_hook::not_derived(atom).help(
            "name one case with constants: `grantlog eval -q` lists the facts",
        )]);
    };
    if cases.is_empty() {
        return Err(vec![Diagnostic::error(
            HOLDS,
            format!("every case of `{atom}` the rules could derive holds"),
        )
        .at(atom.span)
        .help(format!("ask why: grantlog explain '{atom}'"))]);
    }
    let more = cases.len().saturating_sub(WHY_NOT_EACH);
    let mut texts = Vec::new();
    let mut json = Vec::new();
    for case in cases.iter().take(WHY_NOT_EACH) {
        let w = why_not(&mut ws.model, &ws.sources, case, opts)?;
        match f {
            ExplainFormat::Json => json.push(w.to_json(&ws.sources)),
            ExplainFormat::Text => texts.push(w.to_text(&ws.sources)),
            ExplainFormat::Dot => texts.push(w.to_dot(&ws.sources)),
        }
    }
    Ok(match f {
        ExplainFormat::Json => pretty(&serde_json::json!({"cases": json, "more": more})),
        _ => {
            let mut out = texts.join("\n");
            // DOT stays graphs only (dot reads several in one file).
            if more > 0 && f == ExplainFormat::Text {
                out.push_str(&format!("\nand {more} more\n"));
            }
            out
        }
    })
}

fn pretty(v: &serde_json::Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).expect("json"))
}

/// 3 when the only problem is that the fact's truth is not what was asked about (2 is
/// clap's usage error: a script must tell "no" from "called wrongly").
fn exit_code(diags: &[Diagnostic]) -> u8 {
    if diags
        .iter()
        .all(|d| d.code == DOES_NOT_HOLD || d.code == HOLDS)
    {
        3
    } else {
        1
    }
}
