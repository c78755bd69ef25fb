//! The `fs` collector: finds credentials exposed in files and directories.
//!
//! It walks each configured path in parallel (honouring `.gitignore`, `.ignore`
//! and `.nhiscopeignore` unless told to include ignored files), skips binary and
//! oversized files with a named, counted record, runs the secret matcher over
//! every other file (dropping findings listed in `.gitleaksignore`), and turns each hit into a credential node exposed in the
//! directory's source node, plus a finding with the file, line and a redacted
//! preview. A file that cannot be read is a per-item error; the walk goes on.

mod collector;
mod config;
mod exposure;
mod ignore_list;

pub use collector::{FsCollector, IGNORE_FILE_NAME};
pub use config::FsConfig;
pub use exposure::{ContentPlace, emit_hits};
pub use ignore_list::{GITLEAKSIGNORE, IgnoreList};
