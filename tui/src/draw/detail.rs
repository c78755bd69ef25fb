//! The Detail pane: a finding (what to do first, then what and where, the
//! redacted evidence and the nodes it is about) or a node (its ids, risk,
//! times, where it was seen, attributes and the findings about it).

use nhiscope_graph::{flags, kind_of};
use nhiscope_model::EdgeKind;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Block, Borders, Paragraph, Wrap},
};

use super::{Theme, boxed, date, fit, lists::exposure, severity_label};
use crate::{
    db::{FindingDetail, NodeDetail, NodeFindings},
    layout,
    state::{DetailView, State, Subject},
};

fn field(name: &str, value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<12}"), theme.header()),
        Span::raw(value),
    ])
}

/// The text and the related list side by side when wide, stacked when not.
fn split(state: &State, area: Rect, related: usize) -> [Rect; 2] {
    if layout::wide(state.size) {
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area)
    } else {
        let rows = (related as u16 + 2).clamp(3, area.height / 3);
        Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(area)
    }
}

pub(super) fn draw(
    frame: &mut Frame<'_>,
    state: &State,
    detail: &DetailView,
    theme: Theme,
    area: Rect,
) {
    match &detail.subject {
        Subject::Finding(finding) => draw_finding(frame, state, detail, finding, theme, area),
        Subject::Node(node, findings) => {
            draw_node(frame, state, detail, node, findings.as_ref(), theme, area);
        }
    }
}

fn draw_finding(
    frame: &mut Frame<'_>,
    state: &State,
    detail: &DetailView,
    finding: &FindingDetail,
    theme: Theme,
    area: Rect,
) {
    let [text, related] = split(state, area, detail.related.len());
    let mut lines = vec![
        Line::from(Span::styled(finding.title.clone(), theme.strong())),
        Line::raw(""),
        Line::from(Span::styled("What to do", theme.header())),
        Line::raw(finding.remediation.clone()),
        Line::raw(""),
        Line::raw(finding.message.clone()),
        Line::raw(""),
        field("where", finding.location.clone(), theme),
    ];
    if let Some(snippet) = &finding.snippet {
        lines.push(field("line", snippet.trim().to_string(), theme));
    }
    if let Some(export) = &finding.export_file {
        lines.push(field("read from", export.clone(), theme));
    }
    if let Some((preview, fingerprint, length)) = &finding.evidence {
        lines.push(field(
            "evidence",
            format!("{preview} ({length} chars, sha256 {fingerprint})"),
            theme,
        ));
    }
    if let Some(provenance) = &finding.provenance {
        lines.push(field("history", provenance.clone(), theme));
    }
    lines.push(field("fingerprint", finding.fingerprint.clone(), theme));
    if !finding.tags.is_empty() {
        lines.push(field("tags", finding.tags.join(", "), theme));
    }
    let risk = finding
        .risk
        .map_or_else(String::new, |risk| format!(" · risk {risk}"));
    let title = Line::from(vec![
        Span::raw(" Finding "),
        Span::styled(
            severity_label(finding.severity),
            theme.severity(finding.severity),
        ),
        Span::styled(format!("{risk} · {} ", finding.rule_id), theme.strong()),
    ]);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((detail.scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.focus(false))
                    .title(title),
            ),
        text,
    );

    let width = usize::from(related.width.saturating_sub(4));
    let skip = layout::scroll_top(
        detail.selected,
        usize::from(related.height.saturating_sub(2)),
    );
    let items: Vec<Line> = detail
        .related
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(i, node)| {
            let text = match &node.label {
                Some((name, type_name)) => format!("{name} ({type_name})"),
                None => node.id.clone(),
            };
            let marker = if i == detail.selected { "> " } else { "  " };
            let style = if i == detail.selected {
                theme.selected()
            } else {
                ratatui::style::Style::default()
            };
            Line::from(Span::styled(
                format!("{marker}{}", fit(&text, width)),
                style,
            ))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(items).block(boxed(
            format!(" About ({}) Enter graph · d details ", detail.related.len()),
            theme,
            true,
        )),
        related,
    );
}

