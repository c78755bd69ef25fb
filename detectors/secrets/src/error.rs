//! Errors loading rules.

/// A rule file that cannot be used, with the file and rule it concerns.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not valid TOML or does not follow the rule schema.
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        /// The file (or `built-in`) the rules came from.
        origin: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule's field has a value nhiscope cannot use.
    #[error("{origin}: rule `{rule_id}`: {message}")]
    Invalid {
        /// The file the rule came from.
        origin: String,
        /// The rule's id.
        rule_id: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}
