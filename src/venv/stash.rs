//! Envs kept for branch switches: when a sync replaces an env, the old one
//! is renamed into `.penv/stash/` under its spec hash; when a later sync
//! wants that hash again (the project went back to a branch), the stash
//! entry is renamed back into place instead of rebuilt.
//!
//! Invariant: nothing is ever installed into a stashed env, and one is
//! restored only after checking it is still valid: complete state, the same
//! absolute path, the same base interpreter fingerprint, and the env itself
//! as it was built (its interpreter, and the distributions in site-packages:
//! an env changed by hand before it was stashed is not restored as fresh).

use std::path::{Path, PathBuf};

use super::EnvPaths;
use super::check::check_base;
use super::drift;
use super::owned::BUILD_MARKER;
use super::txn::remove_if_owned;
use crate::fs::{self, FsError};
use crate::state::State;

/// The default number of replaced envs kept per project.
pub const DEFAULT_KEEP: usize = 3;

/// A stashed env.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its directory.
    pub path: PathBuf,
    /// Its spec hash (from the directory name).
    pub hash_prefix: String,
    /// When it was stashed (seconds since the epoch).
    pub stashed: u64,
}

fn prefix(paths: &EnvPaths) -> String {
    format!("{}-", paths.name)
}

/// The stash entries of this env, newest first.
pub fn list(paths: &EnvPaths) -> Vec<Entry> {
    let Ok(entries) = std::fs::read_dir(paths.stash_dir()) else {
        return Vec::new();
    };
    let prefix = prefix(paths);
    let mut out: Vec<(u128, Entry)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(&prefix)?;
            let (hash, stamp) = rest.rsplit_once('-')?;
            // `app-cli-…` is env `app-cli`'s, not env `app`'s with hash `cli-…`.
            if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let nanos = stamp_nanos(stamp.parse().ok()?);
            let entry = Entry {
                path: e.path(),
                hash_prefix: hash.to_owned(),
                stashed: u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX),
            };
            Some((nanos, entry))
        })
        .collect();
    out.sort_by(|(a, ea), (b, eb)| b.cmp(a).then(eb.path.cmp(&ea.path)));
    out.into_iter().map(|(_, entry)| entry).collect()
}

/// An entry's stamp in nanoseconds: written in nanoseconds, so two envs
/// stashed within one second keep their order (older penv wrote seconds).
fn stamp_nanos(stamp: u128) -> u128 {
    if stamp < 1 << 40 {
        stamp * 1_000_000_000
    } else {
        stamp
    }
}

/// Drops the oldest entries beyond `keep` (all of them for 0).
pub fn prune(paths: &EnvPaths, keep: usize) -> Result<(), FsError> {
    for old in list(paths).into_iter().skip(keep) {
        remove_if_owned(&old.path)?;
    }
    Ok(())
}

/// Moves the env at `from` into the stash and drops the oldest entries
/// beyond `keep`.
pub fn put(paths: &EnvPaths, from: &Path, keep: usize) -> Result<(), FsError> {
    let Ok(Some(state)) = State::read(from) else {
        return remove_if_owned(from);
    };
    let dir = paths.stash_dir();
    fs::create_dir_all(&dir)?;
    let short = &state.hash[..state.hash.len().min(16)];
    // Same hash stashed before: the newer copy replaces it.
    for old in list(paths).into_iter().filter(|e| e.hash_prefix == short) {
        remove_if_owned(&old.path)?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    fs::rename(from, &dir.join(format!("{}{short}-{nanos}", prefix(paths))))?;
    prune(paths, keep)
}

/// A stash entry for `hash` that is still valid for this env path, if any.
/// Invalid entries for that hash are dropped.
pub fn find(paths: &EnvPaths, hash: &str) -> Result<Option<PathBuf>, FsError> {
    let short = &hash[..hash.len().min(16)];
    for entry in list(paths).into_iter().filter(|e| e.hash_prefix == short) {
        let valid = match State::read(&entry.path) {
            Ok(Some(state)) => {
                state.hash == hash
                    && state.venv_path == paths.env
                    && !entry.path.join(BUILD_MARKER).exists()
                    && {
                        let check = check_base(&entry.path, &state);
                        check.broken.is_empty() && !check.changed_base
                    }
                    && state.as_built.as_ref().is_some_and(|built| {
                        !matches!(
                            drift::compare(&entry.path, built),
                            drift::Contents::Changed(_)
                        )
                    })
            }
            _ => false,
        };
        if valid {
            return Ok(Some(entry.path));
        }
        remove_if_owned(&entry.path)?;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(paths: &EnvPaths, hash: &str, stamp: u128) {
        let dir = paths
            .stash_dir()
            .join(format!("{}{hash}-{stamp}", prefix(paths)));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    }

    #[test]
    fn newest_first_to_the_nanosecond_and_pruned_oldest_first() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join(".venv"));
        let second = 1_700_000_000_u128;
        // Stashed within one second: the nanoseconds decide, not the hash.
        entry(&paths, "aaaaaaaaaaaaaaaa", second * 1_000_000_000 + 900);
        entry(&paths, "ffffffffffffffff", second * 1_000_000_000 + 100);
        // An entry named in seconds by an older penv is older still.
        entry(&paths, "0000000000000000", second - 5);
        // Env `.venv-cli`'s entry is not this env's.
        entry(&paths, "cli-1111111111111111", second * 1_000_000_000 + 999);
        let order: Vec<String> = list(&paths).into_iter().map(|e| e.hash_prefix).collect();
        assert_eq!(
            order,
            ["aaaaaaaaaaaaaaaa", "ffffffffffffffff", "0000000000000000"]
        );
        assert_eq!(list(&paths)[0].stashed, 1_700_000_000);
        prune(&paths, 1).unwrap();
        let order: Vec<String> = list(&paths).into_iter().map(|e| e.hash_prefix).collect();
        assert_eq!(order, ["aaaaaaaaaaaaaaaa"]);
        prune(&paths, 0).unwrap();
        assert!(list(&paths).is_empty());
        assert!(
            paths
                .stash_dir()
                .join(format!(
                    "{}cli-1111111111111111-{}",
                    prefix(&paths),
                    second * 1_000_000_000 + 999
                ))
                .is_dir()
        );
    }
}
