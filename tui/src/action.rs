//! What the user can ask for, and which keys ask for it. Events become
//! actions here; [`crate::update`] applies them; the help overlay and the
//! README's key map list [`KEYS`].

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use crate::state::{Overlay, State, Tab};

/// Something the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave.
    Quit,
    /// Show the key map.
    Help,
    /// Go to a tab.
    Tab(Tab),
    /// The next tab.
    NextTab,
    /// The previous tab.
    PrevTab,
    /// Select the row above.
    Up,
    /// Select the row below.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    Top,
    /// The last row.
    Bottom,
    /// The mouse wheel: rows down (positive) or up.
    Scroll(i8),
    /// Open the selected row: its detail, a related node's graph, an edge.
    Open,
    /// Back to where the user was.
    Back,
    /// The graph neighbourhood of the selection.
    Neighbourhood,
    /// The Detail pane of the Graph view's node.
    Details,
    /// The left pane (Graph view).
    Left,
    /// The right pane (Graph view).
    Right,
    /// The next sort.
    Sort,
    /// Reverse the sort.
    Reverse,
    /// The next minimum severity (findings).
    Severity,
    /// Open the filter picker.
    Filter,
    /// Clear filters and search.
    ClearFilters,
    /// Start a search.
    Search,
    /// Copy the selection's fingerprint or node id.
    Copy,
    /// Export the current list.
    Export,
    /// Reload the store.
    Refresh,
    /// Mark a scan for comparison.
    Mark,
    /// Compare scans.
    Diff,
    /// Type a character into the input line.
    Type(char),
    /// Erase the last character of the input line.
    Erase,
    /// Submit the input line or pick the selected choice.
    Submit,
    /// Close the overlay without applying it.
    Cancel,
    /// The terminal was resized.
    Resize(u16, u16),
}

impl Action {
    /// A short name, for timings.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Tab(_) | Action::NextTab | Action::PrevTab => "switch tab",
            Action::Up | Action::Down | Action::Scroll(_) => "scroll",
            Action::PageUp | Action::PageDown => "page",
            Action::Top | Action::Bottom => "jump to end",
            Action::Open => "open / follow edge",
            Action::Back => "back",
            Action::Neighbourhood => "neighbourhood",
            Action::Details => "details",
            Action::Left | Action::Right => "switch pane",
            Action::Sort | Action::Reverse => "sort",
            Action::Severity => "severity filter",
            Action::Filter => "filter picker",
            Action::ClearFilters => "clear filters",
            Action::Search => "start search",
            Action::Copy => "copy",
            Action::Export => "export",
            Action::Refresh => "refresh",
            Action::Mark => "mark",
            Action::Diff => "diff",
            Action::Type(_) | Action::Erase => "type",
            Action::Submit => "submit",
            Action::Cancel => "cancel",
            Action::Resize(..) => "resize",
        }
    }
}

/// The key map: where, which keys, what they do.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("anywhere", "1-5  Tab  Shift-Tab", "switch view"),
    ("anywhere", "?", "this help"),
    ("anywhere", "q  Ctrl-C", "quit"),
    ("anywhere", "r", "reload the store (picks up a new scan)"),
    ("lists", "j k  ↓ ↑  wheel", "move"),
    ("lists", "PgDn PgUp  Ctrl-d Ctrl-u", "page"),
    ("lists", "g G  Home End", "first / last row"),
    ("lists", "Enter", "open the detail"),
    ("lists", "n", "graph neighbourhood of the row"),
    ("lists", "s  S", "next sort / reverse it"),
    ("lists", "/", "search (Enter applies, Esc cancels)"),
    ("lists", "v", "findings: cycle the minimum severity"),
    (
        "lists",
        "f",
        "filter: severity, source, rule / class, type, provider",
    ),
    ("lists", "x", "clear filters and search"),
    ("lists", "y", "copy the fingerprint or node id (OSC 52)"),
    ("lists", "e", "export the filtered list (.csv or .json)"),
    ("detail", "j k", "select a related node or finding"),
    ("detail", "Enter", "open it (a node's graph, a finding)"),
    ("detail", "n", "graph of the selected node"),
    ("detail", "d", "details of the selected node"),
    ("detail", "PgDn PgUp", "scroll the text"),
    ("graph", "j k", "move"),
    ("graph", "h l  ← →", "edges / blast radius"),
    ("graph", "Enter", "follow the edge"),
    ("graph", "d", "details of the selected node"),
    ("graph", "y", "copy the node id"),
    ("scans", "Space", "mark a scan (two for a comparison)"),
    (
        "scans",
        "d",
        "compare (the marked, or the selected with its predecessor)",
    ),
    ("scans", "Enter", "explore the selected scan"),
    (
        "back",
        "Esc  Backspace",
        "back; on a list with nowhere to go back to, clears the search",
    ),
];

