//! The project's env: is it fresh, does it see the base interpreter's
//! packages, does it hold a package made for another Python, is it kept
//! out of git, and does `.python-version` agree with the project file's
//! `python`? Without a plan (no interpreter satisfies
//! the request), what can still be said: that, the env as it was built,
//! and git.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::Finding;
use crate::diagnostics::{display_path, escape_path};
use crate::plan::Plan;
use crate::project::Project;
use crate::python::PythonError;
use crate::python::request::RequestSource;
use crate::python::{RequestInputs, applicable_request};
use crate::venv::{EnvPaths, Readiness, Want};

/// git and the base interpreter answer in milliseconds; a hung one is not
/// worth more of the user's time.
const CHILD_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) fn check(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    let env = &plan.paths.env;
    // The verdict `status` and `sync --check` give, with the same selection.
    let readiness = plan.readiness();
    if !matches!(readiness, Readiness::Fresh(_)) {
        out.push(Finding {
            check: "env",
            message: format!(
                "the env `{}` is {}: {}",
                display_path(env),
                readiness.name(),
                readiness.why().join("; ")
            ),
            hint: format!("run `{}` (`penv run` does it too)", plan.sync_command()),
        });
    }
    if plan.spec.venv.system_site_packages {
        let (count, dirs) = base_packages(&plan.python.fingerprint.path);
        out.push(Finding {
            check: "system-site-packages",
            message: format!(
                "`system-site-packages = true`: the env sees {count} package{} of the base interpreter ({}), which may satisfy or shadow its requirements",
                if count == 1 { "" } else { "s" },
                dirs.iter()
                    .map(|d| format!("`{}`", display_path(d)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: "remove `system-site-packages = true` from `[venv]` unless the env needs them".to_owned(),
        });
    }
    out.extend(gitignore(&plan.project.root, env));
    out.extend(python_version_file(plan));
    out.extend(trash(&plan.paths));
    out.extend(python_excluded(plan));
    out
}

/// Distributions in the env whose `Requires-Python` excludes its
/// interpreter: pip never installs one, uv does (it ignores upper bounds).
fn python_excluded(plan: &Plan) -> Vec<Finding> {
    let Ok(dists) = crate::venv::metadata::read_all(&plan.paths.env) else {
        return Vec::new();
    };
    let version = &plan.python.info.version;
    crate::venv::metadata::python_excluded(&dists, version)
        .into_iter()
        .map(|(dist, requires)| Finding {
            check: "requires-python",
            message: format!(
                "{} {} in `{}` requires Python `{requires}`, and the env's is {version}",
                dist.name,
                dist.version,
                display_path(&plan.paths.env)
            ),
            hint: format!(
                "pin a version of {} that supports {version} (uv ignores the upper bounds of `Requires-Python`; pip does not)",
                dist.name
            ),
        })
        .collect()
}

/// The store holds no clone of the project's env, because the keep after
/// its build was given up (it changed while the keeper cloned it…): another
/// checkout of the spec builds from nothing.
pub(super) fn unkept(ctx: &crate::ops::Ctx, plan: &Plan) -> Option<Finding> {
    // `PENV_STORE_MAX=0`: no project's env is kept, and none is expected.
    if crate::venv::store::max(ctx.vars.store_max.as_deref()).ok()? == 0 {
        return None;
    }
    let entry = plan.store_entry(&crate::ops::store(ctx).ok()?);
    let unkept = crate::venv::store::unkept::read(&entry)?;
    if entry.env.exists() || unkept.env != plan.paths.env {
        return None;
    }
    Some(Finding {
        check: "store",
        message: format!(
            "the store keeps no clone of `{}`: the keep after its build was given up ({}), so \
             another checkout of this spec (a `git worktree add`) builds from nothing",
            display_path(&plan.paths.env),
            unkept.why
        ),
        hint: format!(
            "run `{} --reinstall` to build it again, which offers it to the store",
            plan.sync_command()
        ),
    })
}

/// Envs penv let go of still in `.penv/trash` with no emptier at work on
/// them (one was stopped: a kill, a power loss, a CI job's end).
fn trash(paths: &EnvPaths) -> Option<Finding> {
    let n = crate::venv::owned::trash::left_over(&paths.work);
    if n == 0 {
        return None;
    }
    let trash = crate::venv::owned::trash::trash_dir(&paths.work);
    Some(Finding {
        check: "trash",
        message: format!(
            "`{}` holds {n} director{} penv let go of and did not finish deleting",
            display_path(&trash),
            if n == 1 { "y" } else { "ies" }
        ),
        hint: "run `penv sync` (it deletes them once it is done), or delete `.penv/trash` yourself"
            .to_owned(),
    })
}

/// The findings when no interpreter satisfies the project's request: that
/// one, the env as it was built (typically broken: its base is the
/// interpreter that is gone), and git. What needs the interpreter (its
/// site-packages, its version against `.python-version`) is not checked.
pub(super) fn check_without_python(
    project: &Project,
    paths: &EnvPaths,
    error: &PythonError,
) -> Vec<Finding> {
    let mut out = vec![Finding {
        check: "python",
        message: format!("{error}: penv cannot sync or run the project"),
        hint: error.hint().unwrap_or_default(),
    }];
    let readiness = Readiness::now(paths, Want::AsBuilt);
    if !matches!(readiness, Readiness::Fresh(_) | Readiness::Missing) {
        out.push(Finding {
            check: "env",
            message: format!(
                "the env `{}` is {}: {}",
                display_path(&paths.env),
                readiness.name(),
                readiness.why().join("; ")
            ),
            hint:
                "once the project's `python` is found again, run `penv sync`: it rebuilds the env"
                    .to_owned(),
        });
    }
    out.extend(gitignore(&project.root, &paths.env));
    out
}

/// An env git would commit.
fn gitignore(root: &Path, env: &Path) -> Option<Finding> {
    if git_ignores(root, env)? {
        return None;
    }
    Some(Finding {
        check: "gitignore",
        message: format!(
            "the env `{}` is not ignored by git: `git add .` would commit it",
            display_path(env)
        ),
        hint: format!(
            "add `/{}/` to `.gitignore`",
            escape_path(env.strip_prefix(root).unwrap_or(env))
        ),
    })
}

/// A `.python-version` whose request the interpreter penv chose does not
/// satisfy, when the project file names its own `python` (without it,
/// penv follows the file, and they cannot disagree).
fn python_version_file(plan: &Plan) -> Option<Finding> {
    let python = plan.project.config.python.as_deref()?;
    let inputs = RequestInputs {
        cli: None,
        env_var: None,
        project_python: None,
        root: &plan.project.root,
        requires_python: None,
    };
    let (request, RequestSource::PythonVersionFile(file, line)) =
        applicable_request(&inputs).ok()?
    else {
        return None;
    };
    let info = &plan.python.info;
    if request.matches(info) {
        return None;
    }
    Some(Finding {
        check: "python-version-file",
        message: format!(
            "`{}:{line}` asks for Python `{request}`, but the project file's `python = \"{python}\"` chose {} {}: pyenv and tools that read `.python-version` run another Python than penv",
            display_path(&file),
            info.implementation,
            info.version
        ),
        hint: format!(
            "make them agree: write `{}` in `.python-version`, or delete it",
            info.major_minor()
        ),
    })
}

/// How many distributions the base interpreter's site-packages hold, and
/// those directories.
fn base_packages(base: &Path) -> (usize, Vec<std::path::PathBuf>) {
    let mut cmd = Command::new(base);
    cmd.args([
        "-I",
        "-c",
        "import site\nfor d in site.getsitepackages(): print(d)",
    ]);
    let Ok(output) = crate::process::output_within(&mut cmd, CHILD_TIMEOUT) else {
        return (0, Vec::new());
    };
    let dirs: Vec<std::path::PathBuf> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_dir())
        .collect();
    let count = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".dist-info") || name.ends_with(".egg-info")
        })
        .count();
    (count, dirs)
}

/// Whether git ignores the env (asked of a file inside it, so an env that
/// ignores itself with its own `.gitignore` of `*`, as Python 3.13's venv
/// writes, counts); `None` outside a git work tree or without git.
pub(crate) fn git_ignores(root: &Path, env: &Path) -> Option<bool> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(root)
        .args(["check-ignore", "-q"])
        .arg(env.join("pyvenv.cfg"))
        .env("GIT_OPTIONAL_LOCKS", "0");
    let output = crate::process::output_within(&mut cmd, CHILD_TIMEOUT).ok()?;
    // 0: ignored; 1: not ignored; 128: not a repository, or another error.
    match output.status.code()? {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    }
}
