//! The `git` collector: finds credentials anywhere in a repository's history.
//!
//! It walks every commit reachable from every reference (or only those not
//! reachable from `since`), diffs each commit's tree against its first parent's
//! to learn which commit introduced each blob at which path, scans each unique
//! blob exactly once (in parallel, binary and oversized blobs skipped and
//! named), and attributes every finding to the earliest commit that introduced
//! the secret at that path, with its author and date and how many commits and
//! paths carry it. In `staged` mode it scans only the index entries that differ
//! from `HEAD` (a pre-commit check). Bare repositories work the same way.

mod blobs;
mod collector;
mod config;
mod history;

pub use collector::GitCollector;
pub use config::GitConfig;

/// Whether `path` is the root of a git repository (a work tree with `.git`, or
/// a bare repository), the paths whose history a scan reads by default.
pub fn is_repository_root(path: &std::path::Path) -> bool {
    path.join(".git").exists()
        || (path.join("HEAD").is_file()
            && path.join("objects").is_dir()
            && path.join("refs").is_dir())
}
