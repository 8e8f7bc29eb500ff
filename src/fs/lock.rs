//! Advisory file locks: one writer (a sync) or many readers (a `run`, a
//! `which`) per env.
//!
//! Invariant: a lock file is penv's own — opened never through a symlink
//! (at its name or its directory's), only as a regular file with one link,
//! and never truncated: penv writes its holder record only into an empty
//! file or over an earlier record of its own.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{FsError, Result};

/// An advisory lock (exclusive, or shared from [`try_lock_shared`]) held for
/// the lifetime of the value. Its descriptor is close-on-exec unless
/// [`FileLock::share_with_children`] says otherwise, so an `exec` releases it.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Lets the child processes started from now on inherit the lock's file
    /// descriptor, so the lock stays held until they exit too. If penv is
    /// killed outright while pip runs, the next penv waits for that pip to
    /// finish before it recovers the env, instead of pulling the env out
    /// from under it. (Drop the lock before `exec`ing a user's command.)
    pub(crate) fn share_with_children(&self) {
        #[cfg(unix)]
        {
            use nix::fcntl::{FcntlArg, FdFlag, fcntl};
            // Best effort: without it, a killed penv's pip may outlive the lock.
            let _ = fcntl(&self.file, FcntlArg::F_SETFD(FdFlag::empty()));
        }
    }

    /// Turns the lock into a reader's (a writer's lock is converted in
    /// place; `flock` may let go for an instant while it does) and lets it
    /// pass through `exec` to the command, which holds it until it exits.
    pub(crate) fn share_through_exec(&self) {
        // Best effort: the failure mode is a lock released at `exec`.
        let _ = self.file.lock_shared();
        self.share_with_children();
    }

    /// Undoes [`FileLock::share_with_children`]: from now on an `exec` (or a
    /// child) does not carry the lock, so `penv run` releases it as it
    /// becomes the user's command.
    pub(crate) fn keep_from_children(&self) {
        #[cfg(unix)]
        {
            use nix::fcntl::{FcntlArg, FdFlag, fcntl};
            // Best effort: the failure mode is a lock held until the command exits.
            let _ = fcntl(&self.file, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
        }
    }
}

/// Opens the lock file `path`: for writing, creating it if needed (in an
/// existing directory) when `create`, else read-only. Never through a symlink — neither at its own name nor at its
/// directory's, so a `.penv` that links elsewhere makes penv create nothing
/// there — and never truncated. Only a regular file with one link is
/// accepted: a lock file hard-linked to someone's file is refused, not
/// written to.
fn open_lock_file(path: &Path, create: bool) -> Result<File> {
    #[cfg(unix)]
    let file = {
        use nix::fcntl::{OFlag, openat};
        use nix::sys::stat::Mode;
        let (dir, name) = super::nofollow::split(path)?;
        let dir = super::nofollow::open_dir_nofollow(dir)
            .map_err(|e| FsError::new("open lock file", path, e))?;
        let mut flags = OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        flags |= if create {
            OFlag::O_RDWR | OFlag::O_CREAT
        } else {
            OFlag::O_RDONLY
        };
        let fd = openat(&dir, name, flags, Mode::from_bits_truncate(0o644)).map_err(|e| {
            FsError::new(
                "open lock file",
                path,
                super::nofollow::nofollow_error(e.into()),
            )
        })?;
        File::from(fd)
    };
    #[cfg(not(unix))]
    let file = OpenOptions::new()
        .read(true)
        .write(create)
        .create(create)
        .truncate(false)
        .open(path)
        .map_err(|e| FsError::new("open lock file", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| FsError::new("inspect lock file", path, e))?;
    if !meta.is_file() {
        return Err(FsError::new(
            "use lock file",
            path,
            io::Error::other("it is not a regular file; remove it"),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() != 1 {
            return Err(FsError::new(
                "use lock file",
                path,
                io::Error::other(format!(
                    "it has {} hard links, so it may be someone else's file; penv uses only a lock file of its own (remove it)",
                    meta.nlink()
                )),
            ));
        }
    }
    Ok(file)
}

/// Whether a writer holds the lock at `path` right now (a missing lock file
/// is held by nobody; nothing is created).
pub(crate) fn is_locked_exclusively(path: &Path) -> bool {
    let Ok(file) = open_lock_file(path, false) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(fs::TryLockError::WouldBlock))
}

/// Takes a shared lock on `path` without waiting: `Ok(None)` when a writer
/// holds it exclusively. Readers hold it across "check the env, then use it",
/// so no rebuild can start in between.
pub(crate) fn try_lock_shared(path: &Path) -> Result<Option<FileLock>> {
    let file = open_lock_file(path, true)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(FileLock { file })),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(FsError::new("lock", path, e)),
    }
}

