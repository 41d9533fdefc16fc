//! Every file in examples/ reads without error, in the order examples/README.md loads
//! them, and produces the facts the README's answers rely on.

use grantlog::facts::{BaseFact, Changes, Instance};
use grantlog::source::SourceMap;

fn read_files(inst: &Instance, sources: &mut SourceMap, names: &[&str]) -> Changes {
    let ids: Vec<_> = names
        .iter()
        .map(|n| {
            let path = format!("{}/examples/{n}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("example exists");
            sources.add(format!("examples/{n}"), text)
        })
        .collect();
    match inst.read(sources, &ids) {
        Ok(c) => c.as_if_allowed(),
        Err(diags) => panic!(
            "{names:?} failed:\n{}",
            grantlog::diag::render_all(&diags, sources)
        ),
    }
}

fn has(facts: &[BaseFact], text: &str) -> bool {
    facts.iter().any(|f| f.to_string() == text)
}

fn codes(c: &Changes) -> Vec<&str> {
    c.warnings.iter().map(|d| d.code).collect()
}

#[test]
fn every_example_reads_alone_without_error() {
    let dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".facts") && n != "run-as-revoked.facts")
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for n in &names {
        let mut sources = SourceMap::new();
        let c = read_files(&Instance::new(), &mut sources, &[n]);
        assert!(!c.add.is_empty(), "{n}");
        assert!(c.remove.is_empty(), "{n}");
    }
}

#[test]
fn run_as_then_run_as_revoked_in_one_read() {
    let mut sources = SourceMap::new();
    let c = read_files(
        &Instance::new(),
        &mut sources,
        &["run-as.facts", "run-as-revoked.facts"],
    );
    assert!(!has(&c.add, "run_as_grant(dpdeveloper, sam, iamgroot)"));
    assert!(has(&c.add, "run_as_grant(dpdeveloper, lee, maria)"));
    assert!(has(&c.add, "revoked_run_as(dpdeveloper, sam, iamgroot)"));
    assert!(c.remove.is_empty());
    assert!(c.warnings.is_empty());
}

#[test]
fn run_as_then_run_as_revoked_in_two_reads() {
    let mut sources = SourceMap::new();
    let mut inst = Instance::new();
    let first = read_files(&inst, &mut sources, &["run-as.facts"]);
    assert!(has(&first.add, "run_as_grant(dpdeveloper, sam, iamgroot)"));
    inst.apply(&first);
    let second = read_files(&inst, &mut sources, &["run-as-revoked.facts"]);
    assert_eq!(second.remove.len(), 1);
    assert_eq!(
        second.remove[0].to_string(),
        "run_as_grant(dpdeveloper, sam, iamgroot)"
    );
    // The removed fact keeps its span in run-as.facts.
    assert_eq!(
        sources.locate(second.remove[0].span).file,
        "examples/run-as.facts"
    );
    assert_eq!(second.add.len(), 1);
    assert_eq!(
        second.add[0].to_string(),
        "revoked_run_as(dpdeveloper, sam, iamgroot)"
    );
    inst.apply(&second);
    assert_eq!(inst.run_as_grants().count(), 1);
}

