//! `grantlog generate --manifests`: the instance as manifests, a user table and a short
//! .facts file loads to exactly the instance of the .facts text, relation by relation.

use crate::import_util::{open, rows};
use grantlog::import::manifests_from_facts;

#[test]
fn generated_manifests_load_to_the_same_instance() {
    let text = grantlog::generate::instance(3, 600);
    let files = manifests_from_facts(&text).unwrap_or_else(|d| panic!("{d:?}"));
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        names.contains(&"users.txt") && names.contains(&"grants.yaml"),
        "{names:?}"
    );
    assert!(names
        .iter()
        .any(|n| n.starts_with("tenants/") && n.ends_with(".yaml")));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let from_manifests = open(&refs).unwrap_or_else(|e| panic!("{e}"));
    let from_facts = open(&[("generated.facts", &text)]).unwrap_or_else(|e| panic!("{e}"));
    let program = from_facts.program();
    for rel in program.relations() {
        let name = program.relation_name(rel).to_string();
        assert_eq!(
            rows(&from_manifests, &name),
            rows(&from_facts, &name),
            "relation {name}"
        );
    }
    assert!(!rows(&from_manifests, "run_as_grant").is_empty());
    assert!(!rows(&from_manifests, "depot_secret").is_empty());
}