/// Takes an exclusive lock on the existing lock file `path` (nothing is
/// created), trying for up to `wait`: `Ok(None)` when there is no such
/// file or someone else held it all along.
pub(crate) fn try_lock_existing(path: &Path, wait: Duration) -> Result<Option<FileLock>> {
    wait_for_existing(path, wait, false)
}

/// [`try_lock_existing`] for a reader's lock.
pub(crate) fn try_lock_existing_shared(path: &Path, wait: Duration) -> Result<Option<FileLock>> {
    wait_for_existing(path, wait, true)
}

fn wait_for_existing(path: &Path, wait: Duration, shared: bool) -> Result<Option<FileLock>> {
    let Ok(file) = open_lock_file(path, false) else {
        return Ok(None);
    };
    let start = Instant::now();
    loop {
        let tried = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match tried {
            Ok(()) => return Ok(Some(FileLock { file })),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(e)) => return Err(FsError::new("lock", path, e)),
        }
    }
}

/// Takes a shared lock on `path` (created if needed), waiting for a
/// writer to let go. For a lock no writer holds for long (`penv run`'s
/// in-use lock, which prune takes only for as long as a deletion lasts).
pub(crate) fn lock_shared(path: &Path) -> Result<FileLock> {
    let file = open_lock_file(path, true)?;
    file.lock_shared()
        .map_err(|e| FsError::new("lock", path, e))?;
    Ok(FileLock { file })
}

/// What happened while taking a lock.
#[derive(Debug)]
pub(crate) enum LockOutcome {
    /// The lock was free.
    Acquired(FileLock),
    /// Another process held it; `on_wait` was called once, then the lock came.
    AcquiredAfterWait(FileLock),
}

impl LockOutcome {
    /// The lock, however it came.
    pub(crate) fn into_lock(self) -> FileLock {
        match self {
            Self::Acquired(l) | Self::AcquiredAfterWait(l) => l,
        }
    }
}

/// Errors of [`lock_exclusive`].
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Opening the lock file failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The holder did not let go in time.
    #[error("timed out after {:.1}s waiting for the lock `{path}`{}", waited.as_secs_f64(), holder.as_ref().map(|h| format!(" (held by {h})")).unwrap_or_default())]
    Timeout {
        /// The lock file.
        path: PathBuf,
        /// How long penv waited.
        waited: Duration,
        /// Who holds it, as written in the lock file.
        holder: Option<String>,
    },
}

/// Takes an exclusive lock on `path` (created if needed), waiting up to
/// `timeout`. `on_wait` is called once, with what the lock file says about
/// its holder, before the first wait. The holder's pid is written into the
/// file while it is held, for the messages of those who wait.
pub(crate) fn lock_exclusive(
    path: &Path,
    timeout: Duration,
    on_wait: impl FnOnce(Option<&str>),
) -> std::result::Result<LockOutcome, LockError> {
    let file = open_lock_file(path, true)?;
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&file);
                if let Some(tell) = on_wait.take() {
                    tell(holder.as_deref());
                    waited = true;
                }
                if start.elapsed() >= timeout {
                    return Err(LockError::Timeout {
                        path: path.to_owned(),
                        waited: start.elapsed(),
                        holder,
                    });
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(FsError::new("lock", path, e).into());
            }
        }
    }
    write_holder(&file);
    let lock = FileLock { file };
    Ok(if waited {
        LockOutcome::AcquiredAfterWait(lock)
    } else {
        LockOutcome::Acquired(lock)
    })
}

/// The holder record penv keeps in a lock file: fixed width, so the next
/// holder overwrites it in place (a lock file is never truncated).
fn holder_record() -> String {
    format!("pid {:<10}\n", std::process::id())
}

/// Writes [`holder_record`] into the lock file, only when it is empty or
/// holds nothing but an earlier record: penv changes no other bytes.
/// Best effort: the pid is for messages only, the lock is the truth.
fn write_holder(file: &File) {
    let record = holder_record();
    let len = file.metadata().map_or(u64::MAX, |m| m.len());
    let ours = len == 0 || (len == record.len() as u64 && read_holder(file).is_some());
    if ours {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let _ = file.write_all_at(record.as_bytes(), 0);
        }
        #[cfg(not(unix))]
        {
            let _ = (&*file).write_all(record.as_bytes());
        }
    }
}

