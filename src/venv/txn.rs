//! Replacing an env without ever leaving the project with nothing.
//!
//! A venv is bound to its absolute path, so the new env must be built at the
//! real path. The old one is moved aside first (a rename in `.penv/`), and
//! only when the new one is complete — its state file written — is the old
//! one stashed or deleted. Before anything moves, an intent record is
//! written; if penv dies (`kill -9`, power loss) the next penv command on the
//! project reads it and finishes the job (the new env is complete) or undoes
//! it (the partial env is removed and the old one moved back).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::owned::{BUILD_MARKER, MARKERS, Occupant};
use super::{EnvPaths, stash};
use crate::fs::{self, FsError};
use crate::state::{State, now};

/// The intent record of a replacement under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Intent {
    /// The process doing it.
    pub pid: u32,
    /// When it started.
    pub started: u64,
    /// The env path.
    pub env: PathBuf,
    /// Where the old env was moved, if there was one.
    pub aside: Option<PathBuf>,
    /// The spec hash being built or restored.
    pub new_hash: String,
}

/// Why [`Txn::commit`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
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
pub struct Txn {
    paths: EnvPaths,
    intent: Intent,
}

/// What [`recover`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
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
pub enum Source {
    /// Built by the caller into an empty directory carrying the build marker.
    Build,
    /// Restored from a stash entry, by renaming it into place.
    Restore(PathBuf),
}

impl Txn {
    /// Moves the current occupant of the env path aside (after writing the
    /// intent record) and prepares the path for the new env.
    pub fn begin(
        paths: &EnvPaths,
        occupant: Occupant,
        new_hash: &str,
        source: &Source,
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
        };
        write_intent(paths, &intent)?;
        if has_old && let Err(e) = fs::rename(&paths.env, &aside) {
            remove_file_if_exists(&paths.intent())?;
            return Err(e);
        }
        let prepared = (|| {
            if let Some(parent) = paths.env.parent() {
                fs::create_dir_all(parent)?;
            }
            match source {
                Source::Build => {
                    std::fs::create_dir(&paths.env)
                        .map_err(|e| FsError::new("create directory", &paths.env, e))?;
                    fs::write_new(
                        &paths.env.join(BUILD_MARKER),
                        format!("pid {}\n", intent.pid).as_bytes(),
                    )
                }
                Source::Restore(entry) => fs::rename(entry, &paths.env),
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
    /// the old env and clears the intent record.
    pub fn commit(self, state: &State, keep_stashed: usize) -> Result<(), CommitError> {
        let completed = state
            .write(&self.paths.env)
            .and_then(|()| remove_file_if_exists(&self.paths.env.join(BUILD_MARKER)));
        if let Err(source) = completed {
            // Not complete (a full disk, say): the old env goes back.
            let restored = rollback(&self.paths, &self.intent).map_err(CommitError::Unsettled)?;
            return Err(CommitError::RolledBack { source, restored });
        }
        // The new env is complete; a failure from here on leaves the old one
        // aside, which the next penv finishes with.
        finish(&self.paths, &self.intent, keep_stashed).map_err(CommitError::Unsettled)
    }

    /// Puts the old env back (removing the partial new one).
    pub fn rollback(self) -> Result<bool, FsError> {
        rollback(&self.paths, &self.intent)
    }
}

fn finish(paths: &EnvPaths, intent: &Intent, keep_stashed: usize) -> Result<(), FsError> {
    if let Some(aside) = &intent.aside
        && fs::lstat(aside)?.is_some()
    {
        let stashable = matches!(State::read(aside), Ok(Some(s)) if s.hash != intent.new_hash)
            && !aside.join(BUILD_MARKER).exists()
            && keep_stashed > 0;
        if stashable {
            stash::put(paths, aside, keep_stashed)?;
        } else {
            remove_if_owned(aside)?;
        }
    }
    // `keep-stashed` may have been lowered since the entries were stashed.
    stash::prune(paths, keep_stashed)?;
    remove_file_if_exists(&paths.intent())
}

fn rollback(paths: &EnvPaths, intent: &Intent) -> Result<bool, FsError> {
    if let Some(aside) = &intent.aside
        && fs::lstat(aside)?.is_none()
    {
        // The old env is not aside: penv died after recording the intent but
        // before moving it there, or after moving it back. Either way what is
        // at the env path is the old env, and it stays.
        remove_file_if_exists(&paths.intent())?;
        return Ok(fs::lstat(&paths.env)?.is_some());
    }
    if fs::lstat(&paths.env)?.is_some() {
        // The partial build carries penv's marker (or is still empty). Anything
        // else at the env path was put there since, by someone else: it stays.
        let partial = paths.env.join(BUILD_MARKER).is_file()
            || matches!(State::read(&paths.env), Ok(Some(s)) if s.hash == intent.new_hash)
            || fs::is_empty_dir(&paths.env).unwrap_or(false);
        if !partial {
            if intent.aside.is_some() {
                return Err(FsError::new(
                    "restore the previous env to",
                    &paths.env,
                    std::io::Error::other(format!(
                        "it now holds something penv did not make, and the previous env waits in `{}`; move one of them away",
                        paths.aside().display()
                    )),
                ));
            }
            remove_file_if_exists(&paths.intent())?;
            return Ok(false);
        }
        fs::remove_owned_dir(&paths.env, MARKERS)?;
    }
    let mut restored = false;
    if let Some(aside) = &intent.aside
        && fs::lstat(aside)?.is_some()
    {
        fs::rename(aside, &paths.env)?;
        restored = true;
    }
    remove_file_if_exists(&paths.intent())?;
    Ok(restored)
}

/// Finishes or undoes a replacement that a dead process left half-done.
/// Call with the env's lock held.
pub fn recover(paths: &EnvPaths, keep_stashed: usize) -> Result<Option<Recovery>, FsError> {
    let Some(bytes) = fs::read_optional(&paths.intent())? else {
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
        };
        return rollback(paths, &intent)
            .map(|restored_old| Some(Recovery::RolledBack { restored_old }));
    };
    // The record's paths are where the project was: if it was moved or
    // copied since, act on the paths here, never on another project's.
    intent.env.clone_from(&paths.env);
    intent.aside = intent.aside.map(|_| paths.aside());
    let complete = matches!(State::read(&paths.env), Ok(Some(s)) if s.hash == intent.new_hash && s.venv_path == paths.env)
        && !paths.env.join(BUILD_MARKER).exists();
    if complete {
        finish(paths, &intent, keep_stashed)?;
        Ok(Some(Recovery::Finished))
    } else {
        rollback(paths, &intent).map(|restored_old| Some(Recovery::RolledBack { restored_old }))
    }
}

fn write_intent(paths: &EnvPaths, intent: &Intent) -> Result<(), FsError> {
    let bytes = serde_json::to_vec_pretty(intent).expect("an intent serializes");
    fs::write_atomic(&paths.intent(), &bytes)
}

fn remove_file_if_exists(path: &Path) -> Result<(), FsError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FsError::new("remove", path, e)),
    }
}

