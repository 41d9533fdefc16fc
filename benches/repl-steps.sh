#!/usr/bin/env bash
# The REPL's what-if steps on a generated DataOS instance, piped, timed by the REPL
# itself (`:timing on` ends every answer with `time: N ms`):
#
#   benches/repl-steps.sh [USERS] [ROUNDS]    default 75000 users (~1M base facts), 7 rounds
#   BIN=path/to/grantlog                      another build (default: target/release, built)
#
# Per step: min and median over the rounds, in ms, and how many decisions it changed.
# Then resident memory after open and after 100 :assert/:retract/:undo steps (`:stats`).
# The constants (u8126, t0-secret-27, ...) are those of `generate --seed 1 --users 75000`.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-75000}
rounds=${2:-7}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin grantlog
    BIN=target/release/grantlog
fi
mkdir -p target/bench
facts=target/bench/dataos-$users.facts
[ -f "$facts" ] || "$BIN" generate --seed 1 --users "$users" >"$facts"

grant='grant can_use_secret on t0-secret-27 in t0 to u8126 by u0.'
# label<TAB>input, one round
round() {
    printf 'query\tpermission(u8126, t0, X, P)\n'
    printf 'why\t:why permission(app1877, t0, t0-cluster-84, can_use_cluster)\n'
    printf 'assert\t:assert %s\n' "$grant"
    printf 'retract\t:retract %s\n' "$grant"
    printf 'assert\t:assert %s\n' "$grant"
    printf 'undo (of the assert)\t:undo\n'
    printf 'whynot (with verified fix)\t:whynot can_run(t0, t0-data-product-102)\n'
    printf 'revoke a Tenant Admin role\t:retract tenant_role(u0, t0, "Tenant Admin").\n'
    printf 'undo (of the revocation)\t:undo\n'
}
plan=target/bench/repl-steps.plan
: >"$plan"
for _ in $(seq "$rounds"); do round >>"$plan"; done
{ echo ':timing on'; cut -f2 "$plan"; } >target/bench/repl-steps.in
"$BIN" repl "$facts" <target/bench/repl-steps.in >target/bench/repl-steps.out 2>&1
# Each input's answer ends with its time line; count the changed decisions (+/- lines).
awk -v plan="$plan" '
    BEGIN { while ((getline l < plan) > 0) { split(l, f, "\t"); label[++n] = f[1] } }
    /^time: / { if (seen++ == 0) { changed = 0; next }   # the :timing line itself
                i++; t[label[i]] = t[label[i]] " " $2; c[label[i]] = changed; changed = 0; next }
    /^[+-] / { changed++ }
    END { for (k = 1; k <= n; k++) if (!(label[k] in done)) { done[label[k]] = 1; print label[k] "\t" t[label[k]] "\t" c[label[k]] } }
' target/bench/repl-steps.out | while IFS=$'\t' read -r step times changed; do
    sorted=$(echo $times | tr ' ' '\n' | sort -g)
    count=$(echo "$sorted" | wc -l)
    min=$(echo "$sorted" | head -1)
    median=$(echo "$sorted" | sed -n "$(((count + 1) / 2))p")
    printf '%-28s min %9.3f ms  median %9.3f ms  (%d runs, %s decisions changed)\n' \
        "$step" "$min" "$median" "$count" "$changed"
done

# Memory: after open, and after 100 change steps.
stats_mib() { grep '^memory: ' | sed 's/memory: \([0-9]*\) MiB resident.*/\1/'; }
open_mib=$(echo ':stats' | "$BIN" repl "$facts" 2>/dev/null | stats_mib)
{
    for _ in $(seq 33); do
        printf ':assert %s\n:retract %s\n:undo\n' "$grant" "$grant"
    done
    printf ':assert %s\n:stats\n' "$grant"
} >target/bench/repl-steps-mem.in
after_mib=$("$BIN" repl "$facts" <target/bench/repl-steps-mem.in 2>/dev/null | stats_mib)
echo "resident memory: ${open_mib:-?} MiB after open, ${after_mib:-?} MiB after 100 :assert/:retract/:undo steps"
