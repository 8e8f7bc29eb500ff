//! `penv which`: the absolute path of an executable in the env.
//!
//! It does not sync, but it never hands out a python penv would not run
//! ([`use_env::as_built`], the verdict `run --no-sync` uses): the env must
//! carry a valid state file for its own path, no build may be under way or
//! interrupted, and its interpreter must be intact and as built. A stale env
//! is fine: `sync --check` is the gate for that.
//!
//! Any file in `bin/` is named, executable or not: `penv which activate`
//! gives the script to `source`. An empty name, `.`, `..` or a path is an
//! error saying what it takes.

use crate::diagnostics::escape_path;
use std::process::ExitCode;

use crate::cli::WhichArgs;
use crate::ops::{Ctx, use_env};
use crate::{Error, plan, platform};

pub(super) fn which(ctx: &Ctx, args: &WhichArgs) -> Result<ExitCode, Error> {
    if args.name.is_empty() {
        return Err(Error::EmptyName);
    }
    if args.name.contains('/')
        || args.name.contains(std::path::MAIN_SEPARATOR)
        || args.name == "."
        || args.name == ".."
    {
        return Err(Error::NotAName {
            name: args.name.clone(),
        });
    }
    let (paths, sync) = if let Some(script) = &args.script {
        let plan = super::script::plan(ctx, script, None)?;
        let sync = plan.sync_command();
        (plan.paths, sync)
    } else {
        let paths = plan::env_paths(&plan::find_project()?);
        // The env's own selection, kept by the command the hint names.
        let recorded = plan::recorded_selection(&paths).unwrap_or_default();
        (paths, plan::sync_command(&recorded))
    };
    use_env::as_built(&paths, &sync, "run `penv which` again when it is done")?;
    let env = paths.env;
    let path = if args.name == "python" {
        platform::env_python(&env)
    } else {
        platform::env_bin(&env, &args.name)
    };
    // `env_bin` adds `.exe` on Windows; `activate.bat` is named in full.
    let path = [path, env.join(platform::BIN_DIR).join(&args.name)]
        .into_iter()
        .find(|p| p.is_file());
    let Some(path) = path else {
        return Err(Error::NoSuchCommand {
            name: args.name.clone(),
            bin: env.join(platform::BIN_DIR),
            searched_path: false,
        });
    };
    ctx.printer.data(&escape_path(&path));
    Ok(ExitCode::SUCCESS)
}
