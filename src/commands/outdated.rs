//! `penv outdated`: the env's distributions with a newer version on the
//! project's index, and the newest its requirements allow
//! ([`crate::ops::outdated`]). It does not sync; the env must be one penv
//! would use as it is.

use std::process::ExitCode;

use crate::Error;
use crate::cli::{OutdatedArgs, SpecArgs};
use crate::ops::{Ctx, outdated, use_env};
use crate::plan::LockUse;

pub(super) fn outdated(ctx: &Ctx, args: &OutdatedArgs) -> Result<ExitCode, Error> {
    // penv.toml's requirements, not the lock's pins: what they allow.
    let plan = super::plan_with(ctx, &SpecArgs::default(), LockUse::Ignore)?;
    use_env::as_built(
        &plan.paths,
        &plan.sync_command(),
        "run `penv outdated` again when it is done",
    )?;
    let rows = outdated::outdated(ctx, &plan)?;
    if args.json {
        ctx.printer
            .data(&serde_json::to_string_pretty(&rows).expect("rows serialize"));
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        ctx.printer
            .status("Every distribution is at the newest version the index has");
        return Ok(ExitCode::SUCCESS);
    }
    let dash = || "-".to_owned();
    let table: Vec<[String; 4]> =
        std::iter::once(["package", "installed", "allowed", "latest"].map(str::to_owned))
            .chain(rows.iter().map(|r| {
                [
                    r.name.clone(),
                    r.installed.clone(),
                    r.allowed.clone().unwrap_or_else(dash),
                    r.latest.clone().unwrap_or_else(dash),
                ]
            }))
            .collect();
    let width = |i: usize| {
        table
            .iter()
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    for row in &table {
        ctx.printer.data(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    Ok(ExitCode::SUCCESS)
}
