//! What can stop the explorer.

use std::path::PathBuf;

use nhiscope_graph::StoreError;

/// Something the explorer cannot do, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The store could not be opened, validated or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A query against the store failed.
    #[error("store {path}: {message}")]
    Query {
        /// The store's path.
        path: PathBuf,
        /// What failed, one line.
        message: String,
    },
    /// The store is held by a process writing to it (a scan in progress).
    #[error(
        "the store {path} is being written by another process (a scan?); wait for it to finish, then press r"
    )]
    Busy {
        /// The store's path.
        path: PathBuf,
    },
    /// The terminal could not be set up, drawn on or restored.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// A key in a `--keys` script is not one the explorer knows.
    #[error(
        "`{0}` is not a key: use a character, Enter, Esc, Tab, BackTab, Up, Down, Left, Right, PageUp, PageDown, Home, End, Backspace, Space, Comma or C-x"
    )]
    BadKey(String),
    /// A terminal size that is not `WIDTHxHEIGHT`.
    #[error("`{0}` is not a terminal size: use WIDTHxHEIGHT, for example 120x40")]
    BadSize(String),
    /// An export could not be written.
    #[error("cannot write {path}: {message}")]
    Export {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl TuiError {
    /// A DuckDB error against the store at `path`, one line; a lock held by
    /// another process becomes [`TuiError::Busy`].
    pub(crate) fn query(path: &std::path::Path, error: &duckdb::Error) -> Self {
        let message = one_line(&error.to_string());
        if message.contains("Conflicting lock") || message.contains("Could not set lock") {
            return TuiError::Busy {
                path: path.to_path_buf(),
            };
        }
        TuiError::Query {
            path: path.to_path_buf(),
            message,
        }
    }
}

/// DuckDB's messages can span lines; a status line is one.
pub(crate) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
