#!/usr/bin/env python3
"""Markdown tables of one access-graph benchmark run (scripts/bench-graph.sh).

    table.py DIR [--sizes 10000,100000] [--tools nhiscope,igraph,duckdb,networkx]

Reads DIR/SIZE/{nhiscope,igraph,duckdb,networkx}.json (and PEER.skipped or
PEER.stderr for a peer that did not report) and prints, per size (every
DIR/SIZE, or those of --sizes), one row per tool: load, build, peak memory,
typical and hub query, and each of build, memory and the two queries as a
ratio tool / nhiscope (above 1× nhiscope is faster or smaller); then store
and reload next to a plain serde_json file (DIR/SIZE/serde_json.json). A
reach that differs from DIR/SIZE/queries.json is flagged in the row. Exits 1 when some tool failed or disagreed, so a caller
can tell.
"""

import argparse
import json
import os
import sys

TOOLS = ["nhiscope", "igraph", "duckdb", "networkx"]


def seconds(value):
    if value is None:
        return "—"
    if value < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def memory(value):
    if value is None:
        return "—"
    mib = value / 2**20
    return f"{mib / 1024:.2f} GiB" if mib >= 1024 else f"{mib:.0f} MiB"


def ratio(value, reference):
    if value is None or not reference:
        return "—"
    r = value / reference
    if r >= 100:
        return f"{r:.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def count(value):
    return f"{value:,}" if isinstance(value, int) else str(value)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def last_line(path):
    try:
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return None
    return lines[-1] if lines else None


def size_table(size_dir, size, tools):
    """Markdown lines for one size, and whether everything reported and agreed."""
    ok = True
    queries = read_json(os.path.join(size_dir, "queries.json")) or {}
    expected = queries.get("expected", {})
    results = {tool: read_json(os.path.join(size_dir, f"{tool}.json")) for tool in ["nhiscope"] + tools}
    reference = results["nhiscope"]
    any_result = next((r for r in results.values() if r), {})
    n, m = any_result.get("nodes"), any_result.get("edges")
    followed = any_result.get("followed_edges")
    head = f"### {size:,} identities"
    if n is not None:
        head += f": {n:,} nodes, {m:,} edges"
        if followed is not None:
            head += f" ({followed:,} followed)"
    if expected:
        head += f"; the typical start reaches {expected['typical']:,} nodes, the hub {expected['hub']:,}"
    lines = [head, ""]
    columns = ["tool", "load", "build", "peak memory", "typical query", "hub query"]
    if reference:
        columns += ["build / nhiscope", "memory / nhiscope", "typical / nhiscope", "hub / nhiscope"]
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("| --- |" + " ---: |" * (len(columns) - 1))
    notes = []
    for tool in tools:
        result = results[tool]
        if result is None:
            skipped = last_line(os.path.join(size_dir, f"{tool}.skipped"))
            if skipped:
                lines.append(f"| {tool} | {skipped} |" + " |" * (len(columns) - 2))
                continue
            error = last_line(os.path.join(size_dir, f"{tool}.stderr"))
            error = error and error.replace("|", "\\|")
            if error is not None or os.path.exists(os.path.join(size_dir, f"{tool}.failed")):
                ok = False
                lines.append(f"| {tool} | **failed**: {error or 'no report'} |" + " |" * (len(columns) - 2))
            continue
        name = f"{result.get('peer', tool)} {result.get('version', '')}".strip()
        mismatches = [
            f"{q} reach {count(result.get(f'{q}_reach'))} ≠ {count(expected[q])}"
            for q in ("typical", "hub")
            if q in expected and result.get(f"{q}_reach") != expected[q]
        ]
        if mismatches:
            ok = False
            name += " **(" + ", ".join(mismatches) + ")**"
        cells = [
            name,
            seconds(result.get("load_s")),
            seconds(result.get("build_s")),
            memory(result.get("peak_rss_bytes")),
            seconds(result.get("typical_s")),
            seconds(result.get("hub_s")),
        ]
        if reference:
            cells += [ratio(result.get(k), reference.get(k))
                      for k in ("build_s", "peak_rss_bytes", "typical_s", "hub_s")]
        lines.append("| " + " | ".join(cells) + " |")
        runs = f"{result.get('typical_runs', '?')} typical / {result.get('hub_runs', '?')} hub runs"
        how = f"`{result['query']}`" if result.get("query") else ""
        if result.get("threads"):
            how += f" on {result['threads']} threads"
        notes.append(f"{tool}: {how + ', ' if how else ''}median of {runs}")
    if reference:
        extra = [f"{label} {seconds(reference.get(key))}"
                 for key, label in (("analyses_s", "analyses"), ("store_s", "store"), ("reload_s", "reload"))
                 if reference.get(key) is not None]
        if extra:
            notes.insert(0, "nhiscope also: " + ", ".join(extra))
    lines.append("")
    lines += [f"- {note}" for note in notes]
    lines += persistence_table(size_dir, reference)
    return lines, ok


def persistence_table(size_dir, reference):
    """Store and reload next to a plain serde_json file of the same graph
    (DIR/SIZE/serde_json.json, written by the graph_scale bench)."""
    plain = read_json(os.path.join(size_dir, "serde_json.json"))
    if not reference or not plain:
        return []
    lines = ["", "| persistence | store | reload | file | store / nhiscope | reload / nhiscope |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, result in (("nhiscope (DuckDB, with analyses)", reference), ("serde_json file (graph only)", plain)):
        lines.append("| " + " | ".join([
            name,
            seconds(result.get("store_s")),
            seconds(result.get("reload_s")),
            memory(result.get("store_file_bytes")),
            ratio(result.get("store_s"), reference.get("store_s")),
            ratio(result.get("reload_s"), reference.get("reload_s")),
        ]) + " |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--sizes", help="comma-separated sizes to show (default: every DIR/SIZE)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated tools to show, in this order (default: {','.join(TOOLS)})")
    args = parser.parse_args()
    root = args.dir
    tools = args.tools.split(",")
    sizes = sorted(int(d) for d in os.listdir(root) if d.isdigit() and os.path.isdir(os.path.join(root, d)))
    if args.sizes:
        sizes = [s for s in sizes if str(s) in args.sizes.split(",")]
    if not sizes:
        sys.exit(f"error: no size directories (DIR/SIZE/) in {root}")
    all_ok = True
    out = []
    for size in sizes:
        lines, ok = size_table(os.path.join(root, str(size)), size, tools)
        all_ok &= ok
        out += lines + [""]
    if not any(os.path.exists(os.path.join(root, str(s), "nhiscope.json")) for s in sizes):
        out.append("No nhiscope.json in this run (--skip-nhiscope without one): no ratios.")
        out.append("")
    out.append("Times are wall-clock medians; peak memory is the process's maximum resident set "
               "(each tool in its own process). Ratios are tool / nhiscope: above 1× nhiscope "
               "is faster or smaller.")
    print("\n".join(out))
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
