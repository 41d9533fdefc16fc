//! The explorer's heavier pages in headless Chromium (see explorer_browser.rs): a table
//! of 10,000 rows is paged (the page holds 50 of them), a proof is drawn as a graph beside
//! its tree, and a rule change lists the decisions it changes with their proofs.

use crate::explorer_browser::{browser, click, screenshot, start_driver, wait_text, Browser};
use crate::serve_util::{scratch, Server};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

async fn count(c: &Client, css: &str) -> u64 {
    let js = format!("return document.querySelectorAll({}).length", json!(css));
    c.execute(&js, vec![]).await.unwrap().as_u64().unwrap()
}

/// Proof nodes drawn once each: those that are not a `ref` to one shown before.
fn proof_nodes(n: &Value) -> u64 {
    if n.get("ref").is_some() {
        return 0;
    }
    1 + n["premises"]
        .as_array()
        .map_or(0, |ps| ps.iter().map(proof_nodes).sum())
}

#[test]
fn large_tables_proof_graphs_and_rule_changes_in_chromium() {
    large_tables_proof_graphs_and_rule_changes(Browser::Chromium);
}

#[test]
fn large_tables_proof_graphs_and_rule_changes_in_firefox() {
    large_tables_proof_graphs_and_rule_changes(Browser::Firefox);
}

fn large_tables_proof_graphs_and_rule_changes(b: Browser) {
    let Some(installed) = b.installed() else {
        return;
    };
    let dir = scratch(&format!("explorer-pages-{b:?}"));
    let mut bulk = String::from("tenant bulk.\n");
    for i in 1..=10_000 {
        bulk.push_str(&format!(
            "resource bulk-{i:05} in bulk type: secret owner: maria.\n"
        ));
    }
    std::fs::write(dir.join("bulk.facts"), bulk).unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/worked-example.facts");
    let big = Server::start(&[example, dir.join("bulk.facts").to_str().unwrap()]);
    let small = Server::start(&["--alt-rules", "rules/dataos-s13-broad.dl"]);
    let left = crate::explorer_replay::left_out_server(&dir);
    let driver = start_driver(&installed);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(&driver, &installed).await;

        // 10,000 resources: 50 rows at a time, the pager moves through them.
        c.goto(&big.url("/#/tenant/bulk")).await.unwrap();
        wait_text(&c, "main .pager", "rows 1–50 of 10000").await;
        assert!(count(&c, "main tbody tr").await <= 100);
        let first = wait_text(&c, "main tbody tr", "bulk-").await;
        let next = c
            .find(Locator::XPath(
                "//div[@class='pager'][contains(., 'of 10000')]/button[contains(., 'Next')]",
            ))
            .await
            .unwrap();
        next.click().await.unwrap();
        wait_text(&c, "main .pager", "rows 51–100 of 10000").await;
        let second = wait_text(&c, "main tbody tr", "bulk-").await;
        assert_ne!(first, second);
        assert!(count(&c, "main tbody tr").await <= 100);
        screenshot(&c, b, "7-ten-thousand-rows").await;

        // A proof as a tree and as a graph: one box per fact, an arrow per premise.
        let fact = "permission(sam, engineering, sf-depot, can_use_depot)";
        let (_, proof) = small.post_json("/v1/check", &json!({"fact": fact, "explain": "proof"}));
        let nodes = proof_nodes(&proof["proof"]);
        assert!(nodes > 3, "{proof}");
        c.goto(&small.url(&format!("/#/decision/{fact}")))
            .await
            .unwrap();
        wait_text(&c, "main .verdict", "holds").await;
        assert_eq!(count(&c, "svg.proof-graph .graph-node").await, nodes);
        click(&c, "main .view-graph").await;
        let root = format!("svg.proof-graph .graph-node[data-fact='{fact}']");
        assert_eq!(count(&c, &root).await, 1);
        // Long facts are clipped in the box (whole in its tooltip); the rule is named.
        let root = wait_text(&c, &root, "permission(sam, engineering, sf-depot").await;
        assert!(root.contains("by granted_permission"), "{root}");
        // Without colour: a stated fact is said to be stated, with its file:line.
        wait_text(
            &c,
            "svg.proof-graph .graph-node.stated",
            "worked-example.facts:",
        )
        .await;
        assert!(count(&c, "svg.proof-graph .graph-edge").await >= nodes - 1);
        let tree_hidden = c
            .execute(
                "return document.querySelector('.proof-tree').hidden",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(tree_hidden, json!(true));
        screenshot(&c, b, "8-proof-graph").await;

        // A rule change: the server's alternative, its impact, a changed decision's proof.
        c.goto(&small.url("/#/rules/dataos-s13-broad.dl"))
            .await
            .unwrap();
        wait_text(&c, "main .impact-summary", "decisions gained").await;
        wait_text(
            &c,
            "main tbody tr",
            "permission(dana, engineering, sf-creds, can_manage_access)",
        )
        .await;
        click(&c, "main .change-proof summary").await;
        wait_text(
            &c,
            "main .change-proof .proof-node summary",
            "data_admin_manages_all_resources",
        )
        .await;
        screenshot(&c, b, "9-rule-change").await;

        // Uploaded rules that do not parse: the error names the place.
        c.execute(
            "document.querySelector('details.upload').open = true",
            vec![],
        )
        .await
        .unwrap();
        c.execute(
            "document.getElementById('rules-text').value = '@decision\\np(X) :- q(X\\n'",
            vec![],
        )
        .await
        .unwrap();
        click(&c, "main .compare-upload").await;
        wait_text(&c, "main .rule-change .alert", "uploaded.dl:").await;

        // A change that does not apply under the other rules is said to be left out.
        // (Computed at the revision of both changes before the page asks.)
        crate::explorer_replay::at_revision(&left, "one-step.dl", 2);
        c.goto(&left.url("/#/rules/one-step.dl")).await.unwrap();
        wait_text(&c, "main .left-out", "change 1:").await;
        wait_text(&c, "main .left-out", "note").await;
        screenshot(&c, b, "10-rule-change-left-out").await;
        c.close().await.unwrap();
    });
}
