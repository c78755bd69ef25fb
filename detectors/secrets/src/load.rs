//! Loading rule files: the gitleaks TOML schema, several files into one set.

use aho_corasick::{AhoCorasickBuilder, MatchKind};

use crate::{RuleError, RuleSet, allowlist::Allowlist, rule::Rule, spec::RuleFileSpec};

impl RuleSet {
    /// Compiles a rule file; `origin` names it in errors (a path, or `built-in`).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, RuleError> {
        Self::from_sources(&[(origin, text)])
    }

    /// Compiles several rule files, given as `(origin, text)`, into one set: their
    /// rules in order and their global allowlists together.
    ///
    /// Within one file an id may appear once. A later file's rule with an id an
    /// earlier file defined extends it the way gitleaks extends a default rule
    /// (fields it sets replace, keywords, allowlists and tags are added), and a
    /// file's `[extend] disabledRules` removes earlier rules.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut global = Vec::new();
        for (origin, text) in sources {
            compile_file(text, origin, &mut rules, &mut global)?;
        }
        assemble(rules, global).map_err(|message| RuleError::Invalid {
            origin: sources
                .iter()
                .map(|(origin, _)| *origin)
                .collect::<Vec<_>>()
                .join(", "),
            rule_id: "(keywords)".into(),
            message,
        })
    }
}

/// Whether a rule file asks to build on the default rules (gitleaks'
/// `[extend] useDefault = true`). `None` when it does not say.
pub fn extends_default(text: &str) -> Option<bool> {
    let spec: RuleFileSpec = toml::from_str(text).ok()?;
    spec.extend.and_then(|extend| extend.use_default)
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
    if let Some(extend) = &spec.extend {
        if extend.path.is_some() {
            return Err(invalid(
                "[extend]",
                "`path` is not supported: pass each rule file with its own --rules".into(),
            ));
        }
        rules.retain(|rule| !extend.disabled_rules.contains(&rule.id));
    }
    for allowlist in spec.allowlist.iter().chain(spec.allowlists.iter()) {
        global.push(
            Allowlist::compile(allowlist)
                .map_err(|message| invalid("(global allowlist)", message))?,
        );
    }
    let first_of_this_file = rules.len();
    for rule in spec.rules {
        let id = rule.id.clone();
        match rules.iter().position(|existing| existing.id == id) {
            Some(at) if at >= first_of_this_file => {
                return Err(invalid(&id, "the id is used by an earlier rule".into()));
            }
            Some(at) => rules[at]
                .extend_with(rule)
                .map_err(|message| invalid(&id, message))?,
            None => rules.push(Rule::compile(rule).map_err(|message| invalid(&id, message))?),
        }
    }
    Ok(())
}

/// The widest window a rule is searched in; a rule whose matches can be
/// longer searches whole files.
const MAX_WINDOW: usize = 4096;

/// The window of a rule whose matches are unbounded in principle (`\s*`,
/// `{20,}`) but short in practice; a match reaching a window's edge is searched
/// again without the edge, so a longer one is still found whole.
const UNBOUNDED_WINDOW: usize = 1024;

/// Examples longer than this mark a rule as matching long spans (a PEM key),
/// which is searched in whole files.
const LONG_EXAMPLE: usize = 512;

/// How far either side of a keyword hit a rule must search, or `None` for the
/// whole file. A rule is searched in windows when every match of its examples
/// contains one of its keywords and is short; rules without examples (a
/// gitleaks config) search whole files, exactly as gitleaks does.
fn window(rule: &Rule) -> Option<usize> {
    let regex = rule.regex.as_ref()?;
    if rule.keywords.is_empty() || rule.examples.is_empty() {
        return None;
    }
    for example in &rule.examples {
        for found in regex.regex.find_iter(example.as_bytes()) {
            if found.len() > LONG_EXAMPLE {
                return None;
            }
            let text = example.as_bytes()[found.range()].to_ascii_lowercase();
            if !rule
                .keywords
                .iter()
                .any(|keyword| memchr::memmem::find(&text, keyword.as_bytes()).is_some())
            {
                return None;
            }
        }
    }
    match regex.max_len {
        Some(len) if len <= MAX_WINDOW => Some(len),
        Some(_) => None,
        None => Some(UNBOUNDED_WINDOW),
    }
}

fn assemble(mut rules: Vec<Rule>, global: Vec<Allowlist>) -> Result<RuleSet, String> {
    for rule in &mut rules {
        rule.window = window(rule);
    }
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
    // A keyword found implies every keyword it contains: the scan looks for
    // the longest keyword at each position only (much faster than reporting
    // every overlapping match), so the shorter ones inside it come from here.
    for (index, pattern) in patterns.iter().enumerate() {
        let mut implied: Vec<usize> = Vec::new();
        for (other, shorter) in patterns.iter().enumerate() {
            if other != index && pattern.contains(shorter.as_str()) {
                implied.extend(keyword_rules[other].iter().copied());
            }
        }
        keyword_rules[index].extend(implied);
        keyword_rules[index].sort_unstable();
        keyword_rules[index].dedup();
    }
    let keywords = AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .map_err(|error| error.to_string())?;
    let mut rule_patterns: Vec<Vec<usize>> = vec![Vec::new(); rules.len()];
    for (pattern, enabled) in keyword_rules.iter().enumerate() {
        for rule in enabled {
            rule_patterns[*rule].push(pattern);
        }
    }
    Ok(RuleSet {
        rules,
        global,
        keywords,
        keyword_rules,
        rule_patterns,
        unconditional,
    })
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
