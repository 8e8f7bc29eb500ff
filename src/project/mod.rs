//! The project: its file (`penv.toml`, else `[tool.penv]` in `pyproject.toml`),
//! found by walking up from the starting directory, parsed and validated.
//!
//! Invariant: a `Project` that loaded is well-formed — every key known, every
//! type right, every requirement string valid PEP 508 — so later stages only
//! meet problems of the outside world (missing files, no interpreter, pip).
//! Every problem with the file is reported with its line and column.

mod load;
pub mod model;

use std::path::{Path, PathBuf};

pub use load::ProjectError;
pub use model::{Config, PipConfig, VenvConfig};

use crate::diagnostics::Location;

/// The name of penv's own project file.
pub const PENV_TOML: &str = "penv.toml";
/// The name of the Python packaging file that may hold `[tool.penv]`.
pub const PYPROJECT_TOML: &str = "pyproject.toml";
/// Larger project files are refused (they are not project files).
pub const MAX_FILE_SIZE: u64 = crate::text_file::PROJECT_FILE.cap;

/// Which file the configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `penv.toml`.
    PenvToml,
    /// `[tool.penv]` in `pyproject.toml`.
    Pyproject,
}

/// A loaded project.
#[derive(Debug)]
pub struct Project {
    /// The absolute directory holding the project file; relative paths in it
    /// are relative to this.
    pub root: PathBuf,
    /// The project file.
    pub file: PathBuf,
    /// Which kind of file it is.
    pub kind: FileKind,
    /// The parsed configuration.
    pub config: Config,
    /// `requires-python` of the project's `pyproject.toml` (the project
    /// file itself, or the one beside `penv.toml`), when there is one.
    pub requires_python: Option<RequiresPython>,
    source: String,
    doc: toml_edit::Document<String>,
    prefix: &'static [&'static str],
}

/// `[project] requires-python` of a `pyproject.toml`, and where it is written.
#[derive(Debug, Clone)]
pub struct RequiresPython {
    /// The specifier, as written.
    pub value: String,
    /// The `pyproject.toml` it is in.
    pub file: PathBuf,
    /// Its position there, for errors.
    pub location: Option<Location>,
}

impl Project {
    /// Finds the project file: `dir` itself when `explicit` (`-C DIR`), else
    /// `dir` and each of its parents in turn.
    pub fn find(dir: &Path, explicit: bool) -> Result<Self, ProjectError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        if explicit && !dir.is_dir() {
            return Err(ProjectError::NoSuchDirectory { dir });
        }
        let mut current = Some(dir.as_path());
        while let Some(d) = current {
            let penv = d.join(PENV_TOML);
            if is_to_be_read(&penv) {
                return load::load(&penv, FileKind::PenvToml);
            }
            let pyproject = d.join(PYPROJECT_TOML);
            if is_to_be_read(&pyproject)
                && let Some(project) = load::load_pyproject_if_penv(&pyproject)?
            {
                return Ok(project);
            }
            if explicit {
                break;
            }
            current = d.parent();
        }
        Err(load::not_found(&dir, explicit))
    }

    /// Loads a specific project file.
    pub fn load(file: &Path) -> Result<Self, ProjectError> {
        let kind = if file.file_name().is_some_and(|n| n == PYPROJECT_TOML) {
            FileKind::Pyproject
        } else {
            FileKind::PenvToml
        };
        load::load(file, kind)
    }

    /// Parses project-file text as if read from `file` (the fuzz targets'
    /// entry point; never touches the file system beyond `file`'s name).
    pub fn from_text(file: &Path, text: &str) -> Result<Self, ProjectError> {
        let kind = if file.file_name().is_some_and(|n| n == PYPROJECT_TOML) {
            FileKind::Pyproject
        } else {
            FileKind::PenvToml
        };
        load::from_source(file, text.to_owned(), kind)
    }

    /// The location of a key or array element, e.g. `["pip", "find-links", "0"]`,
    /// for errors found after parsing. Falls back to the innermost item found.
    pub fn locate(&self, keys: &[&str]) -> Option<Location> {
        self.locate_keys(self.prefix.iter().chain(keys))
    }

    /// Like [`Project::locate`], from the file's top level rather than the
    /// penv table, e.g. `["project", "requires-python"]` in `pyproject.toml`.
    pub fn locate_in_file(&self, keys: &[&str]) -> Option<Location> {
        self.locate_keys(keys.iter())
    }

    fn locate_keys<'k>(&self, keys: impl Iterator<Item = &'k &'k str>) -> Option<Location> {
        let mut node = Node::Item(self.doc.as_item());
        let mut span = None;
        for key in keys {
            let Some(next) = node.child(key) else { break };
            span = next.span().or(span);
            node = next;
        }
        span.map(|s| Location::from_span(&self.file, &self.source, s))
    }

    /// The `.python-version` file in the project root, when there is one.
    pub fn python_version_file(&self) -> PathBuf {
        self.root.join(".python-version")
    }
}

/// Whether the search reads `path` as the project file: anything there but a
/// directory or a dangling symlink (those are passed over, and named in the
/// hint if nothing is found). A FIFO or a device is read, and so refused with
/// an error saying what it is, rather than skipped for a file further up.
pub(crate) fn is_to_be_read(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

/// A step of a walk through a parsed TOML document.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
}

impl<'a> Node<'a> {
    fn child(self, key: &str) -> Option<Node<'a>> {
        let value = match self {
            Node::Item(toml_edit::Item::Table(t)) => return t.get(key).map(Node::Item),
            Node::Item(toml_edit::Item::Value(v)) | Node::Value(v) => v,
            Node::Item(_) => return None,
        };
        match value {
            toml_edit::Value::InlineTable(t) => t.get(key).map(Node::Value),
            toml_edit::Value::Array(a) => key.parse().ok().and_then(|i| a.get(i)).map(Node::Value),
            _ => None,
        }
    }

    fn span(self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
        }
    }
}
