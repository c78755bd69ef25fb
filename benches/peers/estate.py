"""What the Python peers of the access-graph benchmark share: reading the
interchange format (DIR/nodes.tsv, DIR/edges.tsv, DIR/queries.json, see
README.md), picking the edges a blast radius follows, timing a query and
reading the process's memory.
"""

import json
import os
import resource
import statistics
import sys
import time
from array import array


def current_rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def load(directory):
    """Node ids and "kind:type" classes as lists, edges as parallel arrays (src, dst, kind code)."""
    with open(os.path.join(directory, "queries.json")) as f:
        queries = json.load(f)
    ids, classes, class_names = [], [], {}
    with open(os.path.join(directory, "nodes.tsv")) as f:
        header = next(f)
        if header.rstrip("\n").split("\t") != ["idx", "id", "kind", "type"]:
            sys.exit(f"error: {directory}/nodes.tsv: unexpected header {header!r}")
        for expected_idx, line in enumerate(f):
            idx, node_id, kind, type_ = line.rstrip("\n").split("\t")
            if int(idx) != expected_idx:
                sys.exit(f"error: {directory}/nodes.tsv: idx {idx} on line {expected_idx + 2}")
            ids.append(node_id)
            node_class = f"{kind}:{type_}"
            classes.append(class_names.setdefault(node_class, node_class))
    src, dst, kind, codes = array("q"), array("q"), bytearray(), {}
    with open(os.path.join(directory, "edges.tsv")) as f:
        header = next(f)
        if header.rstrip("\n").split("\t") != ["src", "dst", "kind"]:
            sys.exit(f"error: {directory}/edges.tsv: unexpected header {header!r}")
        add_src, add_dst, add_kind = src.append, dst.append, kind.append
        for line in f:
            s, d, k = line.rstrip("\n").split("\t")
            add_src(int(s))
            add_dst(int(d))
            code = codes.get(k)
            if code is None:
                code = codes[k] = len(codes)
            add_kind(code)
    return queries, ids, classes, src, dst, kind, codes


def followed_edges(src, dst, kind, codes, classes, queries):
    """The (src, dst) pairs a blast radius follows: edges of the kinds in
    `follow`, and `contains` edges out of the "kind:type" classes of the
    optional `follow_contains_from` (nhiscope follows them out of a Secret,
    which hands out what it holds)."""
    followed = bytearray(256)
    for name in queries["follow"]:
        if name in codes:
            followed[codes[name]] = 1
    contains_from = set(queries.get("follow_contains_from", []))
    contains = codes.get("contains", -1) if contains_from else -1
    return ((s, d) for s, d, k in zip(src, dst, kind)
            if followed[k] or (k == contains and classes[s] in contains_from))


def timed(fn, runs):
    """Runs fn `runs` times; returns (result of the last run, median s, min s)."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times), min(times)
