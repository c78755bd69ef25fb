//! Everything a frame is drawn from. Drawing reads this and nothing else;
//! only [`crate::update`] changes it.

use std::sync::Arc;

use jiff::Timestamp;
use nhiscope_graph::Graph;

use crate::{
    db::{
        DiffRow, DiffSummary, FindingDetail, FindingFilter, FindingRow, FindingSort,
        InventoryFilter, InventoryRow, InventorySort, NodeDetail, NodeFindings, Overview, ScanInfo,
    },
    graph_view::{GraphView, Pane},
    paging::Paged,
};

/// The top-level views, in tab order (keys 1 to 5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// Totals, source errors and the trend across scans.
    #[default]
    Overview,
    /// The findings, sorted and filtered.
    Findings,
    /// Identities and credentials.
    Inventory,
    /// The neighbourhood of one node and its blast radius.
    Graph,
    /// The stored scans and what changed between two.
    Scans,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::Findings,
        Tab::Inventory,
        Tab::Graph,
        Tab::Scans,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Findings => "Findings",
            Tab::Inventory => "Inventory",
            Tab::Graph => "Graph",
            Tab::Scans => "Scans",
        }
    }

    /// Its position (0-based).
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Whether something the explorer computes in the background is there yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Loading {
    /// Not there yet.
    #[default]
    Pending,
    /// There.
    Ready,
    /// It failed (the message says why).
    Failed(String),
}

/// A sorted, filtered list read a page at a time.
#[derive(Clone, Debug)]
pub struct ListView<R, S, F> {
    /// The window and its cached pages.
    pub rows: Paged<R>,
    /// The sort.
    pub sort: S,
    /// Whether the sort is reversed.
    pub reversed: bool,
    /// The filter.
    pub filter: F,
    /// Whether the list's index is built.
    pub index: Loading,
    /// How many rows the unfiltered list has.
    pub unfiltered: u64,
}

impl<R, S: Default, F: Default> Default for ListView<R, S, F> {
    fn default() -> Self {
        Self {
            rows: Paged::default(),
            sort: S::default(),
            reversed: false,
            filter: F::default(),
            index: Loading::default(),
            unfiltered: 0,
        }
    }
}

/// The findings list.
pub type FindingsList = ListView<FindingRow, FindingSort, FindingFilter>;
/// The inventory list.
pub type InventoryList = ListView<InventoryRow, InventorySort, InventoryFilter>;

/// What a Detail pane shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A finding, with the nodes it is about.
    Finding(Box<FindingDetail>),
    /// A node, with the findings about it (`None` while they load).
    Node(Box<NodeDetail>, Option<NodeFindings>),
}

/// A node a Detail pane links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Its id.
    pub id: String,
    /// Its name and type, when the graph is loaded.
    pub label: Option<(String, String)>,
}

/// The Detail pane of one finding or node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailView {
    /// What it shows.
    pub subject: Subject,
    /// For a finding: the nodes it is about.
    pub related: Vec<Related>,
    /// The selected related node (or, for a node, finding).
    pub selected: usize,
    /// How far the text is scrolled.
    pub scroll: u16,
}

/// Where the user was, for Esc.
#[derive(Clone, Debug)]
pub struct Place {
    /// The tab.
    pub tab: Tab,
    /// The Detail pane open over it.
    pub detail: Option<Box<DetailView>>,
    /// The Graph view's center.
    pub center: Option<u32>,
    /// The Graph view's focused pane and selected rows.
    pub graph_selection: (Pane, usize, usize),
}

/// The Scans view: the history, marks for a comparison, and its result.
#[derive(Clone, Debug, Default)]
pub struct ScansView {
    /// The selected scan (index into [`State::scans`]).
    pub selected: usize,
    /// The scans marked for comparison (at most two, by index).
    pub marked: Vec<usize>,
    /// The comparison, once computed.
    pub diff: Option<Diff>,
}

/// A comparison of two scans.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// The totals (`None` while it runs).
    pub summary: Option<DiffSummary>,
    /// The changed findings, a window at a time.
    pub rows: Paged<DiffRow>,
}

/// Overlays drawn over the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// The key map.
    Help {
        /// How far it is scrolled.
        scroll: u16,
    },
    /// A line of text being typed.
    Input(Input),
    /// A list of filter values to pick from.
    Picker(Picker),
}

/// What a typed line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// Full-text search of the current list.
    Search,
    /// The file to export the current list to.
    Export,
}

/// A line being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// What it is for.
    pub kind: InputKind,
    /// The text so far.
    pub text: String,
}

/// One choice of a filter picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerItem {
    /// The section it belongs to (`Severity`, `Rule`, ...).
    pub section: &'static str,
    /// The value shown.
    pub label: String,
    /// How many rows have it.
    pub count: Option<u64>,
    /// Whether the filter currently has it.
    pub active: bool,
}

/// A filter picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    /// The choices.
    pub items: Vec<PickerItem>,
    /// The selected choice.
    pub selected: usize,
}

/// A line for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The whole state of the explorer.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// Terminal width and height.
    pub size: (u16, u16),
    /// Whether to draw in colour (`NO_COLOR` unset).
    pub color: bool,
    /// Ages are computed as of this time.
    pub now: Timestamp,
    /// Every stored scan, oldest first.
    pub scans: Vec<ScanInfo>,
    /// The scan being explored (index into `scans`).
    pub scan: usize,
    /// The current tab.
    pub tab: Tab,
    /// A Detail pane over the tab.
    pub detail: Option<Box<DetailView>>,
    /// Where Esc goes back to.
    pub history: Vec<Place>,
    /// The Overview's totals.
    pub overview: Overview,
    /// The findings list.
    pub findings: FindingsList,
    /// The inventory list.
    pub inventory: InventoryList,
    /// The access graph, once loaded.
    pub graph: Option<Arc<Graph>>,
    /// Whether the graph is loaded.
    pub graph_loading: Loading,
    /// The Graph view.
    pub graph_view: GraphView,
    /// The node the Graph view centers on once the graph is loaded.
    pub graph_wanted: Option<String>,
    /// The Scans view.
    pub scans_view: ScansView,
    /// An overlay.
    pub overlay: Option<Overlay>,
    /// A message for the status bar.
    pub status: Option<Status>,
    /// The store changed on disk since it was read (a new scan?).
    pub store_changed: bool,
    /// The user asked to quit.
    pub quit: bool,
}

impl State {
    /// The scan being explored.
    pub fn current_scan(&self) -> Option<&ScanInfo> {
        self.scans.get(self.scan)
    }

    /// Sets the status line.
    pub fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Sets the status line to a failure.
    pub fn fail(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }
}
