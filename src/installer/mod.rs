//! Installing the spec's requirements with the env's own pip:
//! `<env>/bin/python -I -m pip install …`. Never a base interpreter's pip.
//!
//! pip runs in its own process group; Ctrl-C and SIGTERM reach penv, which
//! passes them on once and waits for pip to stop, so the caller can roll
//! back. pip's exit code and its stderr are reported as they are.

mod args;
mod find_uv;
mod output;
mod uv;

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) use args::{
    clean_pip_env, has_work, lock_args, lock_requirements, outdated_args, own_project_args,
    pinned_args, pinned_requirements, pip_args, unhashed_args,
};
pub(crate) use find_uv::{Fetch, find_uv};
use output::{PipOutput, is_warning_start, shown_warning};
pub(crate) use uv::{compile_args, compile_with_uv, dist_of_file, install_with_uv};

use crate::credentials::Redactor;
use crate::platform;
use crate::printer::Printer;
use crate::process::{self, Ended, Interrupt, SignalGuard, Stream, Watch};

/// Errors of the install step.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// pip could not be started.
    #[error("could not run `{}`", escape_path(python))]
    Spawn {
        /// The env's python.
        python: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// pip failed.
    #[error("`pip install` failed (exit code {code})")]
    Pip {
        /// pip's exit code (or signal, as 128+N).
        code: i32,
        /// pip's stderr.
        stderr: String,
        /// The last lines of pip's stdout.
        stdout_tail: String,
    },
    /// penv was interrupted while pip ran.
    #[error("interrupted while pip was installing")]
    Interrupted(Interrupt),
    /// uv failed (`installer = "uv"`).
    #[error("`uv pip` failed (exit code {code})")]
    Uv {
        /// uv's exit code (or signal, as 128+N).
        code: i32,
        /// uv's stderr.
        stderr: String,
    },
    /// `installer = "uv"`, and no uv to be had.
    #[error("`installer = \"uv\"`, but found no uv (looked in {})", looked.join(", "))]
    NoUv {
        /// Where penv looked.
        looked: Vec<String>,
        /// Why fetching it from the index failed, when it was tried.
        fetch_error: Option<String>,
    },
}

impl InstallError {
    /// What to do, judged from pip's words.
    pub(crate) fn hint(&self) -> Option<String> {
        let stderr = match self {
            Self::Pip { stderr, .. } => stderr,
            Self::Uv { .. } => {
                return Some("fix what uv reports above, then run `penv sync` again (or install with pip: `PENV_INSTALLER=pip`)".to_owned());
            }
            Self::NoUv { .. } => {
                return Some("put `uv` on `PATH` (`pipx install uv`, or https://docs.astral.sh/uv/), let penv reach the index (or a `find-links` holding the `uv` wheel) to fetch it once, or install with pip: `[venv] installer = \"pip\"` or `PENV_INSTALLER=pip`".to_owned());
            }
            _ => return None,
        };
        let hint = if stderr.contains("No space left on device") {
            "free some disk space (the new env is built beside the old one), then run `penv sync` again"
        } else if stderr.contains("Max retries exceeded")
            || stderr.contains("Failed to establish a new connection")
        {
            "pip could not reach the package index: check the network and `[pip] index-url`, or install offline with `find-links` and `no-index = true`"
        } else if stderr.contains("No matching distribution")
            || stderr.contains("Could not find a version")
            || stderr.contains("ResolutionImpossible")
        {
            "fix the requirement pip names above (or where pip looks: `[pip] index-url`, `find-links`), then run `penv sync` again"
        } else {
            "fix what pip reports above, then run `penv sync` again"
        };
        Some(hint.to_owned())
    }

    /// pip's own words.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            Self::Pip {
                stderr,
                stdout_tail,
                ..
            } => {
                let text = if stderr.trim().is_empty() {
                    stdout_tail
                } else {
                    stderr
                };
                Some(format!("pip said:\n```\n{}\n```", text.trim_end()))
            }
            Self::Uv { stderr, .. } => Some(format!("uv said:\n```\n{}\n```", stderr.trim_end())),
            Self::NoUv {
                fetch_error: Some(why),
                ..
            } => Some(format!("Fetching the `uv` wheel failed: {why}")),
            _ => None,
        }
    }
}

impl InstallError {
    /// pip's own words for a resolution that failed: its stderr, then the
    /// explanation it prints on stdout ("The conflict is caused by: …",
    /// "To fix this you could try to: …"), which is at pip's info level.
    pub(crate) fn resolution_detail(&self) -> Option<String> {
        let Self::Pip {
            stderr,
            stdout_tail,
            ..
        } = self
        else {
            return None;
        };
        let lines: Vec<&str> = stdout_tail.lines().collect();
        let Some(start) = lines
            .iter()
            .position(|l| l.starts_with("The conflict is caused by"))
        else {
            return self.detail();
        };
        let explanation = lines[start..].join("\n");
        Some(format!(
            "pip said:\n```\n{}\n\n{}\n```",
            stderr.trim_end(),
            explanation.trim_end()
        ))
    }
}

