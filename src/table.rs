//! Answers rendered for people (aligned tables), for scripts (JSON) and for spreadsheets (CSV).

use crate::engine::Answer;
use crate::syntax::ast::Const;
use serde_json::{json, Value as Json};

/// A constant as a person reads it: symbols without quotes, numbers as digits.
pub fn plain(c: &Const) -> String {
    match c {
        Const::Sym(s) => s.clone(),
        Const::Num(n) => n.to_string(),
    }
}

pub fn json_value(c: &Const) -> Json {
    match c {
        Const::Sym(s) => Json::String(s.clone()),
        Const::Num(n) => json!(n),
    }
}

pub fn json_rows(rows: &[Vec<Const>]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| Json::Array(r.iter().map(json_value).collect()))
            .collect(),
    )
}

/// Rows as objects keyed by column (`{"U": "sam", "R": "sf-depot"}`), the shape the
/// server's `/v1/query` answers in; a yes/no query's one row is `{}`.
pub fn json_row_objects(columns: &[String], rows: &[Vec<Const>]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| {
                let obj: serde_json::Map<String, Json> = columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.clone(), json_value(v)))
                    .collect();
                Json::Object(obj)
            })
            .collect(),
    )
}

/// `{"query": ..., "columns": [...], "rows": [[...]]}`
pub fn answer_json(query: &str, answer: &Answer) -> Json {
    json!({"query": query, "columns": answer.columns, "rows": json_rows(&answer.rows)})
}

/// [`answer_json`] with each row an object keyed by variable (`--json-rows objects`).
pub fn answer_json_objects(query: &str, answer: &Answer) -> Json {
    json!({"query": query, "columns": answer.columns,
           "rows": json_row_objects(&answer.columns, &answer.rows)})
}

/// An aligned table with a header rule; a ground query prints `yes` or `no`.
pub fn answer_text(answer: &Answer) -> String {
    if answer.columns.is_empty() {
        return if answer.rows.is_empty() {
            "no\n"
        } else {
            "yes\n"
        }
        .to_string();
    }
    let cells: Vec<Vec<String>> = answer
        .rows
        .iter()
        .map(|r| r.iter().map(plain).collect())
        .collect();
    let mut out = table(&answer.columns, &cells);
    let n = answer.rows.len();
    out.push_str(&format!("({n} {})\n", if n == 1 { "row" } else { "rows" }));
    out
}

pub fn table(header: &[String], cells: &[Vec<String>]) -> String {
    // Display columns, not characters: wide names keep the columns aligned.
    let width = crate::style::width;
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    let line = |row: &[String]| {
        let padded: Vec<String> = row
            .iter()
            .zip(&widths)
            // Padded by hand: `format!("{c:<w$}")` panics for widths of 65,536 or more.
            .map(|(c, w)| pad_right(c, *w))
            .collect();
        format!(" {}", padded.join(" │ ")).trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    out.push_str(&rule.join("┼"));
    out.push('\n');
    for row in cells {
        out.push_str(&line(row));
    }
    out
}

/// `s` followed by spaces up to `width` characters (no padding when it is already as wide).
pub fn pad_right(s: &str, width: usize) -> String {
    // Display columns, so that wide characters keep columns aligned.
    let n = crate::style::width(s);
    let mut out = String::with_capacity(s.len() + width.saturating_sub(n));
    out.push_str(s);
    out.push_str(&" ".repeat(width.saturating_sub(n)));
    out
}

/// RFC 4180: quote a field when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn answer_csv(answer: &Answer) -> String {
    let mut out = String::new();
    if answer.columns.is_empty() {
        out.push_str("holds\n");
        out.push_str(if answer.rows.is_empty() {
            "false\n"
        } else {
            "true\n"
        });
        return out;
    }
    let header: Vec<String> = answer.columns.iter().map(|c| csv_field(c)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for row in &answer.rows {
        let fields: Vec<String> = row.iter().map(|c| csv_field(&plain(c))).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_counts_rows() {
        let a = Answer {
            columns: vec!["U".into(), "R".into()],
            rows: vec![
                vec![Const::Sym("bob".into()), Const::Sym("sf-creds".into())],
                vec![Const::Sym("alexandra".into()), Const::Num(3)],
            ],
        };
        let t = answer_text(&a);
        assert_eq!(
            t,
            " U         │ R\n───────────┼──────────\n bob       │ sf-creds\n alexandra │ 3\n(2 rows)\n"
        );
    }

    #[test]
    fn a_cell_or_header_of_65536_characters_or_more_is_aligned_not_a_panic() {
        let long = "x".repeat(70_000);
        let t = table(
            &[long.clone(), "B".into()],
            &[vec!["a".into(), long.clone()]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], format!(" {long} │ B"));
        assert_eq!(
            lines[2],
            format!(" a{} │ {long}", " ".repeat(long.len() - 1))
        );
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("a b"), "a b");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
