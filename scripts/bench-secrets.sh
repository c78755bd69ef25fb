#!/usr/bin/env bash
# Throughput of nhiscope's secret scanning next to its peers, in one run, on the
# same inputs: wall time, MB/s, peak RSS and findings per tool and input, as a
# Markdown table. Not a test: scripts/test and CI never run it (it refuses to
# run under CI=true), and it needs no network beyond the package registries.
#
# Usage: scripts/bench-secrets.sh [options]
#
#   --history-repo DIR   git repository whose full history to scan (input "history"),
#                        bare or not. To get prometheus/prometheus, ask the search
#                        tool's `fetch` for "github:prometheus/prometheus"; it returns
#                        a bare repository under /work/.mirror/ (any other local clone
#                        with full history works too, e.g. `git clone --mirror URL`).
#   --registry DIR       working tree to scan (input "registry")
#                        (default: ~/.cargo/registry/src, the crates on this machine)
#   --corpus-scale K     scale of the generated corpus (input "corpus", default 1)
#   --corpus-seed N      seed of the generated corpus (default 1)
#   --inputs LIST        comma-separated subset of registry,history,corpus (default: all)
#   --tools LIST         comma-separated subset of nhiscope,kingfisher,detect-secrets,ripgrep
#                        (default: all)
#   --nhiscope PATH      the nhiscope binary (default: $CARGO_TARGET_DIR or
#                        ~/.cache/nhiscope-target, release/nhiscope if built, else debug/)
#   --out FILE           also write the Markdown report to FILE
#   --runs N             run each tool N times and report the median wall time (default 1)
#   --timeout SECONDS    stop a tool after this long (default 3600); the row says so
#   --timeout-detect-secrets SECONDS
#                        the same for detect-secrets (default 600: it reads well under
#                        0.1 MB/s of Rust sources, so the registry would take hours; the
#                        row then gives a bound)
#   --no-install         fail instead of installing a missing peer
#
# Peers live in ${NHISCOPE_BENCH_DIR:-~/.cache/nhiscope-bench}: a venv with kingfisher
# (PyPI kingfisher-bin ships the binary) and detect-secrets, pinned to the versions
# below; GNU time and ripgrep come from Debian. Scratch files go to
# $NHISCOPE_BENCH_DIR/runs/<timestamp>/ and are kept for inspection.
set -euo pipefail

KINGFISHER_VERSION=${KINGFISHER_VERSION:-2.14.0}
DETECT_SECRETS_VERSION=${DETECT_SECRETS_VERSION:-1.5.0}

# shellcheck source=scripts/bench-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

BENCH_DIR=${NHISCOPE_BENCH_DIR:-$HOME/.cache/nhiscope-bench}
TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/nhiscope-target}

inputs=registry,history,corpus
tools=nhiscope,kingfisher,detect-secrets,ripgrep
registry=$HOME/.cargo/registry/src
history_repo=""
corpus_scale=1
corpus_seed=1
out=""
nhiscope_bin=""
timeout_s=3600
timeout_ds=600
runs=1
install=1

while [[ $# -gt 0 ]]; do
    case $1 in
        --history-repo) history_repo=${2:?}; shift 2 ;;
        --registry) registry=${2:?}; shift 2 ;;
        --corpus-scale) corpus_scale=${2:?}; shift 2 ;;
        --corpus-seed) corpus_seed=${2:?}; shift 2 ;;
        --inputs) inputs=${2:?}; shift 2 ;;
        --tools) tools=${2:?}; shift 2 ;;
        --nhiscope) nhiscope_bin=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --timeout) timeout_s=${2:?}; shift 2 ;;
        --timeout-detect-secrets) timeout_ds=${2:?}; shift 2 ;;
        --runs) runs=${2:?}; shift 2 ;;
        --no-install) install=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

