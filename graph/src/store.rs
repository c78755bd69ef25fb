//! Opening the store and guarding its schema version.

use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Config, Connection, OptionalExt};

use crate::{StoreError, error::one_line};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Where the store lives unless `--db` says otherwise.
pub const DEFAULT_STORE_PATH: &str = ".nhiscope/nhiscope.duckdb";

const SCHEMA: &str = include_str!("schema.sql");

/// The DuckDB file holding every scan. One process writes at a time (DuckDB
/// locks the file); readers open it read-only.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the store at `path` for writing, creating it (and its directory)
    /// if it does not exist. A store of another schema version is refused
    /// before anything is written to it.
    pub fn open_or_create(path: &Path) -> Result<Self, StoreError> {
        if path.exists() {
            // Check the version read-only first, so a refused store is never
            // touched (not even by a checkpoint on close).
            drop(Self::open_read_only(path)?);
            let conn = connect(path, AccessMode::ReadWrite)?;
            return Ok(Self {
                conn,
                path: path.to_path_buf(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| StoreError::Open {
                path: path.to_path_buf(),
                message: format!("cannot create its directory {}: {error}", parent.display()),
            })?;
        }
        let mut conn = connect(path, AccessMode::ReadWrite)?;
        let database = |error: duckdb::Error| StoreError::Database {
            path: path.to_path_buf(),
            message: one_line(&error),
        };
        let tx = conn.transaction().map_err(database)?;
        tx.execute_batch(SCHEMA).map_err(database)?;
        tx.execute(
            "INSERT INTO schema_version (version, written_by) VALUES (?, ?)",
            duckdb::params![
                SCHEMA_VERSION,
                concat!("nhiscope ", env!("CARGO_PKG_VERSION"))
            ],
        )
        .map_err(database)?;
        tx.commit().map_err(database)?;
        tracing::info!(path = %path.display(), "created the store");
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing store read-only, refusing one of another schema
    /// version or a file that is not a store.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = connect(path, AccessMode::ReadOnly)?;
        let store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.check_version()?;
        Ok(store)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_version(&self) -> Result<(), StoreError> {
        let has_table: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'schema_version'",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.database(&error))?;
        if !has_table {
            return Err(StoreError::NotAStore {
                path: self.path.clone(),
            });
        }
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT version, written_by FROM schema_version LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|error| self.database(&error))?;
        match row {
            Some((version, _)) if version == SCHEMA_VERSION => Ok(()),
            Some((found, written_by)) => Err(StoreError::SchemaVersion {
                path: self.path.clone(),
                found,
                expected: SCHEMA_VERSION,
                written_by,
            }),
            None => Err(StoreError::NotAStore {
                path: self.path.clone(),
            }),
        }
    }

    pub(crate) fn database(&self, error: &duckdb::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            message: one_line(error),
        }
    }

    pub(crate) fn corrupt(&self, message: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            message: message.into(),
        }
    }
}

fn connect(path: &Path, mode: AccessMode) -> Result<Connection, StoreError> {
    let open_error = |error: duckdb::Error| {
        let message = one_line(&error);
        let message = if message.contains("lock") {
            format!(
                "{message} (another nhiscope process is writing to it; wait for it or use another --db)"
            )
        } else {
            message
        };
        StoreError::Open {
            path: path.to_path_buf(),
            message,
        }
    };
    let config = Config::default()
        .access_mode(mode)
        .and_then(|config| config.enable_autoload_extension(false))
        .map_err(open_error)?;
    Connection::open_with_flags(path, config).map_err(open_error)
}
