//! The memory table: bytes per tuple of each structure a session holds, on one instance.
//!
//! ```text
//! cargo run --release -- generate --users 75000 > /tmp/big.facts
//! cargo bench --bench memory -- /tmp/big.facts          # as `grantlog eval` opens it
//! cargo bench --bench memory -- /tmp/big.facts session  # as the REPL opens it
//! ```
//!
//! A counting allocator gives the bytes live after each phase and the peak; the engine
//! gives its own structures ([`grantlog::engine::Model::memory`], capacities, so growth
//! slack counts). Bytes per tuple divide by every tuple held (base and derived).

use grantlog::engine::Limits;
use grantlog::load::Text;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // The old block is held until the copy is made: count both at the peak.
        let now = LIVE.fetch_add(new, Relaxed) + new;
        PEAK.fetch_max(now, Relaxed);
        let out = unsafe { System.realloc(p, l, new) };
        LIVE.fetch_sub(l.size(), Relaxed);
        out
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

const MIB: f64 = (1 << 20) as f64;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: memory FACTS_FILE [session]");
        return;
    };
    let session = args.get(1).is_some_and(|a| a == "session");
    let text = Text::read(std::path::Path::new(path)).expect("readable");
    let text_bytes = text.text.len();
    let rules = grantlog::shipped::rules();
    let started = std::time::Instant::now();
    let ws = match grantlog::inputs::open(&rules, vec![text], &Limits::default(), session) {
        Ok(ws) => ws,
        Err(_) => panic!("the instance loads"),
    };
    let elapsed = started.elapsed();
    let live = LIVE.load(Relaxed);
    let m = ws.model.memory();
    let tuples = m.held_rows as f64;
    println!(
        "{path} ({}): {:.0} tuples held, {} indexes, open in {:.2} s",
        if session { "session" } else { "batch" },
        tuples,
        m.indexes,
        elapsed.as_secs_f64()
    );
    println!();
    println!("| structure | MiB | bytes per tuple |");
    println!("|---|---:|---:|");
    let row = |name: &str, bytes: usize| {
        println!(
            "| {name} | {:.1} | {:.1} |",
            bytes as f64 / MIB,
            bytes as f64 / tuples
        );
    };
    for (name, bytes) in m.parts() {
        row(name, bytes);
    }
    row("**model total**", m.total());
    let texts = text_bytes * if session { 2 } else { 1 };
    row(
        "fact text (source map; a session keeps a copy for `:reload`)",
        texts,
    );
    row(
        "rest (facts-language instance, line index, rules, diagnostics)",
        live.saturating_sub(m.total() + texts),
    );
    row("**live after open**", live);
    row("**peak live (while open)**", PEAK.load(Relaxed));
    println!();
    println!("VmHWM {:.0} MiB", vm_hwm_mib());
    std::mem::forget(ws);
}
