//! Envs kept for branch switches: when a sync replaces an env, the old one
//! is renamed into `.penv/stash/` under its spec hash; when a later sync
//! wants that hash again (the project went back to a branch), the stash
//! entry is swapped back into place (`txn::swap`) instead of rebuilt.
//!
//! Invariant: nothing is ever installed into a stashed env, and one is
//! restored only after checking it is still valid: complete state, the same
//! absolute path (or relocatable: it is synced at this path when restored),
//! the same base interpreter fingerprint, and the env itself
//! as it was built (its interpreter, and the distributions in site-packages:
//! an env changed by hand before it was stashed is not restored as fresh).
//! `.penv/stash` and its entries are penv's own directories: a symlink at
//! either is refused (naming it), never followed, pruned through or restored.

use std::path::{Path, PathBuf};

use super::EnvPaths;
use super::check::check_base;
use super::drift;
use super::kept::Kept;
use super::owned;
use crate::fs::{self, FsError};
use crate::state::State;

/// A stashed env.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Its directory.
    pub(crate) path: PathBuf,
    /// Its spec hash (from the directory name).
    pub(crate) hash_prefix: String,
    /// When it was stashed (seconds since the epoch).
    pub(crate) stashed: u64,
}

fn prefix(paths: &EnvPaths) -> String {
    format!("{}-", paths.name)
}

/// The stash entries of this env, newest first (none when the stash, or
/// one of this env's entries, is a symlink: see [`scan`]).
pub(crate) fn list(paths: &EnvPaths) -> Vec<Entry> {
    scan(paths).unwrap_or_default()
}

