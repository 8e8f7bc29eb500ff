//! The project: its file (`penv.toml`, else `[tool.penv]` in `pyproject.toml`),
//! found by walking up from the starting directory, parsed and validated.
//!
//! A `pyproject.toml` is a project when it has `[tool.penv]`, `[project]`
//! or `[dependency-groups]` (read in `pyproject`); `[tool.penv]`'s keys win
//! over what the standard tables say, and the merged view (requirements,
//! groups, extras, whether the project itself is installed) is what later
//! stages read, never `Config` alone.
//!
//! Invariant: a `Project` that loaded is well-formed — every key known, every
//! type right, every requirement string valid PEP 508 — so later stages only
//! meet problems of the outside world (missing files, no interpreter, pip).
//! Every problem with the file is reported with its line and column.
//!
//! The first stage of the pipeline: it imports no later one (only
//! `crate::requirement` and the `python` request syntax, to check what
//! the file says). Finding and reading is in `load`, the checks serde
//! cannot make in `validate` and `pip_options`, key locations for errors
//! found later in `locate`, the file's types in [`model`].

pub mod edit;
mod error;
mod installer;
mod load;
mod locate;
mod merge;
pub mod model;
mod pip_options;
mod poetry;
mod pyproject;
mod script;
pub(crate) mod tasks;
mod tool_uv;
pub(crate) use poetry::constraint as poetry_constraint;
pub(crate) use pyproject::is_project as is_pyproject_project;
pub(crate) use tool_uv::check_honoured;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use error::ProjectError;
pub use installer::Installer;
pub use model::{
    Config, GroupConfig, GroupTable, LinkMode, PipConfig, TaskCommand, TaskConfig, TaskTable,
    VenvConfig,
};

use crate::diagnostics::Location;

/// The name of penv's own project file.
pub(crate) const PENV_TOML: &str = "penv.toml";
/// The name of the Python packaging file that may hold `[tool.penv]`.
pub(crate) const PYPROJECT_TOML: &str = "pyproject.toml";

/// Which file the configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
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
    pub(crate) root: PathBuf,
    /// The project file.
    pub(crate) file: PathBuf,
    /// The parsed configuration.
    pub config: Config,
    /// `requires-python` of the project's `pyproject.toml` (the project
    /// file itself, or the one beside `penv.toml`), when there is one.
    pub(crate) requires_python: Option<RequiresPython>,
    /// The requirements: `requirements`, else (in a `pyproject.toml` whose
    /// project is not installed itself) `[project] dependencies`.
    pub(crate) requirements: Vec<String>,
    /// A `pyproject.toml`'s own dependencies, whether or not pip reads them
    /// from the installed project: `[project] dependencies`, else
    /// `[tool.poetry.dependencies]` made PEP 508 (what a foreign lock's
    /// walk starts from). Empty for `penv.toml`.
    pub(crate) declared_dependencies: Vec<String>,
    /// The groups: `[groups]` and `[dependency-groups]`, one namespace.
    pub(crate) groups: BTreeMap<String, Group>,
    /// The groups a plain sync installs.
    pub(crate) default_groups: Vec<String>,
    /// `[project.optional-dependencies]`, by normalized name.
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// Whether the project itself is installed, editable (`-e .`).
    pub(crate) package: bool,
    /// `[tool.uv]` keys that would change an env penv resolves itself and
    /// that it cannot honour (`tool_uv::UNHONOURED`), with where they are:
    /// an error unless a `uv.lock` is installed.
    pub(crate) unhonoured: Vec<(String, Option<Location>)>,
    /// The file's text, for locations.
    source: String,
    /// The parsed file, for locations.
    doc: toml_edit::Document<String>,
    /// The keys of the penv table: none in `penv.toml`, `tool.penv` in
    /// `pyproject.toml`.
    prefix: &'static [&'static str],
    /// A script's `# /// script` block (`requirements` are its
    /// top-level `dependencies`), not a project file.
    script: bool,
}

/// A group, wherever it is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// PEP 508 requirement strings.
    pub(crate) requirements: Vec<String>,
    /// Requirement files, relative to the project file.
    pub(crate) requirement_files: Vec<String>,
    /// Its key from the top of the file (`["groups", "dev"]`,
    /// `["dependency-groups", "Dev"]`), for locations.
    pub(crate) keys: Vec<String>,
}

impl Project {
    /// The group `name` stands for, compared PEP 503-normalized as PEP 735
    /// says (`Test_Utils` is `test-utils`): its key and definition.
    pub(crate) fn group(&self, name: &str) -> Option<(&String, &Group)> {
        let wanted = crate::requirement::normalize_name(name);
        self.groups
            .iter()
            .find(|(key, _)| crate::requirement::normalize_name(key) == wanted)
    }

    /// The extra `name` stands for (PEP 685: compared normalized).
    pub(crate) fn extra(&self, name: &str) -> Option<(&String, &Vec<String>)> {
        self.extras
            .get_key_value(&crate::requirement::normalize_name(name))
    }
}

/// `[project] requires-python` of a `pyproject.toml`, and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct RequiresPython {
    /// The specifier, as written.
    pub(crate) value: String,
    /// The `pyproject.toml` it is in.
    pub(crate) file: PathBuf,
    /// Its position there, for errors.
    pub(crate) location: Option<Location>,
}

impl Project {
    /// The parsed project file.
    pub(crate) fn document(&self) -> &toml_edit::Document<String> {
        &self.doc
    }

    /// Whether this is a script's `# /// script` block, not a project file.
    pub(crate) fn is_script(&self) -> bool {
        self.script
    }
}
