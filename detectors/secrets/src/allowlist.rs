//! Allowlists: the gitleaks way of saying "this match is not a secret".

use regex::bytes::Regex;

use crate::spec::AllowlistSpec;

/// What an allowlist's regexes are matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegexTarget {
    /// The secret (the secret group), gitleaks' default.
    Secret,
    /// The whole regex match.
    Match,
    /// The line(s) the match is on.
    Line,
}

/// The parts of a candidate match an allowlist looks at.
pub(crate) struct Candidate<'a> {
    pub path: Option<&'a str>,
    pub commit: Option<&'a str>,
    pub secret: &'a [u8],
    pub whole_match: &'a [u8],
    pub line: &'a [u8],
}

/// A compiled allowlist. With `all_conditions` (gitleaks' `condition = "AND"`)
/// every check it has must match; otherwise any one suffices.
#[derive(Debug)]
pub(crate) struct Allowlist {
    all_conditions: bool,
    commits: Vec<String>,
    paths: Vec<Regex>,
    regex_target: RegexTarget,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

impl Allowlist {
    /// Compiles a spec; errors name the offending field.
    pub fn compile(spec: &AllowlistSpec) -> Result<Self, String> {
        let all_conditions = match spec.condition.as_deref().map(str::to_ascii_uppercase) {
            None => false,
            Some(condition) if condition == "OR" => false,
            Some(condition) if condition == "AND" => true,
            Some(other) => {
                return Err(format!("allowlist condition `{other}` is not OR or AND"));
            }
        };
        let regex_target = match spec.regex_target.as_deref() {
            None | Some("secret") => RegexTarget::Secret,
            Some("match") => RegexTarget::Match,
            Some("line") => RegexTarget::Line,
            Some(other) => {
                return Err(format!(
                    "allowlist regexTarget `{other}` is not secret, match or line"
                ));
            }
        };
        let compile_all = |field: &str, patterns: &[String]| {
            patterns
                .iter()
                .map(|pattern| {
                    crate::rule::compile_regex(pattern)
                        .map_err(|error| format!("allowlist {field} `{pattern}`: {error}"))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            all_conditions,
            commits: spec.commits.clone(),
            paths: compile_all("path", &spec.paths)?,
            regex_target,
            regexes: compile_all("regex", &spec.regexes)?,
            stopwords: spec
                .stopwords
                .iter()
                .map(|word| word.to_ascii_lowercase())
                .collect(),
        })
    }

    /// Whether this allowlist only looks at paths, so a file can be skipped
    /// before it is read.
    pub fn is_path_only(&self) -> bool {
        !self.paths.is_empty()
            && self.commits.is_empty()
            && self.regexes.is_empty()
            && self.stopwords.is_empty()
    }

    /// Whether `path` matches one of the path patterns.
    pub fn allows_path(&self, path: &str) -> bool {
        self.paths
            .iter()
            .any(|pattern| pattern.is_match(path.as_bytes()))
    }

    /// Whether the candidate is allowed (not reported).
    pub fn allows(&self, candidate: &Candidate<'_>) -> bool {
        let mut checks: Vec<bool> = Vec::with_capacity(4);
        if !self.commits.is_empty() {
            checks.push(
                candidate
                    .commit
                    .is_some_and(|commit| self.commits.iter().any(|c| c == commit)),
            );
        }
        if !self.paths.is_empty() {
            checks.push(candidate.path.is_some_and(|path| self.allows_path(path)));
        }
        if !self.regexes.is_empty() {
            let target = match self.regex_target {
                RegexTarget::Secret => candidate.secret,
                RegexTarget::Match => candidate.whole_match,
                RegexTarget::Line => candidate.line,
            };
            checks.push(self.regexes.iter().any(|regex| regex.is_match(target)));
        }
        if !self.stopwords.is_empty() {
            let secret = String::from_utf8_lossy(candidate.secret).to_ascii_lowercase();
            checks.push(self.stopwords.iter().any(|word| secret.contains(word)));
        }
        if checks.is_empty() {
            return false;
        }
        if self.all_conditions {
            checks.iter().all(|check| *check)
        } else {
            checks.iter().any(|check| *check)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate<'a>(path: &'a str, secret: &'a str) -> Candidate<'a> {
        Candidate {
            path: Some(path),
            commit: None,
            secret: secret.as_bytes(),
            whole_match: secret.as_bytes(),
            line: secret.as_bytes(),
        }
    }

    #[test]
    fn or_and_and_conditions() {
        let spec = AllowlistSpec {
            paths: vec![r"\.md$".into()],
            stopwords: vec!["TEST".into()],
            ..Default::default()
        };
        let any = Allowlist::compile(&spec).expect("compiles");
        assert!(any.allows(&candidate("README.md", "abc")));
        assert!(any.allows(&candidate("app.py", "xtestx")));
        assert!(!any.allows(&candidate("app.py", "abc")));
        let all = Allowlist::compile(&AllowlistSpec {
            condition: Some("AND".into()),
            ..spec
        })
        .expect("compiles");
        assert!(!all.allows(&candidate("README.md", "abc")));
        assert!(all.allows(&candidate("README.md", "xtestx")));
    }

    #[test]
    fn bad_fields_are_named() {
        let error = Allowlist::compile(&AllowlistSpec {
            regex_target: Some("file".into()),
            ..Default::default()
        })
        .expect_err("bad target");
        assert!(error.contains("regexTarget `file`"), "{error}");
        let error = Allowlist::compile(&AllowlistSpec {
            regexes: vec!["(".into()],
            ..Default::default()
        })
        .expect_err("bad regex");
        assert!(error.starts_with("allowlist regex `(`"), "{error}");
    }
}
