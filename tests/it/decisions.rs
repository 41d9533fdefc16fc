//! `@decision` on a `.decl`: which relations a change report lists tuple by tuple, read
//! from the rules rather than a list in the code (issue 21, item 7).

use grantlog::engine::Limits;
use grantlog::load::compile_texts;
use grantlog::repl;
use grantlog::shipped;
use grantlog::source::SourceMap;
use grantlog::workspace::Workspace;

fn session(script: &str) -> String {
    let mut ws = Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
        .unwrap_or_else(|_| panic!("the shipped example opens"));
    let mut out = Vec::new();
    repl::run(&mut ws, script.as_bytes(), &mut out, false).expect("io");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn retracting_an_invitation_lists_the_membership_and_creation_rights_it_took() {
    // Before: "no decision changed", though `member` and `may_create_resource` lost tuples.
    let out = session(":retract invite dana to engineering by iamgroot.\n");
    assert!(!out.contains("no decision changed"), "{out}");
    assert!(out.contains("- member(dana, engineering)\n"), "{out}");
    assert!(
        out.contains("- may_create_resource(dana, engineering, depot)\n"),
        "{out}"
    );
    // Relations not declared `@decision` are counted, not listed.
    assert!(out.contains("also: active_in -1"), "{out}");
}

#[test]
fn the_annotation_marks_exactly_the_annotated_relations_and_keeps_the_doc() {
    let mut sources = SourceMap::default();
    let text = "/// Edges.\n@decision\n.decl edge(a: symbol, b: symbol)\n.decl node(a: symbol)\nnode(a).\nedge(X, X) :- node(X).\n";
    let (program, _) =
        compile_texts(&mut sources, &[("r.dl", text)]).unwrap_or_else(|d| panic!("{d:?}"));
    let names: Vec<&str> = program
        .decisions()
        .map(|r| program.relation_name(r))
        .collect();
    assert_eq!(names, ["edge"]);
    let edge = program.relation("edge").expect("declared");
    assert_eq!(program.declaration(edge).doc.as_deref(), Some("Edges."));
}

#[test]
fn an_unknown_annotation_is_a_located_error() {
    let mut sources = SourceMap::default();
    let text = ".decl node(a: symbol)\n@decison\n.decl edge(a: symbol)\n";
    let diags = match compile_texts(&mut sources, &[("r.dl", text)]) {
        Ok(_) => panic!("an unknown annotation compiled"),
        Err(d) => d,
    };
    let d = diags
        .iter()
        .find(|d| d.code == "E0107")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert!(d.message.contains("@decison"), "{}", d.message);
    let span = d.span.expect("located");
    assert_eq!(sources.file(span.file).line_col(span.start as usize).0, 2);
}

#[test]
fn the_shipped_rules_declare_the_readme_decisions() {
    let mut sources = SourceMap::default();
    let rules = shipped::rules();
    let texts: Vec<(&str, &str)> = rules
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_str()))
        .collect();
    let (program, _) = compile_texts(&mut sources, &texts).unwrap_or_else(|d| panic!("{d:?}"));
    for rel in [
        "permission",
        "can_run",
        "blocked",
        "member",
        "may_create_resource",
        "ineffective_grant",
    ] {
        let r = program
            .relation(rel)
            .unwrap_or_else(|| panic!("{rel} declared"));
        assert!(program.is_decision(r), "{rel} is not @decision");
    }
    let active = program.relation("active_in").expect("declared");
    assert!(!program.is_decision(active));
}
