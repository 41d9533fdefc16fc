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
//! Each connection is a thread with its own keep-alive connection, written and read by
//! hand (`Conn`: a prepared request, one write, one read), so that the generator takes
//! little of the two cores it shares with the server; each cell prints the CPU both took
//! (the server's from /proc when `SERVE_PID` names it), so that what is the server's
//! cost can be told from what is the client's.

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

/// One keep-alive HTTP/1.1 connection written and read by hand: a request is one
/// `write` of bytes prepared beforehand and its answer one or two `read`s, so the load
/// generator's own CPU per request is small beside the server's (it shares the 2 cores;
/// `load` reports both). ureq spent about as much CPU per request as the server did.
struct Conn {
    stream: std::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(base: &str) -> Conn {
        let host = base.trim_start_matches("http://").trim_end_matches('/');
        let stream = std::net::TcpStream::connect(host).expect("the server listens");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        Conn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    /// The bytes of `POST path` with a JSON body.
    fn request(path: &str, body: &str) -> Vec<u8> {
        format!(
            "POST {path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    /// Sends a prepared request; the status and the body of the answer.
    fn send(&mut self, request: &[u8]) -> (u16, &[u8]) {
        use std::io::{Read, Write};
        self.stream.write_all(request).expect("the server reads");
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        let (head_end, length) = loop {
            let n = self.stream.read(&mut chunk).expect("the server answers");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).expect("an ASCII head");
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .expect("answers carry content-length");
                break (end + 4, length);
            }
        };
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk).expect("the server answers");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let status = std::str::from_utf8(&self.buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, &self.buf[head_end..head_end + length])
    }
}

/// CPU seconds (user + system) of this process so far.
fn own_cpu() -> f64 {
    // SAFETY: getrusage writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// CPU seconds of the server so far, when `SERVE_PID` names it (serve-load.sh sets it).
fn server_cpu() -> Option<f64> {
    let pid = std::env::var("SERVE_PID").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command's closing parenthesis: utime and stime are the 12th and
    // 13th, in clock ticks.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf reads a constant.
    Some(ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64)
}

/// What a run of `load` cost: CPU seconds of the generator and of the server (if known),
/// and the wall time.
struct Cpu {
    client: f64,
    server: Option<f64>,
    wall: f64,
}

impl Cpu {
    fn measure(run: impl FnOnce()) -> Cpu {
        let (c0, s0, t0) = (own_cpu(), server_cpu(), Instant::now());
        run();
        Cpu {
            client: own_cpu() - c0,
            server: server_cpu().zip(s0).map(|(b, a)| b - a),
            wall: t0.elapsed().as_secs_f64(),
        }
    }

    /// "client 0.62 cores, server 1.31 cores, 21 + 44 µs CPU a request".
    fn describe(&self, requests: usize) -> String {
        let per = |s: f64| s / requests.max(1) as f64 * 1e6;
        match self.server {
            Some(server) => format!(
                "cpu: client {:.2} cores {:.0} us/req, server {:.2} cores {:.0} us/req",
                self.client / self.wall,
                per(self.client),
                server / self.wall,
                per(server)
            ),
            None => format!(
                "cpu: client {:.2} cores {:.0} us/req",
                self.client / self.wall,
                per(self.client)
            ),
        }
    }
}

/// `conns` threads sending `bodies[i]` round-robin to `path` for `secs`, each on its own
/// connection; each thread's latencies, and every `change_every`-th request of a thread a
/// change instead. Also what the run cost in CPU, client and server.
fn load(
    base: &str,
    path: &str,
    bodies: &[String],
    conns: usize,
    secs: f64,
    change: Option<(&str, usize)>,
) -> (Vec<u64>, Vec<u64>, Cpu) {
    let stop = AtomicBool::new(false);
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    // Requests prepared before the clock starts.
    let requests: Vec<Vec<u8>> = bodies.iter().map(|b| Conn::request(path, b)).collect();
    let requests = &requests;
    let ready = std::sync::Barrier::new(conns + 1);
    let mut cpu = None;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..conns)
            .map(|t| {
                let (stop, ready) = (&stop, &ready);
                s.spawn(move || {
                    let mut c = Conn::open(base);
                    let (mut r, mut w) = (Vec::with_capacity(1 << 16), Vec::new());
                    let mut i = t * 7919;
                    let mut asserted = false;
                    let change_request = |key: &str| {
                        let g = change.unwrap().0.replace("{t}", &t.to_string());
                        Conn::request("/v1/changes", &json!({key: g}).to_string())
                    };
                    ready.wait();
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        match change {
                            Some((_, every)) if i % every == 0 => {
                                // Each thread asserts and retracts its own grant.
                                let req =
                                    change_request(if asserted { "retract" } else { "assert" });
                                let started = Instant::now();
                                let (status, body) = c.send(&req);
                                assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
                                w.push(started.elapsed().as_micros() as u64);
                                asserted = !asserted;
                            }
                            _ => {
                                let started = Instant::now();
                                let (status, body) = c.send(&requests[i % requests.len()]);
                                let took = started.elapsed().as_micros() as u64;
                                assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
                                r.push(took);
                            }
                        }
                    }
                    if asserted {
                        c.send(&change_request("retract"));
                    }
                    (r, w)
                })
            })
            .collect();
        ready.wait();
        cpu = Some(Cpu::measure(|| {
            std::thread::sleep(Duration::from_secs_f64(secs));
            stop.store(true, Ordering::Relaxed);
        }));
        for h in handles {
            let (r, w) = h.join().unwrap();
            reads.extend(r);
            writes.extend(w);
        }
    });
    (reads, writes, cpu.expect("measured"))
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
        let (r, _, cpu) = load(&base, "/v1/check", &checks, conns, secs, None);
        println!("    {}", cpu.describe(r.len()));
        print("/v1/check", conns, secs, r);
    }
    if let Some(peer) = args.get(2) {
        side_by_side(&base, peer, &checks, secs);
    }
    for conns in [1, 8, 64] {
        let (r, _, cpu) = load(&base, "/access/v1/evaluation", &evals, conns, secs, None);
        println!("    {}", cpu.describe(r.len()));
        print("AuthZEN evaluation", conns, secs, r);
    }
    // The 1% of changes assign and remove a role (each thread its own user): a grant
    // statement takes seconds at this size (see `grant_times` below), which would turn
    // this into a measure of one stall.
    let role = r#"fact tenant_role(u81{t}6, t0, "Data Developer")."#;
    for conns in [8, 64] {
        let (r, w, _) = load(&base, "/v1/check", &checks, conns, secs, Some((role, 100)));
        print("/v1/check with 1% changes: checks", conns, secs, r);
        print("  the changes", conns, secs, w);
    }

    grants_under_load(&base, &checks, secs);

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
        let (r, _, _) = load(&base, "/v1/check", &checks, 8, secs, None);
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
    // GRANTS=0: without the grant statements (tens of seconds each at this size, an
    // engine cost that the server does not change; see benches/RESULTS.md).
    if std::env::var("GRANTS").map_or(true, |v| v != "0") {
        grant_times(&base);
    }
}

