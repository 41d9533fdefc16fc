#!/usr/bin/env bash
# `grantlog serve`'s resident memory over many changes (issue 22, memory per change):
#
#   benches/serve-memory.sh [USERS] [CHANGES]   default 75000 users, 800 changes
#   BIN=path/to/grantlog                        another build (default: target/release)
#   MIX=revocations                             (default) each change revokes or restores
#                                               u0's Tenant Admin role in t0 (about 1,200
#                                               decisions flip each time)
#   MIX=grants                                  a Can Use grant asserted then retracted
#                                               (the grant statements of serve-load.sh)
#   MIX=mix                                     serve-load.sh's changes in turn: the grant
#                                               asserted and retracted, a Data Developer
#                                               role assigned and removed, then the Tenant
#                                               Admin role revoked and restored
#   GRANT=TEXT                                  another grant statement (the default names
#                                               a resource of the 75,000-user instance)
#   EVERY=N                                     a line every N changes (default 50)
#
# Starts the server on the generated instance and sends CHANGES changes one after the
# other. Every N changes it prints the server's resident memory, the rows the model holds
# (`grantlog_tuples`: dead rows waiting for compaction included), and the oldest revision
# the watch stream can still resume from (`since=1` answers 410 once the bound has dropped
# the first events). The revocations fill the watch stream's kept events to their byte
# bound (KEPT_BYTES) within a few hundred changes. Flat memory after that point is the
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
tuples() { curl -sf "$addr/metrics" | awk '/^grantlog_tuples / {print $2}'; }
mix=${MIX:-revocations}
every=${EVERY:-50}
# The changes of a cycle, as request bodies; change i sends cycle[i % length].
admin='fact tenant_role(u0, t0, \"Tenant Admin\").'
grant=${GRANT:-'grant can_use_secret on t0-secret-27 in t0 to u8126 by u0.'}
role='fact tenant_role(u8126, t0, \"Data Developer\").'
case $mix in
revocations) cycle=("{\"retract\": \"$admin\"}" "{\"assert\": \"$admin\"}") ;;
grants) cycle=("{\"assert\": \"$grant\"}" "{\"retract\": \"$grant\"}") ;;
mix) cycle=("{\"assert\": \"$grant\"}" "{\"retract\": \"$grant\"}"
    "{\"assert\": \"$role\"}" "{\"retract\": \"$role\"}"
    "{\"retract\": \"$admin\"}" "{\"assert\": \"$admin\"}") ;;
*) echo "MIX=$mix: revocations, grants or mix" >&2; exit 2 ;;
esac
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); MIX=$mix"
echo "changes  resident MiB  rows held  decisions flipped  since=1 resumable  seconds"
printf '%7d  %12d  %9d  %17d  %17s  %7s\n' 0 "$(rss)" "$(tuples)" 0 yes 0
flipped=0
started=$(date +%s.%N)
for i in $(seq "$changes"); do
    body=${cycle[$(((i - 1) % ${#cycle[@]}))]}
    answer=$(curl -sf "$addr/v1/changes" -d "$body") || {
        echo "change $i failed: $body" >&2
        exit 1
    }
    n=$(echo "$answer" | grep -o '"relation"' | wc -l || true)
    flipped=$((flipped + n))
    if [ $((i % every)) = 0 ]; then
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$addr/v1/watch?since=1" || true)
        resumable=yes
        [ "$status" = 410 ] && resumable="no (410)"
        printf '%7d  %12d  %9d  %17d  %17s  %7.1f\n' "$i" "$(rss)" "$(tuples)" "$flipped" \
            "$resumable" "$(echo "$(date +%s.%N) - $started" | bc)"
    fi
done
printf 'peak resident (VmHWM): %d MiB\n' "$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status)"
kill -TERM $pid
wait $pid || true
trap - EXIT
