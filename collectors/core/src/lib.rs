//! The plug point for sources of inventory: the [`Collector`] trait, the context
//! a collector runs in, the sink it emits into, and the runner that executes the
//! enabled collectors concurrently and gathers what they emit.
//!
//! A collector gets everything it needs at run time from one [`CollectContext`]
//! (scan id, clock, limits, cancellation and its own config section) and reports
//! everything it finds through a [`NodeSink`]. A collector that fails is recorded
//! as a source error; the others finish and what every collector emitted before
//! failing is kept ([`run_collectors`]).

mod context;
mod error;
mod recording;
mod runner;
mod sink;

use async_trait::async_trait;

pub use context::{Clock, CollectContext, FixedClock, Limits, SystemClock};
pub use error::{CollectError, ConfigError};
pub use recording::{Recorded, RecordingSink};
pub use runner::{CollectorRun, Progress, ScanOutcome, run_collectors};
pub use sink::NodeSink;

/// A source of inventory: the AWS IAM API, a Kubernetes cluster, a directory.
///
/// Implementations are registered in the binary's ordered collector list. They
/// make read-only calls, emit nodes, edges and findings into `out` as they go
/// (so a failure later loses nothing already emitted), report per-item problems
/// with [`NodeSink::error`] and [`NodeSink::skipped`], and return an error only
/// when the whole source cannot be read.
#[async_trait]
pub trait Collector: Send + Sync {
    /// The stable id, also the name of the collector's config section (`fs`).
    fn id(&self) -> &'static str;

    /// One line saying what the collector reads.
    fn describe(&self) -> &'static str;

    /// Checks the collector's config section before any scan starts: unknown
    /// keys and bad values are rejected with the key named.
    fn check_config(&self, section: &toml::Table) -> Result<(), ConfigError>;

    /// Collects the inventory of the source described by `cx.config`.
    async fn collect(&self, cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError>;
}
