//! The Overview: the scan, its findings by severity and by source, its
//! identities and credentials by type, the trend across stored scans and
//! its source errors.

use nhiscope_model::Severity;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Paragraph, Sparkline, Wrap},
};

use super::{Theme, bar, boxed, fit, message, minute, thousands};
use crate::state::State;

pub(super) fn draw(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let Some(scan) = state.current_scan() else {
        message(frame, "Overview", "The store has no scans.", theme, area);
        return;
    };
    let errors_height = if state.overview.errors.is_empty() {
        3
    } else {
        (state.overview.errors.len() as u16 + 2).min(8)
    };
    let [header, top, bottom, errors] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(7),
        Constraint::Min(6),
        Constraint::Length(errors_height),
    ])
    .areas(area);

    let title = format!(
        " Scan #{} {} · {} UTC · {} ",
        scan.number,
        scan.short_id(),
        minute(scan.started_at),
        scan.status
    );
    let summary = Line::from(vec![
        Span::styled(thousands(scan.nodes), theme.strong()),
        Span::raw(" nodes · "),
        Span::styled(thousands(scan.findings.total()), theme.strong()),
        Span::raw(format!(
            " findings · sources {} · nhiscope {}",
            scan.collectors.join(", "),
            scan.tool_version
        )),
    ]);
    frame.render_widget(
        Paragraph::new(summary).block(boxed(title, theme, false)),
        header,
    );

    let [severity, source] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let counts: Vec<(String, u64, ratatui::style::Style)> = Severity::DESCENDING
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                scan.findings.get(*s),
                theme.severity(*s),
            )
        })
        .collect();
    bars(frame, " Findings by severity ", &counts, theme, severity);
    match &state.overview.by_source {
        Some(sources) => {
            let counts: Vec<_> = sources
                .iter()
                .map(|(name, n)| (name.clone(), *n, theme.strong()))
                .collect();
            bars(frame, " Findings by source ", &counts, theme, source);
        }
        None => message(frame, "Findings by source", "indexing…", theme, source),
    }

    let [kinds, trend] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let counts: Vec<_> = state
        .overview
        .by_type
        .iter()
        .map(|(class, type_name, n)| {
            let mark = if class == "identity" { "id" } else { "cred" };
            (format!("{type_name} ({mark})"), *n, theme.strong())
        })
        .collect();
    bars(frame, " Identities and credentials ", &counts, theme, kinds);
    trend_box(frame, state, theme, trend);

    let lines: Vec<Line> = if state.overview.errors.is_empty() {
        vec![Line::from(Span::styled(
            format!("none · {} item(s) skipped", state.overview.skipped),
            theme.dim(),
        ))]
    } else {
        state
            .overview
            .errors
            .iter()
            .map(|e| {
                Line::from(vec![
                    Span::styled(if e.fatal { "fatal " } else { "" }, theme.error()),
                    Span::styled(format!("{} ", e.collector), theme.header()),
                    Span::raw(match &e.location {
                        Some(location) => format!("{location}: {}", e.message),
                        None => e.message.clone(),
                    }),
                ])
            })
            .collect()
    };
    let title = format!(" Source errors ({}) ", state.overview.errors.len());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(boxed(title, theme, false)),
        errors,
    );
}

/// Labelled horizontal bars, as many as fit.
fn bars(
    frame: &mut Frame<'_>,
    title: &str,
    counts: &[(String, u64, ratatui::style::Style)],
    theme: Theme,
    area: Rect,
) {
    let inner_width = usize::from(area.width.saturating_sub(2));
    let label_width = counts
        .iter()
        .map(|(label, _, _)| label.chars().count())
        .max()
        .unwrap_or(0)
        .min(inner_width * 3 / 5);
    let max = counts.iter().map(|(_, n, _)| *n).max().unwrap_or(0);
    let number_width = thousands(max).len();
    let bar_width = inner_width.saturating_sub(label_width + number_width + 2);
    let rows = usize::from(area.height.saturating_sub(2));
    let mut lines: Vec<Line> = counts
        .iter()
        .take(rows)
        .map(|(label, n, style)| {
            Line::from(vec![
                Span::styled(
                    format!("{:<label_width$} ", fit(label, label_width)),
                    *style,
                ),
                Span::styled(format!("{:>number_width$} ", thousands(*n)), theme.strong()),
                Span::styled(bar(*n, max, bar_width), *style),
            ])
        })
        .collect();
    if counts.len() > rows && rows > 0 {
        lines.truncate(rows - 1);
        lines.push(Line::from(Span::styled(
            format!("… {} more", counts.len() - (rows - 1)),
            theme.dim(),
        )));
    }
    if counts.is_empty() {
        lines.push(Line::from(Span::styled("none", theme.dim())));
    }
    frame.render_widget(
        Paragraph::new(lines).block(boxed(title.to_string(), theme, false)),
        area,
    );
}

fn trend_box(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let block = boxed(
        format!(" Trend: findings in {} scan(s) ", state.scans.len()),
        theme,
        false,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [spark, text] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    let width = usize::from(spark.width).max(1);
    let shown = &state.scans[state.scans.len().saturating_sub(width)..];
    let totals: Vec<u64> = shown.iter().map(|s| s.findings.total()).collect();
    frame.render_widget(
        Sparkline::default().data(&totals).style(theme.header()),
        spark,
    );
    let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
        return;
    };
    let lines = vec![
        Line::from(format!(
            "#{} → #{}: {} → {} findings",
            first.number,
            last.number,
            thousands(first.findings.total()),
            thousands(last.findings.total())
        )),
        Line::from(Span::styled(
            format!(
                "critical {} → {} · high {} → {}",
                first.findings.critical,
                last.findings.critical,
                first.findings.high,
                last.findings.high
            ),
            theme.dim(),
        )),
    ];
    frame.render_widget(Paragraph::new(lines), text);
}
