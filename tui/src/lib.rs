//! The interactive explorer over the store: the findings, identities and
//! credentials, access graph and scan history of the scans `nhiscope scan`
//! wrote, for triage at the keyboard. It reads the store only — never runs
//! a collector — and lets go of it when idle, so a scan can write a new
//! one from another terminal while it is open (`r` picks it up).
//!
//! Events become [`action`]s, actions change the [`state`] (querying the
//! store a page at a time), and [`draw`] renders the state and nothing
//! else. The same app runs in a terminal ([`run`]) or headless against
//! ratatui's `TestBackend` ([`Headless`], [`measure`]) for tests and the
//! responsiveness benchmark.

mod action;
mod app;
mod db;
mod draw;
mod error;
mod export;
mod graph_view;
mod headless;
mod jobs;
mod layout;
mod paging;
mod state;
mod terminal;
mod update;

pub use action::{KEYS, parse_key};
pub use app::Options;
pub use error::TuiError;
pub use headless::{Headless, KeyTiming, Timings, measure, parse_size, screen_text, split_keys};
pub use terminal::run;

#[cfg(test)]
mod tests;
