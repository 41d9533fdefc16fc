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
