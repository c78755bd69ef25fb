"""The corpus under construction: files, commits, and what was planted where.

Planted secrets and decoys are registered by the text that appears in the file
(the `needle`); after every commit each one is looked up again, so the labels
(line, first commit, last commit, whether it survives in the working tree) come
from what was really committed, not from bookkeeping that could drift.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field

AUTHORS = [
    ("Dana Whitfield", "dana.whitfield@acme.internal"),
    ("Ravi Menon", "ravi.menon@acme.internal"),
    ("Lena Vogt", "lena.vogt@acme.internal"),
    ("release-bot", "release-bot@acme.internal"),
]
FIRST_COMMIT_EPOCH = 1705312800  # 2024-01-15T10:00:00Z


def sha256_hex(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


@dataclass
class Plant:
    id: str
    kind: str
    path: str
    needle: str  # the text in the file: the value itself, or its base64 form
    value: str  # what the `kind` rule captures (after decoding, for encoding == "base64")
    encoding: str  # "plain" | "base64"
    accept: list[str]
    site: str
    context: str  # the enclosing text (a whole JSON key file, a PEM block) that a scanner may report instead
    note: str = ""
    line: int | None = None
    span: tuple[int, int] | None = None
    introduced_in: str | None = None
    removed_in: str | None = None
    present_in: list[str] = field(default_factory=list)

    def label(self, head: str) -> dict:
        out = {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "line": self.line,
            "span": list(self.span),
            "in_working_tree": self.removed_in is None,
            "introduced_in": self.introduced_in,
            "removed_in": self.removed_in,
            "present_in": self.present_in,
            "encoding": self.encoding,
            "value_sha256": sha256_hex(self.value),
            "accept": self.accept,
            "site": self.site,
        }
        if self.encoding == "base64":
            out["encoded_sha256"] = sha256_hex(self.needle)
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Decoy:
    kind: str
    path: str
    needle: str
    line: int | None = None


class Corpus:
    def __init__(self, root: str):
        self.root = root  # the git work tree
        self.files: dict[str, str] = {}
        self.plants: list[Plant] = []
        self.decoys: list[Decoy] = []
        self.commits: list[dict] = []
        self._site = 0
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": root,
            "LC_ALL": "C",
            "TZ": "UTC",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
        os.makedirs(root)
        self.git("init", "-q", "-b", "main")

    # --- git -------------------------------------------------------------------

    def git(self, *args: str, env: dict | None = None) -> str:
        cmd = ["git", "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", "-c", "core.fileMode=true", *args]
        try:
            done = subprocess.run(cmd, cwd=self.root, env={**self.env, **(env or {})},
                                  capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise SystemExit("error: `git` is not on PATH; install it (Debian: apt-get install git)")
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    # --- files -----------------------------------------------------------------

    def write(self, path: str, text: str, executable: bool = False) -> None:
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", newline="\n") as f:
            f.write(text)
        os.chmod(full, 0o755 if executable else 0o644)
        self.files[path] = text

    def append(self, path: str, text: str) -> None:
        self.write(path, self.files[path] + text, executable=os.access(os.path.join(self.root, path), os.X_OK))

    def remove(self, path: str) -> None:
        os.remove(os.path.join(self.root, path))
        del self.files[path]

    # --- labels ----------------------------------------------------------------

    def new_site(self) -> str:
        self._site += 1
        return f"site-{self._site:05d}"

    def plant(self, path: str, kind: str, value: str, *, needle: str | None = None, encoding: str = "plain",
              accept: tuple[str, ...] = (), site: str | None = None, context: str | None = None,
              note: str = "") -> str:
        """Record that `value` (a `kind` credential) is in `path`, as `needle` (default: the value),
        inside `context` (default: the needle)."""
        site = site or self.new_site()
        needle = needle or value
        context = (context or needle).rstrip("\n")
        if needle not in context:
            raise AssertionError(f"{kind} in {path}: the context does not contain the needle")
        self.plants.append(Plant(
            id=f"s{len(self.plants) + 1:05d}", kind=kind, path=path, needle=needle, value=value,
            encoding=encoding, accept=[kind, *[a for a in accept if a != kind]], site=site, context=context,
            note=note,
        ))
        return site

    def decoy(self, path: str, kind: str, needle: str) -> None:
        self.decoys.append(Decoy(kind=kind, path=path, needle=needle))

    @staticmethod
    def _line_of(text: str, needle: str, what: str) -> int:
        count = text.count(needle)
        if count != 1:
            raise AssertionError(f"{what}: expected the text once, found it {count} times")
        return text.count("\n", 0, text.index(needle)) + 1

    # --- commits ---------------------------------------------------------------

    def commit(self, message: str) -> str:
        n = len(self.commits)
        name, email = AUTHORS[n % len(AUTHORS)]
        date = f"{FIRST_COMMIT_EPOCH + n * 86400 + (n * 7919) % 3600} +0000"
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message, env={
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date,
        })
        sha = self.git("rev-parse", "HEAD").strip()
        self.commits.append({"sha": sha, "message": message, "author": name, "date": date})
        for p in self.plants:
            text = self.files.get(p.path)
            present = text is not None and p.needle in text
            if present:
                line = self._line_of(text, p.needle, f"{p.id} ({p.kind}) in {p.path}")
                if p.introduced_in is None:
                    p.introduced_in, p.line = sha, line
                    first = self._line_of(text, p.context, f"{p.id} ({p.kind}) context in {p.path}")
                    p.span = (first, first + p.context.count("\n"))
                elif p.removed_in is not None:
                    raise AssertionError(f"{p.id} came back after it was removed")
                elif line != p.line:
                    raise AssertionError(f"{p.id} moved from line {p.line} to {line} in {p.path}")
                p.present_in.append(sha)
            elif p.introduced_in is not None and p.removed_in is None:
                p.removed_in = sha
        return sha

    def finish(self) -> None:
        """Check that every plant was committed, and resolve the decoys against the working tree."""
        for p in self.plants:
            if p.introduced_in is None:
                raise AssertionError(f"{p.id} ({p.kind}) in {p.path} was never committed")
        for d in self.decoys:
            d.line = self._line_of(self.files[d.path], d.needle, f"decoy {d.kind} in {d.path}")

    def verify_against_git(self) -> None:
        """Read every labelled blob back from git and check the needle is on the labelled line."""
        wanted = [(p, f"{p.introduced_in}:{p.path}") for p in self.plants]
        wanted += [(d, f"HEAD:{d.path}") for d in self.decoys]
        batch = "".join(spec + "\n" for _, spec in wanted).encode()
        out = subprocess.run(["git", "cat-file", "--batch"], cwd=self.root, env=self.env, input=batch,
                             capture_output=True, check=True).stdout
        pos = 0
        for item, spec in wanted:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            if header[-1] == b"missing":
                raise AssertionError(f"{spec} is missing from git")
            size = int(header[2])
            blob = out[header_end + 1 : header_end + 1 + size].decode()
            pos = header_end + 1 + size + 1
            lines = blob.split("\n")
            first_line = item.needle.split("\n")[0]
            if first_line not in lines[item.line - 1]:
                raise AssertionError(f"{spec}: line {item.line} does not hold the labelled text")


def reset_dir(path: str, force: bool) -> None:
    """Create `path`; with `force`, first remove a corpus generated there before (and nothing else)."""
    if os.path.exists(path):
        entries = set(os.listdir(path))
        if entries and not force:
            raise SystemExit(f"error: {path} exists and is not empty; pass --force to replace a corpus there")
        if not entries <= {"repo", "labels.json"}:
            raise SystemExit(f"error: {path} holds more than a generated corpus (repo/, labels.json); "
                             "refusing to delete it")
        shutil.rmtree(path)
    os.makedirs(path)
