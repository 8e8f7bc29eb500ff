//! Cloning an env's tree: every directory made anew, every symlink made
//! again with the same target, every file reflinked, hard-linked or copied
//! (the link mode, as uv's `--link-mode`).
//!
//! Invariant: the source is never written, and by default (`auto`: a
//! reflink, else a copy) the clone shares nothing with it, so an edit in
//! one env never reaches another. A hard link (`hardlink`, only when asked
//! for) shares the file's inode, which is safe for everything pip and
//! Python do to an env (pip unlinks a file before it writes one in its
//! place, uninstalls by unlinking or renaming, and bytecode is written to a
//! temporary file then renamed), and for penv's own rewrites (a temporary
//! file renamed over the old one). The exception is `*.pth`, which pip
//! edits in place: those are copied. Otherwise an edit made in place by
//! hand shows in both.
//!
//! The top-level `penv-state.json` and penv's build marker are never
//! cloned: the clone is a new env, whose state is written when it is done.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::fs::FsError;

pub(crate) use crate::project::LinkMode;

/// What a clone did: the mode its files were cloned with (for `Auto`, the
/// one the file system took), and how many files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cloned {
    pub(crate) mode: LinkMode,
    pub(crate) files: usize,
}

/// Clones the tree of `from` into `to`, a directory that exists (penv's
/// staging directory: its build marker is left alone), but for the paths
/// of `left_out` (relative to `from`; a directory is left out whole): the
/// files of distributions a derive or the store uninstalls, never copied
/// rather than copied then uninstalled. A directory left empty by them
/// (and by nothing else: it had other entries in `from`) is not kept
/// either, as pip's uninstall takes a directory whose files it all
/// removes. Directories and symlinks are made in one walk, then the files
/// are cloned by one thread per core (an env is thousands of small files:
/// the system calls are the cost); each directory gets its permissions
/// last, so a read-only one still receives its files.
pub(crate) fn clone_tree_without(
    from: &Path,
    to: &Path,
    mode: LinkMode,
    left_out: &BTreeSet<PathBuf>,
) -> Result<Cloned, FsError> {
    let skip = [
        from.join(crate::state::STATE_FILE),
        from.join(super::owned::BUILD_MARKER),
    ];
    let walk = walkdir::WalkDir::new(from)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.path()
                .strip_prefix(from)
                .map_or(true, |r| !left_out.contains(r))
        });
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(from).to_owned();
            FsError::new("read", &path, e.into())
        })?;
        let source = entry.path();
        if skip.iter().any(|s| s == source) {
            continue;
        }
        let relative = source.strip_prefix(from).unwrap_or(source);
        let target = to.join(relative);
        let kind = entry.file_type();
        if kind.is_dir() {
            std::fs::create_dir(&target)
                .map_err(|e| FsError::new("create directory", &target, e))?;
            let permissions = entry
                .metadata()
                .map_err(|e| FsError::new("inspect", source, e.into()))?
                .permissions();
            dirs.push((target, permissions));
        } else if kind.is_symlink() {
            let link = std::fs::read_link(source).map_err(|e| FsError::new("read", source, e))?;
            symlink(&link, &target)?;
        } else {
            files.push((source.to_owned(), target));
        }
    }
    // pip rewrites `*.pth` files in place (`easy-install.pth` when it
    // uninstalls a legacy editable): a hard link would carry the edit
    // into the env cloned from, so those are copied.
    let is_pth = |p: &Path| p.extension().is_some_and(|e| e == "pth");
    // `Auto` settles on the first other file's mode; the rest take it.
    let mut mode = mode;
    let first = files.iter().position(|(source, _)| !is_pth(source));
    match first {
        Some(i) => mode = clone_file(&files[i].0, &files[i].1, mode)?,
        None if mode == LinkMode::Auto => mode = LinkMode::Copy,
        None => {}
    }
    let file_mode = |source: &Path| {
        if mode == LinkMode::Hardlink && is_pth(source) {
            LinkMode::Copy
        } else {
            mode
        }
    };
    let rest: Vec<&(std::path::PathBuf, std::path::PathBuf)> = files
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != first)
        .map(|(_, f)| f)
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    let chunk = rest.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = rest
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter().try_for_each(|(source, target)| {
                        clone_file(source, target, file_mode(source)).map(drop)
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })?;
    // Deepest first: a parent emptied by its emptied children goes too.
    let emptied: BTreeSet<&Path> = left_out
        .iter()
        .flat_map(|p| p.ancestors().skip(1))
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    for (dir, permissions) in dirs.into_iter().rev() {
        let relative = dir.strip_prefix(to).unwrap_or(&dir);
        if emptied.contains(relative) && crate::fs::is_empty_dir(&dir)? {
            crate::fs::remove_empty_dir(&dir)?;
            continue;
        }
        std::fs::set_permissions(&dir, permissions)
            .map_err(|e| FsError::new("set the permissions of", &dir, e))?;
    }
    Ok(Cloned {
        mode,
        files: files.len(),
    })
}

