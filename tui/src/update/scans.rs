//! The Scans view: picking scans, comparing two, opening one.

use super::{check, lists};
use crate::{
    TuiError,
    action::Action,
    app::App,
    db::{self, DiffSummary},
    jobs::Done,
    layout,
    paging::{PAGE, Paged},
    state::Diff,
};

/// The rows of the comparison shown.
fn diff_rows(app: &App) -> u64 {
    layout::table_rows(layout::scans(app.state.size, true)[1])
}

/// Fetches the comparison rows the window lacks.
pub(super) fn fill_diff(app: &mut App) {
    let height = diff_rows(app);
    let Some(diff) = app.state.scans_view.diff.as_mut() else {
        return;
    };
    if diff.summary.is_none() {
        return;
    }
    diff.rows.scroll_into_view(height);
    let missing = diff.rows.missing(height);
    if missing.is_empty() {
        return;
    }
    let fetched: Result<Vec<_>, TuiError> = app.db.session().and_then(|session| {
        missing
            .iter()
            .map(|page| Ok((*page, db::diff_page(&session, page * PAGE, PAGE)?)))
            .collect()
    });
    if let Some(pages) = check(app, fetched)
        && let Some(diff) = app.state.scans_view.diff.as_mut()
    {
        for (page, rows) in pages {
            diff.rows.insert(page, rows);
        }
    }
}

/// A comparison finished.
pub(super) fn diff_done(app: &mut App, result: Result<DiffSummary, TuiError>) {
    let Some(summary) = check(app, result) else {
        app.state.scans_view.diff = None;
        return;
    };
    let total = summary.new + summary.rerated + summary.resolved;
    app.state.scans_view.diff = Some(Diff {
        summary: Some(summary),
        rows: Paged::new(total),
    });
    fill_diff(app);
}

/// The two scans to compare: the marked ones, the marked and the
/// selected, or the selected and the one before it (oldest first).
fn pair(app: &App) -> Option<(usize, usize)> {
    let view = &app.state.scans_view;
    let (a, b) = match view.marked[..] {
        [a, b, ..] => (a, b),
        [a] if a != view.selected => (a, view.selected),
        _ => (view.selected.checked_sub(1)?, view.selected),
    };
    Some((a.min(b), a.max(b)))
}

fn compare(app: &mut App) {
    let Some((older, newer)) = pair(app) else {
        app.state
            .say("nothing to compare: mark two scans with Space, or select a scan that has one before it");
        return;
    };
    let (Some(older), Some(newer)) = (
        app.state.scans.get(older).cloned(),
        app.state.scans.get(newer).cloned(),
    ) else {
        return;
    };
    let Some(job_db) = check(app, app.db.try_clone()) else {
        return;
    };
    app.state.scans_view.diff = Some(Diff::default());
    app.jobs.spawn("comparison", move || {
        Done::Diff(
            job_db
                .session()
                .and_then(|session| db::build_diff(&session, &older, &newer)),
        )
    });
}

/// Keys in the Scans view.
pub(super) fn update(app: &mut App, action: Action) {
    let last = app.state.scans.len().saturating_sub(1);
    let page = i64::try_from(diff_rows(app).max(1)).unwrap_or(1);
    if let Some(diff) = app.state.scans_view.diff.as_mut() {
        let rows = &mut diff.rows;
        match action {
            Action::Down => rows.move_by(1),
            Action::Up => rows.move_by(-1),
            Action::Scroll(n) => rows.move_by(i64::from(n)),
            Action::PageDown => rows.move_by(page),
            Action::PageUp => rows.move_by(-page),
            Action::Top => rows.move_to(0),
            Action::Bottom => rows.move_to(u64::MAX),
            Action::Back => {
                app.state.scans_view.diff = None;
                return;
            }
            _ => return handle(app, action, last),
        }
        fill_diff(app);
        return;
    }
    handle(app, action, last);
}

fn handle(app: &mut App, action: Action, last: usize) {
    let view = &mut app.state.scans_view;
    match action {
        Action::Down => view.selected = (view.selected + 1).min(last),
        Action::Up => view.selected = view.selected.saturating_sub(1),
        Action::Scroll(n) if n > 0 => view.selected = (view.selected + 3).min(last),
        Action::Scroll(_) => view.selected = view.selected.saturating_sub(3),
        Action::Top => view.selected = 0,
        Action::Bottom => view.selected = last,
        Action::Mark => {
            let selected = view.selected;
            if let Some(at) = view.marked.iter().position(|m| *m == selected) {
                view.marked.remove(at);
            } else {
                view.marked.push(selected);
                if view.marked.len() > 2 {
                    view.marked.remove(0);
                }
            }
        }
        Action::Diff => compare(app),
        Action::Open if view.selected != app.state.scan => {
            app.state.scan = view.selected;
            let loaded = app.load_scan();
            if check(app, loaded).is_some() {
                let number = app.state.current_scan().map_or(0, |s| s.number);
                app.state.say(format!("exploring scan #{number}"));
            }
        }
        Action::Export => lists::ask_export_file(app, "scans"),
        _ => {}
    }
}