/// The stash entries of this env, newest first; an error naming it when
/// `.penv`, `.penv/stash` or an entry of this env is not a real directory.
fn scan(paths: &EnvPaths) -> Result<Vec<Entry>, FsError> {
    let dir = paths.stash_dir();
    if !fs::real_dir(&paths.work)? || !fs::real_dir(&dir)? {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| FsError::new("list", &dir, e))?;
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
    for (_, entry) in &out {
        fs::real_dir(&entry.path)?;
    }
    out.sort_by(|(a, ea), (b, eb)| b.cmp(a).then(eb.path.cmp(&ea.path)));
    Ok(out.into_iter().map(|(_, entry)| entry).collect())
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

/// Refuses (naming it) a `.penv/stash` or an entry of this env that is a
/// symlink or not a directory: checked before a rebuild starts, so such a
/// refusal changes nothing.
pub(crate) fn check(paths: &EnvPaths) -> Result<(), FsError> {
    scan(paths).map(drop)
}

/// Drops the oldest entries beyond `keep` (all of them for 0). User work
/// found in them is kept in `.penv/kept/` and added to `kept`.
pub(crate) fn prune(paths: &EnvPaths, keep: usize, kept: &mut Vec<Kept>) -> Result<(), FsError> {
    for old in scan(paths)?.into_iter().skip(keep) {
        owned::discard(paths, &old.path, false, kept)?;
    }
    Ok(())
}

/// Moves the env at `from` into the stash and drops the oldest entries
/// beyond `keep`.
pub(crate) fn put(
    paths: &EnvPaths,
    from: &Path,
    keep: usize,
    kept: &mut Vec<Kept>,
) -> Result<(), FsError> {
    let Ok(Some(state)) = State::read(from) else {
        return owned::discard(paths, from, false, kept);
    };
    let dir = paths.stash_dir();
    if !fs::real_dir(&dir)? {
        fs::create_dir_all(&dir)?;
    }
    let short = &state.hash[..state.hash.len().min(16)];
    // Same hash stashed before: the newer copy replaces it.
    for old in scan(paths)?.into_iter().filter(|e| e.hash_prefix == short) {
        owned::discard(paths, &old.path, false, kept)?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Checked again right before the move: never into a linked stash.
    fs::real_dir(&dir)?;
    fs::rename(from, &dir.join(format!("{}{short}-{nanos}", prefix(paths))))?;
    prune(paths, keep, kept)
}

/// A stash entry for `hash` that is still valid for this env path, if any.
/// Invalid entries for that hash are dropped (user work in them kept and
/// added to `kept`).
pub(crate) fn find(
    paths: &EnvPaths,
    hash: &str,
    kept: &mut Vec<Kept>,
) -> Result<Option<PathBuf>, FsError> {
    let short = &hash[..hash.len().min(16)];
    for entry in scan(paths)?.into_iter().filter(|e| e.hash_prefix == short) {
        let valid = match owned::complete_env(&entry.path, &paths.env)? {
            Some(state) => {
                state.hash == hash
                    && (state.venv_path == paths.env || state.is_relocatable())
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
            None => false,
        };
        if valid {
            return Ok(Some(entry.path));
        }
        owned::discard(paths, &entry.path, false, kept)?;
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
        crate::venv::owned::testing::venv(&dir, &paths.env, Some(hash));
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
        prune(&paths, 1, &mut Vec::new()).unwrap();
        let order: Vec<String> = list(&paths).into_iter().map(|e| e.hash_prefix).collect();
        assert_eq!(order, ["aaaaaaaaaaaaaaaa"]);
        prune(&paths, 0, &mut Vec::new()).unwrap();
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

    /// Another project's env, complete and penv's, and a snapshot of it.
    #[cfg(unix)]
    fn other_project(tmp: &Path) -> (PathBuf, Vec<String>) {
        let other = tmp.join("other-project/.venv");
        crate::venv::owned::testing::venv(&other, &other, Some("0123456789abcdef"));
        std::fs::write(other.join("lib/user-file"), "precious").unwrap();
        (other.clone(), listing(&other))
    }

    #[cfg(unix)]
    fn listing(dir: &Path) -> Vec<String> {
        let mut all: Vec<String> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        all.sort();
        all
    }

    /// `.penv/stash/.venv-<hash>-1 -> ../../../other-project/.venv`: pruning
    /// it must neither mark nor delete the other project's env.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_stash_entry_is_refused_not_pruned_through() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join("proj/.venv"));
        paths.ensure_work_dir().unwrap();
        std::fs::create_dir_all(paths.stash_dir()).unwrap();
        let (other, before) = other_project(tmp.path());
        let entry = paths
            .stash_dir()
            .join(format!("{}0123456789abcdef-1", prefix(&paths)));
        std::os::unix::fs::symlink(&other, &entry).unwrap();
        for result in [
            prune(&paths, 0, &mut Vec::new()),
            find(&paths, "0123456789abcdef", &mut Vec::new()).map(|_| ()),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.path, entry);
            assert!(err.source.to_string().contains("symlink"), "{err:?}");
        }
        assert_eq!(listing(&other), before);
        assert!(list(&paths).is_empty());
    }

    /// `.penv/stash` itself a link to another project's stash.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_stash_dir_is_refused_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join("proj/.venv"));
        paths.ensure_work_dir().unwrap();
        let theirs = tmp.path().join("other-project/.penv/stash");
        let entry = theirs.join(format!("{}0123456789abcdef-1", prefix(&paths)));
        crate::venv::owned::testing::venv(&entry, &paths.env, Some("0123456789abcdef"));
        let before = listing(&theirs);
        std::os::unix::fs::symlink(&theirs, paths.stash_dir()).unwrap();
        let err = prune(&paths, 0, &mut Vec::new()).unwrap_err();
        assert_eq!(err.path, paths.stash_dir());
        // Stashing into it is refused too, and the env stays where it was.
        let env = tmp.path().join("proj/old");
        crate::venv::owned::testing::venv(&env, &paths.env, Some("fedcba9876543210"));
        let err = put(&paths, &env, 3, &mut Vec::new()).unwrap_err();
        assert_eq!(err.path, paths.stash_dir());
        assert!(env.join("pyvenv.cfg").is_file());
        assert_eq!(listing(&theirs), before);
    }
}
