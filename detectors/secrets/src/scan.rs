//! The scan: content in, redacted matches out.
//!
//! keyword gate → regex → secret group → entropy → allowlists → validators →
//! known fakes, then the same again over base64 values decoded from the content
//! (Kubernetes Secret `data:`, Docker `auth`, kubeconfig `*-data`, standalone
//! blobs), reported at the encoded value's place; then generic rules yield to
//! specific ones, and lines marked `nhiscope:allow` or `gitleaks:allow` drop
//! their matches.

use std::{ops::Range, sync::LazyLock};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use nhiscope_model::Redacted;
use regex::bytes::Regex;

use crate::{
    RuleSet, SecretMatch,
    allowlist::Candidate,
    entropy::shannon_entropy,
    known_fakes::is_known_fake,
    text::{LineIndex, snippet},
};

/// How deep encoded values are decoded (base64 inside base64, as in a
/// Kubernetes Secret holding a Docker config).
const MAX_DECODE_DEPTH: usize = 2;

/// The shortest encoded value worth decoding: 24 base64 characters hold 18
/// bytes, less than the shortest credential a rule recognises after decoding.
const MIN_ENCODED_LEN: usize = 24;

/// The longest encoded value decoded (a kubeconfig's certificate data is a few
/// kilobytes; a megabyte is not a credential).
const MAX_ENCODED_LEN: usize = 64 * 1024;

/// Comments that tell the scanner a line's value is not a secret.
const INLINE_ALLOW: [&[u8]; 2] = [b"nhiscope:allow", b"gitleaks:allow"];

/// Runs of base64 (standard or URL-safe) characters, with optional padding.
static ENCODED: LazyLock<Regex> = LazyLock::new(|| {
    regex::bytes::RegexBuilder::new(r"[A-Za-z0-9+/_\-]{24,}={0,2}")
        .unicode(false)
        .build()
        .expect("the base64 pattern is valid")
});

/// A match before it is redacted and positioned.
struct RawMatch {
    rule: usize,
    /// Where the match is in the content scanned (for a decoded match: the
    /// encoded value it was decoded from).
    span: Range<usize>,
    /// For a decoded match: the secret's bytes after decoding.
    decoded: Option<Vec<u8>>,
}

impl RawMatch {
    fn secret<'a>(&'a self, content: &'a [u8]) -> &'a [u8] {
        self.decoded
            .as_deref()
            .unwrap_or(&content[self.span.clone()])
    }
}

impl RuleSet {
    /// Finds every secret in `content`. `path` (relative to the scan root, `/`
    /// separated) enables path rules and path allowlists.
    pub fn scan(&self, path: Option<&str>, content: &[u8]) -> Vec<SecretMatch> {
        if path.is_some_and(|path| self.is_path_allowlisted(path)) {
            return Vec::new();
        }
        let lines = LineIndex::new(content);
        let mut raw = self.find(path, content, 0);
        raw.retain(|m| {
            let line = &content[lines.lines_bounds(&m.span)];
            !INLINE_ALLOW
                .iter()
                .any(|marker| line.windows(marker.len()).any(|window| window == *marker))
        });
        if raw.is_empty() {
            return Vec::new();
        }
        let redacted: Vec<Redacted> = raw
            .iter()
            .map(|m| Redacted::new(m.secret(content)))
            .collect();
        let redactions: Vec<(Range<usize>, &str)> = raw
            .iter()
            .zip(&redacted)
            .map(|(m, secret)| (m.span.clone(), secret.preview()))
            .collect();
        raw.iter()
            .zip(redacted.iter())
            .map(|(m, secret)| {
                let (line, column) = lines.position(m.span.start);
                let (end_line, end_column) = lines.end_position(&m.span);
                let facts =
                    crate::validators::facts(self.rules[m.rule].validators(), m.secret(content));
                SecretMatch {
                    facts,
                    rule: m.rule,
                    secret: secret.clone(),
                    span: m.span.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    encoding: m.decoded.as_ref().map(|_| "base64"),
                    snippet: snippet(
                        content,
                        lines.line_bounds(m.span.start),
                        &redactions,
                        m.span.start,
                    ),
                }
            })
            .collect()
    }

    /// Direct and decoded matches in `content`, generic ones yielding.
    fn find(&self, path: Option<&str>, content: &[u8], depth: usize) -> Vec<RawMatch> {
        let mut found = self.direct_matches(path, content);
        if depth < MAX_DECODE_DEPTH {
            // A specific rule that matched an encoded value directly already
            // knows its encoding (a Bedrock key); decoding adds only what no
            // specific rule saw. A carrier rule (one that only says "this is
            // an encoded credential": a Docker `auth`, a kubeconfig's
            // client-key-data) yields to what decoding reveals, which names
            // the credential and gives its real fingerprint.
            let specific: Vec<Range<usize>> = found
                .iter()
                .filter(|m| !self.rules[m.rule].generic && !self.rules[m.rule].carrier)
                .map(|m| m.span.clone())
                .collect();
            let decoded: Vec<RawMatch> = self
                .decoded_matches(path, content, depth)
                .into_iter()
                .filter(|d| !specific.iter().any(|span| overlaps(span, &d.span)))
                .collect();
            found.retain(|m| {
                !self.rules[m.rule].carrier || !decoded.iter().any(|d| overlaps(&d.span, &m.span))
            });
            found.extend(decoded);
        }
        self.drop_shadowed(found, content)
    }

