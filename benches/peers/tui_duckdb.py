"""The explorer's peer: the same lists as plain SQL through DuckDB.

Without `nhiscope tui`, a user browsing a large store would script the
DuckDB client: one query per screen, sorted and filtered in SQL, paged with
LIMIT/OFFSET. This runs those queries on the store `scripts/bench-tui.sh`
measures, one per kind of key press of its script (first screen, scroll,
page, jump to the end, sort, severity filter, search, open a finding, the
inventory), and prints their timings as JSON, each named as the explorer
names that kind of key (`first frame`, `scroll`, `page`, `jump to end`,
`sort`, `severity filter`, `submit` for a search, `open / follow edge`,
`switch tab` for the inventory), so the script can put them side by side.

Usage: tui_duckdb.py STORE ROWS RUNS
  STORE  the DuckDB store (opened read-only)
  ROWS   rows on one screen (the explorer's list height)
  RUNS   repetitions; the report keeps every one
"""

import json
import sys
import time

import duckdb

ORDER = {
    "risk": "risk DESC NULLS LAST, severity_rank DESC, rowid",
    "severity": "severity_rank DESC, risk DESC NULLS LAST, rowid",
    # The explorer's source: files, git, or the provider of a resource finding.
    "source": "CASE WHEN path IS NOT NULL THEN (CASE WHEN provenance IS NULL THEN 'files' "
    "ELSE 'git' END) ELSE coalesce(json_extract_string(location, '$.provider'), 'other') END, "
    "risk DESC NULLS LAST, rowid",
}
COLUMNS = "severity, risk, rule_id, title, fingerprint"


def page(con, scan, order, offset, rows, where="", params=()):
    """One screen of findings and the count the header shows."""
    sql = (
        f"SELECT {COLUMNS} FROM findings WHERE scan_id = ? {where} "
        f"ORDER BY {ORDER[order]} LIMIT {rows} OFFSET {offset}"
    )
    rows_out = con.execute(sql, [scan, *params]).fetchall()
    count = con.execute(
        f"SELECT count(*) FROM findings WHERE scan_id = ? {where}", [scan, *params]
    ).fetchone()[0]
    return rows_out, count


def timed(results, kind, action):
    start = time.perf_counter()
    value = action()
    results.append({"action": kind, "ms": (time.perf_counter() - start) * 1000})
    return value


def run(store, rows):
    results = []
    start = time.perf_counter()
    con = duckdb.connect(store, read_only=True)
    scan = con.execute("SELECT id FROM scans ORDER BY number DESC LIMIT 1").fetchone()[0]
    first, total = page(con, scan, "risk", 0, rows)
    results.append({"action": "first frame", "ms": (time.perf_counter() - start) * 1000})
    # Scroll one row, then a page, as LIMIT/OFFSET re-queries.
    for offset in (1, 2, 3):
        timed(results, "scroll", lambda o=offset: page(con, scan, "risk", o, rows))
    for offset in (rows, 2 * rows, 3 * rows):
        timed(results, "page", lambda o=offset: page(con, scan, "risk", o, rows))
    timed(results, "jump to end", lambda: page(con, scan, "risk", max(total - rows, 0), rows))
    for order in ("severity", "source", "risk"):
        timed(results, "sort", lambda o=order: page(con, scan, o, 0, rows))
    timed(
        results,
        "severity filter",
        lambda: page(con, scan, "risk", 0, rows, "AND severity_rank >= ?", (3,)),
    )
    needle = "%u4242%"
    timed(
        results,
        "submit",
        lambda: page(
            con,
            scan,
            "risk",
            0,
            rows,
            "AND lower(concat_ws(' ', rule_id, title, path, resource, fingerprint, "
            "evidence_preview)) LIKE ?",
            (needle,),
        ),
    )
    fingerprint = first[0][4]
    timed(
        results,
        "open / follow edge",
        lambda: con.execute(
            "SELECT * FROM findings WHERE scan_id = ? AND fingerprint = ?", [scan, fingerprint]
        ).fetchall(),
    )
    timed(
        results,
        "switch tab",
        lambda: con.execute(
            # The stored tables (docs/store.md), not the views, as someone
            # after speed would: kind_code >> 8 is the class, 1 identity, 2 credential.
            "SELECT n.kind_code, n.name, n.created_at, n.last_used_at, a.risk "
            "FROM node_rows n JOIN analysis_rows a ON a.scan_id = n.scan_id AND a.idx = n.idx "
            "WHERE n.scan_id = ? AND n.kind_code >> 8 IN (1, 2) "
            f"ORDER BY a.risk DESC, n.rowid LIMIT {rows}",
            [scan],
        ).fetchall(),
    )
    con.close()
    return results


def main():
    store, rows, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps({"duckdb": duckdb.__version__, "runs": [run(store, rows) for _ in range(runs)]}))


if __name__ == "__main__":
    main()
