#!/usr/bin/env bash
# What the explorer's pages cost to load on a generated DataOS instance: every API call a
# page makes, sent as the page sends it (in parallel where the page does), timed with
# curl; min and median of N loads of each page.
#
#   benches/explorer-load.sh [USERS] [N]   default 75000 users, 7 loads a page
#   BIN=path/to/grantlog                   another build (default: target/release, built)
#   PAGES="user_audit tenant"              only these pages (the rule change is waited for
#                                          only when rule_change* is among them)
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
n=${2:-7}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin grantlog
    BIN=target/release/grantlog
fi
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"
log=target/bench/explorer-load.log
# The rule-change page needs --alt-rules (builds before it have no such page).
alt=()
if "$BIN" serve --help | grep -q -- --alt-rules; then alt=(--alt-rules rules/dataos-s13-broad.dl); fi
"$BIN" serve --quiet --timeout 120 --listen 127.0.0.1:0 "${alt[@]}" "$facts" 2>"$log" &
pid=$!
# Not a job of this shell: a page's `wait` waits for its own requests only.
disown $pid
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q 'listening on' "$log"; do
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.2
done
addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)

# A workload of the instance, its owner, and the identity it runs as.
line=$(grep -m1 '^resource .* runAsUser:' "$facts")
workload=$(echo "$line" | awk '{print $2}')
tenant=$(echo "$line" | awk '{print $4}')
owner=$(echo "$line" | sed 's/.*owner: \([^ ]*\).*/\1/')
# A workload that does not run, for the why-not page.
blocked=$(curl -s "$addr/v1/query" -d '{"query": "blocked(T, W)", "limit": 1}' |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["rows"]; print(r[0]["T"] + ", " + r[0]["W"] if r else "")')
[ -n "$blocked" ] || { echo "no workload of the instance is blocked" >&2; exit 1; }
echo "instance: $users users; workload $workload in $tenant, owner $owner; blocked: can_run($blocked)"

post() {
    local out; out=$(mktemp)
    curl -s -o $out -w '%{http_code}\n' "$addr$1" -d "$2" | grep -q '^200$' ||
        { echo "POST $1 $2 failed: $(head -c 300 $out)" >&2; rm -f $out; exit 1; }
    rm -f $out
}
get() { curl -s -o /dev/null -w '%{http_code}\n' "$addr$1" | grep -q '^200$' || { echo "GET $1 failed" >&2; exit 1; }; }
q() { post /v1/query "{\"query\": \"$1\"}"; }

page_completion() { get "/v1/explore/search?q=u123&limit=8"; }
page_search() { get "/v1/explore/search?q=u12&offset=20&limit=20"; }
# The user page is shown once its five queries answer; the audit section fills in after.
page_user() {
    q "holds_role($owner, T, R)" & q "grant(T, R, $owner, P, G)" &
    q "grant(T, R, E, P, $owner)" & q "runs_as(T, W, $owner)" &
    q "resource(T, K, W, O, $owner), workload_kind(K)" & wait
}
page_user_audit() { get "/v1/audit/$owner"; }
page_workload() {
    q "runs_as($tenant, $workload, I)" & q "needs($tenant, $workload, D, P)" &
    q "missing_permission($tenant, $workload, U, D, P)" &
    post /v1/check "{\"fact\": \"can_run($tenant, $workload)\"}" & wait
    q "permission(U, $tenant, $workload, P)"
}
# As the page does: the proof, and the why-not only when the decision does not hold.
decision() {
    curl -s "$addr/v1/check" -d "{\"fact\": \"$1\", \"explain\": \"proof\"}" | grep -q '"holds":true' ||
        post /v1/check "{\"fact\": \"$1\", \"explain\": \"whynot\"}"
    get "/v1/history?fact=$(printf %s "$1" | sed 's/ /%20/g')"
}
page_decision() { decision "permission($owner, $tenant, $workload, can_manage_access)"; }
page_whynot() { decision "can_run($blocked)"; }
page_tenant() { q "holds_role(U, $tenant, R)" & q "resource($tenant, K, N, O, S)" & wait; }
page_resource() { q "resource($tenant, K, $workload, O, S)"; q "permission(U, $tenant, $workload, P)"; }
# The rule change is computed in the background when the server starts: its pages then
# read the kept comparison (a 202 "computing" would fail the page: it is waited for first).
page_rule_change() { post /v1/explore/rule-change '{"alternative": "dataos-s13-broad.dl"}'; }
page_rule_change_101() { post /v1/explore/rule-change '{"alternative": "dataos-s13-broad.dl", "offset": 5000}'; }

# The fix the why-not page offers first for the blocked workload ("try this fix", "apply").
fix=$(curl -s "$addr/v1/check" -d "{\"fact\": \"can_run($blocked)\", \"explain\": \"whynot\"}" |
    python3 -c 'import json, sys; f = json.load(sys.stdin)["whynot"]["fixes"]; print("\\n".join(f[0]) if f else "")')
[ -n "$fix" ] || { echo "no fix for can_run($blocked)" >&2; exit 1; }
body() { python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: sys.argv[2].replace("\\n", "\n")}))' "$1" "$2"; }
page_try_fix() { post /v1/explore/dry-run "$(body assert "$fix")"; }
# The changes page's feed: a watcher of /v1/watch (from the current revision, so that
# connecting late misses nothing) sees the change that applying the fix makes; timed from
# the POST to the event in the stream. The fix is then retracted (not timed), so that
# every load applies the same change.
revision() { curl -s "$addr/ready" | python3 -c 'import json, sys; print(json.load(sys.stdin)["revision"])'; }
seen() { until grep -q "^id: $2\$" "$1"; do sleep 0.002; done; }
page_changes() {
    local rev f cpid; rev=$(revision); f=$(mktemp)
    curl -sN "$addr/v1/watch?since=$rev" >"$f" & cpid=$!
    post /v1/changes "$(body assert "$fix")"
    seen "$f" $((rev + 1))
    stop_timer
    post /v1/changes "$(body retract "$fix")"
    seen "$f" $((rev + 2))
    kill $cpid; wait $cpid 2>/dev/null || true; rm -f "$f"
}
# A page that goes on after what it times (the retraction above) stops its timer here.
stop_timer() { page_end=$(date +%s%N); }

