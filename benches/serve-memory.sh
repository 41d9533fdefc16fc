#!/usr/bin/env bash
# `grantlog serve`'s resident memory over many changes (issue 22, memory per change):
#
#   benches/serve-memory.sh [USERS] [CHANGES]   default 75000 users, 800 changes
#   BIN=path/to/grantlog                        another build (default: target/release)
#
# Starts the server on the generated instance and sends CHANGES changes one after the
# other, each revoking or restoring u0's Tenant Admin role in t0 (about 1,200 decisions
# flip each time, so the watch stream's kept events reach their byte bound, KEPT_BYTES,
# within a few hundred changes). Every 50 changes it prints the server's resident memory
# and the oldest revision the watch stream can still resume from (`since=1` answers 410
# once the bound has dropped the first events). Flat memory after that point is the
# result; growth there is memory kept per change.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
changes=${2:-800}
BIN=${BIN:-target/release/grantlog}
[ -x "$BIN" ] || cargo build --release --quiet --bin grantlog
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"
log=target/bench/serve-memory.log
: >"$log"
"$BIN" serve --quiet --listen 127.0.0.1:0 --timeout 600 "$facts" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q 'listening on' "$log"; do
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
rss() { awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "changes  resident MiB  decisions flipped  since=1 resumable  seconds"
printf '%7d  %12d  %17d  %17s  %7s\n' 0 "$(rss)" 0 yes 0
flipped=0
started=$(date +%s.%N)
for i in $(seq "$changes"); do
    if [ $((i % 2)) = 1 ]; then key=retract; else key=assert; fi
    answer=$(curl -sf "$addr/v1/changes" \
        -d "{\"$key\": \"fact tenant_role(u0, t0, \\\"Tenant Admin\\\").\"}")
    n=$(echo "$answer" | grep -o '"relation"' | wc -l)
    flipped=$((flipped + n))
    if [ $((i % 50)) = 0 ]; then
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$addr/v1/watch?since=1" || true)
        resumable=yes
        [ "$status" = 410 ] && resumable="no (410)"
        printf '%7d  %12d  %17d  %17s  %7.1f\n' "$i" "$(rss)" "$flipped" "$resumable" \
            "$(echo "$(date +%s.%N) - $started" | bc)"
    fi
done
printf 'peak resident (VmHWM): %d MiB\n' "$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status)"
kill -TERM $pid
wait $pid || true
trap - EXIT
