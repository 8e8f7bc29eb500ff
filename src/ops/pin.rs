//! `penv python pin`: write `.python-version` (pyenv's file, which penv
//! reads when neither `--python`, `PENV_PYTHON` nor `python` in the project
//! file asks), but only a version an interpreter on this machine satisfies,
//! and one the project's `requires-python` allows: a pin that the next sync
//! would refuse is refused now, with what was found.

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::project::{Project, ProjectError};
use crate::python::choice::{self, Verdict};
use crate::python::discovery;
use crate::python::request::{Request, RequestSource, VersionConstraint};
use crate::python::{PythonError, describe, search_report};
use crate::{Error, fs, plan, text_file};

/// The file pyenv, uv and penv read.
pub(crate) const PYTHON_VERSION: &str = ".python-version";

/// What [`pin`] did.
pub(crate) struct Pinned {
    /// The `.python-version` written.
    pub(crate) file: PathBuf,
    /// The version it held before, when it held one.
    pub(crate) previous: Option<String>,
    /// The interpreter the pin picks now, described as `python list` does.
    pub(crate) picks: String,
    /// The project, when the directory is in one.
    pub(crate) project: Option<Project>,
}

/// Checks `raw` and writes it to the project root's `.python-version` (the
/// current directory's when there is no project).
pub(crate) fn pin(ctx: &Ctx, raw: &str) -> Result<Pinned, Error> {
    let raw = raw.trim();
    let request = pinnable(raw)?;
    let project = match plan::find_project() {
        Ok(project) => Some(project),
        Err(Error::Project(ProjectError::NotFound { .. })) => None,
        Err(e) => return Err(e),
    };
    let found = discovery::discover(&ctx.vars, &ctx.prober);
    let verdicts = choice::choose(&request, &found.candidates, None);
    let Some(chosen) = verdicts.iter().position(|v| *v == Verdict::Chosen) else {
        return Err(PythonError::NotFound {
            request,
            from: RequestSource::PinArgument,
            report: search_report(&found, &verdicts),
        }
        .into());
    };
    let candidate = &found.candidates[chosen];
    let info = candidate.info().expect("a chosen candidate was probed");
    if let Some(requires) = project.as_ref().and_then(|p| p.requires_python.as_ref())
        && let Ok(Request::Version { version, .. }) = Request::parse(&requires.value)
        && !version.matches(info.pep440_version().as_ref())
    {
        return Err(PythonError::Conflict {
            version: info.version.clone(),
            from: RequestSource::PinArgument,
            requires: requires.value.clone(),
            file: requires.file.clone(),
            location: requires.location.clone(),
        }
        .into());
    }
    let dir = match &project {
        Some(project) => project.root.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let file = dir.join(PYTHON_VERSION);
    let previous = first_version(&file);
    fs::write_atomic(&file, format!("{raw}\n").as_bytes())?;
    Ok(Pinned {
        file,
        previous,
        picks: describe(candidate),
        project,
    })
}

/// The request `raw` is, when `.python-version` can hold it: a version or
/// an implementation with a version, as pyenv writes them. A range, a path
/// or "any" would be read by penv but by no other tool that reads the file.
fn pinnable(raw: &str) -> Result<Request, Error> {
    let request = Request::parse(raw).map_err(|source| PythonError::BadRequest {
        source,
        from: RequestSource::PinArgument,
        location: None,
    })?;
    let reason = match &request {
        Request::Any => "it asks for no version",
        Request::Path(_) => "it is a path",
        Request::Version {
            version: VersionConstraint::Specifiers(_),
            ..
        } => "it is a range, which pyenv and the other tools that read the file do not take",
        Request::Version {
            version: VersionConstraint::Any,
            ..
        } => "it names an implementation without a version",
        Request::Version { .. } => return Ok(request),
    };
    Err(PythonError::NotPinnable {
        request: raw.to_owned(),
        reason,
    }
    .into())
}

/// The first version a `.python-version` names (as penv reads it), if it
/// can be read.
fn first_version(file: &Path) -> Option<String> {
    let text = text_file::read_optional(file, text_file::PYTHON_VERSION_FILE).ok()??;
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .find(|l| !l.starts_with('#'))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_implementations_can_be_pinned() {
        for raw in ["3.12", "3.12.4", "pypy3.10", "cpython@3.12", "3"] {
            assert!(pinnable(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn ranges_paths_and_nothing_cannot() {
        for raw in [">=3.10", "/usr/bin/python3", "./py", "any", "*", "pypy"] {
            assert!(
                matches!(
                    pinnable(raw),
                    Err(Error::Python(PythonError::NotPinnable { .. }))
                ),
                "{raw}"
            );
        }
        assert!(matches!(
            pinnable("three"),
            Err(Error::Python(PythonError::BadRequest { .. }))
        ));
    }
}
