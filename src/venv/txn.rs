//! Replacing an env without ever leaving the project with nothing.
//!
//! Two ways, each under an intent record written before anything moves; if
//! penv dies (`kill -9`, power loss) the next penv command on the project
//! reads it and finishes the job or undoes it:
//!
//! - a relocatable env is built beside the env (`.penv/new-<name>`) and,
//!   once complete, swapped with it in one step ([`swap`]): the env path is
//!   the complete old env or the complete new one at every instant. A stash
//!   restore is the same swap.
//! - an env bound to its absolute path (not relocatable, see
//!   `venv::relocate`) is built at the real path ([`Txn`]): the old one is
//!   moved aside first (a rename in `.penv/`), and only when the new one is
//!   complete — its state file written — is the old one stashed or deleted.
//!   A swap falls back to these two renames where the file system cannot
//!   exchange two directories.
//!
//! Every directory it moves or deletes — the env, `.penv/old-<name>`, the
//! stash and its entries — is checked to be a real directory (a symlink
//! there is refused, naming it) and penv's right before: `owned` decides
//! that, and deletes; this module only asks it.

use crate::diagnostics::escape_path;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::kept::Kept;
use super::owned::{self, BUILD_MARKER, Occupant, write_marker};
use super::{EnvPaths, stash};
use crate::fs::{self, FsError};
use crate::state::{State, now};
use crate::text_file::{self, Kind};

#[cfg(test)]
mod tests;

pub(crate) mod swap;

/// The intent record, read through the one capped reader: a few hundred
/// bytes of JSON, so a megabyte is far more than any penv wrote.
const INTENT_FILE: Kind = Kind {
    what: "a penv intent record",
    cap: 1024 * 1024,
};

/// The intent record of a replacement under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Intent {
    /// The process doing it.
    pub(crate) pid: u32,
    /// When it started.
    pub(crate) started: u64,
    /// The env path.
    pub(crate) env: PathBuf,
    /// Where the old env was moved, if there was one.
    pub(crate) aside: Option<PathBuf>,
    /// The spec hash being built or restored.
    pub(crate) new_hash: String,
    /// The old env is a venv penv did not create, handed over by
    /// `sync --force`: it may be deleted once the new env is complete.
    #[serde(default)]
    pub(crate) forced: bool,
    /// A swap ([`swap`]) rather than a rebuild in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) swap: Option<swap::SwapRecord>,
}

/// Why [`Txn::commit`] failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommitError {
    /// The new env could not be completed; the old one was put back.
    #[error("{source}")]
    RolledBack {
        /// What failed.
        source: FsError,
        /// Whether there was an old env to put back.
        restored: bool,
    },
    /// A file-system error that left the replacement half-done (letting the
    /// old env go after the new one was complete, or putting it back): the
    /// intent record stays, and the next penv finishes or undoes it.
    #[error(transparent)]
    Unsettled(FsError),
}

/// A replacement under way; finish it with [`Txn::commit`] or [`Txn::rollback`].
#[derive(Debug)]
pub(crate) struct Txn {
    paths: EnvPaths,
    intent: Intent,
}

/// What [`recover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recovery {
    /// The new env was complete: the old one was let go.
    Finished,
    /// The new env was not complete: it was removed and the old one put back.
    RolledBack {
        /// Whether an old env was put back.
        restored_old: bool,
    },
}

/// How the new env comes to be.
#[derive(Debug, Clone)]
pub(crate) enum NewEnv {
    /// Built by the caller into an empty directory carrying the build marker.
    Build,
    /// Restored from a stash entry, by renaming it into place.
    Restore(PathBuf),
}

