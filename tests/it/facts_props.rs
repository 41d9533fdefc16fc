//! No input panics `Instance::read`: random token soups built from the language's own
//! words, and example files with tokens deleted, duplicated, swapped or replaced. Every
//! diagnostic points into a loaded file, and a failed read leaves the instance unchanged.

use grantlog::facts::Instance;
use grantlog::source::SourceMap;
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "user",
    "instance",
    "tenant",
    "invite",
    "role",
    "resource",
    "grant",
    "revoke",
    "fact",
    "type",
    "name",
    "email",
    "person",
    "application",
    "operator",
    "super-app-user",
    "delegates",
    "onboarding",
    "to",
    "by",
    "as",
    "in",
    "on",
    "from",
    "run-as",
    "owner",
    "submitter",
    "runAsUser",
    "compute",
    "depot",
    "depots",
    "secret",
    "secrets",
    "cluster",
    "engineering",
    "analytics",
    "sam",
    "maria",
    "iamgroot",
    "sf-depot",
    "sf-creds",
    "sales-360",
    "Tenant",
    "Data",
    "Admin",
    "Developer",
    "Consumer",
    "Can",
    "Use",
    "Edit",
    "Sam",
    "can_edit",
    "can_use_depot",
    "instance_role",
    "grant(a, b, c, d, e)",
    "\"engineering:sf-creds\"",
    "\"dataos://sf-depot?purpose=rw\"",
    "\"roles:id:operator\"",
    "\"Data Developer\"",
    "\"\"",
    "\":\"",
    "\"dataos://\"",
    "\"a:b:c\"",
    "\"x",
    "42",
    "-7",
    ",",
    ".",
    ":",
    "(",
    ")",
    "_",
    "X",
    "$",
    "/*",
    "*/",
    "// c\n",
    "/// d\n",
    "'q'",
    "\n",
    ":-",
    "!",
    "@",
];

fn examples() -> Vec<String> {
    let dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "facts"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Reads `texts` in one read and then again after a first read of `base`; checks the
/// invariants; never panics (the property).
fn check(base: &str, texts: &[String]) {
    let mut sources = SourceMap::new();
    let b = sources.add("base.facts", base);
    let mut inst = Instance::new();
    if let Ok(c) = inst.read(&sources, &[b]) {
        inst.apply(&c);
    }
    let before = format!("{inst:?}");
    let ids: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| sources.add(format!("t{i}.facts"), t.as_str()))
        .collect();
    match inst.read(&sources, &ids) {
        Ok(c) => {
            for f in c.add.iter().chain(&c.remove) {
                let _ = sources.locate(f.span);
            }
            assert!(c.warnings.iter().all(|w| !w.is_error()));
            let mut after = inst.clone();
            after.apply(&c);
        }
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()));
            for d in &diags {
                let span = d.span.expect("every diagnostic is located");
                let _ = sources.locate(span);
                let _ = d.render(&sources);
            }
        }
    }
    assert_eq!(
        format!("{inst:?}"),
        before,
        "read must not change the instance"
    );
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(WORDS).prop_map(str::to_owned),
            1 => "[ -~]{0,6}",
            1 => any::<String>(),
        ],
        0..60,
    )
    .prop_map(|ws| ws.join(" "))
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Replace(usize, &'static str),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        prop_oneof![
            any::<usize>().prop_map(Edit::Delete),
            any::<usize>().prop_map(Edit::Duplicate),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
            (any::<usize>(), prop::sample::select(WORDS)).prop_map(|(a, w)| Edit::Replace(a, w)),
        ],
        1..6,
    )
}

/// Apply edits to the whitespace-separated pieces of `text`.
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut ws: Vec<String> = text
        .split_inclusive(char::is_whitespace)
        .map(str::to_owned)
        .collect();
    for e in edits {
        if ws.is_empty() {
            break;
        }
        let n = ws.len();
        match *e {
            Edit::Delete(i) => {
                ws.remove(i % n);
            }
            Edit::Duplicate(i) => {
                let w = ws[i % n].clone();
                ws.insert(i % n, w);
            }
            Edit::Swap(a, b) => ws.swap(a % n, b % n),
            Edit::Replace(i, w) => ws[i % n] = format!("{w} "),
        }
    }
    ws.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn token_soups_never_panic(a in soup(), b in soup()) {
        check("", &[a.clone(), b.clone()]);
        check(&examples()[0], &[a, b]);
    }

    #[test]
    fn mutated_examples_never_panic(which in 0usize..16, es in edits(), cut in any::<usize>()) {
        let ex = examples();
        let text = &ex[which % ex.len()];
        let m = mutate(text, &es);
        check("", std::slice::from_ref(&m));
        // Also cut at an arbitrary char boundary.
        let mut at = cut % (m.len() + 1);
        while !m.is_char_boundary(at) {
            at -= 1;
        }
        check(text, &[m[..at].to_owned()]);
    }
}

#[test]
fn every_example_twice_is_a_duplicate_error_not_a_panic() {
    for text in examples() {
        let mut sources = SourceMap::new();
        let a = sources.add("a.facts", text.as_str());
        let b = sources.add("b.facts", text.as_str());
        let r = Instance::new().read(&sources, &[a, b]);
        if text.contains("\nuser ") {
            let e = r.unwrap_err();
            assert!(e.iter().any(|d| d.code == "F0104"));
        }
    }
}
