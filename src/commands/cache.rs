//! `penv cache dir` and `penv cache clean` ([`crate::ops::cache`]).

use std::process::ExitCode;

use crate::Error;
use crate::cli::CacheCommand;
use crate::diagnostics::{display_path, escape_path};
use crate::ops::Ctx;
use crate::ops::envs::{CACHE_PARTS, size};

pub(super) fn cache(ctx: &Ctx, cmd: &CacheCommand) -> Result<ExitCode, Error> {
    let p = ctx.printer;
    match cmd {
        CacheCommand::Dir => {
            match &ctx.cache_dir {
                Some(dir) => {
                    p.data(&format!("cache: {}", escape_path(dir)));
                    for (_, sub, what) in CACHE_PARTS {
                        p.data(&format!("  {sub}/  {what}"));
                    }
                    if let Some((entries, bytes, max)) = crate::ops::script::summary(ctx) {
                        p.data(&format!(
                            "  envs/  the store: envs by spec hash (projects' for their other checkouts, PEP 723 scripts'), {entries} entr{} ({}, each entry counted whole), kept under {} (`PENV_STORE_MAX`); not cleaned (`penv envs prune --store`)",
                            if entries == 1 { "y" } else { "ies" },
                            size(bytes),
                            max.map_or_else(|e| format!("the default (bad value: {e})"), size)
                        ));
                    }
                }
                None => p.data("cache: none (no home directory; set `PENV_CACHE_DIR`)"),
            }
            match &ctx.data_dir {
                Some(dir) => {
                    p.data(&format!("data: {}", escape_path(dir)));
                    p.data("  envs/  the registry of envs penv synced (`penv envs`)");
                }
                None => p.data("data: none (no home directory; set `PENV_DATA_DIR`)"),
            }
            p.data("stashes: `.penv/stash/` beside each env (`penv envs prune --stashes`)");
        }
        CacheCommand::Clean => {
            let Some(dir) = &ctx.cache_dir else {
                p.status("No cache directory: nothing to clean.");
                return Ok(ExitCode::SUCCESS);
            };
            let own = ctx.vars.cache_dir.is_none();
            let (done, left) = crate::ops::cache::clean(dir, own)?;
            for d in &left {
                p.warn(&format!(
                    "left `{}`: it carries no penv `CACHEDIR.TAG`, so it may be another tool's (`PENV_CACHE_DIR` is shared); delete it yourself if it is penv's",
                    display_path(d)
                ));
            }
            if done.is_empty() && left.is_empty() {
                p.status(&format!("Nothing to clean in `{}`.", display_path(dir)));
            }
            for d in done {
                p.status(&format!("Removed `{}`", display_path(&d)));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
