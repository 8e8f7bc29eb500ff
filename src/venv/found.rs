//! Environments found on disk, whoever made them: what counts as one, which
//! tool made it, its Python, whether its base interpreter is still there,
//! its size and its own timestamps. `penv envs` lists what this says.
//!
//! Invariant: a directory is an env only if it is a real directory (not a
//! symlink) holding a regular-file `pyvenv.cfg` (PEP 405), or a real
//! `conda-meta/` directory (conda); a symlinked `pyvenv.cfg` does not make
//! one. Everything here is read without following a symlink out of the env
//! and without running any Python.

use std::collections::HashSet;
use std::path::Path;

use crate::state::STATE_FILE;

mod scan;
mod tally;
pub(crate) use scan::scan;
pub(crate) use tally::Tally;

/// Which tool made an env, as its files and location tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Penv,
    Venv,
    Virtualenv,
    Uv,
    Poetry,
    Pipenv,
    Pipx,
    Hatch,
    Tox,
    Pyenv,
    Conda,
}

impl Kind {
    /// The name `penv envs` shows.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Penv => "penv",
            Self::Venv => "venv",
            Self::Virtualenv => "virtualenv",
            Self::Uv => "uv",
            Self::Poetry => "poetry",
            Self::Pipenv => "pipenv",
            Self::Pipx => "pipx",
            Self::Hatch => "hatch",
            Self::Tox => "tox",
            Self::Pyenv => "pyenv",
            Self::Conda => "conda",
        }
    }
}

/// A regular file at `path` itself (a symlink there is not).
fn is_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// A real directory at `path` itself (a symlink there is not).
fn is_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

/// Whether `dir` is an env (see the module's invariant).
pub(crate) fn is_env(dir: &Path) -> bool {
    is_dir(dir) && (is_file(&dir.join("pyvenv.cfg")) || is_dir(&dir.join("conda-meta")))
}

/// What conda itself (not a package) puts at the top of an env or a base.
const CONDA_OWN: &[&str] = &[
    "conda-meta",
    "pkgs",
    "envs",
    "condabin",
    "shell",
    ".nonadmin",
    ".condarc",
    "_conda.exe",
];

/// The largest `conda-meta/*.json` record read (a record lists the files
/// of one package; the biggest are a few MiB).
const CONDA_RECORD_MAX: u64 = 32 * 1024 * 1024;

/// The names at the top of the conda env `dir` that conda put there: its
/// own ([`CONDA_OWN`]) and the first component of every file its packages'
/// records (`conda-meta/*.json`, `"files"`) list. `None` when `dir` has no
/// real `conda-meta/` directory.
pub(crate) fn conda_entries(dir: &Path) -> Option<HashSet<std::ffi::OsString>> {
    let meta = dir.join("conda-meta");
    if !is_dir(&meta) {
        return None;
    }
    let mut names: HashSet<std::ffi::OsString> = CONDA_OWN.iter().map(Into::into).collect();
    for entry in std::fs::read_dir(&meta).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json")
            || !std::fs::symlink_metadata(&path)
                .is_ok_and(|m| m.is_file() && m.len() <= CONDA_RECORD_MAX)
        {
            continue;
        }
        let Ok(bytes) = crate::fs::read(&path) else {
            continue;
        };
        let Ok(record) = serde_json::from_slice::<CondaRecord>(&bytes) else {
            continue;
        };
        names.extend(
            record
                .files
                .iter()
                .filter_map(|f| f.split(['/', '\\']).find(|c| !c.is_empty()))
                .map(Into::into),
        );
    }
    Some(names)
}

/// The part of a conda package record penv reads.
#[derive(serde::Deserialize)]
struct CondaRecord {
    #[serde(default)]
    files: Vec<String>,
}

/// `pyvenv.cfg`'s `key = value` lines (at most 64 KiB of it is read).
fn cfg(dir: &Path) -> Vec<(String, String)> {
    let path = dir.join("pyvenv.cfg");
    if !is_file(&path) {
        return Vec::new();
    }
    crate::text_file::read(&path, crate::text_file::PYVENV_CFG)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect()
}

