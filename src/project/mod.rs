//! The project: its file (`penv.toml`, else `[tool.penv]` in `pyproject.toml`),
//! found by walking up from the starting directory, parsed and validated.
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

mod error;
mod load;
mod locate;
pub mod model;
mod pip_options;
mod script;
mod validate;

use std::path::PathBuf;

pub use error::ProjectError;
pub use model::{Config, PipConfig, VenvConfig};

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
    /// Whether this is a script's `# /// script` block, not a project file.
    pub(crate) fn is_script(&self) -> bool {
        self.script
    }
}
