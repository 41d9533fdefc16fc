//! docs/errors.md documents exactly the diagnostic codes the source can emit.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `"X0000"` string literal (E, W, F, T or I and four digits) in the Rust files under `dir`.
fn codes_in_source(dir: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            codes_in_source(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            let b = text.as_bytes();
            for i in 0..b.len().saturating_sub(6) {
                let code = &b[i + 1..i + 6];
                if b[i] == b'"'
                    && b[i + 6] == b'"'
                    && b"EWFTI".contains(&code[0])
                    && code[1..].iter().all(u8::is_ascii_digit)
                {
                    out.insert(String::from_utf8(code.to_vec()).unwrap());
                }
            }
        }
    }
}

/// The codes of the reference's table rows, with their example cells.
fn documented(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?;
            let looks_like_code = code.len() == 5 && code[1..].chars().all(|c| c.is_ascii_digit());
            looks_like_code.then(|| (code.to_string(), cells.get(3).unwrap_or(&"").to_string()))
        })
        .collect()
}

#[test]
fn every_emitted_code_is_documented_with_an_example_and_no_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut emitted = BTreeSet::new();
    codes_in_source(&root.join("src"), &mut emitted);
    assert!(emitted.len() > 40, "found {emitted:?}");
    let doc = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let rows = documented(&doc);
    let listed: BTreeSet<String> = rows.iter().map(|(c, _)| c.clone()).collect();
    let missing: Vec<_> = emitted.difference(&listed).collect();
    assert!(missing.is_empty(), "docs/errors.md lacks {missing:?}");
    let stale: Vec<_> = listed.difference(&emitted).collect();
    assert!(
        stale.is_empty(),
        "docs/errors.md lists codes nothing emits: {stale:?}"
    );
    for (code, example) in &rows {
        assert!(example.len() > 3, "{code} has no example message");
    }
    assert_eq!(rows.len(), listed.len(), "a code is listed twice");
}
