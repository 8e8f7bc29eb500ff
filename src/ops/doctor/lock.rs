//! The project's lock: is the lock the env is built from (`pylock.toml`,
//! or another tool's `uv.lock`, `poetry.lock`) still the project file's?
//! Doctor plans with the lock in use, as a plain sync does, so an env
//! built from a lock the project file has moved away from looks fresh;
//! [`crate::ops::sync::out_of_date`], the one rule `sync --check` and
//! `status` follow too, says it is not. Nothing is resolved.

use super::Finding;
use crate::Error;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::plan::LockUse;

/// A finding when the project's lock is out of date. No lock is no
/// finding (a project need not lock), and neither is a `pylock.toml`
/// another tool wrote: it records no inputs hash, so nothing can say it
/// is stale, and a plain sync installs it as it is (with a warning).
pub(super) fn check(ctx: &Ctx, python: Option<&str>) -> Result<Option<Finding>, Error> {
    let Some((path, changes)) =
        crate::ops::sync::out_of_date(ctx, python.map(str::to_owned), LockUse::Auto)?
    else {
        return Ok(None);
    };
    let message = format!(
        "`{}` is out of date: {}; the env is built from the lock, not from what the project file says now",
        display_path(&path),
        changes.join("; ")
    );
    let hint = if crate::lock::is_foreign(&path) {
        format!(
            "run `{}` to update it (penv does not write it: a plain `penv sync` installs it as it is; `penv sync --locked` fails until then)",
            crate::lock::relock_command(&path)
        )
    } else {
        let python = python
            .map(|p| {
                format!(
                    " --python {}",
                    shlex::try_quote(p).unwrap_or_else(|_| p.into())
                )
            })
            .unwrap_or_default();
        format!(
            "run `penv lock{python}` to update it (a plain `penv sync` locks again first; `penv sync --locked` fails until then)"
        )
    };
    Ok(Some(Finding {
        check: "lock",
        message,
        hint,
    }))
}
