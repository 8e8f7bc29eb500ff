//! File-system access that names its path in every error, writes atomically,
//! locks, and is the only code in penv that deletes.
//!
//! Invariant: penv removes a directory only when it owns it (the callers
//! establish that by evidence, see `venv::owned`) and it removes the
//! contents first and the markers last, so a half-deleted env is still
//! recognisable as penv's. Symlinks are removed as links, never followed:
//! deletion, markers and lock files work relative to a directory descriptor
//! opened with `O_NOFOLLOW`, so no link — planted or swapped in — makes penv
//! write or delete outside its own tree. Lock files are never truncated.

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
        let (dir, name) = split(path)?;
        let dir = open_dir_nofollow(dir).map_err(|e| FsError::new("open lock file", path, e))?;
        let mut flags = OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        flags |= if create {
            OFlag::O_RDWR | OFlag::O_CREAT
        } else {
            OFlag::O_RDONLY
        };
        let fd = openat(&dir, name, flags, Mode::from_bits_truncate(0o644))
            .map_err(|e| FsError::new("open lock file", path, nofollow_error(e.into())))?;
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

/// `path`'s directory and file name.
fn split(path: &Path) -> Result<(&Path, &std::ffi::OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| FsError::new("use", path, io::Error::other("it has no file name")))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    Ok((dir.unwrap_or(Path::new(".")), name))
}

/// Opens directory `dir` for `*at` operations, failing (with "it is a
/// symlink") rather than following a link at its name.
#[cfg(unix)]
fn open_dir_nofollow(dir: &Path) -> io::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::{OFlag, open};
    use nix::sys::stat::Mode;
    open(
        dir,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        // Linux says ENOTDIR for a symlink opened with O_DIRECTORY|O_NOFOLLOW.
        let link = fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
        if link {
            nofollow_error(io::Error::from_raw_os_error(
                nix::errno::Errno::ELOOP as i32,
            ))
        } else {
            e.into()
        }
    })
}

/// `ELOOP` from an `O_NOFOLLOW` open, in words.
#[cfg(unix)]
fn nofollow_error(e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) {
        io::Error::other(
            "it is a symlink; penv does not follow links in its working files (make it a plain directory or file)",
        )
    } else {
        e
    }
}

/// Whether `path` is a directory of its own: `Ok(false)` when nothing is
/// there; an error naming it when it is a symlink (penv never writes,
/// renames or deletes through one) or not a directory.
pub fn real_dir(path: &Path) -> Result<bool> {
    let Some(meta) = lstat(path)? else {
        return Ok(false);
    };
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path).unwrap_or_default();
        return Err(FsError::new(
            "use",
            path,
            io::Error::other(format!(
                "it is a symlink (to `{}`) where penv expects a directory of its own; penv never writes, renames or deletes through a link: remove the link",
                target.display()
            )),
        ));
    }
    if !meta.is_dir() {
        return Err(FsError::new(
            "use",
            path,
            io::Error::other("it is not a directory; move it away"),
        ));
    }
    Ok(true)
}

/// Creates file `name` in directory `dir` with `bytes`, failing if it exists
/// — and never through a symlink, at `dir` or at `name` (on Unix the file is
/// opened relative to `dir`, itself opened with `O_NOFOLLOW`).
pub fn write_new_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    #[cfg(unix)]
    let mut file = {
        use nix::fcntl::{OFlag, openat};
        use nix::sys::stat::Mode;
        let dirfd = open_dir_nofollow(dir).map_err(|e| FsError::new("create", &path, e))?;
        let flags =
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let fd = openat(&dirfd, name, flags, Mode::from_bits_truncate(0o644))
            .map_err(|e| FsError::new("create", &path, io::Error::from(e)))?;
        File::from(fd)
    };
    #[cfg(not(unix))]
    let mut file = {
        real_dir(dir)?;
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| FsError::new("create", &path, e))?
    };
    file.write_all(bytes)
        .map_err(|e| FsError::new("write", &path, e))
}

/// Whether a writer holds the lock at `path` right now (a missing lock file
/// is held by nobody; nothing is created).
pub fn is_locked_exclusively(path: &Path) -> bool {
    let Ok(file) = open_lock_file(path, false) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(fs::TryLockError::WouldBlock))
}

