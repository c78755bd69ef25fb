//! The findings and inventory lists: moving, sorting, filtering and
//! searching, each fetching only the pages the window shows.

use nhiscope_model::Severity;

use super::{Effect, back, check, detail, graph, push};
use crate::{
    TuiError,
    action::Action,
    app::App,
    db::{
        self, FindingFilter, FindingSort, InventoryFilter, InventorySort, KeyValue, NodeKey,
        PageRequest, Session,
    },
    layout,
    paging::Paged,
    state::{Input, InputKind, ListView, Loading, Overlay, Picker, PickerItem, State},
};

/// What differs between the two lists.
trait Kind {
    type Row;
    type Sort: Copy + PartialEq + 'static;
    type Filter;
    const ALL: &'static [Self::Sort];
    fn list(state: &mut State) -> &mut ListView<Self::Row, Self::Sort, Self::Filter>;
    fn count(session: &Session<'_>, filter: &Self::Filter) -> Result<u64, TuiError>;
    fn page(
        session: &Session<'_>,
        sort: Self::Sort,
        reversed: bool,
        filter: &Self::Filter,
        request: &PageRequest,
    ) -> Result<Vec<Self::Row>, TuiError>;
    fn key(row: &Self::Row, sort: Self::Sort) -> Vec<KeyValue>;
}

struct Findings;
struct Inventory;

impl Kind for Findings {
    type Row = db::FindingRow;
    type Sort = FindingSort;
    type Filter = FindingFilter;
    const ALL: &'static [FindingSort] = &FindingSort::ALL;
    fn list(state: &mut State) -> &mut ListView<Self::Row, Self::Sort, Self::Filter> {
        &mut state.findings
    }
    fn count(session: &Session<'_>, filter: &FindingFilter) -> Result<u64, TuiError> {
        db::count_findings(session, filter)
    }
    fn page(
        session: &Session<'_>,
        sort: FindingSort,
        reversed: bool,
        filter: &FindingFilter,
        request: &PageRequest,
    ) -> Result<Vec<Self::Row>, TuiError> {
        db::findings_page(session, sort, reversed, filter, request)
    }
    fn key(row: &Self::Row, sort: FindingSort) -> Vec<KeyValue> {
        row.key(sort)
    }
}

impl Kind for Inventory {
    type Row = db::InventoryRow;
    type Sort = InventorySort;
    type Filter = InventoryFilter;
    const ALL: &'static [InventorySort] = &InventorySort::ALL;
    fn list(state: &mut State) -> &mut ListView<Self::Row, Self::Sort, Self::Filter> {
        &mut state.inventory
    }
    fn count(session: &Session<'_>, filter: &InventoryFilter) -> Result<u64, TuiError> {
        db::count_inventory(session, filter)
    }
    fn page(
        session: &Session<'_>,
        sort: InventorySort,
        reversed: bool,
        filter: &InventoryFilter,
        request: &PageRequest,
    ) -> Result<Vec<Self::Row>, TuiError> {
        db::inventory_page(session, sort, reversed, filter, request)
    }
    fn key(row: &Self::Row, sort: InventorySort) -> Vec<KeyValue> {
        row.key(sort)
    }
}

/// Fetches the pages the window lacks.
fn fill<K: Kind>(app: &mut App) {
    let height = layout::list_rows(app.state.size);
    let list = K::list(&mut app.state);
    if list.index != Loading::Ready {
        return;
    }
    list.rows.scroll_into_view(height);
    let missing = list.rows.missing(height);
    if missing.is_empty() {
        return;
    }
    let session = match app.db.session() {
        Ok(session) => session,
        Err(error) => {
            app.state.fail(error.to_string());
            return;
        }
    };
    for page in missing {
        let list = K::list(&mut app.state);
        let sort = list.sort;
        let request = list.rows.request(page, |row| K::key(row, sort));
        match K::page(&session, sort, list.reversed, &list.filter, &request) {
            Ok(rows) => list.rows.insert(page, rows),
            Err(error) => {
                app.state.fail(error.to_string());
                return;
            }
        }
    }
}

/// Recounts after a filter change and shows the list from the top.
fn refilter<K: Kind>(app: &mut App) {
    if K::list(&mut app.state).index != Loading::Ready {
        return;
    }
    let counted = app
        .db
        .session()
        .and_then(|session| K::count(&session, &K::list(&mut app.state).filter));
    if let Some(total) = check(app, counted) {
        K::list(&mut app.state).rows = Paged::new(total);
        fill::<K>(app);
    }
}

/// Shows the list from the top in a new order (the count is unchanged).
fn resort<K: Kind>(app: &mut App) {
    let list = K::list(&mut app.state);
    list.rows = Paged::new(list.rows.total());
    fill::<K>(app);
}

pub(super) fn fill_findings(app: &mut App) {
    fill::<Findings>(app);
}

pub(super) fn fill_inventory(app: &mut App) {
    fill::<Inventory>(app);
}

pub(super) fn refilter_findings(app: &mut App) {
    refilter::<Findings>(app);
}

pub(super) fn refilter_inventory(app: &mut App) {
    refilter::<Inventory>(app);
}

/// The actions both lists share; false when `action` is not one.
fn common<K: Kind>(app: &mut App, action: Action) -> bool {
    let page = i64::try_from(layout::list_rows(app.state.size).max(1)).unwrap_or(1);
    let list = K::list(&mut app.state);
    match action {
        Action::Down => list.rows.move_by(1),
        Action::Up => list.rows.move_by(-1),
        Action::Scroll(rows) => list.rows.move_by(i64::from(rows)),
        Action::PageDown => list.rows.move_by(page),
        Action::PageUp => list.rows.move_by(-page),
        Action::Top => list.rows.move_to(0),
        Action::Bottom => list.rows.move_to(u64::MAX),
        Action::Sort => {
            let at = K::ALL.iter().position(|s| *s == list.sort).unwrap_or(0);
            list.sort = K::ALL[(at + 1) % K::ALL.len()];
            list.reversed = false;
            resort::<K>(app);
            return true;
        }
        Action::Reverse => {
            list.reversed = !list.reversed;
            resort::<K>(app);
            return true;
        }
        _ => return false,
    }
    fill::<K>(app);
    true
}

fn start_search(app: &mut App, text: String) {
    app.state.overlay = Some(Overlay::Input(Input {
        kind: InputKind::Search,
        text,
    }));
}

pub(super) fn ask_export_file(app: &mut App, what: &str) {
    let number = app.state.current_scan().map_or(0, |s| s.number);
    app.state.overlay = Some(Overlay::Input(Input {
        kind: InputKind::Export,
        text: format!("nhiscope-{what}-scan{number}.csv"),
    }));
}

fn not_ready(app: &mut App, index: &Loading) -> bool {
    match index {
        Loading::Ready => false,
        Loading::Pending => {
            app.state.say("still indexing this list; a moment");
            true
        }
        Loading::Failed(message) => {
            app.state.fail(message.clone());
            true
        }
    }
}

/// The Findings view.
pub(super) fn findings(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    if not_ready(app, &app.state.findings.index.clone()) && action != Action::Back {
        return;
    }
    if common::<Findings>(app, action) {
        return;
    }
    let selected = app.state.findings.rows.selected_row().cloned();
    match action {
        Action::Open => {
            if let Some(row) = selected {
                push(app);
                detail::open_finding(app, row.row);
            }
        }
        Action::Neighbourhood => {
            if let Some(row) = selected {
                let found = app
                    .db
                    .session()
                    .and_then(|session| db::finding_detail(&session, row.row));
                if let Some(id) = check(app, found)
                    .flatten()
                    .and_then(|f| f.node_ids.first().cloned())
                {
                    push(app);
                    graph::center_on_id(app, &id);
                }
            }
        }
        Action::Severity => {
            let filter = &mut app.state.findings.filter;
            filter.min_severity = match filter.min_severity {
                None => Some(Severity::Critical),
                Some(Severity::Critical) => Some(Severity::High),
                Some(Severity::High) => Some(Severity::Medium),
                Some(Severity::Medium) => Some(Severity::Low),
                Some(_) => None,
            };
            refilter::<Findings>(app);
        }
        Action::Filter => open_findings_picker(app),
        Action::ClearFilters => {
            app.state.findings.filter = FindingFilter::default();
            refilter::<Findings>(app);
        }
        Action::Search => start_search(app, app.state.findings.filter.search.clone()),
        Action::Copy => {
            if let Some(row) = selected {
                app.state
                    .say(format!("copied fingerprint {} (OSC 52)", row.fingerprint));
                effects.push(Effect::Copy(row.fingerprint));
            }
        }
        Action::Export => ask_export_file(app, "findings"),
        Action::Back if !back(app) && !app.state.findings.filter.search.is_empty() => {
            app.state.findings.filter.search.clear();
            refilter::<Findings>(app);
        }
        _ => {}
    }
}

/// The Inventory view.
pub(super) fn inventory(app: &mut App, action: Action, effects: &mut Vec<Effect>) {
    if not_ready(app, &app.state.inventory.index.clone()) && action != Action::Back {
        return;
    }
    if common::<Inventory>(app, action) {
        return;
    }
    let selected = app.state.inventory.rows.selected_row().cloned();
    match action {
        Action::Open => {
            if let Some(row) = selected {
                push(app);
                let key = row.idx.map_or(NodeKey::Id(&row.id), NodeKey::Idx);
                detail::open_node(app, &key);
            }
        }
        Action::Neighbourhood => {
            if let Some(row) = selected {
                push(app);
                graph::center_on_id(app, &row.id);
            }
        }
        Action::Filter => open_inventory_picker(app),
        Action::ClearFilters => {
            app.state.inventory.filter = InventoryFilter::default();
            refilter::<Inventory>(app);
        }
        Action::Search => start_search(app, app.state.inventory.filter.search.clone()),
        Action::Copy => {
            if let Some(row) = selected {
                app.state.say(format!("copied node id {} (OSC 52)", row.id));
                effects.push(Effect::Copy(row.id));
            }
        }
        Action::Export => ask_export_file(app, "inventory"),
        Action::Severity => app.state.say("v filters findings by severity; use f here"),
        Action::Back if !back(app) && !app.state.inventory.filter.search.is_empty() => {
            app.state.inventory.filter.search.clear();
            refilter::<Inventory>(app);
        }
        _ => {}
    }
}

fn items(
    section: &'static str,
    values: Vec<(String, u64)>,
    active: Option<&str>,
) -> impl Iterator<Item = PickerItem> {
    values.into_iter().map(move |(label, count)| PickerItem {
        section,
        active: active == Some(label.as_str()),
        label,
        count: Some(count),
    })
}

fn open_findings_picker(app: &mut App) {
    let facets = app.db.session().and_then(|session| {
        Ok((
            db::findings_facet(&session, "sev")?,
            db::findings_facet(&session, "source")?,
            db::findings_facet(&session, "rule")?,
        ))
    });
    let Some((severities, sources, rules)) = check(app, facets) else {
        return;
    };
    let filter = &app.state.findings.filter;
    let mut list: Vec<PickerItem> = Severity::DESCENDING
        .iter()
        .map(|severity| {
            let rank = crate::db::severity_rank(*severity);
            let count: u64 = severities
                .iter()
                .filter(|(r, _)| r.parse::<i64>().is_ok_and(|r| r >= rank))
                .map(|(_, n)| n)
                .sum();
            PickerItem {
                section: "Severity",
                label: if *severity == Severity::Critical {
                    "critical".to_string()
                } else {
                    format!("≥{severity}")
                },
                count: Some(count),
                active: filter.min_severity == Some(*severity),
            }
        })
        .collect();
    list.extend(items("Source", sources, filter.source.as_deref()));
    list.extend(items("Rule", rules, filter.rule.as_deref()));
    app.state.overlay = Some(Overlay::Picker(Picker {
        items: list,
        selected: 0,
    }));
}

fn open_inventory_picker(app: &mut App) {
    let facets = app.db.session().and_then(|session| {
        Ok((
            db::inventory_facet(&session, "class")?,
            db::inventory_facet(&session, "type")?,
            db::inventory_facet(&session, "provider")?,
        ))
    });
    let Some((classes, types, providers)) = check(app, facets) else {
        return;
    };
    let filter = &app.state.inventory.filter;
    let mut list: Vec<PickerItem> = vec![PickerItem {
        section: "Exposure",
        label: "exposed".into(),
        count: None,
        active: filter.exposed,
    }];
    list.extend(items("Class", classes, filter.class.as_deref()));
    list.extend(items("Type", types, filter.type_name.as_deref()));
    list.extend(items("Provider", providers, filter.provider.as_deref()));
    app.state.overlay = Some(Overlay::Picker(Picker {
        items: list,
        selected: 0,
    }));
}

fn toggle(slot: &mut Option<String>, value: &str) {
    *slot = if slot.as_deref() == Some(value) {
        None
    } else {
        Some(value.to_string())
    };
}

/// Applies a picked filter value to the list on screen (picking the active
/// value again removes it).
pub(super) fn pick(app: &mut App, item: &PickerItem) {
    if app.state.tab == crate::state::Tab::Inventory {
        let filter = &mut app.state.inventory.filter;
        match item.section {
            "Exposure" => filter.exposed = !filter.exposed,
            "Class" => toggle(&mut filter.class, &item.label),
            "Type" => toggle(&mut filter.type_name, &item.label),
            _ => toggle(&mut filter.provider, &item.label),
        }
        refilter::<Inventory>(app);
        return;
    }
    let filter = &mut app.state.findings.filter;
    match item.section {
        "Severity" => {
            let severity = Severity::DESCENDING
                .iter()
                .copied()
                .find(|s| item.label.ends_with(s.as_str()));
            filter.min_severity = if filter.min_severity == severity {
                None
            } else {
                severity
            };
        }
        "Source" => toggle(&mut filter.source, &item.label),
        _ => toggle(&mut filter.rule, &item.label),
    }
    refilter::<Findings>(app);
}

/// Applies a search to the list on screen.
pub(super) fn search(app: &mut App, text: &str) {
    if app.state.tab == crate::state::Tab::Inventory {
        app.state.inventory.filter.search = text.trim().to_string();
        refilter::<Inventory>(app);
    } else {
        app.state.findings.filter.search = text.trim().to_string();
        refilter::<Findings>(app);
    }
}

/// Clears every filter of the list on screen.
pub(super) fn clear(app: &mut App) {
    if app.state.tab == crate::state::Tab::Inventory {
        app.state.inventory.filter = InventoryFilter::default();
        refilter::<Inventory>(app);
    } else {
        app.state.findings.filter = FindingFilter::default();
        refilter::<Findings>(app);
    }
}

/// The sort of the findings (for exports).
pub(super) fn findings_order(app: &App) -> (FindingSort, bool, FindingFilter) {
    let list = &app.state.findings;
    (list.sort, list.reversed, list.filter.clone())
}

/// The sort of the inventory (for exports).
pub(super) fn inventory_order(app: &App) -> (InventorySort, bool, InventoryFilter) {
    let list = &app.state.inventory;
    (list.sort, list.reversed, list.filter.clone())
}
