//! The lock: `pylock.toml` (PEP 751), its model and everything about
//! writing one from pip's resolution.
//!
//! Invariant: this stage imports no operation or command; `spec` may use
//! its model.

pub(crate) mod auth;
pub(crate) mod build;
mod check;
pub(crate) mod compiled;
pub(crate) mod fields;
pub(crate) mod filename;
pub(crate) mod inputs;
mod markers;
pub(crate) mod model;
pub(crate) mod parts;
pub(crate) mod pdm;
pub(crate) mod poetry;
mod pyjson;
pub(crate) mod report;
mod roots;
pub(crate) mod select;
mod select_error;
mod tags;
pub(crate) mod unhashed;
pub(crate) mod uv;
pub(crate) mod write;

use std::path::PathBuf;

use crate::diagnostics::{Location, display_path};
pub use model::LockFileError;
pub use select::SelectError;

pub(crate) use crate::requirement::normalize_name;

/// Why a lock could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The seeded pip has no `--report`.
    #[error(
        "pip {version} cannot resolve without installing (`--dry-run --report` needs pip 22.2 or newer)"
    )]
    PipTooOld {
        /// The pip seeded.
        version: String,
        /// Where `[venv] pip-version` is written, when it is.
        location: Option<Location>,
    },
    /// A requirement penv cannot record in a lock.
    #[error("cannot lock `{requirement}`: {why}")]
    Unsupported {
        /// The package or requirement.
        requirement: String,
        /// Why.
        why: String,
    },
    /// pip chose a remote file and gave no hash for it.
    #[error(
        "pip gave no hash for `{name}` (`{url}`), and penv does not download files to hash them"
    )]
    NoHash {
        /// The package.
        name: String,
        /// Where pip would get it (credentials redacted).
        url: String,
    },
    /// pip's report could not be read.
    #[error("cannot read pip's report `{}`: {message}", display_path(path))]
    Report {
        /// The report file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// What `uv pip compile` wrote could not be read as a lock.
    #[error("cannot read the lock `uv pip compile` wrote: {message}")]
    UvOutput {
        /// What is wrong.
        message: String,
    },
    /// pip (or uv) failed to resolve (its words are the detail).
    #[error("{by} could not resolve the project for the lock (exit code {code})")]
    Resolve {
        /// `pip` or `uv`.
        by: &'static str,
        /// pip's exit code.
        code: i32,
        /// pip's words, as the install error shows them.
        detail: Option<String>,
        /// The install error's hint, said of `penv lock`.
        hint: Option<String>,
    },
    /// Reading a file to hash it.
    #[error(transparent)]
    Fs(#[from] crate::fs::FsError),
}

impl LockError {
    /// Where in a file the problem is.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            Self::PipTooOld { location, .. } => location.as_ref(),
            _ => None,
        }
    }

    /// pip's words, for a failed resolution.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            Self::Resolve { detail, .. } => detail.clone(),
            _ => None,
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        Some(match self {
            Self::PipTooOld { .. } => "set `[venv] pip-version = \">=22.2\"` (or remove it for penv's default), then run `penv lock` again".to_owned(),
            Self::Unsupported { .. } => "name the package by version from an index or `find-links` instead, then run `penv lock` again".to_owned(),
            Self::NoHash { .. } => "use an index that publishes sha256 hashes (PyPI does), or put the file in a local `find-links` directory".to_owned(),
            Self::Report { .. } => "run `penv lock -v` to see what pip did; a newer pip may write another report format (`[venv] pip-version`)".to_owned(),
            Self::UvOutput { .. } => "run `penv lock -v` to see what uv did (penv needs a uv that writes `--format pylock.toml`, 0.7 or newer), or resolve with pip: `PENV_INSTALLER=pip penv lock`".to_owned(),
            Self::Resolve { hint, .. } => return hint.clone(),
            Self::Fs(_) => return None,
        })
    }
}

/// The lock file's name, beside the project file.
pub(crate) const LOCK_FILE_NAME: &str = "pylock.toml";

/// The command that writes the lock at `path`: the other tool's for its
/// own lock (`uv lock`, `poetry lock`, `pdm lock`), else `penv lock`.
pub(crate) fn relock_command(path: &std::path::Path) -> &'static str {
    if path.ends_with(uv::UV_LOCK_FILE_NAME) {
        "uv lock"
    } else if path.ends_with(poetry::POETRY_LOCK_FILE_NAME) {
        "poetry lock"
    } else if path.ends_with(pdm::PDM_LOCK_FILE_NAME) {
        "pdm lock"
    } else {
        "penv lock"
    }
}

/// Whether the lock at `path` is another tool's, which penv never writes.
pub(crate) fn is_foreign(path: &std::path::Path) -> bool {
    relock_command(path) != "penv lock"
}

/// How much of a lock file penv reads.
pub(crate) const LOCK_FILE: crate::text_file::Kind = crate::text_file::Kind {
    what: "a lock file",
    cap: 64 * 1024 * 1024,
};

/// Reads and parses the lock at `path`; `None` when there is no file.
pub(crate) fn read(path: &std::path::Path) -> Result<Option<model::PyLock>, LockFileError> {
    match crate::text_file::read_optional(path, LOCK_FILE)? {
        Some(text) => parse(&text, path).map(Some),
        None => Ok(None),
    }
}

/// Parses the text of a `pylock.toml` read from `path` (named in errors),
/// and checks every entry (`check`): nothing of a lock reaches pip but
/// values penv read as what PEP 751 says they are.
pub(crate) fn parse(text: &str, path: &std::path::Path) -> Result<model::PyLock, LockFileError> {
    let lock = model::parse_unchecked(text, path)?;
    let lock_dir = path.parent().unwrap_or(std::path::Path::new(""));
    check::check(&lock, lock_dir).map_err(|problem| LockFileError::Entry {
        location: Location::from_span(
            path,
            text,
            check::span(text, &problem.path()).unwrap_or(0..0),
        ),
        entry: problem.entry(),
        field: problem.field(),
        why: problem.why,
    })?;
    Ok(lock)
}
