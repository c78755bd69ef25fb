//! Walking history: which commit introduced which blob at which path.

use std::collections::{HashMap, HashSet, VecDeque};

use gix::{ObjectId, Repository, bstr::ByteSlice, objs::TreeRefIter};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

/// A commit, as far as attribution needs it.
#[derive(Debug, Clone)]
pub(crate) struct CommitMeta {
    pub id: ObjectId,
    /// `Name <email>`.
    pub author: String,
    /// The author date.
    pub date: Timestamp,
}

/// A blob's appearance at a path in a commit that added or changed it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Introduction {
    /// Index into [`History::commits`].
    pub commit: usize,
    /// The path in the repository, `/`-separated.
    pub path: String,
}

/// Every unique blob reachable from the walked commits, with where it came in.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// The walked commits, oldest author date first.
    pub commits: Vec<CommitMeta>,
    /// Each unique blob and its introductions, in order of first appearance.
    pub blobs: Vec<(ObjectId, Vec<Introduction>)>,
    /// Commits and trees the walk needed but the repository lacks (a shallow
    /// or partial clone); what they held could not be read.
    pub missing: usize,
}

/// Why the walk stopped.
#[derive(Debug)]
pub(crate) enum WalkError {
    /// The repository could not be read; one line.
    Read(String),
    /// The user interrupted the scan.
    Cancelled,
}

fn read_error(what: &str, error: impl std::fmt::Display) -> WalkError {
    WalkError::Read(format!("{what}: {error}"))
}

