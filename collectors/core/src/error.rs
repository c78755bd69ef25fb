//! Errors a collector can return.

/// A collector's config section that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("[{section}] {message}")]
pub struct ConfigError {
    /// The section (the collector id).
    pub section: String,
    /// What is wrong, naming the key.
    pub message: String,
}

impl ConfigError {
    /// Builds an error for `section`.
    pub fn new(section: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            section: section.into(),
            message: message.into(),
        }
    }

    /// Converts a serde error from deserialising the section.
    pub fn from_toml(section: &str, error: &toml::de::Error) -> Self {
        Self::new(section, error.message().trim().to_string())
    }
}

/// Why a whole source could not be collected. Each message says what failed and
/// what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The config section does not describe a usable source.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The source does not exist or cannot be opened.
    #[error("{target}: {message}")]
    Unavailable {
        /// The path, account or endpoint.
        target: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// The scan was cancelled before the collector finished.
    #[error("cancelled")]
    Cancelled,
}
