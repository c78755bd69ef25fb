#!/usr/bin/env bash
# Proves that tests/servers/k8s_api.py answers like a Kubernetes API server:
# the real kubectl (scripts/install-kubectl) reads every exported object back
# through it, page by page, and gets the real errors.
#
#   tests/servers/prove-k8s-replay.sh FILE...
#
# FILE... are `kubectl get -o json` exports (as the server takes them). The
# server runs with --page-size-cap 5 --forbid secrets, once with aggregated
# discovery and once with legacy discovery only, and kubectl (a throwaway
# kubeconfig to http://127.0.0.1:PORT without credentials, its own cache dir)
# must:
#   * list namespaces, serviceaccounts, roles, rolebindings, clusterroles,
#     clusterrolebindings, pods, configmaps, deployments, daemonsets,
#     statefulsets, jobs and cronjobs -A in chunks of 3, and get back exactly
#     the exported objects of those kinds (same count by kind, each object
#     equal to its export), with one list request per chunk;
#   * get one exported object of each of those kinds by name, equal to its export;
#   * see the cap: a list without limit gives at most 5 items, a continue
#     token and the right remainingItemCount;
#   * fail `get secrets -A` with the RBAC-worded Forbidden error;
#   * fail a malformed continue token with 400 "invalid continue token";
# and the request log must hold GETs only. Prints `ok`/`FAIL` per check and a
# closing `prove-k8s-replay: N passed, M failed`; exits 1 on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

[ "$#" -ge 1 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
exports=()
for f in "$@"; do
    [ -r "$f" ] || { echo "prove-k8s-replay: cannot read $f" >&2; exit 2; }
    exports+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

kubectl="$("$repo/scripts/install-kubectl" | tail -n 1)"
python="$(command -v python3 || "$repo/scripts/test-venv" | tail -n 1)"
echo "kubectl: $kubectl ($("$kubectl" version --client 2>/dev/null | head -n 1))"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    local what="$1"
    shift
    if "$@" >"$work/check.out" 2>&1; then
        passed=$((passed + 1))
        echo "ok - $what"
    else
        failed=$((failed + 1))
        echo "FAIL - $what"
        sed 's/^/    /' "$work/check.out"
    fi
}

# start_server NAME EXTRA-ARGS...: starts the replay server, writes $work/NAME.kubeconfig.
start_server() {
    local name="$1"
    shift
    local args=(--page-size-cap 5 --forbid secrets --request-log "$work/$name.requests"
                --port-file "$work/$name.port" "$@")
    for f in "${exports[@]}"; do args+=(--export "$f"); done
    "$python" "$here/k8s_api.py" "${args[@]}" >"$work/$name.stdout" 2>"$work/$name.stderr" &
    pids+=("$!")
    local pid="$!"
    for _ in $(seq 1 100); do
        [ -s "$work/$name.port" ] && break
        kill -0 "$pid" 2>/dev/null || { echo "server $name exited:" >&2; cat "$work/$name.stderr" >&2; exit 1; }
        sleep 0.1
    done
    [ -s "$work/$name.port" ] || { echo "server $name did not start" >&2; exit 1; }
    local port
    port="$(cat "$work/$name.port")"
    cat >"$work/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: replay
  cluster:
    server: http://127.0.0.1:$port
contexts:
- name: replay
  context:
    cluster: replay
    user: replay
current-context: replay
users:
- name: replay
  user: {}
EOF
    echo "server $name: http://127.0.0.1:$port ($(cat "$work/$name.stderr"))"
}

kubectl_for() { # kubectl_for NAME ARGS...
    local name="$1"
    shift
    KUBECONFIG="$work/$name.kubeconfig" "$kubectl" --kubeconfig "$work/$name.kubeconfig" \
        --cache-dir "$work/$name.cache" --request-timeout=30s "$@"
}

kinds="namespaces,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,pods,configmaps,deployments,daemonsets,statefulsets,jobs,cronjobs"

