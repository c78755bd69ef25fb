//! The Scans view: the history, marks, and the comparison of two scans.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::{Line, Span},
    widgets::{Cell, Paragraph, Row, Table},
};

use super::{Theme, boxed, fit, minute, severity_label, thousands};
use crate::{layout, state::State};

pub(super) fn draw(frame: &mut Frame<'_>, state: &State, theme: Theme, _area: Rect) {
    let view = &state.scans_view;
    let [list_area, diff_area] = layout::scans(state.size, view.diff.is_some());
    let height = usize::try_from(layout::table_rows(list_area)).unwrap_or(0);
    let top = layout::scroll_top(view.selected, height);
    let rows: Vec<Row> = state
        .scans
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, scan)| {
            let mark = match view.marked.iter().position(|m| *m == i) {
                Some(n) => format!("[{}]", n + 1),
                None if i == state.scan => " ● ".to_string(),
                None => String::new(),
            };
            let f = scan.findings;
            let row = Row::new(vec![
                Cell::from(mark),
                Cell::from(scan.number.to_string()),
                Cell::from(scan.short_id().to_string()),
                Cell::from(minute(scan.started_at)),
                Cell::from(scan.status.clone()),
                Cell::from(thousands(scan.nodes)),
                Cell::from(format!(
                    "{}/{}/{}/{}/{}",
                    f.critical, f.high, f.medium, f.low, f.info
                )),
                Cell::from(scan.collectors.join(",")),
            ]);
            if i == view.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(13),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new([
            "",
            "#",
            "ID",
            "STARTED (UTC)",
            "STATUS",
            "NODES",
            "C/H/M/L/I",
            "SOURCES",
        ])
        .style(theme.header()),
    )
    .block(boxed(
        format!(" Scans ({}) ● explored · [n] marked ", state.scans.len()),
        theme,
        view.diff.is_none(),
    ));
    frame.render_widget(table, list_area);

    let Some(diff) = &view.diff else {
        return;
    };
    let Some(summary) = &diff.summary else {
        frame.render_widget(
            Paragraph::new(Span::styled("comparing…", theme.dim())).block(boxed(
                " Comparison ".into(),
                theme,
                true,
            )),
            diff_area,
        );
        return;
    };
    let title = format!(
        " #{} → #{}: {} new · {} re-rated · {} resolved · {} unchanged · nodes +{} −{} ",
        summary.older,
        summary.newer,
        thousands(summary.new),
        thousands(summary.rerated),
        thousands(summary.resolved),
        thousands(summary.unchanged),
        thousands(summary.nodes_added),
        thousands(summary.nodes_removed)
    );
    let height = layout::table_rows(diff_area);
    let rows = &diff.rows;
    let width = usize::from(diff_area.width.saturating_sub(30));
    let lines: Vec<Row> = (rows.top()..(rows.top() + height).min(rows.total()))
        .map(|position| {
            let Some(row) = rows.get(position) else {
                return Row::new(vec![Cell::from("…")]);
            };
            let severity = match row.was {
                Some(was) => format!("{}→{}", severity_label(was), severity_label(row.severity)),
                None => severity_label(row.severity).to_string(),
            };
            let line = Row::new(vec![
                Cell::from(row.change),
                Cell::from(Span::styled(severity, theme.severity(row.severity))),
                Cell::from(fit(&format!("{} · {}", row.rule_id, row.title), width)),
            ]);
            if position == rows.selected() {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled("No finding changed.", theme.dim())))
                .block(boxed(title, theme, true)),
            diff_area,
        );
        return;
    }
    frame.render_widget(
        Table::new(
            lines,
            [
                Constraint::Length(9),
                Constraint::Length(10),
                Constraint::Fill(1),
            ],
        )
        .header(Row::new(["CHANGE", "SEVERITY", "FINDING"]).style(theme.header()))
        .block(boxed(title, theme, true)),
        diff_area,
    );
}
