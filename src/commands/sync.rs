//! `penv sync`: make the env match the spec ([`crate::ops::sync`]), or with
//! `--check`, only say whether it does.

use std::process::ExitCode;

use crate::Error;
use crate::cli::SyncArgs;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::sync::{self, Options, Outcome};
use crate::plan::{LockUse, Plan};
use crate::venv::Readiness;

pub(super) fn sync(ctx: &Ctx, args: &SyncArgs) -> Result<ExitCode, Error> {
    if let Some(script) = &args.script {
        return super::script::sync(ctx, args, script);
    }
    let lock = if args.frozen {
        LockUse::Frozen
    } else if args.locked {
        LockUse::Locked
    } else {
        LockUse::Auto
    };
    if !args.check {
        sync::lock_first(ctx, args.spec.python.clone(), lock)?;
    }
    let plan = super::plan_with(ctx, &args.spec, lock)?;
    if args.check {
        // A stale lock is locked again by a plain sync: the env it makes
        // is not the one the stale lock describes.
        if let Some((path, changes)) = sync::out_of_date(ctx, args.spec.python.clone(), lock)? {
            ctx.printer.status(&format!(
                "`{}` is stale: `{}` is out of date with the project file:",
                display_path(&plan.paths.env),
                display_path(&path)
            ));
            for change in changes {
                ctx.printer.status(&format!("  - {change}"));
            }
            // `--locked` refuses a stale lock: it is locked by hand first.
            // penv never writes another tool's lock: a plain sync installs
            // it as it is.
            let (sync, relock) = (plan.sync_command(), crate::lock::relock_command(&path));
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            ctx.printer.status(&match (lock == LockUse::Locked, crate::lock::is_foreign(&path)) {
                (true, false) => format!("Run `{relock}`, then `{sync}`, to update it."),
                (true, true) => format!(
                    "Run `{relock}`, then `{sync}`, to update it (penv does not write `{file}`)."
                ),
                (false, true) => format!(
                    "`{sync}` installs it as it is (penv does not write `{file}`): run `{relock}` to \
                     update it, or `penv lock` to lock with penv (`pylock.toml` then comes first)."
                ),
                (false, false) => format!("Run `{sync}` to lock again and update it."),
            });
            return Ok(ExitCode::from(1));
        }
        return Ok(check(ctx, &plan, args));
    }
    let options = Options {
        force: args.force,
        reinstall: args.reinstall,
    };
    // Groups are kept until a command line chooses again: say what the new
    // choice drops (`--default-groups` after `--group docs`).
    let dropped = crate::state::State::read(&plan.paths.env)
        .ok()
        .flatten()
        .and_then(|s| s.selection)
        .filter(|chosen| *chosen != plan.selection().groups);
    let (outcome, _in_use) = sync::sync(ctx, &plan, options)?;
    if let Some(chosen) = dropped
        && plan.selection().groups.is_default()
    {
        ctx.printer.status(&format!(
            "Back to the project's default groups: the env had `{}` (`penv sync{}` brings it back)",
            chosen.as_command_line().trim_start(),
            chosen.as_command_line()
        ));
    }
    ctx.printer.status(&outcome_message(&plan, &outcome));
    Ok(ExitCode::SUCCESS)
}

/// What a sync did, in one line (also after `penv add` / `penv remove`).
pub(super) fn outcome_message(plan: &Plan, outcome: &Outcome) -> String {
    let env_name = display_path(&plan.paths.env);
    let python = &plan.python.info;
    // Said every time: which file decided what is in the env.
    let from = plan
        .spec
        .lock
        .as_ref()
        .map(|l| format!(" from `{}`", l.path))
        .unwrap_or_default();
    match outcome {
        Outcome::AlreadyFresh => format!(
            "`{env_name}` is up to date ({} {}){from}",
            python.implementation, python.version
        ),
        Outcome::BuiltByOther => {
            format!("`{env_name}` was brought up to date by another penv")
        }
        Outcome::Built { seconds, origin } => format!(
            "Built `{env_name}` ({} {}){from} in {seconds:.1}s{}",
            python.implementation,
            python.version,
            how(origin, plan.spec.venv.installer)
        ),
        Outcome::Restored => {
            format!("Restored `{env_name}` from the stash (built before for this spec)")
        }
    }
}

/// How a build went, after its time: nothing for a build from nothing.
fn how(origin: &crate::state::Origin, installer: crate::project::Installer) -> String {
    match origin {
        crate::state::Origin::Built | crate::state::Origin::Stash => String::new(),
        other => format!(", {}", other.describe(installer)),
    }
}

/// `--check`: exit 0 when the env is fresh; else 1, with why and what to run.
fn check(ctx: &Ctx, plan: &Plan, args: &SyncArgs) -> ExitCode {
    let env_name = display_path(&plan.paths.env);
    let readiness = plan.readiness();
    if let Readiness::Fresh(_) = readiness {
        ctx.printer.status(&format!("`{env_name}` is up to date"));
        return ExitCode::SUCCESS;
    }
    ctx.printer
        .status(&format!("`{env_name}` is {}:", readiness.name()));
    for reason in readiness.why() {
        ctx.printer.status(&format!("  - {reason}"));
    }
    // What to run: a plain sync, unless it would refuse the path.
    match sync::refusal(ctx, plan, args.force) {
        Some(refusal) => {
            ctx.printer
                .status(&format!("`penv sync` would refuse: {refusal}"));
            ctx.printer.status(&format!("hint: {}", refusal.hint()));
        }
        // The selection the verdict was made with, spelled out, so the
        // command keeps it (`penv sync --group tests`).
        None => ctx.printer.status(&format!(
            "Run `{}{}` to update it.",
            plan.sync_command(),
            if args.force { " --force" } else { "" }
        )),
    }
    ExitCode::from(1)
}
