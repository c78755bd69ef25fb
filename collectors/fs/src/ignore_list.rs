//! `.gitleaksignore`: findings a team has reviewed and accepted.

use std::{collections::HashSet, path::Path};

use nhiscope_model::FindingFingerprint;

/// The name of the file, read from the root of each scanned directory or
/// repository.
pub const GITLEAKSIGNORE: &str = ".gitleaksignore";

/// Findings to leave out, as gitleaks writes them — `path:rule-id:line`, or
/// `commit:path:rule-id:line` for history — or as nhiscope finding
/// fingerprints (64 hex digits). Blank lines and `#` comments are ignored.
#[derive(Debug, Default, Clone)]
pub struct IgnoreList {
    entries: HashSet<String>,
}

impl IgnoreList {
    /// Parses the file's text.
    pub fn parse(text: &str) -> Self {
        Self {
            entries: text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_string)
                .collect(),
        }
    }

    /// Reads `root/.gitleaksignore`; no file means an empty list.
    pub fn read(root: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(root.join(GITLEAKSIGNORE)) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(error),
        }
    }

    /// Whether the finding is listed.
    pub fn ignores(
        &self,
        commit: Option<&str>,
        relative: &str,
        rule_id: &str,
        line: u32,
        fingerprint: &FindingFingerprint,
    ) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let plain = format!("{relative}:{rule_id}:{line}");
        self.entries.contains(&plain)
            || self.entries.contains(&fingerprint.to_string())
            || commit.is_some_and(|commit| self.entries.contains(&format!("{commit}:{plain}")))
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitleaks_and_nhiscope_entries() {
        let fingerprint = FindingFingerprint::derive("r", &["x"]);
        let list = IgnoreList::parse(&format!(
            "# reviewed\napp/.env:github-pat:3\n\nabc123:old.txt:aws-access-key-id:1\n{fingerprint}\n"
        ));
        let other = FindingFingerprint::derive("r", &["y"]);
        assert!(list.ignores(None, "app/.env", "github-pat", 3, &other));
        assert!(!list.ignores(None, "app/.env", "github-pat", 4, &other));
        assert!(list.ignores(Some("abc123"), "old.txt", "aws-access-key-id", 1, &other));
        assert!(!list.ignores(None, "old.txt", "aws-access-key-id", 1, &other));
        assert!(list.ignores(None, "z", "q", 9, &fingerprint));
    }
}
