//! What `penv run`, a task and a script share: the env synced (or checked,
//! `--no-sync`) and held in use through `exec`, the activation variables,
//! and the program a command names, looked up as activation would find it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::diagnostics::display_path;
use crate::ops::activate::Activation;
use crate::ops::sync::{self, InUse, Options};
use crate::ops::{Ctx, use_env};
use crate::plan::Plan;
use crate::venv::Readiness;
use crate::{Error, platform};

/// A `.py` file runs with the env's python; else the env's `bin/NAME`; else
/// NAME from `PATH`.
pub(super) fn resolve_program(
    env: &Path,
    program: &OsString,
    path_dirs: &[PathBuf],
) -> Result<Program, Error> {
    let name = program.to_string_lossy();
    if Path::new(program)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyw"))
    {
        return Ok(Program {
            program: platform::env_python(env),
            leading_args: vec![program.clone()],
        });
    }
    if !name.contains('/') && !name.contains(std::path::MAIN_SEPARATOR) {
        let in_env = platform::env_bin(env, &name);
        if platform::is_executable(&in_env) {
            return Ok(Program {
                program: in_env,
                leading_args: Vec::new(),
            });
        }
    }
    if platform::is_python_or_pip_name(&name) {
        // The env's own is missing: the one on PATH is another interpreter's.
        return Err(Error::NoSuchCommand {
            name: name.into_owned(),
            bin: env.join(platform::BIN_DIR),
            searched_path: false,
        });
    }
    match platform::which_on_path(&name, path_dirs) {
        Some(found) => Ok(Program {
            program: found,
            leading_args: Vec::new(),
        }),
        None => Err(Error::NoSuchCommand {
            name: name.into_owned(),
            bin: env.join(platform::BIN_DIR),
            searched_path: true,
        }),
    }
}

/// The env of the project, synced first (as a plain `penv sync` would:
/// a `pylock.toml` out of date is locked again, uv's `run` does the same)
/// unless `no_sync`, and the lock it was checked under, for the caller to
/// hold until it becomes its command: no rebuild starts in between.
pub(super) fn synced(
    ctx: &Ctx,
    spec: &crate::cli::SpecArgs,
    no_sync: bool,
) -> Result<(Plan, InUse), Error> {
    if !no_sync {
        sync::lock_first(ctx, spec.python.clone(), crate::plan::LockUse::Auto)?;
    }
    // Sticky: a plain `penv run` after `sync --group docs` keeps `docs`.
    let plan = super::plan(ctx, spec)?;
    let env = &plan.paths.env;
    let in_use = if no_sync {
        let rebuilding = "drop `--no-sync` to wait for it, or run again when it is done";
        let (readiness, in_use) =
            use_env::without_sync(&plan, ctx.data_dir.as_deref(), rebuilding)?;
        if let Readiness::Stale { why, .. } = &readiness {
            ctx.printer.warn(&format!(
                "`{}` is {} (--no-sync): {}",
                display_path(env),
                readiness.name(),
                why.join("; ")
            ));
        }
        in_use
    } else {
        sync::sync(ctx, &plan, Options::default())?.1
    };
    Ok((plan, in_use))
}

/// What `bin/activate` does, for the plan's env: `VIRTUAL_ENV`, the env's
/// bin first on `PATH`, `PYTHONHOME` unset; the prompt is `[venv] prompt`,
/// else the project directory's name.
pub(super) fn activation(ctx: &Ctx, plan: &Plan) -> Activation {
    let prompt = plan.project.config.venv.prompt.clone().unwrap_or_else(|| {
        plan.project
            .root
            .file_name()
            .map_or_else(|| "penv".to_owned(), |n| n.to_string_lossy().into_owned())
    });
    Activation::new(&plan.paths.env, ctx.vars.path_dirs_outside_active(), prompt)
}

/// What to execute for the command line's first word.
pub(super) struct Program {
    pub(super) program: PathBuf,
    pub(super) leading_args: Vec<OsString>,
}
