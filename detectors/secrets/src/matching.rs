//! What a scan returns.

use std::ops::Range;

use nhiscope_model::Redacted;

/// One secret found in content, with everything needed to report it and nothing
/// that reveals it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretMatch {
    /// Index of the rule in its [`RuleSet`](crate::RuleSet).
    pub rule: usize,
    /// The secret, redacted.
    pub secret: Redacted,
    /// Byte range of the secret in the content.
    pub span: Range<usize>,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based character column of the secret's first character.
    pub column: u32,
    /// 1-based line of the secret's last byte.
    pub end_line: u32,
    /// 1-based character column just after the secret's last character.
    pub end_column: u32,
    /// How the secret was encoded where it was found (`base64`), if it was.
    pub encoding: Option<&'static str>,
    /// The line, with every secret on it replaced by its preview.
    pub snippet: String,
    /// What the rule's validators read off the value that is not secret
    /// (`aws_account` of an access key id).
    pub facts: Vec<(&'static str, String)>,
}
