//! `penv cache clean`: deletes penv's interpreter probe cache and pip seeds.
//!
//! Invariant: only penv's own subdirectories of the cache directory
//! (`interpreters/`, `seed/`) are ever deleted, never the directory itself
//! nor anything else in it — `PENV_CACHE_DIR` may point somewhere shared —
//! and a symlink at either is refused, never followed. Envs are deleted only
//! by `penv envs prune`.

use std::path::{Path, PathBuf};

use crate::fs::{self, FsError};

/// The subdirectories `clean` deletes.
pub(crate) const CLEANED: &[&str] = &["interpreters", "seed"];

/// Deletes [`CLEANED`] under `cache_dir`; returns each one deleted.
pub(crate) fn clean(cache_dir: &Path) -> Result<Vec<PathBuf>, FsError> {
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
            Some(_) => {
                fs::remove_tree_markers_last(&dir, &[])?;
                done.push(dir);
            }
        }
    }
    Ok(done)
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
        let done = clean(&cache).unwrap();
        assert_eq!(done.len(), 2);
        assert!(cache.join("other").is_dir() && cache.join("keep.txt").is_file());
        assert!(!cache.join("seed").exists() && !cache.join("interpreters").exists());
        #[cfg(unix)]
        {
            let elsewhere = tmp.path().join("elsewhere");
            std::fs::create_dir_all(&elsewhere).unwrap();
            std::fs::write(elsewhere.join("precious"), "").unwrap();
            std::os::unix::fs::symlink(&elsewhere, cache.join("seed")).unwrap();
            assert!(clean(&cache).is_err());
            assert!(elsewhere.join("precious").is_file());
        }
    }
}
