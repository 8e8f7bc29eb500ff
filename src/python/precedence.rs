//! Which Python request applies: `--python`, else `PENV_PYTHON`, else
//! `python` in the project file, else the first version in
//! `.python-version`, else `requires-python`, else any interpreter.
//!
//! Invariant: the first source that is set decides, and a source that is
//! set but unreadable or malformed is an error naming it, never a silent
//! fall-through to the next. Takes plain values, not the project: the
//! project yields them.

use std::path::{Component, Path, PathBuf};

use super::error::PythonError;
use super::request::{Request, RequestSource};
use super::resolve::Resolved;
use crate::diagnostics::Location;
use crate::text_file;

/// A setting read from a file: its text and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Setting<'a> {
    /// The value as written.
    pub(crate) value: &'a str,
    /// The file it is written in.
    pub(crate) file: &'a Path,
    /// Its place in the file, for errors.
    pub(crate) location: Option<Location>,
}

/// Everything that may name the Python a project wants.
#[derive(Debug, Clone)]
pub(crate) struct RequestInputs<'a> {
    /// `--python`.
    pub(crate) cli: Option<&'a str>,
    /// `PENV_PYTHON`.
    pub(crate) env_var: Option<&'a str>,
    /// `python` in the project file.
    pub(crate) project_python: Option<Setting<'a>>,
    /// The project root: relative paths in the project file are taken from
    /// it, and `.python-version` is looked for in it.
    pub(crate) root: &'a Path,
    /// `requires-python` of the `pyproject.toml`.
    pub(crate) requires_python: Option<Setting<'a>>,
}

/// The request that applies, and where it came from.
pub(crate) fn applicable_request(
    inputs: &RequestInputs<'_>,
) -> Result<(Request, RequestSource), PythonError> {
    let bad = |source, from, location| PythonError::BadRequest {
        source,
        from,
        location,
    };
    if let Some(raw) = inputs.cli {
        return Request::parse(raw)
            .map(|r| (r, RequestSource::CommandLine))
            .map_err(|e| bad(e, RequestSource::CommandLine, None));
    }
    if let Some(raw) = inputs.env_var {
        return Request::parse(raw)
            .map(|r| (r, RequestSource::EnvVar))
            .map_err(|e| bad(e, RequestSource::EnvVar, None));
    }
    if let Some(setting) = &inputs.project_python {
        let from = RequestSource::ProjectFile(setting.file.to_owned());
        // A relative path in the project file is relative to the project file.
        if let Ok(Request::Path(p)) = Request::parse(setting.value)
            && p.is_relative()
            && !p.starts_with("~")
        {
            // `./python` → `root/python` (a leading `.` is the only one
            // `components` keeps; `..` stays, symlinks may depend on it).
            let p: PathBuf = p
                .components()
                .filter(|c| !matches!(c, Component::CurDir))
                .collect();
            return Ok((Request::Path(inputs.root.join(p)), from));
        }
        // Validated when the project loaded.
        return Request::parse(setting.value)
            .map(|r| (r, from.clone()))
            .map_err(|e| bad(e, from, setting.location.clone()));
    }
    let version_file = inputs.root.join(".python-version");
    // Missing: the next source applies. Anything else wrong with it (not
    // UTF-8, a FIFO, unreadable) is an error, never a silent fall-through
    // to another request.
    if let Some(text) = text_file::read_optional(&version_file, text_file::PYTHON_VERSION_FILE)? {
        // pyenv allows several versions, one per line or on one line; the
        // first is the one it prefers.
        let found = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split_whitespace().next().unwrap_or_default()))
            .find(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        if let Some((line, raw)) = found {
            let from = RequestSource::PythonVersionFile(version_file.clone(), line);
            let parsed = if raw == "system" {
                Ok(Request::Any)
            } else {
                Request::parse(strip_pyenv_suffix(raw))
            };
            return parsed.map(|r| (r, from.clone())).map_err(|e| {
                let location = Location::line(&version_file, line, raw);
                bad(e, from, Some(location))
            });
        }
    }
    if let Some(requires) = &inputs.requires_python {
        let from = RequestSource::RequiresPython(requires.file.to_owned());
        return Request::parse(requires.value)
            .map(|r| (r, from.clone()))
            .map_err(|e| bad(e, from, requires.location.clone()));
    }
    Ok((Request::Any, RequestSource::Default))
}

/// pyenv names like `pypy3.10-7.3.12` carry a distribution version after a dash.
fn strip_pyenv_suffix(raw: &str) -> &str {
    if raw.starts_with("pypy") {
        raw.split_once('-').map_or(raw, |(head, _)| head)
    } else {
        raw
    }
}

/// Checks a command-line or environment request against `requires-python`
/// (the sources below it never conflict: they are not asked once one of
/// those is set).
pub(crate) fn check_requires_python(
    requires: Option<&Setting<'_>>,
    resolved: &Resolved,
) -> Result<(), PythonError> {
    if !matches!(
        resolved.source,
        RequestSource::CommandLine | RequestSource::EnvVar
    ) {
        return Ok(());
    }
    let Some(requires) = requires else {
        return Ok(());
    };
    let Ok(Request::Version { version, .. }) = Request::parse(requires.value) else {
        return Ok(());
    };
    if version.matches(resolved.info.pep440_version().as_ref()) {
        Ok(())
    } else {
        Err(PythonError::Conflict {
            version: resolved.info.version.clone(),
            from: resolved.source.clone(),
            requires: requires.value.to_owned(),
            file: requires.file.to_owned(),
            location: requires.location.clone(),
        })
    }
}
