//! The benchmark peer of benches/race.sh: benches/acl.dl compiled with Ascent.
//!
//!   peer gen SIZE DIR          write DIR/acl.facts and DIR/tsv/<relation>.tsv
//!   peer run PATH [--sizes]    PATH = a .facts file or a TSV directory; print the
//!                              `stalled(W)` rows as `grantlog eval --format csv` does,
//!                              and with --sizes the derived relations' sizes

mod gen;
mod rules;

use rustc_hash::FxHashMap;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// The constants the rules name, interned first so the compiled rules can use their ids.
const CONSTANTS: [&str; 3] = ["admin", "use", "manage"];

/// Symbols interned to u32, borrowing their text from the input buffers.
#[derive(Default)]
struct Symbols<'a> {
    ids: FxHashMap<&'a str, u32>,
    names: Vec<&'a str>,
}

impl<'a> Symbols<'a> {
    fn intern(&mut self, s: &'a str) -> u32 {
        let next = self.names.len() as u32;
        *self.ids.entry(s).or_insert_with(|| {
            self.names.push(s);
            next
        })
    }
}

/// Appends one row of `rel` to the program; arity errors are the caller's to report.
fn push(p: &mut rules::Acl, rel: &str, a: &[u32]) -> Result<(), String> {
    let arity = |n: usize| {
        if a.len() == n {
            Ok(())
        } else {
            Err(format!("{rel} takes {n} columns, found {}", a.len()))
        }
    };
    match rel {
        "tenant" => arity(1).map(|_| p.tenant.push((a[0],))),
        "parent" => arity(2).map(|_| p.parent.push((a[0], a[1]))),
        "member" => arity(3).map(|_| p.member.push((a[0], a[1], a[2]))),
        "suspended" => arity(1).map(|_| p.suspended.push((a[0],))),
        "resource" => arity(3).map(|_| p.resource.push((a[0], a[1], a[2]))),
        "workload" => arity(1).map(|_| p.workload.push((a[0],))),
        "depends" => arity(2).map(|_| p.depends.push((a[0], a[1]))),
        "downstream" => arity(2).map(|_| p.downstream.push((a[0], a[1]))),
        "grant" => arity(5).map(|_| p.grant.push((a[0], a[1], a[2], a[3], a[4]))),
        "revoked" => arity(1).map(|_| p.revoked.push((a[0],))),
        _ => Err(format!("unknown relation {rel}")),
    }
}

/// Raw facts `rel(a, b).`, one a line; `//` comments and blank lines are skipped.
fn load_facts<'a>(text: &'a str, syms: &mut Symbols<'a>, p: &mut rules::Acl) -> Result<(), String> {
    let mut row = Vec::with_capacity(5);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let bad = || format!("line {}: expected `rel(a, b).`, found {line:?}", n + 1);
        let (rel, rest) = line.split_once('(').ok_or_else(bad)?;
        let args = rest.strip_suffix(").").ok_or_else(bad)?;
        row.clear();
        row.extend(args.split(',').map(|a| syms.intern(a.trim())));
        push(p, rel.trim(), &row).map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(())
}

fn run(path: &Path, sizes: bool) -> Result<(), String> {
    let mut texts = Vec::new();
    if path.is_dir() {
        for rel in gen::RELATIONS {
            let file = path.join(format!("{rel}.tsv"));
            match std::fs::read_to_string(&file) {
                Ok(t) => texts.push((rel, t)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: {e}", file.display())),
            }
        }
    } else {
        let t = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        texts.push(("", t));
    }
    let mut syms = Symbols::default();
    for c in CONSTANTS {
        syms.intern(c);
    }
    let mut p = rules::Acl::default();
    for (rel, text) in &texts {
        if rel.is_empty() {
            load_facts(text, &mut syms, &mut p).map_err(|e| format!("{}: {e}", path.display()))?;
            continue;
        }
        let mut row = Vec::with_capacity(5);
        for (n, line) in text.lines().enumerate() {
            row.clear();
            row.extend(line.split('\t').map(|a| syms.intern(a)));
            push(&mut p, rel, &row).map_err(|e| format!("{rel}.tsv:{}: {e}", n + 1))?;
        }
    }
    p.run();
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut stalled: Vec<&str> = p
        .stalled
        .iter()
        .map(|&(w,)| syms.names[w as usize])
        .collect();
    stalled.sort_unstable();
    let write = |out: &mut BufWriter<_>| -> io::Result<()> {
        writeln!(out, "W")?;
        for w in &stalled {
            writeln!(out, "{w}")?;
        }
        if sizes {
            for (rel, n) in rules::sizes(&p) {
                eprintln!("{rel} {n}");
            }
        }
        out.flush()
    };
    write(&mut out).map_err(|e| format!("stdout: {e}"))?;
    // Like a compiled engine, leave the freeing to the operating system.
    std::mem::forget(p);
    std::mem::forget(syms);
    std::mem::forget(texts);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["gen", size, dir] => match size.parse::<usize>() {
            Ok(size) => {
                let f = gen::generate(size);
                eprintln!("{} base facts", f.len());
                gen::write(&f, Path::new(dir)).map_err(|e| format!("{dir}: {e}"))
            }
            Err(e) => Err(format!("SIZE {size:?}: {e}")),
        },
        ["run", path] => run(Path::new(path), false),
        ["run", path, "--sizes"] => run(Path::new(path), true),
        _ => Err("usage: peer gen SIZE DIR | peer run PATH [--sizes]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer: {e}");
            ExitCode::FAILURE
        }
    }
}
