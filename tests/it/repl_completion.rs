//! Tab completion by context, on the worked example: after `in ` the tenants, after
//! `on ` the resources, after `grant ` the permissions, after `by ` the users, after
//! `compute:` the computes, and inside `rel(` the constants of that column.

use grantlog::engine::Limits;
use grantlog::repl::ReplHelper;
use grantlog::shipped;
use grantlog::workspace::Workspace;

fn helper() -> ReplHelper {
    let ws = Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
        .unwrap_or_else(|_| panic!("opens"));
    ReplHelper::new(&ws, false)
}

fn complete(h: &ReplHelper, line: &str) -> Vec<String> {
    h.candidates(line, line.len()).1
}

#[test]
fn statements_complete_what_their_grammar_expects_there() {
    let h = helper();
    assert_eq!(
        complete(&h, ":assert grant can_use_secret on sf-creds in "),
        ["engineering"]
    );
    assert_eq!(
        complete(&h, ":assert grant can_use_secret on sf-c"),
        ["sf-creds"]
    );
    let perms = complete(&h, ":assert grant ");
    assert!(perms.contains(&"can_use_secret".to_string()) && perms.contains(&"run-as".to_string()));
    assert!(
        perms.iter().all(|p| p.starts_with("can_") || p == "run-as"),
        "{perms:?}"
    );
    let users = complete(
        &h,
        ":assert grant can_use_secret on sf-creds in engineering to sam by ",
    );
    assert_eq!(users, ["dana", "iamgroot", "maria", "sam"]);
    assert_eq!(
        complete(
            &h,
            ":assert resource w in engineering type: workflow owner: sam compute: "
        ),
        ["runnable-default"]
    );
}

#[test]
fn a_query_completes_the_constants_of_the_column() {
    let h = helper();
    assert_eq!(complete(&h, "blocked("), ["engineering"]);
    assert_eq!(complete(&h, "blocked(engineering, "), ["sales-360"]);
    let second = complete(&h, "missing_permission(engineering, W, U, ");
    assert_eq!(second, ["sf-creds"], "the D column holds only sf-creds");
    // Outside any context every name is offered, as before.
    assert!(complete(&h, "sa").contains(&"sales-360".to_string()));
}

/// Issue 24 item 11: an empty relation's column offers what its rules could put there
/// (`can_run` is empty in the worked example: sales-360 does not run), `:audit` offers
/// users and `:facts` relations only.
#[test]
fn an_empty_column_offers_the_constants_of_its_type() {
    let h = helper();
    // The workloads, from `workload(T, W)`, the premise that binds W: not every resource.
    assert_eq!(complete(&h, ":whynot can_run(engineering, "), ["sales-360"]);
    assert_eq!(complete(&h, "can_run(engineering, "), ["sales-360"]);
    assert_eq!(complete(&h, "can_run("), ["engineering"]);
}

#[test]
fn audit_offers_users_and_facts_relations_only() {
    let h = helper();
    assert_eq!(
        complete(&h, ":audit "),
        ["dana", "iamgroot", "maria", "sam"]
    );
    assert_eq!(complete(&h, ":audit m"), ["maria"]);
    let rels = complete(&h, ":facts ");
    assert!(rels.contains(&"can_run".to_string()), "{rels:?}");
    assert!(rels.contains(&"grant".to_string()), "{rels:?}");
    assert!(!rels.contains(&"sam".to_string()), "no constants: {rels:?}");
    assert!(!rels.contains(&"engineering".to_string()), "{rels:?}");
    assert_eq!(complete(&h, ":facts can_r"), ["can_run"]);
}
