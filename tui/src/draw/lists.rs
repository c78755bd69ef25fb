//! The findings and inventory tables: only the rows in the window are
//! drawn, from the cached pages.

use nhiscope_graph::{Graph, flags, kind_of};
use nhiscope_model::EdgeKind;
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    style::Style,
    text::{Line, Span},
    widgets::{Cell, Row, Table},
};

use super::{Theme, age, boxed, fit, message, severity_label, thousands};
use crate::{
    layout,
    state::{ListView, Loading, State},
};

fn title<R, S, F>(name: &str, list: &ListView<R, S, F>, sort: &str, filters: &[String]) -> String {
    let mut title = format!(
        " {name} {} · sort {sort} {}",
        thousands(list.rows.total()),
        if list.reversed { "↑" } else { "↓" }
    );
    if list.rows.total() != list.unfiltered {
        title.push_str(&format!(" · of {}", thousands(list.unfiltered)));
    }
    if !filters.is_empty() {
        title.push_str(&format!(" · {}", filters.join(" · ")));
    }
    title.push(' ');
    title
}

fn position<R, S, F>(list: &ListView<R, S, F>) -> String {
    if list.rows.total() == 0 {
        return " 0/0 ".into();
    }
    format!(
        " {}/{} ",
        thousands(list.rows.selected() + 1),
        thousands(list.rows.total())
    )
}

fn not_ready(frame: &mut Frame<'_>, what: &str, index: &Loading, theme: Theme, area: Rect) -> bool {
    match index {
        Loading::Ready => false,
        Loading::Pending => {
            message(
                frame,
                what,
                &format!("Indexing the {}…", what.to_lowercase()),
                theme,
                area,
            );
            true
        }
        Loading::Failed(error) => {
            message(
                frame,
                what,
                &format!("Could not index: {error}"),
                theme,
                area,
            );
            true
        }
    }
}

/// Renders `rows` (one `Vec<Cell>` per visible position) as a table.
#[allow(clippy::too_many_arguments)]
fn table(
    frame: &mut Frame<'_>,
    area: Rect,
    theme: Theme,
    title: String,
    position: String,
    header: Vec<&'static str>,
    widths: Vec<Constraint>,
    rows: Vec<(bool, Vec<Cell<'static>>)>,
    empty: &str,
) {
    let block = boxed(title, theme, true).title_bottom(Line::from(position).right_aligned());
    if rows.is_empty() {
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Span::styled(empty.to_string(), theme.dim()))
                .block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(selected, cells)| {
            let row = Row::new(cells);
            if selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(header).style(theme.header());
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(block),
        area,
    );
}

/// The Findings view.
pub(super) fn findings(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let list = &state.findings;
    if not_ready(frame, "Findings", &list.index, theme, area) {
        return;
    }
    let width = area.width;
    let source = width >= 100;
    let wide = layout::wide(state.size);
    let mut header = vec!["SEV", "RISK", "RULE", "TITLE"];
    let mut widths = vec![
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(if wide { 34 } else { 24 }),
        Constraint::Fill(2),
    ];
    if source {
        header.push("SOURCE");
        widths.push(Constraint::Length(10));
    }
    if wide {
        header.extend(["AGE", "LOCATION"]);
        widths.extend([Constraint::Length(5), Constraint::Fill(1)]);
    }
    let height = layout::table_rows(area);
    let rule_width = if wide { 34 } else { 24 };
    let rows = (list.rows.top()..(list.rows.top() + height).min(list.rows.total()))
        .map(|position| {
            let selected = position == list.rows.selected();
            let Some(row) = list.rows.get(position) else {
                return (selected, vec![Cell::from("…")]);
            };
            let mut cells = vec![
                Cell::from(Span::styled(
                    severity_label(row.severity),
                    theme.severity(row.severity),
                )),
                Cell::from(if row.risk < 0 {
                    "-".to_string()
                } else {
                    format!("{:>3}", row.risk)
                }),
                Cell::from(fit(&row.rule_id, rule_width)),
                Cell::from(row.title.clone()),
            ];
            if source {
                cells.push(Cell::from(row.source.clone()));
            }
            if wide {
                cells.push(Cell::from(age(state.now, row.born)));
                cells.push(Cell::from(row.place.clone()));
            }
            (selected, cells)
        })
        .collect();
    let filters = list.filter.describe();
    table(
        frame,
        area,
        theme,
        title("Findings", list, list.sort.label(), &filters),
        position(list),
        header,
        widths,
        rows,
        if list.filter.is_empty() {
            "No findings in this scan."
        } else {
            "No finding passes the filter (x clears it)."
        },
    );
}

/// Who answers for a node: its owner, else the identity a credential
/// authenticates as or is held by.
pub(super) fn owner(graph: &Graph, node: u32) -> Option<&str> {
    let (out, kinds) = graph.outgoing(node);
    let by = |wanted: EdgeKind| {
        out.iter()
            .zip(kinds)
            .find(|(_, code)| kind_of(**code) == wanted)
            .map(|(n, _)| graph.name(*n))
    };
    by(EdgeKind::OwnedBy)
        .or_else(|| by(EdgeKind::AuthenticatesAs))
        .or_else(|| {
            let (incoming, kinds) = graph.incoming(node);
            incoming
                .iter()
                .zip(kinds)
                .find(|(_, code)| kind_of(**code) == EdgeKind::Holds)
                .map(|(n, _)| graph.name(*n))
        })
}

/// What the flags say about exposure, in a table cell: `live!` for an
/// exposed credential its provider lists as active.
fn exposure_short(bits: u8) -> &'static str {
    let exposed = bits & flags::EXPOSED != 0;
    match (
        exposed,
        bits & flags::LIVE != 0,
        bits & flags::INACTIVE != 0,
    ) {
        (true, true, _) => "live!",
        (true, _, true) => "revoked",
        (true, _, _) => "exposed",
        _ => "-",
    }
}

