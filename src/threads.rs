//! How many threads loading and evaluation use: `--threads N`, else the environment
//! variable `GRANTLOG_THREADS`, else every core. Results and proofs are the same for every
//! count (work is split into pieces whose results are put together in a fixed order).

use std::cell::Cell;
use std::sync::OnceLock;

/// The environment variable read when `--threads` is not given.
pub const ENV: &str = "GRANTLOG_THREADS";

static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

/// The thread count `--threads` (or else the environment) asks for; `None`: every core.
/// A value that is not a positive number is an error naming where it came from.
pub fn requested(flag: Option<usize>) -> Result<Option<usize>, String> {
    if let Some(n) = flag {
        return if n == 0 {
            Err("`--threads` must be at least 1".into())
        } else {
            Ok(Some(n))
        };
    }
    match std::env::var(ENV) {
        Err(_) => Ok(None),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "{ENV}={v:?} is not a thread count; set it to a number such as 2, or unset it"
            )),
        },
    }
}

/// Sets the pool's size once, before any parallel work (later calls change nothing).
pub fn configure(threads: Option<usize>) {
    let _ = POOL.get_or_init(|| build(threads));
}

fn build(threads: Option<usize>) -> rayon::ThreadPool {
    let mut b = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("grantlog-{i}"));
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build().expect("a thread pool")
}

/// Runs `work` on the pool (sized from the environment if [`configure`] was not called).
pub fn install<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    POOL.get_or_init(|| build(requested(None).ok().flatten()))
        .install(work)
}

/// Runs `work` on a pool of exactly `n` threads of its own (tests compare thread counts).
pub fn with_threads<T: Send>(n: usize, work: impl FnOnce() -> T + Send) -> T {
    build(Some(n)).install(work)
}

/// Runs `work` on the pool this thread belongs to (a test's [`with_threads`], or a pool
/// the caller is already on), else as [`install`] does.
pub fn within<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        work()
    } else {
        install(work)
    }
}

/// Below this many delta rows in a round, evaluation stays on one thread: handing out
/// the pieces would cost more than it saves.
const SPLIT_FROM: usize = 4096;

thread_local! {
    static SPLIT_FROM_HERE: Cell<usize> = const { Cell::new(SPLIT_FROM) };
}

/// The delta rows from which a round of evaluation is shared out over the threads.
pub fn split_from() -> usize {
    SPLIT_FROM_HERE.with(Cell::get)
}

/// [`with_threads`], with every round of evaluation shared out however small (the tests
/// that compare thread counts on small programs).
pub fn with_threads_splitting_all<T: Send>(n: usize, work: impl FnOnce() -> T + Send) -> T {
    with_threads(n, || {
        let before = SPLIT_FROM_HERE.with(|c| c.replace(0));
        let out = work();
        SPLIT_FROM_HERE.with(|c| c.set(before));
        out
    })
}

/// Runs `work` once on every thread of the pool (each has a heap of its own).
pub fn on_every_thread(work: impl Fn() + Sync) {
    POOL.get_or_init(|| build(requested(None).ok().flatten()))
        .broadcast(|_| work());
}

/// Threads of the pool that runs parallel work here.
pub fn current() -> usize {
    rayon::current_num_threads()
}
