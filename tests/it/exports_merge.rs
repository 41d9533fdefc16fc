//! Issue 24 item 3: the same user or resource in two exports is one statement when they
//! agree, and error I0105 naming both places when they disagree (it was F0104 "already
//! defined" either way).

use crate::cli_run::grantlog;
use crate::fidelity_util::TempDir;

const USERS: &str = "INFO[0000] 😃 user get...
INFO[0001] 😃 user get...complete

          NAME          │     ID      │    TYPE     │        EMAIL        │         TAGS
────────────────────────┼─────────────┼─────────────┼─────────────────────┼──────────────────────
 Iam Groot              │ iamgroot    │ person      │ iamgroot@tmdc.io    │ roles:id:operator, roles:id:user
 Data Product Developer │ dpdeveloper │ application │ dpdeveloper@tmdc.io │ users:id:dpdeveloper
";

const CREATED: &str = "INFO[0000] 🤠 user create...
INFO[0006] 🤠 user create...complete

          NAME          │     ID      │    TYPE     │        EMAIL        │         TAGS
────────────────────────┼─────────────┼─────────────┼─────────────────────┼──────────────────────
 Data Product Developer │ dpdeveloper │ application │ dpdeveloper@tmdc.io │ users:id:dpdeveloper
";

const LISTING: &str = "        NAME       | VERSION |  TYPE   | WORKSPACE | STATUS |  OWNER
-------------------|---------|---------|-----------|--------|----------
  runnable-default | v1beta  | compute |           | active | iamgroot
  lake-compute     | v1beta  | compute |           | active | iamgroot
";

const MANIFEST: &str = "name: runnable-default
version: v1beta
type: compute
owner: iamgroot
";

fn instance(dir: &TempDir, created: &str, listing: &str) -> String {
    dir.write("users.txt", USERS);
    dir.write("created.txt", created);
    dir.write("tenants/engineering/tenant.facts", "tenant engineering.\n");
    dir.write("tenants/engineering/computes.txt", listing);
    dir.write("tenants/engineering/compute.yaml", MANIFEST);
    dir.path().to_string_lossy().into_owned()
}

#[test]
fn agreeing_exports_are_merged_into_one_statement() {
    let dir = TempDir::new("merge-agree");
    let root = instance(&dir, CREATED, LISTING);
    let (_, err, code) = grantlog(&["check", &root]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("F0104"), "{err}");
    let (out, err, code) = grantlog(&["import", &root]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("user dpdeveloper ").count(), 1, "{out}");
    assert_eq!(
        out.matches("resource runnable-default ").count(),
        1,
        "{out}"
    );
    // The manifest, the richer statement, is the one kept and cited.
    assert!(
        out.contains("compute.yaml:1\nresource runnable-default"),
        "{out}"
    );
    assert_eq!(out.matches("resource lake-compute ").count(), 1, "{out}");
    // iamgroot holds the operator role once.
    assert_eq!(out.matches("operator: iamgroot\n").count(), 1, "{out}");
    let (out, err, code) = grantlog(&["eval", &root, "-q", "user(dpdeveloper, K)"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("application"), "{out}");
}

#[test]
fn disagreeing_exports_are_an_error_naming_both_places() {
    let dir = TempDir::new("merge-disagree");
    let created = CREATED.replace("dpdeveloper@tmdc.io │ users", "dpdev@tmdc.io       │ users");
    let listing = LISTING.replace("active | iamgroot\n  lake", "active | maria\n  lake");
    let root = instance(&dir, &created, &listing);
    for command in ["check", "eval", "import"] {
        let (out, err, code) = grantlog(&[command, &root]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(out.is_empty(), "{command}: {out}");
        assert!(
            err.contains("error[I0105]: user \"dpdeveloper\" is stated twice and the two disagree: email dpdeveloper@tmdc.io here, dpdev@tmdc.io at "),
            "{command}: {err}"
        );
        assert!(err.contains("created.txt:6"), "{err}");
        assert!(err.contains("users.txt:7:55"), "{err}");
        assert!(
            err.contains("resource \"runnable-default\" in engineering is stated twice and the two disagree: owner maria here, iamgroot at "),
            "{err}"
        );
        assert!(err.contains("compute.yaml:4"), "{err}");
        assert!(err.contains("2 errors"), "{err}");
        assert!(!err.contains("F0104"), "{err}");
    }
}

#[test]
fn two_hand_written_statements_stay_already_defined() {
    let dir = TempDir::new("merge-facts");
    dir.write("a.facts", "user sam type person.\n");
    dir.write("b.facts", "user sam type person.\n");
    let (_, err, code) = grantlog(&["check", &dir.path().to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(err.contains("F0104"), "{err}");
}
