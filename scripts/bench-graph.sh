#!/usr/bin/env bash
# Scale of nhiscope's access graph next to the peers a user would otherwise
# script, in one run, on the same synthetic estates: build time, peak memory and
# blast-radius queries (reachability from a typical node and from a hub) per
# tool and size, as Markdown tables with ratios to nhiscope. Not a test:
# scripts/test and CI never run it (it refuses to run under CI=true).
#
# Usage: scripts/bench-graph.sh [options]
#
#   --sizes LIST         comma-separated estate sizes in identities
#                        (default 10000,100000,1000000)
#   --out DIR            where the run goes: DIR/SIZE/{nodes.tsv,edges.tsv,queries.json,
#                        nhiscope.json,PEER.json,PEER.stderr} and DIR/report.md
#                        (default: $NHISCOPE_BENCH_TOOLS/graph/<timestamp>; NHISCOPE_BENCH_TOOLS
#                        falls back to NHISCOPE_BENCH_DIR, bench-secrets.sh's name, then
#                        ~/.cache/nhiscope-bench)
#   --peers LIST         comma-separated subset of igraph,duckdb,networkx (default: all)
#   --networkx-max N     run networkx only on sizes up to N identities (default 100000:
#                        at a million it needs minutes and several GiB)
#   --skip-nhiscope      do not run the nhiscope side; use the estates already in
#                        DIR/SIZE (and its nhiscope.json, if any). Needs --out.
#   --make-test-estate   with --skip-nhiscope: write a Python-generated estate
#                        (benches/peers/make_test_estate.py) into each DIR/SIZE that
#                        has none, to try the peers without the Rust generator
#   --all-forms          have igraph and duckdb also time their other query forms
#                        (reported under "forms" in PEER.json, not in the table)
#   --timeout SECONDS    stop a peer after this long (default 3600); the row says so
#   --no-install         fail instead of creating or updating the venv
#
# The nhiscope side is `cargo bench -p nhiscope-benches --bench graph_scale --
# --sizes SIZES --out DIR`: it generates each estate, measures nhiscope (build,
# analyses, store, reload, queries) and writes DIR/SIZE/{nodes,edges}.tsv,
# queries.json and nhiscope.json. Each peer then runs on each size in its own
# process (so its peak RSS is its own) from the venv
# ${NHISCOPE_BENCH_TOOLS:-~/.cache/nhiscope-bench}/venv, made from
# benches/peers/requirements.txt (pip runs only when that file's sha256 differs
# from the one stamped by the last good install). See benches/peers/README.md.
#
# stdout is the report (machine facts, then one table per size), also written to
# DIR/report.md; progress goes to stderr. Exit 1 if a peer failed or its reach
# disagreed with nhiscope's.
set -euo pipefail

# shellcheck source=scripts/bench-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

PEERS_DIR=$REPO_ROOT/benches/peers
TOOLS_DIR=${NHISCOPE_BENCH_TOOLS:-${NHISCOPE_BENCH_DIR:-$HOME/.cache/nhiscope-bench}}

sizes=10000,100000,1000000
out=""
peers=igraph,duckdb,networkx
networkx_max=100000
skip_nhiscope=0
make_test_estate=0
all_forms=0
timeout_s=3600
install=1

while [[ $# -gt 0 ]]; do
    case $1 in
        --sizes) sizes=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --peers) peers=${2:?}; shift 2 ;;
        --networkx-max) networkx_max=${2:?}; shift 2 ;;
        --skip-nhiscope) skip_nhiscope=1; shift ;;
        --make-test-estate) make_test_estate=1; shift ;;
        --all-forms) all_forms=1; shift ;;
        --timeout) timeout_s=${2:?}; shift 2 ;;
        --no-install) install=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

