//! The project as later stages see it: the penv table's keys merged with
//! what a `pyproject.toml` says in its standard tables.
//!
//! Invariant: the penv table's keys win — `requirements` replaces
//! `[project] dependencies`, `default-groups` replaces the implicit `dev`,
//! `package` decides over `[build-system]` — and a name defined twice (a
//! group both in `[tool.penv.groups]` and `[dependency-groups]`) is an error,
//! never a silent choice of one.

use super::pyproject::PyprojectTables;
use super::{Group, Project, ProjectError};
use crate::requirement::normalize_name;

/// Fills in `project`'s merged view from its penv table and, for a
/// `pyproject.toml`, its standard tables.
pub(super) fn merge(
    project: &mut Project,
    tables: Option<PyprojectTables>,
) -> Result<(), ProjectError> {
    let is_pyproject = tables.is_some();
    let tables = tables.unwrap_or_default();
    let config = &project.config;
    let prefix: Vec<String> = project.prefix.iter().map(|k| (*k).to_owned()).collect();
    for (name, group) in &config.groups {
        let mut keys = prefix.clone();
        keys.extend(["groups".to_owned(), name.clone()]);
        project.groups.insert(
            name.clone(),
            Group {
                requirements: group.requirements().to_vec(),
                requirement_files: group.requirement_files().to_vec(),
                keys,
            },
        );
    }
    for (name, group) in tables.groups {
        if let Some(clash) = project
            .groups
            .keys()
            .find(|k| normalize_name(k) == name)
            .cloned()
        {
            let location = project.locate(&["groups", &clash]);
            let message = format!(
                "group `{clash}` is defined both in `[tool.penv.groups]` and in `[dependency-groups]` (as `{}`)",
                group.written
            );
            let hint = Some("keep one of the two definitions: group names share one namespace (compared normalized, PEP 503)".to_owned());
            return Err(match location {
                Some(location) => ProjectError::Invalid {
                    location,
                    message,
                    hint,
                },
                None => ProjectError::InvalidFile {
                    path: project.file.clone(),
                    message,
                },
            });
        }
        project.groups.insert(
            name,
            Group {
                requirements: group.requirements,
                requirement_files: Vec::new(),
                keys: vec!["dependency-groups".to_owned(), group.written],
            },
        );
    }
    super::tool_uv::merge_dev_dependencies(project, &tables.tool_uv);
    super::tool_uv::merge_index_settings(&mut project.config, &tables.tool_uv);
    project.unhonoured = tables
        .tool_uv
        .unhonoured
        .iter()
        .map(|(key, span)| {
            let at = span.clone().map(|s| {
                crate::diagnostics::Location::from_span(&project.file, &project.source, s)
            });
            (key.clone(), at)
        })
        .collect();
    let config = &project.config;
    project.package = config
        .package
        .or(tables.tool_uv.package)
        .or(tables.poetry_package_mode.filter(|mode| !mode))
        .unwrap_or(is_pyproject && tables.build_system);
    project
        .declared_dependencies
        .clone_from(&tables.dependencies);
    project.requirements = if !config.requirements.is_empty() || !is_pyproject {
        config.requirements.clone()
    } else if project.package {
        // pip reads them from the project's metadata when it installs it
        // (`-e .`); listing them too would change nothing pip does.
        Vec::new()
    } else if tables.dynamic_dependencies {
        return Err(dynamic_dependencies(project));
    } else {
        tables.dependencies
    };
    project.default_groups = match (&config.default_groups, &tables.tool_uv.default_groups) {
        (Some(groups), _) => groups.clone(),
        (None, Some(uv)) => super::tool_uv::default_groups(uv, &project.groups),
        // uv's default: the `dev` dependency group, when there is one.
        (None, None) if tables.foreign_default_groups.is_some() => {
            tables.foreign_default_groups.clone().unwrap_or_default()
        }
        (None, None) if is_pyproject && project.groups.contains_key("dev") => {
            vec!["dev".to_owned()]
        }
        (None, None) => Vec::new(),
    };
    project.extras = tables.extras;
    Ok(())
}

