//! Validators: structural checks a candidate secret must pass to be reported.
//!
//! A regex says a value has the shape of a credential; a validator checks what
//! the shape alone cannot: GitHub's embedded checksum, the AWS key id alphabet,
//! that a JWT's header and payload are JSON, that a PEM or OpenSSH key's body
//! decodes to key material. None of them makes a network call.

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD},
};

/// A named structural check, referenced from a rule's `validators` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` tokens: the last six characters are
    /// the base62 CRC32 of the rest.
    GithubChecksum,
    /// AWS access key ids: a known four-letter prefix and sixteen base32
    /// (`A-Z2-7`) characters.
    AwsKeyId,
    /// JSON Web Tokens: three base64url parts whose first two are JSON objects,
    /// the header naming an `alg`.
    Jwt,
    /// PEM private keys: a base64 body that decodes to a DER structure.
    Pem,
    /// OpenSSH private keys: a body that decodes to `openssh-key-v1`.
    OpenSsh,
}

impl Validator {
    /// Every validator, by name.
    pub const ALL: &'static [(&'static str, Validator)] = &[
        ("github-checksum", Validator::GithubChecksum),
        ("aws-key-id", Validator::AwsKeyId),
        ("jwt", Validator::Jwt),
        ("pem", Validator::Pem),
        ("openssh", Validator::OpenSsh),
    ];

    /// Parses a validator name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, validator)| *validator)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(name, _)| *name).collect();
                format!(
                    "unknown validator `{name}`: expected one of {}",
                    names.join(", ")
                )
            })
    }

    /// The validator's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, validator)| *validator == self)
            .map_or("", |(name, _)| name)
    }

    /// Whether `secret` passes.
    pub fn accepts(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubChecksum => github_checksum(secret),
            Validator::AwsKeyId => aws_key_id(secret),
            Validator::Jwt => jwt(secret),
            Validator::Pem => pem(secret),
            Validator::OpenSsh => openssh(secret),
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn github_checksum(secret: &[u8]) -> bool {
    let Some(underscore) = secret.iter().position(|b| *b == b'_') else {
        return false;
    };
    let body = &secret[underscore + 1..];
    if body.len() < 7 {
        return false;
    }
    let (payload, checksum) = body.split_at(body.len() - 6);
    let mut value = crc32fast::hash(payload);
    let mut expected = [b'0'; 6];
    for slot in expected.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    value == 0 && expected == checksum
}

/// Facts a validator can read off a secret that are not themselves secret:
/// the AWS account an access key id belongs to. Correlation uses them to tell
/// a deleted key (its account was scanned and lacks it) from one of an
/// account nhiscope does not see.
pub fn facts(validators: &[Validator], secret: &[u8]) -> Vec<(&'static str, String)> {
    let mut facts = Vec::new();
    if validators.contains(&Validator::AwsKeyId)
        && let Some(account) = aws_key_account(secret)
    {
        facts.push(("aws_account", account));
    }
    facts
}

/// The account id encoded in an AWS access key id (keys issued since 2019):
/// bits 1..=40 of the base32-decoded characters after the four-letter prefix,
/// shifted right by 7 (a documented property of AWS key ids).
fn aws_key_account(secret: &[u8]) -> Option<String> {
    if !aws_key_id(secret) {
        return None;
    }
    let mut bits: u64 = 0;
    for &byte in &secret[4..14] {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'2'..=b'7' => byte - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(value);
    }
    // 10 characters = 50 bits; the first 6 bytes (48 bits) are the prefix.
    let first_six_bytes = bits >> 2;
    let account = (first_six_bytes & 0x7fff_ffff_ff80) >> 7;
    Some(format!("{account:012}"))
}

fn aws_key_id(secret: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 4] = [b"AKIA", b"ASIA", b"ABIA", b"ACCA"];
    secret.len() == 20
        && PREFIXES.iter().any(|prefix| secret.starts_with(prefix))
        && secret[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
}

fn jwt(secret: &[u8]) -> bool {
    let parts: Vec<&[u8]> = secret.split(|b| *b == b'.').collect();
    if parts.len() != 3 || parts.iter().any(|part| part.is_empty()) {
        return false;
    }
    let json = |part: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        let trimmed: Vec<u8> = part.iter().copied().filter(|b| *b != b'=').collect();
        let decoded = URL_SAFE_NO_PAD.decode(trimmed).ok()?;
        match serde_json::from_slice(&decoded).ok()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        }
    };
    match (json(parts[0]), json(parts[1])) {
        (Some(header), Some(_payload)) => header.contains_key("alg"),
        _ => false,
    }
}