refuse_under_ci
[[ $sizes =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--sizes takes comma-separated positive integers"
[[ $networkx_max =~ ^[0-9]+$ ]] || die "--networkx-max takes a number of identities"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout takes a positive number of seconds"
for p in ${peers//,/ }; do [[ $p =~ ^(igraph|duckdb|networkx)$ ]] || die "unknown peer '$p'"; done
if [[ $skip_nhiscope == 1 && -z $out ]]; then
    die "--skip-nhiscope needs --out DIR: the directory whose DIR/SIZE holds the estates"
fi
if [[ $make_test_estate == 1 && $skip_nhiscope == 0 ]]; then
    die "--make-test-estate only makes sense with --skip-nhiscope (nhiscope generates its own estates)"
fi
for cmd in python3 timeout sha256sum; do
    command -v "$cmd" >/dev/null || die "'$cmd' is required and not on PATH"
done

# --- the peers' venv ---------------------------------------------------------------

requirements=$PEERS_DIR/requirements.txt
venv=$TOOLS_DIR/venv
python=$venv/bin/python
# bench-secrets.sh installs its own peers into the same venv: this stamp is ours alone.
stamp=$venv/.bench-graph-requirements.sha256
mkdir -p "$TOOLS_DIR"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS_DIR/.venv.lock"
    flock 9
fi
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -x $python && -f $stamp && $(cat "$stamp") == "$want" ]] \
    && "$python" -c 'import igraph, duckdb, networkx' >/dev/null 2>&1; then
    :
else
    [[ $install == 1 ]] || die "the venv $venv lacks $requirements; drop --no-install to install it"
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
        || die "python3 -m venv is unavailable (Debian: apt-get install python3-venv)"
    if [[ -d $venv ]] && ! "$python" -m pip --version >/dev/null 2>&1; then
        say "removing broken venv at $venv"
        rm -rf "$venv"
    fi
    [[ -x $python ]] || { say "creating venv at $venv"; python3 -m venv "$venv" >&2; }
    rm -f "$stamp"
    say "installing $requirements into $venv"
    "$python" -m pip install --disable-pip-version-check --no-input -q -r "$requirements" >&2 \
        || die "pip could not install $requirements"
    "$python" -c 'import igraph, duckdb, networkx' >&2 || die "the peers do not import after installing"
    echo "$want" >"$stamp"
fi
if command -v flock >/dev/null 2>&1; then
    exec 9>&-
fi

# --- the run directory and the machine ---------------------------------------------

[[ -n $out ]] || out=$TOOLS_DIR/graph/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
out=$(cd "$out" && pwd)
say "run directory $out"

machine_facts() {
    echo "# Access-graph scale: nhiscope and its peers"
    echo
    echo "- machine: $(machine_description)"
    echo "- nhiscope commit $(commit_description); python $("$python" -c 'import platform; print(platform.python_version())')"
    echo "- load average at the start: $(load_average) (on a 2-core machine a concurrent build halves every number)"
    echo "- $(date -u +%Y-%m-%dT%H:%M:%SZ), run directory \`$out\`"
}
facts=$(machine_facts)
echo "$facts" >&2

# --- the nhiscope side -------------------------------------------------------------

if [[ $skip_nhiscope == 0 ]]; then
    command -v cargo >/dev/null || die "cargo is required for the nhiscope side (or pass --skip-nhiscope)"
    say "nhiscope: cargo bench -p nhiscope-benches --bench graph_scale -- --sizes $sizes --out $out"
    (cd "$REPO_ROOT" && cargo bench -p nhiscope-benches --bench graph_scale -- --sizes "$sizes" --out "$out") >&2 \
        || die "the nhiscope side failed (cargo bench -p nhiscope-benches --bench graph_scale)"
fi

for size in ${sizes//,/ }; do
    dir=$out/$size
    if [[ ! -f $dir/nodes.tsv || ! -f $dir/edges.tsv || ! -f $dir/queries.json ]]; then
        if [[ $make_test_estate == 1 ]]; then
            say "$size: writing a test estate (benches/peers/make_test_estate.py)"
            "$python" "$PEERS_DIR/make_test_estate.py" "$dir" "$size" >&2
        elif [[ $skip_nhiscope == 1 ]]; then
            die "$dir has no nodes.tsv, edges.tsv and queries.json; add --make-test-estate to generate a test estate"
        else
            die "the nhiscope side wrote no estate into $dir"
        fi
    fi
    if [[ $skip_nhiscope == 0 && ! -f $dir/nhiscope.json ]]; then
        die "the nhiscope side wrote no $dir/nhiscope.json"
    fi
done

# --- the peers ---------------------------------------------------------------------

failures=0
for size in ${sizes//,/ }; do
    dir=$out/$size
    # Every peer starts with the estate in the page cache.
    cat "$dir/nodes.tsv" "$dir/edges.tsv" >/dev/null
    for peer in ${peers//,/ }; do
        rm -f "$dir/$peer.json" "$dir/$peer.stderr" "$dir/$peer.skipped" "$dir/$peer.failed"
        if [[ $peer == networkx ]] && ((size > networkx_max)); then
            echo "skipped above --networkx-max $networkx_max" >"$dir/$peer.skipped"
            say "$size: networkx skipped (above --networkx-max $networkx_max)"
            continue
        fi
        args=("$PEERS_DIR/${peer}_peer.py" "$dir")
        [[ $all_forms == 1 && $peer != networkx ]] && args+=(--all-forms)
        say "$size: $peer"
        rc=0
        # stdout to the report, stderr both to the terminal and to PEER.stderr
        timeout "$timeout_s" "$python" "${args[@]}" 2>&1 >"$dir/$peer.json.partial" \
            | tee "$dir/$peer.stderr" >&2 || rc=${PIPESTATUS[0]}
        if [[ $rc == 124 ]]; then
            echo "stopped after --timeout $timeout_s s" >>"$dir/$peer.stderr"
        fi
        # A peer whose reach disagrees still reports (and exits 1): keep the report, the table flags it.
        if "$python" -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/$peer.json.partial" 2>/dev/null; then
            mv "$dir/$peer.json.partial" "$dir/$peer.json"
        else
            rm -f "$dir/$peer.json.partial"
        fi
        if [[ $rc != 0 ]]; then
            echo "exit $rc" >"$dir/$peer.failed"
            failures=$((failures + 1))
            say "$size: $peer FAILED (exit $rc; see $dir/$peer.stderr)"
        fi
    done
done

# --- the report --------------------------------------------------------------------

rc=0
tables=$("$python" "$PEERS_DIR/table.py" "$out" --sizes "$sizes" --tools "nhiscope,$peers") || rc=$?
report="$facts
- load average at the end: $(load_average)

$tables"
echo "$report" >"$out/report.md"
echo "$report"
say "report written to $out/report.md"
if [[ $failures != 0 || $rc != 0 ]]; then
    exit 1
fi
