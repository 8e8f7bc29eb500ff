//! `penv hash`: the spec hash alone, for CI cache keys.

use std::process::ExitCode;

use super::Ctx;
use crate::Error;
use crate::cli::HashArgs;

pub(super) fn hash(ctx: &Ctx, args: &HashArgs) -> Result<ExitCode, Error> {
    let project = ctx.project()?;
    let wanted = ctx.wanted(project, &args.spec)?;
    ctx.printer.data(&wanted.hash);
    Ok(ExitCode::SUCCESS)
}
