//! Everything that can be wrong with finding, reading or validating the
//! project file, each error with where it is and what to do about it.

use std::path::PathBuf;

use super::PENV_TOML;
use crate::diagnostics::{Location, display_path};
use crate::text_file::TextFileError;

/// Everything that can be wrong with finding or reading the project file.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// `-C DIR` names no directory.
    #[error("`{}` is not a directory", display_path(dir))]
    NoSuchDirectory {
        /// The directory given.
        dir: PathBuf,
    },
    /// No project file in the directory or above it.
    #[error(
        "no `penv.toml` found in `{}` or any parent directory",
        display_path(dir)
    )]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
        /// A file nearby that suggests what the user meant.
        nearby: Option<PathBuf>,
    },
    /// The file could not be read: missing, unreadable, not a regular
    /// file, too large, not UTF-8.
    #[error(transparent)]
    Read(#[from] TextFileError),
    /// The file is not valid TOML, or a key or value is wrong.
    #[error("{}: {message}", location.position())]
    Invalid {
        /// Where.
        location: Location,
        /// What was expected.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
    /// `--script FILE` names a script without a `# /// script` block.
    #[error("`{}` has no `# /// script` block", display_path(path))]
    NoScriptBlock {
        /// The script.
        path: PathBuf,
        /// The 1-based line of a `# /// script` that is never closed.
        unclosed: Option<usize>,
    },
    /// Something is wrong that has no single place in the file.
    #[error("`{}`: {message}", display_path(path))]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What was expected.
        message: String,
    },
}

impl ProjectError {
    /// Where in the file the problem is.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::Read(e) => e.location(),
            Self::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            // Only a `penv.toml` that is not a file is passed over by the search.
            Self::NotFound { nearby: Some(path), .. }
                if path.file_name().is_some_and(|n| n == PENV_TOML) =>
            {
                Some(format!(
                    "`{}` is not a file (a directory, or a symlink to nothing); make it the project file",
                    display_path(path)
                ))
            }
            Self::NotFound { nearby: Some(path), .. }
                if path.file_name().is_some_and(|n| n.eq_ignore_ascii_case(PENV_TOML)) =>
            {
                Some(format!("found `{}`: the file must be named `penv.toml` (lowercase)", display_path(path)))
            }
            Self::NotFound { nearby: Some(path), .. } => Some(format!(
                "found `{}`; create a `penv.toml` beside it, e.g.\n\n    python = \"3.12\"\n    requirement-files = [\"requirements.txt\"]\n\n  or add a `[tool.penv]` table to `pyproject.toml`",
                display_path(path)
            )),
            Self::NotFound { .. } => Some(
                "create a `penv.toml` in the project's root (e.g. `python = \"3.12\"`), or pass `-C DIR`".to_owned(),
            ),
            Self::NoSuchDirectory { .. } => Some(
                "give `-C` an existing directory: the project's, or one inside it".to_owned(),
            ),
            Self::Read(e) => Some(e.hint()),
            Self::Invalid { hint, .. } => hint.clone(),
            Self::InvalidFile { .. } => None,
            Self::NoScriptBlock { unclosed: Some(line), .. } => Some(format!(
                "line {line} opens one, but no `# ///` line closes it after an unbroken run of `#` lines"
            )),
            Self::NoScriptBlock { .. } => Some(
                "add one at the top (PEP 723):\n\n    # /// script\n    # dependencies = [\"rich\"]\n    # ///\n\n  or run it without `--script`, in the project's env".to_owned(),
            ),
        }
    }
}
