#!/usr/bin/env python3
"""python-igraph peer of nhiscope's access-graph benchmark.

    igraph_peer.py DIR [--typical-runs 200] [--hub-runs 20] [--all-forms]

Reads DIR/nodes.tsv, DIR/edges.tsv and DIR/queries.json (the interchange
format of scripts/bench-graph.sh), then measures what a user scripting the
blast radius in igraph would pay:

  load   parsing the TSVs into Python: node ids and "kind:type" in lists,
         edges in machine-integer arrays with their kind as a small code
  build  keeping only the edges whose kind is followed (and the `contains`
         edges out of the classes of the optional follow_contains_from) and
         building a directed igraph.Graph from them
  query  the nodes reachable from `typical` and from `hub` (start included),
         with Graph.subcomponent(v, mode="out"), repeated; median and min

and checks both counts against `expected` (exit 1 on a mismatch). Prints one
JSON object on stdout; progress goes to stderr. --all-forms also times the
other ways igraph can answer the question (bfs, neighborhood, a bfsiter walk)
and adds them under "forms", to re-check which is fastest on a new version.
"""

import argparse
import json
import sys
import time

import igraph as ig

from estate import current_rss_bytes, followed_edges, load, peak_rss_bytes, timed


def build(n, src, dst, kind, codes, classes, queries):
    return ig.Graph(n=n, edges=followed_edges(src, dst, kind, codes, classes, queries),
                    directed=True)


def reach_forms(graph):
    """Every way igraph answers 'which nodes can v reach'; each returns a count."""
    n = graph.vcount()

    def bfsiter_walk(v):
        return sum(1 for _ in graph.bfsiter(v, mode="out"))

    return {
        "subcomponent": lambda v: len(graph.subcomponent(v, mode="out")),
        "bfs": lambda v: len(graph.bfs(v, mode="out")[0]),
        "neighborhood": lambda v: len(graph.neighborhood(v, order=n, mode="out")),
        "bfsiter": bfsiter_walk,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--typical-runs", type=int, default=200)
    parser.add_argument("--hub-runs", type=int, default=20)
    parser.add_argument("--all-forms", action="store_true",
                        help="also time bfs, neighborhood and bfsiter (reported under 'forms')")
    args = parser.parse_args()

    start = time.perf_counter()
    queries, ids, classes, src, dst, kind, codes = load(args.dir)
    load_s = time.perf_counter() - start
    rss_after_load = current_rss_bytes()
    n, m = len(ids), len(src)
    if m and max(max(src), max(dst)) >= n:
        sys.exit(f"error: {args.dir}/edges.tsv names a node index >= {n}")
    print(f"igraph: loaded {n} nodes, {m} edges in {load_s:.2f} s", file=sys.stderr)

    start = time.perf_counter()
    graph = build(n, src, dst, kind, codes, classes, queries)
    build_s = time.perf_counter() - start
    rss_after_build = current_rss_bytes()
    print(f"igraph: built the graph of {graph.ecount()} followed edges in {build_s:.2f} s", file=sys.stderr)

    forms = reach_forms(graph)
    result = {
        "peer": "python-igraph",
        "version": ig.__version__,
        "query": 'Graph.subcomponent(v, mode="out")',
        "nodes": n,
        "edges": m,
        "followed_edges": graph.ecount(),
        "load_s": load_s,
        "build_s": build_s,
    }
    failed = False
    for name, runs in (("typical", args.typical_runs), ("hub", args.hub_runs)):
        v, expected = queries[name], queries["expected"][name]
        count, median_s, min_s = timed(lambda: forms["subcomponent"](v), runs)
        result[f"{name}_s"], result[f"{name}_min_s"], result[f"{name}_runs"] = median_s, min_s, runs
        result[f"{name}_reach"] = count
        if count != expected:
            print(f"igraph: error: {name} query from node {v} reaches {count} nodes, "
                  f"nhiscope says {expected}", file=sys.stderr)
            failed = True
        print(f"igraph: {name} reach {count} (expected {expected}): median {median_s * 1e3:.3f} ms, "
              f"min {min_s * 1e3:.3f} ms over {runs} runs", file=sys.stderr)
    # The headline's peak: the other forms (bfs builds n-long lists) come after.
    result["peak_rss_bytes"] = peak_rss_bytes()
    if args.all_forms:
        result["forms"] = {}
        for form, fn in forms.items():
            entry = {}
            for name, runs in (("typical", args.typical_runs), ("hub", args.hub_runs)):
                v = queries[name]
                count, median_s, min_s = timed(lambda: fn(v), runs)
                entry[f"{name}_s"], entry[f"{name}_min_s"], entry[f"{name}_reach"] = median_s, min_s, count
                if count != queries["expected"][name]:
                    print(f"igraph: error: {form} gives {count} for {name}", file=sys.stderr)
                    failed = True
            result["forms"][form] = entry
            print(f"igraph: form {form}: typical {entry['typical_s'] * 1e3:.3f} ms, "
                  f"hub {entry['hub_s'] * 1e3:.1f} ms", file=sys.stderr)
    result["rss_after_load_bytes"] = rss_after_load
    result["rss_after_build_bytes"] = rss_after_build
    print(json.dumps(result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
