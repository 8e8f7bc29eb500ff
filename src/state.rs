//! `penv-state.json`: what penv built, beside `pyvenv.cfg`.
//!
//! Invariant: the state file is written last, atomically (a temporary file
//! in the env, then a rename). An env without a readable state file whose
//! recorded path is the env's own is not trusted: `sync` rebuilds it and
//! `run` refuses it.
//!
//! Besides what was asked for (the spec), the state records what the env
//! was when penv finished it ([`AsBuilt`]: its `bin/python*`, `pyvenv.cfg`'s
//! `home`, the distributions in site-packages and that directory's mtime), so
//! a change made by hand afterwards is noticed without starting Python
//! (`venv::check`, `venv::drift`). A state written before penv recorded it
//! has no `as-built`: such an env is stale, and the next sync rebuilds it
//! rather than trust whatever it holds now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fs::{self, FsError};
use crate::python::interpreter::Fingerprint;
use crate::spec::Spec;
use crate::text_file::{self, TextFileError};

/// The state file's name inside the env.
pub(crate) const STATE_FILE: &str = "penv-state.json";

/// The state file's format version.
pub(crate) const STATE_FORMAT: u32 = 1;

/// What penv records about an env it built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct State {
    /// [`STATE_FORMAT`].
    pub(crate) format: u32,
    /// The spec hash the env was built for.
    pub(crate) hash: String,
    /// The spec itself, readable, for diffs and `status`.
    pub(crate) spec: Spec,
    /// The base interpreter binary's fingerprint at build time.
    pub(crate) base: Fingerprint,
    /// The base interpreter's standard library directory at build time: where
    /// Python falls back to (its compiled-in prefix) when no `lib/pythonX.Y`
    /// is found above the venv's `home`, as for a relocated binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) base_stdlib: Option<PathBuf>,
    /// The env's absolute path: where it was last synced. Unless
    /// [`State::relocatable`], the env is bound to it.
    pub(crate) venv_path: PathBuf,
    /// Whether the env finds itself from its own location
    /// (`venv::relocate`): it works at any path it is renamed, moved or
    /// copied to. `None` in a state written before penv recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) relocatable: Option<bool>,
    /// The penv version that built it.
    pub(crate) penv_version: String,
    /// The version of the pip seeded into it (`None` without pip, or for an
    /// env built before penv recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pip_version: Option<String>,
    /// The groups and extras chosen on the command line when it was built
    /// (`sync --group docs`); `None` for the project's defaults. `penv run`
    /// and `status` keep to it until a command line chooses again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) selection: Option<crate::spec::GroupSelection>,
    /// When it was built (seconds since the epoch).
    pub(crate) created: u64,
    /// When it was last synced or run (seconds since the epoch, updated at most hourly).
    pub(crate) last_used: u64,
    /// What the env was when penv finished it; `None` in a state written
    /// before penv recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) as_built: Option<AsBuilt>,
    /// Where the env came from (`penv status`); `None` in a state written
    /// before penv recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) origin: Option<Origin>,
}

/// Where an env came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub(crate) enum Origin {
    /// Created, seeded and installed into from nothing.
    Built,
    /// A clone of another env with the same interpreter, brought to the
    /// spec by pip: what it kept, installed and removed.
    #[serde(rename_all = "kebab-case")]
    Derived {
        from: PathBuf,
        link_mode: String,
        kept: usize,
        installed: usize,
        removed: usize,
    },
    /// A clone of the store's env for the same spec hash, with no pip run
    /// but, for a package project (`project`), the one installing it.
    #[serde(rename_all = "kebab-case")]
    Store {
        from: PathBuf,
        link_mode: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        project: bool,
    },
    /// Put back from the stash (a branch switched back).
    Stash,
}

impl Origin {
    /// Its words, for `penv status`, for an env filled by `installer`.
    pub(crate) fn describe(&self, installer: crate::project::Installer) -> String {
        match self {
            Self::Built => "built".to_owned(),
            Self::Derived {
                from,
                link_mode,
                kept,
                installed,
                removed,
            } => format!(
                "derived from `{}` ({link_mode}): {kept} kept, {installed} installed, {removed} removed",
                crate::diagnostics::display_path(from)
            ),
            Self::Store {
                from,
                link_mode,
                project,
            } => format!(
                "cloned from the store, `{}` ({link_mode}), {}",
                crate::diagnostics::display_path(from),
                if *project {
                    format!(
                        "the project installed with {}, `--no-deps`",
                        installer.name()
                    )
                } else {
                    format!("with no {} run", installer.name())
                }
            ),
            Self::Stash => "restored from the stash".to_owned(),
        }
    }
}

