//! The script side of `run`, `sync --script`, `which --script` and
//! `status --script`: a script with a `# /// script` block (PEP 723) runs
//! in, and names, the store's env for its block ([`crate::ops::script`]),
//! whatever project surrounds it.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode};

use crate::cli::{RunArgs, SyncArgs};
use crate::diagnostics::display_path;
use crate::ops::sync::{Options, Outcome};
use crate::ops::{Ctx, script, use_env};
use crate::plan::Plan;
use crate::project::Project;
use crate::venv::{Readiness, Want};
use crate::{Error, platform};

/// The script `penv run` was given, when its first word is a `.py` file
/// with a `# /// script` block, or a path to another text file whose
/// shebang runs python or penv (an extensionless tool starting with
/// `#!/usr/bin/env -S penv run`, as `sync --script` takes any file). One
/// without a block runs as any script, in the project's env (with a
/// warning when a block is opened and never closed, which the
/// specification reads as no block) — but for one whose shebang runs
/// `penv run` itself, which would run it again and again: an error.
pub(super) fn in_command(ctx: &Ctx, command: &[OsString]) -> Result<Option<Project>, Error> {
    let Some(first) = command.first() else {
        return Ok(None);
    };
    let path = Path::new(first);
    let python = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyw"));
    // Another file is looked into only when given by path (a bare name,
    // `pytest`, is a command of the env's) and its shebang runs python or
    // penv (a shell script is no Python script, whatever it embeds).
    let shebang = (!python && path.components().count() > 1)
        .then(|| shebang_of(path))
        .flatten()
        .filter(|s| s.contains("python") || s.contains("penv"));
    if !python && shebang.is_none() {
        return Ok(None);
    }
    // A directory runs as Python runs one (its `__main__.py`); a FIFO, a
    // device or a socket is read no further than the reader's check, which
    // names what it is (it would otherwise wait for a writer, or be taken
    // for no script at all).
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => {}
        _ => return Ok(None),
    }
    match Project::from_script(path)? {
        Ok(project) => Ok(Some(project)),
        Err(no) => {
            if shebang.is_some_and(|s| s.contains("penv run")) {
                return Err(crate::project::ProjectError::InvalidFile {
                    path: path.to_owned(),
                    message: "its shebang runs `penv run`, which runs a file without a `# /// script` block as a program, so it would run itself again: add a block (PEP 723), or make the shebang run `python`".to_owned(),
                }
                .into());
            }
            if let Some(line) = no.unclosed {
                ctx.printer.warn(&format!(
                    "`{}` line {line} opens a `# /// script` block that no `# ///` line closes: running it without one, in the project's env",
                    display_path(path)
                ));
            }
            Ok(None)
        }
    }
}

/// The shebang line of `path` (`#!/usr/bin/env -S penv run`), when it is a
/// regular text file that has one: a program (a NUL in its first 4 KiB)
/// and a FIFO are not read through.
fn shebang_of(path: &Path) -> Option<String> {
    use std::io::Read as _;
    // Asked before opening: opening a FIFO waits for a writer.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    if head.contains(&0) {
        return None;
    }
    let first = head.split(|b| *b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?;
    first.starts_with("#!").then(|| first.to_owned())
}

/// `penv run script.py …` for a script with a block: sync its entry (or,
/// with `--no-sync`, use it as it is), then become its python on it.
pub(super) fn run(ctx: &Ctx, args: &RunArgs, project: Project) -> Result<ExitCode, Error> {
    refuse_groups(&args.spec)?;
    let plan = script::plan(ctx, project, args.spec.python.clone())?;
    let env = &plan.paths.env;
    let in_use = if args.no_sync {
        let rebuilding = "drop `--no-sync` to wait for it, or run again when it is done";
        let (readiness, in_use) = use_env::without_sync(&plan, None, rebuilding)?;
        if let Readiness::Stale { why, .. } = &readiness {
            ctx.printer.warn(&format!(
                "`{}` is stale (--no-sync): {}",
                display_path(env),
                why.join("; ")
            ));
        }
        crate::venv::store::Store::touch(&plan.paths);
        in_use
    } else {
        script::sync(ctx, &plan, Options::default())?.1
    };
    // Held by the script until it exits: the store never evicts an entry
    // in use.
    in_use.hold_through_exec();
    let python = platform::env_python(env);
    let mut cmd = Command::new(&python);
    cmd.args(args.argv());
    super::running::activation(ctx, &plan).apply(&mut cmd);
    Err(Error::Exec {
        program: python,
        source: platform::exec(cmd),
    })
}

/// `penv sync --script FILE` (and `--check`, `--reinstall`).
pub(super) fn sync(ctx: &Ctx, args: &SyncArgs, file: &Path) -> Result<ExitCode, Error> {
    let plan = plan(ctx, file, args.spec.python.clone())?;
    let env_name = display_path(&plan.paths.env);
    let shown = display_path(file);
    if args.check {
        let readiness = Readiness::now(&plan.paths, Want::Spec(&plan.spec, &plan.hash));
        if let Readiness::Fresh(_) = readiness {
            ctx.printer
                .status(&format!("`{env_name}` is up to date for `{shown}`"));
            return Ok(ExitCode::SUCCESS);
        }
        ctx.printer
            .status(&format!("`{env_name}` is {}:", readiness.name()));
        for reason in readiness.why() {
            ctx.printer.status(&format!("  - {reason}"));
        }
        ctx.printer.status(&format!(
            "Run `penv sync --script {}` to build it.",
            shlex::try_quote(&shown).unwrap_or_else(|_| shown.clone().into())
        ));
        return Ok(ExitCode::from(1));
    }
    let options = Options {
        force: false,
        reinstall: args.reinstall,
    };
    let (outcome, _in_use) = script::sync(ctx, &plan, options)?;
    let python = &plan.python.info;
    ctx.printer.status(&match outcome {
        Outcome::AlreadyFresh => format!(
            "`{env_name}` is up to date for `{shown}` ({} {})",
            python.implementation, python.version
        ),
        Outcome::BuiltByOther => {
            format!("`{env_name}` was built for `{shown}` by another penv")
        }
        Outcome::Built { seconds, .. } => format!(
            "Built `{env_name}` for `{shown}` ({} {}) in {seconds:.1}s",
            python.implementation, python.version
        ),
        Outcome::Restored => format!("Restored `{env_name}` for `{shown}`"),
    });
    Ok(ExitCode::SUCCESS)
}

/// The plan of the script `file`, which must have a block.
pub(super) fn plan(ctx: &Ctx, file: &Path, python: Option<String>) -> Result<Plan, Error> {
    script::plan(ctx, script::load(file)?, python)
}

/// `--group` and `--no-default-groups` mean nothing to a script.
fn refuse_groups(spec: &crate::cli::SpecArgs) -> Result<(), Error> {
    if !spec.groups.is_empty() {
        return Err(Error::NotForScripts { flag: "--group" });
    }
    if spec.no_default_groups {
        return Err(Error::NotForScripts {
            flag: "--no-default-groups",
        });
    }
    Ok(())
}
