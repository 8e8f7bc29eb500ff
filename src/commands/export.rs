//! `penv export`: a requirements file (hashes included where known) or the
//! project's `pylock.toml`, from the lock when there is one, else from the
//! env as built ([`crate::ops::export`]). It does not sync: without a lock
//! the env must be up to date for the selection asked for.

use std::process::ExitCode;

use crate::cli::{ExportArgs, ExportFormat};
use crate::ops::Ctx;
use crate::ops::export::{self, Exported};
use crate::ops::inspect::InspectError;
use crate::state::State;
use crate::venv::Readiness;
use crate::{Error, lock, plan};

pub(super) fn export(ctx: &Ctx, args: &ExportArgs) -> Result<ExitCode, Error> {
    let plan = super::plan(ctx, &args.spec)?;
    let text = match args.format {
        ExportFormat::Pylock => {
            let path = plan::lock_path(&plan.project);
            let Some(parsed) = lock::read(&path)? else {
                return Err(InspectError::NoLockToExport { path }.into());
            };
            let spec = &args.spec;
            if !spec.groups.is_empty()
                || !spec.extras.is_empty()
                || spec.all_groups
                || spec.all_extras
            {
                ctx.printer.warn(
                    "`--format pylock` exports the whole lock: its markers choose the groups and extras when it is installed",
                );
            }
            lock::write::render(&parsed)
        }
        ExportFormat::Requirements => {
            let exported = match &plan.spec.lock {
                Some(lock) => export::from_lock(lock, !args.no_hashes)?,
                None => export::from_env(&fresh_state(&plan)?, !args.no_hashes)?,
            };
            requirements(ctx, &plan, &exported)
        }
    };
    match &args.output {
        Some(file) => {
            crate::fs::write_atomic(file, text.as_bytes())?;
            ctx.printer.status(&format!(
                "Wrote `{}`",
                crate::diagnostics::display_path(file)
            ));
        }
        None => ctx.printer.data(text.trim_end_matches('\n')),
    }
    Ok(ExitCode::SUCCESS)
}

/// The state of the plan's env, when it is up to date for the plan.
fn fresh_state(plan: &plan::Plan) -> Result<State, Error> {
    match plan.readiness() {
        Readiness::Fresh(state) => Ok(*state),
        other => Err(Error::EnvNotReady {
            env: plan.paths.env.clone(),
            status: other.name(),
            reasons: other.why(),
            hint: format!(
                "run `{}` first: without `pylock.toml`, penv exports the env as built",
                plan.sync_command()
            ),
        }),
    }
}

/// The requirements file: a header saying where it came from, the lines,
/// and a warning naming what was left out.
fn requirements(ctx: &Ctx, plan: &plan::Plan, exported: &Exported) -> String {
    if !exported.left_out.is_empty() {
        ctx.printer.warn(&format!(
            "left out of the export: {}",
            exported.left_out.join(", ")
        ));
    }
    let from = match &plan.spec.lock {
        Some(lock) => format!("`{}`", lock.path),
        None => "the env as built".to_owned(),
    };
    let mut text = format!(
        "# Exported by penv from {from} for Python {}.\n",
        plan.python.info.version
    );
    for line in &exported.lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}
