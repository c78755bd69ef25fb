#!/usr/bin/env bash
# Responsiveness of the explorer (`nhiscope tui`) on a large store, through the
# real binary: its headless mode (`tui --keys ... --timings`) runs the same app
# loop against ratatui's TestBackend, presses a representative key script
# (scroll, page, jump to the end, sort changes, severity filter, search, open a
# finding, follow edges, back, switch tabs) and reports the time to the first
# frame, to everything loaded (graph and list indexes), and to redraw after each
# key, queries included. In the same run its peer, the same screens as plain
# SQL through DuckDB's Python client (benches/peers/tui_duckdb.py: LIMIT/OFFSET
# pages, ORDER BY per sort, LIKE for search — what a user without the explorer
# would script), runs on the same store. Prints Markdown: machine facts, then
# median and max per kind of key over the runs, beside the peer's median. Not a test: scripts/test and CI never run it
# (it refuses to run under CI=true).
#
# Usage: scripts/bench-tui.sh [options]
#
#   --store PATH     the store to explore (default: the graph benchmark's 1M-identity
#                    store, $DIR/1000000/store.duckdb, see --make-store)
#   --make-store     write that store first (needs a release build of the benchmark:
#                    cargo bench -p nhiscope-benches --bench graph_scale -- --one 1000000
#                    --out $DIR --keep-store --findings 1000000; minutes, ~1.5 GB)
#   --binary PATH    the nhiscope binary (default: $CARGO_TARGET_DIR/release/nhiscope,
#                    else target/release/nhiscope; with --build, built first)
#   --build          cargo build --release -p nhiscope before measuring
#   --runs N         runs of the key script (default 3)
#   --size WxH       screen size (default 120x40)
#   --keys SCRIPT    another key script (comma-separated, as `tui --keys` takes it)
#   --out FILE       also write the report to FILE
#
# $DIR is ${NHISCOPE_BENCH_TOOLS:-${NHISCOPE_BENCH_DIR:-~/.cache/nhiscope-bench}}/tui;
# the peer runs in that folder's venv (scripts/bench-graph.sh creates it).
# A debug binary is accepted but the report says so in bold: its DuckDB is
# unoptimised, and its numbers are not the product's.
set -euo pipefail

# shellcheck source=scripts/bench-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

TOOLS_DIR=${NHISCOPE_BENCH_TOOLS:-${NHISCOPE_BENCH_DIR:-$HOME/.cache/nhiscope-bench}}
DIR=$TOOLS_DIR/tui
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/nhiscope-target}

store=""
make_store=0
binary=""
build=0
runs=3
size=120x40
out=""
# 2: Findings. Scroll, page, jump to the end and back, each sort, reverse,
# severity filter twice, clear, a search ("u4242", typed then applied), clear
# it, open the top finding, its first node's graph, follow two edges, back
# three times, then the inventory (scroll, page, sort, a node's detail), the
# graph tab (follow an edge, back), the scans and the overview tabs, quit.
keys="2,j,j,j,j,j,PageDown,PageDown,PageDown,G,k,k,g,s,s,s,S,s,v,v,x,/,u,4,2,4,2,Enter,Esc,Enter,Enter,Enter,Enter,Esc,Esc,Esc,Esc,3,j,j,PageDown,s,s,Enter,Esc,4,j,Enter,Esc,5,1,q"

while [[ $# -gt 0 ]]; do
    case $1 in
        --store) store=${2:?}; shift 2 ;;
        --make-store) make_store=1; shift ;;
        --binary) binary=${2:?}; shift 2 ;;
        --build) build=1; shift ;;
        --runs) runs=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --keys) keys=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

refuse_under_ci
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
[[ $size =~ ^[0-9]+x[0-9]+$ ]] || die "--size takes WIDTHxHEIGHT"
command -v python3 >/dev/null || die "python3 is required (it aggregates the timings)"

[[ -n $store ]] || store=$DIR/1000000/store.duckdb
if [[ $make_store == 1 ]]; then
    command -v cargo >/dev/null || die "cargo is required for --make-store"
    mkdir -p "$DIR"
    say "writing the 1M-identity store: cargo bench -p nhiscope-benches --bench graph_scale -- --one 1000000 --out $DIR --keep-store --findings 1000000"
    (cd "$REPO_ROOT" && cargo bench -p nhiscope-benches --bench graph_scale -- \
        --one 1000000 --out "$DIR" --keep-store --findings 1000000) >&2 \
        || die "the graph benchmark could not write the store"
fi
[[ -f $store ]] || die "no store at $store: pass --store PATH, or --make-store to write the 1M-identity one"

