//! `penv init`: write the project file from what the directory holds
//! ([`crate::ops::init`]), and say what was found and written.

use std::process::ExitCode;

use crate::Error;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::init::{self, Git};

pub(super) fn init(ctx: &Ctx) -> Result<ExitCode, Error> {
    let dir = std::env::current_dir().map_err(|e| crate::fs::FsError::new("find", ".", e))?;
    let outcome = init::init(&dir)?;
    let p = ctx.printer;
    if outcome.found.is_empty() {
        p.status(
            "Found no `.python-version`, requirement file or `pyproject.toml`: writing a template",
        );
    } else {
        p.status("Found:");
        for line in &outcome.found {
            p.status(&format!("  - {line}"));
        }
    }
    if let Some((file, text)) = &outcome.wrote {
        p.status(&format!("Wrote `{}`:", display_path(file)));
        for line in text.lines() {
            p.status(format!("    {line}").trim_end());
        }
    }
    for note in &outcome.notes {
        p.status(note);
    }
    match &outcome.git {
        Git::Added(file) => p.status(&format!(
            "Added `/.venv/` to `{}`: git did not ignore the env",
            display_path(file)
        )),
        Git::AlreadyIgnored => p.status("git ignores `.venv` already"),
        Git::NotARepo => {}
    }
    // In a project Poetry, PDM or uv manage, their `add` edits and locks.
    let add = crate::plan::find_project()
        .ok()
        .and_then(|project| crate::ops::edit::foreign_add_command(&project))
        .unwrap_or_else(|| "penv add PKG".to_owned());
    p.status(&format!(
        "Next: `penv sync` builds `.venv`; `{add}` adds a requirement"
    ));
    Ok(ExitCode::SUCCESS)
}