# The checks on what kubectl read, written without the server's code.
compare() { # compare MODE ARGS... (see the python below)
    "$python" - "$@" -- "${exports[@]}" <<'EOF'
import collections, json, math, re, sys, urllib.parse

split = sys.argv.index("--")
mode, args, files = sys.argv[1], sys.argv[2:split], sys.argv[split + 1:]
KINDS = {  # what `kubectl get $kinds` asks for: (apiVersion, kind) -> plural
    ("v1", "Namespace"): "namespaces", ("v1", "ServiceAccount"): "serviceaccounts",
    ("rbac.authorization.k8s.io/v1", "Role"): "roles", ("rbac.authorization.k8s.io/v1", "RoleBinding"): "rolebindings",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "clusterroles",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "clusterrolebindings",
    ("v1", "Pod"): "pods", ("v1", "ConfigMap"): "configmaps", ("apps/v1", "Deployment"): "deployments",
    ("apps/v1", "DaemonSet"): "daemonsets", ("apps/v1", "StatefulSet"): "statefulsets",
    ("batch/v1", "Job"): "jobs", ("batch/v1", "CronJob"): "cronjobs",
}

def objects(doc):
    for part in doc if isinstance(doc, list) else [doc]:
        kind = part.get("kind", "")
        if kind.endswith("List") and "items" in part:
            for item in part["items"] or []:
                if kind != "List":
                    item = {"apiVersion": part["apiVersion"], "kind": kind[:-4], **item}
                yield item
        else:
            yield part

def ident(o):
    return (o["apiVersion"], o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])

def load_exports(files):
    exported = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for o in objects(json.load(fh)):
                if (o["apiVersion"], o["kind"]) in KINDS:
                    exported[ident(o)] = o
    return exported

def fail(msg):
    print(msg)
    sys.exit(1)

if mode == "list":  # list GOT.json REQUESTS CHUNK
    got_file, requests_file, chunk = args[0], args[1], int(args[2])
    exported = load_exports(files)
    got = json.load(open(got_file, encoding="utf-8"))
    items = got.get("items") or []
    want_counts = collections.Counter(k[1] for k in exported)
    got_counts = collections.Counter(o.get("kind") for o in items)
    print("by kind: export", dict(sorted(want_counts.items())), "kubectl", dict(sorted(got_counts.items())))
    problems = []
    if want_counts != got_counts:
        problems.append("counts by kind differ")
    seen = set()
    for o in items:
        key = ident(o)
        if key in seen:
            problems.append(f"{key} read twice")
        seen.add(key)
        if key not in exported:
            problems.append(f"{key} is not in the export")
        elif o != exported[key]:
            problems.append(f"{key} differs from its export")
    for key in exported.keys() - seen:
        problems.append(f"{key} was not read")
    # one list request per chunk of each kind (kubectl asks every kind once, -A: cluster-wide)
    lists = collections.Counter()
    for line in open(requests_file, encoding="utf-8"):
        method, _, target = line.rstrip("\n").partition(" ")
        url = urllib.parse.urlsplit(target)
        m = re.fullmatch(r"/(?:api/v1|apis/[^/]+/[^/]+)/([a-z]+)", url.path)
        if m and "limit" in urllib.parse.parse_qs(url.query):
            lists[m.group(1)] += 1
    for (api_version, kind), plural in KINDS.items():
        n = want_counts.get(kind, 0)
        want = max(1, math.ceil(n / chunk))
        if lists[plural] != want:
            problems.append(f"{plural}: {lists[plural]} list requests for {n} objects in chunks of {chunk}, want {want}")
    print(f"{len(items)} objects read, {sum(lists.values())} list requests")
    if problems:
        fail("\n".join(problems[:20]))

elif mode == "samples":  # samples: one exported object per kind, as "plural namespace-or-- name"
    firsts = {}
    for key in sorted(load_exports(files)):
        firsts.setdefault(key[:2], key)
    for (api_version, kind, ns, name) in firsts.values():
        print(KINDS[(api_version, kind)], ns or "-", name)

elif mode == "object":  # object GOT.json: equal to its export
    got = json.load(open(args[0], encoding="utf-8"))
    exported = load_exports(files)
    key = ident(got)
    if exported.get(key) != got:
        fail(f"{key} differs from its export")

