#!/usr/bin/env bash
# `:load` and `:reload` of a generated DataOS instance against opening it, whole processes
# timed by GNU time (wall seconds, CPU seconds and peak resident memory), taken in turn:
#
#   benches/repl-load.sh [USERS] [ROUNDS]     default 75000 users (~1M base facts), 3 rounds
#   BIN=path/to/grantlog                      another build (default: target/release, built)
#
# Per round, in this order: opening the file (`grantlog repl --rules rules/dataos.dl FILE`,
# then `:q`); `:load FILE` into a session of the rules alone, the way it goes by default
# (by opening: `src/repl/load.rs`); the same `:load` forced through the model
# (GRANTLOG_LOAD_ROUTE=apply, the only way before). Min and median of each.
# Then one session opened on the file and reloaded 10 times: resident memory (`:stats`)
# after the open and after each `:reload`.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
rounds=${2:-3}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin grantlog
    BIN=target/release/grantlog
fi
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"
rules=rules/dataos.dl
out=target/bench/repl-load.times
: >"$out"

# label, then the command's input on stdin; appends "label wall-seconds KiB cpu-seconds".
timed() {
    local label=$1
    shift
    /usr/bin/time -f "$label %e %M %U %S" -a -o "$out" "$@" >/dev/null 2>&1
}
for _ in $(seq "$rounds"); do
    echo ':q' | timed open "$BIN" repl --rules "$rules" "$facts"
    echo ":load $facts" | timed load "$BIN" repl --rules "$rules"
    echo ":load $facts" | GRANTLOG_LOAD_ROUTE=apply timed load-applied "$BIN" repl --rules "$rules"
done
summary() {
    local label=$1 column=$2 scale=$3
    sorted=$(awk -v l="$label" -v c="$column" -v s="$scale" \
        '$1 == l { printf "%.2f\n", (c == 4 ? $4 + $5 : $c / s) }' "$out" | sort -g)
    count=$(echo "$sorted" | wc -l)
    echo "min $(echo "$sorted" | head -1) median $(echo "$sorted" | sed -n "$(((count + 1) / 2))p")"
}
for label in open load load-applied; do
    printf '%-13s wall (s): %-22s cpu (s): %-22s peak (MiB): %s\n' "$label" \
        "$(summary "$label" 2 1)" "$(summary "$label" 4 1)" "$(summary "$label" 3 1024)"
done

# Resident memory over 10 reloads of one session.
{
    echo ':stats'
    for _ in $(seq 10); do printf ':reload\n:stats\n'; done
} | "$BIN" repl --rules "$rules" "$facts" 2>/dev/null |
    sed -n 's/^memory: \([0-9]*\) MiB resident.*/\1/p' | tr '\n' ' ' |
    awk '{ printf "resident (MiB) after open: %s; after each of 10 :reload:", $1;
           for (i = 2; i <= NF; i++) printf " %s", $i; print "" }'