if [[ $build == 1 ]]; then
    say "cargo build --release -p nhiscope"
    (cd "$REPO_ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release -p nhiscope) >&2
fi
if [[ -z $binary ]]; then
    for candidate in "$TARGET/release/nhiscope" "$REPO_ROOT/target/release/nhiscope"; do
        if [[ -x $candidate ]]; then binary=$candidate; break; fi
    done
fi
[[ -n $binary && -x $binary ]] \
    || die "no release binary: pass --build (cargo build --release -p nhiscope) or --binary PATH"

peer_python=$TOOLS_DIR/venv/bin/python
"$peer_python" -c 'import duckdb' >/dev/null 2>&1 \
    || die "no DuckDB peer: $peer_python lacks duckdb (run scripts/bench-graph.sh once, which creates the venv from benches/peers/requirements.txt)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The store in the page cache, as it is after its first use.
cat "$store" >/dev/null

say "binary $binary; store $store; $runs run(s) at $size"
for ((run = 1; run <= runs; run++)); do
    say "run $run/$runs"
    (cd "$work" && NO_COLOR=1 "$binary" --db "$store" tui --keys "$keys" --size "$size" --timings) \
        >"$work/run-$run.json" || die "run $run failed"
done

# The peer's list shows as many rows as the explorer's (the screen less its
# header, tab bar, frame and key line).
rows=$(( ${size#*x} - 6 ))
say "peer: DuckDB SQL, $runs run(s) of $rows-row screens"
"$peer_python" "$REPO_ROOT/benches/peers/tui_duckdb.py" "$store" "$rows" "$runs" \
    >"$work/peer.json" || die "the DuckDB peer failed"

machine() {
    echo "- machine: $(machine_description)"
    echo "- nhiscope commit $(commit_description); binary \`$binary\`"
    echo "- store \`$store\` ($(du -h "$store" | cut -f1)); screen $size; $runs run(s)"
    echo "- load average: $(load_average) (on a 2-core machine a concurrent build halves every number)"
    echo "- $(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

report=$( {
    echo "# Explorer responsiveness (\`nhiscope tui\`)"
    echo
    machine
    echo
    python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
results = [json.load(open(f"{work}/run-{i}.json")) for i in range(1, runs + 1)]
peer = json.load(open(f"{work}/peer.json"))
peer_ms = {}
for run in peer["runs"]:
    for r in run:
        peer_ms.setdefault(r["action"], []).append(r["ms"])
def peer_cell(name):
    if name not in peer_ms:
        return "—", "—"
    return f"{statistics.median(peer_ms[name]):.1f}", None
build = results[0]["build"]
if build != "release":
    print(f"**A {build} build: its DuckDB is unoptimised; these are not the product's numbers.**\n")
first = results[0]
print(f"Scan #{first['scan']}, screen {first['size'][0]}x{first['size'][1]}.\n")
def stat(values):
    return f"{statistics.median(values):.1f}", f"{max(values):.1f}"
def ratio(ours, theirs):
    if theirs == "—" or float(ours) <= 0:
        return "—"
    r = float(theirs) / float(ours)
    return f"{r:.0f}×" if r >= 10 else f"{r:.2g}×"
print(f"Peer: the same screens as SQL through DuckDB {peer['duckdb']} (Python client), "
      "median of its runs; the ratio is the peer's time over nhiscope's.\n")
print("| moment | median ms | max ms | DuckDB SQL median ms | ratio |")
print("| --- | ---: | ---: | ---: | ---: |")
for key, label, peer_name in [("first_frame_ms", "first frame (from the command's start)", "first frame"),
                              ("ready_ms", "graph and list indexes loaded", None)]:
    median, top = stat([r[key] for r in results])
    theirs = peer_cell(peer_name)[0] if peer_name else "—"
    print(f"| {label} | {median} | {top} | {theirs} | {ratio(median, theirs)} |")
print()
groups = {}
order = []
for r in results:
    for k in r["keys"]:
        name = k["action"]
        if name not in groups:
            groups[name] = {"keys": set(), "ms": [], "settled": []}
            order.append(name)
        groups[name]["keys"].add(k["key"])
        groups[name]["ms"].append(k["ms"])
        groups[name]["settled"].append(k["settled_ms"])
print("| key kind | keys | presses | median ms | max ms | max ms until background work drawn | DuckDB SQL median ms | ratio |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name in order:
    g = groups[name]
    median, top = stat(g["ms"])
    keys = " ".join(sorted(g["keys"]))
    theirs = peer_cell(name)[0]
    print(f"| {name} | `{keys}` | {len(g['ms'])} | {median} | {top} | {max(g['settled']):.1f} | {theirs} | {ratio(median, theirs)} |")
slow = [(k["key"], k["action"], k["ms"]) for r in results for k in r["keys"] if k["ms"] > 50]
print()
if slow:
    print(f"{len(slow)} key press(es) over 50 ms: " + ", ".join(f"`{k}` ({a}) {ms:.0f} ms" for k, a, ms in slow[:12]))
else:
    print("Every key press redrew in under 50 ms.")
PY
} )
echo "$report"
if [[ -n $out ]]; then
    echo "$report" >"$out"
    say "report written to $out"
fi
