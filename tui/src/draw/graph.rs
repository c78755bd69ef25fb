//! The Graph view: the center node, its edges grouped by meaning, and its
//! blast radius with the path to the nearest high-value node.

use nhiscope_graph::{Graph, Step, flags};
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::{Line, Span},
    widgets::{Cell, Paragraph, Row, Table},
};

use super::{Theme, boxed, fit, message, thousands};
use crate::{
    graph_view::Pane,
    layout,
    state::{Loading, State},
};

fn node_label(graph: &Graph, node: u32) -> String {
    format!(
        "{} ({})",
        graph.name(node),
        graph.facts(node).kind.type_name()
    )
}

/// `-authenticates_as-> b -has_permission-> c` (the start left out).
fn path_text(graph: &Graph, path: &[Step]) -> String {
    let mut text = String::new();
    for step in path.iter().skip(1) {
        if let Some(via) = step.via {
            text.push_str(&format!("-{}-> ", via.as_str()));
        }
        text.push_str(graph.name(step.node));
        text.push(' ');
    }
    text.trim_end().to_string()
}

pub(super) fn draw(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let Some(graph) = &state.graph else {
        let text = match &state.graph_loading {
            Loading::Failed(error) => format!("Could not load the graph: {error}"),
            _ => {
                let nodes = state.current_scan().map_or(0, |s| s.nodes);
                format!(
                    "Loading the access graph of this scan ({} nodes)…{}",
                    thousands(nodes),
                    match &state.graph_wanted {
                        Some(id) => format!("\nthen showing {id}"),
                        None => String::new(),
                    }
                )
            }
        };
        message(frame, "Graph", &text, theme, area);
        return;
    };
    let view = &state.graph_view;
    let Some(center) = view.center.filter(|c| (*c as usize) < graph.node_count()) else {
        message(
            frame,
            "Graph",
            "No node selected: press n on a finding or an inventory row, or Enter on a node of a finding.",
            theme,
            area,
        );
        return;
    };
    let [header, edges_area, reach_area] = layout::graph(state.size);

    let facts = graph.facts(center);
    let mut marks = Vec::new();
    if facts.has(flags::ADMIN) {
        marks.push("admin-equivalent");
    }
    if facts.has(flags::CROWN_JEWEL) {
        marks.push("crown jewel");
    }
    if facts.has(flags::EXPOSED) {
        marks.push("exposed");
    }
    if facts.has(flags::LIVE) {
        marks.push("live");
    }
    let risk = match &view.score {
        Some(score) => format!("risk {} ({})", score.risk, score.factors.join(", ")),
        None => "not scored".to_string(),
    };
    let width = usize::from(header.width.saturating_sub(2));
    let mut lines = vec![
        Line::from(Span::styled(fit(graph.id(center), width), theme.dim())),
        Line::from(fit(
            &format!(
                "{risk}{}{}",
                if marks.is_empty() { "" } else { " · " },
                marks.join(", ")
            ),
            width,
        )),
    ];
    match view.paths.first() {
        Some(path) => lines.push(Line::from(Span::styled(
            fit(&format!("high-value: {}", path_text(graph, path)), width),
            theme.alarm(),
        ))),
        None => lines.push(Line::from(Span::styled(
            "reaches no admin-equivalent or crown-jewel node",
            theme.dim(),
        ))),
    }
    frame.render_widget(
        Paragraph::new(lines).block(boxed(
            format!(" {} ", node_label(graph, center)),
            theme,
            false,
        )),
        header,
    );

    let height = usize::try_from(layout::table_rows(edges_area)).unwrap_or(0);
    let top = layout::scroll_top(view.selected, height);
    let mut previous = None;
    let rows: Vec<Row> = view
        .edges
        .iter()
        .enumerate()
        .skip(top.saturating_sub(1))
        .take(height + 1)
        .filter_map(|(i, edge)| {
            let label = if previous == Some(edge.group) {
                ""
            } else {
                edge.group.label()
            };
            previous = Some(edge.group);
            if i < top {
                return None;
            }
            let row = Row::new(vec![
                Cell::from(Span::styled(label, theme.header())),
                Cell::from(graph.name(edge.node).to_string()),
                Cell::from(graph.facts(edge.node).kind.type_name()),
            ]);
            Some(if i == view.selected && view.focus == Pane::Edges {
                row.style(theme.selected())
            } else {
                row
            })
        })
        .collect();
    let edges = Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Fill(1),
            Constraint::Length(16),
        ],
    )
    .header(Row::new(["", "NODE", "TYPE"]).style(theme.header()))
    .block(boxed(
        format!(
            " Edges ({}) Enter follows ",
            thousands(view.edges.len() as u64)
        ),
        theme,
        view.focus == Pane::Edges,
    ));
    frame.render_widget(edges, edges_area);

    let height = usize::try_from(layout::table_rows(reach_area)).unwrap_or(0);
    let top = layout::scroll_top(view.reach_selected, height);
    let rows: Vec<Row> = view
        .reach
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, r)| {
            let via = match (r.via, r.from) {
                (Some(via), Some(from)) if from != center => {
                    format!("{} via {}", via.as_str(), graph.name(from))
                }
                (Some(via), _) => via.as_str().to_string(),
                _ => String::new(),
            };
            let name = if r.high_value {
                Span::styled(format!("★ {}", graph.name(r.node)), theme.alarm())
            } else {
                Span::raw(graph.name(r.node).to_string())
            };
            let row = Row::new(vec![
                Cell::from(format!("{:>2}", r.depth)),
                Cell::from(name),
                Cell::from(graph.facts(r.node).kind.type_name()),
                Cell::from(via),
            ]);
            if i == view.reach_selected && view.focus == Pane::Reach {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let title = format!(
        " Blast radius: {}{} node(s) ",
        thousands(view.reached as u64),
        if view.truncated { "+" } else { "" }
    );
    let reach = Table::new(
        rows,
        [
            Constraint::Length(2),
            Constraint::Fill(2),
            Constraint::Length(14),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["D", "NODE", "TYPE", "VIA"]).style(theme.header()))
    .block(boxed(title, theme, view.focus == Pane::Reach));
    frame.render_widget(reach, reach_area);
}
