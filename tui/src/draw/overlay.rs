//! The help overlay (the key map) and the filter picker.

use ratatui::{
    Frame,
    layout::Rect,
    text::{Line, Span},
    widgets::{Clear, Paragraph},
};

use super::{Theme, boxed, fit, thousands};
use crate::{action::KEYS, layout, state::Picker};

pub(super) fn help(frame: &mut Frame<'_>, scroll: u16, theme: Theme, area: Rect) {
    let area = layout::centered(area, 80, area.height);
    let mut lines = Vec::new();
    let mut context = "";
    for (place, keys, what) in KEYS {
        if *place != context {
            context = place;
            lines.push(Line::from(Span::styled(place.to_string(), theme.header())));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<26}"), theme.strong()),
            Span::raw(*what),
        ]));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(boxed(
            " Keys (j/k scroll, any other key closes) ".into(),
            theme,
            true,
        )),
        area,
    );
}

pub(super) fn picker(frame: &mut Frame<'_>, picker: &Picker, theme: Theme, area: Rect) {
    let height = (picker.items.len() as u16 + 2).min(area.height);
    let area = layout::centered(area, 64, height);
    let rows = usize::from(area.height.saturating_sub(2));
    let top = layout::scroll_top(picker.selected, rows);
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = picker
        .items
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, item)| {
            let count = item
                .count
                .map_or_else(String::new, |n| format!(" ({})", thousands(n)));
            let text = format!(
                "{} {:<9} {}{count}",
                if item.active { "✓" } else { " " },
                item.section,
                item.label
            );
            let style = if i == picker.selected {
                theme.selected()
            } else if item.active {
                theme.strong()
            } else {
                ratatui::style::Style::default()
            };
            Line::from(Span::styled(fit(&text, width), style))
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(boxed(
            " Filter: Enter toggles · x clears all · Esc closes ".into(),
            theme,
            true,
        )),
        area,
    );
}
