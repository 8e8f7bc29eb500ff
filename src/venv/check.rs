//! Is an env's base interpreter still the one it was built with? Answered
//! without running the env's python (VENV-FACTS.md, "When the base
//! interpreter changes").
//!
//! Checks: `pyvenv.cfg` is readable and its `home` exists; `bin/python`
//! exists; every `bin/python*` resolves (no dangling link) to a binary named for the
//! expected `X.Y`; the stdlib landmark `lib/pythonX.Y/os.py` is found above
//! `home` (or, as Python itself falls back to its compiled-in prefix, in the
//! standard library recorded at build time); the base binary's fingerprint
//! matches the one recorded; and the env's own interpreter is what penv
//! built: every `bin/python*` is the link (same target) or file (same size,
//! mtime and inode) it was, none added or removed, and `pyvenv.cfg`'s `home`
//! and `include-system-site-packages` are as written then ([`AsBuilt`]). A
//! `bin/python` replaced by another binary or a script, or a `home` edited to
//! another install of the same version, would otherwise pass every other
//! check and run.

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};

use crate::platform;
use crate::python::interpreter::Fingerprint;
use crate::state::{AsBuilt, BinEntry, FileIdentity, State};

#[cfg(test)]
mod tests;

/// `key = value` pairs of a `pyvenv.cfg`.
pub(crate) fn read_pyvenv_cfg(env: &Path) -> Option<Vec<(String, String)>> {
    let text =
        crate::text_file::read(&env.join("pyvenv.cfg"), crate::text_file::PYVENV_CFG).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

/// What is wrong with an env's link to its base interpreter, if anything.
/// `changed_base` is set when only the fingerprint differs (the binary is
/// there but was replaced or touched): the caller re-probes it to learn
/// whether that matters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct BaseCheck {
    /// Problems that make the env unusable.
    pub(crate) broken: Vec<String>,
    /// The base binary exists but its fingerprint changed.
    pub(crate) changed_base: bool,
}

/// Checks the env against the interpreter recorded in its state.
pub(crate) fn check_base(env: &Path, state: &State) -> BaseCheck {
    let mut out = BaseCheck::default();
    let major_minor: String = state
        .spec
        .interpreter
        .version
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let Some(cfg) = read_pyvenv_cfg(env) else {
        out.broken.push(format!(
            "`{}` is missing or unreadable",
            escape_path(&env.join("pyvenv.cfg"))
        ));
        return out;
    };
    let home = cfg
        .iter()
        .find(|(k, _)| k == "home")
        .map(|(_, v)| PathBuf::from(v));
    match &home {
        None => out.broken.push("`pyvenv.cfg` has no `home`".to_owned()),
        Some(h) if !h.is_dir() => out.broken.push(format!(
            "base interpreter directory `{}` is gone",
            escape_path(h)
        )),
        Some(_) => {}
    }
    match Fingerprint::of(&state.base.path) {
        None => out.broken.push(format!(
            "base interpreter `{}` ({} {}) is gone",
            escape_path(&state.base.path),
            state.spec.interpreter.implementation,
            state.spec.interpreter.version
        )),
        Some(fp) if fp != state.base => out.changed_base = true,
        Some(_) => {}
    }
    let bin = env.join(platform::BIN_DIR);
    // Without it, `penv run python` would find the base's python on PATH.
    let python = platform::env_python(env);
    if bin.is_dir() && std::fs::symlink_metadata(&python).is_err() {
        out.broken
            .push(format!("`{}` is missing", escape_path(&python)));
    }
    if let Ok(entries) = std::fs::read_dir(&bin) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_python_entry(&name) {
                continue;
            }
            let path = entry.path();
            match std::fs::canonicalize(&path) {
                Err(_) => out.broken.push(format!(
                    "`{}` points to a file that is gone",
                    escape_path(&path)
                )),
                Ok(target) => {
                    let target_name = target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    // `python3.12` must not resolve to a `python3.13`.
                    if let Some(v) = target_name.strip_prefix("python")
                        && v.contains('.')
                        && !v.starts_with(&major_minor)
                        && v.chars().next().is_some_and(|c| c.is_ascii_digit())
                    {
                        out.broken.push(format!(
                            "`{}` now resolves to `{}`, not Python {major_minor}",
                            escape_path(&path),
                            escape_path(&target)
                        ));
                    }
                }
            }
        }
    } else {
        out.broken
            .push(format!("`{}` is missing", escape_path(&bin)));
    }
    if let Some(built) = &state.as_built {
        out.broken.extend(compare_interpreter(env, &cfg, built));
    }
    if cfg!(unix)
        && state.spec.interpreter.implementation == "cpython"
        && let Some(h) = &home
        && h.is_dir()
    {
        let landmark = Path::new("lib")
            .join(format!("python{major_minor}"))
            .join("os.py");
        let found = h.ancestors().any(|a| a.join(&landmark).is_file())
            || state
                .base_stdlib
                .as_ref()
                .is_some_and(|dir| dir.join("os.py").is_file());
        if !found {
            out.broken.push(format!(
                "the standard library of Python {major_minor} is no longer found above `{}`",
                escape_path(h)
            ));
        }
    }
    out.broken.dedup();
    out
}

