# Shared by the benchmark scripts (sourced, not run): messages, the CI
# guard and the machine facts every report starts with.

die() { echo "error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Benchmarks are not tests: refuse to run where CI runs the tests.
refuse_under_ci() {
    if [[ ${CI:-} == true ]]; then
        die "this is a benchmark, not a test: it does not run under CI=true"
    fi
}

# "N cores (model), M GiB RAM, OS" of this machine.
machine_description() {
    local model mem os
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
    # shellcheck source=/dev/null
    os=$( (. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}") || true)
    echo "$(nproc) cores (${model:-unknown model}), ${mem:-unknown} RAM, ${os:-$(uname -sr)}"
}

# The repository's short commit, marked when the tree has uncommitted changes.
commit_description() {
    local commit
    commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ -n $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null | head -1) ]]; then
        commit="$commit (with uncommitted changes)"
    fi
    echo "$commit"
}

# The 1, 5 and 15 minute load averages.
load_average() {
    cut -d' ' -f1-3 /proc/loadavg
}
