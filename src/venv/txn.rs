//! Replacing an env without ever leaving the project with nothing.
//!
//! A venv is bound to its absolute path, so the new env must be built at the
//! real path. The old one is moved aside first (a rename in `.penv/`), and
//! only when the new one is complete — its state file written — is the old
//! one stashed or deleted. Before anything moves, an intent record is
//! written; if penv dies (`kill -9`, power loss) the next penv command on the
//! project reads it and finishes the job (the new env is complete) or undoes
//! it (the partial env is removed and the old one moved back).
//!
//! Every directory it moves or deletes — the env, `.penv/old-<name>`, the
//! stash and its entries — is checked to be a real directory (a symlink
//! there is refused, naming it) and penv's ([`evidence`]) right before.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::kept::{self, Kept};
use super::owned::{BUILD_MARKER, Evidence, MARKERS, Occupant, evidence, write_marker};
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
    /// The old env is a venv penv did not create, handed over by
    /// `sync --force`: it may be deleted once the new env is complete.
    #[serde(default)]
    pub forced: bool,
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
            forced: matches!(occupant, Occupant::ForeignVenv),
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
                    write_marker(&paths.env, "building")
                }
                Source::Restore(entry) => {
                    fs::real_dir(&paths.stash_dir())?;
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
    pub fn commit(self, state: &State, keep_stashed: usize) -> Result<Vec<Kept>, CommitError> {
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
        let mut kept = Vec::new();
        finish(&self.paths, &self.intent, keep_stashed, &mut kept)
            .map_err(CommitError::Unsettled)?;
        Ok(kept)
    }

    /// Puts the old env back (removing the partial new one).
    pub fn rollback(self) -> Result<bool, FsError> {
        rollback(&self.paths, &self.intent)
    }
}

fn finish(
    paths: &EnvPaths,
    intent: &Intent,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    if let Some(aside) = &intent.aside
        && fs::real_dir(aside)?
    {
        // Only an env built for this very path can ever be restored.
        let stashable = matches!(State::read(aside), Ok(Some(s)) if s.hash != intent.new_hash)
            && evidence(aside, &paths.env, false) == Ok(Evidence::State)
            && fs::lstat(&aside.join(BUILD_MARKER))?.is_none()
            && keep_stashed > 0;
        if stashable {
            stash::put(paths, aside, keep_stashed, kept)?;
        } else {
            remove_if_owned(paths, aside, intent.forced, kept)?;
        }
    }
    // `keep-stashed` may have been lowered since the entries were stashed.
    stash::prune(paths, keep_stashed, kept)?;
    remove_file_if_exists(&paths.intent())
}

