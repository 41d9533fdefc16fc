//! Inputs for the no-panic fuzz tests (`fuzz_*.rs`): arbitrary bytes, and mutations of
//! the shipped files (byte flips, token deletions and swaps, truncation, invalid UTF-8,
//! very long lines and names), plus the checks every surface shares.

use grantlog::diag::Diagnostic;
use grantlog::source::SourceMap;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// `n` cases, or `PROPTEST_CASES` when set (the long run of `benches/fuzz-long.sh`).
pub fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One change to a text, applied to its bytes.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Set the byte at a position (taken modulo the length) to any value, valid UTF-8 or not.
    Flip(usize, u8),
    Truncate(usize),
    /// Delete the i-th whitespace-separated token.
    DeleteToken(usize),
    SwapTokens(usize, usize),
    /// Insert `n` copies of a character (a very long line or name).
    InsertRun(usize, char, usize),
    /// Insert a byte string (arbitrary, usually not UTF-8).
    InsertBytes(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let long_char =
        prop::sample::select(vec!['~', 'a', 'X', '(', '"', '.', ' ', '\n', 'é', '-', '0']);
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        3 => any::<usize>().prop_map(Mutation::DeleteToken),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapTokens(i, j)),
        1 => (any::<usize>(), long_char, prop_oneof![1..64usize, 60_000..70_000usize])
            .prop_map(|(p, c, n)| Mutation::InsertRun(p, c, n)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(p, b)| Mutation::InsertBytes(p, b)),
    ]
}

/// Token boundaries: the byte ranges of the maximal runs of non-whitespace.
fn tokens(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in bytes.iter().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, bytes.len()));
    }
    out
}

pub fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match m {
        Mutation::Flip(p, b) if !bytes.is_empty() => {
            let i = p % bytes.len();
            bytes[i] = *b;
        }
        Mutation::Flip(..) => {}
        Mutation::Truncate(p) => bytes.truncate(at(*p, bytes.len())),
        Mutation::DeleteToken(i) => {
            let toks = tokens(&bytes);
            if !toks.is_empty() {
                let (s, e) = toks[i % toks.len()];
                bytes.drain(s..e);
            }
        }
        Mutation::SwapTokens(i, j) => {
            let toks = tokens(&bytes);
            if toks.len() > 1 {
                let (a, b) = (toks[i % toks.len()], toks[j % toks.len()]);
                let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
                if a != b {
                    let mut out = bytes[..a.0].to_vec();
                    out.extend_from_slice(&bytes[b.0..b.1]);
                    out.extend_from_slice(&bytes[a.1..b.0]);
                    out.extend_from_slice(&bytes[a.0..a.1]);
                    out.extend_from_slice(&bytes[b.1..]);
                    bytes = out;
                }
            }
        }
        Mutation::InsertRun(p, c, n) => {
            let i = at(*p, bytes.len());
            let run: String = std::iter::repeat_n(*c, *n).collect();
            bytes.splice(i..i, run.into_bytes());
        }
        Mutation::InsertBytes(p, b) => {
            let i = at(*p, bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
    }
    bytes
}

/// Bytes to feed a surface: one of `seeds` with a few mutations, or arbitrary bytes.
pub fn input(seeds: Vec<&'static str>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (prop::sample::select(seeds), prop::collection::vec(mutation(), 1..5)).prop_map(
            |(seed, ms)| ms.iter().fold(seed.as_bytes().to_vec(), apply)
        ),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

/// Text as an in-process caller gets it: invalid UTF-8 replaced (the binary's own
/// reading of invalid UTF-8 is covered by `fuzz_cli`).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every error is located: a span in a known file, rendered as `--> file:line:col`.
pub fn assert_located(diags: &[Diagnostic], sources: &SourceMap) -> Result<(), TestCaseError> {
    for d in diags.iter().filter(|d| d.is_error()).take(60) {
        let span = d.span.filter(|s| sources.get(s.file).is_some());
        prop_assert!(span.is_some(), "unlocated: {d:?}");
        let loc = sources.locate(span.unwrap_or_default()).to_string();
        prop_assert!(d.render(sources).contains(&format!("--> {loc}")), "{d:?}");
    }
    Ok(())
}

/// Bounded time for an input of `len` bytes (generous: a debug build on a shared machine).
pub fn assert_quick(started: Instant, len: usize) -> Result<(), TestCaseError> {
    let bound = Duration::from_secs(10) + Duration::from_micros(len as u64 * 50);
    prop_assert!(
        started.elapsed() < bound,
        "{:?} for {len} bytes",
        started.elapsed()
    );
    Ok(())
}
