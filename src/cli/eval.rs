//! `grantlog eval`: rules + facts -> fixpoint -> answers, in text, JSON or CSV.

use super::{report, Format, LimitArgs};
use crate::engine::Answer;
use crate::load::Text;
use crate::syntax::ast::Const;
use crate::syntax::parse_query;
use crate::table::{
    answer_csv, answer_json, answer_json_objects, answer_text, json_row_objects, json_rows, table,
};
use crate::workspace::Workspace;
use serde_json::json;
use std::path::PathBuf;

pub const HELP: &str =
    "Queries are conjunctions of literals; the answer binds their named variables,
in order of first appearance, sorted. A query without variables answers yes or no.

Answers: text is a table (a yes/no query prints `yes` or `no`); JSON is
  {\"results\": [{\"query\", \"columns\": [..], \"rows\": [[..]]}]}
with each row an array in the order of \"columns\", or with --json-rows objects an object
keyed by variable ({\"U\": \"sam\"}, as the server's /v1/query); a yes/no query has no
columns and one empty row (yes) or none (no). CSV is a header of the variables, then a
row per answer; a yes/no query is the column `holds` and one row, `true` or `false`.

A FACT_FILE `-` reads the facts from stdin: the facts language, or manifests (YAML), a
dataos-ctl table or raw facts when it looks like one (messages name it <stdin>.facts,
<stdin>.yaml, <stdin>.txt or <stdin>).

Exit status: 0 on success, 1 on any error in the rules, facts or queries, 2 for a usage
error; with --fail, 3 when some query answers no (no rows); with --fail-defined, 3 when
some query answers yes (has rows). Scripts can branch on it:
  grantlog eval -q 'can_run(engineering, sales-360)' --fail || echo blocked

Examples:
  grantlog eval --rules graph.dl edges.dl --query 'path(a, X)'
  grantlog eval examples/worked-example.facts --query 'can_run(T, W)' --format json
  grantlog eval --rules graph.dl edges.dl --query 'node(X), !path(X, X)' --format csv
  grantlog eval -q 'can_use(U, T, sf-depot)' --format json --json-rows objects
  grantlog eval -q 'can_run(engineering, sales-360)' --format csv
  grantlog import examples/dataos/ | grantlog eval - -q 'can_run(T, W)'
  grantlog eval --rules graph.dl --input-dir tsv/ --output-dir out/";

#[derive(clap::Args, Debug, Default)]
pub struct EvalArgs {
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Fact files (`.tsv` and `.csv` files hold the facts of the relation they are named
    /// after); `-` reads facts from stdin. With no rules and no facts, the worked example
    /// is loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    /// Also read every `<relation>.tsv` and `<relation>.csv` file in this directory.
    #[arg(long, value_name = "DIR")]
    pub input_dir: Option<PathBuf>,
    /// Write each derived relation to `DIR/<relation>.tsv` (sorted, tab-separated).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// A query such as `can_use(U, R), !can_edit(U, R)`; repeat for several.
    #[arg(long = "query", short = 'q', value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// With --format json, each row as an array of values (`["sam", "sf-depot"]`, in
    /// the order of "columns") or as an object keyed by variable (`{"U": "sam", "R":
    /// "sf-depot"}`, as the server's /v1/query answers).
    #[arg(long, value_enum, default_value = "arrays", value_name = "SHAPE")]
    pub json_rows: JsonRows,
    /// Exit 3 when some query answers no (no rows), as OPA's --fail.
    #[arg(long, conflicts_with = "fail_defined")]
    pub fail: bool,
    /// Exit 3 when some query answers yes (has rows), as OPA's --fail-defined.
    #[arg(long)]
    pub fail_defined: bool,
    #[arg(long, help = super::KEEP_GOING_HELP)]
    pub keep_going: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How `--format json` writes a row.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JsonRows {
    #[default]
    Arrays,
    Objects,
}

pub fn run(args: &EvalArgs) -> u8 {
    // The limits bound the whole command: evaluation and every query together.
    let _scope = crate::engine::limits::Scope::enter(&args.limits.limits());
    let mut facts = args.facts.clone();
    if let Some(dir) = &args.input_dir {
        match crate::delimited::input_dir(dir) {
            Ok(files) => facts.extend(files),
            Err(d) => {
                report(&[d], &Default::default());
                return 1;
            }
        }
    }
    let ws = match super::open_workspace(&args.rules, &facts, &args.limits, false, args.keep_going)
    {
        Ok(ws) => super::keep_until_exit(ws),
        Err(code) => return code,
    };
    if let Some(dir) = &args.output_dir {
        if let Err(d) = crate::delimited::write_dir(&ws.model, dir) {
            report(&[d], &ws.sources);
            return 1;
        }
    }
    // Relations the rules read that these facts leave empty: often a misspelt file.
    if !args.rules.is_empty() {
        report(&ws.model.unfed_relations(), &ws.sources);
    }
    let format = args.format;
    if args.queries.is_empty() {
        super::emit(&relations(ws, format, args.json_rows));
        return 0;
    }
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (i, q) in args.queries.iter().enumerate() {
        let file = ws.sources.add(format!("<query {}>", i + 1), q.clone());
        // A query that cannot run gets its errors only, not warnings about its names.
        let answer = parse_query(&ws.sources, file).and_then(|mut parsed| {
            let lint = crate::lint::check_query(ws.model.symbols(), &mut parsed);
            let answer = ws.model.query(&ws.sources, &parsed)?;
            warnings.extend(lint);
            Ok(answer)
        });
        match answer {
            Ok(a) => answers.push((q.as_str(), a)),
            Err(d) => errors.extend(d),
        }
    }
    warnings.extend(errors);
    report(&warnings, &ws.sources);
    if warnings.iter().any(|d| d.is_error()) {
        return 1;
    }
    super::emit(&render_answers(&answers, format, args.json_rows));
    let failed = |a: &Answer| (args.fail && !a.holds()) || (args.fail_defined && a.holds());
    if answers.iter().any(|(_, a)| failed(a)) {
        3
    } else {
        0
    }
}

/// The rule and fact texts to load ([`crate::inputs::gather`]), its warnings reported.
pub(crate) fn inputs(
    rules: &[PathBuf],
    facts: &[PathBuf],
) -> Result<(Vec<Text>, Vec<Text>), Vec<crate::diag::Diagnostic>> {
    let inputs = crate::inputs::gather(rules, facts)?;
    super::report(&inputs.warnings, &Default::default());
    Ok((inputs.rules, inputs.facts))
}

pub fn render_answers(answers: &[(&str, Answer)], format: Format, rows: JsonRows) -> String {
    match format {
        Format::Json => {
            let one = match rows {
                JsonRows::Arrays => answer_json,
                JsonRows::Objects => answer_json_objects,
            };
            let results: Vec<_> = answers.iter().map(|(q, a)| one(q, a)).collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({ "results": results })).expect("json")
            )
        }
        Format::Text => answers
            .iter()
            .map(|(q, a)| format!("?- {q}\n{}", answer_text(a)))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Csv => answers
            .iter()
            .map(|(_, a)| answer_csv(a))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Without queries: each derived relation with its size (text, CSV) or its tuples (JSON).
fn relations(ws: &Workspace, format: Format, shape: JsonRows) -> String {
    let program = ws.model.program();
    let derived: Vec<_> = program
        .relations()
        .filter(|&r| program.is_derived(r))
        .collect();
    match format {
        Format::Json => {
            let rels: Vec<_> = derived
                .iter()
                .map(|&r| {
                    let mut rows: Vec<Vec<Const>> = ws
                        .model
                        .tuples(r)
                        .map(|t| t.iter().map(|&v| ws.model.constant(v).clone()).collect())
                        .collect();
                    rows.sort();
                    let columns = program.columns(r);
                    let rows = match shape {
                        JsonRows::Arrays => json_rows(&rows),
                        JsonRows::Objects => json_row_objects(columns, &rows),
                    };
                    json!({"relation": program.relation_name(r), "columns": columns, "rows": rows})
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({ "relations": rels })).expect("json")
            )
        }
        Format::Text => {
            let cells: Vec<Vec<String>> = derived
                .iter()
                .map(|&r| {
                    vec![
                        program.relation_name(r).to_string(),
                        ws.model.len(r).to_string(),
                    ]
                })
                .collect();
            table(&["relation".into(), "tuples".into()], &cells)
        }
        Format::Csv => {
            let mut out = String::from("relation,tuples\n");
            for &r in &derived {
                out.push_str(&format!(
                    "{},{}\n",
                    program.relation_name(r),
                    ws.model.len(r)
                ));
            }
            out
        }
    }
}