impl Txn {
    /// Moves the current occupant of the env path aside (after writing the
    /// intent record) and prepares the path for the new env.
    pub(crate) fn begin(
        paths: &EnvPaths,
        occupant: Occupant,
        new_hash: &str,
        new_env: &NewEnv,
    ) -> Result<Self, FsError> {
        paths.ensure_work_dir()?;
        let aside = paths.aside();
        if fs::lstat(&aside)?.is_some() {
            // With no intent record (recovery ran first), nothing says why it
            // is there: it may be the only copy of someone's env. Never delete it.
            return Err(FsError::new(
                "move the env aside to",
                &aside,
                std::io::Error::other(
                    "it is already there, with no record of why; move it away (it may be an earlier env) and run again",
                ),
            ));
        }
        let has_old = !matches!(occupant, Occupant::Nothing);
        let intent = Intent {
            pid: std::process::id(),
            started: now(),
            env: paths.env.clone(),
            aside: has_old.then(|| aside.clone()),
            new_hash: new_hash.to_owned(),
            forced: matches!(occupant, Occupant::ForeignVenv),
            swap: None,
        };
        write_intent(paths, &intent)?;
        if has_old && let Err(e) = fs::rename(&paths.env, &aside) {
            fs::delete_file(&paths.intent())?;
            return Err(e);
        }
        let prepared = (|| {
            if let Some(parent) = paths.env.parent() {
                fs::create_dir_all(parent)?;
            }
            match new_env {
                NewEnv::Build => {
                    std::fs::create_dir(&paths.env)
                        .map_err(|e| FsError::new("create directory", &paths.env, e))?;
                    write_marker(&paths.env, "building")
                }
                NewEnv::Restore(entry) => {
                    if let Some(parent) = entry.parent() {
                        fs::real_dir(parent)?;
                    }
                    fs::real_dir(entry)?;
                    fs::rename(entry, &paths.env)
                }
            }
        })();
        if let Err(e) = prepared {
            // The old env goes back before the error is told.
            rollback(paths, &intent)?;
            return Err(e);
        }
        Ok(Self {
            paths: paths.clone(),
            intent,
        })
    }

    /// The env is complete: writes its state (last), then stashes or deletes
    /// the old env and clears the intent record. Returns the user work
    /// found in what it deleted, kept in `.penv/kept/`.
    pub(crate) fn commit(
        self,
        state: &State,
        keep_stashed: usize,
    ) -> Result<Vec<Kept>, CommitError> {
        let completed = state
            .write(&self.paths.env)
            .and_then(|()| fs::delete_file(&self.paths.env.join(BUILD_MARKER)));
        if let Err(source) = completed {
            // Not complete (a full disk, say): the old env goes back.
            let restored = rollback(&self.paths, &self.intent).map_err(CommitError::Unsettled)?;
            return Err(CommitError::RolledBack { source, restored });
        }
        // The new env is complete; a failure from here on leaves the old one
        // aside, which the next penv finishes with.
        let mut kept = Vec::new();
        finish(&self.paths, &self.intent, keep_stashed, &mut kept)
            .map_err(CommitError::Unsettled)?;
        Ok(kept)
    }

    /// Puts the old env back (removing the partial new one).
    pub(crate) fn rollback(self) -> Result<bool, FsError> {
        rollback(&self.paths, &self.intent)
    }
}

/// Lets the old env go once the new one is complete: stashed when it is a
/// complete env of another hash built for this path, else removed (if
/// penv's); then prunes the stash and clears the intent record, last.
fn finish(
    paths: &EnvPaths,
    intent: &Intent,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    let_go(paths, intent.aside.as_deref(), intent, keep_stashed, kept)
}

/// Lets the old env at `old` go (see [`finish`]), then clears the intent
/// record, last.
fn let_go(
    paths: &EnvPaths,
    old: Option<&std::path::Path>,
    intent: &Intent,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    if let Some(aside) = old
        && fs::real_dir(aside)?
    {
        // Only an env built for this very path can ever be restored.
        let stashable = keep_stashed > 0
            && owned::complete_env(aside, &paths.env)?.is_some_and(|s| s.hash != intent.new_hash);
        if stashable {
            stash::put(paths, aside, keep_stashed, kept)?;
        } else {
            owned::discard(paths, aside, intent.forced, kept)?;
        }
    }
    // `keep-stashed` may have been lowered since the entries were stashed.
    stash::prune(paths, keep_stashed, kept)?;
    fs::delete_file(&paths.intent())
}

