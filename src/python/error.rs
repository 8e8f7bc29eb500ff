//! What goes wrong finding the base interpreter, and what to do about it.
//!
//! Invariant: every variant names where the request came from, so the
//! message says which setting to change; hints live here, next to the
//! variant they belong to.

use std::path::PathBuf;

use super::request::{Request, RequestError, RequestSource};
use crate::diagnostics::{Location, display_path};
use crate::text_file::TextFileError;

/// Errors of interpreter resolution.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// A request string that does not parse.
    #[error("{source} (from {from})")]
    BadRequest {
        /// The parse error.
        source: RequestError,
        /// Where the request came from.
        from: RequestSource,
        /// Its place in a file, when it has one.
        location: Option<Location>,
    },
    /// `.python-version` could not be read.
    #[error(transparent)]
    VersionFile(#[from] TextFileError),
    /// No interpreter satisfies the request.
    #[error("no interpreter found for Python `{request}` (from {from})")]
    NotFound {
        /// What was asked.
        request: Request,
        /// Where it came from.
        from: RequestSource,
        /// What was searched and found.
        report: String,
    },
    /// An explicit path that is not an interpreter.
    #[error(
        "`{}` is not a usable Python interpreter: {reason}",
        display_path(path)
    )]
    NotAnInterpreter {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
        /// Where the project file names it, when it does.
        location: Option<Location>,
    },
    /// `penv python pin` was given a request `.python-version` cannot hold.
    #[error("`{request}` cannot be pinned in `.python-version`: {reason}")]
    NotPinnable {
        /// As given.
        request: String,
        /// Which form it is.
        reason: &'static str,
    },
    /// `--python` picked a version the project says it does not support.
    #[error(
        "Python {version} (from {from}) does not satisfy `requires-python = \"{requires}\"` in `{}`",
        display_path(file)
    )]
    Conflict {
        /// The chosen version.
        version: String,
        /// Where the request came from.
        from: RequestSource,
        /// The project's `requires-python`.
        requires: String,
        /// pyproject.toml.
        file: PathBuf,
        /// Where `requires-python` is in it.
        location: Option<Location>,
    },
}

impl PythonError {
    /// What to do about it.
    #[expect(
        clippy::unnecessary_wraps,
        reason = "the shape every error's hint has, for the one renderer"
    )]
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Self::BadRequest { .. } => Some(Request::HINT.to_owned()),
            Self::NotFound { .. } => Some(
                "install a matching Python (e.g. with pyenv or your package manager), or change the request; `penv python list` shows what penv sees".to_owned(),
            ),
            Self::NotAnInterpreter { .. } => {
                Some("point `python` at a base Python 3 executable (not a virtual environment's), e.g. `/usr/bin/python3.12`; `penv python list` shows the ones penv finds".to_owned())
            }
            Self::Conflict { .. } => Some(
                "choose a Python that the project supports, or widen `requires-python`".to_owned(),
            ),
            Self::VersionFile(e) => Some(e.hint()),
            Self::NotPinnable { .. } => Some(
                "pin a version (`3.12`, `3.12.4`) or an implementation and version (`pypy3.10`); a range or a path goes in `python` of penv.toml".to_owned(),
            ),
        }
    }

    /// The place in a file, for bad requests read from one.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::BadRequest { location, .. }
            | Self::NotAnInterpreter { location, .. }
            | Self::Conflict { location, .. } => location.as_ref(),
            Self::VersionFile(e) => e.location(),
            Self::NotFound { .. } | Self::NotPinnable { .. } => None,
        }
    }

    /// The search report of `NotFound`.
    pub(crate) fn detail(&self) -> Option<&str> {
        match self {
            Self::NotFound { report, .. } => Some(report),
            _ => None,
        }
    }
}
