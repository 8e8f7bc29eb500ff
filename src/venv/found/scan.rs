//! The scan for envs under a directory (`penv envs --scan`): a walk that
//! follows no symlink, skips `.git`, `node_modules` and penv's trash
//! (`.penv/trash`: envs being deleted), and does not
//! descend into an env once found (the root counts when it is one).
//!
//! It is as cheap as a walk can be, because a home directory has hundreds
//! of thousands of folders: each directory is opened once and listed once,
//! and nothing is `stat`ed — an entry's type comes from the listing itself
//! (`d_type`; only a file system that does not fill it in costs a `stat` of
//! that entry, never followed). An env is recognised in its own listing: a
//! regular file `pyvenv.cfg` or a real directory `conda-meta` (a symlink
//! named so is a link, not a marker). On Linux the listing is one
//! `getdents64` into a 32 KiB buffer (no `fstat` as `opendir` does); the
//! directories are shared among a few threads, one per core.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

/// What a listing says an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Dir,
    File,
    /// A symlink, a device, a socket… never followed, never a marker.
    Other,
}

/// The most threads a scan uses (more only contend for the disk).
const MAX_THREADS: usize = 8;

/// The envs under `root`, sorted (see the module doc).
pub(crate) fn scan(root: &Path) -> Vec<PathBuf> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS);
    let pool = Pool {
        state: Mutex::new(State {
            queue: vec![root.to_owned()],
            idle: 0,
            done: false,
            found: Vec::new(),
        }),
        wake: Condvar::new(),
        threads,
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(|| pool.work());
        }
        pool.work();
    });
    let mut found = pool
        .state
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .found;
    found.sort();
    found
}

/// The directories left to list, shared by the scan's threads.
struct Pool {
    state: Mutex<State>,
    wake: Condvar,
    threads: usize,
}

struct State {
    queue: Vec<PathBuf>,
    /// Threads waiting for work; when all are, the scan is over.
    idle: usize,
    done: bool,
    found: Vec<PathBuf>,
}

impl Pool {
    fn work(&self) {
        let mut lister = Lister::new();
        let mut children = Vec::new();
        while let Some(dir) = self.next() {
            children.clear();
            let env = lister.list(&dir, |name, kind| {
                let trash = name == "trash" && dir.file_name().is_some_and(|d| d == ".penv");
                if kind == Type::Dir && name != ".git" && name != "node_modules" && !trash {
                    children.push(dir.join(name));
                }
            });
            if env {
                children.clear();
            }
            let mut state = self.lock();
            if env {
                state.found.push(dir);
            } else if !children.is_empty() {
                state.queue.append(&mut children);
                drop(state);
                self.wake.notify_all();
            }
        }
    }

    /// The next directory to list; `None` once every thread is out of work.
    fn next(&self) -> Option<PathBuf> {
        let mut state = self.lock();
        loop {
            if let Some(dir) = state.queue.pop() {
                return Some(dir);
            }
            if state.done {
                return None;
            }
            state.idle += 1;
            if state.idle == self.threads {
                state.done = true;
                self.wake.notify_all();
                return None;
            }
            state = self
                .wake
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state.idle -= 1;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the queue half-changed: every
        // change is one push or pop.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether an entry of a listing marks its directory as an env.
fn is_marker(name: &std::ffi::OsStr, kind: Type) -> bool {
    (name == "pyvenv.cfg" && kind == Type::File) || (name == "conda-meta" && kind == Type::Dir)
}

/// Lists directories; on Linux with one reusable buffer per thread.
struct Lister {
    #[cfg(target_os = "linux")]
    buf: Vec<std::mem::MaybeUninit<u8>>,
}

impl Lister {
    fn new() -> Self {
        Self {
            #[cfg(target_os = "linux")]
            buf: vec![std::mem::MaybeUninit::uninit(); 32 * 1024],
        }
    }

    /// Lists `dir` (never through a symlink), giving `each` entry to
    /// `each` until a marker shows it is an env: then `true`, and what
    /// `each` was given is to be dropped. An unreadable directory is empty.
    #[cfg(target_os = "linux")]
    fn list(&mut self, dir: &Path, mut each: impl FnMut(&std::ffi::OsStr, Type)) -> bool {
        use std::os::unix::ffi::OsStrExt as _;

        use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let Ok(fd) = rustix::fs::openat(rustix::fs::CWD, dir, flags, Mode::empty()) else {
            return false;
        };
        let mut listing = RawDir::new(&fd, &mut self.buf);
        while let Some(Ok(entry)) = listing.next() {
            let name = std::ffi::OsStr::from_bytes(entry.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Directory => Type::Dir,
                FileType::RegularFile => Type::File,
                FileType::Unknown => {
                    match rustix::fs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                            FileType::Directory => Type::Dir,
                            FileType::RegularFile => Type::File,
                            _ => Type::Other,
                        },
                        Err(_) => Type::Other,
                    }
                }
                _ => Type::Other,
            };
            if is_marker(name, kind) {
                return true;
            }
            each(name, kind);
        }
        false
    }

    /// Lists `dir` (never through a symlink), giving `each` entry to
    /// `each` until a marker shows it is an env: then `true`, and what
    /// `each` was given is to be dropped. An unreadable directory is empty.
    #[cfg(not(target_os = "linux"))]
    #[expect(clippy::unused_self, reason = "the Linux lister keeps a buffer")]
    fn list(&mut self, dir: &Path, mut each: impl FnMut(&std::ffi::OsStr, Type)) -> bool {
        if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
            return false;
        }
        let Ok(listing) = std::fs::read_dir(dir) else {
            return false;
        };
        for entry in listing.flatten() {
            // The entry's own type (`d_type` where there is one), not its target's.
            let kind = match entry.file_type() {
                Ok(t) if t.is_dir() => Type::Dir,
                Ok(t) if t.is_file() => Type::File,
                _ => Type::Other,
            };
            let name = entry.file_name();
            if is_marker(&name, kind) {
                return true;
            }
            each(&name, kind);
        }
        false
    }
}
