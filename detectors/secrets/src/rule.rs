//! One compiled rule.

use nhiscope_model::{CredentialType, Severity};
use regex::bytes::{Regex, RegexBuilder};

use crate::{Validator, allowlist::Allowlist, spec::RuleSpec};

/// How large a compiled regex may grow. gitleaks' generic rules are big once
/// case-folded; the default limit of the regex crate rejects some of them.
const REGEX_SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// Compiles a pattern the way every rule and allowlist regex is compiled: in
/// gitleaks' (Go RE2) dialect, where `\w`, `\d`, `\s` and `\b` are ASCII-only.
pub(crate) fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(&escape_literal_braces(pattern))
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| {
            error
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
}

/// Escapes each `{` that does not open a repetition (`{n}`, `{n,}`, `{n,m}`).
///
/// gitleaks rules are Go RE2 patterns, and RE2 reads such a brace as a literal
/// (`\$\{\d+}` in gitleaks' own allowlist); Rust's regex rejects it.
fn escape_literal_braces(pattern: &str) -> std::borrow::Cow<'_, str> {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    let mut changed = false;
    let mut in_class = false;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b'\\' => {
                let end = pattern[index + 1..]
                    .chars()
                    .next()
                    .map_or(bytes.len(), |c| index + 1 + c.len_utf8());
                out.push_str(&pattern[index..end]);
                index = end;
                continue;
            }
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'{' if !in_class && !opens_repetition(&bytes[index + 1..]) => {
                out.push_str("\\{");
                changed = true;
                index += 1;
                continue;
            }
            _ => {}
        }
        let end = pattern[index..]
            .chars()
            .next()
            .map_or(bytes.len(), |c| index + c.len_utf8());
        out.push_str(&pattern[index..end]);
        index = end;
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(pattern)
    }
}

/// Whether the text after a `{` is `n}`, `n,}` or `n,m}`.
fn opens_repetition(rest: &[u8]) -> bool {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    match rest.get(digits) {
        Some(b'}') => true,
        Some(b',') => {
            let more = rest[digits + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            rest.get(digits + 1 + more) == Some(&b'}')
        }
        _ => false,
    }
}

/// A rule's regex, compiled for searching parts of a haystack (with the
/// look-around of `\b` and `^` still seeing the bytes around the part).
#[derive(Debug)]
pub(crate) struct RuleRegex {
    pub regex: regex_automata::meta::Regex,
    /// The longest match the regex can produce, when it is bounded.
    pub max_len: Option<usize>,
}

impl RuleRegex {
    fn compile(pattern: &str) -> Result<Self, String> {
        let pattern = escape_literal_braces(pattern);
        let syntax = regex_automata::util::syntax::Config::new()
            .unicode(false)
            .utf8(false);
        let regex = regex_automata::meta::Regex::builder()
            .syntax(syntax)
            .configure(
                regex_automata::meta::Config::new()
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .dfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .utf8_empty(false),
            )
            .build(&pattern)
            .map_err(|error| {
                error
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })?;
        let max_len = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&pattern)
            .ok()
            .and_then(|hir| hir.properties().maximum_len());
        Ok(Self { regex, max_len })
    }

    /// How many capture groups, the whole match included.
    pub fn captures_len(&self) -> usize {
        self.regex.captures_len()
    }
}

/// A secret-detection rule, compiled and ready to match.
#[derive(Debug)]
pub struct Rule {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) regex: Option<RuleRegex>,
    pub(crate) secret_group: Option<usize>,
    pub(crate) entropy: Option<f64>,
    pub(crate) keywords: Vec<String>,
    pub(crate) path: Option<Regex>,
    pub(crate) tags: Vec<String>,
    pub(crate) allowlists: Vec<Allowlist>,
    pub(crate) severity: Severity,
    pub(crate) provider: String,
    pub(crate) credential: CredentialType,
    pub(crate) remediation: String,
    pub(crate) examples: Vec<String>,
    pub(crate) negative_examples: Vec<String>,
    pub(crate) validators: Vec<Validator>,
    pub(crate) generic: bool,
    /// When set, the regex only runs in windows this many bytes either side
    /// of the rule's keyword hits (see `load::windowable`).
    pub(crate) window: Option<usize>,
    /// Tagged `base64-carrier`: the rule finds an encoded credential and
    /// yields to whatever decoding the value reveals.
    pub(crate) carrier: bool,
    /// gitleaks' `skipReport`: matched, never reported.
    pub(crate) skip_report: bool,
}

