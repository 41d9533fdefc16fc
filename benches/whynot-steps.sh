#!/usr/bin/env bash
# `:whynot` of a blocked workload of each kind on the generated 75,000-user instance,
# piped, timed by the REPL itself (`:timing on`), as repl-steps.sh does:
#
#   benches/whynot-steps.sh [ROUNDS]     default 7 rounds
#   BIN=path/to/grantlog                 another build (default: target/release, built)
#
# Per question: min and median over the rounds, in ms, and its first line once.
# The workloads are those of `generate --seed 1 --users 75000`: two and three missing
# grants (several users may sign them), an invalid run-as grant, an identity that may
# not create its kind.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin grantlog
    BIN=target/release/grantlog
fi
mkdir -p target/bench
facts=target/bench/dataos-75000.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users 75000 >"$facts"
questions=(
    'can_run(t0, t0-data-product-102)'
    'can_run(t0, t0-data-product-122)'
    'can_run(t0, t0-data-product-159-as)'
    'can_run(t0, t0-data-product-111)'
)
{
    echo ':timing on'
    for _ in $(seq "$rounds"); do
        for q in "${questions[@]}"; do echo ":whynot $q"; done
    done
} >target/bench/whynot-steps.in
"$BIN" repl "$facts" <target/bench/whynot-steps.in >target/bench/whynot-steps.out 2>&1
# Answers come in input order; each ends with its time line.
awk -v n="${#questions[@]}" '
    /^time: / { if (seen++ == 0) next; i = (k++ % n); t[i] = t[i] " " $2; next }
    / does not hold/ && !(k % n in head) { head[k % n] = $0 }
    END { for (i = 0; i < n; i++) print t[i] "\t" head[i] }
' target/bench/whynot-steps.out | while IFS=$'\t' read -r times head; do
    sorted=$(echo $times | tr ' ' '\n' | sort -g)
    count=$(echo "$sorted" | wc -l)
    min=$(echo "$sorted" | head -1)
    median=$(echo "$sorted" | sed -n "$(((count + 1) / 2))p")
    printf 'min %9.3f ms  median %9.3f ms  (%d runs)  %s\n' "$min" "$median" "$count" "${head:0:160}"
done
