//! `grantlog fmt`: format rule, fact and test files in place, check them, or filter stdin.

use super::report;
use crate::fmt::{format, Lang};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

pub const HELP: &str =
    "Formats .dl, .facts and .test files in place: one statement per line start, one
space between tokens, the author's line breaks inside a statement kept, fact and test
statements of the same shape aligned in columns, comments and /// docs kept. Only
whitespace changes, and formatting twice changes nothing. A directory means every such
file under it. A file with a syntax error is reported (file:line:col) and left as it is.

`-` reads stdin and writes the formatted text to stdout (--lang names the language).

Exit status: 0 when done (or, with --check, when every file is formatted); 1 when a file
has a syntax error or cannot be read; 2 for a usage error; 3 when, under --check, a file
would change (and none is broken).

Examples:
  grantlog fmt rules/ examples/
  grantlog fmt --check rules/ examples/       (in CI: lists the files that would change)
  grantlog fmt - --lang facts < instance.facts";

#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FmtLang {
    Dl,
    Facts,
    Test,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or directories to format, or `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 3 if any.
    #[arg(long)]
    pub check: bool,
    /// The language of stdin (`-`).
    #[arg(long, value_enum, default_value = "dl")]
    pub lang: FmtLang,
}

pub fn run(args: &FmtArgs) -> u8 {
    if args.paths.iter().any(|p| p == Path::new("-")) {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (stdin) cannot be combined with other paths");
            return 2;
        }
        return stdin(args);
    }
    let mut files = Vec::new();
    for p in &args.paths {
        if let Err(e) = collect(p, &mut files) {
            eprintln!("error: cannot read `{}`: {e}", p.display());
            return 1;
        }
    }
    let mut status = 0;
    let mut sources = SourceMap::new();
    let mut changed = Vec::new();
    for (path, lang) in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                status = 1;
                continue;
            }
        };
        match format(&name, &text, lang, &mut sources) {
            Ok(out) if out == text => {}
            Ok(out) => {
                if !args.check {
                    if let Err(e) = std::fs::write(&path, out) {
                        eprintln!("error: cannot write `{name}`: {e}");
                        status = 1;
                        continue;
                    }
                }
                changed.push(name);
            }
            Err(diags) => {
                report(&diags, &sources);
                status = 1;
            }
        }
    }
    for name in &changed {
        if args.check {
            super::emit(&format!("would reformat {name}\n"));
        } else {
            eprintln!("formatted {name}");
        }
    }
    // A file that would change is the negative answer `--check` asks about (3); a syntax
    // error, a broken input, wins (1).
    if args.check && !changed.is_empty() && status == 0 {
        status = 3;
    }
    status
}

fn stdin(args: &FmtArgs) -> u8 {
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
        eprintln!("error: cannot read stdin: {e}");
        return 1;
    }
    let lang = match args.lang {
        FmtLang::Dl => Lang::Rules,
        FmtLang::Facts => Lang::Facts,
        FmtLang::Test => Lang::Test,
    };
    let mut sources = SourceMap::new();
    match format("<stdin>", &text, lang, &mut sources) {
        Ok(out) => {
            let differs = out != text;
            super::emit(&out);
            if args.check && differs {
                3
            } else {
                0
            }
        }
        Err(mut diags) => {
            // Text of another language than --lang says (the default is rules): name the
            // flag that reads it, rather than leave a rule-syntax error unexplained.
            let other = [
                (Lang::Facts, "facts"),
                (Lang::Test, "test"),
                (Lang::Rules, "dl"),
            ]
            .into_iter()
            .filter(|(l, _)| *l != lang)
            .find(|(l, _)| format("<stdin>", &text, *l, &mut SourceMap::new()).is_ok());
            if let (Some((_, name)), Some(first)) = (other, diags.iter_mut().find(|d| d.is_error()))
            {
                first.notes.push(format!(
                    "this text reads as the `{name}` language: pass `--lang {name}`"
                ));
            }
            report(&diags, &sources);
            1
        }
    }
}

/// The formattable files a path names: itself (any extension, named explicitly, must be
/// one of the three), or those under a directory, sorted, skipping hidden and `target`.
fn collect(path: &Path, out: &mut Vec<(PathBuf, Lang)>) -> std::io::Result<()> {
    if !path.is_dir() {
        return match Lang::of(path) {
            Some(lang) => {
                out.push((path.to_path_buf(), lang));
                Ok(())
            }
            None if !path.exists() => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            )),
            None => Err(std::io::Error::other("not a .dl, .facts or .test file")),
        };
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else if let Some(lang) = Lang::of(&p) {
            out.push((p, lang));
        }
    }
    Ok(())
}
