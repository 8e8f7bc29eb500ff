//! The first two stages of a plan: the project's Python request (with
//! where it came from) and the base interpreter it resolves to, preferring
//! the env's own base while it still satisfies the request.

use super::env_paths;
use crate::Error;
use crate::env_vars::EnvVars;
use crate::project::Project;
use crate::python::interpreter::Prober;
use crate::python::request::{Request, RequestSource};
use crate::python::{self as py, Resolved};
use crate::state::State;

/// What the resolver needs from the project to pick its Python request:
/// `--python`, `PENV_PYTHON`, the project file's `python` and
/// `requires-python` (with where they are written), and the root from
/// which `.python-version` is looked for.
pub(super) fn request_inputs<'a>(
    project: &'a Project,
    python: Option<&'a str>,
    vars: &'a EnvVars,
) -> py::RequestInputs<'a> {
    py::RequestInputs {
        cli: python,
        env_var: vars.penv_python.as_deref(),
        project_python: project.config.python.as_deref().map(|value| py::Setting {
            value,
            file: &project.file,
            location: project.locate(&["python"]),
        }),
        root: &project.root,
        requires_python: project.requires_python.as_ref().map(|r| py::Setting {
            value: &r.value,
            file: &r.file,
            location: r.location.clone(),
        }),
    }
}

/// The project's Python request and where it came from (`--python`,
/// `PENV_PYTHON`, the project file, `.python-version`, or the default).
pub(crate) fn python_request(
    project: &Project,
    python: Option<&str>,
    vars: &EnvVars,
) -> Result<(Request, RequestSource), Error> {
    Ok(py::applicable_request(&request_inputs(
        project, python, vars,
    ))?)
}

/// The interpreter `request` resolves to for the project, preferring the
/// env's own base while it still satisfies the request.
pub(crate) fn resolve_python(
    project: &Project,
    (request, source): &(Request, RequestSource),
    vars: &EnvVars,
    prober: &Prober,
) -> Result<Resolved, Error> {
    // A script's env is chosen by the hash, which the interpreter is part
    // of: no env to prefer the base of.
    let recorded = (!project.is_script())
        .then(|| State::read(&env_paths(project).env).ok().flatten())
        .flatten();
    Ok(py::resolve(
        request,
        source,
        vars,
        prober,
        recorded.as_ref().map(|s| &s.base),
    )
    .map_err(|e| match e {
        // Point at `python = "…"` when the bad path came from the file.
        py::PythonError::NotAnInterpreter { path, reason, .. }
            if matches!(source, RequestSource::ProjectFile(_)) =>
        {
            py::PythonError::NotAnInterpreter {
                path,
                reason,
                location: project.locate(&["python"]),
            }
        }
        e => e,
    })?)
}

/// The env's own interpreter, when it has one and it still satisfies
/// `request`: what `resolve_python` keeps (`penv python list` marks it).
pub(crate) fn env_python(
    project: &Project,
    (request, source): &(Request, RequestSource),
    vars: &EnvVars,
    prober: &Prober,
) -> Option<Resolved> {
    let state = State::read(&env_paths(project).env).ok().flatten()?;
    py::resolve(request, source, vars, prober, Some(&state.base)).ok()
}