fn draw_node(
    frame: &mut Frame<'_>,
    state: &State,
    detail: &DetailView,
    node: &NodeDetail,
    findings: Option<&NodeFindings>,
    theme: Theme,
    area: Rect,
) {
    let count = findings.map_or(1, |f| f.top.len());
    let [text, related] = split(state, area, count);
    let mut lines = vec![
        Line::from(Span::styled(node.name.clone(), theme.strong())),
        field("id", node.id.clone(), theme),
    ];
    if let Some(native) = &node.native_id {
        lines.push(field("provider id", native.clone(), theme));
    }
    lines.push(field(
        "seen",
        format!(
            "by {} · {}{}",
            node.collector,
            node.provider,
            node.scope
                .as_ref()
                .map_or_else(String::new, |s| format!(" · scope {s}"))
        ),
        theme,
    ));
    if let Some(graph) = &state.graph
        && let Some(idx) = node.idx.filter(|i| (*i as usize) < graph.node_count())
    {
        let (out, kinds) = graph.outgoing(idx);
        let places: Vec<&str> = out
            .iter()
            .zip(kinds)
            .filter(|(_, code)| kind_of(**code) == EdgeKind::ExposedIn)
            .map(|(n, _)| graph.name(*n))
            .collect();
        if !places.is_empty() {
            lines.push(field("exposed in", places.join(", "), theme));
        }
        if let Some(owner) = super::lists::owner(graph, idx) {
            lines.push(field("owner", owner.to_string(), theme));
        }
    }
    if let Some(score) = &node.score {
        let target = match (&score.target, score.distance) {
            (Some(target), Some(distance)) => {
                format!(" · high-value {target} at {distance} edge(s)")
            }
            _ => String::new(),
        };
        lines.push(field(
            "risk",
            format!(
                "{} ({}) · reaches {}{}{target}",
                score.risk,
                score.factors.join(", "),
                score.reach,
                if score.truncated { "+" } else { "" }
            ),
            theme,
        ));
    }
    let [created, used, expires, rotated] = node.times;
    lines.push(field(
        "times",
        format!(
            "created {} · last used {} · expires {} · rotated {}",
            date(created),
            date(used),
            date(expires),
            date(rotated)
        ),
        theme,
    ));
    if let Some((preview, fingerprint, length)) = &node.secret {
        lines.push(field(
            "secret",
            format!("{preview} ({length} chars, sha256 {fingerprint})"),
            theme,
        ));
    }
    let mut marks = vec![exposure(node.flags)];
    if node.flags & flags::ADMIN != 0 {
        marks.push("admin-equivalent".into());
    }
    if node.flags & flags::CROWN_JEWEL != 0 {
        marks.push("crown jewel".into());
    }
    if node.flags & flags::LONG_LIVED != 0 {
        marks.push("long-lived".into());
    }
    lines.push(field("flags", marks.join(" · "), theme));
    if !node.attributes.is_empty() {
        lines.push(Line::from(Span::styled("attributes", theme.header())));
        for (key, value) in &node.attributes {
            lines.push(Line::raw(format!("  {key}: {value}")));
        }
    }
    let title = format!(" {} · {} ", node.class, node.type_name);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((detail.scroll, 0))
            .block(boxed(title, theme, false)),
        text,
    );

    let width = usize::from(related.width.saturating_sub(4));
    let (title, items) = match findings {
        None => (
            " Findings about it ".to_string(),
            vec![Line::from(Span::styled("looking…", theme.dim()))],
        ),
        Some(found) => (
            format!(" Findings about it ({}) Enter opens ", found.total),
            found
                .top
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let selected = i == detail.selected;
                    let text = format!(
                        "{}{:<4} {} {}",
                        if selected { "> " } else { "  " },
                        severity_label(f.severity),
                        f.rule_id,
                        f.title
                    );
                    let style = if selected {
                        theme.selected()
                    } else {
                        theme.severity(f.severity)
                    };
                    Line::from(Span::styled(fit(&text, width), style))
                })
                .collect(),
        ),
    };
    let skip = layout::scroll_top(
        detail.selected,
        usize::from(related.height.saturating_sub(2)),
    );
    let items: Vec<Line> = items.into_iter().skip(skip).collect();
    frame.render_widget(
        Paragraph::new(items).block(boxed(title, theme, true)),
        related,
    );
}