/// The action a terminal event asks for, given what is on screen.
pub fn action_for(event: &Event, state: &State) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(key, state),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize(*width, *height)),
        _ => None,
    }
}

fn key_action(key: &KeyEvent, state: &State) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match &state.overlay {
        Some(Overlay::Input(_)) => {
            return match key.code {
                KeyCode::Enter => Some(Action::Submit),
                KeyCode::Esc => Some(Action::Cancel),
                KeyCode::Backspace => Some(Action::Erase),
                KeyCode::Char(c) if !ctrl => Some(Action::Type(c)),
                _ => None,
            };
        }
        Some(Overlay::Help { .. }) => {
            return match key.code {
                KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
                KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
                _ => Some(Action::Cancel),
            };
        }
        Some(Overlay::Picker(_)) => {
            return match key.code {
                KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
                KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
                KeyCode::PageDown => Some(Action::PageDown),
                KeyCode::PageUp => Some(Action::PageUp),
                KeyCode::Enter | KeyCode::Char(' ') => Some(Action::Submit),
                KeyCode::Char('x') => Some(Action::ClearFilters),
                KeyCode::Char('q') => Some(Action::Quit),
                _ => Some(Action::Cancel),
            };
        }
        None => {}
    }
    if ctrl {
        return match key.code {
            KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('u') => Some(Action::PageUp),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char(c @ '1'..='5') => Action::Tab(Tab::ALL[usize::from(c as u8 - b'1')]),
        KeyCode::Tab => Action::NextTab,
        KeyCode::BackTab => Action::PrevTab,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc | KeyCode::Backspace => Action::Back,
        KeyCode::Char('n') => Action::Neighbourhood,
        KeyCode::Char('d') if state.tab == Tab::Scans && state.detail.is_none() => Action::Diff,
        KeyCode::Char('d') => Action::Details,
        KeyCode::Char('h') | KeyCode::Left => Action::Left,
        KeyCode::Char('l') | KeyCode::Right => Action::Right,
        KeyCode::Char('s') => Action::Sort,
        KeyCode::Char('S') => Action::Reverse,
        KeyCode::Char('v') => Action::Severity,
        KeyCode::Char('f') => Action::Filter,
        KeyCode::Char('x') => Action::ClearFilters,
        KeyCode::Char('/') => Action::Search,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char(' ') => Action::Mark,
        _ => return None,
    })
}

/// Parses one key of a `--keys` script: a character, a name (`Enter`,
/// `Esc`, `Tab`, `BackTab`, `Up`, `Down`, `Left`, `Right`, `PageUp`,
/// `PageDown`, `Home`, `End`, `Backspace`, `Space`, `Comma`) or `C-x` for
/// Ctrl and a character.
pub fn parse_key(text: &str) -> Option<KeyEvent> {
    let code = match text {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "PageUp" | "PgUp" => KeyCode::PageUp,
        "PageDown" | "PgDn" => KeyCode::PageDown,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "Backspace" => KeyCode::Backspace,
        "Space" => KeyCode::Char(' '),
        "Comma" => KeyCode::Char(','),
        _ => {
            if let Some(rest) = text.strip_prefix("C-") {
                let mut chars = rest.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return None;
                };
                return Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
            }
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => return None,
            }
        }
    };
    let modifiers = if code == KeyCode::BackTab {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Some(KeyEvent::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_by_name_and_character() {
        assert_eq!(parse_key("j").map(|k| k.code), Some(KeyCode::Char('j')));
        assert_eq!(parse_key("Enter").map(|k| k.code), Some(KeyCode::Enter));
        assert_eq!(parse_key("Comma").map(|k| k.code), Some(KeyCode::Char(',')));
        let ctrl = parse_key("C-d").expect("ctrl");
        assert!(ctrl.modifiers.contains(KeyModifiers::CONTROL));
        assert_eq!(parse_key("Enterr"), None);
    }

    #[test]
    fn typing_goes_to_the_input_line_and_ctrl_c_always_quits() {
        let mut state = State::default();
        let key = |text: &str| Event::Key(parse_key(text).expect("a key"));
        assert_eq!(action_for(&key("q"), &state), Some(Action::Quit));
        assert_eq!(
            action_for(&key("3"), &state),
            Some(Action::Tab(Tab::Inventory))
        );
        state.overlay = Some(Overlay::Input(crate::state::Input {
            kind: crate::state::InputKind::Search,
            text: String::new(),
        }));
        assert_eq!(action_for(&key("q"), &state), Some(Action::Type('q')));
        assert_eq!(action_for(&key("C-c"), &state), Some(Action::Quit));
    }
}
