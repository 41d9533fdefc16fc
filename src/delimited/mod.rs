//! Delimited input and output, the Soufflé way: a relation's facts as a `.tsv` or `.csv`
//! file named after it (`grant.tsv` holds `grant` facts), one fact per line, no header.
//!
//! - TSV: fields split on tabs, taken as they are (no quoting, no escapes, as Soufflé's
//!   `.facts`); a trailing `\r` is dropped. Split by hand: it is the fast path and has no
//!   quoting for a CSV reader to get right.
//! - CSV: RFC 4180 (quoted fields, `""` inside quotes, line breaks inside quotes), read
//!   with the `csv` crate.
//!
//! Blank lines are skipped. A `number` column takes an integer; a `symbol` column takes
//! the field's text whatever it looks like (`007` is the symbol "007"); an untyped column
//! reads `-?[0-9]+` as a number and anything else as a symbol, as a bare constant in a
//! fact does. Every problem is located at its field (file:line:column); a file with any
//! problem adds nothing (its facts go into a model the caller discards).

use crate::diag::{did_you_mean, Diagnostic};
use crate::engine::{Model, Value};
use crate::program::{Program, RelId};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::ColumnType;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod output;
pub use output::{to_tsv, write_dir};

/// Diagnostics past this many in one file are not collected (the reporter shows 50).
const MAX_ERRORS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Tsv,
    Csv,
}

/// The format a file name asks for, by its extension.
pub fn format_of(name: &str) -> Option<Format> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "tsv" => Some(Format::Tsv),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// The `.tsv` and `.csv` files directly in `dir`, sorted (for `--input-dir`).
pub fn input_dir(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(
            "E0003",
            format!("cannot read directory `{}`: {e}", dir.display()),
        )
        .help("check the path; it is relative to the current directory")
    })?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.to_str().and_then(format_of).is_some())
        .collect();
    out.sort();
    Ok(out)
}

/// What one file's lines are checked against.
struct Target<'p> {
    program: &'p Program,
    rel: RelId,
    types: Vec<Option<ColumnType>>,
}

/// Loads delimited file `file` of `sources` into `model`. On `Err` the model holds some
/// of its facts: discard it.
pub fn load(
    model: &mut Model,
    sources: &SourceMap,
    file: FileId,
) -> Result<usize, Vec<Diagnostic>> {
    let f = sources.file(file);
    let program = Arc::clone(model.program_arc());
    // A byte order mark is no part of the first field (files read from disk have it
    // removed already; this covers texts given otherwise).
    let bom = if f.text.starts_with('\u{feff}') { 3 } else { 0 };
    let target = target(&program, &f.name, file)?;
    let lines = f.text.bytes().filter(|&b| b == b'\n').count() + 1;
    model.reserve_base(target.rel, lines, lines);
    let mut errors = Vec::new();
    let n = match format_of(&f.name) {
        Some(Format::Csv) => load_csv(model, &target, &f.text, bom, file, &mut errors),
        _ => load_tsv(model, &target, &f.text, bom, file, &mut errors),
    };
    if errors.is_empty() {
        Ok(n)
    } else {
        Err(errors)
    }
}

/// The relation a file name names: `dir/grant.tsv` -> `grant`; E0101 otherwise.
fn target<'p>(
    program: &'p Program,
    name: &str,
    file: FileId,
) -> Result<Target<'p>, Vec<Diagnostic>> {
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let Some(rel) = program.relation(stem) else {
        let d = Diagnostic::error(
            "E0101",
            format!("unknown relation `{stem}`, named by the file `{name}`"),
        )
        .at(Span::new(file, 0, 0))
        .label("a delimited file holds the facts of the relation it is named after");
        let d = match did_you_mean(stem, program.relation_names()) {
            Some(s) => d.help(format!(
                "did you mean `{s}`? rename the file to `{s}.{}`",
                ext(name)
            )),
            None => d.help(
                "name the file after a relation the rules declare, or declare it with `.decl`",
            ),
        };
        return Err(vec![d]);
    };
    Ok(Target {
        program,
        rel,
        types: program.column_types(rel).to_vec(),
    })
}

