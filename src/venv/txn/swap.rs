//! Swapping a complete env into place in one step.
//!
//! A relocatable env is built in `.penv/new-<name>` (the staging directory,
//! which carries penv's build marker before anything is written into it)
//! and, once complete — its state written, the marker removed — exchanged
//! with the env path by one `renameat2(RENAME_EXCHANGE)`; a stash restore
//! exchanges the stash entry the same way. The old env, now where the new
//! one was, is then stashed or deleted. So the env path holds the complete
//! old env or the complete new one at every instant, and a kill at any
//! point leaves it usable with no recovery needed.
//!
//! The intent record names the new env's directory and, once it exists,
//! its identity (device and inode, which a rename keeps). The next penv
//! finds the env path holding that directory (the swap happened: the old
//! env is let go) or not (it did not: the staging directory is removed, a
//! stash entry stays where it is). Where the file system cannot exchange
//! two directories (another OS, some file systems), the complete env is put
//! in place by the two renames of a [`Txn`] restore, crash-safe as that is.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CommitError, Intent, NewEnv, Recovery, Txn, let_go, read_intent, write_intent};
use crate::fs::{self, FsError};
use crate::state::{State, now};
use crate::venv::EnvPaths;
use crate::venv::kept::Kept;
use crate::venv::owned::{self, BUILD_MARKER, Occupant, write_marker};

#[cfg(test)]
mod tests;

/// The part of the intent record that makes it a swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SwapRecord {
    /// The new env's directory, relative to `.penv/`: `new-<name>` for a
    /// build, `stash/<entry>` for a restore.
    pub(crate) from: PathBuf,
    /// Its (device, inode), once it exists: after the swap, the env path's.
    #[serde(default)]
    pub(crate) id: Option<(u64, u64)>,
}

/// A relocatable env being built beside the env; finish it with
/// [`Beside::commit`] or [`Beside::rollback`].
#[derive(Debug)]
pub(crate) struct Beside {
    paths: EnvPaths,
    intent: Intent,
    occupant: Occupant,
}

impl Beside {
    /// Records the intent, then makes the staging directory with penv's
    /// marker in it (and records its identity): the caller builds there.
    pub(crate) fn begin(
        paths: &EnvPaths,
        occupant: Occupant,
        new_hash: &str,
    ) -> Result<Self, FsError> {
        paths.ensure_work_dir()?;
        let dir = paths.staging();
        if fs::lstat(&dir)?.is_some() {
            // With no intent record (recovery ran first), nothing says why
            // it is there. Never delete it.
            return Err(FsError::new(
                "build the new env in",
                &dir,
                std::io::Error::other(
                    "it is already there, with no record of why; move it away and run again",
                ),
            ));
        }
        let mut intent = intent(paths, occupant, new_hash, staging_name(paths), None);
        write_intent(paths, &intent)?;
        let made = std::fs::create_dir(&dir)
            .map_err(|e| FsError::new("create directory", &dir, e))
            .and_then(|()| write_marker(&dir, "building"))
            .and_then(|()| fs::identity(&dir));
        let id = match made {
            Ok(id) => id,
            Err(e) => {
                undo(paths, &intent)?;
                return Err(e);
            }
        };
        if let Some(record) = intent.swap.as_mut() {
            record.id = id;
        }
        if let Err(e) = write_intent(paths, &intent) {
            undo(paths, &intent)?;
            return Err(e);
        }
        Ok(Self {
            paths: paths.clone(),
            intent,
            occupant,
        })
    }

    /// Where the new env is built.
    pub(crate) fn dir(&self) -> PathBuf {
        self.paths.staging()
    }

    /// The env is complete: writes its state (last), removes the marker,
    /// swaps it with the env, and stashes or deletes the old one. Returns
    /// the user work found in what it deleted, kept in `.penv/kept/`.
    pub(crate) fn commit(
        self,
        state: &State,
        keep_stashed: usize,
    ) -> Result<Vec<Kept>, CommitError> {
        let dir = self.dir();
        let completed = state
            .write(&dir)
            .and_then(|()| fs::delete_file(&dir.join(BUILD_MARKER)));
        if let Err(source) = completed {
            let restored = self.rollback().map_err(CommitError::Unsettled)?;
            return Err(CommitError::RolledBack { source, restored });
        }
        put_in_place(
            &self.paths,
            &self.intent,
            self.occupant,
            &dir,
            state,
            keep_stashed,
        )
    }

    /// Removes the new env (only that); the env path was never touched.
    /// Whether an env is at the path.
    pub(crate) fn rollback(self) -> Result<bool, FsError> {
        undo(&self.paths, &self.intent)
    }
}

