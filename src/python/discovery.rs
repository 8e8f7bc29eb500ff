//! Where interpreters are looked for, in order.
//!
//! Sources, in search order: an explicit path; `PATH` (`python`, `python3`,
//! `python3.X`, `pypy3*`); pyenv's versions (`$PYENV_ROOT/versions/*/bin`,
//! inactive versions too, never the shims); uv-managed installs; the usual
//! system directories. Each binary is probed once (cached) and deduplicated
//! by its canonical path. The choice among them: [`super::choice`].
//!
//! A python inside a venv (a `pyvenv.cfg` above its `bin/`, as an activated
//! venv puts on `PATH`) is listed as such, and never stands in for its base:
//! its link resolves to the base binary, but it is deduplicated apart from
//! it, so the base is still found under its own path.

use crate::diagnostics::escape_path;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::interpreter::{InterpreterInfo, Probed, Prober};
use crate::env_vars::EnvVars;
use crate::platform;

/// Where a candidate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SearchSource {
    /// Named by path in the request.
    Explicit,
    /// A directory of `PATH`.
    Path,
    /// `$PYENV_ROOT/versions`.
    Pyenv,
    /// uv's managed installs.
    Uv,
    /// A usual system directory.
    System,
}

impl fmt::Display for SearchSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "explicit path",
            Self::Path => "PATH",
            Self::Pyenv => "pyenv",
            Self::Uv => "uv",
            Self::System => "system",
        })
    }
}

/// A binary found by discovery.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The path as found (may be a symlink).
    pub(crate) path: PathBuf,
    /// Where it was found.
    pub(crate) source: SearchSource,
    /// What the probe said.
    pub(crate) probed: Probed,
    /// The venv this path lies in, when it does (found on `PATH` of an
    /// activated venv): not a base interpreter, whatever its link points to.
    pub(crate) venv: Option<PathBuf>,
}

impl Candidate {
    /// The probe's answer, when it gave one.
    pub(crate) fn info(&self) -> Option<&InterpreterInfo> {
        self.probed.result.as_ref().ok()
    }

    /// Why penv cannot build an env with it, whatever the request: the
    /// probe failed, it is a venv's python, too old, no `venv` module.
    pub(crate) fn unusable(&self) -> Option<String> {
        match (&self.probed.result, &self.venv) {
            (Err(e), _) => Some(e.clone()),
            (Ok(_), Some(venv)) => Some(format!(
                "a virtual environment's python (the venv `{}`), not a base interpreter",
                escape_path(venv)
            )),
            (Ok(info), None) => info.unusable(),
        }
    }
}

/// The venv whose `bin/` holds `path`, when there is one.
fn venv_of(path: &Path) -> Option<PathBuf> {
    let root = path.parent()?.parent()?;
    root.join("pyvenv.cfg").is_file().then(|| root.to_owned())
}

/// A directory that was searched, for "not found" messages that never lie.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Searched {
    /// The source.
    pub(crate) source: SearchSource,
    /// The directory.
    #[serde(serialize_with = "crate::diagnostics::serialize_path")]
    pub(crate) dir: PathBuf,
}

/// Everything discovery found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Discovery {
    /// Candidates in search order, deduplicated by canonical path.
    pub(crate) candidates: Vec<Candidate>,
    /// The directories looked in.
    pub(crate) searched: Vec<Searched>,
}

/// Finds every interpreter on the machine (for `python list` and for requests
/// that are not a path).
pub(crate) fn discover(vars: &EnvVars, prober: &Prober) -> Discovery {
    let mut discovery = Discovery::default();
    let mut seen = HashSet::new();
    for (source, dir) in search_dirs(vars) {
        discovery.searched.push(Searched {
            source,
            dir: dir.clone(),
        });
        for path in interpreter_names_in(&dir) {
            let Some(probed) = prober.probe(&path) else {
                continue;
            };
            let venv = venv_of(&path);
            if !seen.insert((probed.fingerprint.path.clone(), venv.clone())) {
                continue;
            }
            discovery.candidates.push(Candidate {
                path,
                source,
                probed,
                venv,
            });
        }
    }
    discovery
}

/// Probes one explicitly named interpreter.
pub(crate) fn explicit(path: &Path, prober: &Prober) -> Discovery {
    let mut discovery = Discovery::default();
    discovery.searched.push(Searched {
        source: SearchSource::Explicit,
        dir: path.to_owned(),
    });
    if let Some(probed) = prober.probe(path) {
        // Named on purpose: judged by what it is (a venv's python that
        // links to its base is that base), not by where it lies.
        discovery.candidates.push(Candidate {
            path: path.to_owned(),
            source: SearchSource::Explicit,
            probed,
            venv: None,
        });
    }
    discovery
}

