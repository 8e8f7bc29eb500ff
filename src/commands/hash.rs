//! `penv hash`: the spec hash alone, for CI cache keys.

use std::process::ExitCode;

use crate::Error;
use crate::cli::HashArgs;
use crate::ops::Ctx;

pub(super) fn hash(ctx: &Ctx, args: &HashArgs) -> Result<ExitCode, Error> {
    ctx.printer.data(&super::plan(ctx, &args.spec)?.hash);
    Ok(ExitCode::SUCCESS)
}
