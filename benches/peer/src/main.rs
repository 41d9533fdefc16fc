//! The benchmark peer of benches/race.sh: benches/acl.dl compiled with Ascent.
//!
//!   peer gen SIZE DIR          write DIR/acl.facts and DIR/tsv/<relation>.tsv
//!   peer run PATH [--sizes]    PATH = a .facts file or a TSV directory; print the
//!                              `stalled(W)` rows as `grantlog eval --format csv` does,
//!                              and with --sizes the derived relations' sizes
//!   peer run-par PATH [--sizes]  the same with `ascent_par!` on rayon's pool (all cores;
//!                              RAYON_NUM_THREADS=N to choose)

mod gen;
mod rules;

use rules::{Acl, AclPar, Program};
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

/// Raw facts `rel(a, b).`, one a line; `//` comments and blank lines are skipped.
fn load_facts<'a, P: Program>(
    text: &'a str,
    syms: &mut Symbols<'a>,
    p: &mut P,
) -> Result<(), String> {
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
        p.push(rel.trim(), &row)
            .map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(())
}

fn run<P: Program>(path: &Path, sizes: bool) -> Result<(), String> {
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
    let mut p = P::default();
    for (rel, text) in &texts {
        if rel.is_empty() {
            load_facts(text, &mut syms, &mut p).map_err(|e| format!("{}: {e}", path.display()))?;
            continue;
        }
        let mut row = Vec::with_capacity(5);
        for (n, line) in text.lines().enumerate() {
            row.clear();
            row.extend(line.split('\t').map(|a| syms.intern(a)));
            p.push(rel, &row)
                .map_err(|e| format!("{rel}.tsv:{}: {e}", n + 1))?;
        }
    }
    p.evaluate();
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut stalled: Vec<&str> = p
        .stalled()
        .into_iter()
        .map(|w| syms.names[w as usize])
        .collect();
    stalled.sort_unstable();
    let write = |out: &mut BufWriter<_>| -> io::Result<()> {
        writeln!(out, "W")?;
        for w in &stalled {
            writeln!(out, "{w}")?;
        }
        if sizes {
            for (rel, n) in p.sizes() {
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
        ["run", path] => run::<Acl>(Path::new(path), false),
        ["run", path, "--sizes"] => run::<Acl>(Path::new(path), true),
        ["run-par", path] => run::<AclPar>(Path::new(path), false),
        ["run-par", path, "--sizes"] => run::<AclPar>(Path::new(path), true),
        _ => Err("usage: peer gen SIZE DIR | peer run|run-par PATH [--sizes]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer: {e}");
            ExitCode::FAILURE
        }
    }
}