fn rollback(paths: &EnvPaths, intent: &Intent) -> Result<bool, FsError> {
    fs::real_dir(&paths.work)?;
    if let Some(aside) = &intent.aside
        && !fs::real_dir(aside)?
    {
        // The old env is not aside: penv died after recording the intent but
        // before moving it there, or after moving it back. Either way what is
        // at the env path is the old env, and it stays.
        remove_file_if_exists(&paths.intent())?;
        return Ok(fs::lstat(&paths.env)?.is_some());
    }
    if fs::lstat(&paths.env)?.is_some() {
        // A symlink at the env path is never the partial build: refused.
        fs::real_dir(&paths.env)?;
        // The partial build carries penv's own marker (or is still empty, or
        // complete but not committed). Anything else at the env path was put
        // there since, by someone else: it stays.
        let partial = match evidence(&paths.env, &paths.env, false) {
            Ok(Evidence::Marker) => true,
            Ok(Evidence::State) => {
                matches!(State::read(&paths.env), Ok(Some(s)) if s.hash == intent.new_hash)
            }
            _ => fs::is_empty_dir(&paths.env).unwrap_or(false),
        };
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
        fs::remove_tree_markers_last(&paths.env, MARKERS)?;
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
/// User work found in what it deleted is kept in `.penv/kept/` and added to `kept`.
pub fn recover(
    paths: &EnvPaths,
    keep_stashed: usize,
    kept: &mut Vec<Kept>,
) -> Result<Option<Recovery>, FsError> {
    if !fs::real_dir(&paths.work)? {
        return Ok(None);
    }
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
            forced: false,
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
        finish(paths, &intent, keep_stashed, kept)?;
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

/// Removes `dir` (the env, moved aside or stashed, of `paths`) if penv owns
/// it — [`evidence`] of penv's, or empty — and refuses anything else,
/// a symlink included. `forced`: it is a venv `--force` handed over. User
/// work in its `src/` is moved to `.penv/kept/` first and added to `kept`.
pub fn remove_if_owned(
    paths: &EnvPaths,
    dir: &Path,
    forced: bool,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    if !fs::real_dir(dir)? {
        return Ok(());
    }
    if fs::is_empty_dir(dir)? {
        return std::fs::remove_dir(dir).map_err(|e| FsError::new("remove", dir, e));
    }
    if let Err(what) = evidence(dir, &paths.env, forced) {
        return Err(FsError::new(
            "remove",
            dir,
            std::io::Error::other(format!(
                "it {what}, not an env penv made; leaving it alone (move it away yourself)"
            )),
        ));
    }
    kept.extend(kept::rescue_src(paths, dir)?);
    // Marked first: if penv dies halfway, what is left (state file and all)
    // is never taken for a complete env, restored or trusted — and still
    // carries penv's evidence. Never written through a link; a marker
    // already there (a partial build) stays.
    let _ = write_marker(dir, "deleting");
    fs::remove_tree_markers_last(dir, MARKERS)
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
            forced: false,
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
        write_marker(&paths.env, "building").unwrap();
    }

    fn assert_old_env_at_the_path(paths: &EnvPaths) {
        let content = std::fs::read_to_string(paths.env.join("lib/content")).unwrap();
        assert_eq!(content, "old");
    }

    #[test]
    fn recovery_removes_the_partial_env_and_puts_the_old_one_back() {
        let (_tmp, paths) = setup();
        old_aside_and_partial_build(&paths);
        let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
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
        let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
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
            forced: false,
        };
        write_intent(&paths, &intent).unwrap();
        old_aside_and_partial_build(&paths);
        let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
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
        let state = crate::venv::owned::testing::state(&paths.env, "new");
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
        let recovery = recover(&paths, 3, &mut Vec::new()).unwrap();
        assert_eq!(recovery, Some(Recovery::RolledBack { restored_old: true }));
        assert_old_env_at_the_path(&paths);
        assert!(!paths.intent().exists());
    }

    /// Another project's env (complete, penv's, with a user's file in it).
    #[cfg(unix)]
    fn other_env(tmp: &Path) -> PathBuf {
        let other = tmp.join("other-project/.venv");
        crate::venv::owned::testing::venv(&other, &other, Some("theirs"));
        std::fs::write(other.join("lib/user-file"), "precious").unwrap();
        other
    }

    #[cfg(unix)]
    fn untouched(other: &Path) {
        assert!(!other.join(BUILD_MARKER).exists(), "marked through a link");
        assert_eq!(
            std::fs::read_to_string(other.join("lib/user-file")).unwrap(),
            "precious"
        );
        assert!(other.join(crate::state::STATE_FILE).is_file());
    }

    /// `.penv/old-<name>` a symlink, with an intent record: recovery refuses
    /// it, naming it, and neither marks, moves nor deletes what it points to.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_aside_is_refused_by_recovery() {
        for complete in [false, true] {
            let (tmp, paths) = setup();
            let other = other_env(tmp.path());
            std::os::unix::fs::symlink(&other, paths.aside()).unwrap();
            if complete {
                crate::venv::owned::testing::venv(&paths.env, &paths.env, Some("new"));
            } else {
                make_env(&paths.env, "partial");
                write_marker(&paths.env, "building").unwrap();
            }
            let err = recover(&paths, 0, &mut Vec::new()).unwrap_err();
            assert_eq!(err.path, paths.aside(), "{err:?}");
            assert!(err.source.to_string().contains("symlink"), "{err:?}");
            untouched(&other);
            assert!(paths.aside().is_symlink() && paths.intent().exists());
        }
    }

    /// The env path a symlink to a penv env elsewhere, with an intent
    /// record: never taken for the partial build.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_env_is_never_removed_as_the_partial_build() {
        let (tmp, paths) = setup();
        let other = other_env(tmp.path());
        write_marker(&other, "building").unwrap();
        std::fs::remove_file(other.join(BUILD_MARKER)).unwrap();
        make_env(&paths.aside(), "old");
        std::os::unix::fs::symlink(&other, &paths.env).unwrap();
        let err = recover(&paths, 3, &mut Vec::new()).unwrap_err();
        assert_eq!(err.path, paths.env, "{err:?}");
        untouched(&other);
        assert!(paths.aside().join("lib/content").is_file());
    }

    /// What `remove_if_owned` deletes is penv's, by evidence, and never
    /// through a link; an env's `src/` that may hold work is kept.
    #[test]
    fn remove_if_owned_takes_evidence_and_keeps_work() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join(".venv"));
        paths.ensure_work_dir().unwrap();
        let dir = tmp.path().join("dir");
        // A directory with only pyvenv.cfg, an empty or invalid state: not penv's.
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("pyvenv.cfg"), "").unwrap();
        std::fs::write(dir.join("thesis.tex"), "precious").unwrap();
        for state in [None, Some(""), Some("{}")] {
            if let Some(text) = state {
                std::fs::write(dir.join(crate::state::STATE_FILE), text).unwrap();
            }
            let err = remove_if_owned(&paths, &dir, false, &mut Vec::new()).unwrap_err();
            assert!(
                err.source.to_string().contains("leaving it alone"),
                "{err:?}"
            );
            assert!(dir.join("thesis.tex").is_file());
            assert!(!dir.join(BUILD_MARKER).exists());
        }
        std::fs::remove_dir_all(&dir).unwrap();

        let env = tmp.path().join("stashed");
        crate::venv::owned::testing::venv(&env, &paths.env, Some("h"));
        std::fs::create_dir_all(env.join("src/mypkg")).unwrap();
        std::fs::write(env.join("src/mypkg/edit.py"), "mine").unwrap();
        let mut kept = Vec::new();
        remove_if_owned(&paths, &env, false, &mut kept).unwrap();
        assert!(!env.exists());
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(
            std::fs::read_to_string(kept[0].to.join("mypkg/edit.py")).unwrap(),
            "mine"
        );
        #[cfg(unix)]
        {
            let other = other_env(tmp.path());
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&other, &link).unwrap();
            let err = remove_if_owned(&paths, &link, false, &mut Vec::new()).unwrap_err();
            assert!(err.source.to_string().contains("symlink"), "{err:?}");
            untouched(&other);
        }
    }
}
