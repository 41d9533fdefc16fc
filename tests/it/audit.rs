//! `grantlog audit`: what a user holds, by scope, with the grants and grantors behind it.

use grantlog::audit::{audit, Audit, Entry, Scope, NOT_DATAOS, UNKNOWN_USER};
use grantlog::diag::render_all;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::workspace::Workspace;
use serde_json::Value;
use std::process::{Command, Output};

const WORKED: &str = "examples/worked-example.facts";
const SELF_GRANT: &str = "examples/self-grant.facts";

fn example(name: &str) -> Text {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    Text::new(name, std::fs::read_to_string(path).expect("example"))
}

fn open(facts: &[Text]) -> Workspace {
    match Workspace::open(&shipped::rules(), facts, &Limits::default()) {
        Ok(ws) => ws,
        Err(f) => panic!("{}", render_all(&f.diagnostics, &f.sources)),
    }
}

fn audit_of(facts: &[Text], user: &str) -> Audit {
    let ws = open(facts);
    audit(&ws.model, &ws.sources, user).expect("audited")
}

fn resource<'a>(a: &'a Audit, name: &str) -> &'a [Entry] {
    a.groups
        .iter()
        .find(|g| matches!(&g.scope, Scope::Resource { resource, .. } if resource == name))
        .map_or(&[], |g| &g.entries)
}

