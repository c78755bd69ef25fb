//! Runs the enabled collectors concurrently and gathers their output.

use std::{sync::Arc, time::Instant};

use nhiscope_model::{Edge, Finding, Inventory, Node, Skipped, SourceError, SourceSummary};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::{CollectContext, CollectError, Collector, NodeSink};

/// One collector to run, with its config section and what it will scan.
pub struct CollectorRun {
    /// The collector.
    pub collector: Arc<dyn Collector>,
    /// Its context (with its config section).
    pub context: CollectContext,
    /// What it scans, as the user named it (for the scan summary).
    pub targets: Vec<String>,
}

/// Running totals, handed to the progress callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Items examined so far, over all collectors.
    pub items_scanned: u64,
    /// Nodes emitted so far.
    pub nodes: u64,
    /// Findings emitted so far.
    pub findings: u64,
}

/// What a run of collectors produced.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Everything found, deduplicated.
    pub inventory: Inventory,
    /// One summary per collector, in run order.
    pub sources: Vec<SourceSummary>,
    /// Every failure, fatal or per item.
    pub errors: Vec<SourceError>,
    /// Every item not read, with its reason.
    pub skipped: Vec<Skipped>,
    /// Whether the run was cancelled before every collector finished.
    pub interrupted: bool,
}

impl ScanOutcome {
    /// Whether anything failed (a source or an item).
    pub fn is_incomplete(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// What collectors send to the gatherer.
enum Emission {
    Node(Node),
    Edge(Edge),
    Finding(Finding),
    Error(SourceError),
    Skipped(Skipped),
    Scanned(usize, u64),
    ObjectsRead(usize, String, u64),
}

/// A sink that forwards everything to the gatherer, tagged with its collector.
struct ChannelSink {
    collector: &'static str,
    index: usize,
    tx: mpsc::UnboundedSender<Emission>,
}

impl ChannelSink {
    fn send(&self, emission: Emission) {
        // The gatherer lives until every sender is dropped, so sending cannot
        // fail while a collector runs.
        let _ = self.tx.send(emission);
    }
}

impl NodeSink for ChannelSink {
    fn node(&self, node: Node) {
        self.send(Emission::Node(node));
    }

    fn edge(&self, edge: Edge) {
        self.send(Emission::Edge(edge));
    }

    fn finding(&self, finding: Finding) {
        self.send(Emission::Finding(finding));
    }

    fn error(&self, location: Option<String>, message: String) {
        tracing::warn!(
            collector = self.collector,
            location = location.as_deref().unwrap_or(""),
            "{message}"
        );
        self.send(Emission::Error(SourceError {
            collector: self.collector.to_string(),
            location,
            message,
            fatal: false,
        }));
    }

    fn skipped(&self, location: String, reason: &str, size: Option<u64>) {
        tracing::debug!(collector = self.collector, %location, reason, "skipped");
        self.send(Emission::Skipped(Skipped {
            collector: self.collector.to_string(),
            location,
            reason: reason.to_string(),
            size,
        }));
    }

    fn scanned(&self, count: u64) {
        self.send(Emission::Scanned(self.index, count));
    }

    fn objects_read(&self, kind: &str, count: u64) {
        self.send(Emission::ObjectsRead(self.index, kind.to_string(), count));
    }
}

/// Runs every collector concurrently, each in its own task, and gathers what
/// they emit into one [`ScanOutcome`]. A collector that returns an error or
/// panics becomes a fatal [`SourceError`]; the others run to the end, and the
/// output of every collector (including a failed one) is kept.
pub async fn run_collectors(
    runs: Vec<CollectorRun>,
    on_progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> ScanOutcome {
    let (tx, mut rx) = mpsc::unbounded_channel::<Emission>();
    let mut outcome = ScanOutcome::default();
    let mut tasks = Vec::with_capacity(runs.len());
    let mut cancel_tokens = Vec::with_capacity(runs.len());
    for (index, run) in runs.into_iter().enumerate() {
        let id = run.collector.id();
        outcome.sources.push(SourceSummary {
            collector: id.to_string(),
            targets: run.targets,
            succeeded: false,
            items_scanned: 0,
            duration_ms: 0,
            objects_read: Default::default(),
        });
        cancel_tokens.push(run.context.cancel.clone());
        let sink = ChannelSink {
            collector: id,
            index,
            tx: tx.clone(),
        };
        let span = tracing::info_span!("collector", id);
        tasks.push(tokio::spawn(
            async move {
                let started = Instant::now();
                let result = run.collector.collect(&run.context, &sink).await;
                (result, started.elapsed())
            }
            .instrument(span),
        ));
    }
    drop(tx);

    let mut progress = Progress::default();
    let gather = async {
        while let Some(emission) = rx.recv().await {
            match emission {
                Emission::Node(node) => {
                    progress.nodes += 1;
                    outcome.inventory.add_node(node);
                }
                Emission::Edge(edge) => outcome.inventory.add_edge(edge),
                Emission::Finding(finding) => {
                    progress.findings += 1;
                    outcome.inventory.add_finding(finding);
                }
                Emission::Error(error) => outcome.errors.push(error),
                Emission::Skipped(skipped) => outcome.skipped.push(skipped),
                Emission::Scanned(index, count) => {
                    progress.items_scanned += count;
                    outcome.sources[index].items_scanned += count;
                    on_progress(progress);
                }
                Emission::ObjectsRead(index, kind, count) => {
                    progress.items_scanned += count;
                    let source = &mut outcome.sources[index];
                    source.items_scanned += count;
                    *source.objects_read.entry(kind).or_insert(0) += count;
                    on_progress(progress);
                }
            }
        }
    };
    let join = futures::future::join_all(tasks);
    let ((), results) = tokio::join!(gather, join);

    for (index, result) in results.into_iter().enumerate() {
        let collector = outcome.sources[index].collector.clone();
        let fatal = match result {
            Ok((result, elapsed)) => {
                outcome.sources[index].duration_ms =
                    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
                match result {
                    Ok(()) => None,
                    Err(CollectError::Cancelled) => {
                        outcome.interrupted = true;
                        None
                    }
                    Err(error) => Some(error.to_string()),
                }
            }
            Err(join_error) => Some(format!(
                "the collector crashed ({join_error}); this is a bug in nhiscope, please report it with the log from -vv"
            )),
        };
        if cancel_tokens[index].is_cancelled() {
            outcome.interrupted = true;
        }
        match fatal {
            None => outcome.sources[index].succeeded = !outcome.interrupted,
            Some(message) => {
                tracing::error!(collector, "{message}");
                outcome.errors.push(SourceError {
                    collector,
                    location: None,
                    message,
                    fatal: true,
                });
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests;