fn get<'a>(cfg: &'a [(String, String)], key: &str) -> Option<&'a str> {
    cfg.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// What a found env is.
#[derive(Debug, Clone)]
pub(crate) struct FoundEnv {
    pub(crate) kind: Kind,
    /// `X.Y.Z` as `pyvenv.cfg` (or conda's metadata, or pyenv's directory) says.
    pub(crate) python: Option<String>,
    /// Why its base interpreter is gone or changed (empty: intact).
    pub(crate) broken: Vec<String>,
}

/// Inspects the env `dir` (an [`is_env`] directory).
pub(crate) fn inspect(dir: &Path) -> FoundEnv {
    let cfg = cfg(dir);
    let kind = kind_of(dir, &cfg);
    let python = get(&cfg, "version")
        .or_else(|| get(&cfg, "version_info"))
        .map(str::to_owned)
        .or_else(|| conda_python(dir))
        .or_else(|| {
            (kind == Kind::Pyenv)
                .then(|| dir.file_name()?.to_str().map(str::to_owned))
                .flatten()
        });
    let broken = if cfg.is_empty() {
        Vec::new()
    } else {
        base_problems(dir, &cfg, python.as_deref())
    };
    FoundEnv {
        kind,
        python,
        broken,
    }
}

/// The kind, from penv's state file, the usual locations of each tool's
/// envs, `pyvenv.cfg`'s keys (`uv =`, `virtualenv =`) and `conda-meta/`.
fn kind_of(dir: &Path, cfg: &[(String, String)]) -> Kind {
    if is_file(&dir.join(STATE_FILE)) {
        return Kind::Penv;
    }
    let text = dir.to_string_lossy().replace('\\', "/");
    let parent = dir
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if text.contains("/pypoetry/virtualenvs/") {
        Kind::Poetry
    } else if text.contains("/.local/share/virtualenvs/") || text.contains("/.virtualenvs/") {
        Kind::Pipenv
    } else if text.contains("/pipx/venvs/") {
        Kind::Pipx
    } else if text.contains("/hatch/env/") {
        Kind::Hatch
    } else if parent == ".tox" {
        Kind::Tox
    } else if text.contains("/.pyenv/versions/") && !cfg.is_empty() {
        // A pyenv-virtualenv env: `~/.pyenv/versions/NAME` with a pyvenv.cfg.
        Kind::Pyenv
    } else if get(cfg, "uv").is_some() {
        Kind::Uv
    } else if get(cfg, "virtualenv").is_some() {
        Kind::Virtualenv
    } else if cfg.is_empty() && is_dir(&dir.join("conda-meta")) {
        Kind::Conda
    } else {
        Kind::Venv
    }
}

/// Conda's Python version, from `conda-meta/python-X.Y.Z-<build>.json`.
fn conda_python(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir.join("conda-meta"))
        .ok()?
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix("python-")?;
            let version = rest.split('-').next()?;
            version
                .starts_with(|c: char| c.is_ascii_digit())
                .then(|| version.to_owned())
        })
}

/// Why the base interpreter of a PEP 405 env is gone or changed, as seen
/// without running it (VENV-FACTS.md): `home` gone, `bin/python*` dangling.
fn base_problems(dir: &Path, cfg: &[(String, String)], version: Option<&str>) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(home) = get(cfg, "home")
        && !Path::new(home).is_dir()
    {
        why.push(format!("its base interpreter's directory `{home}` is gone"));
    }
    let bin = crate::platform::BIN_DIR;
    for e in std::fs::read_dir(dir.join(bin))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("python")
            && e.file_type().is_ok_and(|t| t.is_symlink())
            && std::fs::metadata(e.path()).is_err()
        {
            why.push(format!(
                "`{bin}/{name}` points to an interpreter that is gone"
            ));
        }
    }
    if let Some(minor) = version.and_then(major_minor)
        && let Some(home) = get(cfg, "home")
        && Path::new(home).is_dir()
        && !Path::new(home).join(format!("python{minor}")).exists()
        && why.is_empty()
        && cfg!(unix)
    {
        why.push(format!(
            "its base directory `{home}` no longer holds a `python{minor}` (the base was replaced by another version)"
        ));
    }
    why.sort();
    why.dedup();
    why
}

fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

/// The env's size on disk (allocated blocks; a file with several hard links
/// counted once) and the newest modification time found in its top two
/// levels (seconds since the epoch). Symlinks are counted as links, never
/// followed. Several trees counted together: [`Tally`].
pub(crate) fn size_and_mtime(dir: &Path) -> (u64, u64) {
    let mut tally = Tally::default();
    let index = tally.add(dir);
    (tally.size(index), tally.newest(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_pyvenv_cfg_keys_conda_meta_and_locations() {
        let tmp = tempfile::tempdir().unwrap();
        let make = |rel: &str, cfg: Option<&str>| {
            let d = tmp.path().join(rel);
            std::fs::create_dir_all(&d).unwrap();
            match cfg {
                Some(text) => std::fs::write(d.join("pyvenv.cfg"), text).unwrap(),
                None => std::fs::create_dir_all(d.join("conda-meta")).unwrap(),
            }
            d
        };
        let cases = [
            ("a/.venv", Some("version = 3.12.1\n"), Kind::Venv),
            (
                "b/.venv",
                Some("uv = 0.5.0\nversion_info = 3.12.1\n"),
                Kind::Uv,
            ),
            ("c/env", Some("virtualenv = 20.1\n"), Kind::Virtualenv),
            (
                "p/pypoetry/virtualenvs/x-py3.12",
                Some("virtualenv = 20\n"),
                Kind::Poetry,
            ),
            (
                "h/.local/share/virtualenvs/x-abc",
                Some("virtualenv = 20\n"),
                Kind::Pipenv,
            ),
            (
                "h/.local/pipx/venvs/black",
                Some("version = 3.12\n"),
                Kind::Pipx,
            ),
            (
                "h/.local/share/hatch/env/virtual/x",
                Some("version = 3.12\n"),
                Kind::Hatch,
            ),
            ("t/.tox/py312", Some("virtualenv = 20\n"), Kind::Tox),
            (
                "h/.pyenv/versions/tools",
                Some("version = 3.11.4\n"),
                Kind::Pyenv,
            ),
            ("m/miniconda3/envs/x", None, Kind::Conda),
        ];
        for (rel, cfg, kind) in cases {
            let d = make(rel, cfg);
            assert!(is_env(&d), "{rel}");
            assert_eq!(inspect(&d).kind, kind, "{rel}");
        }
        assert_eq!(
            inspect(&tmp.path().join("b/.venv")).python.as_deref(),
            Some("3.12.1")
        );
        let found = scan(tmp.path());
        assert_eq!(found.len(), cases.len());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_pyvenv_cfg_makes_no_env_and_links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("other/.venv");
        std::fs::create_dir_all(&real).unwrap();
        // A base inside the temp dir that was never made (`/nonexistent`
        // is a directory on some machines).
        let gone = tmp.path().join("gone-base");
        std::fs::write(
            real.join("pyvenv.cfg"),
            format!("home = {}\n", gone.display()),
        )
        .unwrap();
        let fake = tmp.path().join("tree/fake");
        std::fs::create_dir_all(&fake).unwrap();
        std::os::unix::fs::symlink(real.join("pyvenv.cfg"), fake.join("pyvenv.cfg")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("other"), tmp.path().join("tree/link")).unwrap();
        assert!(!is_env(&fake));
        assert!(scan(&tmp.path().join("tree")).is_empty());
        assert_eq!(
            inspect(&real).broken,
            [format!(
                "its base interpreter's directory `{}` is gone",
                gone.display()
            )]
        );
    }
}
