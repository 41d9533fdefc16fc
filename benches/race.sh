#!/usr/bin/env bash
# Whole-process race: `grantlog eval` against benches/acl.dl compiled with Ascent
# (benches/peer), on the same generated input, each run a fresh process that reads the
# files, evaluates, prints and exits.
#
#   benches/race.sh [SIZES...]        default: 100000 1000000
#   RUNS=5 RACE_DIR=target/race       runs per engine, where inputs and logs go
#
# It builds both in release, generates DIR/acl.facts (+ DIR/tsv/) per size, checks that
# both engines give the same `stalled(W)` rows and the same size for every derived
# relation (at 10k as well as at every SIZE), then runs in turn, RUNS times each:
# grantlog and the peer on the .facts text, grantlog (`--input-dir`) and the peer on the
# TSV form, and grantlog load-only runs (the base declarations, no rules) of both forms;
# it prints min and median wall time, peak RSS and the ratio to the peer on the same form.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=(100000 1000000)
[ $# -gt 0 ] && sizes=("$@")
runs=${RUNS:-5}
dir=${RACE_DIR:-target/race}
query='stalled(W)'
gtime=/usr/bin/time
[ -x "$gtime" ] || { echo "race.sh: needs GNU time at $gtime (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet --bin grantlog
cargo build --release --quiet --manifest-path benches/peer/Cargo.toml
grantlog=target/release/grantlog
peer=benches/peer/target/release/grantlog-peer
mkdir -p "$dir"
# Load only: the base relations' declarations, so no rule runs.
sed -n '1,/^\/\/ Derived relations/p' benches/acl.dl | grep '^\.decl' >"$dir/load-only.dl"

# Derived sizes as "relation count" lines, from grantlog's table and the peer's --sizes.
grantlog_sizes() { "$grantlog" eval --rules benches/acl.dl "$1" 2>/dev/null | awk -F'│' 'NR > 2 { gsub(/ /, ""); print $1, $2 }'; }

check() {
    local n=$1 d="$dir/$1"
    [ -f "$d/acl.facts" ] || "$peer" gen "$n" "$d" 2>"$d.gen.log" || { cat "$d.gen.log" >&2; exit 1; }
    "$grantlog" eval --rules benches/acl.dl "$d/acl.facts" -q "$query" --format csv 2>/dev/null >"$d/grantlog.csv"
    "$peer" run "$d/acl.facts" --sizes >"$d/peer.csv" 2>"$d/peer.sizes"
    "$peer" run "$d/tsv" >"$d/peer-tsv.csv"
    "$grantlog" eval --rules benches/acl.dl --input-dir "$d/tsv" -q "$query" --format csv 2>/dev/null >"$d/grantlog-tsv.csv"
    grantlog_sizes "$d/acl.facts" >"$d/grantlog.sizes"
    if ! cmp -s "$d/grantlog.csv" "$d/peer.csv" || ! cmp -s "$d/peer.csv" "$d/peer-tsv.csv" ||
        ! cmp -s "$d/grantlog-tsv.csv" "$d/peer.csv" || ! cmp -s "$d/grantlog.sizes" "$d/peer.sizes"; then
        echo "race.sh: the engines disagree at $n (see $d/*.csv, $d/*.sizes)" >&2
        diff "$d/grantlog.sizes" "$d/peer.sizes" >&2 || true
        exit 1
    fi
    echo "size $n: $(cat "$d.gen.log" 2>/dev/null || echo "(input kept)"), $(($(wc -l <"$d/peer.csv") - 1)) stalled rows agree, derived sizes agree:" \
        "$(tr '\n' ' ' <"$d/peer.sizes")"
}

# One timed run: wall ms, peak RSS in KiB and CPU (user + system) ms appended to the file
# $1. CPU time is the steadier figure when other work shares the machine.
timed() {
    local log=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    "$gtime" -f '%M %U %S' -o "$log.rss" "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    awk -v ms=$(((t1 - t0) / 1000000)) '{ printf "%d %d %d\n", ms, $1, ($2 + $3) * 1000 }' "$log.rss" >>"$log"
}

# Middle value of a column of numbers.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# min and median wall (ms), peak RSS (KiB) and median CPU (ms) of a log of timed runs.
stats() {
    echo "$(cut -d' ' -f1 "$1" | sort -n | head -1) $(cut -d' ' -f1 "$1" | median)" \
        "$(cut -d' ' -f2 "$1" | sort -n | tail -1) $(cut -d' ' -f3 "$1" | median)"
}

for n in 10000 "${sizes[@]}"; do
    mkdir -p "$dir/$n"
    check "$n"
done

printf '\n%-20s %8s %7s %9s %9s %9s %11s %11s %11s\n' engine size "min s" "median s" "cpu s" \
    "peak MiB" "ratio(med)" "ratio(min)" "ratio(cpu)"
for n in "${sizes[@]}"; do
    d="$dir/$n"
    rm -f "$d"/*.times
    for _ in $(seq "$runs"); do
        timed "$d/grantlog.times" "$grantlog" eval --rules benches/acl.dl "$d/acl.facts" -q "$query" --format csv
        timed "$d/peer.times" "$peer" run "$d/acl.facts"
        timed "$d/load.times" "$grantlog" eval --rules "$dir/load-only.dl" "$d/acl.facts"
        timed "$d/grantlog-tsv.times" "$grantlog" eval --rules benches/acl.dl --input-dir "$d/tsv" -q "$query" --format csv
        timed "$d/peer-tsv.times" "$peer" run "$d/tsv"
        timed "$d/load-tsv.times" "$grantlog" eval --rules "$dir/load-only.dl" --input-dir "$d/tsv"
    done
    for e in grantlog peer load grantlog-tsv peer-tsv load-tsv; do
        # Each row against the peer on the same form of the input.
        base=peer
        case $e in *-tsv) base=peer-tsv ;; esac
        read -r pmin pmed _ pcpu < <(stats "$d/$base.times")
        read -r min med kib cpu < <(stats "$d/$e.times")
        case $e in
        grantlog) name="grantlog eval" ;;
        peer) name="ascent (peer)" ;;
        load) name="grantlog load only" ;;
        grantlog-tsv) name="grantlog eval tsv" ;;
        peer-tsv) name="ascent tsv" ;;
        load-tsv) name="grantlog load tsv" ;;
        esac
        awk -v e="$name" -v n="$n" -v min="$min" -v med="$med" -v kib="$kib" -v cpu="$cpu" \
            -v pmin="$pmin" -v pmed="$pmed" -v pcpu="$pcpu" 'BEGIN {
            # GNU time counts CPU in hundredths: too coarse below 0.05 s.
            rc = (pcpu >= 50) ? sprintf("%.2f", cpu / pcpu) : "-"
            printf "%-20s %8d %7.3f %9.3f %9.2f %9.0f %11.2f %11.2f %11s\n", e, n, min / 1000,
                med / 1000, cpu / 1000, kib / 1024, med / pmed, min / pmin, rc }'
    done
done
echo "(ratio = this row / the Ascent peer at the same size on the same form (.facts or tsv/); $runs runs each, in turn;" \
    "cpu = median user + system; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
