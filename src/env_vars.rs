//! Every environment variable penv reads, read in one place.
//!
//! Nothing else in the crate calls `std::env::var` (clippy.toml bans it), so a
//! test controls penv's whole environment by controlling this struct, and the
//! README's list of variables can be checked against this file.

#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The default for `PENV_LOCK_TIMEOUT`: how long a second penv waits for the first.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_mins(5);

/// The variables penv reads, captured once at start-up.
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    /// `PENV_PYTHON`: a Python request that overrides the project file (CI matrices).
    pub penv_python: Option<String>,
    /// `PENV_CACHE_DIR`: where interpreter probes, locks and the pip seed live.
    pub cache_dir: Option<PathBuf>,
    /// `PENV_NO_PROGRESS`: plain lines instead of progress bars, even on a TTY.
    pub no_progress: bool,
    /// `PENV_LOCK_TIMEOUT`: seconds to wait for another penv working on the same env.
    pub lock_timeout: Option<String>,
    /// `PATH`: searched for interpreters and for `penv run` commands.
    pub path: Option<OsString>,
    /// `HOME`: refused as an env path; base of `~/.pyenv`.
    pub home: Option<PathBuf>,
    /// `PYENV_ROOT`: pyenv's root (default `~/.pyenv`).
    pub pyenv_root: Option<PathBuf>,
    /// `UV_PYTHON_INSTALL_DIR`: where uv keeps the interpreters it installed.
    pub uv_python_install_dir: Option<PathBuf>,
    /// `XDG_DATA_HOME`: base of uv's default install dir.
    pub xdg_data_home: Option<PathBuf>,
    /// `NO_COLOR`: any non-empty value turns colour off.
    pub no_color: bool,
    /// `VIRTUAL_ENV`: the env activated in the caller's shell, if any.
    pub virtual_env: Option<PathBuf>,
    /// Every variable a `${NAME}` in a `[pip]` URL may name (`NAME` of
    /// `[A-Z0-9_]+`, as pip expands them in requirement files).
    pub url_vars: UrlVars,
}

/// The variables `${NAME}` in `[pip]` URLs expand from. Their values may be
/// credentials: `Debug` shows the names only.
#[derive(Clone, Default)]
pub struct UrlVars(std::collections::BTreeMap<String, String>);

impl UrlVars {
    /// The value of `name`, when it is set (to valid UTF-8).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A set of variables (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

impl std::fmt::Debug for UrlVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl EnvVars {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            penv_python: non_empty("PENV_PYTHON").map(|v| v.to_string_lossy().into_owned()),
            cache_dir: non_empty("PENV_CACHE_DIR").map(PathBuf::from),
            no_progress: non_empty("PENV_NO_PROGRESS").is_some_and(|v| v != "0"),
            lock_timeout: non_empty("PENV_LOCK_TIMEOUT").map(|v| v.to_string_lossy().into_owned()),
            path: non_empty("PATH"),
            home: non_empty("HOME").map(PathBuf::from),
            pyenv_root: non_empty("PYENV_ROOT").map(PathBuf::from),
            uv_python_install_dir: non_empty("UV_PYTHON_INSTALL_DIR").map(PathBuf::from),
            xdg_data_home: non_empty("XDG_DATA_HOME").map(PathBuf::from),
            no_color: non_empty("NO_COLOR").is_some(),
            virtual_env: non_empty("VIRTUAL_ENV").map(PathBuf::from),
            url_vars: UrlVars(
                std::env::vars_os()
                    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                    .filter(|(k, _)| {
                        !k.is_empty()
                            && k.bytes()
                                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                    })
                    .collect(),
            ),
        }
    }

    /// The lock timeout, parsed; `None` when the variable holds no number.
    pub fn lock_timeout(&self) -> Result<Duration, String> {
        match &self.lock_timeout {
            None => Ok(DEFAULT_LOCK_TIMEOUT),
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| raw.clone()),
        }
    }

    /// The directories of `PATH`, in order.
    pub fn path_dirs(&self) -> Vec<PathBuf> {
        self.path
            .as_ref()
            .map(|p| std::env::split_paths(p).collect())
            .unwrap_or_default()
    }
}