/// Who holds the lock, as [`write_holder`] recorded it (`pid N`).
fn read_holder(file: &File) -> Option<String> {
    let mut buf = [0_u8; 32];
    #[cfg(unix)]
    let n = {
        use std::os::unix::fs::FileExt;
        file.read_at(&mut buf, 0).ok()?
    };
    #[cfg(not(unix))]
    let n = {
        use std::io::{Read, Seek};
        let mut f = file;
        f.seek(io::SeekFrom::Start(0)).ok()?;
        f.read(&mut buf).ok()?
    };
    let text = std::str::from_utf8(&buf[..n]).ok()?.trim();
    let pid = text.strip_prefix("pid ")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_times_out_naming_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.lock");
        let _held = lock_exclusive(&p, Duration::ZERO, |_| {})
            .unwrap()
            .into_lock();
        let mut told = None;
        let err = lock_exclusive(&p, Duration::from_millis(60), |h| {
            told = h.map(str::to_owned);
        })
        .unwrap_err();
        assert!(matches!(err, LockError::Timeout { .. }), "{err}");
        assert_eq!(
            told.as_deref(),
            Some(format!("pid {}", std::process::id()).as_str())
        );
    }

    #[test]
    fn an_existing_lock_is_taken_or_left_and_a_missing_one_never_made() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("trash.lock");
        assert!(try_lock_existing(&p, Duration::ZERO).unwrap().is_none());
        assert!(!p.exists(), "nothing created");
        let held = lock_exclusive(&p, Duration::ZERO, |_| {})
            .unwrap()
            .into_lock();
        let start = Instant::now();
        assert!(
            try_lock_existing(&p, Duration::from_millis(60))
                .unwrap()
                .is_none()
        );
        assert!(start.elapsed() >= Duration::from_millis(60));
        drop(held);
        assert!(try_lock_existing(&p, Duration::ZERO).unwrap().is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_is_never_opened_through_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let p = tmp.path().join("x.lock");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        assert!(lock_exclusive(&p, Duration::ZERO, |_| {}).is_err());
        assert!(try_lock_shared(&p).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    /// A lock file hard-linked to a user's file is refused, and neither
    /// the file nor its bytes are touched.
    #[cfg(unix)]
    #[test]
    fn a_hard_linked_lock_file_is_refused_and_left_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("thesis.tex");
        std::fs::write(&victim, "precious").unwrap();
        let p = tmp.path().join("x.lock");
        std::fs::hard_link(&victim, &p).unwrap();
        let err = lock_exclusive(&p, Duration::ZERO, |_| {}).unwrap_err();
        assert!(err.to_string().contains("x.lock"), "{err}");
        assert!(format!("{err:?}").contains("hard links"), "{err:?}");
        assert!(try_lock_shared(&p).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    /// A lock file penv did not write (other bytes in it) is locked but
    /// never truncated or overwritten; penv's own record is rewritten in place.
    #[test]
    fn a_lock_file_is_never_truncated() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.lock");
        std::fs::write(&p, "someone's notes, longer than a pid record\n").unwrap();
        drop(lock_exclusive(&p, Duration::ZERO, |_| {}).unwrap());
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "someone's notes, longer than a pid record\n"
        );
        std::fs::write(&p, "pid 1         \n").unwrap();
        drop(lock_exclusive(&p, Duration::ZERO, |_| {}).unwrap());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), holder_record());
    }

    /// A lock file in a directory reached through a symlink is not created
    /// there: the link's target stays empty.
    #[cfg(unix)]
    #[test]
    fn a_lock_file_is_never_created_through_a_symlinked_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        let link = tmp.path().join(".penv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let p = link.join("x.lock");
        let err = lock_exclusive(&p, Duration::ZERO, |_| {}).unwrap_err();
        assert!(format!("{err:?}").contains("symlink"), "{err:?}");
        assert!(try_lock_shared(&p).is_err());
        assert!(!is_locked_exclusively(&p));
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    }

    #[test]
    fn readers_share_and_exclude_the_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.lock");
        assert!(!is_locked_exclusively(&p), "no file, no holder");
        let first = try_lock_shared(&p).unwrap().expect("free");
        let second = try_lock_shared(&p).unwrap().expect("readers share");
        let err = lock_exclusive(&p, Duration::from_millis(60), |_| {}).unwrap_err();
        assert!(matches!(err, LockError::Timeout { .. }), "{err}");
        drop((first, second));
        let writer = lock_exclusive(&p, Duration::ZERO, |_| {})
            .unwrap()
            .into_lock();
        assert!(try_lock_shared(&p).unwrap().is_none(), "a writer holds it");
        assert!(is_locked_exclusively(&p));
        drop(writer);
        assert!(!is_locked_exclusively(&p));
        assert!(try_lock_shared(&p).unwrap().is_some());
    }
}