# The first search builds the revision's index: timed once, apart.
start=$(date +%s%N)
page_completion
printf '%-12s %5d ms  (once, after the model opened)\n' "first search" $(( ($(date +%s%N) - start) / 1000000 ))
pages=${PAGES:-completion search user user_audit tenant resource workload decision whynot try_fix}
if [ -z "${PAGES:-}" ] && [ ${#alt[@]} -gt 0 ]; then pages="$pages rule_change rule_change_101"; fi
# Changes last: each starts the comparison of a new revision (see below).
[ -n "${PAGES:-}" ] || pages="$pages changes"
if [[ $pages == *rule_change* ]]; then
    # Builds that keep the comparison say when it is ready; older ones compute it per page.
    if curl -s "$addr/v1/explore/rules" | grep -q '"computed"'; then
        until curl -s "$addr/v1/explore/rules" | grep -q '"status":"ready"'; do
            curl -s "$addr/v1/explore/rules" | grep -q '"status":"failed"' && { echo "the rule change failed" >&2; exit 1; }
            sleep 2
        done
        seconds=$(curl -s "$addr/v1/explore/rules" | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["computed"][0]["seconds"], 1))')
        printf '%-12s %5s s  (in the background, from the server listening)\n' "rule change computed" "$seconds"
    fi
fi
for page in $pages; do
    times=()
    for _ in $(seq "$n"); do
        start=$(date +%s%N)
        page_end=
        "page_$page"
        times+=($(( (${page_end:-$(date +%s%N)} - start) / 1000000 )))
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    min=$(echo "$sorted" | head -1)
    median=$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p")
    printf '%-12s min %5d ms  median %5d ms  (%s loads)\n' "$page" "$min" "$median" "$n"
done
# The rule change after the changes above: the S13 rules cannot be matched up with the
# served ones, so the facts are opened under them and every change applied again.
if [[ $pages == *changes* && $pages == *rule_change* ]]; then
    live=$(revision)
    start=$(date +%s%N)
    until answer=$(curl -s "$addr/v1/explore/rule-change" -d '{"alternative": "dataos-s13-broad.dl", "limit": 1}') &&
        echo "$answer" | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("revision") == int(sys.argv[1]) else 1)' "$live"; do
        sleep 2
    done
    echo "$answer" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("rule change after changes: revision %d, %s changes applied again, computed in %.1f s (%d ms asked to answered), changes_included %s" % (d["revision"], sys.argv[1], d["seconds"], int(sys.argv[2]), d["changes_included"]))' \
        "$live" $(( ($(date +%s%N) - start) / 1000000 ))
fi
echo "server resident memory: $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
