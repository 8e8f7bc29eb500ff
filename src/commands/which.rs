//! `penv which`: the absolute path of an executable in the env.

use std::process::ExitCode;

use super::Ctx;
use crate::cli::WhichArgs;
use crate::{Error, platform};

pub(super) fn which(ctx: &Ctx, args: &WhichArgs) -> Result<ExitCode, Error> {
    let project = ctx.project()?;
    let env = Ctx::env_paths(&project).env;
    if !env.join("pyvenv.cfg").is_file() {
        return Err(Error::EnvNotReady {
            env,
            status: "missing",
            reasons: vec!["it has not been built".to_owned()],
            hint: "run `penv sync` first".to_owned(),
        });
    }
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
