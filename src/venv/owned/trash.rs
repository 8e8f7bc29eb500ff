//! Deleting off the critical path: an env [`super::discard`] has decided to
//! delete (a stash entry pruned, an old env not stashed, a store entry
//! evicted) is renamed into `<.penv>/trash/` — one `rename` in the same
//! directory tree, so it is gone from its place at once — and once the
//! command's work is done ([`empty_pending`]) a detached `penv empty-trash`
//! deletes it while the user goes on (Django's 19,000 files take 2 s on an
//! ext4 disk; flask's 9,300, 0.4 s).
//!
//! Invariant: only a real directory carrying penv's build marker (written
//! before the rename: `deleting`, or the `building` of a partial env),
//! recorded for a path beside that `.penv`, is moved there or deleted from
//! there, through the one tree removal (no link followed, markers last);
//! anything else found in a trash stays. The trash and its lock file
//! (`<.penv>/trash.lock`) are made before anything is moved in, so the
//! emptier creates nothing (a `rm -rf` of the project racing it only finds
//! files gone). One emptier works on a trash at a time; it goes on until
//! the trash is empty, so another started meanwhile gives up after a short
//! wait. The emptier is a grandchild, re-parented at once (no zombie under
//! a command `penv run` became), started before a lock is passed on to
//! children. A trash left non-empty (a kill, a power loss) is emptied after
//! the next sync of that env ([`notice`]). When the rename or the start of
//! the emptier fails, what this process moved is deleted in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::{MARKERS, marker_record};
use crate::fs::{self, FsError};

/// The trashes this process put something into (with what it put there),
/// or found not empty: emptied when its command is done.
static PENDING: Mutex<BTreeMap<PathBuf, Vec<PathBuf>>> = Mutex::new(BTreeMap::new());

/// The name of the hidden command that empties a trash.
pub(crate) const COMMAND: &str = "empty-trash";

/// How long an emptier waits for one already at work (which goes on until
/// the trash is empty) before it leaves the trash to it.
const WAIT: Duration = Duration::from_secs(2);

/// How many times the emptier lists a trash that keeps receiving entries.
const PASSES: usize = 100;

/// The trash of the working directory `work` (a project's `.penv`, the
/// store's `envs/.penv`).
pub(crate) fn trash_dir(work: &Path) -> PathBuf {
    work.join("trash")
}

fn lock_file(work: &Path) -> PathBuf {
    work.join("trash.lock")
}

