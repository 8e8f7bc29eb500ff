//! Why a spec could not be built: a requirement file, a `find-links`
//! directory, a `[venv] pip-version`, a `[pip]` URL variable, a group, or a
//! local project's metadata. Each error knows where it is written and what
//! to do about it, for the one renderer in [`crate::diagnostics`].

use std::path::PathBuf;

use super::reqfile::ReqFileError;
use crate::diagnostics::{Location, display_path};
use crate::fs::FsError;

/// Errors building the spec.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A requirement file problem.
    #[error(transparent)]
    ReqFile(#[from] ReqFileError),
    /// A `find-links` directory that does not exist.
    #[error("`find-links` directory `{}` does not exist", display_path(path))]
    FindLinksMissing {
        /// The directory.
        path: PathBuf,
        /// Where it is named.
        location: Option<Location>,
    },
    /// `[venv] pip-version` is neither a version nor PEP 440 specifiers.
    #[error(
        "`[venv] pip-version = \"{value}\"` is neither a pip version nor PEP 440 version specifiers"
    )]
    BadPipVersion {
        /// The value.
        value: String,
        /// Where it is written.
        location: Option<Location>,
    },
    /// A `${NAME}` in a `[pip]` URL names no environment variable.
    #[error("`${{{name}}}` in `[pip] {key}` is not set in the environment")]
    UndefinedVariable {
        /// The variable.
        name: String,
        /// The key (`index-url`, `extra-index-urls`, `find-links`).
        key: &'static str,
        /// Where the URL is written.
        location: Option<Location>,
    },
    /// `--group` names a group the project does not define.
    #[error("there is no group `{name}` in `{}`", display_path(file))]
    UnknownGroup {
        /// The group asked for.
        name: String,
        /// The project file.
        file: PathBuf,
        /// The groups there are.
        known: Vec<String>,
    },
    /// `--extra` names an extra the project does not define.
    #[error("there is no extra `{name}` in `{}`", display_path(file))]
    UnknownExtra {
        /// The extra asked for.
        name: String,
        /// The project file.
        file: PathBuf,
        /// The extras there are.
        known: Vec<String>,
    },
    /// A local project's metadata file that cannot be read.
    #[error(transparent)]
    Metadata(FsError),
    /// `pylock.toml` cannot be read.
    #[error(transparent)]
    Lock(crate::lock::LockFileError),
    /// `pylock.toml` cannot be installed for this interpreter.
    #[error("`{}`: {source}", display_path(path))]
    LockSelect {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: crate::lock::SelectError,
    },
}

impl SpecError {
    /// Where in a file the problem is.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::ReqFile(e) => e.location(),
            Self::FindLinksMissing { location, .. }
            | Self::BadPipVersion { location, .. }
            | Self::UndefinedVariable { location, .. } => location.as_ref(),
            Self::Lock(e) => e.location(),
            Self::UnknownGroup { .. }
            | Self::UnknownExtra { .. }
            | Self::Metadata(_)
            | Self::LockSelect { .. } => None,
        }
    }

    /// What to do.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::ReqFile(e) => e.hint(),
            Self::Lock(e) => e.hint(),
            Self::LockSelect { source, path } => source.hint_for(path),
            Self::Metadata(_) => "penv hashes a local project's `pyproject.toml`, `setup.cfg` and `setup.py`, and the files they take dependencies from, to notice when its dependencies change; make them readable".to_owned(),
            Self::FindLinksMissing { .. } => "create the directory, or fix the path (relative to the project file)".to_owned(),
            Self::BadPipVersion { .. } => "write a version (`\"24.3.1\"`) or specifiers (`\">=24, <26\"`), or remove the key for the newest pip available".to_owned(),
            Self::UndefinedVariable { name, .. } => format!(
                "set `{name}` before running penv (`export {name}=…`), or write the value in penv.toml; pip's keyring and netrc support need no variable"
            ),
            Self::UnknownGroup { name, known, .. } => match crate::diagnostics::did_you_mean(
                name,
                known.iter().map(String::as_str),
            ) {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => "the project defines no groups (`[groups]`, or `[dependency-groups]` in pyproject.toml)".to_owned(),
                None => format!(
                    "the groups are {}",
                    known
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Self::UnknownExtra { name, known, .. } => match crate::diagnostics::did_you_mean(
                name,
                known.iter().map(String::as_str),
            ) {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => "the project defines no extras (`[project.optional-dependencies]` in pyproject.toml)".to_owned(),
                None => format!(
                    "the extras are {}",
                    known
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    }
}
