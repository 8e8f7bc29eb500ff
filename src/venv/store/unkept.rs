//! Why the store holds no entry for a spec a build offered to it: a keep
//! given up (the env changed while the keeper cloned it, the disk filled)
//! leaves `envs/.penv/<name>.unkept`, which the next checkout of that spec
//! (`-v`) and `penv doctor` read, so a build from nothing where a clone was
//! expected is explained. An entry put in place, or evicted, drops it.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fs;
use crate::venv::EnvPaths;

/// A keep given up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Unkept {
    /// When (seconds since the Unix epoch).
    pub(crate) at: u64,
    /// The project's env the clone was to be made of.
    pub(crate) env: PathBuf,
    /// The spec hash it was built for.
    pub(crate) hash: String,
    /// Why it was not kept.
    pub(crate) why: String,
}

/// The record beside the store's entry `paths`.
fn marker(paths: &EnvPaths) -> PathBuf {
    paths.work.join(format!("{}.unkept", paths.name))
}

impl Unkept {
    /// Whether its env no longer holds the spec it was built for (rebuilt
    /// for another, or removed): nothing is left for it to explain.
    pub(crate) fn outlived(&self) -> bool {
        crate::state::State::read(&self.env)
            .ok()
            .flatten()
            .is_none_or(|s| s.hash != self.hash)
    }
}

/// Records that the keep of `env` (built for spec `hash`) into `paths` was
/// given up, and why. Best effort: the record only explains.
pub(crate) fn record(paths: &EnvPaths, env: &std::path::Path, hash: &str, why: &str) {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let unkept = Unkept {
        at,
        env: env.to_owned(),
        hash: hash.to_owned(),
        why: why.to_owned(),
    };
    if let Ok(json) = serde_json::to_vec(&unkept)
        && fs::real_dir(&paths.work).unwrap_or(false)
    {
        let _ = fs::write_atomic(&marker(paths), &json);
    }
}

/// The keep of `paths` last given up, when no entry was put in place since.
pub(crate) fn read(paths: &EnvPaths) -> Option<Unkept> {
    let bytes = fs::read(&marker(paths)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Drops the record (an entry is in place, or was evicted).
pub(crate) fn clear(paths: &EnvPaths) {
    let _ = fs::delete_file(&marker(paths));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keep_given_up_is_read_back_until_cleared() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join("0123456789abcdef"));
        std::fs::create_dir(&paths.work).unwrap();
        assert_eq!(read(&paths), None);
        record(
            &paths,
            std::path::Path::new("/p/.venv"),
            "0123",
            "it changed",
        );
        let unkept = read(&paths).unwrap();
        assert_eq!(
            (unkept.env.to_str(), &*unkept.why),
            (Some("/p/.venv"), "it changed")
        );
        assert!(unkept.at > 0);
        clear(&paths);
        assert_eq!(read(&paths), None);
    }

    #[test]
    fn nothing_is_recorded_without_the_stores_working_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join("0123456789abcdef"));
        record(
            &paths,
            std::path::Path::new("/p/.venv"),
            "0123",
            "it changed",
        );
        assert!(!paths.work.exists());
    }
}
