//! The project's lock: is `pylock.toml` still penv.toml's? Doctor plans
//! with the lock in use, as a plain sync does, so an env built from a lock
//! that penv.toml has moved away from looks fresh; the lock's own inputs
//! hash ([`crate::ops::lock::freshness`], the one rule `penv lock --check`
//! and `sync --locked` follow) says it is not. Nothing is resolved.

use super::Finding;
use crate::Error;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::lock::{self, Freshness};
use crate::plan::Plan;

/// A finding when the project has a lock penv wrote and it is out of
/// date. No lock is no finding (a project need not lock), and neither is
/// a lock another tool wrote: it records no inputs hash, so nothing can
/// say it is stale, and a plain sync installs it as it is (with a warning).
pub(super) fn check(
    ctx: &Ctx,
    plan: &Plan,
    python: Option<&str>,
) -> Result<Option<Finding>, Error> {
    let path = crate::plan::lock_path(&plan.project);
    let Some(existing) = crate::lock::read(&path)? else {
        return Ok(None);
    };
    if crate::lock::inputs::recorded_hash(&existing).is_none() {
        return Ok(None);
    }
    let project = crate::plan::find_project()?;
    let selection = lock::selection(python.map(str::to_owned));
    let for_lock = Plan::new(project, selection, &ctx.vars, &ctx.prober)?;
    let Freshness::Stale(why) = lock::freshness(&for_lock)? else {
        return Ok(None);
    };
    let python = python
        .map(|p| {
            format!(
                " --python {}",
                shlex::try_quote(p).unwrap_or_else(|_| p.into())
            )
        })
        .unwrap_or_default();
    Ok(Some(Finding {
        check: "lock",
        message: format!(
            "`{}` is out of date: {why}; the env is built from the lock, not from what the project file says now",
            display_path(&path)
        ),
        hint: format!(
            "run `penv lock{python}` to update it (a plain `penv sync` locks again first; `penv sync --locked` fails until then)"
        ),
    }))
}