/// Whether a `bin/` entry is one of the env's interpreters.
fn is_python_entry(name: &str) -> bool {
    name.starts_with("python") && !name.ends_with("-config")
}

/// What the file at `path` is (not following a link); `None` when nothing is there.
pub(crate) fn identity(path: &Path) -> Option<FileIdentity> {
    let meta = crate::fs::lstat(path).ok()??;
    if meta.file_type().is_symlink() {
        return crate::fs::read_link(path)
            .ok()
            .map(|target| FileIdentity::Link { target });
    }
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(FileIdentity::File {
        size: meta.len(),
        mtime_ns,
        inode,
    })
}

/// Every `bin/python*` of `env` (not `*-config`), sorted by name.
pub(crate) fn python_entries(env: &Path) -> Vec<BinEntry> {
    let bin = env.join(platform::BIN_DIR);
    let mut out: Vec<BinEntry> = crate::fs::list_dir(&bin)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, _)| {
            let name = name.into_string().ok().filter(|n| is_python_entry(n))?;
            let is = identity(&bin.join(&name))?;
            Some(BinEntry { name, is })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn describe(is: &FileIdentity) -> String {
    match is {
        FileIdentity::Link { target } => format!("a link to `{}`", escape_path(target)),
        FileIdentity::File { .. } => "a file".to_owned(),
    }
}

/// How the env's interpreter differs from what was built: each a reason
/// the env is broken.
fn compare_interpreter(env: &Path, cfg: &[(String, String)], built: &AsBuilt) -> Vec<String> {
    let mut out = Vec::new();
    let bin = Path::new(platform::BIN_DIR);
    let now = python_entries(env);
    for was in &built.python {
        let shown = bin.join(&was.name);
        match now.iter().find(|e| e.name == was.name) {
            None => out.push(format!(
                "`{}` was removed since the env was built",
                escape_path(&shown)
            )),
            Some(is) if is.is == was.is => {}
            Some(is) => match (&was.is, &is.is) {
                (FileIdentity::File { .. }, FileIdentity::File { .. }) => out.push(format!(
                    "`{}` was replaced or modified since the env was built",
                    escape_path(&shown)
                )),
                (was, is) => out.push(format!(
                    "`{}` was replaced: it was {}, it is now {}",
                    escape_path(&shown),
                    describe(was),
                    describe(is)
                )),
            },
        }
    }
    for is in now
        .iter()
        .filter(|e| !built.python.iter().any(|b| b.name == e.name))
    {
        out.push(format!(
            "`{}` was added since the env was built",
            escape_path(&bin.join(&is.name))
        ));
    }
    let value = |key: &str| cfg.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    if value("home").unwrap_or_default() != built.home {
        out.push(format!(
            "`pyvenv.cfg`'s `home` was `{}` when the env was built, it is now `{}`",
            built.home,
            value("home").unwrap_or_default()
        ));
    }
    let system = value("include-system-site-packages");
    if system != built.include_system_site_packages.as_deref() {
        out.push(format!(
            "`pyvenv.cfg`'s `include-system-site-packages` was `{}` when the env was built, it is now `{}`",
            built.include_system_site_packages.as_deref().unwrap_or("(none)"),
            system.unwrap_or("(none)")
        ));
    }
    out
}
