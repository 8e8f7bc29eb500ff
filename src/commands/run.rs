//! `penv run`: sync if needed, then become the command, with the env
//! activated as `activate` would (`VIRTUAL_ENV`, `PATH`, no `PYTHONHOME`).
//! On Unix penv execs, so exit codes and signals are the command's own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::cli::RunArgs;
use crate::diagnostics::display_path;
use crate::ops::sync::{self, Options};
use crate::ops::{Ctx, use_env};
use crate::venv::Readiness;
use crate::{Error, platform};

pub(super) fn run(ctx: &Ctx, args: &RunArgs) -> Result<ExitCode, Error> {
    // A script with a `# /// script` block runs in its own env (PEP 723).
    if let Some(script) = super::script::in_command(ctx, &args.command)? {
        return super::script::run(ctx, args, script);
    }
    // As a plain `penv sync` does: a `pylock.toml` out of date against
    // penv.toml is locked again first (uv's `run` does the same).
    if !args.no_sync {
        sync::lock_first(ctx, args.spec.python.clone(), crate::plan::LockUse::Auto)?;
    }
    // A plain `penv run` after `sync --group docs` keeps `docs`, as every
    // command does ([`crate::plan::Plan::for_env`]).
    let plan = super::plan(ctx, &args.spec)?;
    let env = &plan.paths.env;
    // A lock held until `exec` closes it: no rebuild can start between the
    // check and the command.
    let in_use = if args.no_sync {
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
    // Held by the command until it exits: prune never deletes the env
    // under it.
    let _running = in_use.into_running(&plan.paths);
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let resolved = resolve_program(env, program, &ctx.vars.path_dirs())?;
    let mut cmd = Command::new(&resolved.program);
    cmd.args(&resolved.leading_args).args(rest);
    activate(&mut cmd, env, ctx.vars.path.as_ref());
    Err(Error::Exec {
        program: resolved.program.clone(),
        source: platform::exec(cmd),
    })
}

/// What to execute for the command line's first word.
struct Program {
    program: PathBuf,
    leading_args: Vec<OsString>,
}

/// A `.py` file runs with the env's python; else the env's `bin/NAME`; else
/// NAME from `PATH`.
fn resolve_program(
    env: &Path,
    program: &OsString,
    path_dirs: &[PathBuf],
) -> Result<Program, Error> {
    let name = program.to_string_lossy();
    if Path::new(program)
        .extension()
        .is_some_and(|e| e == "py" || e == "pyw")
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

/// What `bin/activate` does: `VIRTUAL_ENV`, the env's bin first on `PATH`,
/// `PYTHONHOME` unset.
pub(super) fn activate(cmd: &mut Command, env: &Path, path: Option<&OsString>) {
    let mut dirs = vec![env.join(platform::BIN_DIR)];
    if let Some(path) = path {
        dirs.extend(std::env::split_paths(path));
    }
    if let Ok(joined) = std::env::join_paths(dirs) {
        cmd.env("PATH", joined);
    }
    cmd.env("VIRTUAL_ENV", env).env_remove("PYTHONHOME");
}
