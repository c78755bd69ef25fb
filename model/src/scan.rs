//! Scan metadata: when, with what, and what went wrong.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of one scan, time-ordered (UUID v7) so ids sort by start time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanId(Uuid);

impl ScanId {
    /// A new id for a scan starting at `started_at`.
    pub fn new(started_at: Timestamp) -> Self {
        let seconds = u64::try_from(started_at.as_second()).unwrap_or(0);
        let nanos = u32::try_from(started_at.subsec_nanosecond()).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, seconds, nanos);
        Self(Uuid::new_v7(ts))
    }

    /// Parses the hyphenated form.
    pub fn parse(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok().map(Self)
    }
}

impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// How a scan ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    /// Every source was read.
    Complete,
    /// At least one source or item failed; what was collected is stored.
    Incomplete,
    /// The scan was interrupted (Ctrl-C); what was collected is stored.
    Interrupted,
}

impl ScanStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Complete => "complete",
            ScanStatus::Incomplete => "incomplete",
            ScanStatus::Interrupted => "interrupted",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "complete" => Some(ScanStatus::Complete),
            "incomplete" => Some(ScanStatus::Incomplete),
            "interrupted" => Some(ScanStatus::Interrupted),
            _ => None,
        }
    }
}

/// What one collector did in a scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// The collector id (`fs`, `aws`, ...).
    pub collector: String,
    /// What it scanned (paths, accounts), as the user named them.
    pub targets: Vec<String>,
    /// Whether it finished without a fatal error.
    pub succeeded: bool,
    /// How many items it examined (files, API objects).
    pub items_scanned: u64,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
    /// How many objects of each kind it read (`ClusterRole: 68`), for sources
    /// whose inputs hold many kinds, so a reader can check nothing was missed.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub objects_read: std::collections::BTreeMap<String, u64>,
}

/// A failure reading a source or an item in it. Recorded, shown, never fatal to
/// the whole scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    /// The collector id.
    pub collector: String,
    /// The file, account or API the failure concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// One line: what failed and what to do.
    pub message: String,
    /// Whether the whole collector stopped (true) or one item failed (false).
    pub fatal: bool,
}

/// An item a collector chose not to read, and why: counted and named so that
/// nothing is dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The collector id.
    pub collector: String,
    /// The file or object skipped.
    pub location: String,
    /// Why: `binary`, `too_large`, ...
    pub reason: String,
    /// Its size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Everything about a scan except its inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    /// The scan id.
    pub id: ScanId,
    /// The scan's ordinal in its store (1, 2, ...), once stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// The nhiscope version that ran it.
    pub tool_version: String,
    /// How it ended.
    pub status: ScanStatus,
    /// Each collector's summary.
    pub sources: Vec<SourceSummary>,
    /// Failures, fatal or not.
    pub errors: Vec<SourceError>,
    /// Items not read, with reasons.
    pub skipped: Vec<Skipped>,
}
