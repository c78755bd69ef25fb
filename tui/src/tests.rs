//! Paging against a real store: walking a list page by page, forwards and
//! backwards, in every sort, gives exactly the rows one ORDER BY gives.

use nhiscope_graph::{AnalysisSettings, GraphBuilder, GraphResults, NodeFacts, Store, analyse};
use nhiscope_model::{
    CredentialType, Finding, FindingFingerprint, IdentityType, Location, NodeId, NodeKind, ScanId,
    ScanRecord, ScanStatus, Severity,
};

use crate::{
    db::{
        self, Db, FindingFilter, FindingSort, InventoryFilter, InventorySort, KeyValue, Session,
        SortColumn,
    },
    paging::{PAGE, Paged},
};

const FINDINGS: usize = 700;

/// A store of 300 users with keys, and 700 findings with many ties.
fn store(dir: &std::path::Path) -> std::path::PathBuf {
    let mut builder = GraphBuilder::with_capacity(600, 600);
    for i in 0..300 {
        let mut user = NodeFacts::of(NodeKind::Identity(IdentityType::IamUser));
        user.created_at = 1_600_000_000 + (i % 17) * 86_400;
        builder.add_node(&format!("aws:iam_user:u{i}"), &format!("user {i}"), user);
        let mut key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        key.flags = if i % 5 == 0 { 1 } else { 0 };
        key.last_used_at = if i % 3 == 0 {
            i64::MIN
        } else {
            1_700_000_000 + i % 7
        };
        builder.add_node(&format!("aws:access_key:k{i}"), &format!("key {i}"), key);
        builder.add_edge(
            &format!("aws:access_key:k{i}"),
            &format!("aws:iam_user:u{i}"),
            nhiscope_model::EdgeKind::AuthenticatesAs,
        );
    }
    let graph = builder.finish();
    let analysis = analyse(
        &graph,
        &AnalysisSettings::new("2026-11-20T00:00:00Z".parse().expect("a time")),
    );
    let severities = Severity::DESCENDING;
    let findings = (0..FINDINGS).map(|i| Finding {
        fingerprint: FindingFingerprint::derive("rule", &[&i.to_string()]),
        rule_id: format!("rule-{}", i % 4),
        severity: severities[i % 5],
        title: format!("finding {i} about user {}", i % 300),
        message: "m".into(),
        nodes: vec![NodeId::from_stored(format!("aws:iam_user:u{}", i % 300))],
        location: if i % 2 == 0 {
            Location::File {
                path: format!("f{}.py", i % 9),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 2,
                commit: None,
                snippet: None,
            }
        } else {
            Location::Resource {
                provider: if i % 3 == 0 { "aws" } else { "kubernetes" }.into(),
                scope: None,
                resource: format!("r{i}"),
                export_file: None,
            }
        },
        remediation: "fix".into(),
        evidence: None,
        tags: Vec::new(),
        provenance: None,
        risk: Some(u8::try_from(i % 7 * 10).expect("small")),
    });
    let now = jiff::Timestamp::now();
    let record = ScanRecord {
        id: ScanId::new(now),
        number: None,
        started_at: now,
        finished_at: now,
        tool_version: "test".into(),
        status: ScanStatus::Complete,
        sources: Vec::new(),
        errors: Vec::new(),
        skipped: Vec::new(),
    };
    let path = dir.join("store.duckdb");
    let mut store = Store::open_or_create(&path).expect("a store");
    store
        .write_graph(
            &record,
            GraphResults {
                graph: &graph,
                analysis: &analysis,
            },
            findings,
        )
        .expect("written");
    path
}

/// Every row through pages: forwards from the top, then backwards from the
/// bottom; both must equal `expected`.
fn walk<R: Clone>(
    total: u64,
    expected: &[i64],
    id: impl Fn(&R) -> i64,
    key: impl Fn(&R) -> Vec<KeyValue> + Copy,
    fetch: impl Fn(&crate::db::PageRequest) -> Vec<R>,
    what: &str,
) {
    assert_eq!(total as usize, expected.len(), "{what}: count");
    for backwards in [false, true] {
        let mut list: Paged<R> = Paged::new(total);
        let mut seen = Vec::new();
        let positions: Vec<u64> = if backwards {
            (0..total).rev().collect()
        } else {
            (0..total).collect()
        };
        for position in positions {
            list.move_to(position);
            list.scroll_into_view(20);
            for page in list.missing(20) {
                let request = list.request(page, key);
                list.insert(page, fetch(&request));
            }
            seen.push(id(list.selected_row().expect("the selected row is cached")));
        }
        if backwards {
            seen.reverse();
        }
        assert_eq!(seen, expected, "{what}, backwards: {backwards}");
    }
}

