//! `penv cache clean`: deletes penv's interpreter probe cache and pip seeds.
//!
//! Invariant: only penv's own subdirectories of the cache directory
//! (`interpreters/`, `seed/`) are ever deleted, never the directory itself
//! nor anything else in it, and a symlink at either is refused, never
//! followed. `PENV_CACHE_DIR` may point at a cache other tools share (where
//! a `seed/` may be someone else's): there, a subdirectory is penv's only
//! when it carries penv's `CACHEDIR.TAG` ([`fs::create_cache_dir`]); in
//! penv's default cache directory every one of them is. Envs are deleted
//! only by `penv envs prune`.

use std::path::{Path, PathBuf};

use crate::fs::{self, FsError};

/// The subdirectories `clean` deletes.
pub(crate) const CLEANED: &[&str] = &["interpreters", "seed", "digests"];

/// Whether `dir`, a subdirectory of the cache, is penv's: tagged so, or in
/// penv's own default cache directory (`whole_dir_is_penvs`).
pub(crate) fn is_penvs(dir: &Path, whole_dir_is_penvs: bool) -> bool {
    is_penvs_cache_dir(dir) || (whole_dir_is_penvs && fs::real_dir(dir).unwrap_or(false))
}

/// Whether `dir` is a directory penv tagged as its cache
/// ([`fs::create_cache_dir`]).
fn is_penvs_cache_dir(dir: &Path) -> bool {
    const TAG: crate::text_file::Kind = crate::text_file::Kind {
        what: "a `CACHEDIR.TAG`",
        cap: 4096,
    };
    fs::real_dir(dir).unwrap_or(false)
        && crate::text_file::read(&dir.join("CACHEDIR.TAG"), TAG)
            .is_ok_and(|t| t.contains("penv's cache"))
}

/// Deletes [`CLEANED`] under `cache_dir`; returns each one deleted, and
/// each left because nothing says it is penv's.
pub(crate) fn clean(
    cache_dir: &Path,
    whole_dir_is_penvs: bool,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), FsError> {
    let mut left = Vec::new();
    let mut done = Vec::new();
    for sub in CLEANED {
        let dir = cache_dir.join(sub);
        match fs::lstat(&dir)? {
            None => {}
            Some(m) if m.file_type().is_symlink() || !m.is_dir() => {
                return Err(FsError::new(
                    "clean",
                    &dir,
                    std::io::Error::other(
                        "it is not a directory penv made (a symlink?); leaving it alone",
                    ),
                ));
            }
            Some(_) if !is_penvs(&dir, whole_dir_is_penvs) => left.push(dir),
            Some(_) => {
                fs::remove_tree_markers_last(&dir, &[])?;
                done.push(dir);
            }
        }
    }
    Ok((done, left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_deletes_only_penvs_subdirectories_and_follows_no_link() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("shared");
        for d in ["interpreters/v1", "seed/pip-x", "other"] {
            std::fs::create_dir_all(cache.join(d)).unwrap();
        }
        std::fs::write(cache.join("seed/pip-x/f"), "").unwrap();
        std::fs::write(cache.join("keep.txt"), "").unwrap();
        // Not tagged, in a shared cache: left alone.
        let (done, left) = clean(&cache, false).unwrap();
        assert!(done.is_empty() && left.len() == 2);
        assert!(cache.join("seed/pip-x/f").is_file());
        for d in ["interpreters", "seed"] {
            fs::create_cache_dir(&cache.join(d)).unwrap();
        }
        let (done, left) = clean(&cache, false).unwrap();
        assert!(left.is_empty());
        assert_eq!(done.len(), 2);
        assert!(cache.join("other").is_dir() && cache.join("keep.txt").is_file());
        assert!(!cache.join("seed").exists() && !cache.join("interpreters").exists());
        #[cfg(unix)]
        {
            let elsewhere = tmp.path().join("elsewhere");
            std::fs::create_dir_all(&elsewhere).unwrap();
            std::fs::write(elsewhere.join("precious"), "").unwrap();
            std::os::unix::fs::symlink(&elsewhere, cache.join("seed")).unwrap();
            assert!(clean(&cache, true).is_err());
            assert!(elsewhere.join("precious").is_file());
        }
    }
}
