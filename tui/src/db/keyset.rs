//! Paging a sorted list without loading it: a page is fetched either by
//! offset (from the nearer end, so the last page costs what the first does)
//! or, when a neighbouring page is known, by seeking past its last (or
//! before its first) sort key, which costs the same at any depth.

use duckdb::types::Value;

/// One sort column of a list's index table, in the list's forward order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortColumn {
    /// The column (never NULL in the index tables).
    pub column: &'static str,
    /// Ascending in the forward order.
    pub ascending: bool,
}

impl SortColumn {
    /// An ascending column.
    pub const fn asc(column: &'static str) -> Self {
        Self {
            column,
            ascending: true,
        }
    }

    /// A descending column.
    pub const fn desc(column: &'static str) -> Self {
        Self {
            column,
            ascending: false,
        }
    }
}

/// The value of a sort column in one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
}

impl KeyValue {
    fn value(&self) -> Value {
        match self {
            KeyValue::Int(n) => Value::BigInt(*n),
            KeyValue::Text(text) => Value::Text(text.clone()),
        }
    }
}

/// Which way a seek goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The rows after a key.
    After,
    /// The rows before a key.
    Before,
}

/// Which rows of a sorted list to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageRequest {
    /// `limit` rows from position `offset`; `total` (when known) lets a page
    /// near the end be read backwards from the end.
    Offset {
        /// The first position.
        offset: u64,
        /// How many rows.
        limit: u64,
        /// The list's length, when known.
        total: Option<u64>,
    },
    /// `limit` rows just after or before the row whose sort key is `key`.
    Seek {
        /// The sort key of the row to start from (exclusive).
        key: Vec<KeyValue>,
        /// Which way.
        direction: Direction,
        /// How many rows.
        limit: u64,
    },
}

/// The parts of a page query: an extra predicate, the ORDER BY, LIMIT,
/// OFFSET, and whether the rows come back in reverse (to be reversed).
#[derive(Clone, Debug, PartialEq)]
pub struct PageSql {
    /// `AND`-ed to the list's filter (`TRUE` when none).
    pub predicate: String,
    /// Its parameters.
    pub params: Vec<Value>,
    /// The ORDER BY list.
    pub order: String,
    /// LIMIT.
    pub limit: u64,
    /// OFFSET.
    pub offset: u64,
    /// The query reads backwards: reverse the rows it returns.
    pub reversed: bool,
}

/// The ORDER BY list of `columns` (each name after `prefix`), or of their
/// reverse.
pub fn order_by(columns: &[SortColumn], reversed: bool, prefix: &str) -> String {
    columns
        .iter()
        .map(|c| {
            let ascending = c.ascending != reversed;
            format!(
                "{prefix}{} {}",
                c.column,
                if ascending { "ASC" } else { "DESC" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows strictly after (or before) `key` in the order of `columns`:
/// `c1 > ? OR (c1 = ? AND (c2 > ? OR (c2 = ? AND c3 > ?)))`.
fn seek_predicate(
    columns: &[SortColumn],
    key: &[KeyValue],
    direction: Direction,
) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    let count = columns.len().min(key.len());
    for (i, (column, value)) in columns.iter().zip(key).take(count).enumerate() {
        let forward = column.ascending == (direction == Direction::After);
        let op = if forward { '>' } else { '<' };
        if i + 1 == count {
            sql.push_str(&format!("{} {op} ?", column.column));
            params.push(value.value());
        } else {
            sql.push_str(&format!(
                "({} {op} ? OR ({} = ? AND ",
                column.column, column.column
            ));
            params.push(value.value());
            params.push(value.value());
        }
    }
    for _ in 1..count {
        sql.push_str("))");
    }
    if sql.is_empty() {
        sql.push_str("TRUE");
    }
    (sql, params)
}

/// The query parts for `request` over a list sorted by `columns`.
pub fn page_sql(columns: &[SortColumn], request: &PageRequest) -> PageSql {
    match request {
        PageRequest::Offset {
            offset,
            limit,
            total,
        } => match total {
            Some(total) if *offset > total / 2 => {
                let end = (offset + limit).min(*total);
                PageSql {
                    predicate: "TRUE".into(),
                    params: Vec::new(),
                    order: order_by(columns, true, ""),
                    limit: end.saturating_sub(*offset),
                    offset: total - end,
                    reversed: true,
                }
            }
            _ => PageSql {
                predicate: "TRUE".into(),
                params: Vec::new(),
                order: order_by(columns, false, ""),
                limit: *limit,
                offset: *offset,
                reversed: false,
            },
        },
        PageRequest::Seek {
            key,
            direction,
            limit,
        } => {
            let (predicate, params) = seek_predicate(columns, key, *direction);
            let reversed = *direction == Direction::Before;
            PageSql {
                predicate,
                params,
                order: order_by(columns, reversed, ""),
                limit: *limit,
                offset: 0,
                reversed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RISK: [SortColumn; 3] = [
        SortColumn::desc("risk"),
        SortColumn::desc("sev"),
        SortColumn::asc("row"),
    ];

    #[test]
    fn seeks_expand_to_nested_comparisons() {
        let key = vec![KeyValue::Int(50), KeyValue::Int(2), KeyValue::Int(7)];
        let sql = page_sql(
            &RISK,
            &PageRequest::Seek {
                key: key.clone(),
                direction: Direction::After,
                limit: 10,
            },
        );
        assert_eq!(
            sql.predicate,
            "(risk < ? OR (risk = ? AND (sev < ? OR (sev = ? AND row > ?))))"
        );
        assert_eq!(sql.params.len(), 5);
        assert_eq!(sql.order, "risk DESC, sev DESC, row ASC");
        assert!(!sql.reversed);
        let before = page_sql(
            &RISK,
            &PageRequest::Seek {
                key,
                direction: Direction::Before,
                limit: 10,
            },
        );
        assert_eq!(
            before.predicate,
            "(risk > ? OR (risk = ? AND (sev > ? OR (sev = ? AND row < ?))))"
        );
        assert_eq!(before.order, "risk ASC, sev ASC, row DESC");
        assert!(before.reversed);
    }

    #[test]
    fn deep_offsets_read_from_the_nearer_end() {
        let near = page_sql(
            &RISK,
            &PageRequest::Offset {
                offset: 100,
                limit: 50,
                total: Some(1000),
            },
        );
        assert_eq!((near.offset, near.limit, near.reversed), (100, 50, false));
        let last = page_sql(
            &RISK,
            &PageRequest::Offset {
                offset: 960,
                limit: 50,
                total: Some(1000),
            },
        );
        assert_eq!((last.offset, last.limit, last.reversed), (0, 40, true));
        let late = page_sql(
            &RISK,
            &PageRequest::Offset {
                offset: 800,
                limit: 50,
                total: Some(1000),
            },
        );
        assert_eq!((late.offset, late.limit), (150, 50));
    }
}