/// The base64 body of a PEM block: the lines between BEGIN and END, without
/// RFC 1421 headers (`Proc-Type:`), whitespace or JSON-escaped line breaks.
fn pem_body(secret: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(secret)
        .replace("\\n", "\n")
        .replace("\\r", "");
    let start = text.find("-----BEGIN")?;
    let after_begin = start + text[start..].find('\n')?;
    let end = text.rfind("-----END")?;
    if end <= after_begin {
        return None;
    }
    let mut body = Vec::new();
    for line in text[after_begin..end].lines() {
        let line = line.trim().trim_matches('"');
        if line.contains(':') {
            continue;
        }
        body.extend(line.bytes().filter(|b| !b.is_ascii_whitespace()));
    }
    Some(body)
}

fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    STANDARD
        .decode(body)
        .or_else(|_| STANDARD_NO_PAD.decode(body))
        .ok()
}

fn pem(secret: &[u8]) -> bool {
    let Some(body) = pem_body(secret) else {
        return false;
    };
    // PGP armour carries a `=XXXX` checksum line after the body.
    let body: Vec<u8> = match body.iter().rposition(|b| *b == b'=') {
        Some(at) if secret.windows(3).any(|w| w == b"PGP") && body.len() - at == 5 => {
            body[..at].to_vec()
        }
        _ => body,
    };
    match decode_base64(&body) {
        // DER starts with a SEQUENCE; a PGP secret-key packet has its high bit set.
        Some(der) if der.len() >= 16 => der[0] == 0x30 || der[0] & 0x80 != 0,
        _ => false,
    }
}

fn openssh(secret: &[u8]) -> bool {
    pem_body(secret)
        .and_then(|body| decode_base64(&body))
        .is_some_and(|key| key.starts_with(b"openssh-key-v1\0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksums() {
        assert!(Validator::GithubChecksum.accepts(b"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"));
        assert!(!Validator::GithubChecksum.accepts(b"ghp_QoaF1LlqsajAIxNKu8iS2G8NPRVdD527xFxK"));
        assert!(!Validator::GithubChecksum.accepts(b"ghp_16C7e42F292c6912E7710c838347Ae178B4a"));
    }

    #[test]
    fn aws_key_ids_name_their_account() {
        // Keys whose account is public in AWS's own documentation of the
        // technique: ASIAY34FZKBOKMUTVV7A belongs to account 609629065308.
        assert_eq!(
            aws_key_account(b"ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        assert_eq!(
            facts(&[Validator::AwsKeyId], b"ASIAY34FZKBOKMUTVV7A"),
            vec![("aws_account", "609629065308".to_string())]
        );
        assert!(facts(&[Validator::Jwt], b"ASIAY34FZKBOKMUTVV7A").is_empty());
    }

    #[test]
    fn aws_key_ids() {
        assert!(Validator::AwsKeyId.accepts(b"AKIAUJZDEGXDNCF32EPF"));
        assert!(!Validator::AwsKeyId.accepts(b"AKIAUJZDEGXDNCF32EP0"));
        assert!(!Validator::AwsKeyId.accepts(b"AKIDUJZDEGXDNCF32EPF"));
    }

    #[test]
    fn jwts() {
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert!(Validator::Jwt.accepts(good));
        assert!(!Validator::Jwt.accepts(b"eyJub3QiOiJqc29uIn0.eyJzdWIiOiJ4In0.c2ln"));
        assert!(!Validator::Jwt.accepts(b"eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln"));
    }

    #[test]
    fn pem_and_openssh_keys() {
        let pkcs8 = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMkYv8KE8NJAugWdFQLCpx3VYkyNAa4H5iXvSymKbQui\n-----END PRIVATE KEY-----";
        assert!(Validator::Pem.accepts(pkcs8));
        let escaped = b"-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIMkYv8KE8NJAugWdFQLCpx3VYkyNAa4H5iXvSymKbQui\\n-----END PRIVATE KEY-----";
        assert!(Validator::Pem.accepts(escaped));
        let garbage = b"-----BEGIN PRIVATE KEY-----\nthis is not base64 at all, just words!\n-----END PRIVATE KEY-----";
        assert!(!Validator::Pem.accepts(garbage));
        let ssh = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACC45SBt9EIhKH9DZbm1rzptdUGTObh7enSSO3b8ANUKLwAAAJiB0R8DgdEf\n-----END OPENSSH PRIVATE KEY-----";
        assert!(Validator::OpenSsh.accepts(ssh));
        assert!(!Validator::OpenSsh.accepts(pkcs8));
    }

    #[test]
    fn names_round_trip() {
        for (name, validator) in Validator::ALL {
            assert_eq!(Validator::parse(name), Ok(*validator));
            assert_eq!(validator.name(), *name);
        }
        assert!(Validator::parse("luhn").is_err());
    }
}
