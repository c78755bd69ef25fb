//! A compiled set of rules and the scan over content.

use std::{
    ops::Range,
    sync::{Arc, OnceLock},
};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use nhiscope_model::Redacted;

use crate::{
    RuleError, SecretMatch,
    allowlist::{Allowlist, Candidate},
    entropy::shannon_entropy,
    rule::Rule,
    spec::RuleFileSpec,
    text::{LineIndex, snippet},
};

/// The built-in rule files, compiled into the binary, in load order. Each is a
/// gitleaks-compatible rule file; together they are one rule set.
const BUILTIN_RULE_FILES: &[(&str, &str)] = &[
    (
        "rules/allowlists.toml",
        include_str!("../../../rules/allowlists.toml"),
    ),
    (
        "rules/cloud.toml",
        include_str!("../../../rules/cloud.toml"),
    ),
    (
        "rules/vcs-ci.toml",
        include_str!("../../../rules/vcs-ci.toml"),
    ),
    (
        "rules/registries.toml",
        include_str!("../../../rules/registries.toml"),
    ),
    ("rules/saas.toml", include_str!("../../../rules/saas.toml")),
    ("rules/ai.toml", include_str!("../../../rules/ai.toml")),
    (
        "rules/secret-managers.toml",
        include_str!("../../../rules/secret-managers.toml"),
    ),
    ("rules/keys.toml", include_str!("../../../rules/keys.toml")),
    (
        "rules/generic.toml",
        include_str!("../../../rules/generic.toml"),
    ),
];

/// A set of compiled rules with its global allowlists and keyword prefilter.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    global: Vec<Allowlist>,
    /// The automaton over every keyword of every rule.
    keywords: AhoCorasick,
    /// For each keyword pattern, the rules it enables.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: they always run.
    unconditional: Vec<usize>,
}

/// A rule whose examples disagree with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule's id.
    pub rule_id: String,
    /// The example, shown as written (examples are fake by contract).
    pub example: String,
    /// `true` for a negative example that matched, `false` for an example that
    /// did not.
    pub negative: bool,
}

/// A match before it is redacted and positioned.
struct RawMatch {
    rule: usize,
    secret: Range<usize>,
}

