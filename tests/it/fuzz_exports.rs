//! Issue 24's fuzzing of the surfaces real exports reach: manifests (with aliases and
//! deep nesting), `dataos-ctl` tables, TSV/CSV files, directories with links, `fmt`, and
//! the language server's framing. No panic, every error located, each case quick; `fmt`
//! output re-parses, is idempotent and keeps the facts. `benches/fuzz-long.sh` runs
//! these with many more cases.

use crate::fuzz_common::{assert_located, assert_quick, cases, input, text};
use grantlog::engine::{Limits, Model};
use grantlog::fmt::{format, Lang};
use grantlog::load::{compile_texts, Text};
use grantlog::shipped;
use grantlog::source::SourceMap;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: &str = include_str!("../../examples/dataos/users.txt");
const DEPOT: &str = include_str!("../../examples/dataos/tenants/engineering/sf-depot.yaml");
const GRANTS: &str = include_str!("../../examples/dataos/grants.yaml");
const CLUSTER: &str =
    include_str!("../../examples/dataos/tenants/engineering/minerva-cluster.yaml");
const TENANT: &str = include_str!("../../examples/dataos/tenant.facts");
const WORKED: &str = include_str!("../../examples/worked-example.facts");
const ALIASES: &str = "name: wf\nversion: v1\ntype: workflow\nowner: sam\nd: &d {compute: runnable-default, runAsUser: sam}\ne: &e [*d, *d, *d]\nf: &f [*e, *e, *e]\nworkflow:\n  dag:\n    - name: a\n      spec: *d\n    - - - - - [*f, *f]\n";

fn limits() -> Limits {
    Limits {
        max_tuples: Some(200_000),
        timeout: Some(Duration::from_secs(5)),
    }
}

/// Loads `texts` on the shipped rules: an error is located, a limit names no place.
fn load(texts: Vec<Text>) -> Result<(), TestCaseError> {
    if let Err(f) = Workspace::open(&shipped::rules(), &texts, &limits()) {
        prop_assert!(f.diagnostics.iter().any(|d| d.is_error()));
        let located: Vec<_> = f
            .diagnostics
            .iter()
            .filter(|d| !d.code.starts_with("E04"))
            .cloned()
            .collect();
        assert_located(&located, &f.sources)?;
    }
    Ok(())
}

