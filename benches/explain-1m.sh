#!/bin/sh
# The REPL's :why, :whynot and :assert on a generated DataOS instance of about 1M base
# facts (75000 users), beside the full load + evaluation; see benches/RESULTS.md.
set -eu
cd "$(dirname "$0")/.."
GRANTLOG_BENCH_USERS="${GRANTLOG_BENCH_USERS:-75000}" exec cargo bench --bench explain "$@"
