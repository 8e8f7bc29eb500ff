//! Before a sync that uses `pylock.toml`: whether it is still penv.toml's
//! lock, and re-locking a stale one first.

use crate::Error;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::plan::{LockUse, Plan};

/// Before a sync that uses `pylock.toml` (`lock_use` is `Auto` or
/// `Locked`): whether it is still penv.toml's lock, by its inputs hash. A
/// stale one fails `--locked`, naming what changed, and is re-locked first
/// by a plain sync (which says so). A lock another tool wrote records no
/// inputs hash: `--locked` refuses it (nothing says it matches penv.toml),
/// a plain sync installs it as it is, with a warning, and never overwrites
/// it. No lock: nothing to do here.
pub(crate) fn lock_first(
    ctx: &Ctx,
    python: Option<String>,
    lock_use: LockUse,
) -> Result<(), Error> {
    if !matches!(lock_use, LockUse::Auto | LockUse::Locked) {
        return Ok(());
    }
    let project = crate::plan::find_project()?;
    if let Some((path, changes)) = super::foreign_fresh::foreign_lock_changes(&project)? {
        return foreign_lock_first(ctx, path, changes, lock_use);
    }
    let path = crate::plan::lock_path(&project);
    let Some(existing) = crate::lock::read(&path)? else {
        return Ok(());
    };
    let shown = display_path(&path);
    let selection = crate::ops::lock::selection(python);
    let plan = Plan::new(project, selection, &ctx.vars, &ctx.prober)?;
    let recorded = crate::lock::inputs::recorded_hash(&existing);
    let inputs = crate::ops::lock::inputs(&plan);
    if recorded == Some(inputs.hash().as_str()) {
        return Ok(());
    }
    // A lock made for another interpreter or platform (a teammate's, CI's)
    // is refused, never rewritten for this one behind their backs.
    if let Some(markers) = &plan.python.info.markers
        && let Err(source) = crate::lock::select::check_environments(&existing, markers)
    {
        return Err(crate::spec::SpecError::LockSelect { path, source }.into());
    }
    let Some(_) = recorded else {
        if lock_use == LockUse::Locked {
            return Err(Error::LockOutOfDate {
                path,
                changes: vec![format!(
                    "it records no `[tool.penv] inputs-hash` (written by `{}`), so nothing says it is penv.toml's lock",
                    existing.created_by
                )],
            });
        }
        ctx.printer.warn(&format!(
            "`{shown}` was written by `{}` and records no inputs hash: installing it as it is, without checking it against penv.toml",
            existing.created_by
        ));
        return Ok(());
    };
    let changes = changes(&existing, &inputs, &plan);
    if lock_use == LockUse::Locked {
        return Err(Error::LockOutOfDate { path, changes });
    }
    ctx.printer
        .status(&format!("`{shown}` is out of date, locking again first:"));
    for change in &changes {
        ctx.printer.status(&format!("  - {change}"));
    }
    let locked = crate::ops::lock::lock(ctx, &plan, &crate::ops::lock::Options::default())?;
    for change in &locked.changes {
        ctx.printer.status(change);
    }
    Ok(())
}

/// Another tool's lock in place of `pylock.toml`: a stale one fails
/// `--locked` and is installed as it is by a plain sync, with a warning
/// (the tool rewrites it: `uv lock`, `poetry lock`).
fn foreign_lock_first(
    ctx: &Ctx,
    path: std::path::PathBuf,
    changes: Vec<String>,
    lock_use: LockUse,
) -> Result<(), Error> {
    if changes.is_empty() {
        return Ok(());
    }
    if lock_use == LockUse::Locked {
        return Err(Error::LockOutOfDate { path, changes });
    }
    ctx.printer.warn(&format!(
        "`{}` no longer matches `pyproject.toml` ({}): installing it as it is; run `{}` to update it",
        display_path(&path),
        changes.join("; "),
        crate::lock::relock_command(&path)
    ));
    Ok(())
}

