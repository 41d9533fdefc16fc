//! Load generator for `grantlog serve` (run by `benches/serve-load.sh`, which starts the
//! server on a generated instance): checks per second and latency at 1, 8 and 64
//! connections for `/v1/check` and AuthZEN evaluation, a mix with 1% changes, reads
//! during heavy writes (what readers wait), write-to-visible and watch event latency.
//!
//!   serve_load http://127.0.0.1:PORT [SECONDS] [PEER]
//!
//! With PEER (the URL of `benches/spicedb/peer.mjs`, which answers the same `/v1/check`
//! bodies from SpiceDB), the checks are first answered by both and compared, then the
//! check load runs on grantlog and the peer in turn (A B A B) at each connection count.
//!
//! Each connection is a thread with its own keep-alive connection (ureq), so the figures
//! include the client's own cost on the same two cores.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> (u16, Value) {
    let mut r = agent.post(url).send(body).expect("the server answers");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Latencies in µs: (count, p50, p99, max).
fn summary(mut l: Vec<u64>) -> (usize, u64, u64, u64) {
    if l.is_empty() {
        return (0, 0, 0, 0);
    }
    l.sort_unstable();
    let at = |q: f64| l[((l.len() as f64 - 1.0) * q).round() as usize];
    (l.len(), at(0.5), at(0.99), *l.last().unwrap())
}

fn print(label: &str, conns: usize, secs: f64, l: Vec<u64>) {
    let (n, p50, p99, max) = summary(l);
    println!(
        "{label:<34} {conns:>3} conn  {:>8.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>8.3} ms  ({n} requests)",
        n as f64 / secs,
        p50 as f64 / 1e3,
        p99 as f64 / 1e3,
        max as f64 / 1e3
    );
}

