#!/usr/bin/env python3
"""Score secret scanners' JSON reports against a generated corpus's labels.

    python3 scripts/corpus/compare.py --labels DIR/labels.json --root DIR/repo \
        [--history] [--nhiscope F] [--kingfisher F] [--detect-secrets F] [--misses N]

Prints Markdown: per tool, how many labelled secret sites it found (working
tree only, or every commit with --history), how many decoys it reported, and how
many findings match no label; then whether nhiscope found every secret that
kingfisher found (by the secret's sha256 where the report gives the value,
else by path and line).

A finding matches a label when it is in the label's path and either its
secret's sha256 equals the label's `value_sha256` or `encoded_sha256`, or its
line is within the label's `span` (the line, or the lines of the enclosing PEM
block or key file). Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    rule: str
    path: str  # relative to the repository root
    line: int
    value_sha256: str | None  # sha256 of the reported secret, when the report has it


def rel(path: str, root: str) -> str:
    path = path.replace("\\", "/")
    root = root.rstrip("/") + "/"
    if path.startswith(root):
        return path[len(root):]
    return path.removeprefix("./")


def load_nhiscope(path: str, root: str) -> list[Hit]:
    report = json.load(open(path))
    hits = []
    for f in report.get("findings", []):
        loc = f.get("location", {})
        if loc.get("type") != "file":
            continue
        evidence = f.get("evidence") or {}
        hits.append(Hit(f["rule_id"], rel(loc["path"], root), int(loc.get("line") or 0), evidence.get("fingerprint")))
    return hits


def load_kingfisher(path: str, root: str) -> list[Hit]:
    with open(path) as fh:
        text = fh.read()
    try:
        findings = json.loads(text).get("findings", [])
    except json.JSONDecodeError:  # JSON Lines
        findings = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    hits = []
    for item in findings:
        f = item.get("finding", {})
        if "path" not in f:
            continue
        snippet = f.get("snippet")
        value = hashlib.sha256(snippet.encode()).hexdigest() if snippet else None
        hits.append(Hit(item.get("rule", {}).get("id", "?"), rel(f["path"], root), int(f.get("line") or 0), value))
    return hits


def load_detect_secrets(path: str, root: str) -> list[Hit]:
    report = json.load(open(path))
    hits = []
    for filename, items in report.get("results", {}).items():
        for item in items:
            hits.append(Hit(item.get("type", "?"), rel(filename, root), int(item.get("line_number") or 0), None))
    return hits


LOADERS = {"nhiscope": load_nhiscope, "kingfisher": load_kingfisher, "detect-secrets": load_detect_secrets}


def matches(hit: Hit, label: dict) -> bool:
    if hit.path != label["path"]:
        return False
    if hit.value_sha256 and hit.value_sha256 in (label["value_sha256"], label.get("encoded_sha256")):
        return True
    first, last = label.get("span") or (label["line"], label["line"])
    return first <= hit.line <= last


class Scored:
    def __init__(self, tool: str, hits: list[Hit], labels: list[dict], decoys: list[dict]):
        self.tool, self.hits = tool, hits
        by_path = defaultdict(list)
        for label in labels:
            by_path[label["path"]].append(label)
        self.found_labels: set[str] = set()
        self.right_rule: set[str] = set()
        self.unlabelled: list[Hit] = []
        decoy_lines = {(d["path"], d["line"]): d["kind"] for d in decoys}
        self.decoy_hits: list[tuple[Hit, str]] = []
        for hit in hits:
            matched = [lb for lb in by_path.get(hit.path, []) if matches(hit, lb)]
            for lb in matched:
                self.found_labels.add(lb["id"])
                if hit.rule in lb["accept"]:
                    self.right_rule.add(lb["id"])
            if not matched:
                if (hit.path, hit.line) in decoy_lines:
                    self.decoy_hits.append((hit, decoy_lines[(hit.path, hit.line)]))
                else:
                    self.unlabelled.append(hit)


def sites_of(labels: list[dict]) -> dict[str, list[dict]]:
    sites: dict[str, list[dict]] = defaultdict(list)
    for lb in labels:
        sites[lb["site"]].append(lb)
    return sites


def site_recall(sites: list[list[dict]], found: set[str]) -> tuple[int, int]:
    return sum(1 for lbs in sites if any(lb["id"] in found for lb in lbs)), len(sites)


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"


def print_coverage(nh: Scored, kf: Scored, labels: list[dict], decoys: list[dict], limit: int) -> None:
    """Did nhiscope find every secret kingfisher found? Same value, same place, or the same labelled site."""
    nh_values = {h.value_sha256 for h in nh.hits if h.value_sha256}
    nh_places = {(h.path, h.line) for h in nh.hits}
    nh_sites = {lb["site"] for lb in labels if lb["id"] in nh.found_labels}
    by_path = defaultdict(list)
    for lb in labels:
        by_path[lb["path"]].append(lb)
    decoy_places = {(d["path"], d["line"]) for d in decoys}
    missing, on_decoys = [], []
    for h in kf.hits:
        if h.value_sha256 in nh_values or (h.path, h.line) in nh_places:
            continue
        if any(lb["site"] in nh_sites for lb in by_path.get(h.path, []) if matches(h, lb)):
            continue
        (on_decoys if (h.path, h.line) in decoy_places else missing).append(h)
    print(f"nhiscope found {len(kf.hits) - len(missing) - len(on_decoys)}/{len(kf.hits) - len(on_decoys)} of "
          f"kingfisher's findings (same secret value, same path and line, or the same labelled site); "
          f"{len(on_decoys)} more kingfisher findings are on decoys.\n")
    for h in missing[:limit]:
        print(f"- missing: kingfisher {h.rule} at {h.path}:{h.line}")
    if missing:
        print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", required=True)
    ap.add_argument("--root", required=True, help="the scanned repository root, to make reported paths relative")
    ap.add_argument("--history", action="store_true", help="the reports cover every commit (else the working tree)")
    for tool in LOADERS:
        ap.add_argument(f"--{tool}", metavar="REPORT", help=f"{tool}'s JSON report")
    ap.add_argument("--misses", type=int, default=15, help="list at most N missed labels per tool")
    args = ap.parse_args()

    data = json.load(open(args.labels))
    labels = [lb for lb in data["secrets"] if args.history or lb["in_working_tree"]]
    decoys = data["decoys"]
    root = os.path.abspath(args.root)
    scope = "every commit" if args.history else "working tree"
    print(f"### Labels ({scope}): {len(labels)} secrets at {len({lb['site'] for lb in labels})} sites, "
          f"{len(decoys)} decoys\n")
    sites = sites_of(labels)
    plain = [lbs for lbs in sites.values() if any(lb["encoding"] == "plain" for lb in lbs)]
    decode_only = [lbs for lbs in sites.values() if all(lb["encoding"] == "base64" for lb in lbs)]
    hist = [lbs for lbs in sites.values() if not lbs[0]["in_working_tree"]]
    print("Counts are of secret sites (one place in one file; a base64 blob holding two keys is one site).\n")
    print("| tool | findings | sites found | plain sites | decode-only sites | history-only sites "
          "| labels with the right rule id | decoys reported | unlabelled findings |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    scored: dict[str, Scored] = {}
    for tool, loader in LOADERS.items():
        report = getattr(args, tool.replace("-", "_"))
        if not report:
            continue
        s = scored[tool] = Scored(tool, loader(report, root), labels, decoys)
        rule_ok = sum(1 for lb in labels if lb["id"] in s.right_rule) if tool == "nhiscope" else None
        print(f"| {tool} | {len(s.hits)} | {pct(*site_recall(list(sites.values()), s.found_labels))} "
              f"| {pct(*site_recall(plain, s.found_labels))} "
              f"| {pct(*site_recall(decode_only, s.found_labels))} "
              f"| {pct(*site_recall(hist, s.found_labels)) if args.history else 'n/a'} "
              f"| {pct(rule_ok, len(labels)) if rule_ok is not None else 'n/a'} "
              f"| {len(s.decoy_hits)} | {len(s.unlabelled)} |")
    print()
    for tool, s in scored.items():
        missed = [lbs[0] for lbs in sites.values() if not any(lb["id"] in s.found_labels for lb in lbs)]
        if missed:
            kinds = Counter(f"{lb['kind']} ({lb['encoding']})" for lb in missed)
            print(f"{tool} missed sites: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())) + "\n")
        for hit, kind in s.decoy_hits[: args.misses]:
            print(f"- {tool} reported decoy `{kind}`: {hit.rule} at {hit.path}:{hit.line}")
        for hit in s.unlabelled[: args.misses]:
            print(f"- {tool} unlabelled: {hit.rule} at {hit.path}:{hit.line}")
        if s.decoy_hits or s.unlabelled:
            print()

    if "nhiscope" in scored and "kingfisher" in scored:
        print_coverage(scored["nhiscope"], scored["kingfisher"], labels, decoys, args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
