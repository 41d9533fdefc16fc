//! Every shell command the docs show runs as shown: the `sh` blocks and the `console`
//! blocks of the Markdown files (README's console blocks are also compared output for
//! output by `readme.rs`), and the commands in the headers of the example files. Each
//! block runs in order in a scratch copy of the repository's rules, examples and docs,
//! with `grantlog` on the PATH and HOME in the scratch directory; a command must exit 0,
//! or N where its line says `exit N`. `cargo` commands are CI's own and not run here.

use crate::readme::expected_status;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A `grantlog WORD` in prose is a command only when WORD is one of these.
const SUBCOMMANDS: &[&str] = &[
    "repl",
    "eval",
    "explain",
    "audit",
    "test",
    "diff",
    "check",
    "generate",
    "fmt",
    "completions",
    "man",
    "import",
    "lsp",
    "rules",
];

const MARKDOWN: &[&str] = &[
    "README.md",
    "examples/README.md",
    "rules/tests/README.md",
    "grammar/LANGUAGE.md",
];

/// The Markdown files whose commands run: [`MARKDOWN`] and every page in `docs/` (a
/// page added later is covered without being listed). The server's pages show their
/// sessions as `shell-session` blocks, which `serve_docs.rs` runs against real servers.
fn markdown_files(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = MARKDOWN.iter().map(|f| f.to_string()).collect();
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Where the reader is in a Markdown file.
enum Block {
    Outside,
    /// A shell block: `console` ones mark commands with `$ `, `sh` ones are all commands.
    Shell {
        console: bool,
    },
    Other,
}

/// Groups of commands (each group runs in order, sharing its directory) and where each
/// came from.
fn markdown_commands(file: &str, text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    let mut block = Block::Outside;
    for (i, line) in text.lines().enumerate() {
        if let Some(lang) = line.strip_prefix("```") {
            block = match block {
                Block::Outside => match lang.trim() {
                    "console" => Block::Shell { console: true },
                    "sh" | "bash" | "shell" => Block::Shell { console: false },
                    _ => Block::Other,
                },
                _ => {
                    groups.push(std::mem::take(&mut current));
                    Block::Outside
                }
            };
            continue;
        }
        let cmd = match block {
            Block::Shell { console: true } => line.strip_prefix("$ "),
            Block::Shell { console: false } => {
                Some(line).filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            }
            _ => None,
        };
        if let Some(cmd) = cmd {
            // A line ending in `\\` continues on the next.
            match current.last_mut() {
                Some((prev, _)) if prev.ends_with('\\') => {
                    prev.pop();
                    prev.push_str(cmd);
                }
                _ => current.push((cmd.to_string(), format!("{file}:{}", i + 1))),
            }
        }
    }
    groups
}

/// `grantlog ...` in the `//` comments of an example or rule file (inside backticks when
/// quoted so), each on its own.
fn header_commands(file: &str, text: &str) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(comment) = line.trim_start().strip_prefix("//") else {
            continue;
        };
        let Some(start) = comment.find("grantlog ") else {
            continue;
        };
        let rest = &comment[start..];
        let quoted = comment[..start].ends_with('`');
        let cmd = if quoted {
            let end = rest.find('`').unwrap_or(rest.len());
            let after = &rest[end..];
            format!(
                "{}{}",
                &rest[..end],
                after
                    .find("exit ")
                    .map_or(String::new(), |e| format!("  # {}", &after[e..]))
            )
        } else {
            rest.to_string()
        };
        let word = cmd.split_whitespace().nth(1).unwrap_or("");
        if SUBCOMMANDS.contains(&word) || word.starts_with('-') {
            out.push(vec![(cmd, format!("{file}:{}", i + 1))]);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A scratch repository copy with `grantlog` on the PATH; (dir, PATH).
fn scratch(n: usize) -> (PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("grantlog-docs-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["rules", "examples", "docs", "grammar", "tests/fixtures"] {
        copy_dir(&root.join(sub), &dir.join(sub));
    }
    let bin = dir.join(".bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join(".home")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_grantlog"), bin.join("grantlog")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

fn run(cmd: &str, dir: &Path, path: &str) -> Result<i32, String> {
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir.join(".home"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.code().unwrap_or(-1));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("still running after 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run one group's commands in order in a fresh scratch directory; the failures.
fn run_group(n: usize, group: &[(String, String)]) -> Vec<String> {
    let mut failures = Vec::new();
    let (dir, path) = scratch(n);
    for (line, at) in group {
        if line.trim_start().starts_with("cargo ") {
            continue;
        }
        let (cmd, want) = expected_status(line);
        match run(cmd, &dir, &path) {
            Ok(code) if code == want => {}
            Ok(code) => failures.push(format!("{at}: `{cmd}` exited {code}, expected {want}")),
            Err(e) => failures.push(format!("{at}: `{cmd}`: {e}")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    failures
}

#[test]
#[cfg(unix)]
fn every_documented_command_runs_as_shown() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut groups = Vec::new();
    let files = markdown_files(root);
    assert!(files.contains(&"docs/import.md".to_string()), "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        groups.extend(markdown_commands(file, &text));
    }
    for dir in ["examples", "examples/tests", "rules"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let text = std::fs::read_to_string(&p).unwrap();
                let name = p.strip_prefix(root).unwrap().display().to_string();
                groups.extend(header_commands(&name, &text));
            }
        }
    }
    let total: usize = groups.iter().map(Vec::len).sum();
    assert!(total >= 30, "found only {total} commands");
    // Groups are independent (each has its own directory): run them on a few threads.
    let groups: Vec<(usize, &Vec<(String, String)>)> = groups
        .iter()
        .filter(|g| !g.is_empty())
        .enumerate()
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(n, group)) = groups.get(i) else {
                    break;
                };
                let found = run_group(n, group);
                failures.lock().unwrap().extend(found);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn header_commands_are_found_and_prose_is_not() {
    let h = header_commands("x", "// Load with:  grantlog repl examples/x.facts\n// prose about grantlog policy\n// `grantlog test t.test` fails (exit 1).\n");
    let cmds: Vec<&str> = h.iter().map(|g| g[0].0.as_str()).collect();
    assert_eq!(
        cmds,
        [
            "grantlog repl examples/x.facts",
            "grantlog test t.test  # exit 1)."
        ]
    );
}
