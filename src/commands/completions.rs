//! `penv completions SHELL` (`clap_complete`, on stdout) and the hidden
//! `penv generate-man DIR` behind `just man` (`clap_mangen`: one page for
//! penv and one per subcommand, as `git` and `cargo` ship them).
//!
//! Both are generated from the clap definition in [`crate::cli`], so they
//! cannot drift from the commands penv has.

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory as _;

use crate::Error;
use crate::cli::{Cli, CompletionsArgs, GenerateManArgs};
use crate::diagnostics::display_path;
use crate::fs::{self, FsError};
use crate::ops::Ctx;

pub(super) fn completions(ctx: &Ctx, args: &CompletionsArgs) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut visible(&Cli::command()), "penv", &mut out);
    let text = String::from_utf8_lossy(&out);
    ctx.printer.data(text.strip_suffix('\n').unwrap_or(&text));
    ExitCode::SUCCESS
}

/// `cmd` without its hidden subcommands: `clap_complete` completes them
/// (unlike `--help` and `clap_mangen`), and `clap::Command` cannot remove
/// one, so the root is put together again from `cmd`'s own settings shown
/// in completions (about, version, arguments) and its visible
/// subcommands.
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut root = clap::Command::new("penv")
        .args(cmd.get_arguments().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(about) = cmd.get_about() {
        root = root.about(about.clone());
    }
    if cmd.get_version().is_some() {
        root = root.version(env!("CARGO_PKG_VERSION"));
    }
    root
}

pub(super) fn generate_man(ctx: &Ctx, args: &GenerateManArgs) -> Result<ExitCode, Error> {
    fs::create_dir_all(&args.dir)?;
    let mut cmd = Cli::command();
    cmd.build();
    let mut written = 0;
    write_pages(&cmd, "penv", &args.dir, &mut written)?;
    ctx.printer.status(&format!(
        "Wrote {written} man pages into `{}`",
        display_path(&args.dir)
    ));
    Ok(ExitCode::SUCCESS)
}

/// Writes `NAME.1` for `cmd`, then `NAME-SUB.1` for each visible subcommand.
fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut usize,
) -> Result<(), FsError> {
    let page = cmd.clone().display_name(name.to_owned());
    let mut out = Vec::new();
    let path = dir.join(format!("{name}.1"));
    clap_mangen::Man::new(page)
        .title(name.to_owned())
        .render(&mut out)
        .map_err(|e| FsError::new("render the man page", &path, e))?;
    fs::write_atomic(&path, &out)?;
    *written += 1;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
