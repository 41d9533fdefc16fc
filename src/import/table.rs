//! What `dataos-ctl` prints, as statements:
//! - `dataos-ctl user get -a` (NAME, ID, TYPE, EMAIL, TAGS): a `user` statement per row,
//!   and one `instance` statement from the `roles:id:operator|user|super-app-user` tags;
//! - `dataos-ctl get -t TYPE -a` (NAME, VERSION, TYPE, WORKSPACE, STATUS, RUNTIME, OWNER):
//!   a `resource` statement per row (tenant from the directory, as for manifests).
//!
//! Box-drawn (`│ ─ ┼`) and ASCII (`| - +`) forms; a row whose key cell (ID, or NAME for
//! listings) is empty continues the TAGS cell of the row above.

use super::tenant_from_path;
use crate::diag::Diagnostic;
use crate::facts::{Field, Name, Stmt, StmtKind};
use crate::source::{FileId, Span};

const USER_COLUMNS: &[&str] = &["NAME", "ID", "TYPE", "EMAIL", "TAGS"];
const LIST_COLUMNS: &[&str] = &[
    "NAME",
    "VERSION",
    "TYPE",
    "WORKSPACE",
    "STATUS",
    "RUNTIME",
    "OWNER",
];
const INSTANCE_TAGS: &[&str] = &[
    "roles:id:operator",
    "roles:id:user",
    "roles:id:super-app-user",
];

/// Whether a text looks like one of these tables: its first line that is neither blank
/// nor a `dataos-ctl` log line (`INFO[0000] ...`) has a NAME column between cell
/// separators.
pub fn looks_like_table(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty() && !is_log(l))
        .is_some_and(|l| l.contains("NAME") && (l.contains('│') || l.contains('|')))
}

/// Whether a text is a `dataos-ctl` capture, table or not: it has the CLI's log lines
/// or its box-drawing characters (read as a table, so that one without a header is an
/// error that says so, not raw facts that fail line by line).
pub fn looks_like_capture(text: &str) -> bool {
    text.lines()
        .take(200)
        .any(|l| is_log(l) || l.contains('│') || l.contains('─'))
}

/// A `dataos-ctl` log line: `INFO[0000] 😃 user get...` (also WARN, ERRO, DEBU).
fn is_log(line: &str) -> bool {
    let t = line.trim_start_matches('\u{feff}').trim_start();
    ["INFO[", "WARN[", "ERRO[", "DEBU[", "FATA["]
        .iter()
        .any(|p| t.starts_with(p))
}

/// One cell: trimmed text and its byte span.
struct Cell {
    text: String,
    span: Span,
}

fn cells(line: &str, offset: usize, file: FileId) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut push = |s: usize, e: usize| {
        let raw = &line[s..e];
        let lead = raw.len() - raw.trim_start().len();
        let text = raw.trim().to_owned();
        let b = offset + s + lead;
        out.push(Cell {
            span: Span::new(file, b, b + text.len()),
            text,
        });
    };
    for (i, c) in line.char_indices() {
        if c == '│' || c == '|' {
            push(start, i);
            start = i + c.len_utf8();
        }
    }
    push(start, line.len());
    out
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| "─-┼+|│═╪ ".contains(c))
}

fn name(c: &Cell) -> Name {
    Name {
        text: c.text.clone(),
        span: c.span,
        quoted: !crate::syntax::lexer::is_bare_symbol(&c.text),
        capitalised: false,
    }
}

fn sub(c: &Cell, text: &str, at: usize) -> Name {
    let start = c.span.start as usize + at;
    Name {
        text: text.to_owned(),
        span: Span::new(c.span.file, start, start + text.len()),
        quoted: true,
        capitalised: false,
    }
}

pub fn statements(text: &str, file: FileId, path: &str) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut offset = 0;
    let mut header: Option<(Vec<String>, Span)> = None;
    let mut header_cells = 0;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() || is_rule(line) || (header.is_none() && is_log(line)) {
            continue;
        }
        let cs = cells(line, start, file);
        match &header {
            None => {
                let names = cs
                    .iter()
                    .map(|c| c.text.to_uppercase())
                    .filter(|c| !c.is_empty());
                let span = Span::new(file, start, start + line.len());
                if !line.contains("NAME") {
                    let d = Diagnostic::error("I0302", "not a dataos-ctl table: no header found")
                        .at(span)
                        .label("expected a header such as `NAME │ ID │ TYPE │ EMAIL │ TAGS` here")
                        .help("give the output of `dataos-ctl user get -a` or `dataos-ctl get -t TYPE -a`, from its header row on; log lines (`INFO[0000] ...`) above it are skipped");
                    return (Vec::new(), vec![d]);
                }
                header_cells = cs.len();
                header = Some((names.collect(), span));
            }
            Some((_, hspan)) => {
                // A damaged header (a separator lost or added) would shift every cell
                // into the wrong column: say where, instead of reading shifted data.
                if cs.len() != header_cells {
                    let row = Span::new(file, start, start + line.len());
                    let d = Diagnostic::error(
                        "I0303",
                        format!(
                            "this row has {} cells, the header {}",
                            cs.len(),
                            header_cells
                        ),
                    )
                    .at(row)
                    .label("cells do not line up with the header's columns")
                    .related(*hspan, "the header")
                    .help("a separator (`│` or `|`) is missing or extra in the header or in this row; restore it so that each cell is under its column");
                    return (Vec::new(), vec![d]);
                }
                rows.push(cs)
            }
        }
    }
    let Some((cols, hspan)) = header else {
        let at = Span::new(file, 0, 0);
        let d = Diagnostic::error("I0302", "not a dataos-ctl table: no header found")
            .at(at)
            .label("no `NAME │ ...` header in this file")
            .help("give the output of `dataos-ctl user get -a` or `dataos-ctl get -t TYPE -a`, from its header row on");
        return (Vec::new(), vec![d]);
    };
    // Cells of a row by column, skipping the empty edge cells of `| a | b |` forms.
    let edge = |row: &[Cell]| -> usize {
        usize::from(row.first().is_some_and(|c| c.text.is_empty()) && row.len() > cols.len())
    };
    let col = |n: &str| cols.iter().position(|c| c == n);
    let has = |want: &[&str]| want.iter().all(|w| col(w).is_some());
    if has(&["NAME", "ID", "TYPE", "EMAIL"]) {
        users(
            &rows,
            &|r: &[Cell], n: &str| col(n).and_then(|i| r.get(i + edge(r))),
            hspan,
        )
    } else if has(&["NAME", "TYPE", "OWNER"]) {
        listing(
            &rows,
            &|r: &[Cell], n: &str| col(n).and_then(|i| r.get(i + edge(r))),
            hspan,
            path,
        )
    } else {
        let d = Diagnostic::error("I0301", format!("unrecognised table header: {}", cols.join(", ")))
            .at(hspan)
            .label("not a dataos-ctl table this reads")
            .help(format!(
                "expected the columns of `dataos-ctl user get -a` ({}) or of `dataos-ctl get -t TYPE -a` ({})",
                USER_COLUMNS.join(", "),
                LIST_COLUMNS.join(", ")
            ));
        (Vec::new(), vec![d])
    }
}

