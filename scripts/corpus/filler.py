"""Secret-free source files that make the corpus look (and weigh) like a real monorepo.

They contain what real code contains near secrets — functions named
`refresh_token`, `os.environ["API_KEY"]` lookups, hashes, ids — but no credential,
so any finding in them is a false positive.
"""

from __future__ import annotations

from random import Random

WORDS = (
    "account address alert archive audit balance batch billing bucket buffer cache cart catalog channel "
    "checkout client cluster config consumer counter customer dashboard delivery device discount dispatch "
    "document event export feature filter gateway handler health history index inventory invoice job ledger "
    "limit listing loader metric migration notice order owner package payment payload policy pricing "
    "producer profile queue quota rate receipt record refund region report request retry route schedule "
    "search session shipment snapshot status stock store stream subscription summary tenant ticket timer "
    "transfer upload usage user vendor version warehouse webhook worker"
).split()


class Filler:
    def __init__(self, rng: Random):
        self.rng = rng

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def snake(self, n: int = 2) -> str:
        return "_".join(self.word() for _ in range(n))

    def camel(self, n: int = 2) -> str:
        w = [self.word() for _ in range(n)]
        return w[0] + "".join(x.capitalize() for x in w[1:])

    def pascal(self, n: int = 2) -> str:
        return "".join(self.word().capitalize() for _ in range(n))

    # --- languages -------------------------------------------------------------

    def python(self, funcs: int) -> str:
        cls = self.pascal()
        out = [
            f'"""{cls}: {self.word()} {self.word()} helpers."""',
            "",
            "from __future__ import annotations",
            "",
            "import logging",
            "import os",
            "from dataclasses import dataclass, field",
            "",
            "log = logging.getLogger(__name__)",
            f'API_BASE = os.environ.get("{self.snake().upper()}_URL", "http://localhost:8080")',
            f'API_KEY = os.environ["{self.snake().upper()}_API_KEY"]',
            "",
            "",
            "@dataclass",
            f"class {cls}:",
            f"    {self.snake()}_id: str",
            f"    {self.snake()}: int = 0",
            f"    tags: list[str] = field(default_factory=list)",
            "",
        ]
        for _ in range(funcs):
            name, arg = self.snake(), self.word()
            out += [
                f"    def {name}(self, {arg}: str, retries: int = {self.rng.randint(1, 5)}) -> dict:",
                f'        """Return the {self.word()} for `{arg}`."""',
                f"        for attempt in range(retries):",
                f'            log.debug("{name} attempt=%d {arg}=%s", attempt, {arg})',
                f"            if {arg}.startswith(\"{self.word()}\"):",
                f'                return {{"{self.word()}": {arg}, "attempt": attempt, "token": None}}',
                f"        raise LookupError({arg})",
                "",
            ]
        out += [
            "",
            f"def refresh_token(session, token_url: str = API_BASE + \"/oauth/token\") -> str:",
            f'    resp = session.post(token_url, data={{"grant_type": "client_credentials"}}, timeout=10)',
            "    resp.raise_for_status()",
            '    return resp.json()["access_token"]',
            "",
        ]
        return "\n".join(out)

    def typescript(self, funcs: int) -> str:
        iface = self.pascal()
        out = [
            f"import {{ {self.pascal()} }} from './{self.word()}';",
            f"import type {{ {self.pascal()} }} from '../{self.word()}/types';",
            "",
            f"export interface {iface} {{",
            f"  id: string;",
            f"  {self.camel()}: number;",
            f"  {self.camel()}?: string[];",
            "}",
            "",
            f"const API_URL = process.env.{self.snake().upper()}_URL ?? 'http://localhost:3000';",
            f"const apiKey = process.env.{self.snake().upper()}_API_KEY;",
            "",
        ]
        for _ in range(funcs):
            fn = self.camel()
            out += [
                f"export async function {fn}(input: {iface}, signal?: AbortSignal): Promise<{iface}[]> {{",
                f"  const res = await fetch(`${{API_URL}}/{self.word()}/${{input.id}}`, {{",
                "    headers: { Authorization: `Bearer ${apiKey}` },",
                "    signal,",
                "  });",
                f"  if (!res.ok) throw new Error(`{fn} failed: ${{res.status}}`);",
                f"  return (await res.json()) as {iface}[];",
                "}",
                "",
            ]
        return "\n".join(out)

    def go(self, funcs: int) -> str:
        pkg = self.word()
        typ = self.pascal()
        out = [
            f"package {pkg}",
            "",
            "import (",
            '\t"context"',
            '\t"fmt"',
            '\t"os"',
            ")",
            "",
            f"// {typ} holds one {self.word()}.",
            f"type {typ} struct {{",
            f"\tID    string `json:\"id\"`",
            f"\t{self.pascal()} int    `json:\"{self.snake()}\"`",
            "}",
            "",
            f"var apiToken = os.Getenv(\"{self.snake().upper()}_TOKEN\")",
            "",
        ]
        for _ in range(funcs):
            fn = self.pascal()
            out += [
                f"// {fn} loads a {typ} by id.",
                f"func {fn}(ctx context.Context, id string) (*{typ}, error) {{",
                "\tif id == \"\" {",
                f"\t\treturn nil, fmt.Errorf(\"{fn}: empty id\")",
                "\t}",
                f"\treturn &{typ}{{ID: id}}, nil",
                "}",
                "",
            ]
        return "\n".join(out)

    def rust(self, funcs: int) -> str:
        typ = self.pascal()
        counts = self.snake()
        out = [
            f"//! {typ}: {self.word()} {self.word()}.",
            "",
            "use std::collections::HashMap;",
            "",
            "#[derive(Debug, Clone, Default)]",
            f"pub struct {typ} {{",
            f"    pub {counts}: HashMap<String, u64>,",
            f"    pub token_ttl_secs: u64,",
            "}",
            "",
            f"impl {typ} {{",
        ]
        for _ in range(funcs):
            fn = self.snake()
            out += [
                f"    pub fn {fn}(&mut self, key: &str) -> u64 {{",
                f"        let entry = self.{counts}.entry(key.to_owned()).or_insert(0);",
                f"        *entry += {self.rng.randint(1, 9)};",
                "        *entry",
                "    }",
                "",
            ]
        out.append("}")
        return "\n".join(out) + "\n"

    def markdown(self, sections: int) -> str:
        title = f"{self.pascal()} service"
        out = [f"# {title}", "", f"Handles {self.word()} and {self.word()} for the {self.word()} team.", ""]
        for _ in range(sections):
            out += [
                f"## {self.word().capitalize()} {self.word()}",
                "",
                f"The `{self.snake()}` job reads `{self.snake().upper()}_API_KEY` from the environment "
                f"(set it in the secret manager, never in this repository) and retries {self.rng.randint(2, 9)} times.",
                "",
                "```sh",
                f"make {self.word()} ENV=staging",
                "```",
                "",
            ]
        return "\n".join(out)

    def yaml_config(self, keys: int) -> str:
        out = [f"# {self.word()} settings", f"service: {self.snake()}", "server:", f"  port: {self.rng.randint(3000, 9999)}",
               "  timeout: 30s", "features:"]
        for _ in range(keys):
            out.append(f"  {self.snake()}: {self.rng.choice(['true', 'false', str(self.rng.randint(1, 500))])}")
        out += ["auth:", "  token_url: https://auth.internal/oauth/token", "  client_id_env: CLIENT_ID",
                "  secret_name: " + self.snake().replace("_", "-")]
        return "\n".join(out) + "\n"

    def css(self, rules: int, hash_hex) -> str:
        out = []
        for _ in range(rules):
            out += [f".{self.word()}-{hash_hex(6)} {{", f"  margin: {self.rng.randint(0, 32)}px;",
                    f"  color: #{hash_hex(6)};", "}"]
        return "\n".join(out) + "\n"

    def sql_migration(self) -> str:
        t = self.snake()
        return (
            f"CREATE TABLE {t} (\n  id UUID PRIMARY KEY,\n  {self.snake()} TEXT NOT NULL,\n"
            f"  api_key_hash BYTEA NOT NULL,\n  created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n"
            f"CREATE INDEX {t}_created_idx ON {t} (created_at);\n"
        )
