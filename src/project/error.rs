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
            Self::NotFound {
                nearby: Some(path), ..
            } if path.file_name().is_some_and(|n| n == PENV_TOML) => Some(format!(
                "`{}` is not a file (a directory, or a symlink to nothing); make it the project file",
                display_path(path)
            )),
            Self::NotFound {
                nearby: Some(path), ..
            } if path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(PENV_TOML)) =>
            {
                Some(format!(
                    "found `{}`: the file must be named `penv.toml` (lowercase)",
                    display_path(path)
                ))
            }
            Self::NotFound {
                nearby: Some(path), ..
            } => Some(format!(
                "found `{}`: `penv init` writes a `penv.toml` from it and the files beside it",
                display_path(path)
            )),
            Self::NotFound { .. } => Some(
                "run `penv init` in the project's root to write a `penv.toml`, or pass `-C DIR`"
                    .to_owned(),
            ),
            Self::NoSuchDirectory { .. } => {
                Some("give `-C` an existing directory: the project's, or one inside it".to_owned())
            }
            Self::Read(e) => Some(e.hint()),
            Self::Invalid { hint, .. } => hint.clone(),
            Self::InvalidFile { .. } => None,
        }
    }
}
