//! Sizes on disk as `du` counts them: allocated blocks, each file once by
//! its inode. penv hard-links files between envs (pip seeds, clones from
//! the store, derived envs, stash entries), so summing each env's own size
//! counts a shared file once per link: 248 MB where `du` says 44 MB
//! (issue 23). A [`Tally`] walks several trees and keeps, for every file
//! with more than one link, which trees hold it, so a listing can say how
//! much of each tree it shares with the others and give a total that
//! counts every file once.
//!
//! Symlinks are counted as links, never followed. Off Unix there are no
//! inode numbers: every file counts in full, as before.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::UNIX_EPOCH;

/// One tree's share of the tally.
#[derive(Debug, Default)]
struct Tree {
    /// Bytes of the files only this tree can hold (one link, or a
    /// directory or symlink).
    alone: u64,
    /// The files with more than one link, each once.
    linked: BTreeSet<(u64, u64)>,
    /// The newest modification time in the top two levels (seconds).
    newest: u64,
}

/// Several trees' sizes, counted together.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    trees: Vec<Tree>,
    /// Each linked file: its size on disk and the trees holding it.
    linked: HashMap<(u64, u64), (u64, BTreeSet<usize>)>,
}

impl Tally {
    /// Walks `dir` (without following a symlink) and adds it; its index.
    pub(crate) fn add(&mut self, dir: &Path) -> usize {
        let index = self.trees.len();
        let mut tree = Tree::default();
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(false)
            .into_iter()
            .flatten()
        {
            let Ok(meta) = entry.metadata() else { continue };
            if entry.depth() <= 2
                && let Ok(m) = meta.modified()
                && let Ok(d) = m.duration_since(UNIX_EPOCH)
            {
                tree.newest = tree.newest.max(d.as_secs());
            }
            let (bytes, inode) = on_disk(&meta);
            match inode {
                Some(key) => {
                    if tree.linked.insert(key) {
                        self.linked
                            .entry(key)
                            .or_insert((bytes, BTreeSet::new()))
                            .1
                            .insert(index);
                    }
                }
                None => tree.alone += bytes,
            }
        }
        self.trees.push(tree);
        index
    }

    /// The tree's own size: each of its files once, as `du DIR` says.
    pub(crate) fn size(&self, index: usize) -> u64 {
        let tree = &self.trees[index];
        tree.alone + tree.linked.iter().map(|k| self.linked[k].0).sum::<u64>()
    }

    /// How much of the tree's size is files other trees of the tally hold
    /// too (hard links to the same inode).
    pub(crate) fn shared(&self, index: usize) -> u64 {
        self.trees[index]
            .linked
            .iter()
            .map(|k| &self.linked[k])
            .filter(|(_, holders)| holders.len() > 1)
            .map(|(bytes, _)| bytes)
            .sum()
    }

    /// The newest modification time in the tree's top two levels.
    pub(crate) fn newest(&self, index: usize) -> u64 {
        self.trees[index].newest
    }

    /// The size of these trees together, each file once, as `du A B…`
    /// says.
    pub(crate) fn size_of(&self, indices: impl IntoIterator<Item = usize>) -> u64 {
        let indices: BTreeSet<usize> = indices.into_iter().collect();
        let alone: u64 = indices.iter().map(|&i| self.trees[i].alone).sum();
        let linked: u64 = self
            .linked
            .values()
            .filter(|(_, holders)| !holders.is_disjoint(&indices))
            .map(|(bytes, _)| bytes)
            .sum();
        alone + linked
    }

    /// The size of every tree together.
    pub(crate) fn total(&self) -> u64 {
        self.size_of(0..self.trees.len())
    }
}

/// A file's allocated bytes, and its inode when other links may share it.
#[cfg(unix)]
fn on_disk(meta: &std::fs::Metadata) -> (u64, Option<(u64, u64)>) {
    use std::os::unix::fs::MetadataExt as _;
    let bytes = meta.blocks() * 512;
    let inode = (meta.nlink() > 1 && !meta.is_dir()).then(|| (meta.dev(), meta.ino()));
    (bytes, inode)
}

#[cfg(not(unix))]
fn on_disk(meta: &std::fs::Metadata) -> (u64, Option<(u64, u64)>) {
    (meta.len(), None)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_file_linked_into_two_trees_counts_once_in_the_total_and_shows_as_shared() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("big"), vec![1u8; 64 * 1024]).unwrap();
        std::fs::hard_link(a.join("big"), b.join("big")).unwrap();
        // Linked twice inside `a` as well: still once in `a`.
        std::fs::hard_link(a.join("big"), a.join("again")).unwrap();
        std::fs::write(b.join("own"), vec![2u8; 16 * 1024]).unwrap();
        let mut tally = Tally::default();
        let (ia, ib) = (tally.add(&a), tally.add(&b));
        let big = std::fs::metadata(a.join("big")).unwrap();
        let big = {
            use std::os::unix::fs::MetadataExt as _;
            big.blocks() * 512
        };
        assert!(tally.size(ia) >= big && tally.size(ia) < 2 * big);
        assert_eq!(tally.shared(ia), big);
        assert_eq!(tally.shared(ib), big);
        assert!(tally.size(ib) > big);
        // Together: the shared file once.
        assert_eq!(tally.total(), tally.size(ia) + tally.size(ib) - big);
        assert_eq!(tally.size_of([ia]), tally.size(ia));
    }
}
