//! The lock: `pylock.toml` (PEP 751), its model and everything about
//! writing one from pip's resolution.
//!
//! Invariant: this stage imports no operation or command; `spec` may use
//! its model.

mod markers;
pub(crate) mod model;
pub(crate) mod select;
mod tags;

pub use model::LockFileError;
pub use select::SelectError;

/// The lock file's name, beside the project file.
pub(crate) const LOCK_FILE_NAME: &str = "pylock.toml";

/// How much of a lock file penv reads.
pub(crate) const LOCK_FILE: crate::text_file::Kind = crate::text_file::Kind {
    what: "a lock file",
    cap: 64 * 1024 * 1024,
};

/// Reads and parses the lock at `path`; `None` when there is no file.
pub(crate) fn read(path: &std::path::Path) -> Result<Option<model::PyLock>, LockFileError> {
    match crate::text_file::read_optional(path, LOCK_FILE)? {
        Some(text) => model::parse(&text, path).map(Some),
        None => Ok(None),
    }
}
