"""Real key material, reproducible from a seed.

`openssl genrsa` and `ssh-keygen -t` cannot be seeded, so the numbers come from
the generator's `random.Random` and the encodings are checked and finished by
the real tools: `openssl` parses every key (and derives the EC and Ed25519
public halves), and `ssh-keygen -y` parses every OpenSSH key. The same seed
therefore gives byte-identical keys on every machine, and every key is one
that OpenSSL and OpenSSH accept.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from random import Random

# --- DER ---------------------------------------------------------------------


def der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def der_int(x: int) -> bytes:
    return der(0x02, x.to_bytes(x.bit_length() // 8 + 1, "big"))


def der_seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        body.extend(reversed(chunk))
    return der(0x06, bytes(body))


DER_NULL = b"\x05\x00"
OID_RSA = "1.2.840.113549.1.1.1"
OID_SHA256_RSA = "1.2.840.113549.1.1.11"
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def pem(label: str, blob: bytes, width: int = 64) -> str:
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i : i + width] for i in range(0, len(b64), width)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def openssl(args: list[str], data: bytes) -> bytes:
    try:
        done = subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise SystemExit("error: `openssl` is not on PATH; install it (Debian: apt-get install openssl)")
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


# --- RSA ---------------------------------------------------------------------


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    return [i for i in range(3, limit + 1) if sieve[i]]


_SMALL_PRIMES = _small_primes(1 << 15)


def _miller_rabin(n: int, a: int, d: int, s: int) -> bool:
    x = pow(a, d, n)
    if x in (1, n - 1):
        return True
    for _ in range(s - 1):
        x = x * x % n
        if x == n - 1:
            return True
    return False


def _prime(bits: int, rng: Random, e: int) -> int:
    span = 4096
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * span  # alive[k] stands for start + 2k
        for p in _SMALL_PRIMES:
            k = ((p - start % p) * ((p + 1) // 2)) % p
            alive[k::p] = bytearray(len(alive[k::p]))
        for k in range(span):
            if not alive[k]:
                continue
            n = start + 2 * k
            if n.bit_length() != bits:
                break
            if (n - 1) % e == 0:
                continue
            d, s = n - 1, 0
            while not d & 1:
                d >>= 1
                s += 1
            if _miller_rabin(n, 2, d, s) and all(
                _miller_rabin(n, rng.randrange(3, n - 2), d, s) for _ in range(6)
            ):
                return n


@dataclass(frozen=True)
class RsaKey:
    n: int
    e: int
    d: int
    p: int
    q: int

    @staticmethod
    def generate(rng: Random, bits: int = 2048) -> "RsaKey":
        e = 65537
        while True:
            p = _prime(bits // 2, rng, e)
            q = _prime(bits // 2, rng, e)
            if p == q:
                continue
            if p < q:
                p, q = q, p
            n = p * q
            if n.bit_length() != bits:
                continue
            lam = (p - 1) * (q - 1) // _gcd(p - 1, q - 1)
            return RsaKey(n=n, e=e, d=pow(e, -1, lam), p=p, q=q)

    def pkcs1_der(self) -> bytes:
        p, q, d = self.p, self.q, self.d
        return der_seq(
            der_int(0), der_int(self.n), der_int(self.e), der_int(d), der_int(p), der_int(q),
            der_int(d % (p - 1)), der_int(d % (q - 1)), der_int(pow(q, -1, p)),
        )

    def spki_der(self) -> bytes:
        alg = der_seq(der_oid(OID_RSA), DER_NULL)
        return der_seq(alg, der(0x03, b"\x00" + der_seq(der_int(self.n), der_int(self.e))))

    @functools.cache
    def pkcs1_pem(self) -> str:
        """`-----BEGIN RSA PRIVATE KEY-----`, as parsed and written by openssl."""
        return openssl(["rsa", "-inform", "DER", "-outform", "PEM", "-traditional"], self.pkcs1_der()).decode()

    @functools.cache
    def pkcs8_pem(self) -> str:
        """`-----BEGIN PRIVATE KEY-----`, as parsed and written by openssl."""
        return openssl(["pkey", "-inform", "DER", "-outform", "PEM"], self.pkcs1_der()).decode()

    def public_pem(self) -> str:
        return openssl(["pkey", "-inform", "DER", "-pubout"], self.pkcs1_der()).decode()

    def sign_sha256(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (deterministic, as in X.509 and RS256)."""
        k = (self.n.bit_length() + 7) // 8
        t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        em = int.from_bytes(b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t, "big")
        p, q = self.p, self.q  # CRT: two half-size exponentiations instead of one full one
        m1, m2 = pow(em, self.d % (p - 1), p), pow(em, self.d % (q - 1), q)
        s = m2 + (pow(q, -1, p) * (m1 - m2) % p) * q
        return s.to_bytes(k, "big")


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# --- EC P-256 ----------------------------------------------------------------

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class EcKey:
    sec1_pem_text: str

    @staticmethod
    def generate(rng: Random) -> "EcKey":
        d = rng.randrange(1, P256_ORDER)
        # ECPrivateKey without the optional public key; openssl derives and adds it.
        body = der_seq(der_int(1), der(0x04, d.to_bytes(32, "big")), der(0xA0, der_oid("1.2.840.10045.3.1.7")))
        return EcKey(openssl(["ec", "-inform", "DER", "-outform", "PEM"], body).decode())

    def sec1_pem(self) -> str:
        """`-----BEGIN EC PRIVATE KEY-----`."""
        return self.sec1_pem_text

    def pkcs8_pem(self) -> str:
        return openssl(["pkey"], self.sec1_pem_text.encode()).decode()

    def public_pem(self) -> str:
        return openssl(["pkey", "-pubout"], self.sec1_pem_text.encode()).decode()


