//! The commands: each turns its arguments into a plan and options, calls
//! one operation ([`crate::ops`]) or stage, and prints the outcome. No
//! pipeline logic lives here.

mod add;
mod cache;
mod completions;
mod doctor;
mod envs;
mod export;
mod hash;
mod hook;
mod init;
mod lock;
mod outdated;
mod python;
mod remove;
mod run;
mod running;
mod script;
mod shell;
mod status;
mod sync;
mod task;
mod tree;
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
        Command::Shell(args) => shell::shell(&ctx, &args),
        Command::Activate(args) => shell::activate(&ctx, &args),
        Command::Which(args) => which::which(&ctx, &args),
        Command::Status(args) => status::status(&ctx, &args),
        Command::Tree(args) => tree::tree(&ctx, &args),
        Command::Outdated(args) => outdated::outdated(&ctx, &args),
        Command::Export(args) => export::export(&ctx, &args),
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
        Command::EmptyTrash(args) if args.detach => {
            Ok(match crate::venv::owned::trash::detach(&args.dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            })
        }
        Command::EmptyTrash(args) => {
            crate::venv::owned::trash::empty(&args.dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::StoreKeep(args) => {
            let job = crate::ops::stored::KeepJob {
                env: args.env,
                entry: args.entry,
                hash: args.hash,
                link_mode: args.link_mode,
                project: args.project,
                listing: args.listing,
            };
            if args.detach {
                return Ok(match crate::ops::stored::detach(&job) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(_) => ExitCode::FAILURE,
                });
            }
            crate::ops::stored::keeper(&job);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The plan of the project's env for a command line (`--python`,
/// `--group`…): [`Plan::for_env`], the one rule every command follows —
/// groups and extras as the command line chooses them, else as the env was
/// last synced with. A recorded choice that no longer applies gives way to
/// the defaults, with a warning.
fn plan(ctx: &Ctx, args: &SpecArgs) -> Result<Plan, Error> {
    plan_with(ctx, args, plan::LockUse::Auto)
}

/// [`plan`], with `pylock.toml` used as `lock` says (`sync --locked`/`--frozen`).
fn plan_with(ctx: &Ctx, args: &SpecArgs, lock: plan::LockUse) -> Result<Plan, Error> {
    let selection = selection(args, lock);
    let chosen = if selection.groups.is_default() && !args.default_groups {
        plan::Chosen::Nothing
    } else {
        plan::Chosen::Given
    };
    let for_env = Plan::for_env(
        plan::find_project()?,
        selection,
        chosen,
        &ctx.vars,
        &ctx.prober,
    )?;
    if let Some(warning) = &for_env.gave_way {
        ctx.printer.warn(warning);
    }
    Ok(for_env.plan)
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
