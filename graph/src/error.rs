//! Errors opening, reading and writing the store.

use std::path::PathBuf;

/// Something the store cannot do, with the file and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store exists where one was expected.
    #[error("no store at {path}: run `nhiscope scan` first, or pass --db with the store's path")]
    Missing {
        /// The path looked at.
        path: PathBuf,
    },
    /// The file could not be opened as a DuckDB database.
    #[error("cannot open the store {path}: {message}")]
    Open {
        /// The store's path.
        path: PathBuf,
        /// DuckDB's explanation, one line.
        message: String,
    },
    /// The file is a DuckDB database but not an nhiscope store.
    #[error(
        "{path} is a DuckDB database but not an nhiscope store (it has no schema_version table); pass --db with another path"
    )]
    NotAStore {
        /// The store's path.
        path: PathBuf,
    },
    /// The store was written by a version of nhiscope with another schema.
    #[error(
        "the store {path} has schema version {found} and this nhiscope reads version {expected}; use the nhiscope that wrote it ({written_by}), or pass --db with a new path"
    )]
    SchemaVersion {
        /// The store's path.
        path: PathBuf,
        /// The version the store has.
        found: i64,
        /// The version this build reads.
        expected: i64,
        /// The tool version that created the store.
        written_by: String,
    },
    /// No scan matches the selector.
    #[error("no scan {selector} in {path}; `nhiscope scans` lists the stored scans")]
    NoSuchScan {
        /// The store's path.
        path: PathBuf,
        /// What was asked for.
        selector: String,
    },
    /// A query or write failed.
    #[error("store {path}: {message}")]
    Database {
        /// The store's path.
        path: PathBuf,
        /// What failed, one line.
        message: String,
    },
    /// A stored value could not be read back (a damaged or hand-edited store).
    #[error("store {path}: {message}")]
    Corrupt {
        /// The store's path.
        path: PathBuf,
        /// What could not be read.
        message: String,
    },
}

/// DuckDB's messages can span lines; a CLI error is one line.
pub(crate) fn one_line(error: &duckdb::Error) -> String {
    error
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