/// Restores the stash entry `entry` (a complete env for `state`, whose
/// state is written into it first: its use, the path it is synced at) by
/// swapping it with the env.
pub(crate) fn restore(
    paths: &EnvPaths,
    occupant: Occupant,
    entry: &Path,
    state: &State,
    keep_stashed: usize,
) -> Result<Vec<Kept>, CommitError> {
    let unsettled = CommitError::Unsettled;
    let from = entry
        .strip_prefix(&paths.work)
        .map(Path::to_owned)
        .map_err(|_| {
            unsettled(FsError::new(
                "restore",
                entry,
                std::io::Error::other("it is not in `.penv/`"),
            ))
        })?;
    fs::real_dir(&paths.stash_dir()).map_err(unsettled)?;
    fs::real_dir(entry).map_err(unsettled)?;
    let id = fs::identity(entry).map_err(unsettled)?;
    let intent = intent(paths, occupant, &state.hash, from, id);
    write_intent(paths, &intent).map_err(unsettled)?;
    if let Err(source) = state.write(entry) {
        let restored = undo(paths, &intent).map_err(unsettled)?;
        return Err(CommitError::RolledBack { source, restored });
    }
    put_in_place(paths, &intent, occupant, entry, state, keep_stashed)
}

/// Whether the replacement under way (or cut short) is a swap: the env
/// path then holds a complete env (the old one or the new) at every instant.
pub(crate) fn keeps_env_whole(paths: &EnvPaths) -> bool {
    read_intent(paths).is_some_and(|intent| intent.swap.is_some())
}

fn staging_name(paths: &EnvPaths) -> PathBuf {
    PathBuf::from(format!("new-{}", paths.name))
}

fn intent(
    paths: &EnvPaths,
    occupant: Occupant,
    new_hash: &str,
    from: PathBuf,
    id: Option<(u64, u64)>,
) -> Intent {
    Intent {
        pid: std::process::id(),
        started: now(),
        env: paths.env.clone(),
        aside: None,
        new_hash: new_hash.to_owned(),
        forced: matches!(occupant, Occupant::ForeignVenv),
        swap: Some(SwapRecord { from, id }),
    }
}

/// Swaps the complete env at `from` with the env path (or renames it there
/// when nothing is there), then lets the old env go; falls back to a
/// two-rename [`Txn`] restore where exchanging is unsupported.
fn put_in_place(
    paths: &EnvPaths,
    intent: &Intent,
    occupant: Occupant,
    from: &Path,
    state: &State,
    keep_stashed: usize,
) -> Result<Vec<Kept>, CommitError> {
    let has_old = fs::lstat(&paths.env)
        .map_err(CommitError::Unsettled)?
        .is_some();
    let swapped = if has_old {
        fs::exchange(from, &paths.env)
    } else {
        if let Some(parent) = paths.env.parent() {
            fs::create_dir_all(parent).map_err(CommitError::Unsettled)?;
        }
        fs::rename(from, &paths.env).map(|()| true)
    };
    match swapped {
        Ok(true) => {
            let mut kept = Vec::new();
            let old = has_old.then_some(from);
            let_go(paths, old, intent, keep_stashed, &mut kept).map_err(CommitError::Unsettled)?;
            Ok(kept)
        }
        Ok(false) => {
            // The two renames of a restore, under their own intent record
            // (which replaces this one in one write).
            let txn = Txn::begin(
                paths,
                occupant,
                &intent.new_hash,
                &NewEnv::Restore(from.to_owned()),
            )
            .map_err(|source| CommitError::RolledBack {
                restored: has_old,
                source,
            })?;
            txn.commit(state, keep_stashed)
        }
        Err(source) => {
            let restored = undo(paths, intent).map_err(CommitError::Unsettled)?;
            Err(CommitError::RolledBack { source, restored })
        }
    }
}

/// Undoes a swap that did not happen: removes the staging directory of a
/// build (only penv's partial or complete new env; anything else there
/// stays), leaves a stash entry where it is, and clears the intent record.
/// Whether an env is at the env path.
fn undo(paths: &EnvPaths, intent: &Intent) -> Result<bool, FsError> {
    fs::real_dir(&paths.work)?;
    let staging = paths.staging();
    let is_build = intent
        .swap
        .as_ref()
        .is_some_and(|r| r.from == staging_name(paths));
    if is_build
        && fs::lstat(&staging)?.is_some()
        && !owned::remove_partial_build(&staging, &paths.env, &intent.new_hash)?
    {
        return Err(FsError::new(
            "remove the unfinished new env",
            &staging,
            std::io::Error::other("it now holds something penv did not make; move it away"),
        ));
    }
    fs::delete_file(&paths.intent())?;
    Ok(fs::lstat(&paths.env)?.is_some())
}

/// Finishes a swap a dead penv left (the env path holds the new env: the
/// old one, where the new one was, is let go) or undoes it.
pub(super) fn recover(
    paths: &EnvPaths,
    intent: &Intent,
    record: &SwapRecord,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<Recovery, FsError> {
    // Relative to `.penv/` here, wherever the project was when it was written.
    let from = paths.work.join(&record.from);
    if !from.starts_with(&paths.work)
        || record
            .from
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(FsError::new(
            "recover",
            paths.intent(),
            std::io::Error::other(
                "its swap names a path outside `.penv/`; remove it after checking the env",
            ),
        ));
    }
    let swapped = record.id.is_some() && fs::identity(&paths.env)? == record.id;
    if swapped {
        if let Some(parent) = from.parent() {
            fs::real_dir(parent)?;
        }
        let old = fs::lstat(&from)?.is_some().then_some(from.as_path());
        let_go(paths, old, intent, keep_stashed, kept)?;
        return Ok(Recovery::Finished);
    }
    let restored_old = undo(paths, intent)?;
    Ok(Recovery::RolledBack { restored_old })
}
