//! Drawing: a pure function of the [`State`]. Each view has its module; this
//! one draws the tab bar, the status bar and the overlays around them.

mod detail;
mod graph;
mod lists;
mod overlay;
mod overview;
mod scans;
mod style;

use ratatui::{
    Frame,
    layout::{Alignment, Rect},
    text::{Line, Span},
    widgets::{Block, Borders, Paragraph, Wrap},
};

pub(crate) use style::{Theme, age, bar, date, fit, minute, severity_label, thousands};

use crate::{
    layout,
    state::{Loading, Overlay, State, Subject, Tab},
};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, state: &State) {
    let theme = Theme::new(state.color);
    let [tabs, body, status] = layout::frame(state.size);
    tab_bar(frame, state, theme, tabs);
    match (&state.detail, state.tab) {
        (Some(detail), _) => detail::draw(frame, state, detail, theme, body),
        (None, Tab::Overview) => overview::draw(frame, state, theme, body),
        (None, Tab::Findings) => lists::findings(frame, state, theme, body),
        (None, Tab::Inventory) => lists::inventory(frame, state, theme, body),
        (None, Tab::Graph) => graph::draw(frame, state, theme, body),
        (None, Tab::Scans) => scans::draw(frame, state, theme, body),
    }
    status_bar(frame, state, theme, status);
    match &state.overlay {
        Some(Overlay::Help { scroll }) => overlay::help(frame, *scroll, theme, body),
        Some(Overlay::Picker(picker)) => overlay::picker(frame, picker, theme, body),
        Some(Overlay::Input(_)) | None => {}
    }
}

fn tab_bar(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, tab.title());
        let style = if *tab == state.tab {
            theme.selected().patch(theme.strong())
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some(scan) = state.current_scan() {
        let newest = state.scans.len().checked_sub(1) == Some(state.scan);
        let text = format!(
            "scan #{}{} ",
            scan.number,
            if newest { "" } else { " (older)" }
        );
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.strong())).alignment(Alignment::Right),
            area,
        );
    }
}

/// What the keys do here, for the status bar.
fn hints(state: &State) -> &'static str {
    if let Some(detail) = &state.detail {
        return match detail.subject {
            Subject::Finding(_) => "j/k node · Enter graph · d node · y copy · Esc back · ? help",
            Subject::Node(..) => "j/k finding · Enter open · n graph · y copy · Esc back · ? help",
        };
    }
    match state.tab {
        Tab::Overview => "Enter/2 findings · 3 inventory · 4 graph · 5 scans · ? help · q quit",
        Tab::Findings => "Enter detail · n graph · s sort · v sev · f filter · / search · ? help",
        Tab::Inventory => {
            "Enter detail · n graph · s sort · f filter · / search · e export · ? help"
        }
        Tab::Graph => "Enter follow · h/l pane · d details · y copy · Esc back · ? help",
        Tab::Scans => "Space mark · d compare · Enter explore · Esc close · ? help",
    }
}

fn status_bar(frame: &mut Frame<'_>, state: &State, theme: Theme, area: Rect) {
    if let Some(Overlay::Input(input)) = &state.overlay {
        let (prompt, help) = match input.kind {
            crate::state::InputKind::Search => ("/", "  Enter search · Esc cancel"),
            crate::state::InputKind::Export => {
                ("export to: ", "  .csv or .json · Enter write · Esc cancel")
            }
        };
        let line = Line::from(vec![
            Span::styled(prompt, theme.header()),
            Span::raw(input.text.clone()),
            Span::styled("▏", theme.strong()),
            Span::styled(help, theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let busy = busy_note(state);
    let right = Span::styled(busy.clone(), theme.dim());
    let left = match &state.status {
        Some(status) if status.error => Span::styled(status.text.clone(), theme.error()),
        Some(status) => Span::styled(status.text.clone(), theme.strong()),
        None if state.store_changed => {
            Span::styled("the store changed on disk: r reloads", theme.strong())
        }
        None => Span::styled(hints(state), theme.dim()),
    };
    let width = usize::from(area.width).saturating_sub(busy.chars().count() + 1);
    let left = Span::styled(fit(&left.content, width), left.style);
    frame.render_widget(Paragraph::new(Line::from(left)), area);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), area);
}

fn busy_note(state: &State) -> String {
    let mut busy = Vec::new();
    if state.findings.index == Loading::Pending || state.inventory.index == Loading::Pending {
        busy.push("indexing");
    }
    if state.graph_loading == Loading::Pending {
        busy.push("loading graph");
    }
    if busy.is_empty() {
        String::new()
    } else {
        format!("{}… ", busy.join(", "))
    }
}

/// A message in a bordered box (loading, failure, nothing to show).
pub(crate) fn message(frame: &mut Frame<'_>, title: &str, text: &str, theme: Theme, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Span::styled(format!(" {title} "), theme.strong()));
    frame.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: true })
            .block(block),
        area,
    );
}

/// A bordered block titled `title`.
pub(crate) fn boxed(title: String, theme: Theme, focused: bool) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus(focused))
        .title(Span::styled(title, theme.strong()))
}
