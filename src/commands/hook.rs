//! `penv hook install` / `penv hook uninstall` ([`crate::ops::hook`]):
//! finds the project and its repository's hooks, edits them, says what
//! it did to each file.

use std::process::ExitCode;

use crate::Error;
use crate::cli::HookCommand;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::hook::{self, Outcome, Target};

pub(super) fn hook(ctx: &Ctx, cmd: &HookCommand) -> Result<ExitCode, Error> {
    let p = ctx.printer;
    let project = crate::plan::find_project()?;
    let target = Target::find(&project.root)?;
    let done = match cmd {
        HookCommand::Install => {
            // The hook runs the penv that installed it while it is there.
            let exe = std::env::current_exe()
                .and_then(std::fs::canonicalize)
                .map_or_else(|_| "penv".to_owned(), |p| p.display().to_string());
            hook::install(&target, &exe)?
        }
        HookCommand::Uninstall => hook::uninstall(&target)?,
    };
    let mut changed = 0;
    for d in &done {
        let path = display_path(&d.path);
        let line = match d.outcome {
            Outcome::Created => format!("Created `{path}`"),
            Outcome::Chained => {
                format!("Added penv's block to `{path}` (what it ran before still runs)")
            }
            Outcome::Updated => format!("Updated penv's block in `{path}`"),
            Outcome::Unchanged => format!("`{path}` already syncs the project"),
            Outcome::Removed => format!("Removed penv's block from `{path}`"),
            Outcome::Deleted => format!("Deleted `{path}` (penv had created it)"),
            Outcome::Absent => continue,
        };
        if !matches!(d.outcome, Outcome::Unchanged) {
            changed += 1;
        }
        p.status(&line);
        if !d.executable
            && matches!(
                d.outcome,
                Outcome::Chained | Outcome::Unchanged | Outcome::Updated
            )
        {
            p.warn(&format!(
                "`{path}` is not executable, so git does not run it (nor penv's block in it); `chmod +x` it to turn it on"
            ));
        }
    }
    let hooks = display_path(&target.hooks_dir);
    match cmd {
        HookCommand::Install => p.status(&format!(
            "git now runs `penv sync --quiet` in `{}` after a branch checkout, a merge and a rebase (hooks in `{hooks}`)",
            target.rel
        )),
        HookCommand::Uninstall if changed == 0 => p.status(&format!(
            "No penv hook for `{}` in `{hooks}`: nothing to remove",
            target.rel
        )),
        HookCommand::Uninstall => {}
    }
    Ok(ExitCode::SUCCESS)
}
