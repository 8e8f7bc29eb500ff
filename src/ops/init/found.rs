//! What `penv init` finds in a directory: `.python-version`, the
//! requirement files (which is the main one, which are groups), and what
//! kind of `pyproject.toml` is there.
//!
//! Invariant: only reads. The main requirement file is `requirements.txt`
//! (else `requirements/base.txt`, `common.txt`, `main.txt`); every other
//! `requirements*.txt`, `*-requirements.txt` and `requirements/*.txt` is a
//! group named by what its name adds (`requirements-dev.txt` → `dev`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::Error;
use crate::project::PYPROJECT_TOML;
use crate::{fs, text_file};

/// What was found.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// The first version in `.python-version` and its line.
    pub(super) python_version: Option<(usize, String)>,
    pub(super) files: RequirementFiles,
    pub(super) pyproject: Option<Pyproject>,
    /// Requirement files that name no valid group, as found.
    pub(super) unnamed: Vec<String>,
    /// Other tools' files and tables, read or not.
    pub(super) foreign: Vec<crate::ops::foreign::Foreign>,
}

/// The requirement files, relative to the directory, `/`-separated.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RequirementFiles {
    pub(super) main: Option<String>,
    /// Group name → its files.
    pub(super) groups: BTreeMap<String, Vec<String>>,
}

/// What a `pyproject.toml` holds that matters to penv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pyproject {
    /// `[project]` or `[dependency-groups]`: penv loads it as a project.
    pub(super) is_project: bool,
    /// `[tool.penv]`.
    pub(super) tool_penv: bool,
}

impl Found {
    /// Looks in `dir`.
    pub(super) fn scan(dir: &Path) -> Result<Self, Error> {
        let mut found = Self::default();
        let version_file = dir.join(".python-version");
        if let Some(text) = text_file::read_optional(&version_file, text_file::PYTHON_VERSION_FILE)
            .map_err(crate::project::ProjectError::from)?
        {
            found.python_version = text
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.split_whitespace().next().unwrap_or_default()))
                .find(|(_, l)| !l.is_empty() && !l.starts_with('#'))
                .map(|(i, l)| (i, l.to_owned()));
        }
        let mut names = Vec::new();
        for (name, kind) in fs::list_dir(dir)? {
            if kind.is_file() {
                names.push(name.to_string_lossy().into_owned());
            }
        }
        let sub = dir.join("requirements");
        if fs::lstat(&sub)?.is_some_and(|m| m.is_dir()) {
            for (name, kind) in fs::list_dir(&sub)? {
                if kind.is_file() {
                    names.push(format!("requirements/{}", name.to_string_lossy()));
                }
            }
        }
        names.sort();
        (found.files, found.unnamed) = classify(&names);
        let pyproject = dir.join(PYPROJECT_TOML);
        if let Some(text) = text_file::read_optional(&pyproject, text_file::PROJECT_FILE)
            .map_err(crate::project::ProjectError::from)?
        {
            let doc: toml_edit::DocumentMut =
                text.parse()
                    .map_err(|e: toml_edit::TomlError| Error::Edit {
                        file: pyproject.clone(),
                        source: crate::project::edit::EditError::Toml(
                            e.message().trim_end().to_owned(),
                        ),
                    })?;
            let is_project = toml_edit::Document::parse(text.clone())
                .is_ok_and(|d| crate::project::is_pyproject_project(&d));
            found.pyproject = Some(Pyproject {
                is_project,
                tool_penv: doc
                    .get("tool")
                    .and_then(|t| t.as_table_like())
                    .is_some_and(|t| t.contains_key("penv")),
            });
        }
        let is_project = found.pyproject.is_some_and(|p| p.is_project);
        found.foreign = crate::ops::foreign::scan(dir, is_project);
        Ok(found)
    }

    /// One line per thing found, and what `penv init` makes of it.
    pub(super) fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((_, version)) = &self.python_version {
            out.push(format!("`.python-version`: `{version}`"));
        }
        if let Some(py) = &self.pyproject {
            out.push(if py.is_project {
                format!("`{PYPROJECT_TOML}` with `[project]`, `[dependency-groups]` or Poetry's or PDM's dependencies: loaded as it stands")
            } else {
                format!("`{PYPROJECT_TOML}` without `[project]`: not a project of its own")
            });
        }
        if let Some(main) = &self.files.main {
            out.push(format!("`{main}`: the requirements"));
        }
        for (group, files) in &self.files.groups {
            for file in files {
                out.push(format!("`{file}`: group `{group}`"));
            }
        }
        for file in &self.unnamed {
            out.push(format!(
                "`{file}`: left out (no group name in its file name)"
            ));
        }
        for foreign in &self.foreign {
            out.push(format!("`{}`: {}", foreign.name, foreign.what));
        }
        out
    }
}

