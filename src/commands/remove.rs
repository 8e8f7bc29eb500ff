//! `penv remove`: remove requirements from where the project file holds
//! them, then sync ([`crate::ops::edit`]).

use std::process::ExitCode;

use crate::Error;
use crate::cli::EditArgs;
use crate::ops::Ctx;
use crate::ops::edit::{self, Done};

pub(super) fn remove(ctx: &Ctx, args: &EditArgs) -> Result<ExitCode, Error> {
    let done = edit::remove(ctx, &super::add::request(args))?;
    report(ctx, &done);
    Ok(ExitCode::SUCCESS)
}

/// What the sync after the edit did.
pub(super) fn report(ctx: &Ctx, done: &Done) {
    if let Some((outcome, plan)) = &done.synced {
        ctx.printer
            .status(&super::sync::outcome_message(plan, outcome));
    }
}
