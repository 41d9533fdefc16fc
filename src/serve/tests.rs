//! Mechanisms of the server, not timings: a change waiting for its turn is not overtaken
//! by readers that come later, a request waiting for a change does not hold up an async
//! worker, and an accepted change leaves nothing behind that grows with the changes.

use super::state::Server;
use super::Config;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The worked example, as `grantlog serve` with no inputs opens it.
fn worked_example() -> Server {
    worked_example_keeping(super::kept::KEPT_CHANGES)
}

/// The worked example, keeping the texts of the last `keep_changes` changes.
fn worked_example_keeping(keep_changes: usize) -> Server {
    let inputs = crate::inputs::gather(&[], &[]).expect("the shipped inputs");
    let config = Config {
        rules: inputs.rules,
        facts: inputs.facts,
        listen: "127.0.0.1:0".into(),
        token: None,
        data: None,
        limits: Default::default(),
        max_body: 1 << 20,
        quiet: true,
        keep_events: 100,
        keep_changes,
        keep_change_bytes: super::kept::KEPT_CHANGE_BYTES,
        authzen: None,
        watch: None,
        alt_rules: Vec::new(),
    };
    Server::open(&config).unwrap_or_else(|e| panic!("the worked example opens: {e}"))
}

/// Bounds the waits of these tests: each asserts something that happens at once when the
/// mechanism works and never when it does not.
const NEVER: Duration = Duration::from_secs(10);

#[test]
fn a_waiting_change_is_not_overtaken_by_later_readers() {
    let server = Arc::new(worked_example());
    let reading = server.read();
    let writer = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || server.write().revision += 1)
    };
    // Once the change waits for the read in progress, a new reader must wait behind it.
    let started = Instant::now();
    while server.try_read().is_some() {
        assert!(
            started.elapsed() < NEVER,
            "new readers still go ahead of a change waiting for the lock"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(reading);
    writer.join().expect("the change");
    assert_eq!(server.read().revision, 1, "the change was applied");
}

/// One HTTP/1.1 request on a fresh connection; the status line and body.
fn request(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> String {
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(NEVER)).expect("timeout");
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer
}

/// `server` answering on an ephemeral loopback port, with one async worker; the runtime
/// serves until dropped.
fn serving_on_one_worker(server: &Arc<Server>) -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    let runtime = super::runtime(Some(1)).expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("listen");
    let addr = listener.local_addr().expect("address");
    let app = super::routes::router(Arc::clone(server));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, addr)
}

#[test]
fn a_check_waiting_for_a_change_leaves_the_async_worker_free() {
    let server = Arc::new(worked_example());
    // One async worker: a request that blocked it would stop every other.
    let (_runtime, addr) = serving_on_one_worker(&server);

    // A change in progress: the test holds the write lock.
    let change = server.write();
    let check = std::thread::spawn(move || {
        request(
            addr,
            "POST",
            "/v1/check",
            r#"{"fact": "can_run(engineering, sales-360)"}"#,
        )
    });
    // Let the check reach the lock (if it answered first, the next step proves nothing,
    // but the check would not have waited either).
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let metrics = request(addr, "GET", "/metrics", "");
    let health = request(addr, "GET", "/health", "");
    assert!(
        metrics.starts_with("HTTP/1.1 200") && health.starts_with("HTTP/1.1 200"),
        "while a check waits for a change, /metrics and /health answer (after {:?}):\n{metrics}\n{health}",
        started.elapsed()
    );
    assert!(!check.is_finished(), "the check waits for the change");
    drop(change);
    let checked = check.join().expect("the check");
    assert!(
        checked.starts_with("HTTP/1.1 200") && checked.contains("\"holds\""),
        "the check is answered once the change is done:\n{checked}"
    );
}

#[test]
fn an_accepted_change_keeps_no_undo_step() {
    let server = worked_example();
    for (i, key) in ["assert", "retract", "assert"].iter().enumerate() {
        let req: super::changes::ChangeRequest = serde_json::from_value(serde_json::json!({
            *key: "fact tenant_role(sam, engineering, \"Tenant Admin\")."
        }))
        .expect("a change request");
        let answer = super::changes::change(&server, &req, "api").expect("applied");
        assert_eq!(answer["revision"], i as u64 + 1);
        assert!(
            server.write().ws.undo().is_none(),
            "the server keeps an undo step after change {}: the history grows with every change",
            i + 1
        );
    }
}

#[test]
fn changes_keep_no_warnings_and_only_the_last_texts() {
    let server = worked_example_keeping(3);
    let (warnings, texts) = {
        let live = server.read();
        (live.ws.warnings.len(), live.ws.sources.text_bytes())
    };
    // A grant given and taken back, with a revocation that revokes nothing (F0501).
    let grant = "grant can_use_secret on sf-creds in engineering to sam by maria.";
    let revoke = "revoke can_use_secret on sf-creds in engineering from dana by maria.";
    let mut sizes = Vec::new();
    for i in 0..8 {
        let body = if i % 2 == 0 {
            serde_json::json!({ "assert": grant })
        } else {
            serde_json::json!({ "retract": grant, "assert": revoke })
        };
        let req: super::changes::ChangeRequest =
            serde_json::from_value(body).expect("a change request");
        let answer = super::changes::change(&server, &req, "api").expect("applied");
        if i % 2 == 1 {
            assert_eq!(answer["warnings"][0]["code"], "F0501", "{answer}");
        }
        sizes.push(req.assert.map_or(0, |t| t.len()) + req.retract.map_or(0, |t| t.len()));
    }
    let live = server.read();
    assert_eq!(
        live.ws.warnings.len(),
        warnings,
        "the changes' warnings accumulate in the model"
    );
    assert_eq!(live.applied.len(), 3);
    assert_eq!(live.applied.dropped(), Some((1, 5)));
    // The model's sources hold the texts of the last 3 changes (each with its final dot,
    // already there), not of the 5 before.
    assert_eq!(
        live.ws.sources.text_bytes(),
        texts + sizes[5..].iter().sum::<usize>()
    );
    let names: Vec<&str> = (0..live.ws.sources.len() as u32)
        .map(|i| live.ws.sources.file(crate::source::FileId(i)).name.as_str())
        .filter(|n| n.starts_with("change-"))
        .collect();
    assert!(
        names.contains(&"change-1-assert.facts (text dropped)"),
        "{names:?}"
    );
    assert!(names.contains(&"change-8-assert.facts"), "{names:?}");
}

/// The server runtimes' threads in this process (by name, from /proc; 0 where there is
/// none): other tests run beside this one.
fn server_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == super::THREAD_NAME)
        .count()
}

#[test]
fn checks_waiting_for_a_change_use_a_bounded_number_of_threads() {
    let server = Arc::new(worked_example());
    let (_runtime, addr) = serving_on_one_worker(&server);
    // A change in progress (the test holds the write lock), and 40 checks waiting for it,
    // each on a blocking thread: at most MAX_BLOCKING_THREADS of them at once.
    let change = server.write();
    let checks: Vec<_> = (0..40)
        .map(|_| {
            std::thread::spawn(move || {
                request(
                    addr,
                    "POST",
                    "/v1/check",
                    r#"{"fact": "can_run(engineering, sales-360)"}"#,
                )
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let threads = server_threads();
    drop(change);
    for c in checks {
        let answer = c.join().expect("a check");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // 16 blocking threads, this runtime's worker, and the other test's runtime (one
    // worker, a blocking thread). Without a bound: 41.
    assert!(
        threads <= 16 + 3,
        "{threads} server threads for 40 checks waiting for a change"
    );
}