/// The tag that marks a rule as a carrier of encoded credentials.
pub(crate) const CARRIER_TAG: &str = "base64-carrier";

/// The remediation shown when a rule file gives none.
const DEFAULT_REMEDIATION: &str = "Revoke or rotate this credential where it was issued, remove it from the file (and the repository history), and load it at run time from a secret manager or replace it with short-lived federated access.";

impl Rule {
    /// Compiles one rule spec; the error message names the field at fault.
    pub(crate) fn compile(spec: RuleSpec) -> Result<Self, String> {
        if spec.id.trim().is_empty() {
            return Err("a rule has an empty id".into());
        }
        if spec.regex.is_none() && spec.path.is_none() {
            return Err("has neither `regex` nor `path`: give at least one".into());
        }
        let regex = spec
            .regex
            .as_deref()
            .map(|pattern| RuleRegex::compile(pattern).map_err(|error| format!("regex: {error}")))
            .transpose()?;
        if let (Some(group), Some(regex)) = (spec.secret_group, &regex)
            && group >= regex.captures_len()
        {
            return Err(format!(
                "secretGroup {group} but the regex has only {} capture group(s)",
                regex.captures_len() - 1
            ));
        }
        let path = spec
            .path
            .as_deref()
            .map(|pattern| compile_regex(pattern).map_err(|error| format!("path: {error}")))
            .transpose()?;
        let severity = match spec.severity.as_deref() {
            None => Severity::Medium,
            Some(text) => text.parse().map_err(|error| format!("severity: {error}"))?,
        };
        let credential = match spec.credential.as_deref() {
            None => CredentialType::GenericSecret,
            Some(text) => CredentialType::parse(text).ok_or_else(|| {
                let known: Vec<&str> = CredentialType::ALL.iter().map(|t| t.as_str()).collect();
                format!("credential `{text}` is not one of {}", known.join(", "))
            })?,
        };
        let mut allowlists = Vec::new();
        for spec in spec.allowlist.iter().chain(spec.allowlists.iter()) {
            allowlists.push(Allowlist::compile(spec)?);
        }
        let provider = spec
            .provider
            .unwrap_or_else(|| provider_from_id(&spec.id).to_string());
        let generic =
            spec.id.starts_with("generic") || spec.tags.iter().any(|tag| tag == "generic");
        let carrier = spec.tags.iter().any(|tag| tag == CARRIER_TAG);
        let validators = spec
            .validators
            .iter()
            .map(|name| Validator::parse(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            description: spec.description.unwrap_or_else(|| spec.id.clone()),
            id: spec.id,
            regex,
            secret_group: spec.secret_group,
            entropy: spec.entropy,
            keywords: spec
                .keywords
                .into_iter()
                .map(|keyword| keyword.to_ascii_lowercase())
                .filter(|keyword| !keyword.is_empty())
                .collect(),
            path,
            tags: spec.tags,
            allowlists,
            severity,
            provider,
            credential,
            remediation: spec
                .remediation
                .unwrap_or_else(|| DEFAULT_REMEDIATION.to_string()),
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            validators,
            generic,
            window: None,
            carrier,
            skip_report: spec.skip_report.unwrap_or(false),
        })
    }

