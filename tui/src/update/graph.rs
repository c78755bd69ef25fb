//! The Graph view: centering on a node, following edges, switching between
//! the edges and the blast radius.

use super::{Effect, back, check, detail, push};
use crate::{
    action::Action,
    app::App,
    db::{self, NodeKey},
    graph_view::{GraphView, Pane},
    layout,
    state::{Loading, Tab},
};

/// Centers the Graph view on the node with this id (once the graph is
/// loaded) and shows it.
pub(crate) fn center_on_id(app: &mut App, id: &str) {
    app.state.tab = Tab::Graph;
    app.state.detail = None;
    let Some(graph) = app.state.graph.clone() else {
        app.state.graph_wanted = Some(id.to_string());
        if let Loading::Failed(message) = &app.state.graph_loading {
            let message = message.clone();
            app.state.fail(message);
        }
        return;
    };
    match graph.find(id) {
        Some(node) => center_on(app, node),
        None => app
            .state
            .fail(format!("{id} is not a node of this scan's graph")),
    }
}

/// Centers the Graph view on `node`.
pub(crate) fn center_on(app: &mut App, node: u32) {
    let Some(graph) = app.state.graph.clone() else {
        return;
    };
    let mut view = GraphView::around(&graph, node);
    if let Some(scan) = app.state.current_scan().map(|s| s.id.clone()) {
        let found = app
            .db
            .session()
            .and_then(|session| db::node_detail(&session, &scan, &NodeKey::Idx(node)));
        view.score = check(app, found).flatten().and_then(|n| n.score);
    }
    app.state.graph_view = view;
}

/// Centers on the riskiest node of the scan, when nothing is centered.
pub(super) fn default_center(app: &mut App) {
    if app.state.graph.is_none() {
        return;
    }
    let Some(scan) = app.state.current_scan().map(|s| s.id.clone()) else {
        return;
    };
    let found = app.db.session().and_then(|session| {
        session.rows(
            "SELECT idx FROM store.analysis_rows WHERE scan_id = ? ORDER BY risk DESC, idx LIMIT 1",
            &[db::text(&scan)],
            |row| row.get::<_, i64>(0),
        )
    });
    match check(app, found).and_then(|rows| rows.first().copied()) {
        Some(idx) => center_on(app, u32::try_from(idx).unwrap_or(0)),
        None if app.state.graph.as_ref().is_some_and(|g| g.node_count() > 0) => center_on(app, 0),
        None => {}
    }
}

fn step(index: &mut usize, len: usize, delta: i64) {
    let last = len.saturating_sub(1);
    let moved = if delta < 0 {
        index.saturating_sub(usize::try_from(delta.unsigned_abs()).unwrap_or(usize::MAX))
    } else {
        index.saturating_add(usize::try_from(delta).unwrap_or(usize::MAX))
    };
    *index = moved.min(last);
}

/// Keys in the Graph view.
pub(super) fn update(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    let [_, edges_area, _] = layout::graph(app.state.size);
    let page = i64::from(layout::table_rows(edges_area).max(1) as u16);
    let view = &mut app.state.graph_view;
    let (index, len) = match view.focus {
        Pane::Edges => (&mut view.selected, view.edges.len()),
        Pane::Reach => (&mut view.reach_selected, view.reach.len()),
    };
    match action {
        Action::Down => step(index, len, 1),
        Action::Up => step(index, len, -1),
        Action::Scroll(rows) => step(index, len, i64::from(rows)),
        Action::PageDown => step(index, len, page),
        Action::PageUp => step(index, len, -page),
        Action::Top => *index = 0,
        Action::Bottom => *index = len.saturating_sub(1),
        Action::Left => view.focus = Pane::Edges,
        Action::Right => view.focus = Pane::Reach,
        Action::Open | Action::Neighbourhood => {
            if let Some(node) = view.selected_node() {
                push(app);
                center_on(app, node);
            }
        }
        Action::Details => {
            if let Some(node) = view.selected_node().or(view.center) {
                push(app);
                detail::open_node(app, &NodeKey::Idx(node));
            }
        }
        Action::Copy => {
            let node = view.selected_node().or(view.center);
            if let (Some(node), Some(graph)) = (node, app.state.graph.as_ref()) {
                let id = graph.id(node).to_string();
                app.state.say(format!("copied node id {id} (OSC 52)"));
                effects.push(Effect::Copy(id));
            }
        }
        Action::Back => {
            back(app);
        }
        Action::Sort | Action::Filter | Action::Search | Action::Export => {
            app.state.say("the Graph view has no list to sort, filter or export: see `nhiscope graph --around`");
        }
        _ => {}
    }
}
