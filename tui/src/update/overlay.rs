//! The help overlay, the input line (search, export file) and the filter
//! picker.

use super::{check, lists};
use crate::{
    action::Action,
    app::App,
    export,
    jobs::Done,
    state::{InputKind, Overlay, Tab},
};

pub(super) fn update(app: &mut App, current: Overlay, action: Action) {
    match current {
        Overlay::Help { scroll } => match action {
            Action::Down => app.state.overlay = Some(Overlay::Help { scroll: scroll + 1 }),
            Action::Up => {
                app.state.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                });
            }
            _ => app.state.overlay = None,
        },
        Overlay::Input(mut input) => match action {
            Action::Type(c) => {
                input.text.push(c);
                app.state.overlay = Some(Overlay::Input(input));
            }
            Action::Erase => {
                input.text.pop();
                app.state.overlay = Some(Overlay::Input(input));
            }
            Action::Submit => {
                app.state.overlay = None;
                match input.kind {
                    InputKind::Search => lists::search(app, &input.text),
                    InputKind::Export => start_export(app, input.text.trim()),
                }
            }
            Action::Cancel => app.state.overlay = None,
            _ => {}
        },
        Overlay::Picker(mut picker) => {
            let last = picker.items.len().saturating_sub(1);
            match action {
                Action::Down => picker.selected = (picker.selected + 1).min(last),
                Action::Up => picker.selected = picker.selected.saturating_sub(1),
                Action::PageDown => picker.selected = (picker.selected + 10).min(last),
                Action::PageUp => picker.selected = picker.selected.saturating_sub(10),
                Action::Submit => {
                    app.state.overlay = None;
                    if let Some(item) = picker.items.get(picker.selected).cloned() {
                        lists::pick(app, &item);
                    }
                    return;
                }
                Action::ClearFilters => {
                    app.state.overlay = None;
                    lists::clear(app);
                    return;
                }
                _ => {
                    app.state.overlay = None;
                    return;
                }
            }
            app.state.overlay = Some(Overlay::Picker(picker));
        }
    }
}

/// Writes the list on screen to `file` in the background.
fn start_export(app: &mut App, file: &str) {
    if file.is_empty() {
        app.state.fail("no file name: nothing exported");
        return;
    }
    let path = std::path::PathBuf::from(file);
    match app.state.tab {
        Tab::Findings => {
            let (sort, reversed, filter) = lists::findings_order(app);
            let Some(db) = check(app, app.db.try_clone()) else {
                return;
            };
            app.state.say(format!("exporting to {file} …"));
            app.jobs.spawn("export", move || {
                Done::Export(
                    export::findings(&db, sort, reversed, &filter, &path).map(|n| (path, n)),
                )
            });
        }
        Tab::Inventory => {
            let (sort, reversed, filter) = lists::inventory_order(app);
            let Some(db) = check(app, app.db.try_clone()) else {
                return;
            };
            app.state.say(format!("exporting to {file} …"));
            app.jobs.spawn("export", move || {
                Done::Export(
                    export::inventory(&db, sort, reversed, &filter, &path).map(|n| (path, n)),
                )
            });
        }
        Tab::Scans => {
            let written = export::scans(&app.state.scans, &path);
            match written {
                Ok(rows) => app
                    .state
                    .say(format!("exported {rows} row(s) to {}", path.display())),
                Err(error) => app.state.fail(error.to_string()),
            }
        }
        _ => app.state.say("nothing to export here"),
    }
}
