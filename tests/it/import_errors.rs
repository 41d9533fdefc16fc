//! Bad input: located, named, and loading nothing.

use crate::import_util::{open, open_with_base, BASE};
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::workspace::Workspace;

fn error(files: &[(&str, &str)]) -> String {
    match open_with_base(files) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn yaml_syntax_error_is_located_by_line_and_column() {
    let e = error(&[("bad.yaml", "name: x\ntype: depot\nowner: [maria\n")]);
    assert!(e.contains("I0001"), "{e}");
    assert!(e.contains("bad.yaml:4:1"), "{e}");
}

#[test]
fn missing_required_fields_are_named_with_file_and_line() {
    for (field, text) in [
        (
            "name",
            "version: v1\ntype: depot\nowner: maria\ntenant: engineering\n",
        ),
        ("type", "name: d\nowner: maria\ntenant: engineering\n"),
        ("owner", "name: d\ntype: depot\ntenant: engineering\n"),
    ] {
        let text = format!("# a comment line\n{text}");
        let e = error(&[("m.yaml", &text)]);
        assert!(
            e.contains("I0101") && e.contains(&format!("`{field}:`")),
            "{field}: {e}"
        );
        assert!(e.contains("m.yaml:2:1"), "{field}: {e}");
    }
}

#[test]
fn approved_grant_without_an_approver_names_manage_as_user() {
    let g = "name: g\ntype: grant\ngrant:\n  policy_use_case_id: run-as-user\n  subjects: [users:id:sam]\n  values: {run-as-dataos-resource: [{path: users:id:dpdeveloper}]}\n  approve: true\n";
    let e = error(&[("g.yaml", g)]);
    assert!(e.contains("manageAsUser"), "{e}");
}

#[test]
fn unknown_type_is_a_warning_and_the_document_is_skipped() {
    let text = "name: p\nversion: v1\ntype: policy\nowner: maria\n---\nname: c\nversion: v1\ntype: compute\nowner: maria\ntenant: engineering\n";
    let ws = open_with_base(&[("m.yaml", text)]).unwrap_or_else(|e| panic!("{e}"));
    let w: Vec<_> = ws.warnings.iter().filter(|d| d.code == "I0201").collect();
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("policy"));
    assert!(crate::import_util::rows(&ws, "resource")
        .iter()
        .any(|r| r.contains(",c,")));
}

#[test]
fn address_naming_no_known_depot_is_an_error_with_did_you_mean() {
    let text = "name: pgdepot\ntype: depot\nowner: maria\ntenant: engineering\n---\nname: wf\ntype: workflow\nowner: sam\ntenant: engineering\nworkflow:\n  dag:\n    - spec:\n        stackSpec:\n          inputs: [{dataset: \"dataos://pgdepo:public/orders\"}]\n";
    let e = error(&[("wf.yaml", text)]);
    assert!(e.contains("F0103"), "{e}");
    assert!(e.contains("did you mean \"pgdepot\""), "{e}");
    assert!(e.contains("wf.yaml:14:"), "{e}");
}

#[test]
fn unrecognised_table_header_lists_the_expected_columns() {
    let e = error(&[("t.txt", " NAME │ COLOUR\n──────┼───────\n a    │ red\n")]);
    assert!(e.contains("I0301") && e.contains("t.txt:1:1"), "{e}");
    assert!(e.contains("NAME, ID, TYPE, EMAIL, TAGS"), "{e}");
    assert!(e.contains("OWNER"), "{e}");
}

#[test]
fn no_tenant_says_how_to_give_one() {
    let e = error(&[("c.yaml", "name: c\ntype: compute\nowner: maria\n")]);
    assert!(e.contains("I0103") && e.contains("tenants/NAME/"), "{e}");
}

#[test]
fn a_file_with_an_error_loads_nothing_and_the_session_keeps_what_it_had() {
    let mut ws = open(&[("base.facts", BASE)]).unwrap_or_else(|e| panic!("{e}"));
    let before = crate::import_util::rows(&ws, "resource");
    let bad = "name: c1\ntype: compute\nowner: maria\ntenant: engineering\n---\nname: c2\ntype: compute\ntenant: engineering\n";
    assert!(ws.load(&[Text::new("bad.yaml", bad)]).is_err());
    assert_eq!(crate::import_util::rows(&ws, "resource"), before);
    // The good first document did not load either, nor does a fresh open.
    let texts = [Text::new("base.facts", BASE), Text::new("bad.yaml", bad)];
    assert!(Workspace::open(&shipped::rules(), &texts, &Limits::default()).is_err());
}

#[test]
fn positions_after_non_ascii_text_are_still_right() {
    // `é` and `─` are several bytes; the parser counts characters, spans are bytes.
    let text = "name: wf\ntype: workflow\ndescription: \"Données ─ clients\"\nowner: sam\ntenant: engineering\nspec:\n  compute: runnable-defaul\n";
    let base = "resource runnable-default in engineering type: compute owner: maria.";
    let e = error(&[("more.facts", base), ("wf.yaml", text)]);
    assert!(e.contains("F0103") && e.contains("wf.yaml:7:12"), "{e}");
    assert!(e.contains("did you mean \"runnable-default\""), "{e}");
}