# --- Ed25519 and OpenSSH -------------------------------------------------------


def _ssh_string(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def _ssh_mpint(x: int) -> bytes:
    return _ssh_string(x.to_bytes(x.bit_length() // 8 + 1, "big") if x else b"")


def _openssh_armor(public_blob: bytes, private_fields: bytes, comment: str, checkint: int) -> str:
    private = struct.pack(">II", checkint, checkint) + private_fields + _ssh_string(comment.encode())
    pad = 1
    while len(private) % 8:
        private += bytes([pad])
        pad += 1
    blob = (
        b"openssh-key-v1\x00" + _ssh_string(b"none") + _ssh_string(b"none") + _ssh_string(b"")
        + struct.pack(">I", 1) + _ssh_string(public_blob) + _ssh_string(private)
    )
    return pem("OPENSSH PRIVATE KEY", blob, width=70)


def ssh_public_line(private_pem: str) -> str:
    """`ssh-keygen -y`: parses the private key and prints its public line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "key")
        with open(path, "w") as f:
            f.write(private_pem)
        os.chmod(path, 0o600)
        try:
            done = subprocess.run(["ssh-keygen", "-y", "-f", path], capture_output=True, check=False)
        except FileNotFoundError:
            raise SystemExit("error: `ssh-keygen` is not on PATH; install it (Debian: apt-get install openssh-client)")
        if done.returncode != 0:
            raise RuntimeError(f"ssh-keygen -y rejected a generated key: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode().strip()


@dataclass(frozen=True)
class Ed25519Key:
    seed: bytes
    public: bytes

    @staticmethod
    def generate(rng: Random) -> "Ed25519Key":
        seed = rng.randbytes(32)
        pkcs8 = bytes.fromhex("302e020100300506032b657004220420") + seed
        spki = openssl(["pkey", "-inform", "DER", "-pubout", "-outform", "DER"], pkcs8)
        return Ed25519Key(seed=seed, public=spki[-32:])

    def pkcs8_pem(self) -> str:
        return openssl(["pkey", "-inform", "DER"], bytes.fromhex("302e020100300506032b657004220420") + self.seed).decode()

    def openssh_pem(self, comment: str, checkint: int) -> str:
        pub_blob = _ssh_string(b"ssh-ed25519") + _ssh_string(self.public)
        fields = _ssh_string(b"ssh-ed25519") + _ssh_string(self.public) + _ssh_string(self.seed + self.public)
        return _openssh_armor(pub_blob, fields, comment, checkint)

    def ssh_public(self, comment: str) -> str:
        blob = _ssh_string(b"ssh-ed25519") + _ssh_string(self.public)
        return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def rsa_openssh_pem(key: RsaKey, comment: str, checkint: int) -> str:
    pub_blob = _ssh_string(b"ssh-rsa") + _ssh_mpint(key.e) + _ssh_mpint(key.n)
    fields = (
        _ssh_string(b"ssh-rsa") + _ssh_mpint(key.n) + _ssh_mpint(key.e) + _ssh_mpint(key.d)
        + _ssh_mpint(pow(key.q, -1, key.p)) + _ssh_mpint(key.p) + _ssh_mpint(key.q)
    )
    return _openssh_armor(pub_blob, fields, comment, checkint)


# --- X.509 -------------------------------------------------------------------


def _name(cn: str, org: str) -> bytes:
    def rdn(oid: str, value: str) -> bytes:
        return der(0x31, der_seq(der_oid(oid), der(0x0C, value.encode())))

    return der_seq(rdn("2.5.4.10", org), rdn("2.5.4.3", cn))


def self_signed_certificate(key: RsaKey, cn: str, org: str, serial: int, not_before: str, not_after: str,
                            dns_names: list[str], ca: bool) -> str:
    """A v3 certificate signed by `key`; dates are UTCTime strings (YYMMDDHHMMSSZ)."""
    alg = der_seq(der_oid(OID_SHA256_RSA), DER_NULL)
    extensions = [der_seq(der_oid("2.5.29.19"), der(0x01, b"\xff"), der(0x04, der_seq(der(0x01, b"\xff") if ca else b"")))]
    if dns_names:
        san = der_seq(*[der(0x82, n.encode()) for n in dns_names])
        extensions.append(der_seq(der_oid("2.5.29.17"), der(0x04, san)))
    tbs = der_seq(
        der(0xA0, der_int(2)), der_int(serial), alg, _name(cn, org),
        der_seq(der(0x17, not_before.encode()), der(0x17, not_after.encode())),
        _name(cn, org), key.spki_der(), der(0xA3, der_seq(*extensions)),
    )
    cert = der_seq(tbs, alg, der(0x03, b"\x00" + key.sign_sha256(tbs)))
    return openssl(["x509", "-inform", "DER", "-outform", "PEM"], cert).decode()
