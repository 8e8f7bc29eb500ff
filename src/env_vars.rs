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
pub(crate) const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_mins(5);

/// The longest `PENV_LOCK_TIMEOUT` accepted: a year, in seconds. Anything
/// longer is a mistake (or an attempt at "forever"), and values past what a
/// `Duration` holds (`1e20`) must be refused, not turned into a panic.
pub(crate) const MAX_LOCK_TIMEOUT_SECS: u64 = 365 * 24 * 60 * 60;

/// A `PENV_LOCK_TIMEOUT` that is not a number of seconds in
/// `0..=`[`MAX_LOCK_TIMEOUT_SECS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`PENV_LOCK_TIMEOUT={value}` is {problem}")]
pub struct BadLockTimeout {
    /// The value as set.
    pub(crate) value: String,
    /// What is wrong with it, e.g. "not a number of seconds".
    pub(crate) problem: &'static str,
}

/// The variables penv reads, captured once at start-up.
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    /// `PENV_PYTHON`: a Python request that overrides the project file (CI matrices).
    pub(crate) penv_python: Option<String>,
    /// `PENV_CACHE_DIR`: where interpreter probes, locks and the pip seed live.
    pub(crate) cache_dir: Option<PathBuf>,
    /// `PENV_DATA_DIR`: where penv's registry of envs lives (default: the
    /// platform's data directory for penv).
    pub(crate) data_dir: Option<PathBuf>,
    /// `PENV_NO_PROGRESS`: plain lines instead of progress bars, even on a TTY.
    pub(crate) no_progress: bool,
    /// `PENV_LOCK_TIMEOUT`: seconds to wait for another penv working on the same env.
    pub(crate) lock_timeout: Option<String>,
    /// `PENV_STORE_MAX`: the size the store of envs (projects' and scripts') is kept under
    /// (`10G`, `500M`; default 10 GiB).
    pub(crate) store_max: Option<String>,
    /// `PENV_LINK_MODE`: how envs are cloned (`auto`, `clone`, `hardlink`,
    /// `copy`), over `[venv] link-mode`.
    pub(crate) link_mode: Option<String>,
    /// `PENV_INSTALLER`: `pip` or `uv`, over `[venv] installer`.
    pub(crate) installer: Option<String>,
    /// `PATH`: searched for interpreters and for `penv run` commands.
    pub(crate) path: Option<OsString>,
    /// `HOME`: refused as an env path; base of `~/.pyenv`.
    pub(crate) home: Option<PathBuf>,
    /// `PYENV_ROOT`: pyenv's root (default `~/.pyenv`).
    pub(crate) pyenv_root: Option<PathBuf>,
    /// `UV_PYTHON_INSTALL_DIR`: where uv keeps the interpreters it installed.
    pub(crate) uv_python_install_dir: Option<PathBuf>,
    /// `XDG_DATA_HOME`: base of uv's default install dir.
    pub(crate) xdg_data_home: Option<PathBuf>,
    /// `NO_COLOR`: any non-empty value turns colour off.
    pub(crate) no_color: bool,
    /// `VIRTUAL_ENV`: the env an activated shell names (`penv doctor` checks it).
    pub(crate) virtual_env: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`: base of PyCharm's settings (`penv doctor`).
    pub(crate) xdg_config_home: Option<PathBuf>,
    /// `SHELL`: the user's shell, which `penv shell` starts and whose
    /// syntax `penv activate` prints by default.
    pub(crate) shell: Option<PathBuf>,
    /// `PENV_SHELL`: set by `penv shell` to the env it activated, so that
    /// a `penv shell` inside it refuses to nest.
    pub(crate) penv_shell: Option<PathBuf>,
    /// `ZDOTDIR`: where zsh reads the user's `.zshrc` (`penv shell` reads it
    /// from there after its own).
    pub(crate) zdotdir: Option<OsString>,
    /// Every variable a `${NAME}` in a `[pip]` URL may name (`NAME` of
    /// `[A-Z0-9_]+`, as pip expands them in requirement files).
    pub(crate) url_vars: UrlVars,
}

/// The variables `${NAME}` in `[pip]` URLs expand from. Their values may be
/// credentials: `Debug` shows the names only.
#[derive(Clone, Default)]
pub struct UrlVars(std::collections::BTreeMap<String, String>);

impl UrlVars {
    /// The value of `name`, when it is set (to valid UTF-8).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A set of variables (tests).
    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
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

/// A directory named by a variable, absolute against the directory penv
/// started in (before `-C`): a relative `PENV_CACHE_DIR=cache` means the
/// same directory to every part of penv, and to the envs it builds there.
fn absolute(value: std::ffi::OsString) -> PathBuf {
    let path = PathBuf::from(value);
    std::path::absolute(&path).unwrap_or(path)
}

impl EnvVars {
    /// Reads the process environment.
    pub(crate) fn from_process() -> Self {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            penv_python: non_empty("PENV_PYTHON").map(|v| v.to_string_lossy().into_owned()),
            cache_dir: non_empty("PENV_CACHE_DIR").map(absolute),
            data_dir: non_empty("PENV_DATA_DIR").map(absolute),
            no_progress: non_empty("PENV_NO_PROGRESS").is_some_and(|v| v != "0"),
            lock_timeout: non_empty("PENV_LOCK_TIMEOUT").map(|v| v.to_string_lossy().into_owned()),
            store_max: non_empty("PENV_STORE_MAX").map(|v| v.to_string_lossy().into_owned()),
            link_mode: non_empty("PENV_LINK_MODE").map(|v| v.to_string_lossy().into_owned()),
            installer: non_empty("PENV_INSTALLER").map(|v| v.to_string_lossy().into_owned()),
            path: non_empty("PATH"),
            home: non_empty("HOME").map(PathBuf::from),
            pyenv_root: non_empty("PYENV_ROOT").map(PathBuf::from),
            uv_python_install_dir: non_empty("UV_PYTHON_INSTALL_DIR").map(PathBuf::from),
            xdg_data_home: non_empty("XDG_DATA_HOME").map(PathBuf::from),
            no_color: non_empty("NO_COLOR").is_some(),
            virtual_env: non_empty("VIRTUAL_ENV").map(PathBuf::from),
            xdg_config_home: non_empty("XDG_CONFIG_HOME").map(PathBuf::from),
            shell: non_empty("SHELL").map(PathBuf::from),
            penv_shell: non_empty("PENV_SHELL").map(PathBuf::from),
            zdotdir: non_empty("ZDOTDIR"),
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

    /// The lock timeout: [`DEFAULT_LOCK_TIMEOUT`] when unset, else the
    /// variable's seconds (fractions allowed), from 0 to a year.
    pub(crate) fn lock_timeout(&self) -> Result<Duration, BadLockTimeout> {
        self.lock_timeout
            .as_deref()
            .map_or(Ok(DEFAULT_LOCK_TIMEOUT), parse_lock_timeout)
    }

    /// The directories of `PATH`, in order.
    pub(crate) fn path_dirs(&self) -> Vec<PathBuf> {
        self.path
            .as_ref()
            .map(|p| std::env::split_paths(p).collect())
            .unwrap_or_default()
    }

    /// [`Self::path_dirs`] without the `bin/` of the env activated in the
    /// calling shell (`VIRTUAL_ENV`): where `penv run` looks for a command
    /// the project's env lacks, as if that env were deactivated.
    pub(crate) fn path_dirs_outside_active(&self) -> Vec<PathBuf> {
        let mut dirs = self.path_dirs();
        if let Some(active) = &self.virtual_env {
            let gone = active.join(crate::platform::BIN_DIR);
            let real = gone.canonicalize().ok();
            dirs.retain(|d| *d != gone && (real.is_none() || d.canonicalize().ok() != real));
        }
        dirs
    }
}

/// Parses a `PENV_LOCK_TIMEOUT` value: seconds, `0` to
/// [`MAX_LOCK_TIMEOUT_SECS`], fractions allowed (`1.5`).
pub(crate) fn parse_lock_timeout(raw: &str) -> Result<Duration, BadLockTimeout> {
    let bad = |problem| BadLockTimeout {
        value: raw.to_owned(),
        problem,
    };
    let seconds: f64 = raw
        .trim()
        .parse()
        .map_err(|_| bad("not a number of seconds"))?;
    if seconds.is_nan() {
        return Err(bad("not a number of seconds"));
    }
    if seconds < 0.0 {
        return Err(bad("negative"));
    }
    // Compared as floats first: `inf` and `1e20` are beyond what a
    // `Duration` holds, and `Duration::from_secs_f64` would panic on them.
    #[allow(clippy::cast_precision_loss)] // exact: a year of seconds is far below 2^52
    if seconds > MAX_LOCK_TIMEOUT_SECS as f64 {
        return Err(bad("more than a year (31536000 seconds)"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| bad("not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeouts_in_range_are_seconds() {
        for (raw, secs) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("600", 600.0),
            (" 1.5 ", 1.5),
            ("1e3", 1000.0),
            ("31536000", 31_536_000.0),
        ] {
            assert_eq!(
                parse_lock_timeout(raw),
                Ok(Duration::from_secs_f64(secs)),
                "{raw}"
            );
        }
        let unset = EnvVars::default();
        assert_eq!(unset.lock_timeout(), Ok(DEFAULT_LOCK_TIMEOUT));
    }

    #[test]
    fn lock_timeouts_out_of_range_are_refused_never_a_panic() {
        for (raw, problem) in [
            ("1e20", "more than a year (31536000 seconds)"),
            ("31536000.5", "more than a year (31536000 seconds)"),
            (
                "18446744073709551616",
                "more than a year (31536000 seconds)",
            ),
            ("inf", "more than a year (31536000 seconds)"),
            ("-inf", "negative"),
            ("-1", "negative"),
            ("-1e-9", "negative"),
            ("NaN", "not a number of seconds"),
            ("five minutes", "not a number of seconds"),
            ("5m", "not a number of seconds"),
            ("", "not a number of seconds"),
        ] {
            let err = parse_lock_timeout(raw).unwrap_err();
            assert_eq!(err.problem, problem, "{raw}");
            assert_eq!(err.value, raw);
        }
    }
}
