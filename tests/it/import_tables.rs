//! `dataos-ctl` tables (box-drawn and ASCII, continued TAGS cells) and grant manifests.

use crate::import_util::{open, open_with_base, origins, rows};

const BOX: &str = "     NAME    │    ID    │  TYPE  │      EMAIL       │        TAGS
───────────┼──────────┼────────┼──────────────────┼────────────────────
 IamGroot  │ iamgroot │ person │ iamgroot@tmdc.io │ roles:id:data-dev,
           │          │        │                  │ roles:id:operator,
           │          │        │                  │ users:id:iamgroot
 Data Product Dev │ dpdeveloper │ application │ dpdeveloper@tmdc.io │ roles:id:user, users:id:dpdeveloper
";

const ASCII: &str = "| NAME       | ID    | TYPE   | EMAIL         | TAGS                  |
|------------+-------+--------+---------------+-----------------------|
| Maria R    | maria | person | maria@tmdc.io | roles:id:user,        |
|            |       |        |               | roles:id:super-app-user |
| Sam        | sam   | person | sam@tmdc.io   | roles:id:user         |
";

#[test]
fn box_table_gives_users_and_instance_roles_from_continued_tags() {
    let ws = open(&[("users.txt", BOX)]).unwrap_or_else(|e| panic!("{e}"));
    let users = rows(&ws, "user");
    assert!(users.contains("iamgroot,person"));
    assert!(users.contains("dpdeveloper,application"));
    assert!(rows(&ws, "user_info").contains("dpdeveloper,Data Product Dev,dpdeveloper@tmdc.io"));
    let roles = rows(&ws, "instance_role");
    assert!(roles.contains("iamgroot,operator"), "{roles:?}");
    assert!(roles.contains("dpdeveloper,user"));
    // roles:id:data-dev is not an instance role; users:id:* tags are identities.
    assert_eq!(roles.len(), 2, "{roles:?}");
    // A user fact cites its row.
    assert!(origins(&ws, "user").contains("users.txt:3"));
}

#[test]
fn ascii_table_with_edge_bars_reads_the_same_way() {
    let ws = open(&[("users.table", ASCII)]).unwrap_or_else(|e| panic!("{e}"));
    assert!(rows(&ws, "user").contains("maria,person"));
    assert!(rows(&ws, "user_info").contains("sam,Sam,sam@tmdc.io"));
    let roles = rows(&ws, "instance_role");
    assert!(roles.contains("maria,super-app-user"), "{roles:?}");
    assert!(roles.contains("sam,user"));
}

#[test]
fn two_tables_make_one_instance() {
    let ws = open(&[("a.txt", BOX), ("b.txt", ASCII)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows(&ws, "instance_role").len(), 5);
}

#[test]
fn resource_listing_gives_resources_with_owner() {
    let listing = "      NAME      │ VERSION │   TYPE   │ WORKSPACE │ STATUS │ RUNTIME │  OWNER
────────────────┼─────────┼──────────┼───────────┼────────┼─────────┼─────────
  wf-orders     │ v1      │ workflow │ public    │ active │ succeeded │ sam
  sf-depot      │ v2alpha │ depot    │           │ active │         │ maria
";
    let ws = open_with_base(&[("tenants/engineering/list.txt", listing)])
        .unwrap_or_else(|e| panic!("{e}"));
    let res = rows(&ws, "resource");
    assert!(
        res.contains("engineering,workflow,wf-orders,sam,sam"),
        "{res:?}"
    );
    assert!(res.contains("engineering,depot,sf-depot,maria,maria"));
}

const GRANTS: &str = "name: sam-as-dp
version: v1alpha
type: grant
grant:
  policy_use_case_id: run-as-user
  subjects: [users:id:sam]
  values:
    run-as-dataos-resource:
      - path: users:id:dpdeveloper
  requester: sam
  approve: true
  manageAsUser: iamgroot
---
name: maria-as-dp
version: v1alpha
type: grant
grant:
  policy_use_case_id: run-as-user
  subjects: [users:id:maria]
  values:
    run-as-dataos-resource: [{path: users:id:dpdeveloper}]
  requester: maria
";

#[test]
fn approved_grant_is_a_run_as_grant_and_pending_is_none() {
    let ws = open_with_base(&[("grants.yaml", GRANTS)]).unwrap_or_else(|e| panic!("{e}"));
    let g = rows(&ws, "run_as_grant");
    assert!(g.contains("dpdeveloper,sam,iamgroot"), "{g:?}");
    assert_eq!(g.len(), 1, "the pending request is not a grant: {g:?}");
    assert!(origins(&ws, "run_as_grant").contains("grants.yaml:1"));
    let pending: Vec<_> = ws.warnings.iter().filter(|d| d.code == "I0202").collect();
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0].message.contains("maria-as-dp"),
        "{}",
        pending[0].message
    );
}
