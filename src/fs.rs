//! File-system access that names its path in every error, writes atomically,
//! locks, and is the only code in penv that deletes.
//!
//! Invariant: penv removes a directory only when it owns it — it carries
//! penv's state file or build marker, or is empty — and it removes the
//! contents first and the markers last, so a half-deleted env is still
//! recognisable as penv's. Symlinks are removed as links, never followed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An I/O error with the operation and path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("failed to {op} `{path}`")]
pub struct FsError {
    /// What penv was doing ("read", "create directory", …).
    pub op: &'static str,
    /// The path it was doing it to.
    pub path: PathBuf,
    /// The OS error.
    #[source]
    pub source: io::Error,
}

impl FsError {
    /// Wraps `source` with what penv was doing to `path`.
    pub fn new(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            op,
            path: path.into(),
            source,
        }
    }

    /// The underlying OS error kind.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, FsError>;

/// Reads a whole file as bytes.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| FsError::new("read", path, e))
}

/// Reads a file that may be absent: `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::new("read", path, e)),
    }
}

/// Creates a directory and its parents.
pub fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| FsError::new("create directory", path, e))
}

/// Renames `from` to `to` (same file system; atomic on POSIX).
pub fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| FsError::new("move", from, e))
}

/// `symlink_metadata` that maps "not found" to `None`.
pub fn lstat(path: &Path) -> Result<Option<fs::Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::new("inspect", path, e)),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over the target. Readers see
/// the old content or the new, never a torn file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".penv-tmp-")
        .tempfile_in(dir)
        .map_err(|e| FsError::new("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| set_readable(tmp.as_file()))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| FsError::new("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| FsError::new("replace", path, e.error))?;
    Ok(())
}

/// Temporary files are created 0600; what penv writes is ordinary data (0644).
fn set_readable(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Creates `path` with `bytes`, failing if it already exists (never
/// check-then-write).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| FsError::new("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| FsError::new("write", path, e))
}

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
    pub fn share_with_children(&self) {
        #[cfg(unix)]
        {
            use nix::fcntl::{FcntlArg, FdFlag, fcntl};
            // Best effort: without it, a killed penv's pip may outlive the lock.
            let _ = fcntl(&self.file, FcntlArg::F_SETFD(FdFlag::empty()));
        }
    }

    /// Undoes [`FileLock::share_with_children`]: from now on an `exec` (or a
    /// child) does not carry the lock, so `penv run` releases it as it
    /// becomes the user's command.
    pub fn keep_from_children(&self) {
        #[cfg(unix)]
        {
            use nix::fcntl::{FcntlArg, FdFlag, fcntl};
            // Best effort: the failure mode is a lock held until the command exits.
            let _ = fcntl(&self.file, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
        }
    }
}

/// Opens (creating it if needed, in an existing directory) a lock file,
/// never through a symlink: a link planted there must not make penv create
/// or write some other file.
fn open_lock_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    }
    options
        .open(path)
        .map_err(|e| FsError::new("open lock file", path, e))
}

/// Whether a writer holds the lock at `path` right now (a missing lock file
/// is held by nobody; nothing is created).
pub fn is_locked_exclusively(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(fs::TryLockError::WouldBlock))
}

/// Takes a shared lock on `path` without waiting: `Ok(None)` when a writer
/// holds it exclusively. Readers hold it across "check the env, then use it",
/// so no rebuild can start in between.
pub fn try_lock_shared(path: &Path) -> Result<Option<FileLock>> {
    let file = open_lock_file(path)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(FileLock { file })),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(FsError::new("lock", path, e)),
    }
}

/// What happened while taking a lock.
#[derive(Debug)]
pub enum LockOutcome {
    /// The lock was free.
    Acquired(FileLock),
    /// Another process holds it; `waiting` was called once, then the lock came.
    AcquiredAfterWait(FileLock, Duration),
}

