//! Where things go on the screen, shared by drawing and by the update
//! step (which must know how many rows a list shows to fetch them).

use ratatui::layout::{Constraint, Layout, Rect};

/// Terminals at least this wide show panes side by side.
pub const WIDE: u16 = 120;

/// The whole screen.
pub fn screen(size: (u16, u16)) -> Rect {
    Rect::new(0, 0, size.0, size.1)
}

/// Tab bar, body and status bar.
pub fn frame(size: (u16, u16)) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(screen(size))
}

/// The body between the tab bar and the status bar.
pub fn body(size: (u16, u16)) -> Rect {
    frame(size)[1]
}

/// Whether the terminal is wide enough for side-by-side panes.
pub fn wide(size: (u16, u16)) -> bool {
    size.0 >= WIDE
}

/// The rows a bordered table with a header row shows in `area`.
pub fn table_rows(area: Rect) -> u64 {
    u64::from(area.height.saturating_sub(3))
}

/// The rows the findings and inventory lists show.
pub fn list_rows(size: (u16, u16)) -> u64 {
    table_rows(body(size))
}

/// The Graph view: the center's header, its edges and its blast radius.
pub fn graph(size: (u16, u16)) -> [Rect; 3] {
    let [header, rest] =
        Layout::vertical([Constraint::Length(5), Constraint::Min(0)]).areas(body(size));
    let [edges, reach] = if wide(size) {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest)
    };
    [header, edges, reach]
}

/// The Scans view: the history above, a comparison below.
pub fn scans(size: (u16, u16), comparing: bool) -> [Rect; 2] {
    if comparing {
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body(size))
    } else {
        [body(size), Rect::default()]
    }
}

/// The first row to show so that `selected` is visible in `height` rows.
pub fn scroll_top(selected: usize, height: usize) -> usize {
    (selected + 1).saturating_sub(height.max(1))
}

/// A centered box of at most `width` x `height` in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
