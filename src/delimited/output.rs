//! `--output-dir`: derived relations written as TSV, the form [`super`] reads back.

use crate::diag::Diagnostic;
use crate::engine::Model;
use crate::program::RelId;
use crate::syntax::ast::Const;
use std::path::Path;

/// The tuples of `rel` as TSV lines, sorted; E0005 for a symbol TSV cannot hold.
pub fn to_tsv(model: &Model, rel: RelId) -> Result<String, Diagnostic> {
    let mut rows: Vec<Vec<&Const>> = model
        .tuples(rel)
        .map(|t| t.iter().map(|&v| model.constant(v)).collect())
        .collect();
    rows.sort();
    let mut out = String::new();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            match c {
                Const::Num(n) => out.push_str(&n.to_string()),
                Const::Sym(s) if s.contains(['\t', '\n', '\r']) => {
                    return Err(Diagnostic::error(
                        "E0005",
                        format!(
                        "cannot write `{}` as TSV: the symbol {s:?} holds a tab or a line break",
                        model.program().relation_name(rel)
                    ),
                    )
                    .help("TSV has no quoting; keep tabs and line breaks out of symbols"))
                }
                Const::Sym(s) => out.push_str(s),
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// `--output-dir`: every derived relation of `model` as `DIR/<relation>.tsv`.
pub fn write_dir(model: &Model, dir: &Path) -> Result<usize, Diagnostic> {
    let io = |e: std::io::Error, what: &Path| {
        Diagnostic::error("E0005", format!("cannot write `{}`: {e}", what.display()))
            .help("check that the output directory can be created and written")
    };
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let program = model.program();
    let mut n = 0;
    for rel in program.relations().filter(|&r| program.is_derived(r)) {
        let path = dir.join(format!("{}.tsv", program.relation_name(rel)));
        std::fs::write(&path, to_tsv(model, rel)?).map_err(|e| io(e, &path))?;
        n += 1;
    }
    Ok(n)
}
