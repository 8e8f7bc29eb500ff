//! The store: complete envs kept machine-wide by spec hash, in
//! `<cache dir>/envs/<first 16 hex digits of the hash>/` (the envs of PEP 723
//! scripts; a project's clone by a key of the hash and its activation
//! prompt, [`Store::project_entry`]). An entry is an env like any other — built through the same
//! transaction (`.penv/` of the store holds its intent record and lock),
//! trusted only with a state file for its full hash — built in place at its
//! final path, so it needs no relocation. Its last use is the mtime of
//! `.penv/<name>.used`, set on every use (one `utimensat`).
//!
//! Invariant: the store is bounded (`PENV_STORE_MAX`, default
//! [`DEFAULT_MAX`]) only by [`Store::evict`], which deletes least recently
//! used entries first and never one that is in use: it deletes an entry
//! only while it holds the entry's writer lock (a `penv run` of a script
//! holds a reader's lock on its entry until the script ends), never one
//! with a rebuild under way or interrupted, and only through
//! `owned::discard` (penv's own envs, into `envs/.penv/trash/`, deleted by
//! a detached emptier after the command). `penv cache clean` never deletes it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::EnvPaths;
use crate::fs::{self, FsError};

pub(crate) mod unkept;

/// The store's size bound when `PENV_STORE_MAX` is unset: 10 GiB.
pub(crate) const DEFAULT_MAX: u64 = 10 * 1024 * 1024 * 1024;

/// How many hex digits of the spec hash name an entry: short enough for
/// console-script shebangs, and a collision only costs a rebuild (the
/// state records the whole hash, which the readiness check compares).
const NAME_DIGITS: usize = 16;

/// Problems with the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No cache directory to keep it in.
    #[error("there is no cache directory to keep a script's env in (no home directory)")]
    NoCacheDir,
    /// A bad `PENV_STORE_MAX`.
    #[error("`PENV_STORE_MAX={value}` is not a size: {problem}")]
    BadMax {
        /// The value set.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl StoreError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::NoCacheDir => {
                "set `PENV_CACHE_DIR` to a directory penv may keep envs in".to_owned()
            }
            Self::BadMax { .. } => "write a size such as `10G`, `500M` or `2GiB` (powers of 1024; `GB` and `MB` are powers of 1000), or unset it for 10 GiB".to_owned(),
        }
    }
}

/// The store of one cache directory.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

/// An entry, as eviction and `penv envs` see it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) paths: EnvPaths,
    /// Its last use (seconds since the epoch): the `.used` marker's mtime,
    /// else the state file's.
    pub(crate) last_used: u64,
    /// The same, in nanoseconds: eviction's order (two uses within one
    /// second are still told apart).
    used_ns: u128,
}

impl Store {
    /// The store under `cache_dir`.
    pub(crate) fn new(cache_dir: &Path) -> Self {
        Self {
            dir: cache_dir.join("envs"),
        }
    }

    /// The paths of the entry for spec hash `hash`.
    pub(crate) fn entry(&self, hash: &str) -> EnvPaths {
        let name: String = hash.chars().take(NAME_DIGITS).collect();
        EnvPaths::new(self.dir.join(name))
    }

    /// The paths of the entry holding a project's env of spec hash `hash`
    /// made with activation prompt `prompt`: apart from a script's env of
    /// the same hash (whose prompt is its entry's name) and from a project
    /// env named otherwise (`[venv] path = "env"`), neither of which could
    /// be cloned for it.
    pub(crate) fn project_entry(&self, hash: &str, prompt: &str) -> EnvPaths {
        use sha2::Digest as _;
        let mut key = sha2::Sha256::new();
        key.update(b"penv-project\0");
        key.update(hash.as_bytes());
        key.update(b"\0");
        key.update(prompt.as_bytes());
        self.entry(&hex::encode(key.finalize()))
    }

    /// The last use of `env` when it is an entry of this store (seconds
    /// since the epoch; 0 when it records none), else `None`.
    pub(crate) fn last_used(&self, env: &Path) -> Option<u64> {
        let name = env.file_name()?;
        let entry = self.entries().into_iter().find(|e| {
            e.paths.env.file_name() == Some(name)
                && (e.paths.env == env || e.paths.env.canonicalize().ok().as_deref() == Some(env))
        })?;
        Some(entry.last_used)
    }