/// Clones one file; returns the mode to go on with (`Auto` settles on the
/// first one that works).
fn clone_file(from: &Path, to: &Path, mode: LinkMode) -> Result<LinkMode, FsError> {
    match mode {
        LinkMode::Clone => reflink(from, to).map(|()| mode),
        // Where the file system refuses a hard link (another disk, a
        // file system without them, too many links to one file), a copy,
        // as uv does; the first file settles the mode the clone reports.
        LinkMode::Hardlink => match std::fs::hard_link(from, to) {
            Ok(()) => Ok(mode),
            Err(_) => copy(from, to).map(|()| LinkMode::Copy),
        },
        LinkMode::Copy => copy(from, to).map(|()| mode),
        // Never a hard link unless asked for: a file shared between envs
        // carries an edit made in place in one (a debug print in
        // site-packages) into every other, the store's entry included.
        LinkMode::Auto => {
            if reflink(from, to).is_ok() {
                return Ok(LinkMode::Clone);
            }
            let _ = std::fs::remove_file(to);
            copy(from, to).map(|()| LinkMode::Copy)
        }
    }
}

/// A copy of `from` at `to`, with its permissions and times; never over a
/// file.
pub(crate) fn copy(from: &Path, to: &Path) -> Result<(), FsError> {
    let mut source = std::fs::File::open(from).map_err(|e| FsError::new("open", from, e))?;
    let meta = source
        .metadata()
        .map_err(|e| FsError::new("inspect", from, e))?;
    let mut target = std::fs::File::create_new(to).map_err(|e| FsError::new("create", to, e))?;
    std::io::copy(&mut source, &mut target)
        .and_then(|_| keep_metadata(&target, &meta))
        .map_err(|e| FsError::new("copy", to, e))
}

/// Gives a copy its source's permissions and modification time. The time
/// matters: Python trusts a `.pyc` only while its source's mtime is the one
/// recorded in it, so a copy with a new mtime would have every module
/// compiled again on its next import (and, in a read-only `__pycache__`,
/// on every import): a cloned env must start as fast as the one it copies.
fn keep_metadata(target: &std::fs::File, source: &std::fs::Metadata) -> std::io::Result<()> {
    target.set_permissions(source.permissions())?;
    let mut times = std::fs::FileTimes::new();
    if let Ok(modified) = source.modified() {
        times = times.set_modified(modified);
    }
    if let Ok(accessed) = source.accessed() {
        times = times.set_accessed(accessed);
    }
    target.set_times(times)
}

/// A copy-on-write clone of `from` at `to` (`FICLONE` on Linux).
fn reflink(from: &Path, to: &Path) -> Result<(), FsError> {
    #[cfg(target_os = "linux")]
    {
        let source = std::fs::File::open(from).map_err(|e| FsError::new("open", from, e))?;
        let meta = source
            .metadata()
            .map_err(|e| FsError::new("inspect", from, e))?;
        let target = std::fs::File::create_new(to).map_err(|e| FsError::new("create", to, e))?;
        let cloned = rustix::fs::ioctl_ficlone(&target, &source)
            .map_err(|e| FsError::new("reflink", to, std::io::Error::from(e)))
            .and_then(|()| {
                keep_metadata(&target, &meta)
                    .map_err(|e| FsError::new("set the permissions and times of", to, e))
            });
        if cloned.is_err() {
            drop(target);
            let _ = std::fs::remove_file(to);
        }
        cloned
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = from;
        Err(FsError::new(
            "reflink",
            to,
            std::io::Error::other("reflinks are only made on Linux"),
        ))
    }
}

fn symlink(link: &Path, at: &Path) -> Result<(), FsError> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(link, at).map_err(|e| FsError::new("create the symlink", at, e))
    }
    #[cfg(not(unix))]
    {
        let _ = link;
        Err(FsError::new(
            "create the symlink",
            at,
            std::io::Error::other("envs are cloned on Unix only"),
        ))
    }
}

/// The files of `dir` (recursively) that share an inode with a file of
/// `other`: for tests and `-v`.
#[cfg(test)]
pub(crate) fn shared_files(dir: &Path, other: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap();
        let (Ok(a), Ok(b)) = (entry.metadata(), std::fs::metadata(other.join(relative))) else {
            continue;
        };
        if a.ino() == b.ino() && a.dev() == b.dev() {
            out.push(relative.to_owned());
        }
    }
    out
}

#[cfg(test)]
#[path = "clone_tests.rs"]
mod tests;
