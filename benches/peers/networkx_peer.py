#!/usr/bin/env python3
"""NetworkX peer of nhiscope's access-graph benchmark, for orientation: the
pure-Python graph library most scripts start with.

    networkx_peer.py DIR [--typical-runs 200] [--hub-runs 5]

Reads DIR/nodes.tsv, DIR/edges.tsv and DIR/queries.json (the interchange
format of scripts/bench-graph.sh) and measures:

  load   parsing the TSVs into Python, as igraph_peer.py does
  build  a networkx.DiGraph of every node and the edges whose kind is followed
         (and the `contains` edges out of the classes of the optional
         follow_contains_from)
  query  len(nx.descendants(G, v)) + 1 from `typical` and from `hub` (the
         start is included in nhiscope's count, not in descendants), repeated;
         median and min

and checks both counts against `expected` (exit 1 on a mismatch). Prints one
JSON object on stdout; progress goes to stderr. NetworkX keeps a dict of dicts
per node: at a million identities it needs several GiB and minutes, so
scripts/bench-graph.sh runs it only up to --networkx-max identities.
"""

import argparse
import json
import sys
import time

import networkx as nx

from estate import followed_edges, load, peak_rss_bytes, timed


def build(n, src, dst, kind, codes, classes, queries):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(followed_edges(src, dst, kind, codes, classes, queries))
    return graph


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--typical-runs", type=int, default=200)
    parser.add_argument("--hub-runs", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    queries, ids, classes, src, dst, kind, codes = load(args.dir)
    load_s = time.perf_counter() - start
    n, m = len(ids), len(src)
    if m and max(max(src), max(dst)) >= n:
        sys.exit(f"error: {args.dir}/edges.tsv names a node index >= {n}")
    print(f"networkx: loaded {n} nodes, {m} edges in {load_s:.2f} s", file=sys.stderr)

    start = time.perf_counter()
    graph = build(n, src, dst, kind, codes, classes, queries)
    build_s = time.perf_counter() - start
    print(f"networkx: built the DiGraph ({graph.number_of_edges()} distinct followed edges) "
          f"in {build_s:.2f} s", file=sys.stderr)

    result = {
        "peer": "networkx",
        "version": nx.__version__,
        "query": "len(nx.descendants(G, v)) + 1",
        "nodes": n,
        "edges": m,
        "followed_edges": graph.number_of_edges(),
        "load_s": load_s,
        "build_s": build_s,
    }
    failed = False
    for name, runs in (("typical", args.typical_runs), ("hub", args.hub_runs)):
        v, expected = queries[name], queries["expected"][name]
        count, median_s, min_s = timed(lambda: len(nx.descendants(graph, v)) + 1, runs)
        result[f"{name}_s"], result[f"{name}_min_s"], result[f"{name}_runs"] = median_s, min_s, runs
        result[f"{name}_reach"] = count
        if count != expected:
            print(f"networkx: error: {name} query from node {v} reaches {count} nodes, "
                  f"nhiscope says {expected}", file=sys.stderr)
            failed = True
        print(f"networkx: {name} reach {count} (expected {expected}): median {median_s * 1e3:.3f} ms, "
              f"min {min_s * 1e3:.3f} ms over {runs} runs", file=sys.stderr)
    result["peak_rss_bytes"] = peak_rss_bytes()
    print(json.dumps(result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