    /// Creates the store's directory, tagged as penv's cache.
    pub(crate) fn ensure(&self) -> Result<(), FsError> {
        fs::create_cache_dir(&self.dir)
    }

    /// Records a use of the entry: its `.used` marker's mtime is now.
    /// Best effort: a read-only store is still usable.
    pub(crate) fn touch(paths: &EnvPaths) {
        let marker = used_marker(paths);
        if fs::set_modified(&marker, SystemTime::now()).is_err()
            && fs::real_dir(&paths.work).unwrap_or(false)
        {
            let _ = fs::write_atomic(&marker, b"");
        }
    }

    /// Records the size of the entry just put in place (its files, a file
    /// linked several times counted once), so eviction reads it rather
    /// than walking every entry of the store after every build. Best
    /// effort: without it, eviction walks that entry.
    pub(crate) fn record_size(paths: &EnvPaths) {
        write_size(paths, super::found::size_and_mtime(&paths.env).0);
    }

    /// The size of `paths`' entry: as recorded when it was put in place,
    /// else measured (and recorded). The record holds the entry's state
    /// file's mtime too: an entry rebuilt in place (a script's env) is
    /// measured again.
    fn size_of(paths: &EnvPaths) -> u64 {
        let recorded = fs::read(&size_marker(paths))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                let (size, stamp) = text.trim().split_once(' ')?;
                (stamp.parse::<u128>().ok()? == state_stamp(paths))
                    .then(|| size.parse().ok())
                    .flatten()
            });
        recorded.unwrap_or_else(|| {
            let size = super::found::size_and_mtime(&paths.env).0;
            if fs::real_dir(&paths.work).unwrap_or(false) {
                write_size(paths, size);
            }
            size
        })
    }

    /// Every entry on disk (a directory named by a hash, holding a venv).
    pub(crate) fn entries(&self) -> Vec<Entry> {
        let Ok(list) = fs::list_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = list
            .into_iter()
            .filter(|(name, kind)| kind.is_dir() && name.to_str().is_some_and(is_entry_name))
            .map(|(name, _)| {
                let paths = EnvPaths::new(self.dir.join(name));
                let used_ns = mtime_ns(&used_marker(&paths))
                    .or_else(|| mtime_ns(&paths.env.join(crate::state::STATE_FILE)))
                    .unwrap_or(0);
                let last_used = u64::try_from(used_ns / 1_000_000_000).unwrap_or(u64::MAX);
                Entry {
                    paths,
                    last_used,
                    used_ns,
                }
            })
            .collect();
        out.sort_by_key(|e| e.used_ns);
        out
    }

    /// Deletes least recently used entries until the store holds at most
    /// `max` bytes, never `keep` (the entry just built) nor an entry in use
    /// or being built; returns each one deleted with its size.
    pub(crate) fn evict(&self, max: u64, keep: &Path) -> Vec<(PathBuf, u64)> {
        // What a killed emptier left in the store's trash goes after this build.
        super::owned::trash::notice(&self.dir.join(".penv"));
        self.recover_interrupted();
        let entries: Vec<(Entry, u64)> = self
            .entries()
            .into_iter()
            .map(|e| {
                let size = Self::size_of(&e.paths);
                (e, size)
            })
            .collect();
        let mut total: u64 = entries.iter().map(|(_, size)| size).sum();
        let mut evicted = Vec::new();
        for (entry, size) in entries {
            if total <= max {
                break;
            }
            if entry.paths.env == keep || entry.paths.intent().exists() {
                continue;
            }
            // Held by a reader (a script running) or a writer: in use.
            let Ok(lock) = fs::lock_exclusive(&entry.paths.lock_file(), Duration::ZERO, |_| {})
            else {
                continue;
            };
            let mut kept = Vec::new();
            if super::owned::discard(&entry.paths, &entry.paths.env, false, &mut kept).is_ok() {
                forget(&entry.paths);
                drop(lock);
                total = total.saturating_sub(size);
                evicted.push((entry.paths.env, size));
            }
        }
        evicted
    }
}

