//! The commands: each turns its arguments into a plan and options, calls
//! one operation ([`crate::ops`]) or stage, and prints the outcome. No
//! pipeline logic lives here.

mod add;
mod cache;
mod completions;
mod doctor;
mod envs;
mod hash;
mod hook;
mod init;
mod lock;
mod python;
mod remove;
mod run;
mod running;
mod script;
mod shell;
mod status;
mod sync;
mod task;
mod which;

use std::process::ExitCode;

use crate::Error;
use crate::cli::{Cli, Command, SpecArgs};
use crate::env_vars::EnvVars;
use crate::ops::Ctx;
use crate::plan::{self, Plan, Selection};
use crate::printer::Printer;
use crate::project::Project;
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
        Command::Shell(args) => shell::shell(&ctx, &args),
        Command::Activate(args) => shell::activate(&ctx, &args),
        Command::Which(args) => which::which(&ctx, &args),
        Command::Status(args) => status::status(&ctx, &args),
        Command::Hash(args) => hash::hash(&ctx, &args),
        Command::Lock(args) => lock::lock(&ctx, &args),
        Command::Init => init::init(&ctx),
        Command::Add(args) => add::add(&ctx, &args),
        Command::Remove(args) => remove::remove(&ctx, &args),
        Command::Python(cmd) => python::python(&ctx, &cmd),
        Command::Doctor(args) => doctor::doctor(&ctx, &args),
        Command::Envs(args) => envs::envs(&ctx, &args),
        Command::Cache(cmd) => cache::cache(&ctx, &cmd),
        Command::Hook(cmd) => hook::hook(&ctx, &cmd),
        Command::Completions(args) => Ok(completions::completions(&ctx, &args)),
        Command::GenerateMan(args) => completions::generate_man(&ctx, &args),
    }
}

/// The plan for the project found from the current directory and the
/// command line's `--python`/`--group`/`--no-default-groups`.
fn plan(ctx: &Ctx, args: &SpecArgs) -> Result<Plan, Error> {
    plan_with(ctx, args, plan::LockUse::Auto)
}

/// [`plan`], with `pylock.toml` used as `lock` says (`sync --locked`/`--frozen`).
fn plan_with(ctx: &Ctx, args: &SpecArgs, lock: plan::LockUse) -> Result<Plan, Error> {
    Plan::new(
        plan::find_project()?,
        selection(args, lock),
        &ctx.vars,
        &ctx.prober,
    )
}

/// [`plan`], but groups and extras sticky: when the command line chooses
/// none, those the env was last built with (`sync --group docs`), so that
/// `run` and `status` do not swap the env back to the defaults. A recorded
/// choice the project no longer allows (the group is gone) gives way to the
/// defaults, with a warning.
fn plan_sticky(ctx: &Ctx, args: &SpecArgs) -> Result<Plan, Error> {
    let project = plan::find_project()?;
    let mut selection = selection(args, plan::LockUse::Auto);
    let recorded = crate::state::State::read(&plan::env_paths(&project).env)
        .ok()
        .flatten()
        .and_then(|s| s.selection);
    let Some(recorded) = recorded.filter(|_| selection.groups.is_default()) else {
        return Plan::new(project, selection, &ctx.vars, &ctx.prober);
    };
    let file = project.file.clone();
    selection.groups = recorded.clone();
    match Plan::new(project, selection.clone(), &ctx.vars, &ctx.prober) {
        Err(Error::Spec(
            e @ (crate::spec::SpecError::UnknownGroup { .. }
            | crate::spec::SpecError::UnknownExtra { .. }),
        )) => {
            ctx.printer.warn(&format!(
                "the env was built with `{}`, which no longer applies ({e}): using the project's defaults",
                recorded.as_command_line().trim_start()
            ));
            selection.groups = GroupSelection::default();
            Plan::new(Project::load(&file)?, selection, &ctx.vars, &ctx.prober)
        }
        other => other,
    }
}

/// The selection a command line asks for.
fn selection(args: &SpecArgs, lock: plan::LockUse) -> Selection {
    Selection {
        python: args.python.clone(),
        groups: GroupSelection {
            groups: args.groups.clone(),
            no_default_groups: args.no_default_groups,
            all_groups: args.all_groups,
            extras: args.extras.clone(),
            all_extras: args.all_extras,
        },
        lock,
    }
}
