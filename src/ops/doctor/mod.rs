//! Doctor: the classic venv mistakes, found in the project and in the shell
//! penv runs in, each with what to do. It changes nothing and installs
//! nothing; it reads files, `PATH` and a few `stat`s, and asks git and the
//! base interpreter one question each when the project needs it.
//!
//! A finding is a fact that will bite (the wrong `python` on `PATH`, an IDE
//! pointed at another interpreter, an env that is stale or broken), never
//! a matter of taste: a project penv manages cleanly, run from a plain or a
//! properly activated shell, has none.

mod ide;
mod project;
mod shell;

pub(crate) use project::git_ignores;

use serde::Serialize;

use super::Ctx;
use crate::plan::Plan;

/// One problem found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    /// Which check found it (stable, for `--json`): `activation`,
    /// `pip-python-mismatch`, `ide`, `env`, `system-site-packages`,
    /// `gitignore`, `python-version-file`.
    pub(crate) check: &'static str,
    /// What is wrong, naming the paths.
    pub(crate) message: String,
    /// What to do.
    pub(crate) hint: String,
}

/// Every finding for `plan`'s project and the current shell, in a fixed
/// order: shell first, then the IDE settings, then the project's env.
pub(crate) fn doctor(ctx: &Ctx, plan: &Plan) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(shell::check(&ctx.vars, &plan.paths.env));
    findings.extend(ide::check(&ctx.vars, &plan.project.root, &plan.paths.env));
    findings.extend(project::check(plan));
    findings
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
