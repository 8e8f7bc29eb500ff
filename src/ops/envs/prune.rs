//! `penv envs prune`: which listed envs the filters select, and their
//! deletion.
//!
//! Invariant: selection never widens what may be deleted. Every selected
//! path is deleted only by `venv::owned::remove_found`, which refuses
//! anything that is not a real, unlinked directory holding a venv's
//! markers, and the env in use (`VIRTUAL_ENV`'s, the running process's);
//! those are also left out of the selection, so they are never offered.

use std::path::{Path, PathBuf};

use super::{EnvState, Listed, Listing};
use crate::fs::FsError;
use crate::registry;
use crate::state::now;
use crate::venv::owned;

/// What to select: the state filters are a union; `older_than` (seconds)
/// alone selects by age, and with state filters narrows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub(crate) older_than: Option<u64>,
    pub(crate) broken: bool,
    pub(crate) orphaned: bool,
    pub(crate) stashes: bool,
    /// Entries of penv's store (PEP 723 scripts' envs).
    pub(crate) store: bool,
}

impl Filters {
    /// Whether any filter is set (prune without one selects nothing).
    pub(crate) fn any(&self) -> bool {
        self.older_than.is_some() || self.broken || self.orphaned || self.stashes || self.store
    }

    /// Why `env` is selected, or `None`.
    fn why(&self, env: &Listed, now: u64) -> Option<String> {
        let by_state = match env.state {
            EnvState::Broken if self.broken => Some("broken"),
            EnvState::Orphaned if self.orphaned => Some("orphaned"),
            EnvState::Stash if self.stashes => Some("a stash entry"),
            EnvState::Store if self.store => Some("a store entry"),
            _ => None,
        };
        let states = self.broken || self.orphaned || self.stashes || self.store;
        let age = now.saturating_sub(env.last_used);
        let old = self.older_than.map(|limit| age >= limit);
        match (by_state, old) {
            (Some(s), None) => Some(s.to_owned()),
            (Some(s), Some(true)) => Some(format!("{s}, unused for {}", super::age(age))),
            (None, Some(true)) if !states => Some(format!("unused for {}", super::age(age))),
            _ => None,
        }
    }
}

/// An env selected for deletion.
#[derive(Debug, Clone)]
pub(crate) struct Selected {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) why: String,
}

/// The envs `filters` select, leaving out the env in use (`protected`:
/// `VIRTUAL_ENV`'s, the running process's) — returned second, with why.
pub(crate) fn select(
    listing: &Listing,
    filters: &Filters,
    protected: &[PathBuf],
) -> (Vec<Selected>, Vec<Selected>) {
    let now = now();
    let protected: Vec<PathBuf> = protected
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let mut chosen = Vec::new();
    let mut in_use = Vec::new();
    for env in &listing.envs {
        let Some(why) = filters.why(env, now) else {
            continue;
        };
        let selected = Selected {
            path: env.path.clone(),
            size: env.size,
            why,
        };
        if protected
            .iter()
            .any(|p| p.starts_with(&env.path) || env.path.starts_with(p))
        {
            in_use.push(selected);
        } else {
            chosen.push(selected);
        }
    }
    (chosen, in_use)
}

/// Deletes each selected env; returns the bytes freed and each failure.
pub(crate) fn delete(
    selected: &[Selected],
    protected: &[PathBuf],
    data_dir: Option<&std::path::Path>,
) -> (u64, Vec<FsError>) {
    let mut freed = 0;
    let mut failed = Vec::new();
    for s in selected {
        // A `penv run` holds its env's lock from its check until it exits,
        // and a sync holds it while it moves stash entries: an env in use
        // is left, never deleted under them.
        let _held = match hold_locks(&s.path) {
            Ok(held) => held,
            Err(e) => {
                failed.push(e);
                continue;
            }
        };
        match owned::remove_found(&s.path, protected) {
            Ok(()) => {
                freed += s.size;
                if let Some(data) = data_dir {
                    registry::forget(data, &s.path);
                }
            }
            Err(e) => failed.push(e),
        }
    }
    (freed, failed)
}

/// The locks penv's envs beside `env` are used under, taken without
/// waiting: its own `.penv/<name>.lock`, or for a stash entry every lock of
/// that `.penv/` (any env there may be restored from it). A lock file that
/// does not exist is nobody's (and is not created); one held is an error.
fn hold_locks(env: &Path) -> Result<Vec<crate::fs::FileLock>, FsError> {
    let Some(parent) = env.parent() else {
        return Ok(Vec::new());
    };
    let (work, only) = if parent.file_name().is_some_and(|n| n == "stash")
        && parent
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == ".penv")
    {
        (parent.parent().expect("checked").to_owned(), None)
    } else {
        (
            parent.join(".penv"),
            env.file_name()
                .map(|n| format!("{}.lock", n.to_string_lossy())),
        )
    };
    let locks: Vec<PathBuf> = match &only {
        Some(name) => vec![work.join(name)],
        None => std::fs::read_dir(&work)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "lock"))
            .collect(),
    };
    let mut held = Vec::new();
    for lock in locks.into_iter().filter(|l| l.is_file()) {
        match crate::fs::lock_exclusive(&lock, std::time::Duration::ZERO, |_| {}) {
            Ok(outcome) => held.push(outcome.into_lock()),
            Err(_) => {
                return Err(FsError::new(
                    "remove",
                    env,
                    std::io::Error::other(format!(
                        "it is in use (another penv holds `{}`: a `penv run` or a sync); leaving it alone",
                        lock.display()
                    )),
                ));
            }
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(state: EnvState, last_used: u64) -> Listed {
        Listed {
            path: PathBuf::from("/x"),
            kind: "venv",
            python: None,
            size: 1,
            last_used,
            last_used_from: "files",
            state,
            why: Vec::new(),
            project_file: None,
        }
    }

    #[test]
    fn state_filters_are_a_union_and_age_narrows_them() {
        let now = 100 * 86_400;
        let old_ok = listed(EnvState::Ok, 0);
        let new_broken = listed(EnvState::Broken, now);
        let old_broken = listed(EnvState::Broken, 0);
        let age = Filters {
            older_than: Some(86_400),
            ..Filters::default()
        };
        assert!(age.why(&old_ok, now).is_some());
        assert!(age.why(&new_broken, now).is_none());
        let broken = Filters {
            broken: true,
            ..Filters::default()
        };
        assert!(broken.why(&new_broken, now).is_some());
        assert!(broken.why(&old_ok, now).is_none());
        let both = Filters {
            broken: true,
            older_than: Some(86_400),
            ..Filters::default()
        };
        assert!(both.why(&old_broken, now).is_some());
        assert!(both.why(&new_broken, now).is_none());
        assert!(both.why(&old_ok, now).is_none());
        assert!(!Filters::default().any());
    }
}
