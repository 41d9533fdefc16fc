//! examples/dataos/ (S30 as manifests, a user table, a grant manifest and a short .facts
//! file) decides exactly what examples/worked-example.facts decides, relation by
//! relation, once the one approved run-as grant of grants.yaml is added to the latter.

use crate::cli_run::grantlog;
use crate::import_util::{open, rows};
use std::path::{Path, PathBuf};

/// The example's files as `grantlog eval examples/dataos/` reads them (sorted, recursive).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn dataos_example_gives_the_worked_example_decisions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("examples/dataos"), &mut paths);
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let name = p.strip_prefix(root).unwrap().display().to_string();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let imported = open(&refs).unwrap_or_else(|e| panic!("{e}"));
    let worked = std::fs::read_to_string(root.join("examples/worked-example.facts")).unwrap();
    let approved = "grant run-as dana to sam by iamgroot.";
    let stated = open(&[
        ("worked-example.facts", &worked),
        ("approved.facts", approved),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let program = stated.program();
    let mut compared = 0;
    for rel in program.relations() {
        let name = program.relation_name(rel).to_string();
        assert_eq!(
            rows(&imported, &name),
            rows(&stated, &name),
            "relation {name}"
        );
        compared += usize::from(!rows(&stated, &name).is_empty());
    }
    assert!(
        compared > 20,
        "only {compared} non-empty relations compared"
    );
    assert!(rows(&imported, "missing_permission")
        .contains("engineering,sales-360,sam,sf-creds,can_use_secret"));
}

#[test]
fn import_prints_deterministic_facts_text_that_loads_to_the_same_decisions() {
    let (out, err, code) = grantlog(&["import", "examples/dataos/"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, grantlog(&["import", "examples/dataos/"]).0);
    assert!(out.contains("// from examples/dataos/tenants/engineering/sales-360.yaml:2\nresource sales-360 in engineering"), "{out}");
    assert!(out.contains("grant run-as dana to sam by iamgroot."));
    assert!(out.contains("// grant \"sam-runas-maria\" is pending (approve: false)"));
    // The printed text, which copies the directory's .facts file, is the same instance.
    let printed = open(&[("printed.facts", &out)]).unwrap_or_else(|e| panic!("{e}"));
    let via_dir = grantlog(&[
        "eval",
        "examples/dataos/",
        "-q",
        "missing_permission(T, W, I, D, P)",
    ]);
    assert_eq!(via_dir.2, 0, "{}", via_dir.1);
    assert!(
        via_dir.0.contains("sf-creds │ can_use_secret"),
        "{}",
        via_dir.0
    );
    assert_eq!(rows(&printed, "missing_permission").len(), 1);
    assert_eq!(rows(&printed, "run_as_grant").len(), 1);
}

#[test]
fn proofs_cite_the_manifest_line() {
    let (out, err, code) = grantlog(&[
        "explain",
        "needs(engineering, sales-360, sf-creds, can_use_secret)",
        "examples/dataos/",
    ]);
    assert_eq!(code, 0, "{err}");
    // The depot's linked secret is the `- id: engineering:sf-creds` line of its manifest.
    assert!(
        out.contains("fact at examples/dataos/tenants/engineering/sf-depot.yaml:21"),
        "{out}"
    );
    assert!(
        out.contains("fact at examples/dataos/tenants/engineering/sales-360.yaml:2"),
        "{out}"
    );
}
