#!/bin/sh
# The incremental-maintenance property tests at length (release build):
#   benches/maintain-long.sh [CASES]     default 10000 random programs, plus
#   PROPTEST_CASES=CASES for the DataOS one (default here 2000).
# Each case: 10 mixed insert/delete steps (some rolled back), then undo of every step,
# compared with evaluation from scratch, proofs checked (tests/it/engine_maintain.rs,
# tests/it/maintain_dataos.rs).
set -eu
cd "$(dirname "$0")/.."
cases="${1:-10000}"
GRANTLOG_MAINTAIN_CASES="$cases" cargo test --release --test it -- --ignored engine_maintain::long_run
PROPTEST_CASES="${PROPTEST_CASES:-2000}" cargo test --release --test it -- maintain_dataos
