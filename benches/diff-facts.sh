#!/bin/bash
# `grantlog diff` of two fact sets (issue 23) on a generated DataOS instance: OLD =
# `grantlog generate --users USERS` (default 75000), NEW = OLD with 100 grants added and
# one Tenant Admin's role removed (benches/diff-facts-change.sh). Whole processes, run in
# turn RUNS times each (A B [C] A B [C] ...): A = `diff --old-facts OLD NEW --no-proofs`,
# B = one `eval` of OLD (the target: A / B < 1.2), and C = the same diff by another
# build when BEFORE=path/to/grantlog is set (its output must be the same, byte for byte).
# Wall from `date +%s%N`, CPU (user + system) and peak RSS from GNU time. Then the change
# alone, by phase (criterion, benches/diff_facts.rs; skipped with PHASES=0).
# Usage: [BEFORE=BIN] [PHASES=0] benches/diff-facts.sh [USERS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-75000}"
runs="${2:-5}"
gtime=/usr/bin/time
[ -x "$gtime" ] || { echo "diff-facts.sh: needs GNU time at $gtime (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
dir="${TMPDIR:-/tmp}/grantlog-diff-facts-bench"
mkdir -p "$dir"
old="$dir/$users.facts"
new="$dir/$users-changed.facts"
bin="$(pwd)/target/release/grantlog"
[ -f "$old" ] || "$bin" generate --seed 1 --users "$users" > "$old"
benches/diff-facts-change.sh "$old" > "$new"

# One timed run of "$@" (output to $out): "wall_ms cpu_ms peak_kib" appended to $1.
out="$dir/out"
timed() {
    local log="$1"
    shift
    local t0 t1
    t0=$(date +%s%N)
    "$gtime" -f '%U %S %M' -o "$log.one" "$@" > "$out" 2>/dev/null || true
    t1=$(date +%s%N)
    read -r u s kib < <(tail -1 "$log.one")
    echo "$(( (t1 - t0) / 1000000 )) $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }') $kib" >> "$log"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { cut -d' ' -f"$2" "$1"; }

rm -f "$dir"/*.times
diff_args=(diff --old-facts "$old" "$new" --no-proofs)
for i in $(seq "$runs"); do
    timed "$dir/after.times" "$bin" "${diff_args[@]}"
    cp "$out" "$dir/after.out"
    timed "$dir/eval.times" "$bin" eval "$old"
    if [ -n "${BEFORE:-}" ]; then
        timed "$dir/before.times" "$BEFORE" "${diff_args[@]}"
        cmp -s "$out" "$dir/after.out" || { echo "diff-facts.sh: BEFORE's diff differs from this build's" >&2; exit 1; }
    fi
    echo "run $i of $runs done" >&2
done
eval_med=$(col "$dir/eval.times" 1 | median)
eval_cpu=$(col "$dir/eval.times" 2 | median)
printf '%-26s %9s %9s %9s %10s %9s %9s\n' command "min s" "median s" "cpu s" "peak MiB" "wall/B" "cpu/B"
for name in after eval before; do
    f="$dir/$name.times"
    [ -f "$f" ] || continue
    min=$(col "$f" 1 | sort -n | head -1)
    med=$(col "$f" 1 | median)
    cpu=$(col "$f" 2 | median)
    kib=$(col "$f" 3 | sort -n | tail -1)
    case $name in
        after) label="A: diff (this build)" ;;
        eval) label="B: eval OLD" ;;
        before) label="C: diff (BEFORE)" ;;
    esac
    awk -v l="$label" -v min="$min" -v med="$med" -v cpu="$cpu" -v kib="$kib" -v em="$eval_med" -v ec="$eval_cpu" \
        'BEGIN { printf "%-26s %9.2f %9.2f %9.2f %10.0f %9.2f %9.2f\n", l, min / 1000, med / 1000, cpu / 1000, kib / 1024, med / em, cpu / ec }'
done
echo "($runs runs each, in turn; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
head -3 "$dir/after.out"
grep -E '^[a-z_]+: [+]' "$dir/after.out" || true
tail -1 "$dir/after.out"
if [ "${PHASES:-1}" != 0 ]; then
    GRANTLOG_DIFF_OLD="$old" GRANTLOG_DIFF_NEW="$new" cargo bench --bench diff_facts
fi