/// Grant statements (the change a portal makes), each asserted then retracted, timed one
/// at a time: first on an idle server, then while 8 connections run checks. Issue 22
/// item 1: a change under read load must not wait for a pause in the reads.
fn grants_under_load(base: &str, checks: &[String], secs: f64) {
    const GRANTS: [&str; 5] = [
        "grant can_use_secret on t0-secret-27 in t0 to u8126 by u0.",
        "grant can_manage_access on t0-secret-27 in t0 to u8126 by u0.",
        "grant can_manage_access on t0-worker-127 in t0 to u8128 by u0.",
        "grant can_use_depot on t0-depot-68 in t0 to u8129 by u0.",
        "grant can_manage_access on t0-data-product-153 in t0 to u8130 by u0.",
    ];
    let url = format!("{base}/v1/changes");
    let each = |stop: &AtomicBool| {
        let a = agent();
        let mut took = Vec::new();
        loop {
            for g in GRANTS {
                for key in ["assert", "retract"] {
                    let started = Instant::now();
                    let (status, body) = post(&a, &url, &json!({key: g}).to_string());
                    assert_eq!(status, 200, "{body}");
                    took.push(started.elapsed().as_micros() as u64);
                }
            }
            if stop.load(Ordering::Relaxed) {
                return took;
            }
        }
    };
    // Alone: every grant once.
    let alone = each(&AtomicBool::new(true));
    let stop = AtomicBool::new(false);
    let (reads, loaded) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            each(&stop)
        });
        let (r, _, _) = load(base, "/v1/check", checks, 8, secs, None);
        stop.store(true, Ordering::Relaxed);
        (r, writer.join().unwrap())
    });
    print("grants, idle server", 1, 1.0, alone);
    print("grants under 8 conn of checks", 1, secs, loaded);
    print("  the checks beside them", 8, secs, reads);
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
            let (r, _, _) = load(base, "/v1/check", checks, conns, secs, None);
            print(
                &format!("/v1/check grantlog ({})", round + 1),
                conns,
                secs,
                r,
            );
            let (r, _, _) = load(peer, "/v1/check", checks, conns, secs, None);
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
