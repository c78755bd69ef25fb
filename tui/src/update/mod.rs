//! Actions change the state here (querying the store for what the new
//! state shows), and finished background jobs land here. Nothing in this
//! module draws or touches the terminal: what must happen outside (the
//! clipboard) is returned as an [`Effect`].

mod detail;
mod graph;
mod lists;
mod overlay;
mod scans;

use crate::{
    TuiError,
    action::Action,
    app::App,
    db,
    jobs::Done,
    state::{Loading, Overlay, Place, Tab},
};

pub(crate) use graph::center_on_id;

/// Something the runner does outside the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
}

/// Reports a failed query on the status line and drops the value.
pub(crate) fn check<T>(app: &mut App, result: Result<T, TuiError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            app.state.fail(error.to_string());
            None
        }
    }
}

/// Applies `action`.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !matches!(action, Action::Resize(..)) {
        app.state.status = None;
    }
    match action {
        Action::Quit => {
            app.state.quit = true;
            return effects;
        }
        Action::Resize(width, height) => {
            app.state.size = (width, height);
            fill_windows(app);
            return effects;
        }
        _ => {}
    }
    if let Some(current) = app.state.overlay.clone() {
        overlay::update(app, current, action);
        return effects;
    }
    match action {
        Action::Help => app.state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Tab(tab) => switch_tab(app, tab),
        Action::NextTab | Action::PrevTab => {
            let step = if action == Action::NextTab { 1 } else { 4 };
            let next = Tab::ALL[(app.state.tab.index() + step) % Tab::ALL.len()];
            switch_tab(app, next);
        }
        Action::Refresh => refresh(app),
        _ if app.state.detail.is_some() => detail::update(app, action, &mut effects),
        _ => match app.state.tab {
            Tab::Overview => {
                if action == Action::Open {
                    switch_tab(app, Tab::Findings);
                }
            }
            Tab::Findings => lists::findings(app, action, &mut effects),
            Tab::Inventory => lists::inventory(app, action, &mut effects),
            Tab::Graph => graph::update(app, action, &mut effects),
            Tab::Scans => scans::update(app, action),
        },
    }
    effects
}

/// Goes to a tab (forgetting where Esc would have gone back to).
pub(crate) fn switch_tab(app: &mut App, tab: Tab) {
    app.state.tab = tab;
    app.state.detail = None;
    app.state.history.clear();
    if tab == Tab::Graph && app.state.graph_view.center.is_none() {
        graph::default_center(app);
    }
    fill_windows(app);
}

/// Remembers where the user is, for Esc.
pub(crate) fn push(app: &mut App) {
    let view = &app.state.graph_view;
    app.state.history.push(Place {
        tab: app.state.tab,
        detail: app.state.detail.clone(),
        center: view.center,
        graph_selection: (view.focus, view.selected, view.reach_selected),
    });
}

/// Goes back to where the user was; false when there is nowhere to go.
pub(crate) fn back(app: &mut App) -> bool {
    let Some(place) = app.state.history.pop() else {
        return false;
    };
    app.state.tab = place.tab;
    app.state.detail = place.detail;
    if place.center != app.state.graph_view.center {
        match place.center {
            Some(center) => graph::center_on(app, center),
            None => app.state.graph_view = Default::default(),
        }
    }
    let view = &mut app.state.graph_view;
    (view.focus, view.selected, view.reach_selected) = place.graph_selection;
    fill_windows(app);
    true
}

/// Fetches what the visible lists lack (after a resize, a tab switch, an
/// index that finished).
pub(crate) fn fill_windows(app: &mut App) {
    lists::fill_findings(app);
    lists::fill_inventory(app);
    scans::fill_diff(app);
}

fn refresh(app: &mut App) {
    let Some(scans) = app
        .db
        .session()
        .and_then(|session| db::list_scans(&session))
        .map_err(|e| app.state.fail(e.to_string()))
        .ok()
    else {
        return;
    };
    app.store_read();
    let current = app.state.current_scan().map(|s| s.id.clone());
    let newest = scans.last().map(|s| s.id.clone());
    app.state.scans = scans;
    let position = |id: &Option<String>| {
        app.state
            .scans
            .iter()
            .position(|s| Some(&s.id) == id.as_ref())
    };
    if !app.pinned && newest != current {
        app.state.scan = app.state.scans.len().saturating_sub(1);
        let loaded = app.load_scan();
        if check(app, loaded).is_some() {
            let number = app.state.current_scan().map_or(0, |s| s.number);
            app.state.say(format!("opened scan #{number}, the newest"));
        }
        return;
    }
    app.state.scan = position(&current).unwrap_or(0);
    app.state.say("no newer scan; the history is up to date");
}

/// Applies a finished job.
pub fn finished(app: &mut App, done: Done) {
    match done {
        Done::Graph(Ok(graph)) => {
            app.state.graph = Some(graph);
            app.state.graph_loading = Loading::Ready;
            detail::label_related(app);
            if let Some(id) = app.state.graph_wanted.take() {
                center_on_id(app, &id);
            } else if app.state.tab == Tab::Graph && app.state.graph_view.center.is_none() {
                graph::default_center(app);
            }
        }
        Done::Graph(Err(error)) => {
            app.state.graph_loading = Loading::Failed(error.to_string());
        }
        Done::FindingsIndex(Ok((total, by_source))) => {
            let list = &mut app.state.findings;
            list.index = Loading::Ready;
            list.unfiltered = total;
            app.state.overview.by_source = Some(by_source);
            lists::refilter_findings(app);
        }
        Done::FindingsIndex(Err(error)) => {
            app.state.findings.index = Loading::Failed(error.to_string());
        }
        Done::InventoryIndex(Ok(total)) => {
            let list = &mut app.state.inventory;
            list.index = Loading::Ready;
            list.unfiltered = total;
            lists::refilter_inventory(app);
        }
        Done::InventoryIndex(Err(error)) => {
            app.state.inventory.index = Loading::Failed(error.to_string());
        }
        Done::NodeFindings(id, result) => detail::node_findings_loaded(app, &id, result),
        Done::Diff(result) => scans::diff_done(app, result),
        Done::Export(Ok((path, rows))) => {
            app.state
                .say(format!("exported {rows} row(s) to {}", path.display()));
        }
        Done::Export(Err(error)) => app.state.fail(error.to_string()),
        Done::Panicked(what) => app
            .state
            .fail(format!("{what} failed (a bug: please report it)")),
    }
}