impl LockOutcome {
    /// The lock, however it came.
    pub fn into_lock(self) -> FileLock {
        match self {
            Self::Acquired(l) | Self::AcquiredAfterWait(l, _) => l,
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
pub fn lock_exclusive(
    path: &Path,
    timeout: Duration,
    on_wait: impl FnOnce(Option<&str>),
) -> std::result::Result<LockOutcome, LockError> {
    let mut file = open_lock_file(path)?;
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(path).ok().map(|s| s.trim().to_owned());
                let holder = holder.filter(|h| !h.is_empty());
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
    // Best effort: the pid is for messages only, the lock is the truth.
    let _ = file
        .set_len(0)
        .and_then(|()| file.write_all(format!("pid {}\n", std::process::id()).as_bytes()));
    let lock = FileLock { file };
    Ok(if waited {
        LockOutcome::AcquiredAfterWait(lock, start.elapsed())
    } else {
        LockOutcome::Acquired(lock)
    })
}

/// Whether `dir` is an empty directory (a symlink is not a directory here).
pub fn is_empty_dir(dir: &Path) -> Result<bool> {
    let mut entries = fs::read_dir(dir).map_err(|e| FsError::new("list", dir, e))?;
    Ok(entries.next().is_none())
}

/// The names and types of the entries of `dir` (links not followed), in no
/// particular order.
pub fn list_dir(dir: &Path) -> Result<Vec<(std::ffi::OsString, fs::FileType)>> {
    let entries = fs::read_dir(dir).map_err(|e| FsError::new("list", dir, e))?;
    entries
        .map(|entry| {
            let entry = entry.map_err(|e| FsError::new("list", dir, e))?;
            let kind = entry
                .file_type()
                .map_err(|e| FsError::new("inspect", entry.path(), e))?;
            Ok((entry.file_name(), kind))
        })
        .collect()
}

/// A symlink's target, as written (not resolved).
pub fn read_link(path: &Path) -> Result<PathBuf> {
    fs::read_link(path).map_err(|e| FsError::new("read the link", path, e))
}

/// Sets the modification time of `path` (a file or, on Unix, a directory).
pub fn set_modified(path: &Path, time: std::time::SystemTime) -> Result<()> {
    File::open(path)
        .and_then(|f| f.set_modified(time))
        .map_err(|e| FsError::new("set the modification time of", path, e))
}

/// Removes a directory that penv owns: everything but the `markers` first
/// (depth-first, symlinks removed as links and never followed), then the
/// markers in the order given, then the directory itself.
///
/// Callers establish ownership (see `venv::owned`); this function refuses a
/// symlink at `dir` itself, so it can never walk out of the tree.
pub fn remove_owned_dir(dir: &Path, markers: &[&str]) -> Result<()> {
    let Some(meta) = lstat(dir)? else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(FsError::new(
            "remove (not a directory)",
            dir,
            io::Error::other("refusing to remove a non-directory as an environment"),
        ));
    }
    let entries = fs::read_dir(dir).map_err(|e| FsError::new("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| FsError::new("list", dir, e))?;
        let name = entry.file_name();
        if markers.iter().any(|m| name == *m) {
            continue;
        }
        remove_tree(&entry.path())?;
    }
    for marker in markers {
        let p = dir.join(marker);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(FsError::new("remove", p, e)),
        }
    }
    fs::remove_dir(dir).map_err(|e| FsError::new("remove", dir, e))
}

/// Removes a file, a symlink (as a link) or a directory tree (not following links).
fn remove_tree(path: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(path).map_err(|e| FsError::new("inspect", path, e))?;
    if meta.is_dir() {
        // `remove_dir_all` does not follow symlinks inside the tree.
        fs::remove_dir_all(path).map_err(|e| FsError::new("remove", path, e))
    } else {
        fs::remove_file(path).map_err(|e| FsError::new("remove", path, e))
    }
}

/// Hard-links `from` to `to`, falling back to a copy across devices.
pub fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| FsError::new("copy", from, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_owned_dir_keeps_markers_until_last_and_does_not_follow_links() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("precious"), "keep").unwrap();
        let env = tmp.path().join("env");
        fs::create_dir_all(env.join("lib/sub")).unwrap();
        fs::write(env.join("lib/sub/x.py"), "").unwrap();
        fs::write(env.join("penv-state.json"), "{}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, env.join("lib/link")).unwrap();
        remove_owned_dir(&env, &["penv-state.json"]).unwrap();
        assert!(!env.exists());
        assert_eq!(
            fs::read_to_string(outside.join("precious")).unwrap(),
            "keep"
        );
    }

    #[cfg(unix)]
    #[test]
    fn remove_owned_dir_refuses_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("f"), "").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(remove_owned_dir(&link, &[]).is_err());
        assert!(real.join("f").exists());
    }

    #[test]
    fn write_atomic_replaces_content() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

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
