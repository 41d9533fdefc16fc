//! The explorer in a real browser: headless Chromium driven over WebDriver (fantoccini)
//! against `grantlog serve` on a loopback port. Skipped, saying so, only when chromium or
//! chromedriver is not installed (`.ci/run` installs them). Screenshots are saved under
//! `target/explorer-screenshots/`.

use crate::serve_util::{scratch, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

/// chromedriver on a free loopback port; killed when dropped.
pub(crate) struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start_driver(exe: &PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver(child, port)
}

pub(crate) async fn browser(driver: &Driver, chromium: &PathBuf) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--window-size=1400,1000"]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a WebDriver session")
}

/// The text of the elements matching `css`, once one of them contains `needle` (10 s).
pub(crate) async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < until {
        seen.clear();
        for e in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            seen.push(e.text().await.unwrap_or_default());
        }
        if let Some(t) = seen.iter().find(|t| t.contains(needle)) {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no `{css}` containing {needle:?}; saw {seen:?}");
}

pub(crate) async fn click(c: &Client, css: &str) {
    wait_text(c, css, "").await;
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/explorer-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

#[test]
fn search_user_whynot_fix_apply_and_feed_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver"))
    else {
        eprintln!(
            "SKIPPED explorer browser test: chromium and chromedriver are not both on PATH \
             (apt-get install -y chromium chromium-driver; .ci/run installs them)"
        );
        return;
    };
    let dir = scratch("explorer");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let server = Server::start(&["--token-file", dir.join("token").to_str().unwrap()]);
    let driver = start_driver(&chromedriver);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(&driver, &chromium).await;
        c.goto(&server.url("/")).await.unwrap();

        // Search with completion, then the paged results page.
        let q = c.find(Locator::Id("q")).await.unwrap();
        q.send_keys("sam").await.unwrap();
        let first = wait_text(&c, "#suggest li", "sam").await;
        assert!(first.to_lowercase().contains("user"), "{first}");
        screenshot(&c, "1-search").await;
        q.send_keys("\u{E007}").await.unwrap(); // Enter: the results page
        wait_text(&c, "main .pager", "of").await;
        assert!(c.current_url().await.unwrap().as_str().contains("#/search?q=sam"));
        c.find(Locator::XPath("//ul[@class='results']//a[text()='sam']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // The user page links the workload they run as to its decision.
        wait_text(&c, "main h1", "User sam").await;
        wait_text(&c, "main table", "sales-360").await;
        screenshot(&c, "2-user").await;
        c.find(Locator::LinkText("can_run(engineering, sales-360)"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // Why not: the cause, the missing Can Use Secret, the verified fix.
        wait_text(&c, "main .verdict", "does not hold").await;
        wait_text(&c, "main .cause", "blocked(engineering, sales-360)").await;
        wait_text(
            &c,
            "main .proof-node summary",
            "missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)",
        )
        .await;
        let fix = "grant can_use_secret on sf-creds in engineering to sam by maria.";
        wait_text(&c, "main .fix pre", fix).await;
        screenshot(&c, "3-whynot").await;

        // Try it: a dry run in which can_run flips, and nothing changes.
        click(&c, "main .try-fix").await;
        wait_text(&c, "main .fix-result .ok", "would become true").await;
        wait_text(&c, "main .fix-result .gained", "can_run(engineering, sales-360)").await;
        c.execute("document.querySelector('.fix').scrollIntoView()", vec![])
            .await
            .unwrap();
        screenshot(&c, "4-dry-run").await;
        assert_eq!(server.get("/ready").1["revision"], 0);

        // A bad token is refused with a message, and nothing changes.
        c.find(Locator::Id("token")).await.unwrap().send_keys("wrong").await.unwrap();
        click(&c, "main .apply-fix").await;
        let refused = wait_text(&c, "main .fix-result .alert", "Refused").await;
        assert!(refused.contains("token"), "{refused}");
        assert_eq!(server.get("/ready").1["revision"], 0);

        // The dependency picture marks the missing edge, in colour and dashed and in words.
        c.goto(&server.url("/#/workload/engineering/sales-360")).await.unwrap();
        let edge = wait_text(&c, "svg .edge.missing", "MISSING").await;
        assert!(edge.contains("can_use_secret"), "{edge}");
        let dashed = c
            .execute(
                "const e = document.querySelector('svg .edge.missing[data-dependency=\"sf-creds\"] polyline');
                 return e ? getComputedStyle(e).strokeDasharray : null;",
                vec![],
            )
            .await
            .unwrap();
        assert!(dashed.as_str().is_some_and(|d| d != "none"), "{dashed}");
        wait_text(&c, "svg .edge.held", "held").await;
        screenshot(&c, "5-workload").await;

        // Back returns to the decision page; apply with the right token.
        c.back().await.unwrap();
        wait_text(&c, "main .verdict", "does not hold").await;
        let token = c.find(Locator::Id("token")).await.unwrap();
        token.clear().await.unwrap();
        token.send_keys("s3cret").await.unwrap();
        click(&c, "main .apply-fix").await;
        wait_text(&c, "main .fix-result .ok", "revision 1").await;
        assert_eq!(server.get("/ready").1["revision"], 1);

        // The live feed shows the change.
        let item = wait_text(&c, "#feed .feed-item", "can_run(engineering, sales-360)").await;
        assert!(item.contains("revision 1") && item.contains("explorer"), "{item}");
        screenshot(&c, "6-applied").await;

        // The decision now holds, with its proof and its history.
        c.refresh().await.unwrap();
        wait_text(&c, "main .verdict", "holds").await;
        wait_text(&c, "main table", "explorer").await;
        c.close().await.unwrap();
    });
}
