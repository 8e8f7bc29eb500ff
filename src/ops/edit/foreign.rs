//! `penv add`/`remove` in a project another tool manages: refused, with
//! that tool's command, where penv's edit would change nothing the env
//! holds (its env comes from a `uv.lock` or `poetry.lock`, which only uv
//! and Poetry write: the sync after the edit would install the lock as it
//! was) or would hide what the project says (requirements in
//! `[tool.poetry]` or `[tool.pdm]`, which penv reads but does not edit: a
//! `[project]` table it added would win over them).
//!
//! Invariant: decided before anything is written.

use crate::project::edit::EditError;
use crate::project::{PYPROJECT_TOML, Project};
use crate::requirement;

/// Why `penv {verb}` of `packages` (to `group`) is refused, or `None`.
pub(super) fn refusal(
    project: &Project,
    verb: &str,
    packages: &[String],
    group: Option<&str>,
) -> Option<EditError> {
    let command = |tool: &str| {
        let mut command = format!("{tool} {verb}");
        if let Some(group) = group {
            // PDM's `--group` alone makes a new group an extra; `-d` (dev)
            // makes it a dependency group, as penv's `--group` is.
            command.push_str(if tool == "pdm" { " -dG " } else { " --group " });
            command.push_str(&shlex::try_quote(group).unwrap_or_else(|_| group.into()));
        }
        for package in packages {
            command.push(' ');
            command.push_str(&shlex::try_quote(package).unwrap_or_else(|_| package.into()));
        }
        command
    };
    if let Some((table, tool)) = foreign_table(project, group) {
        return Some(EditError::ForeignTable {
            table,
            command: command(tool),
        });
    }
    if crate::plan::lock_path(project).exists() {
        return None;
    }
    let lock = crate::spec::foreign_lock_path(project)?;
    let tool = crate::lock::relock_command(&lock)
        .split(' ')
        .next()
        .unwrap_or_default();
    Some(EditError::ForeignLock {
        lock: lock
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        command: command(tool),
    })
}

/// The Poetry or PDM table an edit of `group` (`None`: the project's
/// requirements) would have to change, and the tool that edits it.
fn foreign_table(project: &Project, group: Option<&str>) -> Option<(String, &'static str)> {
    let doc = project.document();
    if project.file.file_name()? != PYPROJECT_TOML || !project.config.requirements.is_empty() {
        return None;
    }
    let tool = |name: &str| doc.get("tool").and_then(|t| t.get(name));
    let poetry = tool("poetry");
    let Some(group) = group else {
        let deps = poetry.and_then(|p| p.get("dependencies"));
        return (doc.get("project").is_none() && deps.is_some())
            .then(|| ("`[tool.poetry.dependencies]`".to_owned(), "poetry"));
    };
    let wanted = requirement::normalize_name(group);
    let names = |item: Option<&toml_edit::Item>| -> bool {
        item.and_then(toml_edit::Item::as_table_like)
            .is_some_and(|t| {
                t.iter()
                    .any(|(k, _)| requirement::normalize_name(k) == wanted)
            })
    };
    if names(doc.get("dependency-groups")) || project.config.groups.contains_key(group) {
        return None;
    }
    if names(poetry.and_then(|p| p.get("group"))) {
        return Some((format!("`[tool.poetry.group.{group}]`"), "poetry"));
    }
    if wanted == "dev" && poetry.and_then(|p| p.get("dev-dependencies")).is_some() {
        return Some(("`[tool.poetry.dev-dependencies]`".to_owned(), "poetry"));
    }
    if names(tool("pdm").and_then(|p| p.get("dev-dependencies"))) {
        return Some(("`[tool.pdm.dev-dependencies]`".to_owned(), "pdm"));
    }
    None
}