fn expected(session: &Session<'_>, table: &str, filter: &str, order: &[SortColumn]) -> Vec<i64> {
    let order = crate::db::order_by_for_export(order, false).replace("k.", "");
    session
        .rows(
            &format!("SELECT row FROM {table} WHERE {filter} ORDER BY {order}"),
            &[],
            |row| row.get(0),
        )
        .expect("the reference order")
}

#[test]
fn paging_in_every_sort_and_direction_gives_every_row_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = store(dir.path());
    let db = Db::open(&path).expect("opens");
    let session = db.session().expect("attaches");
    let scan = db::list_scans(&session).expect("scans")[0].id.clone();
    assert_eq!(
        db::build_findings_index(&session, &scan).expect("indexed"),
        FINDINGS as u64
    );
    assert!(FINDINGS as u64 > 4 * PAGE, "several pages");
    for sort in FindingSort::ALL {
        for reversed in [false, true] {
            for filter in [
                FindingFilter::default(),
                FindingFilter {
                    min_severity: Some(Severity::High),
                    search: "USER 1".into(),
                    ..FindingFilter::default()
                },
            ] {
                let total = db::count_findings(&session, &filter).expect("counted");
                let columns = crate::db::findings_oriented(sort.columns(), reversed);
                let (clause, _) = filter.sql();
                let clause = clause.replace("sev >= ?", "sev >= 3").replace(
                    "contains(hay, ?) AND contains(hay, ?)",
                    "contains(hay, 'user') AND contains(hay, '1')",
                );
                let order = expected(&session, "fk", &clause, &columns);
                walk(
                    total,
                    &order,
                    |row: &db::FindingRow| row.row,
                    |row| row.key(sort),
                    |request| {
                        db::findings_page(&session, sort, reversed, &filter, request)
                            .expect("a page")
                    },
                    &format!("findings by {sort:?}, reversed {reversed}, {filter:?}"),
                );
            }
        }
    }
}

#[test]
fn the_inventory_pages_the_same_way() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = store(dir.path());
    let db = Db::open(&path).expect("opens");
    let session = db.session().expect("attaches");
    let scan = db::list_scans(&session).expect("scans")[0].id.clone();
    assert_eq!(
        db::build_inventory_index(&session, &scan).expect("indexed"),
        600
    );
    for sort in InventorySort::ALL {
        for reversed in [false, true] {
            let filter = InventoryFilter::default();
            let total = db::count_inventory(&session, &filter).expect("counted");
            let columns = crate::db::findings_oriented(sort.columns(), reversed);
            let order = expected(&session, "nk", "TRUE", &columns);
            walk(
                total,
                &order,
                |row: &db::InventoryRow| row.row,
                |row| row.key(sort),
                |request| {
                    db::inventory_page(&session, sort, reversed, &filter, request).expect("a page")
                },
                &format!("inventory by {sort:?}, reversed {reversed}"),
            );
        }
    }
    // The store is let go when idle: a writer can open it.
    drop(session);
    assert!(db.release_if_idle());
    drop(Store::open_or_create(&path).expect("a writer opens the store"));
}

#[test]
fn no_color_draws_without_colours_and_colour_with_them() {
    use ratatui::style::Color;
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = store(dir.path());
    for color in [false, true] {
        let options = crate::Options {
            db: path.clone(),
            scan: nhiscope_graph::ScanSelector::Latest,
            color,
            as_of: None,
        };
        let mut tui = crate::Headless::open(&options, (100, 30)).expect("opens");
        tui.settle();
        tui.press("2").expect("a key");
        tui.settle();
        let coloured = tui
            .buffer()
            .content
            .iter()
            .filter(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset)
            .count();
        assert_eq!(
            coloured > 0,
            color,
            "{coloured} coloured cells, color {color}"
        );
        assert!(tui.screen().contains("Findings 700"), "{}", tui.screen());
    }
}
