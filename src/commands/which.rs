//! `penv which`: the absolute path of an executable in the env.
//!
//! It does not sync, but it never hands out a python penv would not run:
//! the env must carry a valid state file for its own path, no build may be
//! under way or interrupted, and its base interpreter must be intact. A
//! stale env is fine: `sync --check` is the gate for that.

use std::process::ExitCode;

use super::Ctx;
use crate::cli::WhichArgs;
use crate::diagnostics::display_path;
use crate::state::State;
use crate::venv::{EnvPaths, Unfinished, check, owned};
use crate::{Error, platform};

pub(super) fn which(ctx: &Ctx, args: &WhichArgs) -> Result<ExitCode, Error> {
    if args.name.contains('/') || args.name.contains(std::path::MAIN_SEPARATOR) {
        return Err(Error::NotAName {
            name: args.name.clone(),
        });
    }
    let project = ctx.project()?;
    let paths = Ctx::env_paths(&project);
    trusted(&paths)?;
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

/// The env is one penv built, finished, for this path, on an intact base.
fn trusted(paths: &EnvPaths) -> Result<(), Error> {
    let env = &paths.env;
    let not_ready = |status, reasons: Vec<String>, hint: &str| Error::EnvNotReady {
        env: env.clone(),
        status,
        reasons,
        hint: hint.to_owned(),
    };
    // A build under way or cut short says so first, whatever else is missing.
    let unfinished = Unfinished::of(paths).or_else(|| {
        env.join(owned::BUILD_MARKER)
            .exists()
            .then_some(Unfinished::Interrupted)
    });
    match unfinished {
        Some(u @ Unfinished::Rebuilding) => {
            return Err(not_ready(
                "being rebuilt",
                vec![u.reason().to_owned()],
                "run `penv which` again when it is done",
            ));
        }
        Some(u @ Unfinished::Interrupted) => {
            return Err(not_ready(
                "broken",
                vec![u.reason().to_owned()],
                "run `penv sync`",
            ));
        }
        None => {}
    }
    let state = match State::read(env) {
        Ok(Some(state)) => state,
        Ok(None) if !env.join("pyvenv.cfg").is_file() => {
            return Err(not_ready(
                "missing",
                vec!["it has not been built".to_owned()],
                "run `penv sync` first",
            ));
        }
        Ok(None) => {
            return Err(not_ready(
                "broken",
                vec![
                    "it has no penv state file: penv did not build it, or never finished"
                        .to_owned(),
                ],
                "run `penv sync` (with `--force` for a venv penv did not create)",
            ));
        }
        Err(e) => {
            return Err(not_ready(
                "broken",
                vec![e.to_string()],
                "run `penv sync` to rebuild it",
            ));
        }
    };
    let mut reasons = Vec::new();
    if state.venv_path != *env {
        reasons.push(format!(
            "it was built at `{}` (the project moved)",
            display_path(&state.venv_path)
        ));
    }
    reasons.extend(check::check_base(env, &state).broken);
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(not_ready(
            "broken",
            reasons,
            "run `penv sync` to rebuild it",
        ))
    }
}