fn pending() -> std::sync::MutexGuard<'static, BTreeMap<PathBuf, Vec<PathBuf>>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether `dir` carries penv's marker recorded for a path in `root` (the
/// directory holding the `.penv`): the env, one moved aside, a stash
/// entry, a store entry — never one recorded elsewhere.
fn marked_for(dir: &Path, root: &Path) -> bool {
    marker_record(dir).is_some_and(|recorded| {
        let recorded = crate::fs::normalize_lexically(&recorded);
        recorded != root && recorded.starts_with(crate::fs::normalize_lexically(root))
    })
}

/// Moves `dir` (penv's, marked) into the trash of `work`; `false` when it
/// was not moved (the caller deletes it in place).
pub(super) fn put(work: &Path, dir: &Path) -> bool {
    let Some(root) = work.parent() else {
        return false;
    };
    if !marked_for(dir, root) {
        return false;
    }
    let trash = trash_dir(work);
    let ready = match fs::real_dir(&trash) {
        Ok(true) => true,
        Ok(false) => fs::create_dir_all(&trash).is_ok() && matches!(fs::real_dir(&trash), Ok(true)),
        Err(_) => false,
    };
    // The emptier's lock file, made here so the emptier creates nothing.
    if !ready || fs::try_lock_shared(&lock_file(work)).is_err() {
        return false;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = dir
        .file_name()
        .map_or_else(|| "env".into(), |n| n.to_string_lossy());
    let to = trash.join(format!("{name}-{nanos}-{}", std::process::id()));
    if std::fs::rename(dir, &to).is_err() {
        return false;
    }
    pending().entry(trash).or_default().push(to);
    true
}

/// How many directories in the trash of `work` an emptier would delete
/// (penv's, marked for a path beside `work`) when none is at work on it.
pub(crate) fn left_over(work: &Path) -> usize {
    let trash = trash_dir(work);
    let (Some(root), Ok(entries)) = (work.parent(), fs::list_dir(&trash)) else {
        return 0;
    };
    if fs::is_locked_exclusively(&lock_file(work)) {
        return 0;
    }
    entries
        .into_iter()
        .filter(|(name, kind)| kind.is_dir() && marked_for(&trash.join(name), root))
        .count()
}

/// Queues the trash of `work` for emptying when it holds what an emptier
/// would delete and none is at work on it (what a killed emptier left): a
/// sync of the env calls it. Without a trash (the rule) it costs one
/// `lstat`; a trash holding only what is not penv's starts no emptier.
pub(crate) fn notice(work: &Path) {
    let trash = trash_dir(work);
    if matches!(fs::real_dir(&trash), Ok(true)) && left_over(work) > 0 {
        pending().entry(trash).or_default();
    }
}

/// Starts a detached `penv empty-trash` for each trash queued; where none
/// can be started, deletes here what this process moved there. Called when
/// the command's work is done, before a lock is passed on to children.
pub(crate) fn empty_pending() {
    let queued = std::mem::take(&mut *pending());
    for (trash, own) in queued {
        if !spawn(&trash) {
            for entry in own {
                let _ = fs::remove_tree_markers_last(&entry, MARKERS);
            }
        }
    }
}

/// `penv empty-trash TRASH`, detached ([`crate::process::start_detached`]).
fn spawn(trash: &Path) -> bool {
    crate::process::start_detached(&args(trash))
}

fn args(trash: &Path) -> [std::ffi::OsString; 2] {
    [COMMAND.into(), trash.into()]
}

/// The middle of [`spawn`]: starts the emptier of `trash` and returns.
pub(crate) fn detach(trash: &Path) -> std::io::Result<()> {
    crate::process::spawn_detached(&args(trash))
}

/// Deletes every directory in `trash` (a `trash` inside a `.penv`, else
/// nothing is done) that carries penv's marker for a path beside that
/// `.penv`, then the trash itself once empty; leaves the trash to an
/// emptier already at work on it.
pub(crate) fn empty(trash: &Path) -> Result<(), FsError> {
    let Some(work) = trash.parent().filter(|w| {
        trash.file_name().is_some_and(|n| n == "trash")
            && w.file_name().is_some_and(|n| n == ".penv")
    }) else {
        return Ok(());
    };
    let Some(root) = work.parent() else {
        return Ok(());
    };
    if !fs::real_dir(work)? {
        return Ok(());
    }
    let Some(_held) = fs::try_lock_existing(&lock_file(work), WAIT)? else {
        return Ok(());
    };
    for _ in 0..PASSES {
        if !fs::real_dir(trash)? {
            return Ok(());
        }
        let entries = fs::list_dir(trash)?;
        if entries.is_empty() {
            return match std::fs::remove_dir(trash) {
                // An entry arrived since: the next pass takes it.
                Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty => continue,
                _ => Ok(()),
            };
        }
        let mut removed = 0;
        for (name, kind) in entries {
            let entry = trash.join(name);
            if kind.is_dir()
                && marked_for(&entry, root)
                && fs::remove_tree_markers_last(&entry, MARKERS).is_ok()
            {
                removed += 1;
            }
        }
        // What stays (not penv's, or not removable) is left alone.
        if removed == 0 {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::BUILD_MARKER;
    use super::*;

    #[test]
    fn a_marked_env_goes_to_the_trash_and_the_emptier_deletes_only_marked_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join(".penv");
        std::fs::create_dir_all(&work).unwrap();
        let env = tmp.path().join("old");
        std::fs::create_dir_all(env.join("lib/pkg")).unwrap();
        std::fs::write(env.join("lib/pkg/mod.py"), "").unwrap();
        // Not marked: not moved.
        assert!(!put(&work, &env));
        assert!(env.exists());
        super::super::write_marker(&env, "deleting").unwrap();
        assert!(put(&work, &env));
        assert!(!env.exists());
        let trash = trash_dir(&work);
        // Something else in the trash (not penv's) stays, and so does a
        // directory penv marked for a path elsewhere.
        let stranger = trash.join("stranger");
        std::fs::create_dir_all(&stranger).unwrap();
        std::fs::write(stranger.join(BUILD_MARKER), "not penv's").unwrap();
        let far = tempfile::tempdir().unwrap();
        let elsewhere_env = far.path().join("env");
        std::fs::create_dir_all(&elsewhere_env).unwrap();
        super::super::write_marker(&elsewhere_env, "deleting").unwrap();
        assert!(!put(&work, &elsewhere_env), "marked for another place");
        std::fs::rename(&elsewhere_env, trash.join("planted")).unwrap();
        assert_eq!(fs::list_dir(&trash).unwrap().len(), 3);
        empty(&trash).unwrap();
        let mut left: Vec<_> = fs::list_dir(&trash)
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        left.sort();
        assert_eq!(left, ["planted", "stranger"]);
        // Emptied: the trash itself goes too.
        std::fs::remove_dir_all(&stranger).unwrap();
        std::fs::remove_dir_all(trash.join("planted")).unwrap();
        empty(&trash).unwrap();
        assert!(!trash.exists());
        // A directory that is not a `.penv`'s trash is never emptied.
        let other = tmp.path().join("elsewhere");
        std::fs::create_dir_all(other.join("x")).unwrap();
        super::super::write_marker(&other.join("x"), "deleting").unwrap();
        empty(&other).unwrap();
        assert!(other.join("x").exists());
    }
}