impl Store {
    /// Undoes every keep or build of an entry that a dead process left
    /// half-done (its intent record in `envs/.penv/`, the half-made env
    /// beside it), whether or not the entry exists: a keeper killed with a
    /// CI job leaves one that no later keep of that spec may come to undo,
    /// and eviction skips an entry while its record is there. One whose
    /// lock is held is under way, and left alone. Drops the records of
    /// keeps given up whose env no longer has that spec.
    fn recover_interrupted(&self) {
        let Ok(list) = fs::list_dir(&self.dir.join(".penv")) else {
            return;
        };
        for (file, _) in list {
            let Some(file) = file.to_str() else {
                continue;
            };
            // A keep given up whose env has since been rebuilt for another
            // spec, or removed: nothing is left for it to explain.
            if let Some(name) = file.strip_suffix(".unkept").filter(|n| is_entry_name(n)) {
                let paths = EnvPaths::new(self.dir.join(name));
                if unkept::read(&paths).is_some_and(|record| record.outlived()) {
                    unkept::clear(&paths);
                }
                continue;
            }
            let Some(name) = file
                .strip_prefix("txn-")
                .and_then(|f| f.strip_suffix(".json"))
                .filter(|n| is_entry_name(n))
            else {
                continue;
            };
            let paths = EnvPaths::new(self.dir.join(name));
            let Ok(lock) = fs::lock_exclusive(&paths.lock_file(), Duration::ZERO, |_| {}) else {
                continue;
            };
            let _ = super::txn::recover(&paths, 0, &mut Vec::new());
            drop(lock);
        }
    }

    /// Deletes the entry whose env is `env`, unless it is in use or being
    /// built; whether it was deleted.
    pub(crate) fn remove_entry(&self, env: &Path) -> bool {
        let Some(entry) = self.entries().into_iter().find(|e| e.paths.env == env) else {
            return false;
        };
        if entry.paths.intent().exists() {
            return false;
        }
        let Ok(lock) = fs::lock_exclusive(&entry.paths.lock_file(), Duration::ZERO, |_| {}) else {
            return false;
        };
        let mut kept = Vec::new();
        let removed =
            super::owned::discard(&entry.paths, &entry.paths.env, false, &mut kept).is_ok();
        if removed {
            forget(&entry.paths);
        }
        drop(lock);
        removed
    }
}

/// Whether `name` names an entry: [`NAME_DIGITS`] hex digits.
fn is_entry_name(name: &str) -> bool {
    name.len() == NAME_DIGITS && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Records `size` as the entry's, with its state file's mtime (best effort).
fn write_size(paths: &EnvPaths, size: u64) {
    let record = format!("{size} {}", state_stamp(paths));
    let _ = fs::write_atomic(&size_marker(paths), record.as_bytes());
}

/// Drops what the store records beside an entry it deleted.
fn forget(paths: &EnvPaths) {
    let _ = fs::delete_file(&used_marker(paths));
    let _ = fs::delete_file(&size_marker(paths));
    unkept::clear(paths);
}

/// The nanosecond mtime of the entry's state file (0 without one).
fn state_stamp(paths: &EnvPaths) -> u128 {
    mtime_ns(&paths.env.join(crate::state::STATE_FILE)).unwrap_or(0)
}

/// The file holding the entry's size in bytes ([`Store::record_size`]).
fn size_marker(paths: &EnvPaths) -> PathBuf {
    paths.work.join(format!("{}.size", paths.name))
}

/// The marker whose mtime is the entry's last use.
fn used_marker(paths: &EnvPaths) -> PathBuf {
    paths.work.join(format!("{}.used", paths.name))
}

/// A file's mtime in nanoseconds since the epoch.
fn mtime_ns(path: &Path) -> Option<u128> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(modified.duration_since(UNIX_EPOCH).ok()?.as_nanos())
}

/// The store's bound: `PENV_STORE_MAX` when set, else [`DEFAULT_MAX`].
pub(crate) fn max(value: Option<&str>) -> Result<u64, StoreError> {
    value.map_or(Ok(DEFAULT_MAX), |v| {
        parse_size(v).map_err(|problem| StoreError::BadMax {
            value: v.to_owned(),
            problem,
        })
    })
}

/// Parses a size: a number (fractions allowed) and a unit — `K`, `M`, `G`,
/// `T` or `KiB`…`TiB` (powers of 1024), `KB`…`TB` (powers of 1000), `B` or
/// none (bytes). Case does not matter.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| "it does not start with a number".to_owned())?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        other => return Err(format!("`{other}` is not a unit")),
    };
    let bytes = number * scale;
    if !bytes.is_finite() || bytes >= 1.8e19 {
        return Err("it is too large".to_owned());
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "finite, non-negative and below u64::MAX, checked above"
    )]
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests;
