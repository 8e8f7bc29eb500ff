//! `penv shell` and `penv activate`: the env activated in the user's shell,
//! started by penv or evaluated from its output. Both sync first, as `run`
//! does; `shell` holds the env in use until the shell exits.

use std::process::ExitCode;

use crate::cli::{ActivateArgs, ShellArgs, ShellName};
use crate::ops::Ctx;
use crate::ops::activate::Shell;
use crate::ops::shell::{self, ShellError};
use crate::{Error, platform};

pub(super) fn shell(ctx: &Ctx, args: &ShellArgs) -> Result<ExitCode, Error> {
    // Refused before anything is synced: a nested shell changes nothing.
    if let Some(marker) = &ctx.vars.penv_shell {
        return Err(ShellError::Nested {
            env: marker.clone(),
        }
        .into());
    }
    let (program, kind) = shell::users_shell(&ctx.vars)?;
    let (plan, in_use) = super::running::synced(ctx, &args.spec, false)?;
    shell::check_not_nested(&ctx.vars, &plan.paths.env)?;
    let activation = super::running::activation(ctx, &plan);
    // Held by the shell until it exits, as `run` holds its command's.
    let _running = in_use.into_running(&plan.paths);
    let cmd = shell::command(
        &program,
        kind,
        &activation,
        &ctx.vars,
        ctx.cache_dir.as_deref(),
    );
    ctx.printer.status(&format!(
        "Starting {} with `{}` activated (`exit` to leave)",
        kind.name(),
        crate::diagnostics::display_path(&plan.paths.env)
    ));
    Err(Error::Exec {
        program,
        source: platform::exec(cmd),
    })
}

pub(super) fn activate(ctx: &Ctx, args: &ActivateArgs) -> Result<ExitCode, Error> {
    let kind = match args.shell {
        Some(ShellName::Bash) => Shell::Bash,
        Some(ShellName::Zsh) => Shell::Zsh,
        Some(ShellName::Fish) => Shell::Fish,
        Some(ShellName::Sh) => Shell::Sh,
        None => ctx
            .vars
            .shell
            .as_deref()
            .and_then(Shell::of_program)
            .unwrap_or(Shell::Sh),
    };
    let (plan, _in_use) = super::running::synced(ctx, &args.spec, false)?;
    let activation = super::running::activation(ctx, &plan);
    let script = activation
        .script(kind)
        .ok_or_else(|| ShellError::CannotQuote {
            env: plan.paths.env.clone(),
            shell: kind.name(),
        })?;
    ctx.printer.data(script.trim_end());
    Ok(ExitCode::SUCCESS)
}
