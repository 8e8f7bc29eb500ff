//! `penv remove`: remove requirements from where the project file holds
//! them, then sync ([`crate::ops::edit`]).

use std::process::ExitCode;

use crate::Error;
use crate::cli::EditArgs;
use crate::ops::Ctx;
use crate::ops::edit;

pub(super) fn remove(ctx: &Ctx, args: &EditArgs) -> Result<ExitCode, Error> {
    let done = edit::remove(ctx, &super::add::request(args))?;
    super::add::report(ctx, &done);
    Ok(ExitCode::SUCCESS)
}