/// What an env was when penv finished building it, compared on every
/// inspect with what it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct AsBuilt {
    /// Every `bin/python*` (but `*-config`), by name.
    pub(crate) python: Vec<BinEntry>,
    /// `pyvenv.cfg`'s `home`, as written.
    pub(crate) home: String,
    /// `pyvenv.cfg`'s `include-system-site-packages`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) include_system_site_packages: Option<String>,
    /// The env's site-packages directories, relative to the env, with their
    /// modification times: while those are unchanged, [`AsBuilt::dists`] is.
    pub(crate) site_packages: Vec<SiteDir>,
    /// The distributions installed, sorted.
    pub(crate) dists: Vec<Dist>,
    /// What each distribution was installed from, by normalized name: the
    /// sha256 (hex) of the wheel or sdist pip installed, as pip's `--report`
    /// gave it (a lock's or the index's hash, or the local file's own). A
    /// derived env keeps a distribution only when this equals the target's
    /// artifact. Missing for what penv cannot know it of (the seeded pip, a
    /// source tree, a build by a pip without `--report`): never kept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) artifacts: BTreeMap<String, Artifact>,
}

/// What a distribution was installed from, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Artifact {
    /// The sha256 of the wheel or sdist, hex.
    pub(crate) sha256: String,
    /// The URL it was installed from as a direct reference (`name @ url`,
    /// a lock's entries): pip then writes `direct_url.json` naming it.
    /// `None` for an install from an index or `find-links`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) direct_url: Option<String>,
}

/// One `bin/python*` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct BinEntry {
    /// `python`, `python3`, `python3.12`, …
    pub(crate) name: String,
    /// What it is.
    #[serde(flatten)]
    pub(crate) is: FileIdentity,
}

/// What a file in the env is, cheaply: a symlink by its target, anything
/// else by its size, modification time and inode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum FileIdentity {
    /// A symlink, by its target as written (not resolved).
    Link {
        /// `readlink`.
        target: PathBuf,
    },
    /// A file (a copied binary, a launcher, a script).
    File {
        /// Size in bytes.
        size: u64,
        /// Nanoseconds since the epoch.
        mtime_ns: i128,
        /// 0 where there is none.
        inode: u64,
    },
}

/// A site-packages directory and its modification time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SiteDir {
    /// Relative to the env: `lib/python3.12/site-packages`.
    pub(crate) path: PathBuf,
    /// Nanoseconds since the epoch.
    pub(crate) mtime_ns: i128,
}

/// An installed distribution, as its metadata directory names it. Written
/// as a pair, `["six", "1.16.0"]`: the no-op path reads every one of them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "(String, String)", into = "(String, String)")]
pub(crate) struct Dist {
    /// Normalized (PEP 503): `typing-extensions`.
    pub(crate) name: String,
    /// As in the directory name; empty for a legacy `*.egg-link`.
    pub(crate) version: String,
}

impl From<(String, String)> for Dist {
    fn from((name, version): (String, String)) -> Self {
        Self { name, version }
    }
}

impl From<Dist> for (String, String) {
    fn from(dist: Dist) -> Self {
        (dist.name, dist.version)
    }
}

/// Why a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    /// Reading failed (unreadable, not a regular file, too large).
    #[error(transparent)]
    Io(#[from] TextFileError),
    /// The file is not a state file penv can read.
    #[error("`{}` is not a valid penv state file: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Now, in seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl State {
    /// The state file of env `env`.
    fn path_in(env: &Path) -> PathBuf {
        env.join(STATE_FILE)
    }

    /// Reads the state of `env`: `Ok(None)` when there is no state file.
    pub(crate) fn read(env: &Path) -> Result<Option<Self>, StateError> {
        let path = Self::path_in(env);
        let Some(bytes) = text_file::read_bytes_optional(&path, text_file::STATE_FILE)? else {
            return Ok(None);
        };
        let state: Self = serde_json::from_slice(&bytes).map_err(|e| StateError::Invalid {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if state.format != STATE_FORMAT {
            return Err(StateError::Invalid {
                path,
                reason: format!("format {} is not {STATE_FORMAT}", state.format),
            });
        }
        Ok(Some(state))
    }

    /// Writes the state into `env`, atomically. Call it last.
    pub(crate) fn write(&self, env: &Path) -> Result<(), FsError> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a state serializes");
        bytes.push(b'\n');
        fs::write_atomic(&Self::path_in(env), &bytes)
    }

    /// Whether the env is known to be relocatable.
    pub(crate) fn is_relocatable(&self) -> bool {
        self.relocatable == Some(true)
    }

    /// Records a use, at most once an hour (a no-op sync stays write-free).
    pub(crate) fn touch(&mut self, env: &Path) {
        let now = now();
        if now.saturating_sub(self.last_used) >= 3600 {
            self.last_used = now;
            // Best effort: a read-only env is still usable.
            let _ = self.write(env);
        }
    }
}
