//! Doctor: the classic venv mistakes, found in the project and in the shell
//! penv runs in, each with what to do. It changes nothing and installs
//! nothing; it reads files, `PATH` and a few `stat`s, and asks git and the
//! base interpreter one question each when the project needs it.
//!
//! A finding is a fact that will bite (the wrong `python` on `PATH`, an IDE
//! pointed at another interpreter, an env that is stale or broken), never
//! a matter of taste: a project penv manages cleanly, run from a plain or a
//! properly activated shell, has none.

mod foreign;
mod ide;
mod lock;
mod project;
mod shell;

pub(crate) use foreign::read_files;
pub(crate) use project::git_ignores;

use serde::Serialize;

use super::Ctx;
use crate::Error;
use crate::plan::Plan;
use crate::project::Project;
use crate::python::PythonError;
use crate::venv::EnvPaths;

/// One problem found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    /// Which check found it (stable, for `--json`): `activation`,
    /// `pip-python-mismatch`, `ide`, `python`, `env`, `lock`,
    /// `system-site-packages`, `gitignore`, `python-version-file`,
    /// `foreign-lock`, `trash`, `requires-python`, `store`.
    pub(crate) check: &'static str,
    /// What is wrong, naming the paths.
    pub(crate) message: String,
    /// What to do.
    pub(crate) hint: String,
}

/// What doctor examines: the project's plan, or, when no interpreter
/// satisfies the project's Python request (there is no plan then), the
/// project and its env as they are.
pub(crate) enum Subject<'a> {
    /// The plan, with `pylock.toml` used as a plain `penv sync` uses it.
    Planned(&'a Plan),
    /// The request's interpreter is gone, or none matches it.
    NoPython {
        project: &'a Project,
        paths: &'a EnvPaths,
        /// Why the request cannot be met ([`no_python`] said it is a finding).
        error: &'a PythonError,
    },
}

impl Subject<'_> {
    fn project(&self) -> &Project {
        match self {
            Self::Planned(plan) => &plan.project,
            Self::NoPython { project, .. } => project,
        }
    }

    fn env(&self) -> &std::path::Path {
        match self {
            Self::Planned(plan) => &plan.paths.env,
            Self::NoPython { paths, .. } => &paths.env,
        }
    }
}

/// Whether a planning error is doctor's finding rather than its failure:
/// the request names an interpreter that is gone, or one nothing on the
/// machine satisfies. A request that does not parse, or `--python`
/// against `requires-python`, stays an error (exit 2).
pub(crate) fn no_python(error: &Error) -> Option<&PythonError> {
    match error {
        Error::Python(
            e @ (PythonError::NotFound { .. } | PythonError::NotAnInterpreter { .. }),
        ) => Some(e),
        _ => None,
    }
}

/// Every finding for the project and the current shell, in a fixed order:
/// shell first, then the IDE settings, then the project's interpreter, env
/// and lock. `python` is the command line's `--python`, which a lock's
/// plan uses too.
pub(crate) fn doctor(
    ctx: &Ctx,
    subject: &Subject,
    python: Option<&str>,
) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    let env = subject.env();
    findings.extend(shell::check(&ctx.vars, env));
    findings.extend(ide::check(&ctx.vars, &subject.project().root, env));
    match subject {
        Subject::Planned(plan) => {
            findings.extend(project::check(plan));
            findings.extend(project::unkept(ctx, plan));
            findings.extend(lock::check(ctx, python)?);
            findings.extend(foreign::check(&plan.project));
        }
        Subject::NoPython {
            project,
            paths,
            error,
        } => {
            findings.extend(project::check_without_python(project, paths, error));
            findings.extend(foreign::check(project));
        }
    }
    Ok(findings)
}

/// `path`, its symlinks resolved when it exists (paths are compared so).
fn real(path: &std::path::Path) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Whether `path` (an executable, after links) lies inside the env `env`.
fn inside(path: &std::path::Path, env: &std::path::Path) -> bool {
    // The env's `bin/python` is a link to the base: compare the link's own
    // directory, not what it resolves to.
    let dir = path.parent().map(real);
    dir.is_some_and(|d| d.starts_with(real(env)))
}