/// Removes `dir` if penv owns it (state file, build marker, a venv moved
/// aside by penv, or empty); refuses anything else.
pub fn remove_if_owned(dir: &Path) -> Result<(), FsError> {
    let owned = dir.join(crate::state::STATE_FILE).is_file()
        || dir.join(BUILD_MARKER).is_file()
        || dir.join("pyvenv.cfg").is_file()
        || fs::is_empty_dir(dir).unwrap_or(false);
    if !owned {
        return Err(FsError::new(
            "remove",
            dir,
            std::io::Error::other("it does not look like an env penv made; leaving it alone"),
        ));
    }
    // Marked first: if penv dies halfway, what is left (state file and all)
    // is never taken for a complete env, restored or trusted. `write_new`
    // fails rather than follow a link planted at the marker's name.
    let _ = fs::write_new(&dir.join(BUILD_MARKER), b"being deleted\n");
    fs::remove_owned_dir(dir, MARKERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An intent record as `Txn::begin` writes it, with or without an old env.
    fn setup_with(has_old: bool) -> (tempfile::TempDir, EnvPaths) {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join(".venv"));
        paths.ensure_work_dir().unwrap();
        let intent = Intent {
            pid: 1,
            started: 0,
            env: paths.env.clone(),
            aside: has_old.then(|| paths.aside()),
            new_hash: "new".to_owned(),
        };
        write_intent(&paths, &intent).unwrap();
        (tmp, paths)
    }

    fn setup() -> (tempfile::TempDir, EnvPaths) {
        setup_with(true)
    }

    fn make_env(dir: &Path, content: &str) {
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        std::fs::write(dir.join("lib/content"), content).unwrap();
    }

    /// What a kill -9 during a build leaves: the old env aside, the partial
    /// one (with penv's marker) at the path.
    fn old_aside_and_partial_build(paths: &EnvPaths) {
        make_env(&paths.aside(), "old");
        make_env(&paths.env, "partial");
        std::fs::write(paths.env.join(BUILD_MARKER), "").unwrap();
    }

    fn assert_old_env_at_the_path(paths: &EnvPaths) {
        let content = std::fs::read_to_string(paths.env.join("lib/content")).unwrap();
        assert_eq!(content, "old");
    }

    #[test]
    fn recovery_removes_the_partial_env_and_puts_the_old_one_back() {
        let (_tmp, paths) = setup();
        old_aside_and_partial_build(&paths);
        let recovery = recover(&paths, 3).unwrap();
        assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
        assert_old_env_at_the_path(&paths);
        assert!(!paths.aside().exists() && !paths.intent().exists());
    }

    /// A first build killed, then the user made their own venv at the path:
    /// recovery must not take it for the partial build.
    #[test]
    fn recovery_leaves_a_venv_someone_made_since() {
        let (_tmp, paths) = setup_with(false);
        make_env(&paths.env, "theirs");
        std::fs::write(paths.env.join("notes.txt"), "precious").unwrap();
        let recovery = recover(&paths, 3).unwrap();
        assert_eq!(
            recovery,
            Some(Recovery::RolledBack {
                restored_old: false
            })
        );
        assert!(paths.env.join("notes.txt").is_file());
        assert!(!paths.intent().exists());
    }

    /// Killed mid-rebuild, then the project was moved (or copied): the
    /// record's absolute paths name the old place; recovery acts here.
    #[test]
    fn recovery_after_the_project_moved_acts_on_the_paths_here() {
        let (tmp, paths) = setup();
        let elsewhere = EnvPaths::new(tmp.path().join("elsewhere/.venv"));
        let intent = Intent {
            pid: 1,
            started: 0,
            env: elsewhere.env.clone(),
            aside: Some(elsewhere.aside()),
            new_hash: "new".to_owned(),
        };
        write_intent(&paths, &intent).unwrap();
        old_aside_and_partial_build(&paths);
        let recovery = recover(&paths, 3).unwrap();
        assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
        assert_old_env_at_the_path(&paths);
    }

    /// An env waiting aside with no intent record is nobody's to delete.
    #[test]
    fn begin_never_deletes_an_unexplained_aside() {
        let (_tmp, paths) = setup();
        std::fs::remove_file(paths.intent()).unwrap();
        make_env(&paths.aside(), "someone's");
        make_env(&paths.env, "current");
        std::fs::write(paths.env.join(crate::state::STATE_FILE), "{}").unwrap();
        let err = Txn::begin(&paths, Occupant::Penv, "new", &Source::Build).unwrap_err();
        assert!(format!("{err:?}").contains("no record"), "{err:?}");
        assert!(paths.aside().join("lib/content").is_file());
        assert!(paths.env.join("lib/content").is_file());
        assert!(!paths.intent().exists());
    }

    /// The new env cannot be completed (its state cannot be written): the
    /// old env goes back before the error is told.
    #[test]
    fn a_commit_that_fails_puts_the_old_env_back() {
        let (_tmp, paths) = setup();
        std::fs::remove_file(paths.intent()).unwrap();
        make_env(&paths.env, "old");
        let txn = Txn::begin(&paths, Occupant::Penv, "new", &Source::Build).unwrap();
        // The new env's directory vanished: the state cannot be written.
        std::fs::remove_dir_all(&paths.env).unwrap();
        let state = State {
            format: crate::state::STATE_FORMAT,
            hash: "new".to_owned(),
            spec: crate::spec::example(),
            base: crate::python::interpreter::Fingerprint {
                path: "/usr/bin/python3".into(),
                size: 1,
                mtime_ns: 1,
                inode: 1,
            },
            base_stdlib: None,
            venv_path: paths.env.clone(),
            penv_version: "test".to_owned(),
            pip_version: None,
            created: 0,
            last_used: 0,
        };
        let err = txn.commit(&state, 3).unwrap_err();
        assert!(
            matches!(err, CommitError::RolledBack { restored: true, .. }),
            "{err:?}"
        );
        assert_old_env_at_the_path(&paths);
        assert!(!paths.aside().exists() && !paths.intent().exists());
    }

    /// Killed between writing the intent and moving the old env aside (or
    /// between moving it back and removing the intent): the env in place is
    /// the old one, not a partial build.
    #[test]
    fn recovery_keeps_an_old_env_that_is_not_aside() {
        let (_tmp, paths) = setup();
        make_env(&paths.env, "old");
        let recovery = recover(&paths, 3).unwrap();
        assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
        assert_old_env_at_the_path(&paths);
        assert!(!paths.intent().exists());
    }
}