/// What the lock's recorded inputs say changed, then what of penv.toml the
/// lock's packages do not meet.
fn changes(
    existing: &crate::lock::model::PyLock,
    inputs: &crate::lock::inputs::Inputs,
    plan: &Plan,
) -> Vec<String> {
    let mut changes = crate::lock::inputs::changes(existing, inputs);
    changes.extend(crate::lock::inputs::unmet_requirements(
        existing,
        &requirements(plan),
    ));
    if changes.is_empty() {
        changes.push(
            "the requirements, groups, requirement files, pip options or interpreter changed since it was written".to_owned(),
        );
    }
    changes
}

/// For `sync --check` (which changes nothing, so does not lock again):
/// when penv's own `pylock.toml` no longer matches penv.toml, the lock and
/// what changed — the env a sync makes then is not the one the stale lock
/// describes, so the env is stale whatever it holds. `None` without a
/// lock, for a lock another tool wrote (installed as it is), and with
/// `--frozen`.
pub(crate) fn out_of_date(
    ctx: &Ctx,
    python: Option<String>,
    lock_use: LockUse,
) -> Result<Option<(std::path::PathBuf, Vec<String>)>, Error> {
    if !matches!(lock_use, LockUse::Auto | LockUse::Locked) {
        return Ok(None);
    }
    out_of_date_in(ctx, crate::plan::find_project()?, python)
}

/// [`out_of_date`] for `project`, wherever it is (`penv envs` judges every
/// project's env).
fn out_of_date_in(
    ctx: &Ctx,
    project: crate::project::Project,
    python: Option<String>,
) -> Result<Option<(std::path::PathBuf, Vec<String>)>, Error> {
    if let Some((path, changes)) = super::foreign_fresh::foreign_lock_changes(&project)? {
        return Ok((!changes.is_empty()).then_some((path, changes)));
    }
    let path = crate::plan::lock_path(&project);
    let Some(existing) = crate::lock::read(&path)? else {
        return Ok(None);
    };
    let plan = Plan::new(
        project,
        crate::ops::lock::selection(python),
        &ctx.vars,
        &ctx.prober,
    )?;
    let inputs = crate::ops::lock::inputs(&plan);
    match crate::lock::inputs::recorded_hash(&existing) {
        Some(recorded) if recorded != inputs.hash() => {
            Ok(Some((path, changes(&existing, &inputs, &plan))))
        }
        _ => Ok(None),
    }
}

/// The env's readiness as `status` says it, the one verdict `sync
/// --check` and `doctor` reach too: [`Plan::readiness`], where a lock the
/// env is built from that [`out_of_date`] finds stale makes the env stale,
/// its changes the reasons (a sync would not build what the env holds).
pub(crate) fn readiness_with_lock(ctx: &Ctx, plan: &Plan) -> Result<crate::venv::Readiness, Error> {
    use crate::venv::Readiness;
    let readiness = plan.readiness();
    let lock_use = plan.selection().lock;
    if plan.script().is_some() || !matches!(lock_use, LockUse::Auto | LockUse::Locked) {
        return Ok(readiness);
    }
    let project = crate::project::Project::load(&plan.project.file)?;
    let Some((path, changes)) = out_of_date_in(ctx, project, plan.selection().python.clone())?
    else {
        return Ok(readiness);
    };
    let reason = format!(
        "`{}` is out of date with the project file: {}",
        display_path(&path),
        changes.join("; ")
    );
    Ok(match readiness {
        Readiness::Fresh(state) => Readiness::Stale {
            state,
            why: vec![reason],
            moved: false,
        },
        Readiness::Stale {
            state,
            mut why,
            moved,
        } => {
            why.push(reason);
            Readiness::Stale { state, why, moved }
        }
        other => other,
    })
}

/// Every requirement of a lock plan, with where it is written.
fn requirements(plan: &Plan) -> Vec<(String, String)> {
    let spec = &plan.spec;
    let mut out: Vec<(String, String)> = spec
        .requirements
        .iter()
        .map(|r| (r.clone(), "requirements".to_owned()))
        .collect();
    for (group, reqs) in &spec.groups {
        out.extend(reqs.iter().map(|r| (r.clone(), format!("group `{group}`"))));
    }
    for file in spec.requirement_files.iter().filter(|f| !f.constraint) {
        out.extend(
            file.lines
                .iter()
                .filter(|l| !l.starts_with('-'))
                .map(|l| (l.clone(), format!("`{}`", file.path))),
        );
    }
    out
}
