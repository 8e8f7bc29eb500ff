//! Access to penv's working files relative to a directory descriptor opened
//! with `O_NOFOLLOW`.
//!
//! Invariant: no link — planted or swapped in, at the directory or at the
//! name — makes penv create or write a file outside its own tree: the
//! directory is opened without following a link at its name, and the file
//! is opened relative to that descriptor, again without following one.

use std::fs::File;
#[cfg(not(unix))]
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

#[cfg(not(unix))]
use super::real_dir;
use super::{FsError, Result};

/// `path`'s directory and file name.
pub(super) fn split(path: &Path) -> Result<(&Path, &std::ffi::OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| FsError::new("use", path, io::Error::other("it has no file name")))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    Ok((dir.unwrap_or(Path::new(".")), name))
}

/// Opens directory `dir` for `*at` operations, failing (with "it is a
/// symlink") rather than following a link at its name.
#[cfg(unix)]
pub(super) fn open_dir_nofollow(dir: &Path) -> io::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::{OFlag, open};
    use nix::sys::stat::Mode;
    open(
        dir,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        // Linux says ENOTDIR for a symlink opened with O_DIRECTORY|O_NOFOLLOW.
        let link = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
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
pub(super) fn nofollow_error(e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) {
        io::Error::other(
            "it is a symlink; penv does not follow links in its working files (make it a plain directory or file)",
        )
    } else {
        e
    }
}

/// Creates file `name` in directory `dir` with `bytes`, failing if it exists
/// — and never through a symlink, at `dir` or at `name` (on Unix the file is
/// opened relative to `dir`, itself opened with `O_NOFOLLOW`).
pub(crate) fn write_new_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::real_dir;

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
}
