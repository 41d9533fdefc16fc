//! The explorer's own endpoints and assets, through a real HTTP client: the page and its
//! scripts are served from the binary, search pages through names, a base fact's source
//! lines and the statements a rule cites come back as the page shows them.

use crate::serve_util::Server;
use serde_json::json;

#[test]
fn the_page_and_its_assets_are_served_from_the_binary() {
    let s = Server::start(&[]);
    let (status, html) = s.get_text("/");
    assert_eq!(status, 200);
    assert!(html.contains("<script src=\"/explorer/app.js\">"), "{html}");
    // Nothing is fetched from another origin.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let (status, js) = s.get_text("/explorer/app.js");
    assert_eq!(status, 200);
    assert!(js.contains("/v1/explore/search"));
    assert!(
        !js.contains("https://"),
        "the script reaches no other origin"
    );
    assert_eq!(s.get_text("/explorer/app.css").0, 200);
    assert_eq!(s.get_text("/explorer/nope.js").0, 404);
}

#[test]
fn search_ranks_exact_then_prefix_then_substring_and_pages() {
    let s = Server::start(&[]);
    let (status, all) = s.get("/v1/explore/search?q=sa&limit=200");
    assert_eq!(status, 200, "{all}");
    let names: Vec<(&str, &str)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["name"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&("user", "sam")), "{names:?}");
    assert!(names.contains(&("workload", "sales-360")), "{names:?}");
    let total = all["total"].as_u64().unwrap() as usize;
    assert_eq!(total, names.len());
    assert_eq!(all["next_offset"], json!(null));

    // Exact first.
    let (_, exact) = s.get("/v1/explore/search?q=SAM&limit=1");
    assert_eq!(exact["items"][0]["name"], "sam");
    assert_eq!(exact["items"][0]["kind"], "user");

    // Pages of 1 cover the whole answer, in order, then stop.
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let (_, page) = s.get(&format!("/v1/explore/search?q=sa&limit=1&offset={offset}"));
        assert_eq!(page["total"].as_u64().unwrap() as usize, total);
        paged.push(page["items"][0]["name"].as_str().unwrap().to_string());
        match page["next_offset"].as_u64() {
            Some(n) => offset = n as usize,
            None => break,
        }
    }
    let all_names: Vec<String> = names.iter().map(|(_, n)| n.to_string()).collect();
    assert_eq!(paged, all_names);

    let (_, none) = s.get("/v1/explore/search?q=zzzz-no-such");
    assert_eq!(
        (none["total"].clone(), none["items"].clone()),
        (json!(0), json!([]))
    );
    let (status, bad) = s.get("/v1/explore/search?q=sam&limit=many");
    assert_eq!(status, 400, "{bad}");
}

#[test]
fn a_base_fact_opens_its_source_lines_and_rules_their_statements() {
    let s = Server::start(&[]);
    let (status, src) = s.get("/v1/explore/source?file=examples/worked-example.facts&line=56");
    assert_eq!(status, 200, "{src}");
    let here = src["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == 56)
        .expect("the asked line");
    assert!(
        here["text"]
            .as_str()
            .unwrap()
            .starts_with("grant can_use_depot   on sf-depot"),
        "{here}"
    );
    assert_eq!(src["lines"].as_array().unwrap().len(), 7);
    let (status, err) = s.get("/v1/explore/source?file=nope.facts&line=1");
    assert_eq!(
        (status, &err["error"]["code"]),
        (404, &json!("unknown_file"))
    );
    let (status, _) = s.get("/v1/explore/source?file=examples/worked-example.facts&line=99999");
    assert_eq!(status, 404);

    let (status, st) = s.get("/v1/explore/statements?ids=S3,S99,S23");
    assert_eq!(status, 200);
    assert!(st["S3"].as_str().unwrap().contains("roles:id:user"), "{st}");
    assert!(st["S23"].is_string());
    assert!(st.get("S99").is_none());
}

/// The browsers' install commands docs/explorer.md shows are the ones `.ci/run` runs.
#[test]
fn the_browser_install_commands_shown_are_what_ci_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/explorer.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let block = doc
        .split("```sh\n")
        .nth(1)
        .expect("an sh block")
        .split("```")
        .next()
        .unwrap();
    let shown: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(shown.len(), 2, "{block}");
    assert!(
        shown[0].starts_with("apt-get install ") && shown[0].ends_with("firefox-esr"),
        "{block}"
    );
    assert!(ci.contains("missing+=(firefox-esr)"), "{ci}");
    assert!(ci.contains(shown[1]), ".ci/run lacks `{}`", shown[1]);
}

#[test]
fn the_explorer_docs_answer_as_shown() {
    let failures = crate::serve_docs::run_doc("docs/explorer.md");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_fix_is_tried_without_the_token_and_applied_only_with_it() {
    let dir = crate::serve_util::scratch("explore-dry-run");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let s = Server::start(&["--token-file", dir.join("token").to_str().unwrap()]);
    let fix = json!({"assert": "grant can_use_secret on sf-creds in engineering to sam by maria."});
    let (status, dry) = s.post_json("/v1/explore/dry-run", &fix);
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let gained: Vec<&str> = dry["gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fact"].as_str().unwrap())
        .collect();
    assert!(
        gained.contains(&"can_run(engineering, sales-360)"),
        "{gained:?}"
    );
    // Nothing changed, and the change itself still needs the token.
    assert_eq!(s.get("/ready").1["revision"], 0);
    let (status, _) = s.post_json("/v1/changes", &fix);
    assert_eq!(status, 401);
    let (status, bad) = s.post_json("/v1/explore/dry-run", &json!({"assert": "grant x"}));
    assert_eq!(status, 400, "{bad}");
    let (status, _) = s.post_json("/v1/explore/dry-run", &json!({"dry_run": false}));
    assert_eq!(status, 400, "an unknown field is refused");
}

#[test]
fn search_sees_a_change_at_once_and_pages_a_prefix_range() {
    let dir = crate::serve_util::scratch("explore-search-change");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let s = Server::start(&["--token-file", dir.join("token").to_str().unwrap()]);
    // The index of revision 0 is built by this search...
    let (_, before) = s.get("/v1/explore/search?q=samira");
    assert_eq!(before["total"], 0, "{before}");
    let users = "user samira type person name \"Samira A\" email \"samira@tmdc.io\".\n\
                 fact user(samuel, person).";
    let (status, changed) = s.post_with_token("/v1/changes", &json!({"assert": users}), "s3cret");
    assert_eq!(status, 200, "{changed}");
    // ...and the next revision's names are found by the next one.
    let (_, after) = s.get("/v1/explore/search?q=sam");
    assert_eq!(after["revision"], 1, "{after}");
    let names: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    // Exact (sam), then the prefixes by kind and name (samira, samuel as users).
    assert_eq!(names[..3], ["sam", "samira", "samuel"], "{names:?}");
    let (_, second) = s.get("/v1/explore/search?q=sam&offset=1&limit=1");
    assert_eq!(second["items"][0]["name"], "samira", "{second}");
    assert_eq!(second["next_offset"], 2);
    // A retraction drops the name again.
    let retract = json!({"retract": "fact user(samuel, person)."});
    let (status, _) = s.post_with_token("/v1/changes", &retract, "s3cret");
    assert_eq!(status, 200);
    let (_, gone) = s.get("/v1/explore/search?q=samuel");
    assert_eq!(
        (gone["total"].clone(), gone["revision"].clone()),
        (json!(0), json!(2))
    );
}