fn ext(name: &str) -> &str {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("tsv")
}

fn load_tsv(
    model: &mut Model,
    t: &Target<'_>,
    text: &str,
    bom: usize,
    file: FileId,
    errors: &mut Vec<Diagnostic>,
) -> usize {
    let mut row: Vec<Value> = Vec::with_capacity(t.types.len());
    let mut n = 0;
    let mut start = bom;
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line_start = start;
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        row.clear();
        let mut at = line_start;
        let mut ok = true;
        for (i, field) in line.split('\t').enumerate() {
            let span = Span::new(file, at, at + field.len());
            at += field.len() + 1;
            match value(model, t, i, field, span) {
                Ok(Some(v)) => row.push(v),
                Ok(None) => {}
                Err(d) => {
                    errors.push(d);
                    ok = false;
                    break;
                }
            }
        }
        let line_span = Span::new(file, line_start, line_start + line.len());
        ok = ok && arity(t, line.split('\t').count(), line_span, errors);
        if ok && errors.is_empty() {
            model.add_fact(t.rel, &row, line_span);
            n += 1;
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    n
}

fn load_csv(
    model: &mut Model,
    t: &Target<'_>,
    text: &str,
    bom: usize,
    file: FileId,
    errors: &mut Vec<Diagnostic>,
) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());

    let mut record = csv::StringRecord::new();
    let mut row: Vec<Value> = Vec::with_capacity(t.types.len());
    let mut n = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(text.len(), |p| p.byte() as usize);
                errors.push(
                    Diagnostic::error("E0004", format!("malformed CSV: {e}"))
                        .at(Span::new(file, at, at))
                        .help("quote a field holding `,`, `\"` or a line break as \"...\", with `\"\"` for a quote inside"),
                );
                break;
            }
        }
        let end = reader.position().byte() as usize;
        // The reader's record position can fall on the line break before the record:
        // the `\n` of a CRLF, or a blank line the reader skipped.
        // The reader drops a byte order mark itself but counts its bytes.
        let mut start = record.position().map_or(0, |p| p.byte() as usize).max(bom);
        while start < end && matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let raw = text.get(start..end.min(text.len())).unwrap_or("");
        let raw = raw.trim_end_matches(['\n', '\r']);
        let line_span = Span::new(file, start, start + raw.len());
        if let Err((at, what)) = rfc4180(raw) {
            errors.push(
                Diagnostic::error("E0004", format!("malformed CSV: {what}"))
                    .at(Span::new(file, start + at, start + at + 1))
                    .label("not RFC 4180")
                    .help("quote a field holding `,`, `\"` or a line break as \"...\", with `\"\"` for a quote inside"),
            );
            break;
        }
        row.clear();
        let mut ok = true;
        for (i, field) in record.iter().enumerate() {
            let span = || {
                let (s, e) = csv_field(raw, i);
                Span::new(file, start + s, start + e)
            };
            match value(model, t, i, field, Span::default()) {
                Ok(Some(v)) => row.push(v),
                Ok(None) => {}
                Err(d) => {
                    errors.push(Diagnostic {
                        span: Some(span()),
                        ..d
                    });
                    ok = false;
                    break;
                }
            }
        }
        ok = ok && arity(t, record.len(), line_span, errors);
        if ok && errors.is_empty() {
            model.add_fact(t.rel, &row, line_span);
            n += 1;
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    n
}

/// Checks one raw record against RFC 4180 (the `csv` crate reads leniently): a field is
/// either unquoted without `"`, or quoted with `""` for each quote inside. On a problem,
/// its offset and what it is.
fn rfc4180(raw: &str) -> Result<(), (usize, &'static str)> {
    let b = raw.as_bytes();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let open = i;
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err((open, "a quoted field is not closed")),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            match b.get(i) {
                None => return Ok(()),
                Some(b',') => i += 1,
                Some(_) => return Err((i, "text after the closing quote of a field")),
            }
        } else {
            while let Some(&c) = b.get(i) {
                match c {
                    b',' => break,
                    b'"' => return Err((i, "a `\"` inside an unquoted field")),
                    _ => i += 1,
                }
            }
            if i >= b.len() {
                return Ok(());
            }
            i += 1;
        }
    }
}