/// Splits requirement file names into the main one, groups, and those
/// that name no group.
fn classify(names: &[String]) -> (RequirementFiles, Vec<String>) {
    let mut files = RequirementFiles::default();
    let mut unnamed = Vec::new();
    let candidates: Vec<&String> = names.iter().filter(|n| is_requirement_file(n)).collect();
    files.main = [
        "requirements.txt",
        "requirements/base.txt",
        "requirements/common.txt",
        "requirements/main.txt",
        "requirements/requirements.txt",
    ]
    .into_iter()
    .find(|main| candidates.iter().any(|c| c == main))
    .map(str::to_owned);
    for name in candidates {
        if Some(name) == files.main.as_ref() {
            continue;
        }
        match group_name(name) {
            Some(group) => files.groups.entry(group).or_default().push(name.clone()),
            None => unnamed.push(name.clone()),
        }
    }
    (files, unnamed)
}

/// `requirements*.txt`, `*-requirements.txt` / `*_requirements.txt`, or
/// any `.txt` in `requirements/`.
fn is_requirement_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".txt") else {
        return false;
    };
    if let Some(inner) = stem.strip_prefix("requirements/") {
        return !inner.contains('/');
    }
    stem.starts_with("requirements")
        || stem.ends_with("-requirements")
        || stem.ends_with("_requirements")
}

/// The group a requirement file is: `requirements-dev.txt`,
/// `requirements_dev.txt`, `dev-requirements.txt` and
/// `requirements/dev.txt` are `dev`. `None` when the rest is not a valid
/// group name (letters, digits, `-`, `_`, `.`, starting and ending with a
/// letter or digit).
fn group_name(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".txt")?;
    let raw = if let Some(inner) = stem.strip_prefix("requirements/") {
        inner
    } else if let Some(rest) = stem.strip_prefix("requirements") {
        rest.trim_start_matches(['-', '_', '.'])
    } else {
        stem.trim_end_matches("requirements")
            .trim_end_matches(['-', '_', '.'])
    };
    let group = match raw.to_ascii_lowercase() {
        // `requirements/development.txt` is the dev group a plain sync installs.
        dev if dev == "development" || dev == "develop" => "dev".to_owned(),
        other => other,
    };
    let valid = group.starts_with(|c: char| c.is_ascii_alphanumeric())
        && group.ends_with(|c: char| c.is_ascii_alphanumeric())
        && group
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then_some(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn the_main_file_and_groups_are_named_from_the_file_names() {
        let (files, unnamed) = classify(&names(&[
            "README.md",
            "dev-requirements.txt",
            "requirements-docs.txt",
            "requirements.in",
            "requirements.txt",
            "requirements/dev.txt",
            "requirements/development.txt",
            "requirements/Tests.txt",
            "requirements_lint.txt",
            "requirements-.txt",
        ]));
        assert_eq!(files.main.as_deref(), Some("requirements.txt"));
        let groups: Vec<(&str, Vec<&str>)> = files
            .groups
            .iter()
            .map(|(g, f)| (g.as_str(), f.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "dev",
                    vec![
                        "dev-requirements.txt",
                        "requirements/dev.txt",
                        "requirements/development.txt"
                    ]
                ),
                ("docs", vec!["requirements-docs.txt"]),
                ("lint", vec!["requirements_lint.txt"]),
                ("tests", vec!["requirements/Tests.txt"]),
            ]
        );
        assert_eq!(unnamed, ["requirements-.txt"]);
    }

    #[test]
    fn a_requirements_dir_may_hold_the_main_file() {
        let (files, _) = classify(&names(&[
            "requirements/base.txt",
            "requirements/production.txt",
        ]));
        assert_eq!(files.main.as_deref(), Some("requirements/base.txt"));
        assert_eq!(files.groups.keys().collect::<Vec<_>>(), ["production"]);
        let (files, _) = classify(&names(&["requirements/dev.txt"]));
        assert_eq!(files.main, None);
    }
}
