//! The sha256 of a directory's files, remembered between runs by each
//! file's identity, so that listing a `find-links` directory of hundreds of
//! wheels costs a `stat` per file when nothing changed, not a read.
//!
//! Invariant: a remembered digest is used only for the same file as
//! `stat` sees it — device, inode, size, modification and change time to
//! the nanosecond (the change time cannot be set back by hand: any write,
//! `touch` or `chmod` moves it) — and is remembered only for a file whose
//! times are at least [`SETTLED`] old when it is hashed, so a write in the
//! same clock tick as the hash cannot hide behind equal times (git's "racy
//! clean" problem). A cache that cannot be read or written is no cache:
//! every file is hashed, as without one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// Where the caches are kept (penv's cache directory), set once per run.
static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// How old a file's times must be for its digest to be remembered.
const SETTLED: Duration = Duration::from_secs(2);

/// Keeps the digests under `cache_dir` from now on in this process.
pub(crate) fn remember_in(cache_dir: &Path) {
    let _ = ROOT.set(cache_dir.join("digests"));
}

/// A file's identity as `stat` gives it.
type Key = [i64; 7];

#[derive(Default, Serialize, Deserialize)]
struct Stored {
    /// By file name: its identity and sha256.
    files: BTreeMap<String, (Key, String)>,
}

/// The remembered digests of one directory's files.
pub(crate) struct DirDigests {
    file: Option<PathBuf>,
    stored: Stored,
    seen: Stored,
    changed: bool,
}

impl DirDigests {
    /// The digests remembered for `dir` (none when there is no cache).
    pub(crate) fn open(dir: &Path) -> Self {
        use sha2::{Digest, Sha256};
        let file = ROOT.get().map(|root| {
            let id = Sha256::digest(dir.as_os_str().as_encoded_bytes());
            root.join(format!("{}.json", hex::encode(&id[..16])))
        });
        let stored = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            file,
            stored,
            seen: Stored::default(),
            changed: false,
        }
    }

    /// The sha256 of the regular file `path` named `name` in the directory,
    /// remembered when its identity is unchanged.
    pub(crate) fn sha256(&mut self, path: &Path, name: &str) -> super::Result<String> {
        let meta = std::fs::metadata(path).map_err(|e| super::FsError::new("inspect", path, e))?;
        let key = key(&meta);
        if let Some(key) = key
            && let Some((known, digest)) = self.stored.files.get(name)
            && *known == key
        {
            self.seen
                .files
                .insert(name.to_owned(), (key, digest.clone()));
            return Ok(digest.clone());
        }
        let digest = super::sha256_file(path)?;
        if let Some(key) = key.filter(|_| settled(&meta)) {
            self.seen
                .files
                .insert(name.to_owned(), (key, digest.clone()));
            self.changed = true;
        }
        Ok(digest)
    }

    /// Writes the digests of the files seen (only those: a file removed
    /// from the directory is forgotten), when any was hashed anew.
    pub(crate) fn save(self) {
        let forgot = self.seen.files.len() != self.stored.files.len();
        if let Some(file) = self.file.filter(|_| self.changed || forgot)
            && let Some(parent) = file.parent()
            && super::create_cache_dir(parent).is_ok()
            && let Ok(json) = serde_json::to_vec(&self.seen)
        {
            let _ = super::write_atomic(&file, &json);
        }
    }
}

#[cfg(unix)]
fn key(meta: &std::fs::Metadata) -> Option<Key> {
    use std::os::unix::fs::MetadataExt as _;
    let wide = |n: u64| i64::try_from(n).ok();
    Some([
        wide(meta.dev())?,
        wide(meta.ino())?,
        wide(meta.size())?,
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
    ])
}

#[cfg(not(unix))]
fn key(_: &std::fs::Metadata) -> Option<Key> {
    None
}

/// Whether the file's modification (and, on Unix, change) time is at
/// least [`SETTLED`] in the past.
fn settled(meta: &std::fs::Metadata) -> bool {
    let Some(horizon) = SystemTime::now().checked_sub(SETTLED) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let changed = SystemTime::UNIX_EPOCH
            + Duration::new(
                u64::try_from(meta.ctime()).unwrap_or(u64::MAX),
                u32::try_from(meta.ctime_nsec()).unwrap_or(0),
            );
        if changed > horizon {
            return false;
        }
    }
    meta.modified().is_ok_and(|m| m <= horizon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_file_is_hashed_again_and_a_settled_one_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let wheels = dir.path().join("wheels");
        std::fs::create_dir(&wheels).unwrap();
        let file = wheels.join("a-1.0-py3-none-any.whl");
        std::fs::write(&file, b"one").unwrap();
        let old = SystemTime::now() - Duration::from_mins(1);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let store = |d: &mut DirDigests| d.sha256(&file, "a-1.0-py3-none-any.whl").unwrap();
        let mut digests = DirDigests {
            file: Some(dir.path().join("cache.json")),
            ..DirDigests::open(&wheels)
        };
        let first = store(&mut digests);
        // Its change time is now: not remembered yet.
        assert!(digests.seen.files.is_empty());
        // Same bytes, same size, same mtime set back: the ctime differs.
        std::fs::write(&file, b"two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let second = store(&mut digests);
        assert_ne!(first, second);
        // A remembered identity that matches is not read again.
        let meta = std::fs::metadata(&file).unwrap();
        digests.stored.files.insert(
            "a-1.0-py3-none-any.whl".to_owned(),
            (key(&meta).unwrap(), "remembered".to_owned()),
        );
        assert_eq!(store(&mut digests), "remembered");
    }
}