/// What the flags say about exposure.
pub(super) fn exposure(bits: u8) -> String {
    let mut parts = Vec::new();
    if bits & flags::EXPOSED != 0 {
        parts.push("exposed");
    }
    if bits & flags::LIVE != 0 {
        parts.push("live");
    }
    if bits & flags::INACTIVE != 0 {
        parts.push("inactive");
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(",")
    }
}

/// The Inventory view.
pub(super) fn inventory(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let list = &state.inventory;
    if not_ready(frame, "Inventory", &list.index, theme, area) {
        return;
    }
    let provider = area.width >= 100;
    let mut header = vec!["TYPE", "NAME"];
    let mut widths = vec![Constraint::Length(14), Constraint::Fill(3)];
    if provider {
        header.push("PROVIDER");
        widths.push(Constraint::Length(10));
    }
    header.extend(["OWNER", "AGE", "USED", "EXPOSURE", "RISK"]);
    widths.extend([
        Constraint::Fill(2),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(4),
    ]);
    let height = layout::table_rows(area);
    let rows = (list.rows.top()..(list.rows.top() + height).min(list.rows.total()))
        .map(|position| {
            let selected = position == list.rows.selected();
            let Some(row) = list.rows.get(position) else {
                return (selected, vec![Cell::from("…")]);
            };
            let owner = match (&state.graph, row.idx) {
                (Some(graph), Some(idx)) if (idx as usize) < graph.node_count() => {
                    owner(graph, idx).unwrap_or("-").to_string()
                }
                (None, _) => "…".to_string(),
                _ => "-".to_string(),
            };
            let used = if row.used == i64::MIN {
                "never".to_string()
            } else {
                age(state.now, row.used)
            };
            let exposure = exposure_short(row.flags);
            let exposure_style = if exposure == "live!" {
                theme.alarm()
            } else {
                Style::default()
            };
            let mut cells = vec![
                Cell::from(fit(&row.type_name, 14)),
                Cell::from(row.name.clone()),
            ];
            if provider {
                cells.push(Cell::from(row.provider.clone()));
            }
            cells.extend([
                Cell::from(owner),
                Cell::from(age(state.now, row.born)),
                Cell::from(used),
                Cell::from(Span::styled(exposure, exposure_style)),
                Cell::from(if row.risk < 0 {
                    "-".to_string()
                } else {
                    format!("{:>3}", row.risk)
                }),
            ]);
            (selected, cells)
        })
        .collect();
    let filters = list.filter.describe();
    table(
        frame,
        area,
        theme,
        title(
            "Identities & credentials",
            list,
            list.sort.label(),
            &filters,
        ),
        position(list),
        header,
        widths,
        rows,
        if list.filter.is_empty() {
            "No identity or credential in this scan."
        } else {
            "Nothing passes the filter (x clears it)."
        },
    );
}
