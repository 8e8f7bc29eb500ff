//! Finding the project file and loading it: the walk up from the starting
//! directory, reading through [`crate::text_file`], TOML parsing and
//! deserializing with errors that point into the file.
//!
//! Invariant: a project is returned only after `validate` accepted it, and
//! every parse or type error carries the line and column it is at.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    Config, FileKind, PENV_TOML, PYPROJECT_TOML, Project, ProjectError, RequiresPython, merge,
    pyproject, validate,
};
use crate::diagnostics::{Location, did_you_mean};
use crate::text_file;

impl Project {
    /// Finds the project file in `dir` or the nearest of its parents.
    pub(crate) fn find(dir: &Path) -> Result<Self, ProjectError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        let mut current = Some(dir.as_path());
        while let Some(d) = current {
            let penv = d.join(PENV_TOML);
            if is_to_be_read(&penv) {
                return load(&penv, FileKind::PenvToml);
            }
            let pyproject = d.join(PYPROJECT_TOML);
            if is_to_be_read(&pyproject)
                && let Some(project) = load_pyproject_if_project(&pyproject)?
            {
                return Ok(project);
            }
            current = d.parent();
        }
        Err(not_found(&dir))
    }

    /// Loads a specific project file.
    pub fn load(file: &Path) -> Result<Self, ProjectError> {
        load(file, FileKind::of(file))
    }

    /// Parses project-file text as if read from `file` (the fuzz targets'
    /// entry point; never touches the file system beyond `file`'s name).
    pub fn from_text(file: &Path, text: &str) -> Result<Self, ProjectError> {
        from_source(file, text.to_owned(), FileKind::of(file))
    }
}

impl FileKind {
    /// The kind a file is by its name: `pyproject.toml`, else `penv.toml`.
    fn of(file: &Path) -> Self {
        if file.file_name().is_some_and(|n| n == PYPROJECT_TOML) {
            Self::Pyproject
        } else {
            Self::PenvToml
        }
    }
}

/// Whether the search reads `path` as the project file: anything there but a
/// directory or a dangling symlink (those are passed over, and named in the
/// hint if nothing is found). A FIFO or a device is read, and so refused with
/// an error saying what it is, rather than skipped for a file further up.
fn is_to_be_read(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

fn not_found(dir: &Path) -> ProjectError {
    let mut nearby = None;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if name == PENV_TOML {
                nearby = Some(entry.path());
                break;
            }
            if name == "requirements.txt" || name == PYPROJECT_TOML || name == ".python-version" {
                nearby.get_or_insert(entry.path());
            }
        }
    }
    ProjectError::NotFound {
        dir: dir.to_owned(),
        nearby,
    }
}

/// Loads a `penv.toml`, or the `[tool.penv]` table of a `pyproject.toml` that must have one.
/// A `penv.toml` also takes `requires-python` from the `pyproject.toml`
/// beside it, as uv does: the project's own word on which Pythons it runs on.
fn load(path: &Path, kind: FileKind) -> Result<Project, ProjectError> {
    let source = read_text(path)?;
    let mut project = from_source(path, source, kind)?;
    let sibling = project.root.join(PYPROJECT_TOML);
    if kind == FileKind::PenvToml && is_to_be_read(&sibling) {
        let source = read_text(&sibling)?;
        let doc = parse_toml(&sibling, &source)?;
        let meta: PyprojectMeta = deserialize(&sibling, &source, &doc)?;
        project.requires_python = requires_python(&sibling, &source, &doc, meta.project);
        // `package = true` installs the project beside penv.toml: its
        // extras are those of its `pyproject.toml`.
        if project.package {
            project.extras = pyproject::read(&sibling, &source, &doc)?.extras;
        }
    }
    Ok(project)
}

/// `requires-python` with its location, when `project` has one.
fn requires_python(
    path: &Path,
    source: &str,
    doc: &toml_edit::Document<String>,
    project: Option<PyprojectProject>,
) -> Option<RequiresPython> {
    let value = project?.requires_python?;
    let span = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .and_then(toml_edit::Item::span);
    Some(RequiresPython {
        value,
        file: path.to_owned(),
        location: span.map(|s| Location::from_span(path, source, s)),
    })
}

/// Parses and validates project-file text read from `path`.
fn from_source(path: &Path, source: String, kind: FileKind) -> Result<Project, ProjectError> {
    let doc = parse_toml(path, &source)?;
    let (config, requires_python, prefix, tables) = match kind {
        FileKind::PenvToml => (
            deserialize::<Config>(path, &source, &doc)?,
            None,
            &[][..],
            None,
        ),
        FileKind::Pyproject => {
            let py: Pyproject = deserialize(path, &source, &doc)?;
            let penv = py.tool.and_then(|t| t.penv);
            if penv.is_none() && !pyproject::is_project(&doc) {
                return Err(ProjectError::InvalidFile {
                    path: path.to_owned(),
                    message:
                        "there is no `[project]`, `[dependency-groups]` or `[tool.penv]` table"
                            .to_owned(),
                });
            }
            let tables = pyproject::read(path, &source, &doc)?;
            let requires_python = requires_python(path, &source, &doc, py.project).or_else(|| {
                Some(RequiresPython {
                    value: tables.foreign_python.clone()?,
                    file: path.to_owned(),
                    location: None,
                })
            });
            (
                penv.unwrap_or_default(),
                requires_python,
                &["tool", "penv"][..],
                Some(tables),
            )
        }
    };
    let root = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let mut project = Project {
        root,
        file: path.to_owned(),
        config,
        requires_python,
        requirements: Vec::new(),
        declared_dependencies: Vec::new(),
        groups: std::collections::BTreeMap::new(),
        default_groups: Vec::new(),
        unhonoured: Vec::new(),
        extras: std::collections::BTreeMap::new(),
        package: false,
        source,
        doc,
        prefix,
        script: false,
    };
    merge::merge(&mut project, tables)?;
    validate::validate(&project)?;
    Ok(project)
}

