//! The explorer: its state, the store it reads and its background jobs.
//! Terminal and headless runners feed it actions and draw its state.

use std::{path::PathBuf, sync::Arc, time::Duration};

use jiff::Timestamp;
use nhiscope_graph::{ScanSelector, Store, StoreError};
use nhiscope_model::ScanId;
use ratatui::Frame;

use crate::{
    TuiError,
    action::Action,
    db::{self, Db, ScanInfo},
    draw,
    jobs::{Done, Jobs},
    state::{Loading, State},
    update::{self, Effect},
};

/// How the explorer starts.
#[derive(Clone, Debug)]
pub struct Options {
    /// The store.
    pub db: PathBuf,
    /// The scan to open.
    pub scan: ScanSelector,
    /// Draw in colour (false when `NO_COLOR` is set).
    pub color: bool,
    /// Compute ages as of this time instead of now.
    pub as_of: Option<Timestamp>,
}

/// The explorer.
#[derive(Debug)]
pub struct App {
    pub(crate) state: State,
    pub(crate) db: Db,
    pub(crate) jobs: Jobs,
    /// The user asked for one scan: a refresh does not move to a newer one.
    pub(crate) pinned: bool,
    modified: Option<std::time::SystemTime>,
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    let wal = path.with_extension("duckdb.wal");
    [path.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}

/// The scan a selector names among `scans`.
pub(crate) fn select(
    scans: &[ScanInfo],
    selector: &ScanSelector,
    path: &std::path::Path,
) -> Result<usize, TuiError> {
    let missing = |selector: String| {
        TuiError::Store(StoreError::NoSuchScan {
            path: path.to_path_buf(),
            selector,
        })
    };
    match selector {
        ScanSelector::Latest => scans
            .len()
            .checked_sub(1)
            .ok_or_else(|| missing(selector.to_string())),
        ScanSelector::Number(number) => scans
            .iter()
            .position(|s| s.number == *number)
            .ok_or_else(|| missing(selector.to_string())),
        ScanSelector::IdPrefix(prefix) => {
            let found: Vec<usize> = (0..scans.len())
                .filter(|i| scans[*i].id.starts_with(prefix.as_str()))
                .collect();
            match found[..] {
                [one] => Ok(one),
                [] => Err(missing(selector.to_string())),
                _ => Err(missing(format!(
                    "{selector} (it matches {} scans; give more of the id)",
                    found.len()
                ))),
            }
        }
    }
}

impl App {
    /// Opens the store, selects the scan and loads what the first screen
    /// shows; the graph and the list indexes load in the background.
    pub fn open(options: &Options, size: (u16, u16)) -> Result<Self, TuiError> {
        let db = Db::open(&options.db)?;
        let scans = db::list_scans(&db.session()?)?;
        let scan = select(&scans, &options.scan, db.path())?;
        let state = State {
            size,
            color: options.color,
            now: options.as_of.unwrap_or_else(Timestamp::now),
            scans,
            scan,
            ..State::default()
        };
        let mut app = Self {
            modified: modified(db.path()),
            state,
            db,
            jobs: Jobs::default(),
            pinned: options.scan != ScanSelector::Latest,
        };
        app.load_scan()?;
        Ok(app)
    }

    /// Resets every view for the current scan, loads its overview and
    /// starts loading its graph and indexes.
    pub(crate) fn load_scan(&mut self) -> Result<(), TuiError> {
        self.jobs.next_generation();
        let scan = self.state.current_scan().cloned().ok_or_else(|| {
            TuiError::Store(StoreError::NoSuchScan {
                path: self.db.path().to_path_buf(),
                selector: ScanSelector::Latest.to_string(),
            })
        })?;
        let state = &mut self.state;
        state.detail = None;
        state.history.clear();
        state.overlay = None;
        state.findings = Default::default();
        state.inventory = Default::default();
        state.graph = None;
        state.graph_loading = Loading::Pending;
        state.graph_view = Default::default();
        state.graph_wanted = None;
        state.scans_view.diff = None;
        state.scans_view.selected = state.scan;
        self.state.overview = db::load_overview(&self.db.session()?, &scan.id)?;

        let path = self.db.path().to_path_buf();
        let id = scan.id.clone();
        self.jobs.spawn("graph", move || {
            Done::Graph((|| {
                let store = Store::open_read_only(&path)?;
                let scan_id = ScanId::parse(&id).ok_or_else(|| StoreError::Corrupt {
                    path: path.clone(),
                    message: format!("unreadable scan id {id}"),
                })?;
                Ok(Arc::new(store.load_graph(&scan_id)?))
            })())
        });
        let index_db = self.db.try_clone()?;
        let id = scan.id;
        let (sender_db, inventory_id) = (self.db.try_clone()?, id.clone());
        self.jobs.spawn("findings index", move || {
            Done::FindingsIndex((|| {
                let session = index_db.session()?;
                let total = db::build_findings_index(&session, &id)?;
                Ok((total, db::findings_by_source(&session)?))
            })())
        });
        self.jobs.spawn("inventory index", move || {
            Done::InventoryIndex((|| {
                let session = sender_db.session()?;
                db::build_inventory_index(&session, &inventory_id)
            })())
        });
        Ok(())
    }

    /// Applies an action and returns what the runner must do outside.
    pub fn apply(&mut self, action: Action) -> Vec<Effect> {
        update::update(self, action)
    }

    /// Applies the results of finished jobs, waiting at most `timeout` for
    /// the first. Returns whether anything changed.
    pub fn poll(&mut self, timeout: Duration) -> bool {
        let mut changed = false;
        let mut wait = timeout;
        while let Some(done) = self.jobs.next(wait) {
            update::finished(self, done);
            changed = true;
            wait = Duration::ZERO;
        }
        changed
    }

    /// Waits until every background job has reported.
    pub fn settle(&mut self) {
        while self.jobs.pending() > 0 {
            self.poll(Duration::from_millis(50));
        }
    }

    /// Whether background jobs are running.
    pub fn busy(&self) -> bool {
        self.jobs.pending() > 0
    }

    /// Lets go of the store when nothing reads it, and notices a store that
    /// changed on disk (a scan finished in another terminal).
    pub fn idle(&mut self) {
        if self.jobs.pending() == 0 {
            self.db.release_if_idle();
        }
        let now = modified(self.db.path());
        if now != self.modified {
            self.modified = now;
            self.state.store_changed = true;
        }
    }

    /// Marks the store as read as it is now.
    pub(crate) fn store_read(&mut self) {
        self.modified = modified(self.db.path());
        self.state.store_changed = false;
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.state.quit
    }

    /// Draws the state.
    pub fn draw(&self, frame: &mut Frame<'_>) {
        draw::draw(frame, &self.state);
    }
}
