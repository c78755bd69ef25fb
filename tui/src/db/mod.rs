//! Reading the store: an in-memory DuckDB database that attaches the store
//! read-only while it is being read and detaches it when the explorer is
//! idle, so a scan in another terminal can take its write lock. Per-scan
//! indexes of the long lists (sort and filter keys only) live in the
//! in-memory database, so sorting, filtering and paging a million rows
//! never loads them whole.

mod detail;
mod findings;
mod inventory;
mod keyset;
mod overview;
mod scans;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use duckdb::{AccessMode, Config, Connection, types::Value};
use nhiscope_graph::Store;

pub use detail::{
    FindingDetail, NodeDetail, NodeFindings, NodeKey, NodeScore, finding as finding_detail,
    node as node_detail, node_findings,
};
#[cfg(test)]
pub(crate) use findings::oriented as findings_oriented;
pub(crate) use findings::rank as severity_rank;
pub use findings::{
    FindingFilter, FindingRow, FindingSort, build_index as build_findings_index,
    count as count_findings, facet as findings_facet, page as findings_page,
};
pub use inventory::{
    InventoryFilter, InventoryRow, InventorySort, build_index as build_inventory_index,
    count as count_inventory, facet as inventory_facet, page as inventory_page,
};
pub use keyset::{Direction, KeyValue, PageRequest, SortColumn};
pub use overview::{Overview, by_source as findings_by_source, load as load_overview};
pub use scans::{DiffRow, DiffSummary, ScanInfo, build_diff, diff_page, list as list_scans};

use crate::TuiError;

/// Whether the store is attached, and how many sessions use it.
#[derive(Debug, Default)]
struct AttachState {
    attached: bool,
    users: usize,
}

/// A connection to the in-memory database that reads the store. Cloned
/// (one connection per thread) for background jobs; every clone shares the
/// attachment.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    path: PathBuf,
    state: Arc<Mutex<AttachState>>,
}

/// While a session lives the store stays attached.
#[derive(Debug)]
pub struct Session<'a> {
    db: &'a Db,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let mut state = self.db.lock();
        state.users = state.users.saturating_sub(1);
    }
}

impl Session<'_> {
    /// The connection (the store is attached as `store`).
    pub fn conn(&self) -> &Connection {
        &self.db.conn
    }

    /// Runs `sql` with `params` and maps every row.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut map: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
    ) -> Result<Vec<T>, TuiError> {
        let error = |e: duckdb::Error| TuiError::query(&self.db.path, &e);
        let mut statement = self.db.conn.prepare(sql).map_err(error)?;
        let mut rows = statement
            .query(duckdb::params_from_iter(params.iter()))
            .map_err(error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(error)? {
            out.push(map(row).map_err(error)?);
        }
        Ok(out)
    }

    /// Runs a statement that returns nothing.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<(), TuiError> {
        self.db
            .conn
            .execute(sql, duckdb::params_from_iter(params.iter()))
            .map(|_| ())
            .map_err(|e| TuiError::query(&self.db.path, &e))
    }
}

impl Db {
    /// Validates the store (refusing a file that is not one, or one of a
    /// newer schema; upgrading an older one) and opens the in-memory
    /// database that reads it.
    pub fn open(path: &Path) -> Result<Self, TuiError> {
        drop(Store::open_read_only(path)?);
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let error = |e: duckdb::Error| TuiError::query(&path, &e);
        let config = Config::default()
            .access_mode(AccessMode::ReadWrite)
            .and_then(|config| config.enable_autoload_extension(false))
            .map_err(error)?;
        let conn = Connection::open_in_memory_with_flags(config).map_err(error)?;
        Ok(Self {
            conn,
            path,
            state: Arc::default(),
        })
    }

    /// Another connection to the same in-memory database, for a thread.
    pub fn try_clone(&self) -> Result<Self, TuiError> {
        Ok(Self {
            conn: self
                .conn
                .try_clone()
                .map_err(|e| TuiError::query(&self.path, &e))?,
            path: self.path.clone(),
            state: Arc::clone(&self.state),
        })
    }

