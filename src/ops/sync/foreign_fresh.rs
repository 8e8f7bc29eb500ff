//! Before a sync that uses another tool's lock (`uv.lock`, `poetry.lock`;
//! no `pylock.toml` beside it): whether it is still the lock of
//! `pyproject.toml`, as that tool judges it (`lock::uv::fresh`,
//! `lock::poetry::fresh`). `--locked` refuses a stale one; a plain sync
//! installs it as it is, with a warning (penv never rewrites another
//! tool's lock: `uv lock`, `poetry lock` do).

use std::path::PathBuf;

use crate::Error;
use crate::lock::uv::fresh::{Declared, changes};
use crate::project::Project;

/// The other tool's lock in use and what changed since it was written
/// (empty: it is `pyproject.toml`'s); `None` when none is in use.
pub(crate) fn foreign_lock_changes(
    project: &Project,
) -> Result<Option<(PathBuf, Vec<String>)>, Error> {
    if crate::plan::lock_path(project).exists() {
        return Ok(None);
    }
    let Some(path) = crate::spec::foreign_lock_path(project) else {
        return Ok(None);
    };
    let Some(text) = crate::text_file::read_optional(&path, crate::lock::LOCK_FILE)
        .map_err(|e| crate::spec::SpecError::Lock(e.into()))?
    else {
        return Ok(None);
    };
    if path.ends_with(crate::lock::pdm::PDM_LOCK_FILE_NAME) {
        let (_, recorded) =
            crate::lock::pdm::parse(&text, &path).map_err(crate::spec::SpecError::Lock)?;
        let fresh = crate::lock::pdm::fresh::is_fresh(recorded.as_deref(), project.document());
        let changes = if fresh {
            vec![]
        } else {
            vec![format!(
                "its `content_hash` is not PDM's hash of `pyproject.toml` now{}",
                if recorded.is_some() {
                    " (its dependencies, groups, sources or resolution settings changed since it was locked)"
                } else {
                    " (it records none)"
                }
            )]
        };
        return Ok(Some((path, changes)));
    }
    if path.ends_with(crate::lock::poetry::POETRY_LOCK_FILE_NAME) {
        let lock =
            crate::lock::poetry::parse(&text, &path).map_err(crate::spec::SpecError::Lock)?;
        let recorded = lock.metadata.content_hash.as_deref();
        let fresh = crate::lock::poetry::fresh::is_fresh(&text, recorded, project.document());
        let changes = if fresh {
            vec![]
        } else {
            vec![format!(
                "its `content-hash` is not Poetry's hash of `pyproject.toml` now{}",
                if recorded.is_some() {
                    " (its dependencies, extras, groups or sources changed since it was locked)"
                } else {
                    " (it records none)"
                }
            )]
        };
        return Ok(Some((path, changes)));
    }
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
