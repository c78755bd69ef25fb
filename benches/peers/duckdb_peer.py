#!/usr/bin/env python3
"""DuckDB peer of nhiscope's access-graph benchmark: reachability as a
recursive CTE over an in-memory DuckDB.

    duckdb_peer.py DIR [--typical-runs 20] [--hub-runs 5] [--all-forms]

Reads DIR/nodes.tsv, DIR/edges.tsv and DIR/queries.json (the interchange
format of scripts/bench-graph.sh) and measures:

  load   read_csv of both TSVs into the tables nodes(idx, id, kind, type) and
         edges(src, dst, kind)
  build  CREATE TABLE access_edges AS the edges whose kind is followed (and
         the `contains` edges out of the node classes of the optional
         follow_contains_from)
  query  the nodes reachable from `typical` and from `hub` (start included),
         repeated; median and min:

           WITH RECURSIVE reach(n) AS (
               SELECT $start
               UNION
               SELECT e.dst FROM access_edges e WHERE e.src IN (SELECT n FROM reach))
           SELECT count(*) FROM reach

UNION (not UNION ALL) keeps the result a set, so a node already reached is
not produced again and the recursion ends on cycles. Of the forms tried (see
--all-forms and README.md) this one is the fastest: the semi join hashes the
small frontier and streams the edges past it, where the JOIN form hashes all
of access_edges again on every iteration, and filtering on kind inside the
recursion compares strings on every iteration. Both counts are checked
against `expected` (exit 1 on a mismatch). Prints one JSON object on stdout;
progress goes to stderr. --all-forms also times the other forms (the JOIN
form on edges with the kind filter, the same on access_edges, USING KEY) and
adds them under "forms".
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time

import duckdb

from estate import peak_rss_bytes

NODES_COLUMNS = {"idx": "INTEGER", "id": "VARCHAR", "kind": "VARCHAR", "type": "VARCHAR"}
EDGES_COLUMNS = {"src": "INTEGER", "dst": "INTEGER", "kind": "VARCHAR"}
QUERY_TIMEOUT_S = 600  # a form that does not terminate is interrupted and reported


def forms(access):
    """Every recursive-CTE form tried; $1 is the start node; `access` is the
    predicate on edges that access_edges was made with. The first is the headline."""
    return {
        "semi_join_access_edges": (
            "WITH RECURSIVE reach(n) AS (SELECT $1::INTEGER UNION "
            "SELECT e.dst FROM access_edges e WHERE e.src IN (SELECT n FROM reach)) "
            "SELECT count(*) FROM reach"),
        "join_edges_kind_filter": (
            "WITH RECURSIVE reach(n) AS (SELECT $1::INTEGER UNION "
            "SELECT e.dst FROM edges e JOIN reach r ON e.src = r.n "
            f"WHERE ({access})) SELECT count(*) FROM reach"),
        "join_access_edges": (
            "WITH RECURSIVE reach(n) AS (SELECT $1::INTEGER UNION "
            "SELECT e.dst FROM access_edges e JOIN reach r ON e.src = r.n) "
            "SELECT count(*) FROM reach"),
        "using_key_semi_join": (
            "WITH RECURSIVE reach(n) USING KEY (n) AS (SELECT $1::INTEGER UNION "
            "SELECT e.dst FROM access_edges e WHERE e.src IN (SELECT n FROM reach)) "
            "SELECT count(*) FROM reach"),
        "using_key_join_edges_kind_filter": (
            "WITH RECURSIVE reach(n) USING KEY (n) AS (SELECT $1::INTEGER UNION "
            "SELECT e.dst FROM edges e JOIN reach r ON e.src = r.n "
            f"WHERE ({access})) SELECT count(*) FROM reach"),
    }


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def read_tsv(path, columns):
    cols = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in columns.items()) + "}"
    # A TSV, not a CSV: no quoting, no escapes, header checked by the caller.
    return (f"read_csv({sql_string(path)}, delim='\\t', header=true, quote='', escape='', "
            f"auto_detect=false, columns={cols})")


def check_header(path, expected):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
    if header != expected:
        sys.exit(f"error: {path}: header {header}, expected {expected}")


def timed(con, sql, start, runs):
    """Runs sql `runs` times; returns (count of the last run, median s, min s)."""
    times, count = [], None
    for _ in range(runs):
        timer = threading.Timer(QUERY_TIMEOUT_S, con.interrupt)
        timer.start()
        began = time.perf_counter()
        try:
            count = con.execute(sql, [start]).fetchone()[0]
        finally:
            timer.cancel()
        times.append(time.perf_counter() - began)
    return count, statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--typical-runs", type=int, default=20)
    parser.add_argument("--hub-runs", type=int, default=5)
    parser.add_argument("--all-forms", action="store_true",
                        help="also time the other recursive-CTE forms (reported under 'forms')")
    args = parser.parse_args()

    with open(os.path.join(args.dir, "queries.json")) as f:
        queries = json.load(f)
    nodes_path = os.path.abspath(os.path.join(args.dir, "nodes.tsv"))
    edges_path = os.path.abspath(os.path.join(args.dir, "edges.tsv"))
    check_header(nodes_path, list(NODES_COLUMNS))
    check_header(edges_path, list(EDGES_COLUMNS))

    con = duckdb.connect()  # in memory
    start = time.perf_counter()
    con.execute(f"CREATE TABLE nodes AS SELECT * FROM {read_tsv(nodes_path, NODES_COLUMNS)}")
    con.execute(f"CREATE TABLE edges AS SELECT * FROM {read_tsv(edges_path, EDGES_COLUMNS)}")
    load_s = time.perf_counter() - start
    n, max_idx = con.execute("SELECT count(*), max(idx) FROM nodes").fetchone()
    m, max_end = con.execute("SELECT count(*), greatest(max(src), max(dst)) FROM edges").fetchone()
    if n and max_idx != n - 1:
        sys.exit(f"error: {nodes_path}: {n} nodes but the largest idx is {max_idx}")
    if m and max_end >= n:
        sys.exit(f"error: {edges_path} names node {max_end}, past the last node {n - 1}")
    print(f"duckdb: loaded {n} nodes, {m} edges in {load_s:.2f} s", file=sys.stderr)

    follow_sql = ", ".join(sql_string(k) for k in queries["follow"])
    start = time.perf_counter()
    access = f"kind IN ({follow_sql})"
    # Optional: `contains` edges out of these "kind:type" nodes carry access too
    # (nhiscope follows them out of a Secret, which hands out what it holds).
    contains_from = queries.get("follow_contains_from", [])
    if contains_from:
        classes = ", ".join(sql_string(c) for c in contains_from)
        access += (" OR (kind = 'contains' AND src IN "
                   f"(SELECT idx FROM nodes WHERE kind || ':' || type IN ({classes})))")
    con.execute(f"CREATE TABLE access_edges AS SELECT src, dst FROM edges WHERE {access}")
    build_s = time.perf_counter() - start
    followed = con.execute("SELECT count(*) FROM access_edges").fetchone()[0]
    print(f"duckdb: kept {followed} followed edges in {build_s:.2f} s", file=sys.stderr)

    all_forms = forms(access)
    headline = next(iter(all_forms))
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    result = {
        "peer": "duckdb-recursive-cte",
        "version": duckdb.__version__,
        "query": "WITH RECURSIVE reach(n) AS (... UNION SELECT e.dst FROM access_edges e "
                 "WHERE e.src IN (SELECT n FROM reach))",
        "form": headline,
        "threads": threads,
        "nodes": n,
        "edges": m,
        "followed_edges": followed,
        "load_s": load_s,
        "build_s": build_s,
    }
    failed = False
    for name, runs in (("typical", args.typical_runs), ("hub", args.hub_runs)):
        v, expected = queries[name], queries["expected"][name]
        count, median_s, min_s = timed(con, all_forms[headline], v, runs)
        result[f"{name}_s"], result[f"{name}_min_s"], result[f"{name}_runs"] = median_s, min_s, runs
        result[f"{name}_reach"] = count
        if count != expected:
            print(f"duckdb: error: {name} query from node {v} reaches {count} nodes, "
                  f"nhiscope says {expected}", file=sys.stderr)
            failed = True
        print(f"duckdb: {name} reach {count} (expected {expected}): median {median_s * 1e3:.1f} ms, "
              f"min {min_s * 1e3:.1f} ms over {runs} runs", file=sys.stderr)
    # The headline's peak: the other forms (bfs builds n-long lists) come after.
    result["peak_rss_bytes"] = peak_rss_bytes()
    if args.all_forms:
        result["forms"] = {}
        for form, sql in all_forms.items():
            entry = {"sql": sql}
            for name, runs in (("typical", args.typical_runs), ("hub", args.hub_runs)):
                try:
                    count, median_s, min_s = timed(con, sql, queries[name], runs)
                except duckdb.InterruptException:
                    entry[f"{name}_error"] = f"interrupted after {QUERY_TIMEOUT_S} s"
                    failed = True
                    continue
                entry[f"{name}_s"], entry[f"{name}_min_s"], entry[f"{name}_reach"] = median_s, min_s, count
                if count != queries["expected"][name]:
                    print(f"duckdb: error: form {form} gives {count} for {name}", file=sys.stderr)
                    failed = True
            result["forms"][form] = entry
            print(f"duckdb: form {form}: typical {entry.get('typical_s', float('nan')) * 1e3:.1f} ms, "
                  f"hub {entry.get('hub_s', float('nan')) * 1e3:.1f} ms", file=sys.stderr)
    print(json.dumps(result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
