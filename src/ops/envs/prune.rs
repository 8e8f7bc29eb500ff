//! `penv envs prune`: which listed envs the filters select, and their
//! deletion.
//!
//! Invariant: selection never widens what may be deleted. Where prune may
//! delete is one rule, [`Scope::allows`]: with `--scan DIR…`, only what
//! lies under those directories (an env penv knows of elsewhere — its
//! registry's, their stash entries, the store's — only with
//! `--registered`). It decides the selection and is asked again, last,
//! before each deletion. Every selected path is deleted only by
//! `venv::owned::remove_found`, which refuses anything that is not a real,
//! unlinked directory holding an env and nothing else, and the env in use
//! (`VIRTUAL_ENV`'s, the running process's); those are also left out of
//! the selection, so they are never offered. An env another penv uses (its
//! locks held) is left too.

use std::path::{Path, PathBuf};

use super::{EnvState, Listed, Listing};
use crate::diagnostics::display_path;
use crate::fs::FsError;
use crate::registry;
use crate::state::now;
use crate::venv::{EnvPaths, owned};

/// What to select: the state filters are a union; `older_than` (seconds)
/// alone selects by age, and with state filters narrows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub(crate) older_than: Option<u64>,
    pub(crate) broken: bool,
    pub(crate) orphaned: bool,
    pub(crate) stashes: bool,
    /// Entries of penv's store (projects' envs for their other checkouts, PEP 723 scripts' envs).
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

/// Where prune may delete.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// The scanned directories, canonical; `None`: everywhere penv looks.
    under: Option<Vec<PathBuf>>,
}

impl Scope {
    /// Without `scan`, or with `registered`: every env listed (penv's own,
    /// wherever they are, and those found under `scan`). With `scan` alone:
    /// only what lies under one of its directories (one that does not
    /// exist holds nothing).
    pub(crate) fn new(scan: &[PathBuf], registered: bool) -> Self {
        if scan.is_empty() || registered {
            return Self { under: None };
        }
        Self {
            under: Some(scan.iter().filter_map(|d| d.canonicalize().ok()).collect()),
        }
    }

    /// Whether prune may delete `path` (compared canonically, so no
    /// symlinked spelling of a scanned directory widens it).
    pub(crate) fn allows(&self, path: &Path) -> bool {
        let Some(roots) = &self.under else {
            return true;
        };
        let Ok(path) = path.canonicalize() else {
            return false;
        };
        roots.iter().any(|root| path.starts_with(root))
    }
}

/// An env selected for deletion.
#[derive(Debug, Clone)]
pub(crate) struct Selected {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) why: String,
}

/// What [`select`] chose, and what it left out.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    /// To delete.
    pub(crate) chosen: Vec<Selected>,
    /// Selected by the filters, but in use (`VIRTUAL_ENV`'s, the running
    /// process's).
    pub(crate) in_use: Vec<Selected>,
    /// Selected by the filters, but outside the [`Scope`].
    pub(crate) outside: Vec<Selected>,
    /// Selected by the filters, but never deleted whole (maybe the user's
    /// project: `python -m venv .` with code beside it, `src/`…), with why.
    pub(crate) refused: Vec<(Selected, String)>,
}

/// The envs `filters` select within `scope`, leaving out the env in use
/// (`protected`: `VIRTUAL_ENV`'s, the running process's).
pub(crate) fn select(
    listing: &Listing,
    filters: &Filters,
    scope: &Scope,
    protected: &[PathBuf],
) -> Selection {
    let now = now();
    let protected: Vec<PathBuf> = protected
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let mut selection = Selection::default();
    for env in &listing.envs {
        let Some(why) = filters.why(env, now) else {
            continue;
        };
        let selected = Selected {
            path: env.path.clone(),
            size: env.size,
            why,
        };
        if !scope.allows(&env.path) {
            selection.outside.push(selected);
        } else if protected
            .iter()
            .any(|p| p.starts_with(&env.path) || env.path.starts_with(p))
        {
            selection.in_use.push(selected);
        } else if let Ok(Some(why)) = owned::refusal(&env.path, &protected) {
            selection.refused.push((selected, why));
        } else {
            selection.chosen.push(selected);
        }
    }
    selection
}

/// What [`delete`] did.
#[derive(Debug, Default)]
pub(crate) struct Deleted {
    /// Bytes freed.
    pub(crate) freed: u64,
    /// Left because another penv uses them (a `penv run`, a sync): the
    /// path and why.
    pub(crate) in_use: Vec<(PathBuf, String)>,
    /// What could not be deleted, and why.
    pub(crate) failed: Vec<FsError>,
}

