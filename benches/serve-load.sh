#!/usr/bin/env bash
# `grantlog serve` under load on a generated DataOS instance (benches/serve_load.rs):
#
#   benches/serve-load.sh [USERS] [SECONDS]   default 75000 users (~1M base facts), 5 s a run
#   BIN=path/to/grantlog                      another build (default: target/release, built)
#
# Prints checks per second and p50/p99 at 1, 8 and 64 connections (/v1/check, AuthZEN
# evaluation), with 1% changes, during back-to-back role revocations (what readers wait
# for a write), write-to-visible and watch event latency; then the server's resident
# memory beside the REPL's on the same instance.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
secs=${2:-5}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin grantlog
    BIN=target/release/grantlog
fi
cargo bench --quiet --bench serve_load --no-run 2>/dev/null
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"

log=target/bench/serve-load.log
started=$(date +%s.%N)
"$BIN" serve --quiet --listen 127.0.0.1:0 "$facts" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q 'listening on' "$log"; do
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
echo "open: $(echo "$(date +%s.%N) - $started" | bc) s to listening"
addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
rss_open=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
cargo bench --quiet --bench serve_load -- "$addr" "$secs"
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM $pid
wait $pid || true
trap - EXIT
repl_rss=$(printf ':stats\n' | "$BIN" repl "$facts" 2>/dev/null | grep -o 'memory: .*' | head -1 || true)
printf 'server resident: %d MiB after open, %d MiB after the runs (peak %d MiB)\n' \
    $((rss_open / 1024)) $((rss_after / 1024)) $((hwm / 1024))
echo "REPL on the same instance (:stats): ${repl_rss:-?}"