    /// Applies a later rule file's entry with the same id (gitleaks' way of
    /// extending a default rule): fields it sets replace this rule's, and its
    /// keywords, tags, allowlists, examples and validators are added.
    pub(crate) fn extend_with(&mut self, spec: RuleSpec) -> Result<(), String> {
        if let Some(pattern) = spec.regex.as_deref() {
            self.regex =
                Some(RuleRegex::compile(pattern).map_err(|error| format!("regex: {error}"))?);
        }
        if let Some(pattern) = spec.path.as_deref() {
            self.path = Some(compile_regex(pattern).map_err(|error| format!("path: {error}"))?);
        }
        if spec.secret_group.is_some() {
            self.secret_group = spec.secret_group;
        }
        if let (Some(group), Some(regex)) = (self.secret_group, &self.regex)
            && group >= regex.captures_len()
        {
            return Err(format!(
                "secretGroup {group} but the regex has only {} capture group(s)",
                regex.captures_len() - 1
            ));
        }
        if spec.entropy.is_some() {
            self.entropy = spec.entropy;
        }
        if let Some(description) = spec.description {
            self.description = description;
        }
        if let Some(text) = spec.severity.as_deref() {
            self.severity = text.parse().map_err(|error| format!("severity: {error}"))?;
        }
        if let Some(text) = spec.credential.as_deref() {
            self.credential = CredentialType::parse(text)
                .ok_or_else(|| format!("credential `{text}` is not a credential type"))?;
        }
        if let Some(provider) = spec.provider {
            self.provider = provider;
        }
        if let Some(remediation) = spec.remediation {
            self.remediation = remediation;
        }
        if let Some(skip) = spec.skip_report {
            self.skip_report = skip;
        }
        for keyword in spec.keywords {
            let keyword = keyword.to_ascii_lowercase();
            if !keyword.is_empty() && !self.keywords.contains(&keyword) {
                self.keywords.push(keyword);
            }
        }
        for allowlist in spec.allowlist.iter().chain(spec.allowlists.iter()) {
            self.allowlists.push(Allowlist::compile(allowlist)?);
        }
        for name in &spec.validators {
            let validator = Validator::parse(name)?;
            if !self.validators.contains(&validator) {
                self.validators.push(validator);
            }
        }
        self.carrier |= spec.tags.iter().any(|tag| tag == CARRIER_TAG);
        self.tags.extend(spec.tags);
        self.examples.extend(spec.examples);
        self.negative_examples.extend(spec.negative_examples);
        Ok(())
    }

    /// The stable id (`aws-access-key-id`), used as the finding's rule id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the rule finds, one line.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// How severe a hit is.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Who issued the credential (`aws`, `github`, ...).
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// What kind of credential a hit is.
    pub fn credential(&self) -> CredentialType {
        self.credential
    }

    /// What to do about a hit.
    pub fn remediation(&self) -> &str {
        &self.remediation
    }

    /// The rule's tags.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The rule's keywords, lowercase.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    /// The structural checks a hit must pass.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The rule's examples (strings it must find).
    pub fn examples(&self) -> &[String] {
        &self.examples
    }

    /// Whether this is a catch-all rule that yields to specific rules.
    pub fn is_generic(&self) -> bool {
        self.generic
    }
}

/// gitleaks rules carry no provider; their ids start with one
/// (`aws-access-token`, `github-pat`), which is the best guess available.
fn provider_from_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::escape_literal_braces;

    #[test]
    fn literal_braces_are_escaped_like_re2_reads_them() {
        assert_eq!(
            escape_literal_braces(r"a{2}b{1,}c{1,3}"),
            r"a{2}b{1,}c{1,3}"
        );
        assert_eq!(
            escape_literal_braces(r"^\$(?:\d+|{\d+})$"),
            r"^\$(?:\d+|\{\d+})$"
        );
        assert_eq!(escape_literal_braces(r"[{}]\{x{"), r"[{}]\{x\{");
        assert_eq!(escape_literal_braces("é{a}"), "é\\{a}");
    }
}
