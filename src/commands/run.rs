//! `penv run`: sync if needed, then become the command, with the env
//! activated as `activate` would (`VIRTUAL_ENV`, `PATH`, no `PYTHONHOME`).
//! On Unix penv execs, so exit codes and signals are the command's own.

use std::process::{Command, ExitCode};

use super::running::{activation, resolve_program, synced};
use crate::cli::RunArgs;
use crate::ops::Ctx;
use crate::{Error, platform};

pub(super) fn run(ctx: &Ctx, args: &RunArgs) -> Result<ExitCode, Error> {
    if args.list {
        return super::task::list(ctx);
    }
    // A task of the project, unless `--` says the word is an executable.
    if let Some(name) = args.task_name()
        && let Some(project) = super::task::with_task(name)
    {
        return super::task::run(ctx, args, &project, name);
    }
    // A script with a `# /// script` block runs in its own env (PEP 723).
    if let Some(script) = super::script::in_command(ctx, args.argv())? {
        return super::script::run(ctx, args, script);
    }
    let (plan, in_use) = synced(ctx, &args.spec, args.no_sync)?;
    let env = &plan.paths.env;
    // Held by the command until it exits: prune never deletes the env
    // under it.
    let _running = in_use.into_running(&plan.paths);
    let (program, rest) = args.argv().split_first().expect("clap requires a command");
    let resolved = resolve_program(env, program, &ctx.vars.path_dirs_outside_active())?;
    let mut cmd = Command::new(&resolved.program);
    cmd.args(&resolved.leading_args).args(rest);
    activation(ctx, &plan).apply(&mut cmd);
    Err(Error::Exec {
        program: resolved.program.clone(),
        source: platform::exec(cmd),
    })
}
