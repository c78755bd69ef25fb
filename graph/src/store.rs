//! Opening the store and guarding its schema version.

use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Config, Connection, OptionalExt};

use crate::{StoreError, error::one_line};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 3;

/// Where the store lives unless `--db` says otherwise.
pub const DEFAULT_STORE_PATH: &str = ".nhiscope/nhiscope.duckdb";

const SCHEMA: &str = include_str!("schema.sql");

/// The views (`nodes`, `edges`, `node_analysis` over the stored rows, and
/// the latest scan's), recreated whenever the store is opened for writing.
const VIEWS: &str = include_str!("views.sql");

/// Upgrades, in order: `(from version, SQL)`. Each runs in the same
/// transaction as the version bump, so a failed upgrade leaves the store as
/// it was.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/1-to-2.sql")),
    (2, include_str!("migrations/2-to-3.sql")),
];

/// `sql` with `{FACTOR_NAMES}` replaced by the risk factors' names as a
/// SQL list in bit order (a factor's position is its bit), and the code
/// lists of [`crate::compact::code_lists_sql`] filled in.
fn with_lists(sql: &str) -> String {
    let mut names: Vec<(u16, &str)> = crate::analysis::FACTORS
        .iter()
        .map(|factor| (factor.bit, factor.name))
        .collect();
    names.sort_unstable();
    debug_assert!(
        names
            .iter()
            .enumerate()
            .all(|(position, (bit, _))| *bit == 1 << position),
        "factor bits are 1, 2, 4, ... in order"
    );
    let list: Vec<String> = names.iter().map(|(_, name)| format!("'{name}'")).collect();
    let mut sql = sql.replace("{FACTOR_NAMES}", &format!("[{}]", list.join(", ")));
    for (placeholder, list) in crate::compact::code_lists_sql() {
        sql = sql.replace(placeholder, &list);
    }
    sql
}

/// SQL for the class name (`identity`, ...) of the node whose
/// `node_rows.kind_code` is the expression `code`, for readers that query
/// `node_rows` directly rather than the `nodes` view.
pub fn node_class_sql(code: &str) -> String {
    let [(_, classes), _, _] = crate::compact::code_lists_sql();
    format!("({classes}[(({code}) >> 8) + 1])")
}

/// SQL for the type name (`access_key`, ...) of the node whose
/// `node_rows.kind_code` is the expression `code` (see [`node_class_sql`]).
pub fn node_type_sql(code: &str) -> String {
    let [_, (_, types), _] = crate::compact::code_lists_sql();
    format!("({types}[(({code}) >> 8) + 1][(({code}) & 255) + 1])")
}

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
            let version = Self::peek(path)?.stored_version()?;
            let conn = connect(path, AccessMode::ReadWrite)?;
            let mut store = Self {
                conn,
                path: path.to_path_buf(),
            };
            if version < SCHEMA_VERSION {
                store.migrate(version)?;
            }
            store
                .conn
                .execute_batch(&with_lists(VIEWS))
                .map_err(|error| store.database(&error))?;
            return Ok(store);
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
        tx.execute_batch(&with_lists(VIEWS)).map_err(database)?;
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

    /// Opens an existing store read-only, refusing one of a newer schema
    /// version or a file that is not a store. A store of an older version is
    /// upgraded first (which needs a moment of write access).
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let version = Self::peek(path)?.stored_version()?;
        if version < SCHEMA_VERSION {
            drop(Self::open_or_create(path)?);
        }
        let conn = connect(path, AccessMode::ReadOnly)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// A read-only connection that has not checked the version yet.
    fn peek(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            conn: connect(path, AccessMode::ReadOnly)?,
            path: path.to_path_buf(),
        })
    }

    /// Runs every migration from `version` up, in one transaction.
    fn migrate(&mut self, version: i64) -> Result<(), StoreError> {
        let path = self.path.clone();
        let database = |error: duckdb::Error| StoreError::Database {
            path: path.clone(),
            message: format!(
                "upgrading the store from schema {version}: {}",
                one_line(&error)
            ),
        };
        let tx = self.conn.transaction().map_err(database)?;
        for (from, sql) in MIGRATIONS.iter().filter(|(from, _)| *from >= version) {
            tx.execute_batch(&with_lists(sql)).map_err(database)?;
            tracing::info!(path = %path.display(), from, to = from + 1, "upgraded the store");
        }
        tx.execute(
            "UPDATE schema_version SET version = ?, written_by = ?",
            duckdb::params![
                SCHEMA_VERSION,
                concat!("nhiscope ", env!("CARGO_PKG_VERSION"))
            ],
        )
        .map_err(database)?;
        tx.commit().map_err(database)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the store holds: an error for a file that is not
    /// a store or a store newer than this build.
    fn stored_version(&self) -> Result<i64, StoreError> {
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
            Some((version, _))
                if version == SCHEMA_VERSION
                    || MIGRATIONS.iter().any(|(from, _)| *from == version) =>
            {
                Ok(version)
            }
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
