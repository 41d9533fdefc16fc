//! The commands accept manifests, tables and directories of them next to .facts files.

use crate::cli_run::{grantlog, grantlog_with_input};

#[test]
fn audit_and_diff_read_the_example_directory() {
    let (out, err, code) = grantlog(&["audit", "sam", "examples/dataos/"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("can_use_depot"), "{out}");
    let (out, err, code) = grantlog(&[
        "diff",
        "--against",
        "rules/dataos-s13-broad.dl",
        "examples/dataos/",
    ]);
    assert_eq!(code, 0, "{err}");
    let (stated, _, _) = grantlog(&[
        "diff",
        "--against",
        "rules/dataos-s13-broad.dl",
        "examples/worked-example.facts",
    ]);
    // The same tuples gained and lost as on the hand-written instance.
    let summary = |s: &str| s.lines().take(2).collect::<Vec<_>>().join("\n");
    assert_eq!(summary(&out), summary(&stated));
    assert!(out.contains("can_manage_access: +5 -0"), "{out}");
}

#[test]
fn a_policy_test_includes_a_directory_of_manifests() {
    let dir = std::env::temp_dir().join(format!("grantlog-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dataos");
    let test = format!(
        "include \"{example}\".\n\ntest imported \"the imported instance misses Can Use Secret\":\n  expect missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret).\n  grant can_use_secret on sf-creds in engineering to sam by maria.\n  expect can_run(engineering, sales-360).\n  expect run_as_grant(dana, sam, iamgroot).\n"
    );
    let path = dir.join("imported.test");
    std::fs::write(&path, test).unwrap();
    let (out, err, code) = grantlog(&["test", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
}

#[test]
fn repl_loads_a_directory() {
    let (text, _, _) = grantlog_with_input(
        &["repl", "--rules", "rules/dataos.dl"],
        ":load examples/dataos\nrun_as_grant(I, G, B)\n",
    );
    assert!(text.contains("loaded examples/dataos"), "{text}");
    assert!(text.contains(" dana │ sam │ iamgroot"), "{text}");
}

#[test]
fn import_fails_whole_on_any_error_and_prints_nothing() {
    let (out, err, code) = grantlog(&["import", "examples/dataos/", "Cargo.toml"]);
    // Cargo.toml is neither a manifest nor a table: import skips it. A bad YAML is an error.
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("resource sales-360"));
    let dir = std::env::temp_dir().join(format!("grantlog-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: x\ntype: compute\n").unwrap();
    let (out, err, code) = grantlog(&["import", "examples/dataos/", bad.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("I0101") && err.contains("bad.yaml:1:1"),
        "{err}"
    );
}

#[test]
fn eval_with_the_shipped_rules_reports_a_pending_request() {
    let (out, err, code) = grantlog(&["eval", "examples/dataos/", "-q", "run_as_grant(I, G, B)"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(" dana │ sam │ iamgroot") && out.contains("(1 row)"),
        "{out}"
    );
    assert!(
        err.contains("warning[I0202]") && err.contains("grants.yaml:19:1"),
        "{err}"
    );
}

#[test]
fn a_directory_skips_text_files_that_are_not_tables() {
    let dir = std::env::temp_dir().join(format!("grantlog-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "applied on Monday; ask maria\n").unwrap();
    std::fs::write(
        dir.join("users.txt"),
        " NAME │ ID │ TYPE │ EMAIL │ TAGS\n──┼──┼──┼──┼──\n Sam │ sam │ person │ s@x │ roles:id:user\n",
    )
    .unwrap();
    let (out, err, code) = grantlog(&["eval", dir.to_str().unwrap(), "-q", "instance_role(U, R)"]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(" sam │ user"), "{out}");
}
