//! uv's `uv.lock`, read without uv: what `uv sync --frozen` would install
//! into one env, as a PEP 751 lock (`walk`, `convert`), then checked entry
//! by entry as any `pylock.toml` is (`check`) and selected by `select`;
//! and whether it is still the lock of the project's `pyproject.toml`, as
//! uv judges it for `--locked` (`fresh`).
//!
//! Invariant: a `uv.lock` is data from a pull request like any lock: what
//! reaches pip of it is what `check` passed, rendered by `fields`.

mod convert;
pub(in crate::lock) use convert::{bare, hashes};
pub(crate) mod fresh;
pub(crate) mod model;
mod walk;

#[cfg(test)]
mod tests;

use std::path::Path;

use crate::diagnostics::Location;
use crate::lock::LockFileError;
use crate::lock::model::PyLock;
use crate::python::interpreter::Markers;
pub(crate) use model::UvLock;

/// uv's lock file, beside `pyproject.toml`.
pub(crate) const UV_LOCK_FILE_NAME: &str = "uv.lock";

/// What to do about a lock that is out of date: the tool that writes it.
pub(crate) fn out_of_date_hint(path: &Path) -> String {
    let tool = crate::lock::relock_command(path);
    let file = path.file_name().map_or_else(
        || crate::lock::LOCK_FILE_NAME.into(),
        |n| n.to_string_lossy(),
    );
    format!(
        "run `{tool}` and commit `{file}`, or `penv sync --frozen` to install the lock as it is"
    )
}

/// Parses the text of a `uv.lock` read from `path` (named in errors).
pub(crate) fn parse(text: &str, path: &Path) -> Result<UvLock, LockFileError> {
    let doc = document(text, path)?;
    let version = doc.get("version");
    if let Some(v) = version.and_then(toml_edit::Item::as_integer)
        && v != i64::from(model::UV_LOCK_VERSION)
    {
        return Err(error(
            path,
            text,
            version.and_then(toml_edit::Item::span).unwrap_or(0..0),
            format!(
                "`version = {v}`: penv reads version {} of uv's lock format",
                model::UV_LOCK_VERSION
            ),
        ));
    }
    deserialize(doc, text, path)
}

/// An error about a lock file (uv's, Poetry's, PDM's) at `span` of its
/// `text`.
pub(in crate::lock) fn error(
    path: &Path,
    text: &str,
    span: std::ops::Range<usize>,
    message: String,
) -> LockFileError {
    LockFileError::Uv {
        location: Location::from_span(path, text, span),
        message,
    }
}

/// A lock file's `text` (read from `path`) as TOML into `T`; an error
/// points at its place.
pub(in crate::lock) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<T, LockFileError> {
    deserialize(document(text, path)?, text, path)
}

/// A lock file's `text` as a TOML document.
fn document(text: &str, path: &Path) -> Result<toml_edit::Document<String>, LockFileError> {
    toml_edit::Document::parse(text.to_owned()).map_err(|e| {
        error(
            path,
            text,
            e.span().unwrap_or(0..0),
            format!("invalid TOML: {}", e.message().trim_end()),
        )
    })
}

/// A lock file's TOML document into `T`.
fn deserialize<T: serde::de::DeserializeOwned>(
    doc: toml_edit::Document<String>,
    text: &str,
    path: &Path,
) -> Result<T, LockFileError> {
    toml_edit::de::from_document(doc).map_err(|e| {
        error(
            path,
            text,
            e.span().unwrap_or(0..0),
            e.message().trim_end().replace("a sequence", "an array"),
        )
    })
}

/// A lock's entry that `check` refused, pointing at the `[[package]]` it
/// came from (the `at`th; the top without one).
pub(in crate::lock) fn problem_error(
    path: &Path,
    text: &str,
    at: Option<usize>,
    problem: &crate::lock::check::Problem,
) -> LockFileError {
    error(
        path,
        text,
        package_span(text, at),
        format!(
            "package `{}`: `{}` {}",
            crate::lock::fields::shown(&problem.name),
            problem.field(),
            problem.why
        ),
    )
}

/// The index in `lock.package` of the project at `root` (the lock at
/// `path` records it as a local project at `.`, editable or virtual).
pub(crate) fn root_package(lock: &UvLock, text: &str, path: &Path) -> Result<usize, LockFileError> {
    lock.package
        .iter()
        .position(|p| {
            let s = &p.source;
            [&s.editable, &s.r#virtual, &s.directory]
                .into_iter()
                .flatten()
                .any(|dir| dir == ".")
        })
        .ok_or_else(|| {
            error(
                path,
                text,
                0..0,
                "no package of the lock is the project beside it (a `source = { editable = \".\" }` or `{ virtual = \".\" }`)".to_owned(),
            )
        })
}

/// What the `uv.lock` at `path` (its `text`, parsed as `lock`) installs
/// for an interpreter with `markers`, as a checked PEP 751 lock whose
/// default groups are `default_groups`.
pub(crate) fn for_interpreter(
    lock: &UvLock,
    text: &str,
    path: &Path,
    markers: &Markers,
    default_groups: &[String],
) -> Result<PyLock, LockFileError> {
    let root = root_package(lock, text, path)?;
    let lock_dir = path.parent().unwrap_or(Path::new(""));
    let env = crate::lock::select::marker_environment(markers)
        .map_err(|e| error(path, text, 0..0, e.to_string()))?;
    let (pylock, from) = walk::walk(lock, root, lock_dir, &env, default_groups)
        .map_err(|message| error(path, text, 0..0, message))?;
    crate::lock::check::check(&pylock, lock_dir).map_err(|problem| {
        let at = problem.index.and_then(|i| from.get(i)).copied();
        problem_error(path, text, at, &problem)
    })?;
    Ok(pylock)
}

/// Where the `index`th `[[package]]` of `text` starts (the top without
/// one): where an error about that package points, in any lock made of
/// `[[package]]` tables (uv's, Poetry's, PDM's).
fn package_span(text: &str, index: Option<usize>) -> std::ops::Range<usize> {
    index
        .and_then(|i| text.match_indices("[[package]]").nth(i))
        .map(|(at, _)| at..at + "[[package]]".len())
        .unwrap_or(0..0)
}