fn entry<'a>(entries: &'a [Entry], label: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.label == label && e.in_effect)
        .unwrap_or_else(|| panic!("no {label} in {entries:#?}"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn sams_use_permissions_come_from_marias_grants_with_file_and_line() {
    let a = audit_of(&[example(WORKED)], "sam");
    for (res, perm, line) in [
        ("runnable-default", "can_use_compute", 55),
        ("sf-depot", "can_use_depot", 56),
        ("minerva-cluster", "can_use_cluster", 57),
    ] {
        let e = entry(resource(&a, res), perm);
        assert_eq!(
            e.fact,
            format!("permission(sam, engineering, {res}, {perm})")
        );
        assert_eq!(e.grounds.len(), 1, "{e:#?}");
        let g = &e.grounds[0];
        assert_eq!(g.rule.as_ref().unwrap().name, "granted_permission");
        assert_eq!(g.basis, "grant by maria");
        let [link] = &g.chain[..] else {
            panic!("one link: {g:#?}")
        };
        assert_eq!(
            link.grant,
            format!("grant(engineering, {res}, sam, {perm}, maria)")
        );
        assert_eq!(link.source, format!("{WORKED}:{line}"));
        assert_eq!(
            (link.grantor.as_str(), link.grantee.as_str()),
            ("maria", "sam")
        );
        let why = link.authority.as_ref().expect("maria's right to grant");
        assert_eq!(
            why.fact,
            format!("permission(maria, engineering, {res}, can_manage_access)")
        );
        assert_eq!(why.basis, format!("creator of {res}"));
        assert_eq!(why.rule.as_ref().unwrap().statements[0], "S17");
    }
    // The missing grant (S21) is missing here too.
    assert!(resource(&a, "sf-creds").is_empty());
    let text = a.to_text();
    assert!(text.contains(
        "can_use_depot        grant by maria (examples/worked-example.facts:56) ← maria: \
         creator of sf-depot (@creator_can_manage_access, S17)"
    ));
}

#[test]
fn creator_rights_name_the_rule_and_statement_without_a_grant() {
    let sam = audit_of(&[example(WORKED)], "sam");
    let edit = entry(resource(&sam, "sales-360"), "can_edit");
    assert_eq!(edit.grounds.len(), 1);
    assert_eq!(edit.grounds[0].basis, "creator of sales-360");
    assert!(edit.grounds[0].chain.is_empty());
    let rule = edit.grounds[0].rule.as_ref().unwrap();
    assert_eq!(rule.name, "creator_can_edit");
    assert!(rule.location.starts_with("rules/dataos.dl:"));
    assert_eq!(rule.statements[0], "S17");

    // maria created the depot and is Tenant Admin: two grounds for managing access.
    let maria = audit_of(&[example(WORKED)], "maria");
    let depot = resource(&maria, "sf-depot");
    assert_eq!(
        entry(depot, "can_edit").grounds[0].basis,
        "creator of sf-depot"
    );
    let manage: Vec<(&str, &str)> = entry(depot, "can_manage_access")
        .grounds
        .iter()
        .map(|g| (g.basis.as_str(), g.rule.as_ref().unwrap().name.as_str()))
        .collect();
    assert_eq!(
        manage,
        [
            ("creator of sf-depot", "creator_can_manage_access"),
            ("as Tenant Admin", "tenant_admin_manages_every_resource")
        ]
    );
    // On sam's data product she manages access and nothing else (S11, S12).
    let labels: Vec<&str> = resource(&maria, "sales-360")
        .iter()
        .map(|e| e.label.as_str())
        .collect();
    assert_eq!(labels, ["can_manage_access"]);
}

#[test]
fn a_self_grant_is_listed_with_the_grantor_as_grantee() {
    let a = audit_of(&[example(SELF_GRANT)], "maria");
    let e = entry(resource(&a, "daily-ingest"), "can_edit");
    let [g] = &e.grounds[..] else {
        panic!("one ground: {e:#?}")
    };
    let link = &g.chain[0];
    assert_eq!(
        (link.grantor.as_str(), link.grantee.as_str()),
        ("maria", "maria")
    );
    assert_eq!(link.source, format!("{SELF_GRANT}:29"));
    assert_eq!(link.authority.as_ref().unwrap().basis, "as Tenant Admin");
    assert!(a
        .to_text()
        .contains("grant by maria (self-grant, examples/self-grant.facts:29)"));
}

#[test]
fn an_ineffective_grant_is_not_a_permission_but_is_shown_with_its_reason() {
    let a = audit_of(&[example(SELF_GRANT)], "lee");
    let entries = resource(&a, "daily-ingest");
    assert!(entries.iter().all(|e| !e.in_effect), "{entries:#?}");
    let [e] = entries else {
        panic!("one entry: {entries:#?}")
    };
    assert_eq!(e.relation, "ineffective_grant");
    assert_eq!(e.label, "can_edit");
    assert_eq!(e.values, ["grantor_could_not_manage_access_then"]);
    let link = &e.grounds[0].chain[0];
    assert_eq!(link.grantor, "lee");
    assert_eq!(link.source, format!("{SELF_GRANT}:32"));
    assert!(link.authority.is_none());
    assert!(!a.holds_nothing());
    assert!(a.to_text().contains(
        "can_edit             not in effect (grantor_could_not_manage_access_then): grant by lee \
         (self-grant, examples/self-grant.facts:32)"
    ));
}

#[test]
fn a_chain_follows_grants_back_to_the_grantors_own_right() {
    let extra = Text::new(
        "extra.facts",
        "user lee type person name \"Lee Chen\" email \"lee@tmdc.io\".\n\
         invite lee to engineering by iamgroot as Data Developer.\n\
         grant can_manage_access on sf-creds in engineering to dana by maria.\n\
         grant can_use_secret on sf-creds in engineering to lee by dana.\n",
    );
    let a = audit_of(&[example(WORKED), extra], "lee");
    let e = entry(resource(&a, "sf-creds"), "can_use_secret");
    let chain = &e.grounds[0].chain;
    let links: Vec<(&str, &str, &str)> = chain
        .iter()
        .map(|l| (l.grantor.as_str(), l.grantee.as_str(), l.source.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("dana", "lee", "extra.facts:4"),
            ("maria", "dana", "extra.facts:3")
        ]
    );
    assert_eq!(chain[0].authority.as_ref().unwrap().basis, "grant by maria");
    assert_eq!(
        chain[1].authority.as_ref().unwrap().basis,
        "creator of sf-creds"
    );
    assert!(a.to_text().contains(
        "grant by dana (extra.facts:4) ← dana: grant by maria (extra.facts:3) ← maria: \
         creator of sf-creds (@creator_can_manage_access, S17)"
    ));
}

#[test]
fn the_operator_holds_instance_powers_and_no_resource_permission() {
    let a = audit_of(&[example("examples/operator.facts")], "iamgroot");
    let instance = &a.groups[0];
    assert_eq!(instance.scope, Scope::Instance);
    let labels: Vec<&str> = instance.entries.iter().map(|e| e.label.as_str()).collect();
    for power in [
        "may_create_users",
        "may_create_tenant",
        "may_configure_tenant",
        "may_suspend_tenant",
        "may_delete_tenant",
        "may_set_up_run_as",
    ] {
        assert!(labels.contains(&power), "{power} in {labels:?}");
    }
    let create = entry(&instance.entries, "may_create_tenant");
    assert_eq!(create.grounds[0].basis, "instance role operator");
    assert_eq!(
        create.grounds[0].rule.as_ref().unwrap().name,
        "operator_creates_tenants"
    );
    assert_eq!(
        entry(&instance.entries, "may_delete_tenant").values,
        ["engineering"]
    );
    // S5: nothing inside the tenant's resources, not even on the workflow he applied;
    // S15: that workflow is shown as one he may not create, so it never runs.
    let resources: Vec<&Entry> = a
        .groups
        .iter()
        .filter(|g| matches!(g.scope, Scope::Resource { .. }))
        .flat_map(|g| &g.entries)
        .collect();
    assert!(!resources.is_empty());
    for e in resources {
        assert!(!e.in_effect, "{e:#?}");
        assert_eq!(e.relation, "identity_cannot_create");
    }
}

#[test]
fn a_run_as_grant_is_a_link_set_up_by_the_operator() {
    let a = audit_of(&[example("examples/run-as.facts")], "sam");
    let e = entry(&a.groups[0].entries, "may_act_as");
    assert_eq!(e.values, ["dpdeveloper"]);
    let link = &e.grounds[0].chain[0];
    assert_eq!(link.grantor, "iamgroot");
    assert_eq!(link.verb, "run-as grant set up by");
    assert_eq!(
        link.authority.as_ref().unwrap().basis,
        "instance role operator"
    );
}

#[test]
fn membership_names_the_inviter() {
    let a = audit_of(&[example(WORKED)], "sam");
    let tenant = a
        .groups
        .iter()
        .find(|g| g.scope == Scope::Tenant("engineering".into()))
        .unwrap();
    let link = &entry(&tenant.entries, "member").grounds[0].chain[0];
    assert_eq!(
        (link.verb.as_str(), link.grantor.as_str()),
        ("invited by", "iamgroot")
    );
    assert_eq!(link.source, format!("{WORKED}:22"));
    let kinds = &tenant
        .entries
        .iter()
        .filter(|e| e.relation == "may_create_resource")
        .map(|e| e.values[0].as_str())
        .collect::<Vec<_>>();
    assert!(kinds.contains(&"workflow") && !kinds.contains(&"compute"));
}

#[test]
fn an_unknown_user_is_an_error_with_a_suggestion() {
    let ws = open(&[example(WORKED)]);
    let d = audit(&ws.model, &ws.sources, "sma").unwrap_err();
    assert_eq!(d.code, UNKNOWN_USER);
    assert_eq!(d.help.as_deref(), Some("did you mean `sam`?"));

    let out = run(&["audit", "maira"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("error[E1001]: unknown user `maira`"), "{err}");
    assert!(err.contains("did you mean `maria`?"), "{err}");

    // A constant of the model that names no user (a resource, a tenant) is not one.
    for name in ["sf-creds", "engineering"] {
        let d = audit(&ws.model, &ws.sources, name).unwrap_err();
        assert_eq!(d.code, UNKNOWN_USER, "{name}");
    }
}

#[test]
fn a_user_holding_nothing_is_told_so_and_exits_0() {
    let a = audit_of(&[example("examples/operator.facts")], "etl-bot");
    assert!(a.holds_nothing());
    let out = run(&["audit", "etl-bot", "examples/operator.facts"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "etl-bot (application)\n  holds nothing: no instance role, tenant role, permission or run-as\n"
    );
}

#[test]
fn rules_without_the_dataos_relations_are_refused() {
    let rules = [Text::new(
        "graph.dl",
        ".decl edge(a: symbol, b: symbol)\nedge(a, b).\n",
    )];
    let ws = Workspace::open(&rules, &[], &Limits::default())
        .ok()
        .unwrap();
    let d = audit(&ws.model, &ws.sources, "a").unwrap_err();
    assert_eq!(d.code, NOT_DATAOS);
    assert!(d.message.contains("`permission`"), "{}", d.message);
}

#[test]
fn json_has_the_documented_fields() {
    let out = run(&["audit", "sam", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["user"], "sam");
    assert_eq!(v["kind"], "person");
    assert_eq!(v["holds_nothing"], false);
    let scopes = v["scopes"].as_array().unwrap();
    assert_eq!(scopes[0]["scope"], "instance");
    assert!(scopes[0]["tenant"].is_null());
    let depot = scopes
        .iter()
        .find(|s| s["scope"] == "resource" && s["resource"] == "sf-depot")
        .unwrap();
    assert_eq!(depot["tenant"], "engineering");
    assert_eq!(depot["not_in_effect"], serde_json::json!([]));
    let e = &depot["decisions"][0];
    assert_eq!(
        e["fact"],
        "permission(sam, engineering, sf-depot, can_use_depot)"
    );
    assert_eq!(e["relation"], "permission");
    assert_eq!(e["label"], "can_use_depot");
    assert_eq!(e["values"], serde_json::json!([]));
    let g = &e["grounds"][0];
    assert_eq!(g["rule"]["name"], "granted_permission");
    assert!(g["rule"]["location"]
        .as_str()
        .unwrap()
        .starts_with("rules/dataos.dl:"));
    assert!(g["rule"]["doc"].as_str().unwrap().contains("S20"));
    assert_eq!(g["rule"]["statements"][0], "S20");
    assert!(g["source"].is_null());
    assert_eq!(g["basis"], "grant by maria");
    let link = &g["chain"][0];
    assert_eq!(
        link["grant"],
        "grant(engineering, sf-depot, sam, can_use_depot, maria)"
    );
    assert_eq!(link["source"], "examples/worked-example.facts:56");
    assert_eq!(link["grantor"], "maria");
    assert_eq!(link["grantee"], "sam");
    let auth = &link["authority"];
    assert_eq!(
        auth["fact"],
        "permission(maria, engineering, sf-depot, can_manage_access)"
    );
    assert_eq!(auth["rule"]["name"], "creator_can_manage_access");
    assert!(auth["source"].is_null());
    assert_eq!(auth["basis"], "creator of sf-depot");
    // A stated fact has a source and no rule.
    let role = &scopes[0]["decisions"][0];
    assert_eq!(role["fact"], "instance_role(sam, user)");
    assert!(role["grounds"][0]["rule"].is_null());
    // Cited where the statement names sam (`user: iamgroot, maria, sam, dana.`).
    assert_eq!(
        role["grounds"][0]["source"],
        "examples/worked-example.facts:17"
    );
}
