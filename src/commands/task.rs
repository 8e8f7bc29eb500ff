//! `penv run NAME` for a task of the project (`[tasks]`): the env synced
//! once, the task's dependencies run first (each once, each to success),
//! then penv becomes the task's command with the arguments given, as `run`
//! becomes any command: exit code and signals are the task's own. And
//! `penv run --list`.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use crate::cli::RunArgs;
use crate::diagnostics::display_path;
use crate::ops::Ctx;
use crate::ops::activate::Activation;
use crate::plan::{self, Plan};
use crate::project::{Project, TaskConfig, tasks};
use crate::{Error, platform};

/// The project, when it has a task called `name`.
pub(super) fn with_task(name: &str) -> Option<Project> {
    plan::find_project()
        .ok()
        .filter(|p| p.config.tasks.contains_key(name))
}

/// `penv run --list`: each task, its help (else its command) and what it
/// depends on; nothing but a note on stderr when there are none.
pub(super) fn list(ctx: &Ctx) -> Result<ExitCode, Error> {
    let project = plan::find_project()?;
    let tasks = &project.config.tasks;
    if tasks.is_empty() {
        ctx.printer.status(&format!(
            "`{}` has no tasks: add a `[tasks]` table (`test = \"pytest -x\"`)",
            display_path(&project.file)
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let width = tasks.keys().map(String::len).max().unwrap_or(0);
    for (name, task) in tasks {
        let what = task
            .table()
            .and_then(|t| t.help.clone())
            .or_else(|| task.command().and_then(|c| c.words()).map(|w| shown(&w)))
            .unwrap_or_default();
        let after = if task.depends().is_empty() {
            String::new()
        } else {
            format!(" (after {})", task.depends().join(", "))
        };
        ctx.printer
            .data(format!("{name:<width$}  {what}{after}").trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs task `name` of `project` and those it depends on.
pub(super) fn run(
    ctx: &Ctx,
    args: &RunArgs,
    project: &Project,
    name: &str,
) -> Result<ExitCode, Error> {
    let order = tasks::order(&project.config.tasks, name)
        .expect("tasks were checked for cycles when the project loaded");
    let (plan, in_use) = super::running::synced(ctx, &args.spec, args.no_sync)?;
    // Held until the last command exits, as `run` holds its command's; the
    // check's lock is let go before the dependencies run (a sync never
    // waits for a command).
    let mut running = in_use.into_running(&plan.paths);
    running.release_check();
    let activation = super::running::activation(ctx, &plan);
    let (last, first) = order.split_last().expect("a task's order ends with it");
    for dep in first {
        let Some(mut cmd) = command(ctx, &plan, &activation, dep, &[])? else {
            continue;
        };
        let status = cmd.status().map_err(|source| Error::Exec {
            program: cmd.get_program().into(),
            source,
        })?;
        if !status.success() {
            let (how, code) = failure(status);
            return Err(Error::TaskFailed {
                task: (*dep).to_owned(),
                wanted: name.to_owned(),
                how,
                code,
            });
        }
    }
    let extra = &args.command[1..];
    let Some(cmd) = command(ctx, &plan, &activation, last, extra)? else {
        return Ok(ExitCode::SUCCESS);
    };
    Err(Error::Exec {
        program: cmd.get_program().into(),
        source: platform::exec(cmd),
    })
}

/// The command of task `name` with `extra` arguments appended, activated,
/// in its directory; `None` for a task made only of others.
fn command(
    ctx: &Ctx,
    plan: &Plan,
    activation: &Activation,
    name: &str,
    extra: &[OsString],
) -> Result<Option<Command>, Error> {
    let task: &TaskConfig = &plan.project.config.tasks[name];
    let Some(words) = task.command().and_then(|c| c.words()) else {
        return Ok(None);
    };
    let cwd = match task.table().and_then(|t| t.cwd.as_deref()) {
        Some(dir) => plan.project.root.join(dir),
        None => plan.project.root.clone(),
    };
    let (first, rest) = words.split_first().expect("checked non-empty when loaded");
    // A relative path is the task directory's, as the command would see it.
    let is_script = std::path::Path::new(first)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyw"));
    let first = if first.contains('/') && !is_script && !first.starts_with('/') {
        cwd.join(first).into_os_string()
    } else {
        OsString::from(first)
    };
    let resolved = super::running::resolve_program(
        &plan.paths.env,
        &first,
        &ctx.vars.path_dirs_outside_active(),
    )?;
    let mut cmd = Command::new(&resolved.program);
    cmd.args(&resolved.leading_args)
        .args(rest)
        .args(extra)
        .current_dir(&cwd);
    activation.apply(&mut cmd);
    if let Some(table) = task.table() {
        cmd.envs(&table.env);
    }
    let mut line = words.clone();
    line.extend(extra.iter().map(|a| a.to_string_lossy().into_owned()));
    ctx.printer
        .status(&format!("Running task `{name}`: {}", shown(&line)));
    Ok(Some(cmd))
}

/// A command line as a shell would read it back.
fn shown(words: &[String]) -> String {
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

/// How a child ended, and the exit code `penv run` gives for it (a
/// signal N as 128+N, as a shell shows it).
fn failure(status: std::process::ExitStatus) -> (String, u8) {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let code = u8::try_from(128 + signal).unwrap_or(u8::MAX);
            return (format!("killed by signal {signal}"), code);
        }
    }
    let code = status.code().unwrap_or(1);
    (
        format!("exit code {code}"),
        u8::try_from(code).unwrap_or(1).max(1),
    )
}
