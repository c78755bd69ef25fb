//! Secrets as a type: what leaves the matcher is a fingerprint and a preview.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The sha256 of a value, used to recognise the same secret (or the same
/// identifier) wherever it appears without keeping the value itself.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Fingerprints `value` with sha256.
    pub fn of(value: &[u8]) -> Self {
        let digest = Sha256::digest(value);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&digest);
        Self(bytes)
    }

    /// Fingerprints several parts as one value, with each part length-prefixed so
    /// that `("ab", "c")` and `("a", "bc")` differ.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&hasher.finalize());
        Self(bytes)
    }

    /// The fingerprint as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits back into a fingerprint.
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a fingerprint is 64 hex digits"))
    }
}

/// A secret that can be shown and compared but never revealed.
///
/// Built from the raw value, it keeps only the value's sha256 [`Fingerprint`], its
/// length and a short preview (`AKIA…WX6H`); the raw bytes are not stored, so no
/// `Debug`, `Display` or `Serialize` of it can leak them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redacted {
    fingerprint: Fingerprint,
    preview: String,
    length: usize,
}

/// The ellipsis placed between the kept head and tail of a preview.
const ELLIPSIS: char = '…';

impl Redacted {
    /// Redacts `secret`: fingerprints it and keeps a preview of at most four
    /// characters at each end, fewer for short values, none for very short ones.
    pub fn new(secret: &[u8]) -> Self {
        let text = String::from_utf8_lossy(secret);
        let chars: Vec<char> = text.chars().collect();
        let keep = match chars.len() {
            0..=11 => 0,
            12..=19 => 2,
            _ => 4,
        };
        let printable = |c: &char| if c.is_control() { '?' } else { *c };
        let preview = if keep == 0 {
            ELLIPSIS.to_string()
        } else {
            let head: String = chars[..keep].iter().map(printable).collect();
            let tail: String = chars[chars.len() - keep..].iter().map(printable).collect();
            format!("{head}{ELLIPSIS}{tail}")
        };
        Self {
            fingerprint: Fingerprint::of(secret),
            preview,
            length: secret.len(),
        }
    }

    /// Rebuilds a redacted value from its stored parts (the store and reports
    /// read these back); it never had a raw value to leak.
    pub fn from_parts(fingerprint: Fingerprint, preview: String, length: usize) -> Self {
        Self {
            fingerprint,
            preview,
            length,
        }
    }

    /// The sha256 of the raw value.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The short preview, such as `AKIA…WX6H`.
    pub fn preview(&self) -> &str {
        &self.preview
    }

    /// The length of the raw value in bytes.
    pub fn len(&self) -> usize {
        self.length
    }

    /// Whether the raw value was empty.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Redacted({} len={} sha256:{})",
            self.preview,
            self.length,
            &self.fingerprint.to_hex()[..12]
        )
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.preview)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzkq8jT1aB";

    #[test]
    fn no_rendering_reveals_the_raw_value() {
        let redacted = Redacted::new(SECRET.as_bytes());
        let renderings = [
            format!("{redacted}"),
            format!("{redacted:?}"),
            format!("{redacted:#?}"),
            serde_json::to_string(&redacted).expect("serialises"),
        ];
        for rendering in renderings {
            assert!(!rendering.contains(SECRET), "{rendering}");
            // No run of 9 consecutive characters of the secret survives.
            for window in SECRET.as_bytes().windows(9) {
                let window = std::str::from_utf8(window).expect("ascii");
                assert!(!rendering.contains(window), "{rendering} leaks {window}");
            }
        }
    }

    #[test]
    fn preview_keeps_ends_by_length() {
        assert_eq!(
            Redacted::new(b"AKIAZ3MBBGW2RTQ5WX6H").preview(),
            "AKIA…WX6H"
        );
        assert_eq!(Redacted::new(b"abcdefghijkl").preview(), "ab…kl");
        assert_eq!(Redacted::new(b"hunter2").preview(), "…");
        assert_eq!(
            Redacted::new(b"line\nbreak-and-more-text").preview(),
            "line…text"
        );
        assert_eq!(Redacted::new(b"ab\ncdefghijklm").preview(), "ab…lm");
        assert_eq!(Redacted::new(b"a\x01cdefghijklm").preview(), "a?…lm");
    }

    #[test]
    fn fingerprint_is_sha256_and_round_trips() {
        let fingerprint = Fingerprint::of(b"abc");
        assert_eq!(
            fingerprint.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Fingerprint::from_hex(&fingerprint.to_hex()),
            Some(fingerprint)
        );
        let redacted = Redacted::new(SECRET.as_bytes());
        let json = serde_json::to_string(&redacted).expect("serialises");
        let back: Redacted = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, redacted);
        assert_eq!(back.len(), SECRET.len());
    }

    #[test]
    fn parts_are_length_prefixed() {
        assert_ne!(
            Fingerprint::of_parts(&[b"ab", b"c"]),
            Fingerprint::of_parts(&[b"a", b"bc"])
        );
    }
}