elif mode == "capped":  # capped GOT.json PLURAL CAP: a raw cluster-wide list without limit
    got, plural, cap = json.load(open(args[0], encoding="utf-8")), args[1], int(args[2])
    n = sum(1 for (av, k, _, _) in load_exports(files) if KINDS[(av, k)] == plural)
    meta, items = got.get("metadata", {}), got.get("items")
    print(f"{plural}: {n} exported; page: kind={got.get('kind')} items={len(items or [])} metadata={sorted(meta)}")
    if not isinstance(items, list) or len(items) != min(n, cap):
        fail(f"want {min(n, cap)} items")
    if any("kind" in i or "apiVersion" in i for i in items):
        fail("list items carry kind/apiVersion (a real server's typed list items do not)")
    if n > cap and (not meta.get("continue") or meta.get("remainingItemCount") != n - cap):
        fail(f"want a continue token and remainingItemCount {n - cap}")
    if n <= cap and ("continue" in meta or "remainingItemCount" in meta):
        fail("want no continue token")

elif mode == "gets-only":  # gets-only REQUESTS...
    for f in args:
        bad = [l for l in open(f, encoding="utf-8") if not l.startswith("GET ")]
        if bad:
            fail(f"{f}: non-GET requests: {bad[:5]}")
EOF
}

prove_mode() { # prove_mode NAME
    local name="$1"
    kubectl_for "$name" get "$kinds" -A -o json --chunk-size=3 >"$work/$name.got.json" \
        2>"$work/$name.got.err" || { cat "$work/$name.got.err"; return 1; }
    compare list "$work/$name.got.json" "$work/$name.requests" 3
}

start_server aggregated
start_server legacy --no-aggregated-discovery

check "kubectl get $kinds -A --chunk-size=3 reads every exported object (aggregated discovery)" prove_mode aggregated
check "the same with legacy discovery only (--no-aggregated-discovery)" prove_mode legacy

get_sample() { # get_sample PLURAL NS NAME
    local ns_args=()
    [ "$2" = "-" ] || ns_args=(-n "$2")
    kubectl_for aggregated get "$1" "$3" "${ns_args[@]}" -o json >"$work/sample.json" || return 1
    compare object "$work/sample.json"
}
while read -r plural ns name; do
    where=""
    [ "$ns" = "-" ] || where=" -n $ns"
    check "kubectl get $plural $name$where equals its export" get_sample "$plural" "$ns" "$name"
done < <(compare samples)

capped() { # capped PATH PLURAL
    kubectl_for aggregated get --raw "$1" >"$work/capped.json" || return 1
    compare capped "$work/capped.json" "$2" 5
}
check "a list without limit is capped at 5 items with continue and remainingItemCount" \
    capped /apis/rbac.authorization.k8s.io/v1/clusterroles clusterroles
check "the cap on pods too" capped /api/v1/pods pods

forbidden() {
    if kubectl_for aggregated get secrets -A >"$work/secrets.out" 2>"$work/secrets.err"; then
        echo "kubectl get secrets -A succeeded:"; cat "$work/secrets.out"; return 1
    fi
    cat "$work/secrets.err"
    grep -qF 'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:nhiscope:collector" cannot list resource "secrets" in API group "" at the cluster scope' "$work/secrets.err"
}
check "kubectl get secrets -A fails with the RBAC Forbidden message" forbidden

bad_continue() {
    if kubectl_for aggregated get --raw '/api/v1/pods?limit=2&continue=not-a-token!' >"$work/bad.out" 2>"$work/bad.err"; then
        echo "accepted a malformed continue token"; return 1
    fi
    cat "$work/bad.err"
    grep -qF 'Error from server (BadRequest): invalid continue token' "$work/bad.err"
}
check "a malformed continue token answers 400 BadRequest" bad_continue

check "the request logs hold GETs only" compare gets-only "$work/aggregated.requests" "$work/legacy.requests"

echo "prove-k8s-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