/// Deletes each selected env that `scope` allows (the selection's rule,
/// asked again here, where the deletion happens).
pub(crate) fn delete(
    selected: &[Selected],
    scope: &Scope,
    protected: &[PathBuf],
    data_dir: Option<&std::path::Path>,
) -> Deleted {
    let mut done = Deleted::default();
    for s in selected {
        if !scope.allows(&s.path) {
            done.failed.push(FsError::new(
                "remove",
                &s.path,
                std::io::Error::other(
                    "it lies outside the scanned directories (`--registered` includes it); leaving it alone",
                ),
            ));
            continue;
        }
        // A `penv run` holds its env's lock from its check until it exits,
        // and a sync holds it while it moves stash entries: an env in use
        // is left, never deleted under them.
        let _held = match hold_locks(&s.path) {
            Ok(held) => held,
            Err(why) => {
                done.in_use.push((s.path.clone(), why));
                continue;
            }
        };
        match owned::remove_found(&s.path, protected) {
            Ok(()) => {
                done.freed += s.size;
                if let Some(data) = data_dir {
                    registry::forget(data, &s.path);
                }
            }
            Err(e) => done.failed.push(e),
        }
    }
    done
}

/// The locks penv's envs beside `env` are used under, taken without
/// waiting: its own writer's lock and in-use lock (`.penv/<name>.lock`,
/// `.penv/<name>.in-use.lock`: a sync, a `penv run` until its command
/// exits), or for a stash entry every lock of that `.penv/` (any env there
/// may be restored from it, or be running in it since a sync moved it
/// there). A lock file that does not exist is nobody's (and is not
/// created). Err: one is held, and by what.
fn hold_locks(env: &Path) -> Result<Vec<crate::fs::FileLock>, String> {
    let Some(parent) = env.parent() else {
        return Ok(Vec::new());
    };
    let stash = parent.file_name().is_some_and(|n| n == "stash")
        && parent
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == ".penv");
    let mut locks: Vec<PathBuf> = if stash {
        std::fs::read_dir(parent.parent().expect("checked"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "lock"))
            .collect()
    } else {
        let paths = EnvPaths::new(env.to_owned());
        // The writer's first: a `penv run` takes its in-use lock while it
        // holds the writer's, so it never finds this prune between them.
        vec![paths.lock_file(), paths.in_use_lock_file()]
    };
    if stash {
        locks.sort();
    }
    let mut held = Vec::new();
    for lock in locks.into_iter().filter(|l| l.is_file()) {
        match crate::fs::lock_exclusive(&lock, std::time::Duration::ZERO, |_| {}) {
            Ok(outcome) => held.push(outcome.into_lock()),
            Err(_) => {
                return Err(format!(
                    "it is in use: another penv holds `{}` (a `penv run` whose command is still running, or a sync)",
                    display_path(&lock)
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
            shared: 0,
            last_used,
            last_used_from: "files",
            state,
            why: Vec::new(),
            project_file: None,
            stashed_from: None,
            stashed: None,
        }
    }

    /// The scope is asked again where the deletion happens: an env outside
    /// the scanned directories handed to `delete` stays.
    #[test]
    fn delete_refuses_what_lies_outside_the_scope() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let (scanned, elsewhere) = (root.join("scanned"), root.join("elsewhere/.venv"));
        std::fs::create_dir_all(scanned.join("x")).unwrap();
        std::fs::create_dir_all(elsewhere.join("bin")).unwrap();
        std::fs::write(elsewhere.join("pyvenv.cfg"), "home = /x\n").unwrap();
        let scope = Scope::new(std::slice::from_ref(&scanned), false);
        assert!(scope.allows(&scanned.join("x")) && !scope.allows(&elsewhere));
        assert!(Scope::new(std::slice::from_ref(&scanned), true).allows(&elsewhere));
        assert!(Scope::new(&[], false).allows(&elsewhere));
        let selected = [Selected {
            path: elsewhere.clone(),
            size: 1,
            why: "old".to_owned(),
        }];
        let done = delete(&selected, &scope, &[], None);
        assert_eq!(done.failed.len(), 1);
        assert!(elsewhere.join("pyvenv.cfg").is_file());
        let done = delete(&selected, &Scope::new(&[], false), &[], None);
        assert!(done.failed.is_empty(), "{:?}", done.failed);
        assert!(!elsewhere.exists());
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