#[test]
fn run_as_revoked_alone_fails_on_unknown_users() {
    let mut sources = SourceMap::new();
    let text = std::fs::read_to_string(format!(
        "{}/examples/run-as-revoked.facts",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let f = sources.add("run-as-revoked.facts", text);
    let errs = Instance::new().read(&sources, &[f]).unwrap_err();
    assert!(errs.iter().all(|d| d.code == "F0101" || d.code == "F0501"));
}

#[test]
fn worked_example_facts() {
    let mut sources = SourceMap::new();
    let c = read_files(&Instance::new(), &mut sources, &["worked-example.facts"]);
    for f in [
        "user(iamgroot, person)",
        "user_info(maria, \"Maria Rossi\", \"maria@tmdc.io\")",
        "instance_role(iamgroot, operator)",
        "instance_role(sam, user)",
        "tenant(engineering)",
        "invited(maria, engineering, iamgroot)",
        "tenant_role(maria, engineering, \"Tenant Admin\")",
        "invited(sam, engineering, iamgroot)",
        "tenant_role(sam, engineering, \"Data Developer\")",
        "resource(engineering, secret, sf-creds, maria, maria)",
        "resource(engineering, depot, sf-depot, maria, maria)",
        "depot_secret(engineering, sf-depot, sf-creds)",
        "resource(engineering, cluster, minerva-cluster, maria, maria)",
        "depends_on(engineering, minerva-cluster, compute, runnable-default)",
        "depends_on(engineering, minerva-cluster, depot, sf-depot)",
        "resource(engineering, data-product, sales-360, sam, sam)",
        "depends_on(engineering, sales-360, compute, runnable-default)",
        "depends_on(engineering, sales-360, depot, sf-depot)",
        "depends_on(engineering, sales-360, cluster, minerva-cluster)",
        "grant(engineering, runnable-default, sam, can_use_compute, maria)",
        "grant(engineering, sf-depot, sam, can_use_depot, maria)",
        "grant(engineering, minerva-cluster, sam, can_use_cluster, maria)",
    ] {
        assert!(has(&c.add, f), "missing {f}");
    }
    assert!(!c
        .add
        .iter()
        .any(|f| f.relation == "grant" && f.to_string().contains("can_use_secret")));
    assert_eq!(c.add.iter().filter(|f| f.relation == "grant").count(), 3);
    // Spans point at the statement: the grant of can_use_depot is on line 54.
    let g = c
        .add
        .iter()
        .find(|f| f.to_string() == "grant(engineering, sf-depot, sam, can_use_depot, maria)")
        .unwrap();
    let loc = sources.locate(g.span);
    assert_eq!(
        (loc.file, loc.line, loc.col),
        ("examples/worked-example.facts", 56, 1)
    );
}

#[test]
fn onboarding_and_revoke_warns_and_removes() {
    let mut sources = SourceMap::new();
    let c = read_files(
        &Instance::new(),
        &mut sources,
        &["onboarding-and-revoke.facts"],
    );
    assert_eq!(codes(&c), ["F0501"]);
    let w = &c.warnings[0];
    assert_eq!(sources.locate(w.span.unwrap()).line, 27);
    assert!(!has(
        &c.add,
        "grant(analytics, sf-depot, sam, can_use_depot, maria)"
    ));
    assert!(has(
        &c.add,
        "revoked_grant(analytics, sf-depot, sam, can_use_depot, maria)"
    ));
    assert!(has(
        &c.add,
        "grant(analytics, sf-creds, sam, can_use_depot, maria)"
    ));
    assert!(has(
        &c.add,
        "revoked_grant(analytics, sf-creds, lee, can_use_secret, sam)"
    ));
    assert!(has(&c.add, "onboarding_delegated(analytics)"));
    assert!(!has(&c.add, "onboarding_delegated(engineering)"));
    assert!(has(
        &c.add,
        "tenant_role(maria, analytics, \"Tenant Admin\")"
    ));
    assert!(has(&c.add, "depot_secret(analytics, sf-depot, sf-creds)"));
}

#[test]
fn operator_and_self_grant_and_data_admin() {
    let mut sources = SourceMap::new();
    let c = read_files(&Instance::new(), &mut sources, &["operator.facts"]);
    assert!(has(&c.add, "user(etl-bot, application)"));
    assert!(has(
        &c.add,
        "user_info(etl-bot, \"ETL Bot\", \"etl-bot@tmdc.io\")"
    ));
    assert!(has(
        &c.add,
        "resource(engineering, workflow, ops-audit, iamgroot, iamgroot)"
    ));
    assert!(has(
        &c.add,
        "depends_on(engineering, ops-audit, depot, sf-depot)"
    ));
    let c = read_files(&Instance::new(), &mut sources, &["self-grant.facts"]);
    assert!(has(
        &c.add,
        "grant(engineering, daily-ingest, maria, can_edit, maria)"
    ));
    assert!(has(
        &c.add,
        "grant(engineering, daily-ingest, lee, can_edit, lee)"
    ));
    let c = read_files(&Instance::new(), &mut sources, &["data-admin.facts"]);
    assert!(has(
        &c.add,
        "tenant_role(dana, engineering, \"Data Admin\")"
    ));
    assert!(has(
        &c.add,
        "grant(engineering, runnable-default, sam, can_use_compute, dana)"
    ));
}

#[test]
fn run_as_example_facts() {
    let mut sources = SourceMap::new();
    let c = read_files(&Instance::new(), &mut sources, &["run-as.facts"]);
    assert!(has(
        &c.add,
        "resource(engineering, workflow, dp-ingest, sam, sam)"
    ));
    assert!(has(
        &c.add,
        "run_as_user(engineering, dp-ingest, dpdeveloper)"
    ));
    assert!(has(
        &c.add,
        "run_as_user(engineering, dp-report, dpdeveloper)"
    ));
    assert!(has(
        &c.add,
        "resource(engineering, workflow, dp-report, lee, lee)"
    ));
    assert!(has(
        &c.add,
        "tenant_role(dpdeveloper, engineering, \"Data Developer\")"
    ));
    assert!(!c.add.iter().any(|f| f.relation == "instance_role"
        && f.values[0] == grantlog::syntax::ast::Const::Sym("dpdeveloper".into())));
}

/// A large read checks names through a hashed index, a small one through the reader's
/// maps (`facts::read::KNOWN_FROM`): the same statements read either way give the same
/// model.
#[test]
fn large_and_small_reads_check_names_alike() {
    use grantlog::engine::Limits;
    use grantlog::load::Text;
    use grantlog::workspace::Workspace;
    let text = grantlog::generate::instance(3, 600);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() > 4096,
        "one read of the whole text takes the indexed path"
    );
    let rules = grantlog::shipped::rules();
    let whole = Workspace::open(
        &rules,
        &[Text::new("all.facts", text.clone())],
        &Limits::default(),
    )
    .ok()
    .expect("loads");
    let mut parts = Workspace::open(&rules, &[], &Limits::default())
        .ok()
        .expect("opens");
    for (i, chunk) in lines.chunks(1000).enumerate() {
        parts
            .load(&[Text::new(format!("part{i}.facts"), chunk.join("\n"))])
            .unwrap_or_else(|d| panic!("part {i}: {d:?}"));
    }
    let all = |ws: &Workspace| -> Vec<(String, usize)> {
        let p = ws.program();
        p.relations()
            .map(|r| (p.relation_name(r).to_string(), ws.model.len(r)))
            .collect()
    };
    assert_eq!(all(&whole), all(&parts));
}