refuse_under_ci

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive integer"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout takes a positive number of seconds"
[[ $timeout_ds =~ ^[1-9][0-9]*$ ]] || die "--timeout-detect-secrets takes a positive number of seconds"
has() { [[ ",$1," == *",$2,"* ]]; }
for i in ${inputs//,/ }; do [[ $i =~ ^(registry|history|corpus)$ ]] || die "unknown input '$i'"; done
for t in ${tools//,/ }; do [[ $t =~ ^(nhiscope|kingfisher|detect-secrets|ripgrep)$ ]] || die "unknown tool '$t'"; done

# --- prerequisites ------------------------------------------------------------

apt_updated=0
apt_install() {
    [[ $install == 1 ]] || die "$1 is missing (Debian package '$2'); install it or drop --no-install"
    local sudo=""
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null || die "$1 is missing and installing Debian package '$2' needs root"
        sudo=sudo
    fi
    if [[ $apt_updated == 0 ]]; then
        say "apt-get update"
        $sudo apt-get update -qq >&2 || die "apt-get update failed"
        apt_updated=1
    fi
    say "apt-get install $2"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >&2 || die "could not install Debian package '$2'"
}

for cmd in python3 git awk find timeout; do
    command -v "$cmd" >/dev/null || die "'$cmd' is required and not on PATH"
done
python3 -c 'import sys, tomllib, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "python3 >= 3.11 with the venv module is required (tomllib, venv)"
if ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
    apt_install "GNU time (/usr/bin/time)" time
fi
if has "$tools" ripgrep && ! command -v rg >/dev/null; then
    apt_install ripgrep ripgrep
fi

venv=$BENCH_DIR/venv
if has "$tools" kingfisher || has "$tools" detect-secrets; then
    want=()
    has "$tools" kingfisher && want+=("kingfisher-bin==$KINGFISHER_VERSION")
    has "$tools" detect-secrets && want+=("detect-secrets==$DETECT_SECRETS_VERSION")
    if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" - "${want[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(name) != v for name, v in (w.split("==") for w in sys.argv[1:])))
PY
    then
        [[ $install == 1 ]] || die "peers missing from $venv (${want[*]}); drop --no-install to install them"
        say "installing ${want[*]} into $venv"
        mkdir -p "$BENCH_DIR"
        [[ -x $venv/bin/python ]] || python3 -m venv "$venv" || die "could not create the venv $venv"
        "$venv/bin/python" -m pip install -q "${want[@]}" >&2 || die "pip could not install ${want[*]}"
    fi
fi
kingfisher=""
if has "$tools" kingfisher; then
    # The PyPI package puts a Python launcher in bin/ and the real binary beside its module.
    kingfisher=$("$venv/bin/python" -c 'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))')
    [[ -x $kingfisher ]] || die "kingfisher-bin is installed but its binary $kingfisher is missing"
fi
detect_secrets=$venv/bin/detect-secrets

nhiscope_build=""
if has "$tools" nhiscope; then
    if [[ -z $nhiscope_bin ]]; then
        for build in release debug; do
            if [[ -x $TARGET_DIR/$build/nhiscope ]]; then nhiscope_bin=$TARGET_DIR/$build/nhiscope; nhiscope_build=$build; break; fi
        done
        [[ -n $nhiscope_bin ]] || die "no nhiscope binary in $TARGET_DIR/{release,debug}; run 'cargo build --release' or pass --nhiscope"
    else
        [[ -x $nhiscope_bin ]] || die "--nhiscope $nhiscope_bin is not an executable"
        case $nhiscope_bin in */release/*) nhiscope_build=release ;; */debug/*) nhiscope_build=debug ;; *) nhiscope_build="unknown build" ;; esac
    fi
    # --no-history is new; an older binary scans working trees only anyway.
    nh_wt_flags=(--no-store --format json -q)
    if "$nhiscope_bin" scan --help 2>&1 | grep -q -- '--no-history'; then
        nh_wt_flags=(--no-store --no-history --format json -q)
    fi
fi

if has "$inputs" registry; then
    [[ -d $registry ]] || die "--registry $registry is not a directory"
fi
if has "$inputs" history; then
    [[ -n $history_repo ]] || die "input 'history' needs --history-repo DIR: a git repository with full history (e.g. the search tool's fetch of github:prometheus/prometheus), or drop it with --inputs"
    git -C "$history_repo" rev-parse --git-dir >/dev/null 2>&1 || die "--history-repo $history_repo is not a git repository"
    history_repo=$(cd "$history_repo" && pwd)
fi

work=$BENCH_DIR/runs/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$work"
say "scratch directory $work"

# The union of the built-in rules' keywords: ripgrep searches for these as the raw read-speed reference.
keywords=$work/keywords.txt
python3 - "$REPO_ROOT/rules" "$keywords" <<'PY'
import glob, sys, tomllib
words = set()
for path in sorted(glob.glob(sys.argv[1] + "/*.toml")):
    with open(path, "rb") as f:
        for rule in tomllib.load(f).get("rules", []):
            words.update(k.lower() for k in rule.get("keywords", []))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(sorted(words)) + "\n")
PY

cat >"$work/rg-history.sh" <<'SH'
# rg-history.sh REPO KEYWORDS: every blob of REPO, decompressed by git, through ripgrep's keyword search.
set -euo pipefail
git -C "$1" cat-file --batch-all-objects --unordered --batch-check='%(objectname) %(objecttype)' \
    | awk '$2 == "blob" { print $1 }' | git -C "$1" cat-file --batch | rg -a -i -F -c -f "$2"
SH

# --- measuring ------------------------------------------------------------------

# (mawk's %d stops at 2^31: sizes are printed with %.0f)
tree_bytes() { find "$1" -type d -name .git -prune -o -type f -printf '%s\n' | awk '{s+=$1} END{printf "%.0f", s}'; }
tree_files() { find "$1" -type d -name .git -prune -o -type f -print | wc -l | tr -d ' '; }
# Unique blobs reachable from every ref (snapshots may lack some large blobs: allowed).
history_stats() {
    git -C "$1" rev-list --objects --all --missing=allow-any | cut -d' ' -f1 \
        | git -C "$1" cat-file --batch-check='%(objecttype) %(objectsize)' \
        | awk '$1=="blob"{n++; s+=$2} END{printf "%d %.0f\n", n, s}'
}

rows=$work/rows.tsv
commands=$work/commands.txt
: >"$rows"
: >"$commands"
failures=0

count_findings() { # TOOL REPORT
    case $1 in
        ripgrep) awk -F: '{s+=$NF} END{printf "%.0f", s}' "$2" ;;
        *) python3 - "$1" "$2" <<'PY'
import json, sys
tool, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    data = json.load(f)
if tool == "detect-secrets":
    print(sum(len(v) for v in data.get("results", {}).values()))
else:
    print(len(data.get("findings", [])))
PY
        ;;
    esac
}

# run INPUT TOOL BYTES REPORT CWD OK_CODES -- CMD...: time CMD in CWD ($runs times) and add a row.
# REPORT is where the tool's JSON (or ripgrep's counts) ends up.
run() {
    local input=$1 tool=$2 bytes=$3 report=$4 cwd=$5 ok=$6
    shift 7
    local tag=$input-$tool
    { printf '# %s, %s (in %s)\n' "$input" "$tool" "$cwd"; printf '%q ' "$@"; printf '\n'; } >>"$commands"
    local rc=0 walls=() rss_max=0 i wall rss limit=$timeout_s
    [[ $tool == detect-secrets ]] && limit=$timeout_ds
    for ((i = 1; i <= runs; i++)); do
        say "$input: $tool (run $i of $runs)"
        rc=0
        (cd "$cwd" && /usr/bin/time -f '%e %M' -o "$work/$tag.time" timeout "$limit" "$@" \
            >"$work/$tag.stdout" 2>"$work/$tag.stderr") || rc=$?
        wall=0 rss=0
        read -r wall rss < <(grep -E '^[0-9.]+ [0-9]+$' "$work/$tag.time" 2>/dev/null | tail -1) || true
        walls+=("$wall")
        ((rss > rss_max)) && rss_max=$rss
        [[ ",$ok," == *",$rc,"* ]] || break
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    local mbps findings note=""
    mbps=$(awk -v b="$bytes" -v s="$wall" 'BEGIN{ if (s > 0) printf "%.1f", b / 1e6 / s; else print "-" }')
    if [[ $rc == 124 ]]; then
        # A lower bound on the time is an upper bound on the speed.
        mbps="< $(awk -v b="$bytes" -v s="$limit" 'BEGIN{printf "%.2f", b / 1e6 / s}')"
        wall="> $limit"
        note="timed out after ${limit}s"; findings="-"
        [[ $tool == detect-secrets ]] || failures=$((failures + 1))
    elif [[ ",$ok," != *",$rc,"* ]]; then
        note="failed (exit $rc): $(tail -c 300 "$work/$tag.stderr" | tr '\n|' '  ')"; findings="-"; failures=$((failures + 1))
    else
        findings=$(count_findings "$tool" "$report" 2>/dev/null) || { findings="-"; note="could not read $report"; }
        [[ $runs -gt 1 ]] && note="median of $runs: ${walls[*]} s"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$tool" "$wall" "$mbps" \
        "$(awk -v k="$rss_max" 'BEGIN{printf "%.0f", k / 1024}')" "$findings" "$rc" "$note" >>"$rows"
}

# Read an input once before timing anything, so no tool pays for a cold page cache.
warm_tree() { find "$1" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true; }
warm_git() { find "$(git -C "$1" rev-parse --path-format=absolute --git-common-dir)/objects" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true; }

# scan_tree INPUT DIR BYTES: every selected tool on a working tree (no history).
scan_tree() {
    local input=$1 dir=$2 bytes=$3
    if has "$tools" nhiscope; then
        run "$input" nhiscope "$bytes" "$work/$input-nhiscope.json" "$work" 0,1,3 -- \
            "$nhiscope_bin" scan "${nh_wt_flags[@]}" -o "$work/$input-nhiscope.json" "$dir"
    fi
    if has "$tools" kingfisher; then
        run "$input" kingfisher "$bytes" "$work/$input-kingfisher.json" "$work" 0,200,205 -- \
            env KF_RULE_CACHE_DIR="$BENCH_DIR/kingfisher-rule-cache" "$kingfisher" scan --no-validate \
            --no-update-check -q --git-history none --format json -o "$work/$input-kingfisher.json" "$dir"
    fi
    if has "$tools" detect-secrets; then
        run "$input" detect-secrets "$bytes" "$work/$input-detect-secrets.stdout" "$dir" 0 -- \
            "$detect_secrets" scan -n --all-files .
    fi
    if has "$tools" ripgrep; then
        run "$input" ripgrep "$bytes" "$work/$input-ripgrep.stdout" "$work" 0,1 -- \
            rg --hidden --no-messages -i -F -c -f "$keywords" "$dir"
    fi
}

# scan_history INPUT REPO BYTES: every selected tool that reads git history.
scan_history() {
    local input=$1 repo=$2 bytes=$3
    if has "$tools" nhiscope; then
        run "$input" nhiscope "$bytes" "$work/$input-nhiscope.json" "$work" 0,1,3 -- \
            "$nhiscope_bin" scan --no-store --format json -q -o "$work/$input-nhiscope.json" "$repo"
    fi
    if has "$tools" kingfisher; then
        run "$input" kingfisher "$bytes" "$work/$input-kingfisher.json" "$work" 0,200,205 -- \
            env KF_RULE_CACHE_DIR="$BENCH_DIR/kingfisher-rule-cache" "$kingfisher" scan --no-validate \
            --no-update-check -q --format json -o "$work/$input-kingfisher.json" "$repo"
    fi
    if has "$tools" ripgrep; then
        # Every blob, decompressed by git, through the same keyword search.
        run "$input" ripgrep "$bytes" "$work/$input-ripgrep.stdout" "$work" 0,1 -- \
            bash "$work/rg-history.sh" "$repo" "$keywords"
    fi
}

if has "$tools" kingfisher; then
    # kingfisher compiles its rules into a cache on first use; do that outside the timings.
    say "warming kingfisher's rule cache"
    mkdir -p "$work/empty"
    KF_RULE_CACHE_DIR="$BENCH_DIR/kingfisher-rule-cache" "$kingfisher" scan --no-validate --no-update-check -q \
        --git-history none --format json -o /dev/null "$work/empty" >/dev/null 2>&1 || true
fi

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(load_average)
inputs_md=$work/inputs.md
: >"$inputs_md"

if has "$inputs" registry; then
    say "measuring $registry"
    reg_bytes=$(tree_bytes "$registry")
    echo "| registry | working tree of $registry | $(tree_files "$registry") files | $reg_bytes bytes ($(awk -v b="$reg_bytes" 'BEGIN{printf "%.1f", b/1e6}') MB) |" >>"$inputs_md"
    warm_tree "$registry"
    scan_tree registry "$registry" "$reg_bytes"
fi

if has "$inputs" history; then
    say "measuring the history of $history_repo"
    read -r hist_blobs hist_bytes < <(history_stats "$history_repo")
    hist_commits=$(git -C "$history_repo" rev-list --all | wc -l | tr -d ' ')
    echo "| history | every commit of $history_repo ($(git -C "$history_repo" rev-parse --is-bare-repository | sed 's/true/bare/; s/false/non-bare/'), HEAD $(git -C "$history_repo" rev-parse --short HEAD)) | $hist_commits commits, $hist_blobs unique blobs | $hist_bytes bytes ($(awk -v b="$hist_bytes" 'BEGIN{printf "%.1f", b/1e6}') MB) of blobs |" >>"$inputs_md"
    warm_git "$history_repo"
    scan_history history "$history_repo" "$hist_bytes"
fi

if has "$inputs" corpus; then
    corpus=$work/corpus
    say "generating the corpus (scale $corpus_scale, seed $corpus_seed)"
    python3 "$REPO_ROOT/scripts/corpus/generate.py" --out "$corpus" --scale "$corpus_scale" --seed "$corpus_seed" \
        || die "the corpus generator failed"
    c_bytes=$(tree_bytes "$corpus/repo")
    read -r c_blobs c_hist_bytes < <(history_stats "$corpus/repo")
    echo "| corpus | working tree of the generated corpus (scale $corpus_scale, seed $corpus_seed) | $(tree_files "$corpus/repo") files | $c_bytes bytes ($(awk -v b="$c_bytes" 'BEGIN{printf "%.2f", b/1e6}') MB) |" >>"$inputs_md"
    echo "| corpus-history | every commit of the generated corpus | $(git -C "$corpus/repo" rev-list --all | wc -l | tr -d ' ') commits, $c_blobs unique blobs | $c_hist_bytes bytes ($(awk -v b="$c_hist_bytes" 'BEGIN{printf "%.2f", b/1e6}') MB) of blobs |" >>"$inputs_md"
    warm_tree "$corpus/repo"
    scan_tree corpus "$corpus/repo" "$c_bytes"
    saved_tools=$tools
    tools=${tools//detect-secrets/}  # detect-secrets has no history mode
    scan_history corpus-history "$corpus/repo" "$c_hist_bytes"
    tools=$saved_tools
fi
load_end=$(load_average)

# --- the report -----------------------------------------------------------------

version_of() {
    case $1 in
        nhiscope) "$nhiscope_bin" --version 2>&1 | head -1 ;;
        kingfisher) "$kingfisher" --version 2>&1 | head -1 ;;
        detect-secrets) echo "detect-secrets $("$detect_secrets" --version 2>&1 | head -1)" ;;
        ripgrep) rg --version | head -1 ;;
    esac
}

report=$work/report.md
{
    echo "# Secret scanners side by side"
    echo
    echo "Run $started_at to $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")."
    echo "Load average (1, 5, 15 min) at the start: $load_start; at the end: $load_end."
    echo
    for t in ${tools//,/ }; do
        case $t in
            nhiscope) echo "- nhiscope: $(version_of nhiscope), **$nhiscope_build build** ($nhiscope_bin)" ;;
            *) echo "- $t: $(version_of "$t")" ;;
        esac
    done
    echo "- $(git --version)"
    echo
    echo "| input | what | size | bytes |"
    echo "| --- | --- | --- | --- |"
    cat "$inputs_md"
    echo
    echo "MB/s is input bytes (10^6) per wall-clock second: the working tree's files, or for a history every unique blob"
    echo "reachable from any ref. Peak RSS is GNU time's maximum resident set of the largest single process (MiB)."
    echo "Findings are as each tool counts them: nhiscope and kingfisher report findings (kingfisher deduplicates),"
    echo "detect-secrets lists secrets per file and line, ripgrep counts lines holding any rule keyword."
    echo "Each input was read once before the timings (warm page cache) and kingfisher's rule cache was built beforehand."
    echo
    echo "| input | tool | wall s | MB/s | peak RSS MiB | findings | exit | note |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8}' "$rows"
    echo
    if has "$inputs" corpus; then
        echo "## Corpus: labelled secrets found"
        echo
        args=(--labels "$corpus/labels.json" --root "$corpus/repo")
        wt=() hist=()
        [[ -s $work/corpus-nhiscope.json ]] && wt+=(--nhiscope "$work/corpus-nhiscope.json")
        [[ -s $work/corpus-kingfisher.json ]] && wt+=(--kingfisher "$work/corpus-kingfisher.json")
        [[ -s $work/corpus-detect-secrets.stdout ]] && wt+=(--detect-secrets "$work/corpus-detect-secrets.stdout")
        [[ -s $work/corpus-history-nhiscope.json ]] && hist+=(--nhiscope "$work/corpus-history-nhiscope.json")
        [[ -s $work/corpus-history-kingfisher.json ]] && hist+=(--kingfisher "$work/corpus-history-kingfisher.json")
        if [[ ${#wt[@]} -gt 0 ]]; then
            python3 "$REPO_ROOT/scripts/corpus/compare.py" "${args[@]}" "${wt[@]}" || echo "(compare.py failed)"
            echo
        fi
        if [[ ${#hist[@]} -gt 0 ]]; then
            python3 "$REPO_ROOT/scripts/corpus/compare.py" "${args[@]}" --history "${hist[@]}" || echo "(compare.py failed)"
            echo
        fi
    fi
    echo "## Commands"
    echo
    echo '```sh'
    cat "$commands"
    echo '```'
    echo
    echo "where rg-history.sh is:"
    echo
    echo '```sh'
    cat "$work/rg-history.sh"
    echo '```'
    echo
    echo "Reports and stderr of every run: $work"
} >"$report"

cat "$report"
if [[ -n $out ]]; then
    cp "$report" "$out"
    say "wrote $out"
fi
if [[ $failures -gt 0 ]]; then
    die "$failures run(s) failed or timed out; see the table and $work"
fi
