//! `penv which`: the absolute path of an executable in the env.
//!
//! It does not sync, but it never hands out a python penv would not run
//! ([`venv::usable`], the same verdict as `run --no-sync`): the env must
//! carry a valid state file for its own path, no build may be under way or
//! interrupted, and its interpreter must be intact and as built. A stale env
//! is fine: `sync --check` is the gate for that.

use std::path::Path;
use std::process::ExitCode;

use super::Ctx;
use crate::cli::WhichArgs;
use crate::venv::{self, Unusable};
use crate::{Error, platform};

pub(super) fn which(ctx: &Ctx, args: &WhichArgs) -> Result<ExitCode, Error> {
    if args.name.contains('/') || args.name.contains(std::path::MAIN_SEPARATOR) {
        return Err(Error::NotAName {
            name: args.name.clone(),
        });
    }
    let project = ctx.project()?;
    let paths = Ctx::env_paths(&project);
    venv::usable(&paths)
        .map_err(|u| not_ready(&paths.env, &u, "run `penv which` again when it is done"))?;
    let env = paths.env;
    let path = if args.name == "python" {
        platform::env_python(&env)
    } else {
        platform::env_bin(&env, &args.name)
    };
    if !platform::is_executable(&path) {
        return Err(Error::NoSuchCommand {
            name: args.name.clone(),
            bin: env.join(platform::BIN_DIR),
            searched_path: false,
        });
    }
    ctx.printer.data(&path.display().to_string());
    Ok(ExitCode::SUCCESS)
}

/// The error for an env that cannot be used as it is; `when_rebuilding` is
/// the hint while another penv rebuilds it.
pub(super) fn not_ready(env: &Path, unusable: &Unusable, when_rebuilding: &str) -> Error {
    let hint = match unusable {
        Unusable::Rebuilding => when_rebuilding,
        Unusable::Missing => "run `penv sync` first",
        Unusable::NoState => "run `penv sync` (with `--force` for a venv penv did not create)",
        Unusable::Broken(_) => "run `penv sync` to rebuild it",
    };
    Error::EnvNotReady {
        env: env.to_owned(),
        status: unusable.status(),
        reasons: unusable.reasons(),
        hint: hint.to_owned(),
    }
}
