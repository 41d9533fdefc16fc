#!/usr/bin/env bash
# The long no-panic fuzz run (issue 9): every fuzz_* property test with many cases,
# including the ignored REPL-session one. Usage: benches/fuzz-long.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES="${1:-200000}"
cargo test --release --test it fuzz_ -- --include-ignored --test-threads 2