/// `dynamic = ["dependencies"]` in a project that is not installed itself.
fn dynamic_dependencies(project: &Project) -> ProjectError {
    let message = "`[project] dependencies` are dynamic (`dynamic = [\"dependencies\"]`): the build backend computes them, and penv cannot read them from the file".to_owned();
    let hint = Some("list the requirements in `[tool.penv] requirements`, or have pip install the project with its dependencies: give it a `[build-system]`, or set `[tool.penv] package = true`".to_owned());
    match project.locate_from_top(&["project", "dynamic"]) {
        Some(location) => ProjectError::Invalid {
            location,
            message,
            hint,
        },
        None => ProjectError::InvalidFile {
            path: project.file.clone(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::Project;

    fn pyproject(text: &str) -> Result<Project, String> {
        Project::from_text(Path::new("/p/pyproject.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_pyproject_without_tool_penv_is_a_project() {
        let p = pyproject(
            "[project]\nname = \"x\"\ndependencies = [\"six\"]\n\
             [project.optional-dependencies]\ncli = [\"click\"]\n\
             [dependency-groups]\ndev = [\"pytest\"]\nDocs = [\"sphinx\"]\n",
        )
        .unwrap();
        assert!(!p.package, "no [build-system]: not installed itself");
        assert_eq!(p.requirements, ["six"]);
        assert_eq!(p.default_groups, ["dev"], "uv's default");
        assert_eq!(p.group("docs").unwrap().0, "docs");
        assert_eq!(p.extra("CLI").unwrap().1, &["click"]);
        // With a build system, pip brings the dependencies with `-e .`.
        let p = pyproject(
            "[build-system]\nrequires = []\n[project]\nname = \"x\"\ndependencies = [\"six\"]\n",
        )
        .unwrap();
        assert!(p.package);
        assert!(p.requirements.is_empty());
    }

    #[test]
    fn tool_penv_keys_win() {
        let p = pyproject(
            "[build-system]\nrequires = []\n[project]\nname = \"x\"\ndependencies = [\"six\"]\n\
             [dependency-groups]\ndev = [\"pytest\"]\ntests = [\"pytest\"]\n\
             [tool.penv]\npackage = false\nrequirements = [\"rich\"]\ndefault-groups = [\"tests\"]\n\
             [tool.penv.groups]\nprod = { requirement-files = [\"req/prod.txt\"] }\n",
        )
        .unwrap();
        assert!(!p.package);
        assert_eq!(p.requirements, ["rich"]);
        assert_eq!(p.default_groups, ["tests"]);
        assert_eq!(p.groups["prod"].requirement_files, ["req/prod.txt"]);
        assert_eq!(p.groups["dev"].keys, ["dependency-groups", "dev"]);
    }

    #[test]
    fn a_group_in_both_tables_and_dynamic_dependencies_are_errors() {
        let err = pyproject(
            "[dependency-groups]\ntest_utils = []\n[tool.penv.groups]\nTest-Utils = [\"x\"]\n",
        )
        .unwrap_err();
        assert!(err.starts_with("/p/pyproject.toml:4:1"), "{err}");
        assert!(
            err.contains("both in `[tool.penv.groups]` and in `[dependency-groups]`"),
            "{err}"
        );
        let err = pyproject("[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n").unwrap_err();
        assert!(
            err.starts_with("/p/pyproject.toml:3:11") && err.contains("dynamic"),
            "{err}"
        );
        // Installed itself, pip computes them: fine.
        pyproject("[build-system]\n[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n")
            .unwrap();
        let err = pyproject("[tool.other]\nx = 1\n").unwrap_err();
        assert!(
            err.contains("no `[project]`, `[dependency-groups]` or `[tool.penv]`"),
            "{err}"
        );
    }

    #[test]
    fn groups_are_arrays_or_tables() {
        let p = Project::from_text(
            Path::new("/p/penv.toml"),
            "[groups]\ndev = [\"pytest\"]\nprod = { requirements = [\"gunicorn\"], requirement-files = [\"prod.txt\"] }\n",
        )
        .unwrap();
        assert_eq!(p.groups["prod"].requirements, ["gunicorn"]);
        assert_eq!(p.groups["dev"].requirement_files, Vec::<String>::new());
        assert!(!p.package && p.default_groups.is_empty());
        let err = Project::from_text(
            Path::new("/p/penv.toml"),
            "[groups]\nprod = { files = [\"x\"] }\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("/p/penv.toml:2:8"), "{err}");
        assert!(
            err.hint().unwrap().contains("`requirement-files`"),
            "{:?}",
            err.hint()
        );
        let err = Project::from_text(
            Path::new("/p/penv.toml"),
            "[groups]\nprod = { requirements = [\"not valid!\"] }\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("/p/penv.toml:2:26"), "{err}");
    }
}
