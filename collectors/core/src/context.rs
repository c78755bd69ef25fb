//! What a collector gets at run time.

use std::sync::Arc;

use jiff::Timestamp;
use nhiscope_model::ScanId;
use tokio_util::sync::CancellationToken;

/// The source of "now", so ages can be tested against a fixed time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stopped at one instant, for tests and reproducible reports.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Bounds on what a collector may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Files larger than this many bytes are skipped (and named).
    pub max_file_size: u64,
    /// How many files or requests a collector may work on at once.
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 10 * 1024 * 1024,
            concurrency: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// Everything a collector needs at run time, in one place.
#[derive(Debug, Clone)]
pub struct CollectContext {
    /// The scan this run belongs to.
    pub scan_id: ScanId,
    /// The clock to read "now" from.
    pub clock: Arc<dyn Clock>,
    /// Resource bounds.
    pub limits: Limits,
    /// Cancelled when the user interrupts the scan; check it between items.
    pub cancel: CancellationToken,
    /// The collector's own config section.
    pub config: toml::Table,
}
