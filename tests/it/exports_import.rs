//! Issue 24, item 1: the fields that name dependencies in stack-specific places are
//! read (Soda's `options.clusterName`, Lens and Talos `source`), and a field that looks
//! like a dependency but is not read is a warning, never silence.

use crate::import_util::{open_with_base, rows};

/// A compute and a cluster in engineering, as .facts.
const RESOURCES: &str = "resource runnable-default in engineering type: compute owner: maria.
resource miniature in engineering type: cluster owner: maria.
resource sf-depot in engineering type: depot owner: maria.";

const SODA: &str = "name: quality-checks
version: v1
type: workflow
owner: sam
workflow:
  dag:
    - name: soda-job
      spec:
        stack: soda+python:1.0
        compute: runnable-default
        stackSpec:
          inputs:
            - dataset: dataos://sf-depot:retail/customer
              options:
                engine: minerva
                clusterName: miniature
              checks:
                - row_count between 10 and 1000
";

fn warnings(ws: &grantlog::workspace::Workspace) -> Vec<String> {
    ws.warnings.iter().map(|d| d.render(&ws.sources)).collect()
}

#[test]
fn a_soda_check_depends_on_the_cluster_it_queries_through() {
    let ws = open_with_base(&[
        ("r.facts", RESOURCES),
        ("tenants/engineering/soda.yaml", SODA),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let deps = rows(&ws, "depends_on");
    // Before: only the compute and the depot; the workload looked runnable without
    // any right on the cluster (S22).
    assert!(
        deps.contains("engineering,quality-checks,cluster,miniature"),
        "{deps:?}"
    );
    assert!(
        deps.contains("engineering,quality-checks,depot,sf-depot"),
        "{deps:?}"
    );
    assert!(warnings(&ws).is_empty(), "{:?}", warnings(&ws));
}

#[test]
fn a_soda_check_through_an_unknown_cluster_is_an_error_at_its_name() {
    let Err(err) = open_with_base(&[
        ("r.facts", RESOURCES),
        (
            "tenants/engineering/soda.yaml",
            &SODA.replace("clusterName: miniature", "clusterName: minaiture"),
        ),
    ]) else {
        panic!("an unknown cluster was ignored")
    };
    assert!(
        err.contains("no resource \"minaiture\" in tenant engineering"),
        "{err}"
    );
    assert!(
        err.contains("--> tenants/engineering/soda.yaml:16:30"),
        "{err}"
    );
}

#[test]
fn lens_and_talos_sources_name_a_cluster_or_a_depot() {
    let lens = "name: sales-lens\nversion: v1alpha\ntype: service\nowner: sam\nspec:\n  compute: runnable-default\n  stack: lens:2.0\n  stackSpec:\n    source:\n      type: minerva\n      name: miniature\n      catalog: lakehouse\n";
    let talos = "name: sales-api\nversion: v1\ntype: service\nowner: sam\nspec:\n  compute: runnable-default\n  stack: talos:2.0\n  stackSpec:\n    sources:\n      - name: sf-depot\n        type: depot\n";
    let ws = open_with_base(&[
        ("r.facts", RESOURCES),
        ("tenants/engineering/lens.yaml", lens),
        ("tenants/engineering/talos.yaml", talos),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let deps = rows(&ws, "depends_on");
    assert!(
        deps.contains("engineering,sales-lens,cluster,miniature"),
        "{deps:?}"
    );
    assert!(
        deps.contains("engineering,sales-api,depot,sf-depot"),
        "{deps:?}"
    );
}

#[test]
fn a_field_that_looks_like_a_dependency_but_is_not_read_is_a_warning() {
    let beacon = "name: stores-api\nversion: v1\ntype: service\nowner: sam\nspec:\n  compute: runnable-default\n  stack: beacon+rest\n  clusterRef: miniature\n  stackSpec:\n    source:\n      type: database\n      name: retail01\n";
    let ws = open_with_base(&[
        ("r.facts", RESOURCES),
        ("tenants/engineering/beacon.yaml", beacon),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let w = warnings(&ws).join("\n");
    // Before: both were silently ignored.
    assert!(
        w.contains("warning[I0204]: field `clusterRef` looks like a dependency but is not read\n --> tenants/engineering/beacon.yaml:8:3"),
        "{w}"
    );
    assert!(
        w.contains("warning[I0204]: a `source` of type `database` is not read as a dependency\n  --> tenants/engineering/beacon.yaml:11:7"),
        "{w}"
    );
    // A `dataos://` address in any field is read, not warned about.
    let flare = "name: wf\nversion: v1\ntype: workflow\nowner: sam\nworkflow:\n  dag:\n    - name: load\n      spec:\n        stack: flare:7.0\n        compute: runnable-default\n        stackSpec:\n          job:\n            outputs:\n              - name: out\n                depot: dataos://sf-depot?acl=rw\n            inputs:\n              - name: orders\n                dataset: dataos://sf-depot:public/orders\n                sourceDepot: dataos://sf-depot\n";
    let ws = open_with_base(&[
        ("r.facts", RESOURCES),
        ("tenants/engineering/wf.yaml", flare),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings(&ws).is_empty(), "{:?}", warnings(&ws));
    assert!(rows(&ws, "depends_on").contains("engineering,wf,depot,sf-depot"));
}

/// `dataos-ctl user get` as people save it: log lines above the table, a BOM, CRLF.
const CAPTURE: &str = "\u{feff}INFO[0000] 😃 user get...\r\nINFO[0001] 😃 user get...complete\r\n\r\n          NAME          │     ID      │    TYPE     │        EMAIL        │         TAGS\r\n────────────────────────┼─────────────┼─────────────┼─────────────────────┼──────────────────────\r\n Data Product Developer │ dpdeveloper │ application │ dpdeveloper@tmdc.io │ users:id:dpdeveloper\r\n IamGroot               │ iamgroot    │ person      │ iamgroot@tmdc.io    │ roles:id:operator\r\n";

fn scratch(name: &str, file: &str, bytes: &[u8]) -> String {
    let d = std::env::temp_dir().join(format!(
        "grantlog-exports-imp-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(file);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

#[test]
fn a_user_get_capture_with_log_lines_a_bom_and_crlf_is_read() {
    let path = scratch("capture", "users.txt", CAPTURE.as_bytes());
    let (out, err, code) = crate::cli_run::grantlog(&["import", &path]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("user dpdeveloper type application name \"Data Product Developer\""),
        "{out}"
    );
    assert!(out.contains("instance\n  operator: iamgroot."), "{out}");
    // The same file given to eval, beside a tenant.
    let (out, err, code) = crate::cli_run::grantlog(&["eval", &path, "-q", "user(iamgroot, T)"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("person"), "{out}");
}

#[test]
fn a_capture_without_a_table_is_one_error_that_says_so() {
    let text = "INFO[0000] 😃 user get...\nERRO[0001] 😃 user get...failed: not logged in\n";
    let path = scratch("no-header", "users.txt", text.as_bytes());
    for args in [
        vec!["import", path.as_str()],
        vec!["eval", path.as_str(), "-q", "user(U, T)"],
    ] {
        let (out, err, code) = crate::cli_run::grantlog(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        // Before: one Datalog syntax error per line (102 of them for a longer file).
        assert_eq!(err.matches("error[").count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("error[I0302]: not a dataos-ctl table: no header found"),
            "{err}"
        );
    }
}

#[test]
fn a_damaged_header_is_located_instead_of_shifting_the_columns() {
    // The header lost the separator between TYPE and EMAIL.
    let text = "   NAME   │    ID    │  TYPE        EMAIL       │  TAGS\n──────────┼──────────┼─────────────────────────┼────────\n IamGroot │ iamgroot │ person │ iamgroot@tmdc.io │ roles:id:operator\n";
    let path = scratch("damaged", "users.txt", text.as_bytes());
    let (out, err, code) = crate::cli_run::grantlog(&["import", &path]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("error[I0303]: this row has 5 cells, the header 4"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {path}:3:1")), "{err}");
}

const GRANT_HEAD: &str = "name: g\nversion: v1alpha\ntype: grant\ngrant:\n  policy_use_case_id: run-as-user\n  approve: true\n  manageAsUser: iamgroot\n";

#[test]
fn bifrost_grants_name_the_identity_by_user_id_and_may_have_several_subjects() {
    let yaml = format!(
        "{GRANT_HEAD}  subjects: [users:id:sam, users:id:maria]\n  values:\n    run-as-dataos-resource:\n      - userId: dpdeveloper\n"
    );
    let ws = open_with_base(&[("grants.yaml", &yaml)]).unwrap_or_else(|e| panic!("{e}"));
    let grants = rows(&ws, "run_as_grant");
    // Before: I0101 "has no `values.run-as-dataos-resource[].path:`".
    assert!(grants.contains("dpdeveloper,sam,iamgroot"), "{grants:?}");
    assert!(grants.contains("dpdeveloper,maria,iamgroot"), "{grants:?}");
}

#[test]
fn a_role_tag_as_a_run_as_subject_says_what_s26_allows() {
    let yaml = format!(
        "{GRANT_HEAD}  subjects:\n    - roles:id:data-dev\n  values:\n    run-as-dataos-resource:\n      - path: users:id:dpdeveloper\n"
    );
    let Err(err) = open_with_base(&[("grants.yaml", &yaml)]) else {
        panic!("a role tag was taken as a user")
    };
    // Before: "unknown user roles:id:data-dev" with help to declare such a user.
    assert!(
        err.contains("error[I0104]: grant \"g\": a run-as grant's subject is a user, not the role tag `roles:id:data-dev`"),
        "{err}"
    );
    assert!(err.contains("--> grants.yaml:9:7"), "{err}");
    assert!(err.contains("run-as is granted to a user (S26)"), "{err}");
    assert!(!err.contains("declare"), "{err}");
}

#[test]
fn import_checks_as_eval_does_and_prints_nothing_on_an_error() {
    let d = std::env::temp_dir().join(format!("grantlog-exports-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let t = d.join("tenants/engineering");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(d.join("base.facts"), crate::import_util::BASE).unwrap();
    std::fs::write(
        t.join("wf.yaml"),
        "name: wf\nversion: v1\ntype: workflow\nowner: sam\nworkflow:\n  dag:\n    - name: a\n      spec:\n        runAsUser: dpdevloper\n        stackSpec:\n          inputs: [{dataset: \"dataos://nodepot:a/b\"}]\n",
    )
    .unwrap();
    let dir = d.to_str().unwrap();
    let (out, err, code) = crate::cli_run::grantlog(&["import", dir]);
    // Before: exit 0 and a .facts text that failed only when loaded.
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("unknown user \"dpdevloper\""), "{err}");
    assert!(err.contains("wf.yaml:9:20"), "{err}");
    assert!(err.contains("no resource \"nodepot\""), "{err}");
}

#[test]
fn import_of_a_directory_prints_facts_that_load_on_their_own() {
    let (out, err, code) = crate::cli_run::grantlog(&["import", "examples/dataos/"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("// from examples/dataos/tenant.facts (copied as it is)\n"),
        "{out}"
    );
    let d = std::env::temp_dir().join(format!("grantlog-exports-alone-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let path = d.join("instance.facts");
    std::fs::write(&path, &out).unwrap();
    let q = "missing_permission(T, W, I, D, P)";
    let (alone, err, code) = crate::cli_run::grantlog(&["eval", path.to_str().unwrap(), "-q", q]);
    // Before: F0102 unknown tenant "engineering", five times.
    assert_eq!(code, 0, "{err}");
    let (dir, _, _) = crate::cli_run::grantlog(&["eval", "examples/dataos/", "-q", q]);
    assert_eq!(alone, dir);
    assert!(
        alone.contains("engineering │ sales-360 │ sam │ sf-creds │ can_use_secret"),
        "{alone}"
    );
}

#[test]
fn one_yaml_typo_is_one_error_not_a_cascade() {
    let d = std::env::temp_dir().join(format!("grantlog-exports-typo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for e in ["tenant.facts", "users.txt", "grants.yaml"] {
        std::fs::copy(format!("examples/dataos/{e}"), d.join(e)).unwrap();
    }
    let t = d.join("tenants/engineering");
    std::fs::create_dir_all(&t).unwrap();
    for e in [
        "compute.yaml",
        "minerva-cluster.yaml",
        "sales-360.yaml",
        "sf-depot.yaml",
    ] {
        std::fs::copy(
            format!("examples/dataos/tenants/engineering/{e}"),
            t.join(e),
        )
        .unwrap();
    }
    // A typo in the compute's manifest: an unclosed flow sequence.
    let compute = std::fs::read_to_string(t.join("compute.yaml")).unwrap();
    std::fs::write(
        t.join("compute.yaml"),
        compute.replacen("name: runnable-default", "name: [runnable-default", 1),
    )
    .unwrap();
    let (_, err, code) =
        crate::cli_run::grantlog(&["eval", d.to_str().unwrap(), "-q", "tenant(T)"]);
    assert_eq!(code, 1, "{err}");
    // Before: every reference to the compute in the other files was an error too.
    assert_eq!(err.matches("error[").count(), 1, "{err}");
    assert!(err.starts_with("error[I0001]: YAML syntax error"), "{err}");
    assert!(err.contains("compute.yaml:"), "{err}");
}

#[test]
fn check_accepts_what_eval_accepts() {
    // Before: 16 false errors (the .facts file read without the manifests and table).
    let (_, err, code) = crate::cli_run::grantlog(&["check", "examples/dataos/"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[I0202]"), "{err}");
    assert!(err.ends_with("ok: 7 files, 1 warning\n"), "{err}");
    // Before: a usage error (exit 2) for a manifest named alone. Now eval's own errors.
    let (_, err, code) = crate::cli_run::grantlog(&["check", "examples/dataos/grants.yaml"]);
    let (_, eval_err, _) =
        crate::cli_run::grantlog(&["eval", "examples/dataos/grants.yaml", "-q", "tenant(T)"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[F0101]: unknown user \"sam\"\n  --> examples/dataos/grants.yaml:10:7"),
        "{err}"
    );
    assert_eq!(
        err.matches("error[").count(),
        eval_err.matches("error[").count(),
        "{err}\n{eval_err}"
    );
}

#[test]
fn citations_point_at_the_line_that_states_the_thing() {
    // A user's instance role: the user's row in the table, not the header.
    let (out, err, code) =
        crate::cli_run::grantlog(&["explain", "instance_role(sam, user)", "examples/dataos/"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("fact at examples/dataos/users.txt:8"), "{out}");
    // A manifest that starts with `version:`: its `name:` line.
    let yaml = "version: v1\nname: extra\ntype: compute\nowner: maria\n";
    let ws = open_with_base(&[("tenants/engineering/extra.yaml", yaml)])
        .unwrap_or_else(|e| panic!("{e}"));
    let at = crate::import_util::origins(&ws, "resource");
    assert!(at.contains("tenants/engineering/extra.yaml:2"), "{at:?}");
}
