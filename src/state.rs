//! `penv-state.json`: what penv built, beside `pyvenv.cfg`.
//!
//! Invariant: the state file is written last, atomically (a temporary file
//! in the env, then a rename). An env without a readable state file whose
//! recorded path is the env's own is not trusted: `sync` rebuilds it and
//! `run` refuses it.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fs::{self, FsError};
use crate::python::interpreter::Fingerprint;
use crate::spec::Spec;

/// The state file's name inside the env.
pub const STATE_FILE: &str = "penv-state.json";

/// The state file's format version.
pub const STATE_FORMAT: u32 = 1;

/// What penv records about an env it built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct State {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The spec hash the env was built for.
    pub hash: String,
    /// The spec itself, readable, for diffs and `status`.
    pub spec: Spec,
    /// The base interpreter binary's fingerprint at build time.
    pub base: Fingerprint,
    /// The base interpreter's standard library directory at build time: where
    /// Python falls back to (its compiled-in prefix) when no `lib/pythonX.Y`
    /// is found above the venv's `home`, as for a relocated binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_stdlib: Option<PathBuf>,
    /// The env's absolute path (a venv is bound to it).
    pub venv_path: PathBuf,
    /// The penv version that built it.
    pub penv_version: String,
    /// The version of the pip seeded into it (`None` without pip, or for an
    /// env built before penv recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_version: Option<String>,
    /// When it was built (seconds since the epoch).
    pub created: u64,
    /// When it was last synced or run (seconds since the epoch, updated at most hourly).
    pub last_used: u64,
}

/// Why a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] FsError),
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
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl State {
    /// The state file of env `env`.
    pub fn path_in(env: &Path) -> PathBuf {
        env.join(STATE_FILE)
    }

    /// Reads the state of `env`: `Ok(None)` when there is no state file.
    pub fn read(env: &Path) -> Result<Option<Self>, StateError> {
        let path = Self::path_in(env);
        let Some(bytes) = fs::read_optional(&path)? else {
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
    pub fn write(&self, env: &Path) -> Result<(), FsError> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a state serializes");
        bytes.push(b'\n');
        fs::write_atomic(&Self::path_in(env), &bytes)
    }

    /// Records a use, at most once an hour (a no-op sync stays write-free).
    pub fn touch(&mut self, env: &Path) {
        let now = now();
        if now.saturating_sub(self.last_used) >= 3600 {
            self.last_used = now;
            // Best effort: a read-only env is still usable.
            let _ = self.write(env);
        }
    }
}
