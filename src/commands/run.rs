//! `penv run`: sync if needed, then become the command, with the env
//! activated as `activate` would (`VIRTUAL_ENV`, `PATH`, no `PYTHONHOME`).
//! On Unix penv execs, so exit codes and signals are the command's own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use super::Ctx;
use super::sync::{InUse, ensure_synced};
use super::which::not_ready;
use crate::cli::RunArgs;
use crate::diagnostics::display_path;
use crate::venv::{self, EnvStatus, Unusable};
use crate::{Error, platform};

pub(super) fn run(ctx: &Ctx, args: &RunArgs) -> Result<ExitCode, Error> {
    let project = ctx.project()?;
    let wanted = ctx.wanted(project, &args.spec)?;
    let env = wanted.paths.env.clone();
    // A lock held until `exec` closes it: no rebuild can start between the
    // check and the command.
    let _in_use = if args.no_sync {
        let shared = wanted.paths.lock_shared();
        let rebuilding = "drop `--no-sync` to wait for it, or run again when it is done";
        if matches!(shared, Ok(None)) {
            return Err(not_ready(&env, &Unusable::Rebuilding, rebuilding));
        }
        // The verdict `which` gives: a missing, broken or half-built env, or
        // one built at another path (a copied project), is refused.
        venv::usable(&wanted.paths).map_err(|u| not_ready(&env, &u, rebuilding))?;
        match venv::inspect(&wanted.paths, &wanted.spec, &wanted.hash) {
            EnvStatus::Fresh(_) => {}
            EnvStatus::Stale(_, reasons) => {
                ctx.printer.warn(&format!(
                    "`{}` is stale (--no-sync): {}",
                    display_path(&env),
                    reasons.join("; ")
                ));
            }
            // Changed since `usable` looked: refused all the same.
            status @ (EnvStatus::Missing | EnvStatus::Broken(..)) => {
                let unusable = match status {
                    EnvStatus::Missing => Unusable::Missing,
                    status => Unusable::Broken(status.reasons().to_vec()),
                };
                return Err(not_ready(&env, &unusable, rebuilding));
            }
        }
        Some(InUse::shared(shared.ok().flatten()))
    } else {
        Some(ensure_synced(ctx, &wanted, false, false)?.1)
    };
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let resolved = resolve_program(&env, program, &ctx.env.path_dirs())?;
    let mut cmd = Command::new(&resolved.program);
    cmd.args(&resolved.leading_args).args(rest);
    activate(&mut cmd, &env, ctx.env.path.as_ref());
    Err(Error::Exec {
        program: resolved.program.clone(),
        source: platform::exec(cmd),
    })
}

struct Resolved {
    program: PathBuf,
    leading_args: Vec<OsString>,
}

/// A `.py` file runs with the env's python; else the env's `bin/NAME`; else
/// NAME from `PATH`.
fn resolve_program(
    env: &Path,
    program: &OsString,
    path_dirs: &[PathBuf],
) -> Result<Resolved, Error> {
    let name = program.to_string_lossy();
    if Path::new(program)
        .extension()
        .is_some_and(|e| e == "py" || e == "pyw")
    {
        return Ok(Resolved {
            program: platform::env_python(env),
            leading_args: vec![program.clone()],
        });
    }
    if !name.contains('/') && !name.contains(std::path::MAIN_SEPARATOR) {
        let in_env = platform::env_bin(env, &name);
        if platform::is_executable(&in_env) {
            return Ok(Resolved {
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
        Some(found) => Ok(Resolved {
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
fn activate(cmd: &mut Command, env: &Path, path: Option<&OsString>) {
    let mut dirs = vec![env.join(platform::BIN_DIR)];
    if let Some(path) = path {
        dirs.extend(std::env::split_paths(path));
    }
    if let Ok(joined) = std::env::join_paths(dirs) {
        cmd.env("PATH", joined);
    }
    cmd.env("VIRTUAL_ENV", env).env_remove("PYTHONHOME");
}
