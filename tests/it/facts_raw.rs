//! Raw facts in fact files read as in rule files (issue 9, items 5 and 7): relation names
//! of either case, and zero-arity facts; keyword statements keep their errors.

use grantlog::diag::Diagnostic;
use grantlog::facts::Instance;
use grantlog::source::SourceMap;

fn read(text: &str) -> Result<Vec<String>, Vec<Diagnostic>> {
    let mut sources = SourceMap::new();
    let f = sources.add("t.facts", text);
    let c = Instance::new().read(&sources, &[f])?;
    Ok(c.add.iter().map(|f| f.to_string()).collect())
}

fn codes(text: &str) -> Vec<&'static str> {
    read(text)
        .expect_err("should fail")
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn capitalised_relation_names() {
    assert_eq!(
        read("In(a, b).\nCPtrLoad(x).\nfact University(\"mit\").").unwrap(),
        ["In(a, b)", "CPtrLoad(x)", "University(mit)"]
    );
}

#[test]
fn zero_arity_facts() {
    assert_eq!(
        read("z.\nfact y.\nw().\nZ().\nY.").unwrap(),
        ["z()", "y()", "w()", "Z()", "Y()"]
    );
}

#[test]
fn keyword_statements_keep_their_errors() {
    // A capitalised name in a statement, a capitalised value in a raw fact: F0002.
    assert_eq!(codes("user Sam type person."), ["F0002"]);
    assert_eq!(codes("In(a, B)."), ["F0002"]);
    // A keyword alone is that statement, missing its parts, not a zero-arity fact.
    assert_eq!(codes("user."), ["E0001"]);
    assert_eq!(codes("grant."), ["E0001"]);
    // A capitalised keyword is no statement; the help names the keyword.
    let d = read("User sam type person.").unwrap_err();
    assert_eq!(d[0].code, "E0001");
    assert!(
        d[0].help
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `user`?")),
        "{d:?}"
    );
}