/// The directories searched, in order, with their source.
fn search_dirs(vars: &EnvVars) -> Vec<(SearchSource, PathBuf)> {
    let mut dirs = Vec::new();
    let pyenv_root = vars
        .pyenv_root
        .clone()
        .or_else(|| vars.home.as_ref().map(|h| h.join(".pyenv")));
    for dir in vars.path_dirs() {
        // pyenv's shims are scripts whose target depends on the active
        // version; the real binaries are found under versions/ instead.
        let is_shims = dir.ends_with("shims")
            && (pyenv_root.as_ref().is_some_and(|r| dir.starts_with(r))
                || dir.components().any(|c| c.as_os_str() == ".pyenv"));
        if !is_shims && dir.is_absolute() {
            dirs.push((SearchSource::Path, dir));
        }
    }
    if let Some(root) = pyenv_root {
        dirs.extend(
            sorted_subdirs(&root.join("versions"))
                .into_iter()
                .map(|d| (SearchSource::Pyenv, d.join(platform::BIN_DIR))),
        );
    }
    let uv_dir = vars.uv_python_install_dir.clone().or_else(|| {
        vars.xdg_data_home
            .clone()
            .or_else(|| vars.home.as_ref().map(|h| h.join(".local/share")))
            .map(|d| d.join("uv/python"))
    });
    if let Some(uv) = uv_dir {
        dirs.extend(
            sorted_subdirs(&uv)
                .into_iter()
                .map(|d| (SearchSource::Uv, d.join(platform::BIN_DIR))),
        );
    }
    dirs.extend(
        platform::SYSTEM_DIRS
            .iter()
            .map(|d| (SearchSource::System, PathBuf::from(d))),
    );
    let mut seen = HashSet::new();
    dirs.retain(|(_, d)| seen.insert(d.clone()));
    dirs
}

/// Subdirectories, newest-looking version first (`3.13.0` before `3.9.18`),
/// for a stable search order.
fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort_by_cached_key(|d| {
        let name = d
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        std::cmp::Reverse((version_numbers(&name), name))
    });
    dirs
}

/// The runs of digits in a directory name, as numbers: `3.13.0` → `[3, 13, 0]`.
fn version_numbers(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter_map(|run| run.parse().ok())
        .collect()
}

/// The files in `dir` named like interpreters: `python`, `python3`,
/// `python3.X`, `pypy`, `pypy3`, `pypy3.X` (with `.exe` on Windows).
fn interpreter_names_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(looks_like_interpreter))
        .map(|e| e.path())
        .filter(|p| platform::is_executable(p))
        .collect();
    // `python3.12` before `python3` before `python`: the most specific name first.
    found.sort_by(|a, b| {
        b.file_name()
            .map(std::ffi::OsStr::len)
            .cmp(&a.file_name().map(std::ffi::OsStr::len))
            .then(a.cmp(b))
    });
    found
}

/// Whether a file name is one discovery probes: `python`, `python3`,
/// `python3.X`, `pypy`, `pypy3`, `pypy3.X` (not `pythonw`, `python3-config`
/// or `python2`; [`crate::platform::is_python_or_pip_name`] is the wider
/// test of names `penv run` must take from the env).
fn looks_like_interpreter(name: &str) -> bool {
    let name = name.strip_suffix(platform::EXE_SUFFIX).unwrap_or(name);
    let rest = name
        .strip_prefix("python")
        .or_else(|| name.strip_prefix("pypy"));
    match rest {
        Some("" | "3") => true,
        Some(r) => r
            .strip_prefix("3.")
            .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_names() {
        for ok in [
            "python",
            "python3",
            "python3.12",
            "pypy3",
            "pypy3.10",
            "pypy",
        ] {
            assert!(looks_like_interpreter(ok), "{ok}");
        }
        for bad in [
            "python3-config",
            "python3.12-config",
            "pythonw",
            "python2",
            "python3.",
            "ipython3",
        ] {
            assert!(!looks_like_interpreter(bad), "{bad}");
        }
    }

    #[test]
    fn version_directories_newest_first() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["3.9.18", "3.13.0", "3.12.1", "pypy3.10-7.3.12", "3.10.13"] {
            std::fs::create_dir(tmp.path().join(name)).unwrap();
        }
        let names: Vec<String> = sorted_subdirs(tmp.path())
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["3.13.0", "3.12.1", "3.10.13", "pypy3.10-7.3.12", "3.9.18"]
        );
    }
}
