//! Desugaring of every statement form into base facts (docs/facts-language.md).

use grantlog::facts::{Changes, Instance};
use grantlog::source::SourceMap;

const PRELUDE: &str = r#"
user iamgroot type person name "Iam Groot" email "iamgroot@tmdc.io".
user maria type person.
user sam type person.
user lee type person.
user dpdeveloper type application.
tenant engineering.
tenant analytics delegates onboarding.
"#;

fn read(inst: &Instance, sources: &mut SourceMap, texts: &[&str]) -> Changes {
    let ids: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| sources.add(format!("f{i}.facts"), *t))
        .collect();
    match inst.read(sources, &ids) {
        Ok(c) => c.as_if_allowed(),
        Err(d) => panic!("{}", grantlog::diag::render_all(&d, sources)),
    }
}

/// The facts a statement adds after PRELUDE's, as text.
fn facts(stmt: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    let base = read(&Instance::new(), &mut SourceMap::new(), &[PRELUDE])
        .add
        .len();
    let c = read(&Instance::new(), &mut sources, &[PRELUDE, stmt]);
    c.add[base..].iter().map(|f| f.to_string()).collect()
}

#[test]
fn users_with_and_without_name_and_email() {
    assert_eq!(
        facts(r#"user dp type application name "Data Product Developer" email "dp@tmdc.io"."#),
        [
            "user(dp, application)",
            r#"user_info(dp, "Data Product Developer", "dp@tmdc.io")"#
        ]
    );
    assert_eq!(
        facts(r#"user bob email "b@x" type person."#),
        ["user(bob, person)", r#"user_info(bob, bob, "b@x")"#]
    );
    assert_eq!(
        facts("user bob type person."),
        ["user(bob, person)", r#"user_info(bob, bob, "")"#]
    );
}

#[test]
fn instance_roles_by_name_and_tag() {
    assert_eq!(
        facts(
            "instance operator: iamgroot user: iamgroot, maria \"roles:id:super-app-user\": sam."
        ),
        [
            "instance_role(iamgroot, operator)",
            "instance_role(iamgroot, user)",
            "instance_role(maria, user)",
            "instance_role(sam, super-app-user)"
        ]
    );
    assert_eq!(
        facts("instance \"roles:id:operator\": lee."),
        ["instance_role(lee, operator)"]
    );
    // `user` is a keyword only in first position.
    let f = facts("user user type person.\ninstance user: user.");
    assert_eq!(
        f,
        [
            "user(user, person)",
            "user_info(user, user, \"\")",
            "instance_role(user, user)"
        ]
    );
}

#[test]
fn tenants() {
    assert_eq!(facts("tenant finance."), ["tenant(finance)"]);
    assert_eq!(
        facts("tenant finance delegates onboarding."),
        ["tenant(finance)", "onboarding_delegated(finance)"]
    );
}

#[test]
fn invitations_and_roles_in_every_s8_spelling() {
    assert_eq!(
        facts("invite sam to engineering by iamgroot."),
        ["invited(sam, engineering, iamgroot)"]
    );
    assert_eq!(
        facts("invite maria to engineering by iamgroot as Tenant Admin, Data Admin."),
        [
            "invited(maria, engineering, iamgroot)",
            r#"tenant_role(maria, engineering, "Tenant Admin")"#,
            r#"tenant_role(maria, engineering, "Data Admin")"#
        ]
    );
    for spelling in [
        "Data Developer",
        "\"Data Developer\"",
        "Tenant Data Developer",
        "\"Tenant Data Developer\"",
        "engineering Data Developer",
        "\"engineering Data Developer\"",
        "engineering Tenant Data Developer",
        "\"engineering Tenant Data Developer\"",
    ] {
        assert_eq!(
            facts(&format!("role sam in engineering: {spelling}.")),
            [r#"tenant_role(sam, engineering, "Data Developer")"#],
            "{spelling}"
        );
    }
    for spelling in [
        "Tenant Admin",
        "engineering Tenant Admin",
        "\"Tenant Admin\"",
    ] {
        assert_eq!(
            facts(&format!("role maria in engineering: {spelling}.")),
            [r#"tenant_role(maria, engineering, "Tenant Admin")"#],
            "{spelling}"
        );
    }
    assert_eq!(
        facts("role lee in analytics: analytics Data Consumer, Data Admin."),
        [
            r#"tenant_role(lee, analytics, "Data Consumer")"#,
            r#"tenant_role(lee, analytics, "Data Admin")"#
        ]
    );
}

const RESOURCES: &str = r#"
resource runnable-default in engineering type: compute owner: maria.
resource sf-creds in engineering type: secret owner: maria.
resource sf-depot in engineering type: depot owner: maria secrets: "engineering:sf-creds".
resource minerva-cluster in engineering type: minerva owner: maria.
"#;

#[test]
fn resources_and_dependencies() {
    let f = facts(&format!(
        "{RESOURCES}
resource sales-360 in engineering
  type: data-product
  owner: sam
  compute: runnable-default
  depot: sf-depot
  cluster: minerva-cluster."
    ));
    assert_eq!(
        f,
        [
            "resource(engineering, compute, runnable-default, maria, maria)",
            "resource(engineering, secret, sf-creds, maria, maria)",
            "resource(engineering, depot, sf-depot, maria, maria)",
            "depot_secret(engineering, sf-depot, sf-creds)",
            "resource(engineering, cluster, minerva-cluster, maria, maria)",
            "resource(engineering, data-product, sales-360, sam, sam)",
            "depends_on(engineering, sales-360, compute, runnable-default)",
            "depends_on(engineering, sales-360, depot, sf-depot)",
            "depends_on(engineering, sales-360, cluster, minerva-cluster)",
        ]
    );
}

#[test]
fn depot_secrets_versus_secret_dependencies() {
    let f = facts(&format!(
        "{RESOURCES}
resource wf in engineering type: workflow owner: sam secret: sf-creds.
resource d2 in engineering type: depot owner: maria secret: sf-creds."
    ));
    assert!(f.contains(&"depends_on(engineering, wf, secret, sf-creds)".to_string()));
    assert!(f.contains(&"depot_secret(engineering, d2, sf-creds)".to_string()));
    assert!(!f
        .iter()
        .any(|x| x.starts_with("depends_on(engineering, d2")));
}

#[test]
fn addresses_qualified_ids_aliases_and_lists() {
    let f = facts(&format!(
        "{RESOURCES}
resource c2 in engineering type: cluster owner: maria depots: \"dataos://sf-depot?purpose=rw\".
resource c3 in engineering type: cluster owner: maria depot: \"dataos://sf-depot:public/orders\".
resource dp in engineering type: dataproduct owner: sam clusters: minerva-cluster, c2 secrets: \"engineering:sf-creds\", sf-creds."
    ));
    for x in [
        "depends_on(engineering, c2, depot, sf-depot)",
        "depends_on(engineering, c3, depot, sf-depot)",
        "resource(engineering, data-product, dp, sam, sam)",
        "depends_on(engineering, dp, cluster, minerva-cluster)",
        "depends_on(engineering, dp, cluster, c2)",
        "depends_on(engineering, dp, secret, sf-creds)",
    ] {
        assert!(f.contains(&x.to_string()), "{x} not in {f:#?}");
    }
}

#[test]
fn submitter_defaults_to_owner_and_run_as_user() {
    let f = facts(&format!(
        "{RESOURCES}
resource a in engineering type: workflow owner: sam.
resource b in engineering type: workflow owner: sam submitter: lee runAsUser: dpdeveloper compute: runnable-default."
    ));
    assert!(f.contains(&"resource(engineering, workflow, a, sam, sam)".to_string()));
    assert!(f.contains(&"resource(engineering, workflow, b, sam, lee)".to_string()));
    assert!(f.contains(&"run_as_user(engineering, b, dpdeveloper)".to_string()));
}

#[test]
fn grants_in_every_permission_spelling() {
    for spelling in [
        "can_use_secret",
        "Can Use Secret",
        "\"Can Use Secret\"",
        "\"can_use_secret\"",
    ] {
        assert_eq!(
            facts(&format!(
                "{RESOURCES}\ngrant {spelling} on sf-creds in engineering to sam by maria."
            ))
            .last()
            .unwrap(),
            "grant(engineering, sf-creds, sam, can_use_secret, maria)",
            "{spelling}"
        );
    }
    let f = facts(&format!(
        "{RESOURCES}\ngrant Can Edit, can_manage_access, Can Use Compute on runnable-default in engineering to maria by maria."
    ));
    assert_eq!(
        &f[f.len() - 3..],
        [
            "grant(engineering, runnable-default, maria, can_edit, maria)",
            "grant(engineering, runnable-default, maria, can_manage_access, maria)",
            "grant(engineering, runnable-default, maria, can_use_compute, maria)"
        ]
    );
}

#[test]
fn run_as_grants_and_raw_facts() {
    assert_eq!(
        facts("grant run-as dpdeveloper to sam by iamgroot."),
        ["run_as_grant(dpdeveloper, sam, iamgroot)"]
    );
    assert_eq!(
        facts("fact onboarding_delegated(engineering).\ncan_create_kind(\"Data Developer\", lakehouse).\nweird(x, 3, \"a b\")."),
        [
            "onboarding_delegated(engineering)",
            "can_create_kind(\"Data Developer\", lakehouse)",
            "weird(x, 3, \"a b\")"
        ]
    );
    // Raw facts are not checked for references.
    assert_eq!(
        facts("grant(engineering, nowhere, nobody, can_edit, maria)."),
        ["grant(engineering, nowhere, nobody, can_edit, maria)"]
    );
}

#[test]
fn revocation_in_the_same_read_removes_earlier_grants_only() {
    let f = facts(&format!(
        "{RESOURCES}
grant can_use_depot on sf-depot in engineering to sam by maria.
grant can_use_depot on sf-depot in engineering to sam by iamgroot.
grant can_use_depot on sf-depot in engineering to lee by maria.
revoke Can Use Depot on sf-depot in engineering from sam by maria.
grant can_use_depot on sf-depot in engineering to sam by lee."
    ));
    let grants: Vec<&String> = f.iter().filter(|x| x.contains("grant(")).collect();
    assert_eq!(
        grants,
        [
            "grant(engineering, sf-depot, lee, can_use_depot, maria)",
            "revoked_grant(engineering, sf-depot, sam, can_use_depot, maria)",
            "grant(engineering, sf-depot, sam, can_use_depot, lee)"
        ]
    );
}

#[test]
fn revocation_across_reads_goes_to_remove() {
    let mut sources = SourceMap::new();
    let mut inst = Instance::new();
    let first = read(
        &inst,
        &mut sources,
        &[PRELUDE, RESOURCES, "grant can_use_secret, can_edit on sf-creds in engineering to sam by maria.\ngrant run-as dpdeveloper to sam by iamgroot."],
    );
    inst.apply(&first);
    assert_eq!(inst.grants().count(), 2);
    let second = read(
        &inst,
        &mut sources,
        &["revoke can_use_secret on sf-creds in engineering from sam by maria.\nrevoke run-as dpdeveloper from sam by iamgroot."],
    );
    let removed: Vec<String> = second.remove.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        removed,
        [
            "grant(engineering, sf-creds, sam, can_use_secret, maria)",
            "run_as_grant(dpdeveloper, sam, iamgroot)"
        ]
    );
    let added: Vec<String> = second.add.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        added,
        [
            "revoked_grant(engineering, sf-creds, sam, can_use_secret, maria)",
            "revoked_run_as(dpdeveloper, sam, iamgroot)"
        ]
    );
    assert!(second.warnings.is_empty());
    inst.apply(&second);
    assert_eq!(inst.grants().count(), 1);
    assert!(inst.run_as_grants().next().is_none());
    // A second revocation has nothing left to remove: F0501, still recorded.
    let third = read(
        &inst,
        &mut sources,
        &["revoke can_use_secret on sf-creds in engineering from sam by maria."],
    );
    assert!(third.remove.is_empty());
    assert_eq!(third.warnings.len(), 1);
    assert_eq!(third.warnings[0].code, "F0501");
    assert_eq!(third.add.len(), 1);
}

#[test]
fn forward_references_across_files() {
    let mut sources = SourceMap::new();
    let c = read(
        &Instance::new(),
        &mut sources,
        &[
            "invite zed to later by boss as Data Developer.\nresource r in later type: workflow owner: zed compute: c.",
            "resource c in later type: compute owner: boss.\nuser zed type person.\nuser boss type person.\ntenant later.",
        ],
    );
    assert!(c
        .add
        .iter()
        .any(|f| f.to_string() == "depends_on(later, r, compute, c)"));
}

#[test]
fn names_known_after_apply() {
    let mut sources = SourceMap::new();
    let mut inst = Instance::new();
    let c = read(
        &inst,
        &mut sources,
        &[PRELUDE, RESOURCES, "instance operator: iamgroot."],
    );
    inst.apply(&c);
    assert!(inst.users().any(|u| u == "dpdeveloper"));
    assert_eq!(
        inst.tenants().collect::<Vec<_>>(),
        ["analytics", "engineering"]
    );
    assert!(inst
        .resources()
        .any(|r| r == ("engineering", "minerva-cluster", "cluster")));
    assert!(inst.has_instance());
    // Later reads may refer to what is loaded.
    let c = read(
        &inst,
        &mut sources,
        &["grant can_edit on sf-depot in engineering to sam by maria."],
    );
    assert_eq!(c.add.len(), 1);
}

#[test]
fn hyphenated_names_with_digits_are_one_name() {
    let f = facts("tenant sales-360.\ntenant x-1-y.");
    assert_eq!(f, ["tenant(sales-360)", "tenant(x-1-y)"]);
    // A name and its quoted spelling are the same symbol.
    assert_eq!(facts("tenant \"q-1\"."), ["tenant(q-1)"]);
}
