"""Random credentials in their providers' real formats.

Every function takes the generator's `random.Random`, so a seed fixes every
value. Values that a scanner would drop as placeholders (a documented sample
word, a run of x or 0) are never produced: `Tokens.clean` rejects and redraws.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import zlib
from collections import Counter
from random import Random

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
BASE62 = DIGITS + UPPER + LOWER  # GitHub's checksum alphabet, in this order
ALNUM = UPPER + LOWER + DIGITS
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
HEX = "0123456789abcdef"
BASE32_AWS = UPPER + "234567"

# What nhiscope's and gitleaks' global allowlists treat as placeholders.
_PLACEHOLDERISH = re.compile(
    r"(?i)example|sample|dummy|placeholder|changeme|change_me|redacted|test|fake|"
    r"your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|x{4,}|\*{3,}|\.{3,}|0{6,}|(.)\1{4,}"
)


def shannon_entropy(s: str) -> float:
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def b62_checksum(body: str) -> str:
    """Base62 (0-9A-Za-z) of CRC32(body), left-padded to six characters."""
    n = zlib.crc32(body.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(6, "0")


def b64url_nopad(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Tokens:
    def __init__(self, rng: Random):
        self.rng = rng

    # --- helpers ---------------------------------------------------------------

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def clean(self, make, min_entropy: float = 0.0, need_digit: bool = False) -> str:
        """Draw `make()` until the value looks like nothing but a random secret."""
        for _ in range(1000):
            v = make()
            if _PLACEHOLDERISH.search(v):
                continue
            if min_entropy and shannon_entropy(v) < min_entropy:
                continue
            if need_digit and not any(c.isdigit() for c in v):
                continue
            return v
        raise RuntimeError("could not draw a clean value")

    def digits(self, n: int) -> str:
        return self.rng.choice("123456789") + self.s(DIGITS, n - 1)

    def uuid4(self) -> str:
        h = self.s(HEX, 32)
        h = h[:12] + "4" + h[13:16] + self.rng.choice("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # --- AWS -------------------------------------------------------------------

    def aws_access_key_id(self, prefix: str = "AKIA") -> str:
        return self.clean(lambda: prefix + self.s(BASE32_AWS, 16))

    def aws_secret_access_key(self) -> str:
        return self.clean(lambda: self.s(B64, 40), min_entropy=4.4, need_digit=True)

    def aws_session_token(self) -> str:
        # STS session tokens are base64 of a protobuf that starts "\x21\x0a\x09origin_ec".
        head = b"!\n\torigin_ec\x10"
        body = head + self.rng.randbytes(420 - len(head))
        return self.clean(lambda: base64.b64encode(body + self.rng.randbytes(3)).decode().rstrip("="))

    # --- GitHub / GitLab -------------------------------------------------------

    def github(self, prefix: str) -> str:
        """ghp_/gho_/ghu_/ghs_/ghr_: 30 random base62 characters and their CRC32."""

        def make() -> str:
            body = self.s(BASE62, 30)
            return f"{prefix}_{body}{b62_checksum(body)}"

        return self.clean(make)

    def github_fine_grained(self) -> str:
        return self.clean(lambda: "github_pat_11" + self.s(UPPER + DIGITS, 20) + "_" + self.s(ALNUM, 59))

    def gitlab_pat(self) -> str:
        return self.clean(lambda: "glpat-" + self.s(ALNUM + "-_", 20), min_entropy=3.5)

    # --- Slack -----------------------------------------------------------------

    def slack_bot(self) -> str:
        return self.clean(lambda: f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.s(ALNUM, 24)}")

    def slack_user(self) -> str:
        return self.clean(lambda: f"xoxp-{self.digits(12)}-{self.digits(12)}-{self.digits(13)}-{self.s(HEX, 32)}")

    def slack_webhook_path(self) -> str:
        return self.clean(lambda: f"T{self.s(UPPER + DIGITS, 8)}/B{self.s(UPPER + DIGITS, 10)}/{self.s(ALNUM, 24)}")

    # --- Payments, Google, Azure -----------------------------------------------

    def stripe(self, prefix: str, long: bool) -> str:
        if long:
            return self.clean(lambda: f"{prefix}_live_51{self.s(ALNUM, 97)}")
        return self.clean(lambda: f"{prefix}_live_{self.s(ALNUM, 24)}")

    def gcp_api_key(self) -> str:
        return self.clean(lambda: "AIzaSy" + self.s(ALNUM + "-_", 33), min_entropy=4.0)

    def gcp_private_key_id(self) -> str:
        return self.s(HEX, 40)

    def azure_storage_key(self) -> str:
        return self.clean(lambda: base64.b64encode(self.rng.randbytes(64)).decode(), min_entropy=4.5)

    def azure_client_secret(self) -> str:
        return self.clean(lambda: self.s(ALNUM, 3) + self.rng.choice("789") + "Q~" + self.s(ALNUM + "_~.-", 34))

    # --- Registries ------------------------------------------------------------

    def npm(self) -> str:
        def make() -> str:
            body = self.s(BASE62, 30)
            return "npm_" + body + b62_checksum(body)

        return self.clean(make)

    def pypi(self) -> str:
        # A macaroon: version 2, location "pypi.org", identifier, then caveats and signature.
        ident = self.uuid4().encode()
        caveat = json.dumps({"version": 1, "permissions": {"projects": [self.s(LOWER, 8)]}}).encode()
        raw = (b"\x02\x01\x08pypi.org\x02\x24" + ident + b"\x00\x02\x2a" + caveat[:42]
               + b"\x00\x00\x06\x20" + self.rng.randbytes(32))
        return "pypi-" + b64url_nopad(raw)

    def dockerhub_pat(self) -> str:
        return self.clean(lambda: "dckr_pat_" + self.s(ALNUM + "-_", 27))

    # --- AI --------------------------------------------------------------------

    def openai(self) -> str:
        return self.clean(lambda: "sk-proj-" + self.s(ALNUM + "-_", 74) + "T3BlbkFJ" + self.s(ALNUM + "-_", 74))

    def anthropic(self) -> str:
        return self.clean(lambda: "sk-ant-api03-" + self.s(ALNUM + "-_", 93) + "AA")

    def huggingface(self) -> str:
        return self.clean(lambda: "hf_" + self.s(UPPER + LOWER, 34))

    # --- Vault, databases, generic -----------------------------------------------

    def vault_service_token(self) -> str:
        return self.clean(lambda: "hvs.CAESI" + self.s(B64URL, 86), min_entropy=4.0)

    def password(self, n: int = 22) -> str:
        return self.clean(lambda: self.s(ALNUM, n - 2) + self.s("-_.!~", 1) + self.s(DIGITS, 1),
                          min_entropy=3.9, need_digit=True)

    def generic_secret(self, n: int = 32) -> str:
        return self.clean(lambda: self.s(ALNUM, n), min_entropy=4.2, need_digit=True)

    def kube_token(self) -> str:
        return self.clean(lambda: f"kubeconfig-u-{self.s(LOWER + DIGITS, 12)}:{self.s(LOWER + DIGITS, 52)}",
                          min_entropy=4.0)

    def hex_id(self, n: int) -> str:
        return self.s(HEX, n)

    # --- JWT -------------------------------------------------------------------

    def jwt(self, issuer: str, subject: str, signer=None) -> str:
        """An HS256 JWT, or RS256 when `signer` (a keys.RsaKey) is given."""
        alg = "RS256" if signer else "HS256"
        header = {"alg": alg, "typ": "JWT"}
        if signer:
            header["kid"] = self.s(HEX, 16)
        iat = 1735689600 + self.rng.randrange(0, 3600 * 24 * 300)
        payload = {"iss": issuer, "sub": subject, "aud": "api", "iat": iat, "exp": iat + 3600 * 24 * 365,
                   "jti": self.uuid4(), "scope": self.rng.choice(["read write", "admin", "payments:write", "deploy"])}
        signing_input = (b64url_nopad(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + b64url_nopad(json.dumps(payload, separators=(",", ":")).encode()))
        if signer:
            sig = signer.sign_sha256(signing_input.encode())
        else:
            sig = hmac.new(self.rng.randbytes(32), signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + b64url_nopad(sig)

    # --- harmless look-alikes (decoys) --------------------------------------------

    def sha512_integrity(self) -> str:
        return "sha512-" + base64.b64encode(self.rng.randbytes(64)).decode()

    def go_sum_hash(self) -> str:
        return "h1:" + base64.b64encode(self.rng.randbytes(32)).decode()

    def git_sha(self) -> str:
        return self.s(HEX, 40)
