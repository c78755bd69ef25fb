//! Values that look like credentials but are published examples.
//!
//! Each is documented by its issuer as an example that grants nothing; finding
//! one is noise. Placeholders and references (`xxxx`, `<your-key>`, `${VAR}`)
//! are handled by the global allowlists in `rules/allowlists.toml`.

/// The published example values, exactly.
const KNOWN_FAKES: &[&str] = &[
    // AWS documentation's example access key pair (IAM User Guide).
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
    // The token jwt.io shows by default (HS256, secret "your-256-bit-secret").
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // Stripe documentation's example restricted/secret keys in API references.
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "rk_live_4eC39HqLyjWDarjtT1zdp7dc",
    // Slack's documented sample webhook path.
    "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    // Azure Storage emulator (Azurite) well-known account key.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
];

/// Whether `secret` is a published example value.
pub(crate) fn is_known_fake(secret: &[u8]) -> bool {
    KNOWN_FAKES.iter().any(|fake| fake.as_bytes() == secret)
}