/// The byte range of field `i` in one raw CSV record (quotes included).
fn csv_field(raw: &str, i: usize) -> (usize, usize) {
    let b = raw.as_bytes();
    let (mut field, mut start, mut quoted) = (0, 0, false);
    for (j, &c) in b.iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                if field == i {
                    return (start, j);
                }
                field += 1;
                start = j + 1;
            }
            _ => {}
        }
    }
    if field == i {
        (start, b.len())
    } else {
        (b.len(), b.len())
    }
}

/// E0102 when a line has other than the relation's number of fields.
fn arity(t: &Target<'_>, given: usize, span: Span, errors: &mut Vec<Diagnostic>) -> bool {
    let want = t.types.len();
    if given == want {
        return true;
    }
    let name = t.program.relation_name(t.rel);
    errors.push(
        Diagnostic::error(
            "E0102",
            format!("`{name}` takes {want} field(s), this line has {given}"),
        )
        .at(span)
        .label("one fact per line, fields separated by the file's delimiter")
        .help(format!(
            "columns of `{name}`: ({})",
            t.program.columns(t.rel).join(", ")
        )),
    );
    false
}

/// Field `i`'s value; `None` past the relation's columns (the arity check reports it).
fn value(
    model: &mut Model,
    t: &Target<'_>,
    i: usize,
    field: &str,
    span: Span,
) -> Result<Option<Value>, Diagnostic> {
    let Some(&ty) = t.types.get(i) else {
        return Ok(None);
    };
    let looks_numeric = {
        let digits = field.strip_prefix('-').unwrap_or(field);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    Ok(Some(match ty {
        Some(ColumnType::Symbol) => model.intern_sym(field),
        Some(ColumnType::Number) => match field.parse::<i64>() {
            Ok(n) if looks_numeric => model.intern_num(n),
            _ => return Err(not_a_number(t, i, field, span)),
        },
        None if looks_numeric => match field.parse::<i64>() {
            Ok(n) => model.intern_num(n),
            Err(_) => return Err(not_a_number(t, i, field, span)),
        },
        None => model.intern_sym(field),
    }))
}

fn not_a_number(t: &Target<'_>, i: usize, field: &str, span: Span) -> Diagnostic {
    let column = &t.program.columns(t.rel)[i];
    Diagnostic::error(
        "E0105",
        format!(
            "column `{column}` of `{}` holds a number, found {field:?}",
            t.program.relation_name(t.rel)
        ),
    )
    .at(span)
    .label("not a 64-bit integer")
    .help("write an integer such as 42 or -7 here")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_located_with_their_quotes() {
        assert_eq!(csv_field("a,\"b,c\",d", 0), (0, 1));
        assert_eq!(csv_field("a,\"b,c\",d", 1), (2, 7));
        assert_eq!(csv_field("a,\"b,c\",d", 2), (8, 9));
    }

    #[test]
    fn rfc4180_is_checked_per_record() {
        assert_eq!(rfc4180("a,\"b \"\"q\"\", c\",,d"), Ok(()));
        assert_eq!(rfc4180("a,\"b\n2\""), Ok(()));
        assert_eq!(
            rfc4180("a,b\"c"),
            Err((3, "a `\"` inside an unquoted field"))
        );
        assert_eq!(rfc4180("a,\"bc"), Err((2, "a quoted field is not closed")));
        assert_eq!(
            rfc4180("\"a\"b,c"),
            Err((3, "text after the closing quote of a field"))
        );
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(format_of("x/grant.TSV"), Some(Format::Tsv));
        assert_eq!(format_of("grant.csv"), Some(Format::Csv));
        assert_eq!(format_of("grant.facts"), None);
    }
}
