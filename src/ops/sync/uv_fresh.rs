//! Before a sync that uses uv's `uv.lock` (no `pylock.toml` beside it):
//! whether it is still the lock of `pyproject.toml`, as uv judges it
//! (`lock::uv::fresh`). `--locked` refuses a stale one; a plain sync
//! installs it as it is, with a warning (penv never rewrites uv's lock:
//! `uv lock` does).

use std::path::PathBuf;

use crate::Error;
use crate::lock::uv::fresh::{Declared, changes};
use crate::project::Project;

/// The `uv.lock` in use and what changed since it was written (empty: it
/// is `pyproject.toml`'s); `None` when no `uv.lock` is in use.
pub(crate) fn uv_lock_changes(project: &Project) -> Result<Option<(PathBuf, Vec<String>)>, Error> {
    if crate::plan::lock_path(project).exists() {
        return Ok(None);
    }
    let Some(path) = crate::spec::uv_lock_path(project) else {
        return Ok(None);
    };
    let Some(text) = crate::text_file::read_optional(&path, crate::lock::LOCK_FILE)
        .map_err(|e| crate::spec::SpecError::Lock(e.into()))?
    else {
        return Ok(None);
    };
    let lock = crate::lock::uv::parse(&text, &path).map_err(crate::spec::SpecError::Lock)?;
    let root =
        crate::lock::uv::root_package(&lock, &text, &path).map_err(crate::spec::SpecError::Lock)?;
    let dependencies = project_dependencies(project);
    let declared = Declared {
        dependencies: &dependencies,
        extras: &project.extras,
        groups: project
            .groups
            .iter()
            .map(|(name, group)| (name.clone(), group.requirements.clone()))
            .collect(),
    };
    Ok(Some((path, changes(&lock, root, &declared))))
}

/// `[project] dependencies` of the project's `pyproject.toml`, as written
/// (already checked when the project was loaded).
fn project_dependencies(project: &Project) -> Vec<String> {
    project
        .document()
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(toml_edit::Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
