#!/bin/sh
# `grantlog diff` (the shipped rules against the broad S13 reading, --no-proofs) on a
# generated DataOS instance, text and JSON, each output checked against a baseline
# binary's when one is given. Usage: benches/diff.sh [USERS] [BASELINE_BINARY]
# (USERS defaults to 20000; 75000 prints about 6M changed tuples). Last, the text diff
# against two evaluations (the target of issue 11: <= 0.6).
set -eu
cd "$(dirname "$0")/.."
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
        farm-bench -n 3 --warmup 0 --timeout 600 --vs "$dir/before-$format.sh" -- "$dir/after-$format.sh"
        cmp "$dir/before-$format.out" "$dir/after-$format.out" && echo "$format: output identical"
    else
        farm-bench -n 3 --warmup 0 --timeout 600 -- "$dir/after-$format.sh"
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
farm-bench -n 3 --warmup 0 --timeout 900 --vs "$dir/two-evals.sh" -- "$dir/after-text.sh"
