//! File-system access that names its path in every error, writes
//! atomically, locks, and is the only code in penv that deletes.
//!
//! Invariant: every I/O error names the path it concerns ([`FsError`]); a
//! write is atomic or creates a new file, never a torn one; and penv's own
//! working files are never reached through a symlink ([`nofollow`]). The
//! parts: the wrappers and atomic write (here), advisory locks ([`lock`]),
//! directory-relative `O_NOFOLLOW` access ([`nofollow`]), deletion
//! ([`remove`]: the only code that removes anything), and a lexical path
//! normaliser ([`normalize_lexically`]).

mod digest;
mod digest_cache;
mod lock;
mod nofollow;
mod remove;

pub(crate) use digest::sha256_file;
pub(crate) use digest_cache::{DirDigests, remember_in};
pub(crate) use lock::{
    FileLock, LockError, LockOutcome, is_locked_exclusively, lock_exclusive, lock_shared,
    try_lock_existing, try_lock_existing_shared, try_lock_shared,
};
pub(crate) use nofollow::write_new_in;
pub(crate) use remove::{delete_file, remove_empty_dir, remove_tree_markers_last};

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// An I/O error with the operation and path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("failed to {op} `{path}`")]
pub struct FsError {
    /// What penv was doing ("read", "create directory", …).
    pub(crate) op: &'static str,
    /// The path it was doing it to.
    pub(crate) path: PathBuf,
    /// The OS error.
    #[source]
    pub(crate) source: io::Error,
}

impl FsError {
    /// Wraps `source` with what penv was doing to `path`.
    pub(crate) fn new(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            op,
            path: path.into(),
            source,
        }
    }

    /// What to do, when the OS said what is missing: a permission.
    pub(crate) fn hint(&self) -> Option<String> {
        (self.source.kind() == io::ErrorKind::PermissionDenied).then(|| {
            format!(
                "this user may not {} `{}`: run penv as one who may (the project's owner), or give this one access; `penv run --no-sync` runs the env as it is, writing nothing",
                self.op,
                crate::diagnostics::display_path(&self.path)
            )
        })
    }
}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, FsError>;

/// Opens `path` (through symlinks) for reading without waiting: with
/// `O_NONBLOCK`, so opening a FIFO does not wait for a writer, and
/// `O_NOCTTY`, so a terminal never becomes penv's. The rule for every file
/// penv reads: open so, then check what was opened ([`read`],
/// `text_file`), never the path before opening (that could be raced).
pub(crate) fn open_no_wait(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use nix::fcntl::OFlag;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOCTTY).bits());
    }
    options.open(path)
}

/// What a file that is not a regular one is, for messages: "a FIFO (named
/// pipe)", "a directory", "a character device"…
pub(crate) fn file_type_name(file_type: fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_file() {
        return "a regular file";
    }
    "an unknown kind of file"
}

/// Reads a whole regular file as bytes, never blocking: opened with
/// [`open_no_wait`], and anything else than a regular file (a FIFO, a
/// device, a socket, a directory) refused, naming what it is.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    let file = open_no_wait(path).map_err(|e| FsError::new("read", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| FsError::new("inspect", path, e))?;
    if !meta.is_file() {
        return Err(FsError::new(
            "read",
            path,
            io::Error::other(format!(
                "it is {}, not a regular file: penv reads only regular files (a FIFO would keep it waiting for a writer)",
                file_type_name(meta.file_type())
            )),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    io::Read::read_to_end(&mut &file, &mut bytes).map_err(|e| FsError::new("read", path, e))?;
    Ok(bytes)
}

/// Reads a regular file that may be absent ([`read`]'s rule): `Ok(None)`
/// when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.source.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates a directory and its parents.
pub(crate) fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| FsError::new("create directory", path, e))
}

/// What penv writes into each directory of its cache: the standard
/// `CACHEDIR.TAG` (backup tools skip the directory), whose comment line is
/// how `penv cache clean` knows the directory is penv's even when
/// `PENV_CACHE_DIR` points at a cache other tools share.
const CACHE_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is penv's cache: `penv cache clean` may delete it.\n";

/// Creates a directory of penv's cache, tagged as penv's (best effort: a
/// tag that cannot be written only makes `penv cache clean` leave it).
pub(crate) fn create_cache_dir(path: &Path) -> Result<()> {
    create_dir_all(path)?;
    let tag = path.join("CACHEDIR.TAG");
    if !tag.exists() {
        let _ = write_atomic(&tag, CACHE_TAG.as_bytes());
    }
    Ok(())
}

/// Renames `from` to `to` (same file system; atomic on POSIX).
pub(crate) fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| FsError::new("move", from, e))
}

/// Swaps the entries at `a` and `b` (both present, same file system) in
/// one step: Linux's `renameat2(RENAME_EXCHANGE)`, so that each path names
/// one of the two at every instant. `Ok(false)`, with nothing changed, where
/// the OS or the file system has no such call (another OS; `EINVAL`,
/// `ENOSYS` or `EOPNOTSUPP` from some file systems and old kernels).
pub(crate) fn exchange(a: &Path, b: &Path) -> Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use nix::errno::Errno;
        use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
        match renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE) {
            Ok(()) => Ok(true),
            Err(Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP) => Ok(false),
            Err(e) => Err(FsError::new("exchange", a, e.into())),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// The (device, inode) identity of the entry at `path` itself (`None` when
/// nothing is there, and always on Windows): a rename keeps it.
pub(crate) fn identity(path: &Path) -> Result<Option<(u64, u64)>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(lstat(path)?.map(|m| (m.dev(), m.ino())))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
}

