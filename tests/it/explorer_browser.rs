//! The explorer in real browsers: headless Chromium and Firefox ESR (Debian's packages)
//! driven over WebDriver (fantoccini, through chromedriver and geckodriver) against
//! `grantlog serve` on a loopback port, the same scenario in each. A browser that is not
//! installed is skipped, saying so, except under CI (`CI` set), where `.ci/run` installs
//! them and a missing one fails. Screenshots are saved under
//! `target/explorer-screenshots/` (`firefox-` before Firefox's).

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

#[derive(Clone, Copy, Debug)]
pub(crate) enum Browser {
    Chromium,
    Firefox,
}

/// A browser and its WebDriver, both found.
pub(crate) struct Installed {
    pub browser: Browser,
    exe: PathBuf,
    driver: PathBuf,
}

impl Browser {
    /// The browser and its driver, or `None` (after saying why) when one is missing.
    pub(crate) fn installed(self) -> Option<Installed> {
        let (exe, driver, how) = match self {
            Browser::Chromium => (
                on_path("chromium"),
                on_path("chromedriver"),
                "apt-get install -y chromium chromium-driver",
            ),
            Browser::Firefox => (
                on_path("firefox-esr").or_else(|| on_path("firefox")),
                // geckodriver has no Debian package: .ci/run builds it from crates.io.
                on_path("geckodriver").or_else(|| {
                    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                        .join("target/tools/bin/geckodriver");
                    built.is_file().then_some(built)
                }),
                "apt-get install -y firefox-esr; cargo install geckodriver --version 0.37.1 \
                 --locked --root target/tools",
            ),
        };
        match (exe, driver) {
            (Some(exe), Some(driver)) => Some(Installed {
                browser: self,
                exe,
                driver,
            }),
            _ => {
                let why =
                    format!("{self:?} or its WebDriver is not installed ({how}; .ci/run does it)");
                assert!(std::env::var_os("CI").is_none(), "under CI: {why}");
                eprintln!("SKIPPED explorer browser test: {why}");
                None
            }
        }
    }
}

/// The WebDriver on a free loopback port; killed when dropped.
pub(crate) struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start_driver(i: &Installed) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&i.driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the WebDriver starts");
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "{:?}'s WebDriver did not listen",
            i.browser
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver(child, port)
}

pub(crate) async fn browser(driver: &Driver, i: &Installed) -> Client {
    let mut caps = serde_json::Map::new();
    match i.browser {
        Browser::Chromium => caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": i.exe, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", "--window-size=1400,1000"]}),
        ),
        Browser::Firefox => caps.insert(
            "moz:firefoxOptions".into(),
            json!({"binary": i.exe, "args": ["-headless", "--width=1400", "--height=1000"]}),
        ),
    };
    // Starting a browser on a loaded machine can take a while.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let session = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.1))
            .await;
        match session {
            Ok(c) => return c,
            Err(e) if Instant::now() < until => {
                eprintln!(
                    "{:?}: no WebDriver session yet ({e}); trying again",
                    i.browser
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => panic!("{:?}: no WebDriver session: {e}", i.browser),
        }
    }
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

/// Saves `target/explorer-screenshots/NAME.png` (`firefox-NAME.png` in Firefox).
pub(crate) async fn screenshot(c: &Client, browser: Browser, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/explorer-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    let prefix = match browser {
        Browser::Chromium => "",
        Browser::Firefox => "firefox-",
    };
    std::fs::write(dir.join(format!("{prefix}{name}.png")), png).unwrap();
}

#[test]
fn search_user_whynot_fix_apply_and_feed_in_chromium() {
    search_user_whynot_fix_apply_and_feed(Browser::Chromium);
}

#[test]
fn search_user_whynot_fix_apply_and_feed_in_firefox() {
    search_user_whynot_fix_apply_and_feed(Browser::Firefox);
}

fn search_user_whynot_fix_apply_and_feed(b: Browser) {
    let Some(installed) = b.installed() else {
        return;
    };
    let dir = scratch(&format!("explorer-{b:?}"));
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let server = Server::start(&["--token-file", dir.join("token").to_str().unwrap()]);
    let driver = start_driver(&installed);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(&driver, &installed).await;
        c.goto(&server.url("/")).await.unwrap();

        // Search with completion, then the paged results page.
        let q = c.find(Locator::Id("q")).await.unwrap();
        q.send_keys("sam").await.unwrap();
        let first = wait_text(&c, "#suggest li", "sam").await;
        assert!(first.to_lowercase().contains("user"), "{first}");
        screenshot(&c, b, "1-search").await;
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
        screenshot(&c, b, "2-user").await;
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
        screenshot(&c, b, "3-whynot").await;

        // Try it: a dry run in which can_run flips, and nothing changes.
        click(&c, "main .try-fix").await;
        wait_text(&c, "main .fix-result .ok", "would become true").await;
        wait_text(&c, "main .fix-result .gained", "can_run(engineering, sales-360)").await;
        c.execute("document.querySelector('.fix').scrollIntoView()", vec![])
            .await
            .unwrap();
        screenshot(&c, b, "4-dry-run").await;
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
        screenshot(&c, b, "5-workload").await;

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
        screenshot(&c, b, "6-applied").await;

        // The decision now holds, with its proof and its history.
        c.refresh().await.unwrap();
        wait_text(&c, "main .verdict", "holds").await;
        wait_text(&c, "main table", "explorer").await;

        // The keyboard alone: `/` focuses the search, arrows choose a completion, Enter
        // opens it, Tab reaches a link with a visible focus ring, Enter follows it; back
        // and forward move between the pages.
        press(&c, '/').await;
        assert_eq!(active(&c, "id").await, "q");
        c.active_element().await.unwrap().send_keys("sam").await.unwrap();
        wait_text(&c, "#suggest li", "sam").await;
        press(&c, '\u{E015}').await; // ArrowDown
        let chosen = c
            .execute("return document.getElementById('q').getAttribute('aria-activedescendant')", vec![])
            .await
            .unwrap();
        assert_eq!(chosen, json!("opt-0"));
        press(&c, '\u{E007}').await; // Enter
        wait_text(&c, "main h1", "User sam").await;
        assert!(c.current_url().await.unwrap().as_str().ends_with("#/user/sam"));
        press(&c, '\u{E004}').await; // Tab, from the page just shown
        assert_eq!(active(&c, "tagName").await, "A");
        let ring = c
            .execute(
                "const s = getComputedStyle(document.activeElement);
                 return [s.outlineStyle, s.outlineWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ring, json!(["solid", "3px"]), "the focused link shows its focus");
        let link = active(&c, "href").await;
        press(&c, '\u{E007}').await;
        let until = Instant::now() + Duration::from_secs(10);
        while !c.current_url().await.unwrap().as_str().ends_with(&link[link.find('#').unwrap()..]) {
            assert!(Instant::now() < until, "Enter on {link} did not open it");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        c.back().await.unwrap();
        wait_text(&c, "main h1", "User sam").await;
        c.forward().await.unwrap();
        let until = Instant::now() + Duration::from_secs(10);
        while !c.current_url().await.unwrap().as_str().ends_with(&link[link.find('#').unwrap()..]) {
            assert!(Instant::now() < until, "forward did not return to {link}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        c.close().await.unwrap();
    });
}

/// Presses and releases one key (WebDriver's code for a special key) where the focus is.
async fn press(c: &Client, key: char) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.unwrap();
}

/// A property of the focused element, as a string.
async fn active(c: &Client, property: &str) -> String {
    let js = format!("return String(document.activeElement.{property})");
    c.execute(&js, vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}