/// `conns` threads sending `bodies[i]` round-robin to `path` for `secs`; each thread's
/// latencies, and every `change_every`-th request of a thread a change instead.
fn load(
    base: &str,
    path: &str,
    bodies: &[String],
    conns: usize,
    secs: f64,
    change: Option<(&str, usize)>,
) -> (Vec<u64>, Vec<u64>) {
    let stop = AtomicBool::new(false);
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..conns)
            .map(|t| {
                let stop = &stop;
                s.spawn(move || {
                    let a = agent();
                    let url = format!("{base}{path}");
                    let changes = format!("{base}/v1/changes");
                    let (mut r, mut w) = (Vec::new(), Vec::new());
                    let mut i = t * 7919;
                    let mut asserted = false;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let started = Instant::now();
                        match change {
                            Some((grant, every)) if i % every == 0 => {
                                // Each thread asserts and retracts its own grant.
                                let g = grant.replace("{t}", &t.to_string());
                                let key = if asserted { "retract" } else { "assert" };
                                let (status, body) =
                                    post(&a, &changes, &json!({key: g}).to_string());
                                assert_eq!(status, 200, "{body}");
                                asserted = !asserted;
                                w.push(started.elapsed().as_micros() as u64);
                            }
                            _ => {
                                let (status, body) = post(&a, &url, &bodies[i % bodies.len()]);
                                assert_eq!(status, 200, "{body}");
                                r.push(started.elapsed().as_micros() as u64);
                            }
                        }
                    }
                    if asserted {
                        let g = change.unwrap().0.replace("{t}", &t.to_string());
                        post(&a, &changes, &json!({"retract": g}).to_string());
                    }
                    (r, w)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            let (r, w) = h.join().unwrap();
            reads.extend(r);
            writes.extend(w);
        }
    });
    (reads, writes)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let base = args
        .first()
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let a = agent();

    // Facts to check: held permissions of t0, and as many that are not held.
    let (_, q) = post(
        &a,
        &format!("{base}/v1/query"),
        r#"{"query": "permission(U, t0, R, P)"}"#,
    );
    let rows = q["rows"].as_array().expect("rows").clone();
    assert!(
        !rows.is_empty(),
        "no permission in t0: is this a generated instance?"
    );
    let mut checks = Vec::new();
    let mut evals = Vec::new();
    for (i, r) in rows.iter().step_by((rows.len() / 2000).max(1)).enumerate() {
        let (u, res, p) = (
            r["U"].as_str().unwrap(),
            r["R"].as_str().unwrap(),
            r["P"].as_str().unwrap(),
        );
        let p = if i % 2 == 0 { p } else { "can_use_compute" };
        checks.push(json!({"fact": format!("permission({u}, t0, {res}, {p})")}).to_string());
        evals.push(
            json!({"subject": {"type": "user", "id": u}, "action": {"name": "can_use"},
                   "resource": {"type": "secret", "id": res, "properties": {"tenant": "t0"}}})
            .to_string(),
        );
    }
    println!(
        "{} check bodies from {} permissions of t0; {secs} s per run",
        checks.len(),
        rows.len()
    );

    for conns in [1, 8, 64] {
        let (r, _) = load(&base, "/v1/check", &checks, conns, secs, None);
        print("/v1/check", conns, secs, r);
    }
    if let Some(peer) = args.get(2) {
        side_by_side(&base, peer, &checks, secs);
    }
    for conns in [1, 8, 64] {
        let (r, _) = load(&base, "/access/v1/evaluation", &evals, conns, secs, None);
        print("AuthZEN evaluation", conns, secs, r);
    }
    // The 1% of changes assign and remove a role (each thread its own user): a grant
    // statement takes seconds at this size (see `grant_times` below), which would turn
    // this into a measure of one stall.
    let role = r#"fact tenant_role(u81{t}6, t0, "Data Developer")."#;
    for conns in [8, 64] {
        let (r, w) = load(&base, "/v1/check", &checks, conns, secs, Some((role, 100)));
        print("/v1/check with 1% changes: checks", conns, secs, r);
        print("  the changes", conns, secs, w);
    }

    // Readers during heavy writes: a writer revokes and restores a Tenant Admin role
    // (about 1,200 decisions flip each time) back to back. The server counts the reads
    // that waited for a change and how long (`grantlog_read_wait_seconds`).
    let waited_before = read_waits(&a, &base);
    let stop = AtomicBool::new(false);
    let writes = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let a = agent();
            let url = format!("{base}/v1/changes");
            let role = r#"fact tenant_role(u0, t0, "Tenant Admin")."#;
            let mut w = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for key in ["retract", "assert"] {
                    let started = Instant::now();
                    let (status, body) = post(&a, &url, &json!({key: role}).to_string());
                    assert_eq!(status, 200, "{body}");
                    w.push(started.elapsed().as_micros() as u64);
                }
            }
            w
        });
        let (r, _) = load(&base, "/v1/check", &checks, 8, secs, None);
        stop.store(true, Ordering::Relaxed);
        print("/v1/check during role revocations", 8, secs, r);
        writer.join().unwrap()
    });
    print("  the revocations (writes)", 1, secs, writes);
    let waited = read_waits(&a, &base);
    let (n, total) = (waited.0 - waited_before.0, waited.1 - waited_before.1);
    println!(
        "  reads that waited for a change: {n:.0}, {:.3} ms on average ({:.1} ms in all)",
        if n > 0.0 { total / n * 1e3 } else { 0.0 },
        total * 1e3
    );

    // Write to visible: a change acknowledged, then the next check sees it (the Tenant
    // Admin role of u0 gives it Can Manage Access on t0-secret-27, which it did not create).
    let role = r#"fact tenant_role(u0, t0, "Tenant Admin")."#;
    let fact = json!({"fact": "permission(u0, t0, t0-secret-27, can_manage_access)"}).to_string();
    let mut visible = Vec::new();
    let mut unseen = 0;
    for i in 0..60 {
        let key = if i % 2 == 0 { "retract" } else { "assert" };
        let started = Instant::now();
        post(
            &a,
            &format!("{base}/v1/changes"),
            &json!({key: role}).to_string(),
        );
        let (_, c) = post(&a, &format!("{base}/v1/check"), &fact);
        visible.push(started.elapsed().as_micros() as u64);
        if c["holds"] != (i % 2 == 1) {
            unseen += 1;
        }
    }
    print("change, then a check that sees it", 1, 1.0, visible);
    println!("  checks right after a change that did not see it: {unseen} of 60");

    // Watch event latency: from sending a change to its event on an open stream.
    let (tx, rx) = std::sync::mpsc::channel();
    let stream_url = format!("{base}/v1/watch?relations=permission");
    std::thread::spawn(move || {
        let resp = agent().get(&stream_url).call().unwrap();
        for line in BufReader::new(resp.into_body().into_reader()).lines() {
            let Ok(line) = line else { return };
            if line.starts_with("data: ") && tx.send(Instant::now()).is_err() {
                return;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut event = Vec::new();
    for i in 0..40 {
        let key = if i % 2 == 0 { "retract" } else { "assert" };
        let started = Instant::now();
        post(
            &a,
            &format!("{base}/v1/changes"),
            &json!({key: role}).to_string(),
        );
        let got = rx.recv_timeout(Duration::from_secs(60)).expect("an event");
        event.push(got.duration_since(started).as_micros() as u64);
    }
    print("change sent to its watch event", 1, 1.0, event);
    grant_times(&base);
}

/// One grant statement asserted and retracted, twice: the change a portal makes.
fn grant_times(base: &str) {
    let grant = "grant can_use_secret on t0-secret-27 in t0 to u8126 by u0.";
    let (mut asserts, mut retracts) = (Vec::new(), Vec::new());
    // Tens of seconds each on a loaded machine: a longer timeout than the other requests.
    let a: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let a = &a;
    for _ in 0..2 {
        for (key, into) in [("assert", &mut asserts), ("retract", &mut retracts)] {
            let started = Instant::now();
            let (status, body) = post(
                a,
                &format!("{base}/v1/changes"),
                &json!({key: grant}).to_string(),
            );
            assert_eq!(status, 200, "{body}");
            into.push(started.elapsed().as_micros() as u64);
        }
    }
    print("a grant statement asserted", 1, 1.0, asserts);
    print("  and retracted", 1, 1.0, retracts);
}

/// The same checks answered by grantlog and by the peer: first compared one by one, then
/// loaded in turn (grantlog, peer, grantlog, peer) at each connection count.
fn side_by_side(base: &str, peer: &str, checks: &[String], secs: f64) {
    let a = agent();
    let mut differ = Vec::new();
    for c in checks {
        let (_, mine) = post(&a, &format!("{base}/v1/check"), c);
        let (status, theirs) = post(&a, &format!("{peer}/v1/check"), c);
        assert_eq!(status, 200, "the peer: {theirs}");
        if mine["holds"] != theirs["holds"] {
            differ.push(c.clone());
        }
    }
    println!(
        "peer (SpiceDB) and grantlog agree on {} of {} checks{}",
        checks.len() - differ.len(),
        checks.len(),
        differ
            .first()
            .map_or(String::new(), |c| format!("; first that differs: {c}"))
    );
    for conns in [1, 8, 64] {
        for round in 0..2 {
            let (r, _) = load(base, "/v1/check", checks, conns, secs, None);
            print(
                &format!("/v1/check grantlog ({})", round + 1),
                conns,
                secs,
                r,
            );
            let (r, _) = load(peer, "/v1/check", checks, conns, secs, None);
            print(
                &format!("/v1/check SpiceDB ({})", round + 1),
                conns,
                secs,
                r,
            );
        }
    }
}

/// `grantlog_read_wait_seconds` from `/metrics`: (count, sum in seconds).
fn read_waits(a: &ureq::Agent, base: &str) -> (f64, f64) {
    let text = a
        .get(&format!("{base}/metrics"))
        .call()
        .and_then(|mut r| r.body_mut().read_to_string())
        .unwrap_or_default();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (
        value("grantlog_read_wait_seconds_count "),
        value("grantlog_read_wait_seconds_sum "),
    )
}
