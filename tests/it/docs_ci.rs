//! The CI jobs of `docs/impact.md`, run as written against a scratch git repository (no
//! network: `origin` is the repository itself): the GitHub Actions step's `run:` script
//! and the GitLab job's `script:` lines, on a pull request that gives sam Can Manage
//! Access. Each writes the summary the doc shows and fails the job (status 3).

use crate::diff_facts::{git, have_git};
use std::path::{Path, PathBuf};
use std::process::Command;

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/impact.md")).unwrap()
}

/// The `run: |` block of the GitHub step named `step`, dedented.
fn github_run(doc: &str, step: &str) -> String {
    let lines: Vec<&str> = doc.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {step}"))
        .expect("the step");
    let run = (at..lines.len())
        .find(|&i| lines[i].trim() == "run: |")
        .expect("its run block");
    let indent = lines[run].len() - lines[run].trim_start().len();
    let body: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .copied()
        .collect();
    let cut = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| l.get(cut..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The GitLab job's `script:` items, unquoted, as one shell script.
fn gitlab_script(doc: &str) -> String {
    let lines: Vec<&str> = doc.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == "script:")
        .expect("the script");
    lines[at + 1..]
        .iter()
        .map_while(|l| l.strip_prefix("    - "))
        .map(
            |item| match item.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')) {
                Some(quoted) => quoted.replace("''", "'"),
                None => item.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// The doc's sample comment, up to its `...`.
fn sample_comment(doc: &str) -> String {
    let start = doc.find("```text\n").expect("the sample") + 8;
    let end = start + doc[start..].find("...\n").expect("its end");
    doc[start..end].to_string()
}

/// A repository whose `main` holds the instance in `instance/`, `origin` itself, and a
/// working tree where sam is granted Can Manage Access on the depot.
fn pull_request(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("docs-ci-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("instance")).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dataos");
    copy(&examples, &dir.join("instance"));
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "the instance"]);
    git(&dir, &["remote", "add", "origin", "."]);
    git(&dir, &["fetch", "-q", "origin"]);
    git(&dir, &["checkout", "-q", "-b", "give-sam-the-depot"]);
    let tenant = dir.join("instance/tenant.facts");
    let mut text = std::fs::read_to_string(&tenant).unwrap();
    text.push_str("grant can_manage_access on sf-depot in engineering to sam by maria.\n");
    std::fs::write(&tenant, text).unwrap();
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// `sh -c script` in `dir` with `grantlog` on the PATH and `env`; (status, stdout).
fn sh(dir: &Path, script: &str, env: &[(&str, String)]) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_grantlog")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-ec", script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("GITLAB_TOKEN")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_github_actions_step_writes_the_summary_and_the_gate() {
    if !have_git() {
        return;
    }
    let doc = doc();
    let dir = pull_request("github");
    let (summary, output) = (dir.join("step-summary.md"), dir.join("step-output"));
    let script = github_run(&doc, "Diff the instance against the base branch");
    assert!(script.contains("grantlog diff --base"), "{script}");
    let (status, _) = sh(
        &dir,
        &script,
        &[
            ("GITHUB_BASE_REF", "main".into()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
            ("GITHUB_OUTPUT", output.display().to_string()),
        ],
    );
    assert_eq!(
        status, 0,
        "the step records the status; a later step fails the job"
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "status=3\n");
    let posted = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(posted.starts_with(&sample_comment(&doc)), "{posted}");
    assert!(
        posted.contains("  + can_manage_access(sam, engineering, sf-depot)\n"),
        "{posted}"
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), posted);
}

#[test]
fn the_gitlab_job_prints_the_summary_and_fails() {
    if !have_git() {
        return;
    }
    let doc = doc();
    let dir = pull_request("gitlab");
    let script = gitlab_script(&doc);
    assert!(script.ends_with("exit $status"), "{script}");
    let (status, stdout) = sh(
        &dir,
        &script,
        &[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".into())],
    );
    assert_eq!(status, 3, "{stdout}");
    let posted = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(posted.starts_with(&sample_comment(&doc)), "{posted}");
    assert_eq!(stdout, posted, "the job log shows the summary");
}
