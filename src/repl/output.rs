//! How the session writes answers: `:format text|json|csv` and `:limit N` (text answers
//! show at most N rows, then "and M more").

use super::Repl;
use crate::diag::Diagnostic;
use crate::engine::Answer;
use crate::table::{answer_csv, answer_json, answer_text};

/// The format of query answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AnswerFormat {
    #[default]
    Text,
    Json,
    Csv,
}

/// Rows a text answer shows in a terminal when its height is unknown.
pub const SCREENFUL: usize = 20;

type Result<T> = std::result::Result<T, Vec<Diagnostic>>;

/// One answer as the session's format and limit say.
pub(super) fn answer(repl: &Repl, query: &str, answer: &Answer) -> String {
    match repl.format {
        AnswerFormat::Json => {
            let doc = answer_json(query.trim(), answer);
            format!("{}\n", serde_json::to_string_pretty(&doc).expect("json"))
        }
        AnswerFormat::Csv => answer_csv(answer),
        AnswerFormat::Text => match repl.limit {
            Some(n) if answer.rows.len() > n && !answer.columns.is_empty() => {
                let shown = Answer {
                    columns: answer.columns.clone(),
                    rows: answer.rows[..n].to_vec(),
                };
                let table = answer_text(&shown);
                // The table's own count line says how many it shows: replace it.
                let body = table.trim_end().rsplit_once('\n').map_or("", |(b, _)| b);
                let more = answer.rows.len() - n;
                format!(
                    "{body}\n... and {more} more ({} rows; `:limit none` shows all)\n",
                    answer.rows.len()
                )
            }
            _ => answer_text(answer),
        },
    }
}

/// `:format text|json|csv`.
pub(super) fn format(repl: &mut Repl, argument: &str) -> Result<String> {
    repl.format = match argument {
        "text" => AnswerFormat::Text,
        "json" => AnswerFormat::Json,
        "csv" => AnswerFormat::Csv,
        "" => {
            return Ok(format!(
                "answers are written as {}\n",
                format!("{:?}", repl.format).to_lowercase()
            ))
        }
        other => {
            return Err(vec![Diagnostic::error(
                "E0801",
                format!("`{other}` is not an answer format"),
            )
            .help("write `:format text`, `:format json` or `:format csv`")])
        }
    };
    Ok(format!("answers are written as {argument}\n"))
}

/// `:limit N` / `:limit none`.
pub(super) fn limit(repl: &mut Repl, argument: &str) -> Result<String> {
    match argument {
        "" => Ok(match repl.limit {
            Some(n) => format!("text answers show at most {n} rows\n"),
            None => "text answers show every row\n".into(),
        }),
        "none" | "off" => {
            repl.limit = None;
            Ok("text answers show every row\n".into())
        }
        n => match n.parse::<usize>() {
            Ok(n) if n > 0 => {
                repl.limit = Some(n);
                Ok(format!(
                    "text answers show at most {n} rows, then how many more\n"
                ))
            }
            _ => Err(vec![Diagnostic::error(
                "E0801",
                format!("`{n}` is not a number of rows"),
            )
            .help("write a positive number, e.g. `:limit 50`, or `:limit none`")]),
        },
    }
}
