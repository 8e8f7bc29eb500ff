//! Where an env and penv's working files beside it live.

use std::path::{Path, PathBuf};

use super::owned;

/// The paths of one env and of penv's working files beside it.
#[derive(Debug, Clone)]
pub struct EnvPaths {
    /// The env (absolute).
    pub env: PathBuf,
    /// `<parent>/.penv`.
    pub work: PathBuf,
    /// The env directory's name.
    pub name: String,
}

impl EnvPaths {
    /// The paths for env `env` (absolute, normalized).
    pub fn new(env: PathBuf) -> Self {
        let name = env
            .file_name()
            .map_or_else(|| "env".to_owned(), |n| n.to_string_lossy().into_owned());
        let work = env.parent().unwrap_or(Path::new("/")).join(".penv");
        Self { env, work, name }
    }

    /// Where the old env waits while a new one is built.
    pub fn aside(&self) -> PathBuf {
        self.work.join(format!("old-{}", self.name))
    }

    /// Where a relocatable env is built before it is swapped with the env.
    pub fn staging(&self) -> PathBuf {
        self.work.join(format!("new-{}", self.name))
    }

    /// The intent record of a rebuild under way.
    pub fn intent(&self) -> PathBuf {
        self.work.join(format!("txn-{}.json", self.name))
    }

    /// The stash of envs kept for branch switches.
    pub fn stash_dir(&self) -> PathBuf {
        self.work.join("stash")
    }

    /// The writer's lock file, beside the env and outside it
    /// (`.penv/<name>.lock`): every penv that can touch the env shares it,
    /// whatever its cache directory.
    pub fn lock_file(&self) -> PathBuf {
        self.work.join(format!("{}.lock", self.name))
    }

    /// The lock a `penv run` holds, as a reader, from its check until its
    /// command exits (passed through `exec`): prune takes it, without
    /// waiting, before it deletes the env. Apart from the writer's lock, so
    /// a long-running command never keeps a sync waiting.
    pub fn in_use_lock_file(&self) -> PathBuf {
        self.work.join(format!("{}.in-use.lock", self.name))
    }

    /// A reader's lock on the env, taken without waiting: `Ok(None)` while a
    /// writer holds it. `.penv/` is made for it only beside an env penv
    /// built (by [`owned::evidence`], not a file name), so checking a
    /// missing or foreign env creates nothing.
    pub fn lock_shared(&self) -> Result<Option<crate::fs::FileLock>, crate::fs::FsError> {
        if owned::evidence(&self.env, &self.env, false).is_ok() {
            // A read-only project: the open below fails, the check goes unguarded.
            let _ = self.ensure_work_dir();
        }
        crate::fs::try_lock_shared(&self.lock_file())
    }

    /// Creates `.penv/` with its `.gitignore`.
    /// A `.penv` that is a symlink is refused: penv would follow it into a
    /// directory another project (or anyone) may share.
    pub fn ensure_work_dir(&self) -> Result<(), crate::fs::FsError> {
        if !crate::fs::real_dir(&self.work)? {
            crate::fs::create_dir_all(&self.work)?;
        }
        let ignore = self.work.join(".gitignore");
        if !ignore.exists() {
            crate::fs::write_atomic(&ignore, b"# created by penv\n*\n")?;
        }
        Ok(())
    }
}