impl RuleSet {
    /// The built-in rules from the repository's `rules/default.toml`.
    pub fn builtin() -> Arc<RuleSet> {
        static BUILTIN: OnceLock<Arc<RuleSet>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Arc::new(
                    RuleSet::from_sources(BUILTIN_RULE_FILES)
                        .expect("the built-in rules compile: a unit test checks every rule"),
                )
            })
            .clone()
    }

    /// Compiles a rule file; `origin` names it in errors (a path, or `built-in`).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, RuleError> {
        Self::from_sources(&[(origin, text)])
    }

    /// Compiles several rule files, given as `(origin, text)`, into one set:
    /// their rules in order and their global allowlists together. A rule id
    /// may appear only once across all of them.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut global = Vec::new();
        for (origin, text) in sources {
            Self::compile_file(text, origin, &mut rules, &mut global)?;
        }
        Self::assemble(rules, global).map_err(|message| RuleError::Invalid {
            origin: sources
                .iter()
                .map(|(origin, _)| *origin)
                .collect::<Vec<_>>()
                .join(", "),
            rule_id: "(keywords)".into(),
            message,
        })
    }

    fn compile_file(
        text: &str,
        origin: &str,
        rules: &mut Vec<Rule>,
        global: &mut Vec<Allowlist>,
    ) -> Result<(), RuleError> {
        let spec: RuleFileSpec = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            RuleError::Parse {
                origin: origin.to_string(),
                line,
                column,
                message: error.message().trim().to_string(),
            }
        })?;
        let invalid = |rule_id: &str, message: String| RuleError::Invalid {
            origin: origin.to_string(),
            rule_id: rule_id.to_string(),
            message,
        };
        for allowlist in spec.allowlist.iter().chain(spec.allowlists.iter()) {
            global.push(
                Allowlist::compile(allowlist)
                    .map_err(|message| invalid("(global allowlist)", message))?,
            );
        }
        for rule in spec.rules {
            let id = rule.id.clone();
            if rules.iter().any(|existing: &Rule| existing.id == id) {
                return Err(invalid(&id, "the id is used by an earlier rule".into()));
            }
            rules.push(Rule::compile(rule).map_err(|message| invalid(&id, message))?);
        }
        Ok(())
    }

    fn assemble(rules: Vec<Rule>, global: Vec<Allowlist>) -> Result<Self, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unconditional = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                unconditional.push(index);
            }
            for keyword in &rule.keywords {
                match patterns.iter().position(|p| p == keyword) {
                    Some(existing) => keyword_rules[existing].push(index),
                    None => {
                        patterns.push(keyword.clone());
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|error| error.to_string())?;
        Ok(Self {
            rules,
            global,
            keywords,
            keyword_rules,
            unconditional,
        })
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule a [`SecretMatch`] refers to.
    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Whether a global allowlist excludes `path` outright, so the file need not
    /// be read at all.
    pub fn is_path_allowlisted(&self, path: &str) -> bool {
        self.global
            .iter()
            .any(|allowlist| allowlist.is_path_only() && allowlist.allows_path(path))
    }

    /// Finds every secret in `content`. `path` (relative to the scan root, `/`
    /// separated) enables path rules and path allowlists.
    pub fn scan(&self, path: Option<&str>, content: &[u8]) -> Vec<SecretMatch> {
        if path.is_some_and(|path| self.is_path_allowlisted(path)) {
            return Vec::new();
        }
        let candidates = self.candidate_rules(content);
        let mut raw: Vec<RawMatch> = Vec::new();
        let mut lines: Option<LineIndex<'_>> = None;
        for (index, rule) in self.rules.iter().enumerate() {
            if !candidates[index] {
                continue;
            }
            if let Some(path_regex) = &rule.path {
                match path {
                    Some(path) if path_regex.is_match(path.as_bytes()) => {}
                    _ => continue,
                }
            }
            let Some(regex) = &rule.regex else {
                // A path-only rule: the file itself is the finding.
                raw.push(RawMatch {
                    rule: index,
                    secret: 0..content.len(),
                });
                continue;
            };
            for captures in regex.captures_iter(content) {
                let whole = captures.get(0).expect("group 0 always participates");
                let secret = match rule.secret_group {
                    Some(group) => captures.get(group),
                    None => captures
                        .iter()
                        .skip(1)
                        .flatten()
                        .find(|group| !group.is_empty())
                        .or(Some(whole)),
                };
                let Some(secret) = secret else { continue };
                let secret_bytes = secret.as_bytes();
                if secret_bytes.is_empty() {
                    continue;
                }
                // gitleaks drops a hit whose entropy is at or below the threshold.
                if let Some(threshold) = rule.entropy
                    && shannon_entropy(secret_bytes) <= threshold
                {
                    continue;
                }
                if rule.generic && !secret_bytes.iter().any(u8::is_ascii_digit) {
                    continue;
                }
                let index_lines = lines.get_or_insert_with(|| LineIndex::new(content));
                let line = &content[index_lines.lines_bounds(&whole.range())];
                let candidate = Candidate {
                    path,
                    commit: None,
                    secret: secret_bytes,
                    whole_match: whole.as_bytes(),
                    line,
                };
                if self
                    .global
                    .iter()
                    .chain(rule.allowlists.iter())
                    .any(|allowlist| allowlist.allows(&candidate))
                {
                    continue;
                }
                raw.push(RawMatch {
                    rule: index,
                    secret: secret.range(),
                });
            }
        }
        let raw = self.drop_shadowed(raw);
        if raw.is_empty() {
            return Vec::new();
        }
        let lines = lines.unwrap_or_else(|| LineIndex::new(content));
        let redacted: Vec<Redacted> = raw
            .iter()
            .map(|m| Redacted::new(&content[m.secret.clone()]))
            .collect();
        let redactions: Vec<(Range<usize>, &str)> = raw
            .iter()
            .zip(&redacted)
            .map(|(m, secret)| (m.secret.clone(), secret.preview()))
            .collect();
        raw.iter()
            .zip(redacted.iter())
            .map(|(m, secret)| {
                let (line, column) = lines.position(m.secret.start);
                let (end_line, end_column) = lines.end_position(&m.secret);
                SecretMatch {
                    rule: m.rule,
                    secret: secret.clone(),
                    span: m.secret.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    snippet: snippet(
                        content,
                        lines.line_bounds(m.secret.start),
                        &redactions,
                        m.secret.start,
                    ),
                }
            })
            .collect()
    }

    /// Which rules the keyword prefilter lets run on `content`.
    fn candidate_rules(&self, content: &[u8]) -> Vec<bool> {
        let mut enabled = vec![false; self.rules.len()];
        for index in &self.unconditional {
            enabled[*index] = true;
        }
        for hit in self.keywords.find_overlapping_iter(content) {
            for rule in &self.keyword_rules[hit.pattern().as_usize()] {
                enabled[*rule] = true;
            }
        }
        enabled
    }

    /// Drops generic matches that overlap a specific rule's match, and exact
    /// duplicates; sorts by position.
    fn drop_shadowed(&self, mut raw: Vec<RawMatch>) -> Vec<RawMatch> {
        let specific: Vec<Range<usize>> = raw
            .iter()
            .filter(|m| !self.rules[m.rule].generic)
            .map(|m| m.secret.clone())
            .collect();
        raw.retain(|m| {
            !self.rules[m.rule].generic
                || !specific
                    .iter()
                    .any(|span| span.start < m.secret.end && m.secret.start < span.end)
        });
        raw.sort_by(|a, b| {
            (a.secret.start, a.secret.end, a.rule).cmp(&(b.secret.start, b.secret.end, b.rule))
        });
        raw.dedup_by(|a, b| a.secret == b.secret && a.rule == b.rule);
        raw
    }

    /// Runs every rule's `examples` (each must be found by its rule) and
    /// `negative_examples` (none may be found by its rule).
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            for example in &rule.examples {
                if !self
                    .scan(None, example.as_bytes())
                    .iter()
                    .any(|m| m.rule == index)
                {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        example: example.clone(),
                        negative: false,
                    });
                }
            }
            for example in &rule.negative_examples {
                if self
                    .scan(None, example.as_bytes())
                    .iter()
                    .any(|m| m.rule == index)
                {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        example: example.clone(),
                        negative: true,
                    });
                }
            }
        }
        failures
    }
}

/// 1-based line and column of a byte offset in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
