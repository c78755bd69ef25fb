//! The secret matching engine: rules in, bytes in, redacted matches out.
//!
//! Rules are data in a gitleaks-compatible TOML schema ([`RuleSet::from_toml`]);
//! the built-in set lives in the repository's `rules/` folder and is compiled into
//! the binary ([`RuleSet::builtin`]). Scanning ([`RuleSet::scan`]) runs a keyword
//! prefilter (Aho-Corasick over every rule's keywords), then each candidate rule's
//! regex, its secret group, entropy threshold and allowlists, and finally drops a
//! generic match where a specific rule matched the same value. Raw secret bytes
//! never leave this crate: a [`SecretMatch`] carries a [`Redacted`] value, a
//! position and a masked snippet. No I/O happens here.
//!
//! [`Redacted`]: nhiscope_model::Redacted

mod allowlist;
mod entropy;
mod error;
mod known_fakes;
mod load;
mod matching;
mod rule;
mod ruleset;
mod scan;
mod spec;
mod text;
mod validators;

pub use entropy::shannon_entropy;
pub use error::RuleError;
pub use load::extends_default;
pub use matching::SecretMatch;
pub use rule::Rule;
pub use ruleset::{ExampleFailure, RuleSet};
pub use validators::Validator;
