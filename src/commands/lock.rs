//! `penv lock`: resolve and write `pylock.toml` ([`crate::ops::lock`]), or
//! with `--check`, only say whether it is up to date.

use std::process::ExitCode;

use crate::Error;
use crate::cli::LockArgs;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::lock::{self, Freshness, Options};
use crate::plan::{self, Plan};

pub(super) fn lock(ctx: &Ctx, args: &LockArgs) -> Result<ExitCode, Error> {
    let project = plan::find_project()?;
    let selection = lock::selection(args.python.clone());
    let plan = Plan::new(project, selection, &ctx.vars, &ctx.prober)?;
    let path = lock::lock_path(&plan);
    let shown = display_path(&path);
    if args.check {
        let python = args
            .python
            .as_deref()
            .map(|p| {
                format!(
                    " --python {}",
                    shlex::try_quote(p).unwrap_or_else(|_| p.into())
                )
            })
            .unwrap_or_default();
        return Ok(match lock::freshness(&plan)? {
            Freshness::Fresh => {
                ctx.printer.status(&format!("`{shown}` is up to date"));
                ExitCode::SUCCESS
            }
            Freshness::Missing => {
                ctx.printer.status(&format!("`{shown}` does not exist"));
                ctx.printer
                    .status(&format!("Run `penv lock{python}` to write it."));
                ExitCode::from(1)
            }
            Freshness::Stale(why) => {
                ctx.printer
                    .status(&format!("`{shown}` is out of date: {why}"));
                ctx.printer
                    .status(&format!("Run `penv lock{python}` to update it."));
                ExitCode::from(1)
            }
        });
    }
    let options = Options {
        upgrade: args.upgrade,
        upgrade_packages: args.upgrade_package.clone(),
    };
    let locked = lock::lock(ctx, &plan, &options)?;
    for change in &locked.changes {
        ctx.printer.status(change);
    }
    let n = locked.packages;
    let packages = format!("{n} package{}", if n == 1 { "" } else { "s" });
    let python = &plan.python.info;
    ctx.printer.status(&if locked.written {
        format!(
            "Locked {packages} for {} {} in `{}`",
            python.implementation,
            python.version,
            display_path(&locked.path)
        )
    } else {
        format!("`{}` is unchanged ({packages})", display_path(&locked.path))
    });
    // Another tool's lock is that tool's: left as it is, and said to be
    // passed over now.
    if let Some(other) = crate::spec::foreign_lock_path(&plan.project) {
        ctx.printer.status(&format!(
            "`{}` is left as it is (`{}` updates it): `penv sync` installs `{shown}` now, which comes first; delete `{shown}` to install from `{}` again",
            display_path(&other),
            crate::lock::relock_command(&other),
            display_path(&other)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