    fn direct_matches(&self, path: Option<&str>, content: &[u8]) -> Vec<RawMatch> {
        let gate = self.keyword_gate(content);
        let mut found = Vec::new();
        let mut lines: Option<LineIndex<'_>> = None;
        let mut windows: Vec<Range<usize>> = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if !gate.enabled[index] || rule.skip_report {
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
                found.push(RawMatch {
                    rule: index,
                    span: 0..content.len(),
                    decoded: None,
                });
                continue;
            };
            // Where to search: around the rule's keyword hits, or everywhere.
            windows.clear();
            let windowed = match rule.window {
                Some(width) => {
                    gate.windows(
                        &self.rule_patterns[index],
                        width,
                        content.len(),
                        &mut windows,
                    );
                    let covered: usize = windows.iter().map(|w| w.len()).sum();
                    covered * 2 < content.len()
                }
                None => false,
            };
            if !windowed {
                windows.clear();
                windows.push(0..content.len());
            }
            let mut captures = regex.regex.create_captures();
            // Where the last match ended: a match that ran past its window's
            // edge is not searched again from the next window.
            let mut done = 0;
            for window in &windows {
                let mut at = window.start.max(done);
                while at <= window.end {
                    let input = regex_automata::Input::new(content).span(at..window.end);
                    regex.regex.search_captures(&input, &mut captures);
                    let Some(mut whole) = captures.get_match().map(|m| m.range()) else {
                        break;
                    };
                    if windowed && whole.end == window.end && window.end < content.len() {
                        // The window may have cut the match short: search on
                        // from where it starts, without the edge.
                        let input =
                            regex_automata::Input::new(content).span(whole.start..content.len());
                        regex.regex.search_captures(&input, &mut captures);
                        match captures.get_match() {
                            Some(longer) => whole = longer.range(),
                            None => break,
                        }
                    }
                    // In a window, a match without the rule's keyword is an
                    // artefact of the window's edge: look again one byte on.
                    if windowed && !contains_keyword(&content[whole.clone()], &rule.keywords) {
                        at = whole.start + 1;
                        continue;
                    }
                    at = if whole.is_empty() {
                        whole.end + 1
                    } else {
                        whole.end
                    };
                    done = at;
                    let secret = match rule.secret_group {
                        Some(group) => captures.get_group(group),
                        None => (1..captures.group_len())
                            .filter_map(|group| captures.get_group(group))
                            .find(|span| !span.is_empty())
                            .or_else(|| captures.get_group(0)),
                    };
                    let Some(secret) = secret.map(|span| span.range()) else {
                        continue;
                    };
                    if self.accepts(rule, path, content, secret.clone(), whole, &mut lines) {
                        found.push(RawMatch {
                            rule: index,
                            span: secret,
                            decoded: None,
                        });
                    }
                }
            }
        }
        found
    }

    /// The checks after the regex: entropy, digits for generic rules,
    /// validators, known fakes, allowlists.
    fn accepts<'c>(
        &self,
        rule: &crate::rule::Rule,
        path: Option<&str>,
        content: &'c [u8],
        secret: Range<usize>,
        whole: Range<usize>,
        lines: &mut Option<LineIndex<'c>>,
    ) -> bool {
        let bytes = &content[secret];
        if bytes.is_empty() {
            return false;
        }
        // gitleaks drops a hit whose entropy is at or below the threshold.
        if rule
            .entropy
            .is_some_and(|threshold| shannon_entropy(bytes) <= threshold)
        {
            return false;
        }
        if rule.generic && !bytes.iter().any(u8::is_ascii_digit) {
            return false;
        }
        if !rule
            .validators
            .iter()
            .all(|validator| validator.accepts(bytes))
        {
            return false;
        }
        if is_known_fake(bytes) {
            return false;
        }
        let lines = lines.get_or_insert_with(|| LineIndex::new(content));
        let candidate = Candidate {
            path,
            commit: None,
            secret: bytes,
            whole_match: &content[whole.clone()],
            line: &content[lines.lines_bounds(&whole)],
        };
        !self
            .global
            .iter()
            .chain(rule.allowlists.iter())
            .any(|allowlist| allowlist.allows(&candidate))
    }

    /// Matches inside base64 values of `content`, placed at the encoded value.
    fn decoded_matches(&self, path: Option<&str>, content: &[u8], depth: usize) -> Vec<RawMatch> {
        let mut found = Vec::new();
        for token in ENCODED.find_iter(content) {
            if token.len() < MIN_ENCODED_LEN || token.len() > MAX_ENCODED_LEN {
                continue;
            }
            let Some(decoded) = decode_text(token.as_bytes()) else {
                continue;
            };
            for inner in self.find(path, &decoded, depth + 1) {
                let secret = inner.secret(&decoded).to_vec();
                found.push(RawMatch {
                    rule: inner.rule,
                    span: token.range(),
                    decoded: Some(secret),
                });
            }
        }
        found
    }

    /// Which rules the keyword prefilter lets run on `content`, and where
    /// each keyword was found.
    fn keyword_gate(&self, content: &[u8]) -> KeywordGate {
        let mut enabled = vec![false; self.rules.len()];
        for index in &self.unconditional {
            enabled[*index] = true;
        }
        // Every position where some keyword starts is found: after each hit
        // the search resumes one byte after its start, so keywords overlapping
        // it are not missed, and those inside it are implied (see `assemble`).
        let mut hits: Vec<(usize, Range<usize>)> = Vec::new();
        let mut at = 0;
        while at < content.len() {
            let input = aho_corasick::Input::new(content).span(at..content.len());
            let Some(hit) = self.keywords.find(input) else {
                break;
            };
            let pattern = hit.pattern().as_usize();
            for rule in &self.keyword_rules[pattern] {
                enabled[*rule] = true;
            }
            hits.push((pattern, hit.range()));
            at = hit.start() + 1;
        }
        KeywordGate { enabled, hits }
    }

    /// Drops generic matches that overlap a specific rule's match, and exact
    /// duplicates; sorts by position. Where two specific rules matched the
    /// same value, a rule that recognises the value by its own shape (one of
    /// its keywords is inside the secret: `xoxb-`, `AKIA`) beats one that
    /// recognised it only by the name beside it (`REPORT_API_TOKEN=` read as
    /// a `repo...token` property).
    fn drop_shadowed(&self, mut raw: Vec<RawMatch>, content: &[u8]) -> Vec<RawMatch> {
        let specific: Vec<Range<usize>> = raw
            .iter()
            .filter(|m| !self.rules[m.rule].generic)
            .map(|m| m.span.clone())
            .collect();
        raw.retain(|m| {
            !self.rules[m.rule].generic || !specific.iter().any(|span| overlaps(span, &m.span))
        });
        let self_identified = |m: &RawMatch| {
            let rule = &self.rules[m.rule];
            !rule.keywords.is_empty() && contains_keyword(m.secret(content), &rule.keywords)
        };
        let shaped: Vec<Range<usize>> = raw
            .iter()
            .filter(|m| self_identified(m))
            .map(|m| m.span.clone())
            .collect();
        raw.retain(|m| self_identified(m) || !shaped.contains(&m.span));
        raw.sort_by(|a, b| {
            (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule))
        });
        raw.dedup_by(|a, b| a.span == b.span && a.rule == b.rule && a.decoded == b.decoded);
        raw
    }
}