    /// The store's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AttachState> {
        // A panic while holding this lock leaves a plain counter behind,
        // still consistent enough to go on with.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Attaches the store (if it is not) for the life of the session.
    pub fn session(&self) -> Result<Session<'_>, TuiError> {
        let mut state = self.lock();
        if !state.attached {
            let quoted = self.path.to_string_lossy().replace('\'', "''");
            self.conn
                .execute_batch(&format!("ATTACH '{quoted}' AS store (READ_ONLY)"))
                .map_err(|e| TuiError::query(&self.path, &e))?;
            state.attached = true;
        }
        state.users += 1;
        Ok(Session { db: self })
    }

    /// Detaches the store when nothing reads it, so another process may
    /// write to it. Returns whether it was detached now.
    pub fn release_if_idle(&self) -> bool {
        let mut state = self.lock();
        if !state.attached || state.users > 0 {
            return false;
        }
        match self.conn.execute_batch("DETACH store") {
            Ok(()) => {
                state.attached = false;
                true
            }
            Err(error) => {
                tracing::debug!(%error, "could not detach the store");
                false
            }
        }
    }
}

/// The ORDER BY of a list's index columns (the index aliased `k`), in the
/// list's order, for exports.
pub(crate) fn order_by_for_export(columns: &[SortColumn], reversed: bool) -> String {
    keyset::order_by(&findings::oriented(columns, reversed), false, "k.")
}

/// Microseconds since the epoch as a timestamp.
pub(crate) fn timestamp(micros: Option<i64>) -> Option<jiff::Timestamp> {
    micros.and_then(|m| jiff::Timestamp::from_microsecond(m).ok())
}

/// Seconds since the epoch for "unknown" that sorts last ascending.
pub(crate) const UNKNOWN_LATE: i64 = i64::MAX;
/// Seconds since the epoch for "never" that sorts first ascending.
pub(crate) const UNKNOWN_EARLY: i64 = i64::MIN;

/// A string parameter.
/// Adds to a WHERE clause over a list index one `contains(hay, ?)` per
/// word of `search` (the index's `hay` is lowercase text).
pub(crate) fn and_search(clause: &mut String, params: &mut Vec<Value>, search: &str) {
    for word in search.split_whitespace() {
        clause.push_str(" AND contains(hay, ?)");
        params.push(text(&word.to_lowercase()));
    }
}

/// The table a list reads: its `index`, or with a search the `hits` table
/// [`count_list`] filled.
pub(crate) fn list_table(search: &str, index: &'static str, hits: &'static str) -> &'static str {
    if search.trim().is_empty() {
        index
    } else {
        hits
    }
}

/// How many rows of a list pass its filter. A search runs here, once, into
/// `hits` (`SELECT {columns} FROM {index}` of the rows it finds), which the
/// list's pages then read; `rest` is the filter but the search.
pub(crate) fn count_list(
    session: &Session<'_>,
    search: &str,
    (index, hits, columns): (&'static str, &'static str, &str),
    (clause, params): (String, Vec<Value>),
) -> Result<u64, TuiError> {
    let table = list_table(search, index, hits);
    if table == hits {
        let mut found = "TRUE".to_string();
        let mut found_params = Vec::new();
        and_search(&mut found, &mut found_params, search);
        session.execute(
            &format!(
                "CREATE OR REPLACE TABLE {hits} AS SELECT {columns} FROM {index} WHERE {found}"
            ),
            &found_params,
        )?;
    }
    Ok(session
        .rows(
            &format!("SELECT count(*) FROM {table} WHERE {clause}"),
            &params,
            |row| row.get::<_, i64>(0),
        )?
        .first()
        .map_or(0, |n| n.unsigned_abs()))
}

pub(crate) fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}
