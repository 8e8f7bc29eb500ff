//! The commands: each turns its arguments into a plan and options, calls
//! one operation ([`crate::ops`]) or stage, and prints the outcome. No
//! pipeline logic lives here.

mod cache;
mod doctor;
mod envs;
mod hash;
mod lock;
mod python;
mod run;
mod script;
mod status;
mod sync;
mod which;

use std::process::ExitCode;

use crate::Error;
use crate::cli::{Cli, Command, SpecArgs};
use crate::env_vars::EnvVars;
use crate::ops::Ctx;
use crate::plan::{self, Plan, Selection};
use crate::printer::Printer;
use crate::spec::GroupSelection;

/// Runs the command.
pub fn dispatch(cli: Cli, vars: EnvVars, printer: &Printer) -> Result<ExitCode, Error> {
    // `-C DIR` works like git's and make's: penv runs as if started in DIR,
    // so the project is found from there and `run`'s relative paths are too.
    if let Some(dir) = &cli.project {
        std::env::set_current_dir(dir)
            .map_err(|_| crate::project::ProjectError::NoSuchDirectory { dir: dir.clone() })?;
    }
    let ctx = Ctx::new(vars, printer);
    match cli.command {
        Command::Sync(args) => sync::sync(&ctx, &args),
        Command::Run(args) => run::run(&ctx, &args),
        Command::Which(args) => which::which(&ctx, &args),
        Command::Status(args) => status::status(&ctx, &args),
        Command::Hash(args) => hash::hash(&ctx, &args),
        Command::Lock(args) => lock::lock(&ctx, &args),
        Command::Python(cmd) => python::python(&ctx, &cmd),
        Command::Doctor(args) => doctor::doctor(&ctx, &args),
        Command::Envs(args) => envs::envs(&ctx, &args),
        Command::Cache(cmd) => cache::cache(&ctx, &cmd),
    }
}

/// The plan for the project found from the current directory and the
/// command line's `--python`/`--group`/`--no-default-groups`.
fn plan(ctx: &Ctx, args: &SpecArgs) -> Result<Plan, Error> {
    plan_with(ctx, args, plan::LockUse::Auto)
}

/// [`plan`], with `pylock.toml` used as `lock` says (`sync --locked`/`--frozen`).
fn plan_with(ctx: &Ctx, args: &SpecArgs, lock: plan::LockUse) -> Result<Plan, Error> {
    let selection = Selection {
        python: args.python.clone(),
        groups: GroupSelection {
            groups: args.groups.clone(),
            no_default_groups: args.no_default_groups,
        },
        lock,
    };
    Plan::new(plan::find_project()?, selection, &ctx.vars, &ctx.prober)
}