/// Loads a `pyproject.toml` as a project only if it is one: it has a
/// `[tool.penv]`, `[project]` or `[dependency-groups]` table.
fn load_pyproject_if_project(path: &Path) -> Result<Option<Project>, ProjectError> {
    let doc = parse_toml(path, &read_text(path)?)?;
    let has_penv = doc
        .get("tool")
        .and_then(|t| t.as_table_like())
        .is_some_and(|t| t.contains_key("penv"));
    if has_penv || pyproject::is_project(&doc) {
        load(path, FileKind::Pyproject).map(Some)
    } else {
        Ok(None)
    }
}

fn read_text(path: &Path) -> Result<String, ProjectError> {
    Ok(text_file::read(path, text_file::PROJECT_FILE)?)
}

fn parse_toml(path: &Path, source: &str) -> Result<toml_edit::Document<String>, ProjectError> {
    toml_edit::Document::parse(source.to_owned()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim_end();
        let hint = if message.contains("duplicate key") {
            "a key or table may appear only once in a file; merge the two"
        } else if message.contains("recurse") {
            "arrays and tables are nested far too deep; a project file needs two levels"
        } else {
            "see https://toml.io for the syntax; strings need quotes: `python = \"3.12\"`"
        };
        ProjectError::Invalid {
            location: Location::from_span(path, source, span),
            message: format!("invalid TOML: {message}"),
            hint: Some(hint.to_owned()),
        }
    })
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    path: &Path,
    source: &str,
    doc: &toml_edit::Document<String>,
) -> Result<T, ProjectError> {
    toml_edit::de::from_document(doc.clone()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (message, hint) = explain_serde_message(e.message());
        ProjectError::Invalid {
            location: Location::from_span(path, source, span),
            message,
            hint,
        }
    })
}

/// Turns serde's wording into penv's: "unknown key" with a suggestion, and
/// TOML's names for types.
pub(super) fn explain_serde_message(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim_end();
    if let Some(rest) = raw.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once('`')
    {
        let expected: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match did_you_mean(key, expected.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "the keys here are {}",
                expected
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return (format!("unknown key `{key}`"), Some(hint));
    }
    // `GroupConfig`'s `expecting`, which serde gives alone for an untagged enum.
    let raw = if raw.starts_with("an array of requirements") {
        format!("invalid group: expected {raw}")
    } else {
        raw.to_owned()
    };
    let message = raw
        .replace("a sequence", "an array")
        .replace("sequence", "array")
        .replace("a boolean", "a boolean (`true` or `false`)")
        .replace("struct Config", "a table")
        .replace("struct VenvConfig", "a table")
        .replace("struct PipConfig", "a table")
        .replace("struct GroupTable", "a table")
        .replace("a map", "a table")
        .replace("expected usize", "expected a whole number (0 or more)");
    let hint = if message.contains("`requirement-files`") {
        Some(
            "write an array (`dev = [\"pytest>=8\"]`) or a table whose only keys are `requirements` and `requirement-files` (`prod = { requirement-files = [\"requirements/production.txt\"] }`)",
        )
    } else if message.contains("expected an array") {
        Some("write a list of strings: `[\"a\", \"b\"]`")
    } else if message.contains("expected a string") {
        Some("write a string, in double quotes: `\"3.12\"`")
    } else if message.contains("expected a boolean") {
        Some("write `true` or `false`, without quotes")
    } else if message.contains("expected a table") {
        Some("write a table: a `[name]` header with `key = value` lines under it")
    } else if message.contains("expected a whole number") {
        Some("write a number without quotes or a decimal point, e.g. `3`")
    } else {
        None
    };
    (message, hint.map(str::to_owned))
}

#[derive(Deserialize)]
#[serde(expecting = "a TOML document")]
struct Pyproject {
    #[serde(default)]
    project: Option<PyprojectProject>,
    #[serde(default)]
    tool: Option<PyprojectTool>,
}

/// What penv reads of a `pyproject.toml` beside a `penv.toml`.
#[derive(Deserialize)]
#[serde(expecting = "a TOML document")]
struct PyprojectMeta {
    #[serde(default)]
    project: Option<PyprojectProject>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table (`[project]`)")]
struct PyprojectProject {
    #[serde(default, rename = "requires-python")]
    requires_python: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table (`[tool]`)")]
struct PyprojectTool {
    #[serde(default)]
    penv: Option<Config>,
}
