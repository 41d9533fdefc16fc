//! grantlog against the Ascent peer (benches/peer, serial and parallel) on benches/acl.dl,
//! whole process: the same `stalled(W)` rows and the same size for every derived relation. Ignored
//! because it builds the peer crate in release; benches/race.sh makes the same check at
//! every size it races. Run: `cargo test --test it peer_ascent -- --ignored`.

use crate::cli_run::grantlog;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().expect("start");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (text(out.stdout), text(out.stderr))
}

fn peer() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("benches/peer/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest));
    root.join("benches/peer/target/release/grantlog-peer")
}

#[test]
#[ignore = "builds benches/peer (Ascent) in release"]
fn acl_workload_at_10k_matches_ascent_row_for_row() {
    let peer = peer();
    let dir = std::env::temp_dir().join(format!("grantlog-peer-ascent-{}", std::process::id()));
    let (_, gen) = run(Command::new(&peer).arg("gen").arg("10000").arg(&dir));
    let facts = dir.join("acl.facts");
    let facts = facts.to_str().unwrap();

    let (peer_rows, peer_sizes) = run(Command::new(&peer).args(["run", facts, "--sizes"]));
    let (tsv_rows, _) = run(Command::new(&peer).arg("run").arg(dir.join("tsv")));
    // The parallel program (`ascent_par!`, the same rules) is raced too: it must agree.
    let (par_rows, par_sizes) = run(Command::new(&peer).args(["run-par", facts, "--sizes"]));
    assert_eq!(par_rows, peer_rows, "ascent_par's stalled(W) rows");
    assert_eq!(par_sizes, peer_sizes, "ascent_par's derived sizes");
    let (ours, err, code) = grantlog(&[
        "eval",
        "--rules",
        "benches/acl.dl",
        facts,
        "-q",
        "stalled(W)",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ours, peer_rows, "stalled(W) rows");
    assert_eq!(tsv_rows, peer_rows, "the peer reads the TSV form the same");

    // grantlog's table without a query: " relation │ tuples" rows after two header lines.
    let (table, err, code) = grantlog(&["eval", "--rules", "benches/acl.dl", facts]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "acl.dl loads without warnings: {err}");
    let ours: Vec<(String, usize)> = table
        .lines()
        .skip(2)
        .map(|l| {
            let (rel, n) = l.split_once('│').expect("table row");
            (rel.trim().to_string(), n.trim().parse().expect("count"))
        })
        .collect();
    let theirs: Vec<(String, usize)> = peer_sizes
        .lines()
        .map(|l| {
            let (rel, n) = l.split_once(' ').expect("size line");
            (rel.to_string(), n.parse().expect("count"))
        })
        .collect();
    assert_eq!(ours, theirs, "derived relation sizes");
    // The input exercises every rule: no derived relation is empty, and it is ~10k facts.
    assert!(
        theirs.len() >= 14 && theirs.iter().all(|(_, n)| *n > 0),
        "{theirs:?}"
    );
    let base: usize = gen.split(' ').next().unwrap().parse().expect("gen count");
    assert!((9_000..12_000).contains(&base), "{gen}");
    std::fs::remove_dir_all(&dir).ok();
}
