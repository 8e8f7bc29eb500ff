//! Poetry's `poetry.lock`, read without Poetry: what `poetry install`
//! would install into one env, as a PEP 751 lock (`walk`, `convert`),
//! checked entry by entry as any `pylock.toml` is (`check`) and selected
//! by `select`; and whether it is still the lock of the project's
//! `pyproject.toml`, by Poetry's own rule (`fresh`).
//!
//! Invariant: a `poetry.lock` is data from a pull request like any lock:
//! what reaches pip of it is what `check` passed, rendered by `fields`.

mod convert;
pub(crate) mod fresh;
pub(crate) mod model;
pub(crate) mod walk;

use std::path::Path;

use crate::lock::LockFileError;
use crate::lock::model::PyLock;
use crate::lock::uv::fresh::Declared;
use crate::lock::uv::{error, parse_toml, problem_error};
use crate::python::interpreter::Markers;
pub(crate) use model::PoetryLock;

/// Poetry's lock file, beside `pyproject.toml`.
pub(crate) const POETRY_LOCK_FILE_NAME: &str = "poetry.lock";

/// Parses the text of a `poetry.lock` read from `path` (named in errors).
pub(crate) fn parse(text: &str, path: &Path) -> Result<PoetryLock, LockFileError> {
    let mut lock: PoetryLock = parse_toml(text, path)?;
    if let Some(version) = &lock.metadata.lock_version
        && !version.starts_with("1.")
        && !version.starts_with("2.")
    {
        return Err(error(
            path,
            text,
            0..0,
            format!(
                "`lock-version = \"{}\"`: penv reads Poetry's lock versions 1.x and 2.x",
                crate::lock::fields::shown(version)
            ),
        ));
    }
    for (at, package) in lock.package.iter_mut().enumerate() {
        package.at = at;
    }
    Ok(lock)
}

/// What the `poetry.lock` (or `pdm.lock`) at `path`
/// (its `text`, parsed as `lock`) installs for an interpreter with `markers`, from the project's
/// requirements `declared` (the project itself, `own`, installed last
/// when it is installed),
/// as a checked PEP 751 lock whose default groups are `default_groups`.
pub(crate) fn for_interpreter(
    lock: &PoetryLock,
    text: &str,
    path: &Path,
    markers: &Markers,
    declared: &Declared<'_>,
    own: walk::Own<'_>,
    default_groups: &[String],
) -> Result<PyLock, LockFileError> {
    let lock_dir = path.parent().unwrap_or(Path::new(""));
    // `poetry`, `pdm`: the tool that wrote it, as the PEP 751 lock's `created-by`.
    let tool = crate::lock::relock_command(path)
        .split(' ')
        .next()
        .unwrap_or_default();
    let env = crate::lock::select::marker_environment(markers)
        .map_err(|e| error(path, text, 0..0, e.to_string()))?;
    let (pylock, from) = walk::walk(lock, tool, declared, own, &env, default_groups)
        .map_err(|message| error(path, text, 0..0, message))?;
    crate::lock::check::check_by_name(&pylock, lock_dir).map_err(|problem| {
        let at = problem
            .index
            .and_then(|i| from.get(i))
            .copied()
            .flatten()
            .map(|i| lock.package[i].at);
        problem_error(path, text, at, &problem)
    })?;
    Ok(pylock)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
