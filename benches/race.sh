#!/usr/bin/env bash
# Whole-process race: `grantlog eval` against benches/acl.dl compiled with Ascent
# (benches/peer, serial `ascent!` and parallel `ascent_par!`) and run by Nemo
# (benches/nemo, nemo-python), on the same generated input, each run a fresh process that
# reads the files, evaluates, prints and exits.
#
#   benches/race.sh [SIZES...]        default: 100000 1000000
#   RUNS=5 RACE_DIR=target/race       runs per engine, where inputs and logs go
#   BIN=path/to/grantlog              race this binary (default: cargo build --release)
#   THREADS="1 2"                     grantlog rows, one per `--threads N` (default: 1 and
#                                     every core; a binary without --threads gets one row)
#   NEMO=0                            race without Nemo; NEMO_PY=python with nmo_python
#                                     (default: target/nemo-venv, made by pip if missing)
#
# It builds what it races in release, generates DIR/acl.facts (+ DIR/tsv/) per size, and
# checks that every engine gives the same `stalled(W)` rows and the same size for every
# derived relation (at 10k as well as at every SIZE). Then it runs every engine once in
# turn, RUNS times: on the .facts text grantlog (each thread count), serial Ascent,
# parallel Ascent and a grantlog load-only run (the base declarations, no rules); on the
# TSV form the same and Nemo (which reads only TSV). It prints min and median wall time,
# median CPU, peak RSS and ratios to serial Ascent on the same form of the input: wall as
# min, median and max of the per-round ratios (each run against Ascent's run of the same
# round, so a burst of load hits both), CPU as the ratio of medians, memory of peaks.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=(100000 1000000)
[ $# -gt 0 ] && sizes=("$@")
runs=${RUNS:-5}
dir=${RACE_DIR:-target/race}
query='stalled(W)'
gtime=/usr/bin/time
[ -x "$gtime" ] || { echo "race.sh: needs GNU time at $gtime (apt-get install time)" >&2; exit 1; }
mkdir -p "$dir"

if [ -n "${BIN:-}" ]; then
    grantlog=$BIN
    [ -x "$grantlog" ] || { echo "race.sh: BIN=$BIN is not an executable" >&2; exit 1; }
else
    cargo build --release --quiet --bin grantlog
    grantlog=target/release/grantlog
fi
cargo build --release --quiet --manifest-path benches/peer/Cargo.toml
peer=benches/peer/target/release/grantlog-peer

# grantlog rows: one per thread count, or one without the flag for a binary before it.
threads=("")
if "$grantlog" --help | grep -- '--threads' >/dev/null; then  # no -q: SIGPIPE + pipefail
    # Each count once (on one core, "1 1" would mix two rows' runs in one log).
    read -r -a threads <<<"$(printf '%s\n' ${THREADS:-1 $(nproc)} | awk '!seen[$1]++' | tr '\n' ' ')"
fi

# Nemo: a venv under target/ (never a test dependency). Without it the race stops here
# and says why, unless NEMO=0.
nemo=
if [ "${NEMO:-1}" != 0 ]; then
    nemo=${NEMO_PY:-target/nemo-venv/bin/python}
    if [ -z "${NEMO_PY:-}" ] && ! "$nemo" -c 'import nmo_python' 2>/dev/null; then
        echo "race.sh: installing nemo-python into target/nemo-venv (log: $dir/nemo-pip.log)" >&2
        { python3 -m venv target/nemo-venv && target/nemo-venv/bin/pip install nemo-python; } \
            >"$dir/nemo-pip.log" 2>&1 || true
    fi
    if ! "$nemo" -c 'import nmo_python' 2>"$dir/nemo-import.log"; then
        echo "race.sh: $nemo cannot import nmo_python (see $dir/nemo-import.log$([ -n "${NEMO_PY:-}" ] ||
            echo " and pip's log $dir/nemo-pip.log")); NEMO=0 races without Nemo" >&2
        exit 1
    fi
    nemo_version=$("$nemo" -c 'import importlib.metadata as m; print(m.version("nemo-python"))')
