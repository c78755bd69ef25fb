//! A compiled set of rules: what it holds and how it checks itself. Loading
//! lives in `load.rs`, matching in `scan.rs`.

use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;

use crate::{allowlist::Allowlist, rule::Rule};

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
    pub(crate) rules: Vec<Rule>,
    pub(crate) global: Vec<Allowlist>,
    /// The automaton over every keyword of every rule.
    pub(crate) keywords: AhoCorasick,
    /// For each keyword pattern, the rules it enables.
    pub(crate) keyword_rules: Vec<Vec<usize>>,
    /// For each rule, the keyword patterns that enable it.
    pub(crate) rule_patterns: Vec<Vec<usize>>,
    /// Rules without keywords: they always run.
    pub(crate) unconditional: Vec<usize>,
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

impl RuleSet {
    /// The built-in rules from the repository's `rules/` folder.
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

    /// The built-in rule files as `(origin, text)`, for building on them.
    pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
        BUILTIN_RULE_FILES
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule a [`SecretMatch`](crate::SecretMatch) refers to.
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

    /// Runs every rule's `examples` (each must be found by its rule) and
    /// `negative_examples` (none may be found by its rule).
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let cases = rule
                .examples
                .iter()
                .map(|example| (example, false))
                .chain(rule.negative_examples.iter().map(|example| (example, true)));
            for (example, negative) in cases {
                let found = self
                    .scan(None, example.as_bytes())
                    .iter()
                    .any(|m| m.rule == index);
                if found == negative {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        example: example.clone(),
                        negative,
                    });
                }
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests;
