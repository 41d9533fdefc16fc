#!/bin/bash
# `grantlog diff` (the shipped rules against the broad S13 reading, --no-proofs) on a
# generated DataOS instance, text and JSON, each output checked against a baseline
# binary's when one is given. Usage: benches/diff.sh [USERS] [BASELINE_BINARY]
# (USERS defaults to 20000; 75000 prints about 6M changed tuples). Last, the text diff
# against two evaluations (the target of issue 11: <= 0.6).
set -eu
cd "$(dirname "$0")/.."
gtime=/usr/bin/time
[ -x "$gtime" ] || { echo "diff.sh: needs GNU time at $gtime (apt-get install time)" >&2; exit 1; }
# alternate RUNS A [B]: runs A and B in turn RUNS times (A B A B ...), each a whole
# process timed by GNU time, and prints min and median wall and CPU seconds per command
# and the median of the per-pair ratios A/B.
alternate() {
    local runs="$1" a="$2" b="${3:-}" i
    : > "$dir/a.times"; : > "$dir/b.times"
    for i in $(seq "$runs"); do
        "$gtime" -f '%e %U %S %M' -a -o "$dir/a.times" "$a"
        [ -n "$b" ] && "$gtime" -f '%e %U %S %M' -a -o "$dir/b.times" "$b"
    done
    awk -v b="$b" '
        FNR == 1 { f++ }
        f == 1 { aw[FNR] = $1; ac[FNR] = $2 + $3; am[FNR] = $4; n = FNR }
        f == 2 { bw[FNR] = $1; bc[FNR] = $2 + $3; bm[FNR] = $4 }
        function med(v, k,  i, j, t, s) { for (i = 1; i <= k; i++) s[i] = v[i]
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
            return (k % 2) ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2 }
        function mn(v, k,  i, m) { m = v[1]; for (i = 2; i <= k; i++) if (v[i] < m) m = v[i]; return m }
        END {
            printf "A wall s min %.2f median %.2f, cpu s median %.2f, peak %d MiB\n", mn(aw, n), med(aw, n), med(ac, n), med(am, n) / 1024
            if (b == "") exit
            printf "B wall s min %.2f median %.2f, cpu s median %.2f, peak %d MiB\n", mn(bw, n), med(bw, n), med(bc, n), med(bm, n) / 1024
            for (i = 1; i <= n; i++) { rw[i] = aw[i] / bw[i]; rc[i] = ac[i] / bc[i] }
            printf "A/B wall min %.2f median %.2f, cpu median %.2f\n", mn(rw, n), med(rw, n), med(rc, n)
        }' "$dir/a.times" ${b:+"$dir/b.times"}
}
users="${1:-20000}"
before="${2:-}"
cargo build --release --quiet
dir="${TMPDIR:-/tmp}/grantlog-diff-bench"
mkdir -p "$dir"
facts="$dir/$users.facts"
[ -f "$facts" ] || ./target/release/grantlog generate --seed 1 --users "$users" > "$facts"
for format in text json; do
    for side in after ${before:+before}; do
        bin=./target/release/grantlog
        [ "$side" = before ] && bin="$before"
        cat > "$dir/$side-$format.sh" <<SH
#!/bin/sh
exec $bin diff --against rules/dataos-s13-broad.dl $facts --no-proofs --format $format > $dir/$side-$format.out 2>/dev/null
SH
        chmod +x "$dir/$side-$format.sh"
    done
    if [ -n "$before" ]; then
        alternate 3 "$dir/after-$format.sh" "$dir/before-$format.sh"
        cmp "$dir/before-$format.out" "$dir/after-$format.out" && echo "$format: output identical"
    else
        alternate 3 "$dir/after-$format.sh"
    fi
done
# The target of issue 11: the diff against the two evaluations it stands for (the same
# facts under each rule set, one process each, one after the other).
cat > "$dir/two-evals.sh" <<SH
#!/bin/sh
./target/release/grantlog eval $facts > /dev/null 2>&1 &&
    ./target/release/grantlog eval --rules rules/dataos-s13-broad.dl $facts > /dev/null 2>&1
SH
chmod +x "$dir/two-evals.sh"
alternate 3 "$dir/after-text.sh" "$dir/two-evals.sh"