fi

# Load only: the base relations' declarations, so no rule runs.
sed -n '1,/^\/\/ Derived relations/p' benches/acl.dl | grep '^\.decl' >"$dir/load-only.dl"

# Derived sizes as "relation count" lines, from grantlog's table and the peers' --sizes.
grantlog_sizes() { "$grantlog" eval --rules benches/acl.dl "$1" 2>/dev/null | awk -F'│' 'NR > 2 { gsub(/ /, ""); print $1, $2 }'; }

# Every engine's `stalled(W)` rows (as grantlog's csv) and derived sizes must agree.
check() {
    local n=$1 d="$dir/$1" f t
    rm -f "$d"/*.csv "$d"/*.sizes
    [ -f "$d/acl.facts" ] || "$peer" gen "$n" "$d" 2>"$d.gen.log" || { cat "$d.gen.log" >&2; exit 1; }
    "$peer" run "$d/acl.facts" --sizes >"$d/peer.csv" 2>"$d/peer.sizes"
    "$peer" run "$d/tsv" >"$d/peer-tsv.csv"
    "$peer" run-par "$d/acl.facts" --sizes >"$d/par.csv" 2>"$d/par.sizes"
    "$peer" run-par "$d/tsv" >"$d/par-tsv.csv"
    for t in "${threads[@]}"; do
        "$grantlog" eval ${t:+--threads "$t"} --rules benches/acl.dl "$d/acl.facts" -q "$query" \
            --format csv 2>/dev/null >"$d/grantlog$t.csv"
        "$grantlog" eval ${t:+--threads "$t"} --rules benches/acl.dl --input-dir "$d/tsv" -q "$query" \
            --format csv 2>/dev/null >"$d/grantlog$t-tsv.csv"
    done
    grantlog_sizes "$d/acl.facts" >"$d/grantlog.sizes"
    if [ -n "$nemo" ]; then
        "$nemo" benches/nemo/acl.py benches/nemo/acl.rls "$d/tsv" --sizes >"$d/nemo-tsv.csv" 2>"$d/nemo.sizes"
    fi
    for f in "$d"/*.csv; do
        cmp -s "$f" "$d/peer.csv" || {
            echo "race.sh: the engines disagree at $n: $f against $d/peer.csv" >&2
            exit 1
        }
    done
    for f in "$d"/*.sizes; do
        cmp -s "$f" "$d/peer.sizes" || {
            echo "race.sh: the engines disagree at $n on derived sizes:" >&2
            diff "$f" "$d/peer.sizes" >&2 || true
            exit 1
        }
    done
    echo "size $n: $(cat "$d.gen.log" 2>/dev/null || echo "(input kept)"), $(($(wc -l <"$d/peer.csv") - 1))" \
        "stalled rows agree in $(ls "$d"/*.csv | wc -l) runs, derived sizes agree in" \
        "$(ls "$d"/*.sizes | sed 's|.*/||; s|\.sizes||' | tr '\n' ' '): $(tr '\n' ' ' <"$d/peer.sizes")"
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

# The engines racing on one form of the input (facts or tsv), in the order they run.
engines() {
    local s= t
    [ "$1" = tsv ] && s=-tsv
    for t in "${threads[@]}"; do echo "grantlog$t$s"; done
    echo "peer$s" "par$s"
    [ "$1" = tsv ] && [ -n "$nemo" ] && echo nemo-tsv
    echo "load$s"
}

# One timed run of engine $1 on the input in $2; the log is $2/$1.times.
run_one() {
    local e=$1 d=$2 t input=("$2/acl.facts") path="$2/acl.facts"
    case $e in *-tsv) input=(--input-dir "$d/tsv") path="$d/tsv" ;; esac
    case ${e%-tsv} in
    grantlog*)
        t=${e%-tsv}
        t=${t#grantlog}
        timed "$d/$e.times" "$grantlog" eval ${t:+--threads "$t"} --rules benches/acl.dl "${input[@]}" \
            -q "$query" --format csv
        ;;
    peer) timed "$d/$e.times" "$peer" run "$path" ;;
    par) timed "$d/$e.times" "$peer" run-par "$path" ;;
    nemo) timed "$d/$e.times" "$nemo" benches/nemo/acl.py benches/nemo/acl.rls "$path" ;;
    load) timed "$d/$e.times" "$grantlog" eval --rules "$dir/load-only.dl" "${input[@]}" ;;
    esac
}