/// The keyword prefilter's verdict on one content.
struct KeywordGate {
    /// Which rules may match.
    enabled: Vec<bool>,
    /// Each keyword hit: its pattern and where it is.
    hits: Vec<(usize, Range<usize>)>,
}

impl KeywordGate {
    /// The merged windows `width` bytes either side of the hits of `patterns`.
    fn windows(&self, patterns: &[usize], width: usize, len: usize, out: &mut Vec<Range<usize>>) {
        for (pattern, hit) in &self.hits {
            if !patterns.contains(pattern) {
                continue;
            }
            let window = hit.start.saturating_sub(width)..(hit.end + width).min(len);
            match out.last_mut() {
                Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
                _ => out.push(window),
            }
        }
    }
}

/// Whether `text` holds one of the (lowercase) keywords, ignoring ASCII case.
fn contains_keyword(text: &[u8], keywords: &[String]) -> bool {
    let lower = text.to_ascii_lowercase();
    keywords
        .iter()
        .any(|keyword| memchr::memmem::find(&lower, keyword.as_bytes()).is_some())
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Decodes a base64 value that encodes text (a credential, a PEM block, a JSON
/// document); binary results (hashes, images, ciphertext) are not text and
/// give `None`.
fn decode_text(token: &[u8]) -> Option<Vec<u8>> {
    let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(token).ok())?;
    if decoded.len() < 16 {
        return None;
    }
    let printable = decoded
        .iter()
        .filter(|b| matches!(b, 0x20..=0x7e | b'\t' | b'\n' | b'\r'))
        .count();
    (printable * 100 >= decoded.len() * 97).then_some(decoded)
}