/// The commits every reference (and `HEAD`) points at, peeled through tags.
pub(crate) fn tips(repo: &Repository) -> Result<Vec<ObjectId>, WalkError> {
    let mut tips = Vec::new();
    let platform = repo
        .references()
        .map_err(|e| read_error("listing references", e))?;
    let all = platform
        .all()
        .map_err(|e| read_error("listing references", e))?;
    for reference in all {
        let Ok(mut reference) = reference else {
            // A broken reference names nothing to walk.
            continue;
        };
        if let Ok(id) = reference.peel_to_id() {
            tips.push(id.detach());
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.retain(|id| {
        repo.find_header(*id)
            .is_ok_and(|header| header.kind() == gix::object::Kind::Commit)
    });
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Every commit reachable from `tips`.
fn reachable(
    repo: &Repository,
    tips: &[ObjectId],
    skip: &HashSet<ObjectId>,
) -> Result<Vec<ObjectId>, WalkError> {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut queue: VecDeque<ObjectId> = tips
        .iter()
        .copied()
        .filter(|id| !skip.contains(id))
        .collect();
    let mut order = Vec::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        // A commit missing from a shallow or partial clone ends its line.
        let Some(commit) = repo
            .try_find_object(id)
            .map_err(|e| read_error(&format!("reading commit {id}"), e))?
        else {
            continue;
        };
        let commit = commit
            .try_into_commit()
            .map_err(|e| read_error(&format!("reading commit {id}"), e))?;
        order.push(id);
        for parent in commit.parent_ids() {
            let parent = parent.detach();
            if !seen.contains(&parent) && !skip.contains(&parent) {
                queue.push_back(parent);
            }
        }
    }
    Ok(order)
}

/// Walks the commits reachable from every reference but not from `since`,
/// diffing each against its first parent.
pub(crate) fn walk(
    repo: &Repository,
    since: Option<ObjectId>,
    cancel: &CancellationToken,
) -> Result<History, WalkError> {
    let tips = tips(repo)?;
    let excluded: HashSet<ObjectId> = match since {
        Some(since) => reachable(repo, &[since], &HashSet::new())?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    let ids = reachable(repo, &tips, &excluded)?;

    struct Pending {
        meta: CommitMeta,
        tree: ObjectId,
        parent_tree: Option<ObjectId>,
    }
    let mut pending = Vec::with_capacity(ids.len());
    let mut history_missing = 0;
    for id in ids {
        if cancel.is_cancelled() {
            return Err(WalkError::Cancelled);
        }
        let commit = repo
            .find_commit(id)
            .map_err(|e| read_error(&format!("reading commit {id}"), e))?;
        let decoded = commit
            .decode()
            .map_err(|e| read_error(&format!("decoding commit {id}"), e))?;
        let (author, date) = match decoded.author() {
            Ok(signature) => (
                format!(
                    "{} <{}>",
                    signature.name.to_str_lossy(),
                    signature.email.to_str_lossy()
                ),
                signature
                    .time()
                    .ok()
                    .and_then(|time| Timestamp::from_second(time.seconds).ok())
                    .unwrap_or(Timestamp::UNIX_EPOCH),
            ),
            Err(_) => ("unknown".to_string(), Timestamp::UNIX_EPOCH),
        };
        let tree = decoded.tree();
        // A parent missing from a shallow clone: the commit is diffed
        // against nothing, as a root commit is.
        let parent_tree = match decoded.parents().next() {
            Some(parent) => match repo
                .try_find_object(parent)
                .map_err(|e| read_error(&format!("reading parent {parent} of {id}"), e))?
            {
                Some(object) => Some(
                    object
                        .try_into_commit()
                        .map_err(|e| read_error(&format!("reading parent {parent} of {id}"), e))?
                        .tree_id()
                        .map_err(|e| read_error(&format!("reading parent {parent} of {id}"), e))?
                        .detach(),
                ),
                None => {
                    history_missing += 1;
                    None
                }
            },
            None => None,
        };
        pending.push(Pending {
            meta: CommitMeta { id, author, date },
            tree,
            parent_tree,
        });
    }
    pending.sort_by_key(|item| (item.meta.date, item.meta.id));

    let mut history = History {
        missing: history_missing,
        ..History::default()
    };
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut trees = TreeCache::default();
    for (commit, item) in pending.into_iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(WalkError::Cancelled);
        }
        let mut changes: Vec<(ObjectId, String)> = Vec::new();
        diff_trees(
            repo,
            &mut trees,
            item.parent_tree,
            item.tree,
            "",
            &mut changes,
        )?;
        for (blob, path) in changes {
            let slot = *index.entry(blob).or_insert_with(|| {
                history.blobs.push((blob, Vec::new()));
                history.blobs.len() - 1
            });
            history.blobs[slot].1.push(Introduction { commit, path });
        }
        history.commits.push(item.meta);
    }
    history.missing += trees.missing;
    Ok(history)
}

/// One decoded tree entry.
#[derive(Clone)]
struct Entry {
    name: Vec<u8>,
    id: ObjectId,
    kind: EntryKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    Blob,
    /// Symlinks and submodules: nothing to scan.
    Other,
}

/// Recently decoded trees: consecutive commits share most of their trees.
#[derive(Default)]
struct TreeCache {
    entries: HashMap<ObjectId, std::rc::Rc<Vec<Entry>>>,
    /// Trees not in the repository, read as empty.
    missing: usize,
}

impl TreeCache {
    const CAPACITY: usize = 4096;

    fn get(
        &mut self,
        repo: &Repository,
        id: ObjectId,
    ) -> Result<std::rc::Rc<Vec<Entry>>, WalkError> {
        if let Some(entries) = self.entries.get(&id) {
            return Ok(entries.clone());
        }
        let Some(object) = repo
            .try_find_object(id)
            .map_err(|e| read_error(&format!("reading tree {id}"), e))?
        else {
            self.missing += 1;
            return Ok(std::rc::Rc::new(Vec::new()));
        };
        let mut entries = Vec::new();
        for entry in TreeRefIter::from_bytes(&object.data, repo.object_hash()) {
            let entry = entry.map_err(|e| read_error(&format!("decoding tree {id}"), e))?;
            let kind = if entry.mode.is_tree() {
                EntryKind::Tree
            } else if entry.mode.is_blob() {
                EntryKind::Blob
            } else {
                EntryKind::Other
            };
            entries.push(Entry {
                name: entry.filename.to_vec(),
                id: entry.oid.to_owned(),
                kind,
            });
        }
        if self.entries.len() >= Self::CAPACITY {
            self.entries.clear();
        }
        let entries = std::rc::Rc::new(entries);
        self.entries.insert(id, entries.clone());
        Ok(entries)
    }
}

/// Collects the blobs `new` has that `old` lacks at the same path (added or
/// changed), descending only into subtrees that differ.
fn diff_trees(
    repo: &Repository,
    cache: &mut TreeCache,
    old: Option<ObjectId>,
    new: ObjectId,
    prefix: &str,
    out: &mut Vec<(ObjectId, String)>,
) -> Result<(), WalkError> {
    if old == Some(new) {
        return Ok(());
    }
    let new_entries = cache.get(repo, new)?;
    let old_entries = match old {
        Some(old) => Some(cache.get(repo, old)?),
        None => None,
    };
    let old_by_name: HashMap<&[u8], &Entry> = old_entries
        .iter()
        .flat_map(|entries| entries.iter())
        .map(|entry| (entry.name.as_slice(), entry))
        .collect();
    for entry in new_entries.iter() {
        let before = old_by_name.get(entry.name.as_slice());
        if before.is_some_and(|before| before.id == entry.id) {
            continue;
        }
        let path = if prefix.is_empty() {
            String::from_utf8_lossy(&entry.name).into_owned()
        } else {
            format!("{prefix}/{}", String::from_utf8_lossy(&entry.name))
        };
        match entry.kind {
            EntryKind::Tree => {
                let old_subtree = before
                    .filter(|before| before.kind == EntryKind::Tree)
                    .map(|before| before.id);
                diff_trees(repo, cache, old_subtree, entry.id, &path, out)?;
            }
            EntryKind::Blob => out.push((entry.id, path)),
            EntryKind::Other => {}
        }
    }
    Ok(())
}

/// Every blob in a tree, by path (for comparing the index with `HEAD`).
pub(crate) fn tree_blobs(
    repo: &Repository,
    tree: ObjectId,
) -> Result<HashMap<String, ObjectId>, WalkError> {
    let mut changes = Vec::new();
    diff_trees(
        repo,
        &mut TreeCache::default(),
        None,
        tree,
        "",
        &mut changes,
    )?;
    Ok(changes.into_iter().map(|(id, path)| (path, id)).collect())
}