name() {
    local t
    case ${1%-tsv} in
    grantlog) echo "grantlog eval" ;;
    grantlog*) t=${1%-tsv} && echo "grantlog --threads ${t#grantlog}" ;;
    peer) echo "ascent (serial)" ;;
    par) echo "ascent_par ($(nproc) thr)" ;;
    nemo) echo "nemo $nemo_version" ;;
    load) echo "grantlog load only" ;;
    esac
}

# Middle value of a column of numbers.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# min and median wall (ms), peak RSS (KiB) and median CPU (ms) of a log of timed runs.
stats() {
    echo "$(cut -d' ' -f1 "$1" | sort -n | head -1) $(cut -d' ' -f1 "$1" | median)" \
        "$(cut -d' ' -f2 "$1" | sort -n | tail -1) $(cut -d' ' -f3 "$1" | median)"
}
# min, median and max of the per-round wall ratios of log $1 to log $2 (same round, same line).
pairs() {
    paste -d' ' "$1" "$2" | awk '{ print $1 / $4 }' | sort -g |
        awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f %.2f %.2f\n", v[1], m, v[NR] }'
}

for n in $(printf '%s\n' 10000 "${sizes[@]}" | awk '!seen[$1]++'); do
    mkdir -p "$dir/$n"
    check "$n"
done

forms=(facts tsv)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
printf '\n%-22s %5s %8s %7s %8s %7s %8s %6s %11s %6s %6s\n' engine form size "min s" "median s" \
    "cpu s" "peak MiB" "x med" "x min..max" "x cpu" "x mem"
for n in "${sizes[@]}"; do
    d="$dir/$n"
    rm -f "$d"/*.times
    for _ in $(seq "$runs"); do
        for form in "${forms[@]}"; do
            for e in $(engines "$form"); do run_one "$e" "$d"; done
        done
    done
    for form in "${forms[@]}"; do
        base=peer
        [ "$form" = tsv ] && base=peer-tsv
        read -r _ _ pkib pcpu < <(stats "$d/$base.times")
        for e in $(engines "$form"); do
            read -r min med kib cpu < <(stats "$d/$e.times")
            read -r rmin rmed rmax < <(pairs "$d/$e.times" "$d/$base.times")
            awk -v e="$(name "$e")" -v f="$form" -v n="$n" -v min="$min" -v med="$med" -v kib="$kib" \
                -v cpu="$cpu" -v pkib="$pkib" -v pcpu="$pcpu" -v rmin="$rmin" -v rmed="$rmed" \
                -v rmax="$rmax" 'BEGIN {
                # GNU time counts CPU in hundredths: too coarse below 0.05 s.
                rc = (pcpu >= 50) ? sprintf("%.2f", cpu / pcpu) : "-"
                printf "%-22s %5s %8d %7.3f %8.3f %7.2f %8.0f %6.2f %11s %6s %6.2f\n", e, f, n,
                    min / 1000, med / 1000, cpu / 1000, kib / 1024, rmed, rmin ".." rmax, rc,
                    kib / pkib }'
        done
    done
done
echo "(x = this row / serial Ascent at the same size on the same form (.facts or tsv/): wall as" \
    "min, median and max of the $runs per-round ratios, cpu = ratio of median user + system," \
    "mem = ratio of peak RSS; every engine once in turn, $runs rounds;" \
    "load average at the start $load_start, now $(cut -d' ' -f1-3 /proc/loadavg))"