/// Undoes a replacement: removes the partial new env (only that) and moves
/// the old one back, then clears the intent record. Whether an old env is
/// at the path afterwards.
fn rollback(paths: &EnvPaths, intent: &Intent) -> Result<bool, FsError> {
    fs::real_dir(&paths.work)?;
    if let Some(aside) = &intent.aside
        && !fs::real_dir(aside)?
    {
        // The old env is not aside: penv died after recording the intent but
        // before moving it there, or after moving it back. Either way what is
        // at the env path is the old env, and it stays.
        fs::delete_file(&paths.intent())?;
        return Ok(fs::lstat(&paths.env)?.is_some());
    }
    // The partial build carries penv's own marker (or is still empty, or
    // complete but not committed). Anything else at the env path was put
    // there since, by someone else: it stays.
    if fs::lstat(&paths.env)?.is_some()
        && !owned::remove_partial_build(&paths.env, &paths.env, &intent.new_hash)?
    {
        if intent.aside.is_some() {
            return Err(FsError::new(
                "restore the previous env to",
                &paths.env,
                std::io::Error::other(format!(
                    "it now holds something penv did not make, and the previous env waits in `{}`; move one of them away",
                    escape_path(&paths.aside())
                )),
            ));
        }
        fs::delete_file(&paths.intent())?;
        return Ok(false);
    }
    let mut restored = false;
    if let Some(aside) = &intent.aside
        && fs::lstat(aside)?.is_some()
    {
        fs::rename(aside, &paths.env)?;
        restored = true;
    }
    fs::delete_file(&paths.intent())?;
    Ok(restored)
}

/// Finishes or undoes a replacement that a dead process left half-done.
/// Call with the env's lock held.
/// User work found in what it deleted is kept in `.penv/kept/` and added to `kept`.
pub(crate) fn recover(
    paths: &EnvPaths,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<Option<Recovery>, FsError> {
    if !fs::real_dir(&paths.work)? {
        return Ok(None);
    }
    let intent_path = paths.intent();
    let Some(bytes) = text_file::read_bytes_optional(&intent_path, INTENT_FILE)
        .map_err(|e| unreadable(&intent_path, e))?
    else {
        return Ok(None);
    };
    let Ok(mut intent) = serde_json::from_slice::<Intent>(&bytes) else {
        // A torn intent record cannot happen (it is written atomically);
        // an unreadable one is treated as "undo".
        let intent = Intent {
            pid: 0,
            started: 0,
            env: paths.env.clone(),
            aside: Some(paths.aside()),
            new_hash: String::new(),
            forced: false,
            swap: None,
        };
        return rollback(paths, &intent)
            .map(|restored_old| Some(Recovery::RolledBack { restored_old }));
    };
    // The record's paths are where the project was: if it was moved or
    // copied since, act on the paths here, never on another project's.
    intent.env.clone_from(&paths.env);
    intent.aside = intent.aside.map(|_| paths.aside());
    if let Some(record) = intent.swap.clone() {
        return swap::recover(paths, &intent, &record, keep_stashed, kept).map(Some);
    }
    let complete = owned::complete_env(&paths.env, &paths.env)?
        .is_some_and(|s| s.hash == intent.new_hash && s.venv_path == paths.env);
    if complete {
        finish(paths, &intent, keep_stashed, kept)?;
        Ok(Some(Recovery::Finished))
    } else {
        rollback(paths, &intent).map(|restored_old| Some(Recovery::RolledBack { restored_old }))
    }
}

/// The intent record of a replacement under way, when there is one penv can read.
fn read_intent(paths: &EnvPaths) -> Option<Intent> {
    let bytes = text_file::read_bytes_optional(&paths.intent(), INTENT_FILE).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Writes the intent record atomically: it is whole or absent, never torn.
fn write_intent(paths: &EnvPaths, intent: &Intent) -> Result<(), FsError> {
    let bytes = serde_json::to_vec_pretty(intent).expect("an intent serializes");
    fs::write_atomic(&paths.intent(), &bytes)
}

/// An intent record penv cannot read as one (a FIFO, a directory, more
/// than the cap): an error naming it, as an unreadable record always was.
fn unreadable(path: &std::path::Path, e: text_file::TextFileError) -> FsError {
    match e {
        text_file::TextFileError::Io(e) => e,
        other => FsError::new("read", path, std::io::Error::other(other.to_string())),
    }
}