/// Takes a shared lock on `path` without waiting: `Ok(None)` when a writer
/// holds it exclusively. Readers hold it across "check the env, then use it",
/// so no rebuild can start in between.
pub fn try_lock_shared(path: &Path) -> Result<Option<FileLock>> {
    let file = open_lock_file(path, true)?;
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
        LockOutcome::AcquiredAfterWait(lock, start.elapsed())
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
/// Callers establish ownership (see `venv::owned`). A symlink at `dir` is
/// refused; on Unix every step below it is relative to a descriptor of the
/// directory opened without following links (`openat`/`unlinkat`), so a
/// link planted — or swapped in — anywhere in the tree is removed as a
/// link, and nothing outside the tree is ever touched.
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
    #[cfg(unix)]
    {
        let fd = open_dir_nofollow(dir).map_err(|e| FsError::new("remove", dir, e))?;
        remove_contents_at(&fd, dir, markers)?;
        for marker in markers {
            match nix::unistd::unlinkat(&fd, *marker, nix::unistd::UnlinkatFlags::NoRemoveDir) {
                Ok(()) | Err(nix::errno::Errno::ENOENT) => {}
                Err(e) => return Err(FsError::new("remove", dir.join(marker), e.into())),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let entries = fs::read_dir(dir).map_err(|e| FsError::new("list", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| FsError::new("list", dir, e))?;
            if markers.iter().any(|m| entry.file_name() == *m) {
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
    }
    fs::remove_dir(dir).map_err(|e| FsError::new("remove", dir, e))
}

/// Removes everything in the directory open at `fd` (named `path` in
/// errors) but the entries named in `skip`, never following a link.
#[cfg(unix)]
fn remove_contents_at(fd: &std::os::fd::OwnedFd, path: &Path, skip: &[&str]) -> Result<()> {
    use nix::fcntl::{AtFlags, OFlag, openat};
    use nix::sys::stat::{Mode, SFlag, fstatat};
    use nix::unistd::{UnlinkatFlags, unlinkat};
    use std::os::unix::ffi::OsStrExt;

    // The names first, then the removals: a directory is not changed while
    // it is being read.
    let names: Vec<std::ffi::OsString> = {
        let dir = nix::dir::Dir::openat(
            fd,
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| FsError::new("list", path, e.into()))?;
        let mut names = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| FsError::new("list", path, e.into()))?;
            let name = std::ffi::OsStr::from_bytes(entry.file_name().to_bytes());
            if name != "." && name != ".." && !skip.iter().any(|s| name == *s) {
                names.push(name.to_owned());
            }
        }
        names
    };
    for name in names {
        let child = path.join(&name);
        let stat = match fstatat(fd, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(e) => return Err(FsError::new("inspect", child, e.into())),
        };
        let is_dir = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
        if is_dir {
            let sub = openat(
                fd,
                name.as_os_str(),
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| FsError::new("remove", &child, e.into()))?;
            remove_contents_at(&sub, &child, &[])?;
        }
        let flag = if is_dir {
            UnlinkatFlags::RemoveDir
        } else {
            UnlinkatFlags::NoRemoveDir
        };
        match unlinkat(fd, name.as_os_str(), flag) {
            Ok(()) | Err(nix::errno::Errno::ENOENT) => {}
            Err(e) => return Err(FsError::new("remove", child, e.into())),
        }
    }
    Ok(())
}

/// Removes a file, a symlink (as a link) or a directory tree (not following links).
#[cfg(not(unix))]
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
        {
            std::os::unix::fs::symlink(&outside, env.join("lib/link")).unwrap();
            std::os::unix::fs::symlink(outside.join("precious"), env.join("file-link")).unwrap();
        }
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

    #[cfg(unix)]
    #[test]
    fn write_new_in_never_writes_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_new_in(&link, "marker", b"x").is_err());
        assert!(real_dir(&link).is_err());
        std::os::unix::fs::symlink(target.join("victim"), tmp.path().join("marker")).unwrap();
        assert!(write_new_in(tmp.path(), "marker", b"x").is_err());
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
        write_new_in(&target, "marker", b"x").unwrap();
        assert_eq!(std::fs::read(target.join("marker")).unwrap(), b"x");
        assert!(real_dir(&target).unwrap());
        assert!(!real_dir(&tmp.path().join("nothing")).unwrap());
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