fn facts_with(name: &'static str, bytes: &[u8]) -> Vec<Text> {
    vec![
        Text::new("base.facts", crate::import_util::BASE),
        Text::new(name, text(bytes)),
    ]
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn manifests(bytes in input(vec![DEPOT, GRANTS, CLUSTER, ALIASES])) {
        let started = Instant::now();
        load(facts_with("tenants/engineering/fuzz.yaml", &bytes))?;
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn yaml_aliases_and_nesting(levels in 1usize..14, fan in 1usize..12, depth in 0usize..400) {
        let started = Instant::now();
        let mut y = String::from("name: x\nversion: v1\ntype: compute\nowner: sam\na0: &a0 [lol]\n");
        for i in 1..levels {
            let refs = vec![format!("*a{}", i - 1); fan].join(", ");
            y.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        y.push_str(&format!("deep: {}x{}\n", "[".repeat(depth), "]".repeat(depth)));
        load(facts_with("tenants/engineering/bomb.yaml", y.as_bytes()))?;
        assert_quick(started, y.len())?;
    }

    #[test]
    fn tables(bytes in input(vec![USERS, "INFO[0000] user get...\r\n NAME | ID | TYPE | EMAIL | TAGS\r\n----+----+----+----+----\r\n a | a | person | a@x | roles:id:user\r\n"])) {
        let started = Instant::now();
        load(facts_with("users.txt", &bytes))?;
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn delimited_files(
        bytes in input(vec!["a\tb\nb\tc\n", "\"a\",b\r\n\r\n\"b,c\",\"d\"\"e\"\r\n", "\u{feff}a,1\nb,-2\n"]),
        csv in any::<bool>(),
        numeric in any::<bool>(),
    ) {
        let started = Instant::now();
        let rules = if numeric { ".decl e(a: symbol, n: number)\n" } else { ".decl e(a, b: symbol)\n" };
        let mut sources = SourceMap::new();
        let (program, _) = compile_texts(&mut sources, &[("r.dl", rules)]).expect("rules");
        let name = if csv { "e.csv" } else { "e.tsv" };
        let file = sources.add(name, text(&bytes));
        let mut model = Model::new(Arc::new(program));
        if let Err(errors) = grantlog::delimited::load(&mut model, &sources, file) {
            prop_assert!(errors.iter().all(|d| d.is_error()));
            assert_located(&errors, &sources)?;
        }
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn fmt_reparses_is_idempotent_and_keeps_the_facts(bytes in input(vec![WORKED, TENANT, ".decl ready\np(a) :- ready.\n.decl q(x: symbol).\n"]), facts in any::<bool>()) {
        let started = Instant::now();
        let text = text(&bytes);
        let (lang, name) = if facts { (Lang::Facts, "f.facts") } else { (Lang::Rules, "f.dl") };
        let mut sources = SourceMap::new();
        if let Ok(once) = format(name, &text, lang, &mut sources) {
            let mut again = SourceMap::new();
            let twice = format(name, &once, lang, &mut again);
            prop_assert!(twice.is_ok(), "fmt output does not parse: {once:?}");
            prop_assert_eq!(twice.unwrap_or_default(), once.clone(), "not idempotent");
            if facts {
                // The same statements: loading either gives the same model, or the same errors.
                let before = Workspace::open(&shipped::rules(), &[Text::new(name, text.clone())], &limits());
                let after = Workspace::open(&shipped::rules(), &[Text::new(name, once)], &limits());
                match (before, after) {
                    (Ok(a), Ok(b)) => {
                        for rel in ["user", "tenant", "grant", "resource", "can_run"] {
                            prop_assert_eq!(
                                crate::import_util::rows(&a, rel),
                                crate::import_util::rows(&b, rel),
                                "{} changed", rel
                            );
                        }
                    }
                    (Err(a), Err(b)) => {
                        let codes = |f: &grantlog::workspace::LoadFailure| {
                            let mut c: Vec<_> = f.diagnostics.iter().map(|d| d.code).collect();
                            c.sort_unstable();
                            c
                        };
                        prop_assert_eq!(codes(&a), codes(&b));
                    }
                    _ => prop_assert!(false, "fmt changed whether the file loads"),
                }
            }
        }
        assert_quick(started, bytes.len())?;
    }

    #[test]
    fn lsp_frames(bytes in input(vec![
        "Content-Length: 52\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\",\"params\":null}",
        "Content-Length: 18446744073709551615\r\n\r\n{}",
        "Content-Type: application/vscode-jsonrpc\r\nContent-Length: 2\r\n\r\n{}",
    ])) {
        let started = Instant::now();
        let mut input = bytes.as_slice();
        // Frame after frame until the end or an error: never a panic, never a runaway.
        for _ in 0..64 {
            match grantlog::lsp::transport::read_message(&mut input) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    prop_assert!(!e.is_empty());
                    break;
                }
            }
        }
        assert_quick(started, bytes.len())?;
    }
}

#[cfg(unix)]
proptest! {
    #![proptest_config(cases(32))]

    /// A small tree of directories, files and links (to itself, a parent, a sibling, the
    /// root, nowhere, a file):
    /// the walk ends and names each file once.
    #[test]
    fn directories_with_links(links in prop::collection::vec((0usize..4, 0usize..6), 0..8)) {
        use std::os::unix::fs::symlink;
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("grantlog-fuzz-dirs-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dirs = [root.clone(), root.join("a"), root.join("a/b"), root.join("c")];
        for d in &dirs {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("x.facts"), "tenant t.\n").unwrap();
        }
        // Links stay inside the tree (a link out of it would walk the whole of /tmp).
        for (i, (d, t)) in links.iter().enumerate() {
            let target = match t {
                0..=3 => dirs[*t].clone(),
                4 => root.join("nonexistent"),
                _ => dirs[*d].join("x.facts"),
            };
            let _ = symlink(target, dirs[*d].join(format!("l{i}")));
        }
        let started = Instant::now();
        let found = grantlog::load::expand_dirs(std::slice::from_ref(&root));
        prop_assert!(started.elapsed() < Duration::from_secs(10));
        let found = found.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let mut canonical: Vec<_> = found.iter().map(|p| std::fs::canonicalize(p).unwrap()).collect();
        let all = canonical.len();
        canonical.sort();
        canonical.dedup();
        prop_assert_eq!(canonical.len(), all, "a file was named twice: {:?}", found);
        prop_assert_eq!(all, 4);
        let _ = std::fs::remove_dir_all(&root);
    }
}
