//! Deletion: the only code in penv that removes a file or a directory.
//!
//! Invariant: nothing is removed through a symlink. A directory tree is
//! removed only as [`remove_tree_markers_last`] does it — the caller (only
//! `venv::owned`, which holds the ownership evidence) has established that
//! penv owns it — contents first and the markers last, so a half-deleted
//! env is still recognisable as penv's; every step below it is relative to
//! a descriptor opened with `O_NOFOLLOW` (`openat`/`unlinkat`), so a link
//! anywhere in the tree is removed as a link and nothing outside it is
//! touched. Single files penv wrote itself (an intent record, a build
//! marker) go through [`delete_file`]; an empty directory through
//! [`remove_empty_dir`].

use std::fs;
use std::io;
use std::path::Path;

use super::{FsError, Result, lstat};

/// Removes a single file penv wrote itself (an intent record, a build
/// marker), or a symlink as a link; nothing there is fine.
pub(crate) fn delete_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FsError::new("remove", path, e)),
    }
}

/// Removes the empty directory `dir` (`rmdir`: fails on one with entries).
pub(crate) fn remove_empty_dir(dir: &Path) -> Result<()> {
    fs::remove_dir(dir).map_err(|e| FsError::new("remove", dir, e))
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
pub(crate) fn remove_tree_markers_last(dir: &Path, markers: &[&str]) -> Result<()> {
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
        let fd =
            super::nofollow::open_dir_nofollow(dir).map_err(|e| FsError::new("remove", dir, e))?;
        remove_contents_at(&fd, dir, markers)?;
        for marker in markers {
            remove_marker_at(&fd, dir, marker)?;
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
            if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                remove_tree(&p)?;
                continue;
            }
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FsError::new("remove", p, e)),
            }
        }
    }
    fs::remove_dir(dir).map_err(|e| FsError::new("remove", dir, e))
}

/// Removes the marker `name` of the directory open at `fd`: a file or a
/// link is unlinked; a real directory (conda's `conda-meta/`) is emptied
/// without following links, then removed.
#[cfg(unix)]
fn remove_marker_at(fd: &std::os::fd::OwnedFd, dir: &Path, name: &str) -> Result<()> {
    use nix::fcntl::{AtFlags, OFlag, openat};
    use nix::sys::stat::{Mode, SFlag, fstatat};
    use nix::unistd::{UnlinkatFlags, unlinkat};
    let path = dir.join(name);
    let stat = match fstatat(fd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(stat) => stat,
        Err(nix::errno::Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(FsError::new("inspect", path, e.into())),
    };
    let is_dir = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
    if is_dir {
        let sub = openat(
            fd,
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| FsError::new("remove", &path, e.into()))?;
        remove_contents_at(&sub, &path, &[])?;
    }
    let flag = if is_dir {
        UnlinkatFlags::RemoveDir
    } else {
        UnlinkatFlags::NoRemoveDir
    };
    match unlinkat(fd, name, flag) {
        Ok(()) | Err(nix::errno::Errno::ENOENT) => Ok(()),
        Err(e) => Err(FsError::new("remove", path, e.into())),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_removal_keeps_markers_until_last_and_does_not_follow_links() {
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
        remove_tree_markers_last(&env, &["penv-state.json"]).unwrap();
        assert!(!env.exists());
        assert_eq!(
            fs::read_to_string(outside.join("precious")).unwrap(),
            "keep"
        );
    }

    #[cfg(unix)]
    #[test]
    fn tree_removal_refuses_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("f"), "").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(remove_tree_markers_last(&link, &[]).is_err());
        assert!(real.join("f").exists());
    }
}
