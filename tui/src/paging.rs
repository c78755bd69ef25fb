//! A list shown through a window: its length, the selection and scroll
//! position, and a few cached pages of rows. Only the pages the window
//! needs are fetched, each by seeking from a cached neighbour when there is
//! one (so scrolling costs the same at any depth) or by offset otherwise.

use std::collections::BTreeMap;

use crate::db::{Direction, KeyValue, PageRequest};

/// Rows per fetched page.
pub const PAGE: u64 = 128;

/// Pages kept at most (the farthest from the selection are dropped).
const KEEP: usize = 12;

/// A window over a long list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged<R> {
    total: u64,
    selected: u64,
    top: u64,
    pages: BTreeMap<u64, Vec<R>>,
}

impl<R> Default for Paged<R> {
    fn default() -> Self {
        Self {
            total: 0,
            selected: 0,
            top: 0,
            pages: BTreeMap::new(),
        }
    }
}

impl<R> Paged<R> {
    /// An empty window over a list of `total` rows.
    pub fn new(total: u64) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    /// How many rows the list has.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The selected position.
    pub fn selected(&self) -> u64 {
        self.selected
    }

    /// The first position shown.
    pub fn top(&self) -> u64 {
        self.top
    }

    /// The row at `position`, when its page is cached.
    pub fn get(&self, position: u64) -> Option<&R> {
        self.pages
            .get(&(position / PAGE))
            .and_then(|rows| rows.get(usize::try_from(position % PAGE).ok()?))
    }

    /// The selected row, when cached.
    pub fn selected_row(&self) -> Option<&R> {
        if self.total == 0 {
            return None;
        }
        self.get(self.selected)
    }

    /// Moves the selection by `delta` rows, within the list.
    pub fn move_by(&mut self, delta: i64) {
        let target = if delta < 0 {
            self.selected.saturating_sub(delta.unsigned_abs())
        } else {
            self.selected.saturating_add(delta.unsigned_abs())
        };
        self.move_to(target);
    }

    /// Selects `position` (clamped to the list).
    pub fn move_to(&mut self, position: u64) {
        self.selected = position.min(self.total.saturating_sub(1));
    }

    /// Scrolls so the selection is inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: u64) {
        let height = height.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
        let last_top = self.total.saturating_sub(height);
        self.top = self.top.min(last_top);
    }

    /// The pages a window of `height` rows from the top needs and lacks,
    /// nearest the cached ones first (so each can seek from a neighbour).
    pub fn missing(&self, height: u64) -> Vec<u64> {
        if self.total == 0 {
            return Vec::new();
        }
        let last = (self.top + height.max(1))
            .min(self.total)
            .saturating_sub(1)
            .max(self.selected);
        let first = self.top.min(self.selected);
        let mut wanted: Vec<u64> = (first / PAGE..=last / PAGE)
            .filter(|page| !self.pages.contains_key(page))
            .collect();
        // Fetch next to cached pages first: after a jump, the first page
        // fetched by offset becomes the neighbour the others seek from.
        wanted.sort_by_key(|page| {
            let near = self.pages.contains_key(&page.wrapping_sub(1))
                || self.pages.contains_key(&(page + 1));
            (!near, *page)
        });
        wanted
    }

    /// How to fetch `page`: seeking from a cached neighbour's edge row when
    /// there is one, by offset otherwise.
    pub fn request(&self, page: u64, key: impl Fn(&R) -> Vec<KeyValue>) -> PageRequest {
        if page > 0
            && let Some(last) = self.pages.get(&(page - 1)).and_then(|rows| rows.last())
        {
            return PageRequest::Seek {
                key: key(last),
                direction: Direction::After,
                limit: PAGE,
            };
        }
        if let Some(first) = self.pages.get(&(page + 1)).and_then(|rows| rows.first()) {
            return PageRequest::Seek {
                key: key(first),
                direction: Direction::Before,
                limit: PAGE,
            };
        }
        PageRequest::Offset {
            offset: page * PAGE,
            limit: PAGE,
            total: Some(self.total),
        }
    }

    /// Caches the rows of `page`, dropping the pages farthest from the
    /// selection when there are too many.
    pub fn insert(&mut self, page: u64, rows: Vec<R>) {
        self.pages.insert(page, rows);
        let here = self.selected / PAGE;
        while self.pages.len() > KEEP {
            let farthest = self
                .pages
                .keys()
                .copied()
                .max_by_key(|p| p.abs_diff(here))
                .expect("more than KEEP pages");
            self.pages.remove(&farthest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(row: &u64) -> Vec<KeyValue> {
        vec![KeyValue::Int(i64::try_from(*row).expect("small"))]
    }

    /// Serves pages of 0..total the way the database would.
    fn fetch(total: u64, request: &PageRequest) -> Vec<u64> {
        match request {
            PageRequest::Offset { offset, limit, .. } => {
                (*offset..(offset + limit).min(total)).collect()
            }
            PageRequest::Seek {
                key,
                direction,
                limit,
            } => {
                let KeyValue::Int(at) = key[0] else {
                    panic!("int keys")
                };
                let at = at.unsigned_abs();
                match direction {
                    Direction::After => (at + 1..(at + 1 + limit).min(total)).collect(),
                    Direction::Before => (at.saturating_sub(*limit)..at).collect(),
                }
            }
        }
    }

    fn fill(list: &mut Paged<u64>, height: u64) -> Vec<PageRequest> {
        let mut requests = Vec::new();
        for page in list.missing(height) {
            let request = list.request(page, key);
            list.insert(page, fetch(list.total(), &request));
            requests.push(request);
        }
        requests
    }

    #[test]
    fn scrolling_seeks_from_the_page_before() {
        let mut list = Paged::new(1000);
        let first = fill(&mut list, 20);
        assert!(matches!(first[..], [PageRequest::Offset { offset: 0, .. }]));
        list.move_by(130);
        list.scroll_into_view(20);
        assert_eq!(list.top(), 111);
        let next = fill(&mut list, 20);
        assert!(matches!(
            next[..],
            [PageRequest::Seek {
                direction: Direction::After,
                ..
            }]
        ));
        assert_eq!(list.selected_row(), Some(&130));
        for position in list.top()..list.top() + 20 {
            assert_eq!(list.get(position), Some(&position));
        }
    }

    #[test]
    fn the_end_is_read_by_offset_then_upwards_by_seeking() {
        let mut list = Paged::new(1000);
        list.move_to(u64::MAX);
        list.scroll_into_view(20);
        assert_eq!((list.selected(), list.top()), (999, 980));
        fill(&mut list, 20);
        assert_eq!(list.selected_row(), Some(&999));
        list.move_by(-150);
        list.scroll_into_view(20);
        let up = fill(&mut list, 20);
        assert!(matches!(
            up[..],
            [PageRequest::Seek {
                direction: Direction::Before,
                ..
            }]
        ));
        assert_eq!(list.selected_row(), Some(&849));
    }

    #[test]
    fn an_empty_list_needs_nothing() {
        let mut list: Paged<u64> = Paged::new(0);
        list.move_by(5);
        list.scroll_into_view(10);
        assert!(list.missing(10).is_empty());
        assert_eq!(list.selected_row(), None);
    }
}
