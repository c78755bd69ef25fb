//! Work off the UI thread: reloading the access graph, indexing the long
//! lists, comparing scans, exporting. Each job runs on its own thread and
//! reports once; results of a scan the user has since left are dropped.
//! When the explorer ends, it waits for its jobs: a process that exits while
//! a thread is inside DuckDB can crash as DuckDB's globals are torn down.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        mpsc::{Receiver, Sender, channel},
    },
    thread::JoinHandle,
    time::Duration,
};

use nhiscope_graph::Graph;

use crate::{
    TuiError,
    db::{DiffSummary, NodeFindings},
};

/// What a finished job reports.
#[derive(Debug)]
pub enum Done {
    /// The scan's access graph.
    Graph(Result<Arc<Graph>, TuiError>),
    /// The findings index: how many findings, and how many per source.
    FindingsIndex(Result<(u64, Vec<(String, u64)>), TuiError>),
    /// The inventory index: how many identities and credentials.
    InventoryIndex(Result<u64, TuiError>),
    /// The findings about one node.
    NodeFindings(String, Result<NodeFindings, TuiError>),
    /// A comparison of two scans.
    Diff(Result<DiffSummary, TuiError>),
    /// An export: the file and how many rows.
    Export(Result<(PathBuf, u64), TuiError>),
    /// A job panicked (a bug): what it was doing.
    Panicked(&'static str),
}

/// The running jobs.
#[derive(Debug)]
pub struct Jobs {
    sender: Sender<(u64, Done)>,
    receiver: Receiver<(u64, Done)>,
    pending: usize,
    generation: u64,
    threads: Vec<JoinHandle<()>>,
}

impl Default for Jobs {
    fn default() -> Self {
        let (sender, receiver) = channel();
        Self {
            sender,
            receiver,
            pending: 0,
            generation: 0,
            threads: Vec::new(),
        }
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for thread in self.threads.drain(..) {
            // A job's panic was caught and reported already.
            let _ = thread.join();
        }
    }
}

impl Jobs {
    /// Starts `work` on a thread of its own.
    pub fn spawn(&mut self, what: &'static str, work: impl FnOnce() -> Done + Send + 'static) {
        let sender = self.sender.clone();
        let generation = self.generation;
        let started = std::thread::Builder::new()
            .name(format!("nhiscope-tui {what}"))
            .spawn(move || {
                let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or(Done::Panicked(what));
                // The explorer may have quit; nobody is listening then.
                let _ = sender.send((generation, done));
            });
        self.threads.retain(|thread| !thread.is_finished());
        match started {
            Ok(thread) => {
                self.threads.push(thread);
                self.pending += 1;
            }
            Err(error) => {
                tracing::warn!(%error, what, "cannot start a job thread");
                let _ = self.sender.send((generation, Done::Panicked(what)));
                self.pending += 1;
            }
        }
    }

    /// Forgets the results of every job started so far (the scan changed).
    pub fn next_generation(&mut self) {
        self.generation += 1;
    }

    /// How many jobs have not reported yet.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// A finished job of the current generation, waiting at most `timeout`
    /// (not at all when zero).
    pub fn next(&mut self, timeout: Duration) -> Option<Done> {
        loop {
            let received = if timeout.is_zero() {
                self.receiver.try_recv().ok()
            } else {
                self.receiver.recv_timeout(timeout).ok()
            };
            let (generation, done) = received?;
            self.pending = self.pending.saturating_sub(1);
            if generation == self.generation {
                return Some(done);
            }
        }
    }
}