/// Runs pip in `env` with `args`, showing `step` as its progress line,
/// honouring `guard`.
///
/// pip's `WARNING:` and `DEPRECATION:` messages (and an `ERROR:` pip exits 0
/// after, such as its dependency-conflict report) are shown as warnings once
/// pip succeeded; with `-v`, everything pip prints is shown as it comes.
/// All of it passes through `redactor` first.
pub(crate) fn install(
    env: &Path,
    project_root: &Path,
    args: &[String],
    step: &str,
    redactor: &Redactor,
    printer: &Printer,
    guard: &SignalGuard,
) -> Result<(), InstallError> {
    let python = platform::env_python(env);
    let mut cmd = Command::new(&python);
    cmd.arg("-I").arg("-m").arg("pip").args(args);
    // From the project root, so relative paths in requirement lines and pip
    // args (`./wheels/x.whl`, `-e .`) mean the same wherever penv was started.
    cmd.current_dir(project_root);
    clean_pip_env(&mut cmd);
    cmd.env("VIRTUAL_ENV", env);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    printer.verbose(&redactor.redact(&format!(
        "running `{} -I -m pip {}`",
        python.display(),
        args.join(" ")
    )));
    let progress = printer.step(step);
    let spawn_error = |source| InstallError::Spawn {
        python: python.clone(),
        source,
    };
    let child = process::spawn_piped(&mut cmd).map_err(spawn_error)?;
    let mut output = PipOutput::default();
    let mut said = output::Progress::default();
    let mut handle = |stream: Stream, line: &str| {
        let line = redactor.redact(line);
        if printer.is_verbose() {
            progress.suspend(|| {
                if stream == Stream::Err && is_warning_start(&line) {
                    printer.warn(&format!("pip: {}", shown_warning(&line)));
                } else {
                    printer.verbose(&format!("  {line}"));
                }
            });
        }
        if stream == Stream::Out
            && let Some(said) = said.after(&line)
        {
            progress.set(&said);
        }
        output.push(stream, line);
    };
    let ended = watch_lines(child, guard, &mut handle).map_err(spawn_error);
    progress.finish();
    let status = exit_status(ended?, guard)?;
    if status.success() {
        if !printer.is_verbose() {
            for warning in output.warnings() {
                printer.warn(&format!("pip: {warning}"));
            }
        }
        if let Some(done) = output
            .stdout_tail
            .iter()
            .rev()
            .find(|l| l.starts_with("Successfully installed"))
        {
            let n = done.split_whitespace().count().saturating_sub(2);
            printer.status(&format!(
                "Installed {n} package{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        Ok(())
    } else {
        Err(InstallError::Pip {
            code: process::exit_code(status),
            stderr: output.stderr.join("\n"),
            stdout_tail: output.stdout_tail.join("\n"),
        })
    }
}

/// Watches an installer's `child` to its end, each line to `lines`, the
/// signals `guard` holds passed on to it.
fn watch_lines(
    child: std::process::Child,
    guard: &SignalGuard,
    lines: process::LineSink<'_>,
) -> std::io::Result<Ended> {
    let how = Watch {
        timeout: None,
        guard: Some(guard),
        lines: Some(lines),
    };
    process::watch(child, how)
}

/// How an installer's run ended: its exit status, or the signal that
/// interrupted it (passed on by `guard`, or that killed it).
fn exit_status(
    ended: Ended,
    guard: &SignalGuard,
) -> Result<std::process::ExitStatus, InstallError> {
    let status = match ended {
        Ended::Interrupted(sig) => return Err(InstallError::Interrupted(sig)),
        Ended::Exited(out) => out.status,
    };
    if let Some(sig) = guard.received() {
        return Err(InstallError::Interrupted(sig));
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_what_pip_said() {
        let hint = |stderr: &str| {
            InstallError::Pip {
                code: 1,
                stderr: stderr.to_owned(),
                stdout_tail: String::new(),
            }
            .hint()
            .unwrap()
        };
        assert!(hint("OSError: [Errno 28] No space left on device").contains("disk space"));
        assert!(hint("ERROR: No matching distribution found for nosuch").contains("requirement"));
        assert!(hint("Max retries exceeded with url").contains("network"));
        assert!(hint("something else").contains("what pip reports"));
    }
}