type Get<'a> = dyn Fn(&'a [Cell], &str) -> Option<&'a Cell> + 'a;

fn users<'a>(rows: &'a [Vec<Cell>], get: &Get<'a>, hspan: Span) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut stmts = Vec::new();
    let mut clauses: Vec<(Name, Vec<Name>)> = Vec::new();
    let mut last: Option<&Cell> = None;
    for r in rows {
        let id = get(r, "ID").filter(|c| !c.text.is_empty());
        if let Some(id) = id {
            let mut fields = Vec::new();
            for (kw, col) in [("type", "TYPE"), ("name", "NAME"), ("email", "EMAIL")] {
                if let Some(c) = get(r, col).filter(|c| !c.text.is_empty()) {
                    fields.push((sub(c, kw, 0), name(c)));
                }
            }
            let span = r
                .first()
                .map_or(id.span, |f| f.span)
                .to(r.last().map_or(id.span, |l| l.span));
            stmts.push(Stmt {
                kind: StmtKind::User {
                    id: name(id),
                    fields,
                },
                span,
            });
            last = Some(id);
        }
        let (Some(owner), Some(tags)) = (last, get(r, "TAGS")) else {
            continue;
        };
        let mut at = 0;
        for tag in tags.text.split(',') {
            let lead = tag.len() - tag.trim_start().len();
            let t = tag.trim();
            if INSTANCE_TAGS.contains(&t) {
                let role = sub(tags, t, at + lead);
                let user = Name {
                    span: role.span,
                    ..name(owner)
                };
                match clauses.iter_mut().find(|(r, _)| r.text == t) {
                    Some((_, us)) => us.push(user),
                    None => clauses.push((role, vec![user])),
                }
            }
            at += tag.len() + 1;
        }
    }
    if !clauses.is_empty() {
        stmts.push(Stmt {
            kind: StmtKind::Instance { clauses },
            span: hspan,
        });
    }
    (stmts, Vec::new())
}

fn listing<'a>(
    rows: &'a [Vec<Cell>],
    get: &Get<'a>,
    hspan: Span,
    path: &str,
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut stmts = Vec::new();
    let mut diags = Vec::new();
    let Some(tenant) = tenant_from_path(path) else {
        let d = Diagnostic::error("I0103", "a resource listing has no tenant")
            .at(hspan)
            .help("put the file under a directory tenants/NAME/ (the WORKSPACE column is a workspace, not a tenant)");
        return (Vec::new(), vec![d]);
    };
    for r in rows {
        let Some(res) = get(r, "NAME").filter(|c| !c.text.is_empty()) else {
            continue;
        };
        let ty = get(r, "TYPE").filter(|c| !c.text.is_empty());
        let owner = get(r, "OWNER").filter(|c| !c.text.is_empty());
        let (Some(ty), Some(owner)) = (ty, owner) else {
            diags.push(
                Diagnostic::error(
                    "I0101",
                    format!("resource \"{}\" has no TYPE or OWNER", res.text),
                )
                .at(res.span)
                .help("each listed resource needs its TYPE and OWNER cells"),
            );
            continue;
        };
        let Some(kind) = super::manifest::kind_of(&ty.text) else {
            diags.push(
                Diagnostic::warning(
                    "I0201",
                    format!("type `{}` is not imported; row skipped", ty.text),
                )
                .at(ty.span),
            );
            continue;
        };
        let field = |f: &str, c: &Cell, v: Name| Field {
            name: sub(c, f, 0),
            values: vec![v],
        };
        let kind_name = Name {
            text: kind.to_owned(),
            ..name(ty)
        };
        stmts.push(Stmt {
            kind: StmtKind::Resource {
                name: name(res),
                tenant: Name {
                    text: tenant.clone(),
                    ..name(res)
                },
                fields: vec![
                    field("type", ty, kind_name),
                    field("owner", owner, name(owner)),
                ],
            },
            span: res.span,
        });
    }
    (stmts, diags)
}
