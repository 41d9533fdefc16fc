#!/bin/sh
# `grantlog diff` of two fact sets (issue 23) on a generated DataOS instance: OLD =
# `grantlog generate --users USERS` (default 75000), NEW = OLD with 100 grants added and
# one Tenant Admin's role removed (benches/diff-facts-change.sh). Times, A B A B in one
# farm-bench call: A = `diff --old-facts OLD NEW --no-proofs`, B = one `eval` of OLD
# (the target: A / B < 1.2). Then the change alone, by phase (criterion,
# benches/diff_facts.rs). Usage: benches/diff-facts.sh [USERS] [RUNS]
set -eu
cd "$(dirname "$0")/.."
users="${1:-75000}"
runs="${2:-5}"
cargo build --release --quiet
dir="${TMPDIR:-/tmp}/grantlog-diff-facts-bench"
mkdir -p "$dir"
old="$dir/$users.facts"
new="$dir/$users-changed.facts"
[ -f "$old" ] || ./target/release/grantlog generate --seed 1 --users "$users" > "$old"
benches/diff-facts-change.sh "$old" > "$new"
bin="$(pwd)/target/release/grantlog"
cat > "$dir/diff.sh" <<SH
#!/bin/sh
exec $bin diff --old-facts $old $new --no-proofs > $dir/diff.out 2>/dev/null
SH
cat > "$dir/eval.sh" <<SH
#!/bin/sh
exec $bin eval $old > /dev/null 2>&1
SH
chmod +x "$dir/diff.sh" "$dir/eval.sh"
farm-bench -n "$runs" --warmup 0 --timeout 600 --vs "$dir/eval.sh" -- "$dir/diff.sh"
head -3 "$dir/diff.out"
grep -E '^[a-z_]+: [+]' "$dir/diff.out"
tail -1 "$dir/diff.out"
GRANTLOG_DIFF_OLD="$old" GRANTLOG_DIFF_NEW="$new" cargo bench --bench diff_facts
