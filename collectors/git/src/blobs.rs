//! Scanning each unique blob exactly once, in parallel.

use std::sync::{
    Mutex,
    atomic::{AtomicUsize, Ordering},
};

use gix::{ObjectId, ThreadSafeRepository};
use nhiscope_collect::NodeSink;
use nhiscope_secrets::{RuleSet, SecretMatch};
use tokio_util::sync::CancellationToken;

/// How many leading bytes are checked for a NUL to call a blob binary.
const BINARY_SNIFF_BYTES: usize = 8000;

/// A blob to scan: its id, and the path and commit it first appeared with
/// (for path rules and for naming it when it is skipped).
pub(crate) struct BlobToScan<'a> {
    pub id: ObjectId,
    pub path: &'a str,
    pub commit: ObjectId,
}

/// What scanning found: the hits of each blob that had any, by index into the
/// blobs given.
pub(crate) struct Scanned {
    pub hits: Vec<(usize, Vec<SecretMatch>)>,
    pub bytes: u64,
}

/// Scans `blobs` on `threads` threads. Unreadable blobs are per-item errors,
/// binary and oversized ones are skipped and named; nothing stops the rest.
pub(crate) fn scan_blobs(
    repo: &ThreadSafeRepository,
    blobs: &[BlobToScan<'_>],
    rules: &RuleSet,
    max_size: u64,
    threads: usize,
    cancel: &CancellationToken,
    out: &dyn NodeSink,
) -> Scanned {
    let next = AtomicUsize::new(0);
    let hits: Mutex<Vec<(usize, Vec<SecretMatch>)>> = Mutex::new(Vec::new());
    let bytes = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let repo = repo.to_thread_local();
                let mut scanned_here = 0u64;
                loop {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(blob) = blobs.get(index) else { break };
                    let name = || format!("{} @{} (blob {})", blob.path, short(&blob.commit), blob.id);
                    match repo.try_find_header(blob.id) {
                        Ok(Some(header)) if header.size() > max_size => {
                            out.skipped(name(), "too_large", Some(header.size()));
                            continue;
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            // Left out of a partial clone: nothing to read.
                            out.skipped(name(), "missing_object", None);
                            continue;
                        }
                        Err(error) => {
                            out.error(Some(name()), format!("cannot read {}: {error}; the repository may be damaged (git fsck)", name()));
                            continue;
                        }
                    }
                    let object = match repo.find_object(blob.id) {
                        Ok(object) => object,
                        Err(error) => {
                            out.error(Some(name()), format!("cannot read {}: {error}; the repository may be damaged (git fsck)", name()));
                            continue;
                        }
                    };
                    let content = &object.data;
                    if content[..content.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
                        out.skipped(name(), "binary", Some(content.len() as u64));
                        continue;
                    }
                    bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
                    scanned_here += 1;
                    if scanned_here.is_multiple_of(256) {
                        out.scanned(256);
                    }
                    let found = rules.scan(Some(blob.path), content);
                    if !found.is_empty() {
                        hits.lock().expect("no thread panics while holding it").push((index, found));
                    }
                }
                out.scanned(scanned_here % 256);
            });
        }
    });
    let mut hits = hits
        .into_inner()
        .expect("no thread panicked while holding it");
    hits.sort_by_key(|(index, _)| *index);
    Scanned {
        hits,
        bytes: bytes.into_inner(),
    }
}

/// The first twelve hex digits of a commit id.
pub(crate) fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(12).to_string()
}
