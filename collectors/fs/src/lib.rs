//! The `fs` collector: finds credentials exposed in files and directories.
//!
//! It walks each configured path in parallel (honouring `.gitignore`, `.ignore`
//! and `.nhiscopeignore` unless told to include ignored files), skips binary and
//! oversized files with a named, counted record, runs the secret matcher over
//! every other file, and turns each hit into a credential node exposed in the
//! directory's source node, plus a finding with the file, line and a redacted
//! preview. A file that cannot be read is a per-item error; the walk goes on.

mod collector;
mod config;
mod emit;

pub use collector::FsCollector;
pub use config::FsConfig;
