#!/usr/bin/env python3
"""Writes a synthetic estate in the access-graph interchange format, for
testing the peers and the table without the Rust generator.

    make_test_estate.py DIR SIZE [--seed N]

SIZE is the number of identities. The estate is cut into accounts of about a
thousand identities; each account is an AWS account and a Kubernetes cluster
side by side: IAM users with access keys and groups, roles (one of them the
account's admin role, which can assume every other role and whose policy
grants every resource and every service-account token), service accounts with
tokens, some assuming roles (IRSA), workloads running as them, policies and
RBAC roles granting resources, Secrets holding static AWS keys, tokens
committed to repositories, owners. The shape is about 3.5 nodes and 5 edges
per identity, with cycles (roles that may assume the admin role back). An
org-wide role in the first account can assume every account's admin role:
that is the hub, reaching about half the estate. The typical start is a user
reaching a few dozen nodes.

Writes DIR/nodes.tsv, DIR/edges.tsv and DIR/queries.json, whose expected
counts this script computes with its own breadth-first search. As in
nhiscope, a `contains` edge out of a Secret carries access (whoever reads the
Secret gets the key in it): queries.json lists such node classes under the
optional "follow_contains_from" (["resource:secret"]), which the peers honour. The real
benchmark uses the Rust generator's estate; this one only has to be plausible.
"""

import argparse
import json
import os
import random
import sys
import time
from array import array

FOLLOW = ["authenticates_as", "can_assume", "member_of", "has_permission", "grants", "uses"]
CONTAINS_FROM = ["resource:secret"]  # `contains` out of these "kind:type" nodes carries access
EDGE_KINDS = FOLLOW + ["holds", "exposed_in", "owned_by", "trusts", "contains"]
ACCOUNT_SIZE = 1000


class Estate:
    def __init__(self):
        self.lines = []  # "id\tkind\ttype" per node, idx = position
        self.src = array("q")
        self.dst = array("q")
        self.kind = array("b")  # index into EDGE_KINDS
        self.kind_code = {k: i for i, k in enumerate(EDGE_KINDS)}

    def node(self, node_id, kind, type_):
        self.lines.append(f"{node_id}\t{kind}\t{type_}")
        return len(self.lines) - 1

    def edge(self, src, kind, dst):
        self.src.append(src)
        self.dst.append(dst)
        self.kind.append(self.kind_code[kind])


