//! Inputs as they are at a git revision (`grantlog diff --base REV`), read through the
//! `git` program: it is on every machine that has a checkout (CI runners included), reads
//! any repository layout git itself reads (worktrees, packs, shallow clones), and needs
//! no library of its own. Each file at the revision is named `REV:path`, so OLD's
//! diagnostics and proofs say which version they cite.

use crate::diag::Diagnostic;
use crate::load::Text;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The texts of `paths` (files, and directories read as `grantlog eval DIR` reads them) at
/// revision `rev` of the repository holding them. A file the revision does not have is
/// left out (it is new in the working tree). Usage errors: no `git` program, a path
/// outside a repository, a revision the repository does not have.
pub fn texts_at(rev: &str, paths: &[PathBuf]) -> Result<Vec<Text>, Vec<Diagnostic>> {
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match path_at(rev, p) {
            Ok(t) => texts.extend(t),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(errors)
    }
}

fn path_at(rev: &str, path: &Path) -> Result<Vec<Text>, Diagnostic> {
    let is_dir = path.is_dir();
    let dir = if is_dir {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let shown = path.display();
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
        GitError::Missing => missing_git(),
        GitError::Failed(_) => Diagnostic::error(
            "E0003",
            format!("`{shown}` is not inside a git repository, so --base {rev} cannot read it"),
        )
        .help("run in a checkout of the repository, or name the old facts with --old-facts"),
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end());
    let spec = format!("{rev}^{{commit}}");
    if git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .is_err()
    {
        return Err(Diagnostic::error(
            "E0003",
            format!(
                "unknown revision `{rev}` in the repository at `{}`",
                top.display()
            ),
        )
        .help(
            "name a branch, tag or commit (`git log --oneline` lists them); a CI checkout \
             may need the base branch fetched first (`git fetch origin main`)",
        ));
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let full = if is_dir {
        canon(path)
    } else {
        canon(&dir).join(path.file_name().unwrap_or_default())
    };
    let rel = full
        .strip_prefix(canon(&top))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let rel_text = rel.to_string_lossy().replace('\\', "/");
    let listed = git(
        &top,
        &["ls-tree", "-r", "-z", "--name-only", rev, "--", &rel_text],
    )
    .map_err(|_| usage(format!("cannot list `{shown}` at {rev}")))?;
    let mut files: Vec<PathBuf> = listed
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| PathBuf::from(String::from_utf8_lossy(n).into_owned()))
        .collect();
    files.sort();
    let blobs = cat_files(&top, rev, &files)?;
    let mut texts = Vec::new();
    for (file, bytes) in files.iter().zip(blobs) {
        // The name the working tree's side gives the same file.
        let name = if is_dir {
            path.join(file.strip_prefix(&rel).unwrap_or(file))
        } else {
            path.to_path_buf()
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(usage(format!(
                "`{}` at {rev} is not UTF-8 text",
                name.display()
            )));
        };
        let base = name.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if is_dir && !crate::import::wanted_in_directory(base, || Some(text.clone())) {
            continue;
        }
        texts.push(Text::new(format!("{rev}:{}", name.display()), text));
    }
    Ok(texts)
}

/// The contents of `files` (paths from the top of the repository) at `rev`, in order,
/// through one `git cat-file --batch`.
fn cat_files(top: &Path, rev: &str, files: &[PathBuf]) -> Result<Vec<Vec<u8>>, Diagnostic> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| missing_git())?;
    let mut stdin = child.stdin.take().expect("piped");
    let names: Vec<String> = files
        .iter()
        .map(|f| format!("{rev}:{}\n", f.to_string_lossy().replace('\\', "/")))
        .collect();
    // Written on another thread: git answers as it reads, and both pipes have limits.
    let writer = std::thread::spawn(move || {
        for n in names {
            if stdin.write_all(n.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut blobs = Vec::with_capacity(files.len());
    for f in files {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|e| usage(format!("git cat-file: {e}")))?;
        let size = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| usage(format!("cannot read `{}` at {rev}", f.display())))?;
        let mut body = vec![0; size + 1];
        out.read_exact(&mut body)
            .map_err(|e| usage(format!("git cat-file: {e}")))?;
        body.pop();
        blobs.push(body);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(blobs)
}

enum GitError {
    Missing,
    Failed(#[allow(dead_code)] Vec<u8>),
}

/// `git -C dir ARGS`: its stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|_| GitError::Missing)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed(out.stderr))
    }
}

fn missing_git() -> Diagnostic {
    Diagnostic::error(
        "E0003",
        "--base needs the `git` program, which was not found",
    )
    .help("install git (or put it on PATH), or name the old facts with --old-facts")
}

fn usage(message: String) -> Diagnostic {
    Diagnostic::error("E0003", message).help("check the revision and the paths")
}
