//! `penv add`: add requirements where the project file holds them, then
//! sync ([`crate::ops::edit`]).

use std::process::ExitCode;

use crate::Error;
use crate::cli::EditArgs;
use crate::ops::Ctx;
use crate::ops::edit::{self, Done, Request};

pub(super) fn add(ctx: &Ctx, args: &EditArgs) -> Result<ExitCode, Error> {
    let done = edit::add(ctx, &request(args))?;
    for text in &done.unbounded {
        ctx.printer.status(&if args.no_sync {
            format!("`{text}` was written without a version (`--no-sync` installs nothing to take one from)")
        } else {
            format!("`{text}` was written without a version: the env has no such distribution (a marker left it out?)")
        });
    }
    report(ctx, &done);
    Ok(ExitCode::SUCCESS)
}

/// The operation's request from the command line.
pub(super) fn request(args: &EditArgs) -> Request {
    Request {
        packages: args.packages.clone(),
        group: args.group.clone(),
        no_sync: args.no_sync,
    }
}

/// What the sync after an edit (`add` or `remove`) did.
pub(super) fn report(ctx: &Ctx, done: &Done) {
    if let Some((outcome, plan)) = &done.synced {
        ctx.printer
            .status(&super::sync::outcome_message(plan, outcome));
    }
}
