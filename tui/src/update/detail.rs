//! The Detail pane of a finding (with the nodes it is about) or of a node
//! (with the findings about it).

use super::{Effect, back, check, graph, push};
use crate::{
    TuiError,
    action::Action,
    app::App,
    db::{self, NodeFindings, NodeKey},
    jobs::Done,
    state::{DetailView, Related, Subject},
};

/// Opens the Detail pane of the finding at `row` of the store.
pub(crate) fn open_finding(app: &mut App, row: i64) {
    let found = app
        .db
        .session()
        .and_then(|session| db::finding_detail(&session, row));
    let Some(found) = check(app, found) else {
        return;
    };
    let Some(finding) = found else {
        app.state.fail("that finding is no longer in the store");
        return;
    };
    let related = finding
        .node_ids
        .iter()
        .map(|id| Related {
            id: id.clone(),
            label: None,
        })
        .collect();
    app.state.detail = Some(Box::new(DetailView {
        subject: Subject::Finding(Box::new(finding)),
        related,
        selected: 0,
        scroll: 0,
    }));
    label_related(app);
}

/// Opens the Detail pane of a node of the current scan, and starts
/// looking for the findings about it.
pub(crate) fn open_node(app: &mut App, key: &NodeKey<'_>) {
    let Some(scan) = app.state.current_scan().map(|s| s.id.clone()) else {
        return;
    };
    let found = app
        .db
        .session()
        .and_then(|session| db::node_detail(&session, &scan, key));
    let Some(found) = check(app, found) else {
        return;
    };
    let Some(node) = found else {
        app.state.fail("no such node in this scan");
        return;
    };
    let id = node.id.clone();
    app.state.detail = Some(Box::new(DetailView {
        subject: Subject::Node(Box::new(node), None),
        related: Vec::new(),
        selected: 0,
        scroll: 0,
    }));
    let Some(job_db) = check(app, app.db.try_clone()) else {
        return;
    };
    app.jobs.spawn("findings of a node", move || {
        let result = job_db
            .session()
            .and_then(|session| db::node_findings(&session, &scan, &id));
        Done::NodeFindings(id, result)
    });
}

/// Names the related nodes of the open finding once the graph is loaded,
/// and selects the first identity among them (the one to go to next),
/// unless the user already moved.
pub(crate) fn label_related(app: &mut App) {
    let Some(graph) = app.state.graph.clone() else {
        return;
    };
    let Some(detail) = app.state.detail.as_mut() else {
        return;
    };
    let mut identity = None;
    for (i, related) in detail.related.iter_mut().enumerate() {
        if let Some(node) = graph.find(&related.id) {
            let kind = graph.facts(node).kind;
            if identity.is_none() && kind.class_name() == "identity" {
                identity = Some(i);
            }
            related.label = Some((graph.name(node).to_string(), kind.type_name().to_string()));
        }
    }
    if detail.selected == 0
        && let Some(identity) = identity
    {
        detail.selected = identity;
    }
}

/// The findings about a node arrived.
pub(super) fn node_findings_loaded(
    app: &mut App,
    id: &str,
    result: Result<NodeFindings, TuiError>,
) {
    let Some(findings) = check(app, result) else {
        return;
    };
    if let Some(detail) = app.state.detail.as_mut()
        && let Subject::Node(node, slot) = &mut detail.subject
        && node.id == id
    {
        *slot = Some(findings.clone());
    }
    for place in &mut app.state.history {
        if let Some(detail) = place.detail.as_mut()
            && let Subject::Node(node, slot @ None) = &mut detail.subject
            && node.id == id
        {
            *slot = Some(findings.clone());
        }
    }
}

fn related_count(detail: &DetailView) -> usize {
    match &detail.subject {
        Subject::Finding(_) => detail.related.len(),
        Subject::Node(_, findings) => findings.as_ref().map_or(0, |f| f.top.len()),
    }
}

/// Keys while a Detail pane is open.
pub(super) fn update(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    let Some(detail) = app.state.detail.as_mut() else {
        return;
    };
    let last = related_count(detail).saturating_sub(1);
    match action {
        Action::Down | Action::Scroll(1..) => detail.selected = (detail.selected + 1).min(last),
        Action::Up | Action::Scroll(_) => detail.selected = detail.selected.saturating_sub(1),
        Action::PageDown => detail.scroll = detail.scroll.saturating_add(10),
        Action::PageUp => detail.scroll = detail.scroll.saturating_sub(10),
        Action::Top => detail.scroll = 0,
        Action::Bottom => detail.scroll = u16::MAX / 2,
        Action::Back => {
            back(app);
        }
        Action::Copy => {
            let text = match &detail.subject {
                Subject::Finding(finding) => finding.fingerprint.clone(),
                Subject::Node(node, _) => node.id.clone(),
            };
            app.state.say(format!("copied {text} (OSC 52)"));
            effects.push(Effect::Copy(text));
        }
        Action::Open | Action::Neighbourhood | Action::Details => {
            let selected = detail.selected;
            match &detail.subject {
                Subject::Finding(_) => {
                    let Some(id) = detail.related.get(selected).map(|r| r.id.clone()) else {
                        app.state.say("this finding names no node");
                        return;
                    };
                    push(app);
                    if action == Action::Details {
                        open_node(app, &NodeKey::Id(&id));
                    } else {
                        app.state.detail = None;
                        graph::center_on_id(app, &id);
                    }
                }
                Subject::Node(node, findings) => {
                    if action == Action::Open
                        && let Some(row) = findings
                            .as_ref()
                            .and_then(|f| f.top.get(selected))
                            .map(|f| f.row)
                    {
                        push(app);
                        open_finding(app, row);
                        return;
                    }
                    let id = node.id.clone();
                    push(app);
                    app.state.detail = None;
                    graph::center_on_id(app, &id);
                }
            }
        }
        Action::Sort
        | Action::Reverse
        | Action::Severity
        | Action::Filter
        | Action::Search
        | Action::Export => {
            app.state
                .say("close the detail (Esc) to sort, filter or export the list");
        }
        _ => {}
    }
}