/// `symlink_metadata` that maps "not found" to `None`.
pub(crate) fn lstat(path: &Path) -> Result<Option<fs::Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::new("inspect", path, e)),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over the target. Readers see
/// the old content or the new, never a torn file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with_mode(path, bytes, 0o644)
}

/// [`write_atomic`] for a file only its owner may read (0600): one that
/// holds a secret, such as index credentials pip is given.
pub(crate) fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with_mode(path, bytes, 0o600)
}

/// [`write_atomic`] with the file's permission bits (Unix; ignored
/// elsewhere): a git hook must stay executable, or disabled, as it was.
pub(crate) fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    synced_temp_beside(path, bytes, mode)?
        .persist(path)
        .map_err(|e| FsError::new("replace", path, e.error))?;
    Ok(())
}

/// A temporary file in `path`'s directory holding `bytes`, synced, with
/// the permission bits `mode`, ready to be linked into place.
fn synced_temp_beside(path: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".penv-tmp-")
        .tempfile_in(dir)
        .map_err(|e| FsError::new("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| set_mode(tmp.as_file(), mode))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| FsError::new("write", tmp.path(), e))?;
    Ok(tmp)
}

/// Creates `path` with `bytes`, atomically and only if nothing is there:
/// a temporary file in the same directory, linked into place without
/// replacing anything (an error of kind `AlreadyExists` if something is).
pub(crate) fn create_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    synced_temp_beside(path, bytes, 0o644)?
        .persist_noclobber(path)
        .map_err(|e| FsError::new("create", path, e.error))?;
    Ok(())
}

/// [`write_atomic`] for a file the user owns (a project file penv edits):
/// the new file gets the old one's permissions, and a symlink is written
/// through (its target is replaced), so a linked project file stays linked.
pub(crate) fn rewrite_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let permissions = fs::metadata(&target).ok().map(|m| m.permissions());
    write_atomic(&target, bytes)?;
    if let Some(permissions) = permissions {
        fs::set_permissions(&target, permissions)
            .map_err(|e| FsError::new("set the permissions of", &target, e))?;
    }
    Ok(())
}

/// Replaces `path` with `bytes` (a temporary file in the same directory,
/// then a rename: never torn), with `permissions`, without waiting for the
/// disk: for files of an env that is not complete yet, whose state file,
/// written and synced last, comes after (as pip's own files do).
pub(crate) fn replace_unsynced(
    path: &Path,
    bytes: &[u8],
    permissions: fs::Permissions,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".penv-tmp-")
        .tempfile_in(dir)
        .map_err(|e| FsError::new("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().set_permissions(permissions))
        .map_err(|e| FsError::new("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| FsError::new("replace", path, e.error))?;
    Ok(())
}

/// Temporary files are created 0600; what penv writes is ordinary data
/// (0644) unless the caller says otherwise.
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Whether `path` is a directory of its own: `Ok(false)` when nothing is
/// there; an error naming it when it is a symlink (penv never writes,
/// renames or deletes through one) or not a directory.
pub(crate) fn real_dir(path: &Path) -> Result<bool> {
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

/// Whether `dir` is an empty directory (a symlink is not a directory here).
pub(crate) fn is_empty_dir(dir: &Path) -> Result<bool> {
    let mut entries = fs::read_dir(dir).map_err(|e| FsError::new("list", dir, e))?;
    Ok(entries.next().is_none())
}

/// The names and types of the entries of `dir` (links not followed), in no
/// particular order.
pub(crate) fn list_dir(dir: &Path) -> Result<Vec<(std::ffi::OsString, fs::FileType)>> {
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
pub(crate) fn read_link(path: &Path) -> Result<PathBuf> {
    fs::read_link(path).map_err(|e| FsError::new("read the link", path, e))
}

/// Sets the modification time of `path` (a file or, on Unix, a directory).
pub(crate) fn set_modified(path: &Path, time: std::time::SystemTime) -> Result<()> {
    File::open(path)
        .and_then(|f| f.set_modified(time))
        .map_err(|e| FsError::new("set the modification time of", path, e))
}

/// `a/./b/../c` → `a/c`, without touching the file system: symlinks are
/// kept as written (an env path that is itself a symlink must stay visible
/// to the safety checks), and `..` at the root stays at the root. Relative
/// paths stay relative; make one absolute first when that matters.
pub(crate) fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A permission the user lacks is said with what to do; other errors
    /// have no general advice.
    #[test]
    fn a_permission_denied_says_what_to_do() {
        let denied = FsError::new(
            "open lock file",
            "/p/.penv/.venv.lock",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        let hint = denied.hint().unwrap();
        assert!(
            hint.starts_with("this user may not open lock file `/p/.penv/.venv.lock`"),
            "{hint}"
        );
        let missing = FsError::new("read", "/p/x", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(missing.hint(), None);
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
    fn normalize_lexically_drops_dots_without_resolving_links() {
        let cases = [
            ("a/./b/../c", "a/c"),
            ("/p/.venv/../links/h/me", "/p/links/h/me"),
            ("/../x", "/x"),
            ("./a/", "a"),
            ("a/b/..", "a"),
        ];
        for (given, want) in cases {
            assert_eq!(
                normalize_lexically(Path::new(given)),
                Path::new(want),
                "{given}"
            );
        }
    }
}