def account(estate, rng, a, k, hub_targets):
    """Adds account number `a` with `k` identities and its admin role to hub_targets;
    returns the account's users."""
    acct = f"{a + 1:012d}"
    cluster = f"c{a + 1}"
    node, edge = estate.node, estate.edge
    arn = f"arn:aws:iam::{acct}"

    aws_source = node(f"aws:aws_account:{acct}", "source", "aws_account")
    k8s_source = node(f"kubernetes:cluster:{cluster}", "source", "k8s_cluster")
    repos = [node(f"git:repository:github.com/org{a}/repo{r}", "source", "git_repository")
             for r in range(max(1, k // 60))]
    owners = [node(f"owner:team:{acct}/team{t}", "owner", "team") for t in range(max(1, k // 50))]

    n_users = int(k * 0.40)
    n_roles = max(2, int(k * 0.25))
    n_groups = max(1, int(k * 0.03))
    n_sas = k - n_users - n_roles - n_groups

    users = [node(f"aws:iam_user:{arn}:user/u{i}", "identity", "iam_user") for i in range(n_users)]
    roles = [node(f"aws:iam_role:{arn}:role/r{i}", "identity", "iam_role") for i in range(n_roles)]
    groups = [node(f"aws:iam_group:{arn}:group/g{i}", "identity", "iam_group") for i in range(n_groups)]
    sas = [node(f"kubernetes:service_account:{cluster}/ns{i % 20}/sa{i}", "identity", "k8s_service_account")
           for i in range(n_sas)]
    admin = roles[0]

    # Resources: buckets, secrets, keys, tables, configmaps.
    types = ["s3_bucket", "secretsmanager_secret", "kms_key", "dynamodb_table", "sqs_queue"]
    n_res = int(k * 0.8)
    resources = []
    for i in range(n_res):
        t = types[i % len(types)]
        resources.append(node(f"aws:{t}:arn:aws:{t.split('_')[0]}:us-east-1:{acct}:{t}/res{i}", "resource", t))
    n_cm = int(k * 0.1)
    resources += [node(f"kubernetes:configmap:{cluster}/ns{i % 20}/cm{i}", "resource", "k8s_configmap")
                  for i in range(n_cm)]

    # Permissions: managed and inline policies, RBAC roles; the admin policy.
    admin_policy = node(f"aws:iam_policy:arn:aws:iam::aws:policy/AdministratorAccess#{acct}", "permission", "iam_policy")
    policies = [node(f"aws:iam_policy:{arn}:policy/p{i}", "permission", "iam_policy") for i in range(int(k * 0.12))]
    rbac = [node(f"kubernetes:role:{cluster}/ns{i % 20}/role{i}", "permission", "k8s_role") for i in range(int(k * 0.08))]
    cluster_admin = node(f"kubernetes:cluster_role:{cluster}/cluster-admin", "permission", "k8s_cluster_role")
    aws_res = resources[:n_res]
    k8s_res = resources[n_res:] or resources
    for p in policies:
        for r in rng.sample(aws_res, min(3, len(aws_res))):
            edge(p, "grants", r)
    for p in rbac:
        for r in rng.sample(k8s_res, min(2, len(k8s_res))):
            edge(p, "grants", r)
    for r in aws_res:
        edge(admin_policy, "grants", r)

    # Credentials.
    keys = []
    for u in users:
        x = rng.random()
        for j in range(0 if x < 0.15 else 2 if x > 0.85 else 1):
            key = node(f"aws:access_key:{acct}:AKIA{u:015X}{j}", "credential", "aws_access_key")
            edge(u, "holds", key)
            edge(key, "authenticates_as", u)
            keys.append(key)
    tokens = []
    for s in sas:
        if rng.random() < 0.8:
            tok = node(f"kubernetes:secret:{cluster}/token-{s}", "credential", "k8s_sa_token")
            edge(tok, "authenticates_as", s)
            tokens.append(tok)
    for t in tokens:
        edge(cluster_admin, "grants", t)  # reading every Secret exposes every token
    # Opaque Secrets holding static AWS keys: whoever may read one gets the key
    # (nhiscope follows `contains` out of a Secret; queries.json says so).
    for i in range(int(k * 0.03) if keys and rbac else 0):
        opaque = node(f"kubernetes:secret:{cluster}/ns{i % 20}/aws-creds{i}", "resource", "secret")
        edge(opaque, "contains", rng.choice(keys))
        edge(rng.choice(rbac), "grants", opaque)
    for i in range(int(k * 0.08)):
        leaked = node(f"secret:generic_api_key:sha256:{a:06x}{i:08x}", "credential", "generic_api_key")
        edge(leaked, "exposed_in", rng.choice(repos))
        edge(leaked, "authenticates_as", rng.choice(users or sas))

    # Identities' permissions and relations.
    for u in users:
        for g in rng.sample(groups, 1 if rng.random() < 0.8 else min(2, len(groups))):
            edge(u, "member_of", g)
        if rng.random() < 0.3:
            edge(u, "has_permission", rng.choice(policies))
        if rng.random() < 0.15:
            edge(u, "can_assume", rng.choice(roles[1:]))
        if rng.random() < 0.2:
            edge(u, "owned_by", rng.choice(owners))
    for g in groups:
        for p in rng.sample(policies, min(2, len(policies))):
            edge(g, "has_permission", p)
    edge(admin, "has_permission", admin_policy)
    edge(admin, "has_permission", cluster_admin)
    for r in roles[1:]:
        edge(admin, "can_assume", r)
        edge(r, "has_permission", rng.choice(policies))
        if rng.random() < 0.05:
            edge(r, "can_assume", admin)  # break-glass: a cycle through the admin role
        if rng.random() < 0.1:
            edge(r, "trusts", rng.choice(roles))
        if rng.random() < 0.2:
            edge(r, "owned_by", rng.choice(owners))
    for s in sas:
        edge(s, "has_permission", rng.choice(rbac))
        if rng.random() < 0.25:
            edge(s, "can_assume", rng.choice(roles[1:]))  # IRSA
    for i in range(max(1, k // 100)):
        edge(aws_source, "contains", rng.choice(roles))
        edge(k8s_source, "contains", rng.choice(sas))

    # Workloads.
    for i in range(int(k * 0.45)):
        w = node(f"kubernetes:workload:{cluster}/ns{i % 20}/deploy{i}", "workload", "k8s_deployment")
        edge(w, "uses", rng.choice(sas))
        if tokens and rng.random() < 0.2:
            edge(w, "uses", rng.choice(tokens))
    for i in range(int(k * 0.15)):
        w = node(f"aws:lambda_function:arn:aws:lambda:us-east-1:{acct}:function:f{i}", "workload", "lambda_function")
        edge(w, "uses", rng.choice(roles[1:]))

    hub_targets.append(admin)
    return users



def reach(n, src, dst, kind, follow_codes, contains_code, opens, start):
    """Nodes reachable from start over edges whose kind is followed, and over
    `contains` edges out of the nodes `opens` marks (start included)."""
    deg = array("q", bytes(8 * (n + 1)))
    keep = [i for i in range(len(src))
            if kind[i] in follow_codes or (kind[i] == contains_code and opens[src[i]])]
    for i in keep:
        deg[src[i] + 1] += 1
    for v in range(n):
        deg[v + 1] += deg[v]
    adj = array("q", bytes(8 * len(keep)))
    fill = array("q", deg)
    for i in keep:
        s = src[i]
        adj[fill[s]] = dst[i]
        fill[s] += 1

    def bfs(v):
        seen = bytearray(n)
        seen[v] = 1
        frontier = [v]
        count = 1
        while frontier:
            nxt = []
            for u in frontier:
                for w in adj[deg[u]:deg[u + 1]]:
                    if not seen[w]:
                        seen[w] = 1
                        nxt.append(w)
            count += len(nxt)
            frontier = nxt
        return count

    return bfs(start) if isinstance(start, int) else [bfs(s) for s in start]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("size", type=int, help="number of identities")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.size < 100:
        sys.exit("error: SIZE must be at least 100 identities")

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    estate = Estate()
    hub = estate.node("aws:iam_role:arn:aws:iam::000000000000:role/OrganizationAdmin", "identity", "iam_role")
    admins, typical_candidates = [], []
    left, a = args.size - 1, 0
    while left > 0:
        k = ACCOUNT_SIZE if left >= 2 * ACCOUNT_SIZE else left
        users = account(estate, rng, a, k, admins)
        if a == (args.size // ACCOUNT_SIZE) // 2:
            typical_candidates = users
        left -= k
        a += 1
    for admin in admins:
        estate.edge(hub, "can_assume", admin)

    n, m = len(estate.lines), len(estate.src)
    follow_codes = {estate.kind_code[k] for k in FOLLOW}
    # The typical start: the first user of a middle account reaching 20 to 80 nodes.
    candidates = typical_candidates[:200]
    opens = bytearray(n)
    for v, line in enumerate(estate.lines):
        if ":".join(line.rsplit("\t", 2)[1:]) in CONTAINS_FROM:
            opens[v] = 1
    counts = reach(n, estate.src, estate.dst, estate.kind, follow_codes,
                   estate.kind_code["contains"], opens, [hub] + candidates)
    hub_count = counts[0]
    typical, typical_count = next(
        ((v, c) for v, c in zip(candidates, counts[1:]) if 20 <= c <= 80),
        (candidates[0], counts[1]),
    )

    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "nodes.tsv"), "w") as f:
        f.write("idx\tid\tkind\ttype\n")
        f.writelines(f"{i}\t{line}\n" for i, line in enumerate(estate.lines))
    names = EDGE_KINDS
    with open(os.path.join(args.dir, "edges.tsv"), "w") as f:
        f.write("src\tdst\tkind\n")
        f.writelines(f"{s}\t{d}\t{names[k]}\n" for s, d, k in zip(estate.src, estate.dst, estate.kind))
    with open(os.path.join(args.dir, "queries.json"), "w") as f:
        json.dump({"typical": typical, "hub": hub, "follow": FOLLOW, "follow_contains_from": CONTAINS_FROM,
                   "expected": {"typical": typical_count, "hub": hub_count}}, f, indent=2)
        f.write("\n")
    print(f"make_test_estate: {args.size} identities -> {n} nodes ({n / args.size:.2f}/identity), "
          f"{m} edges ({m / args.size:.2f}/identity); typical {typical} reaches {typical_count}, "
          f"hub {hub} reaches {hub_count} ({100 * hub_count / n:.0f} %); "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
