//! Building a venv's layout: `python -m venv --without-pip`, so it is
//! exactly the venv CPython makes (activation scripts, `python3.X` links,
//! `lib64`); pip is seeded afterwards from a copy penv prepares once per
//! pip wheel and Python version ([`super::seed`]).
//!
//! Why not ensurepip per env: it unpacks and byte-compiles pip every time
//! (3–5 s). The cached seed is the same pip, already compiled, and linking
//! its files takes a few milliseconds. Every env still has a working `pip`.
//! The Python steps of building (here and in the seed) run from `/`, with
//! a deadline, and a failure carries the command's stderr.
//!
//! Every env ignores itself: a `.gitignore` of `*` at its top, as Python
//! 3.13's venv and uv write, so a `.venv` built by 3.12 or older never shows
//! up in `git status` either (nothing needs the project's own `.gitignore`).

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::fs::FsError;
use crate::process;

/// How long `python -m venv` or the one-time seed preparation may take.
const STEP_TIMEOUT: Duration = Duration::from_mins(10);

/// Errors creating an env.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// A file-system step failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A Python step failed.
    #[error("`{command}` failed ({status})")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its stderr.
        stderr: String,
    },
    /// `[venv] pip-version` asks for a pip nobody offers.
    #[error("found no pip `{request}` (`[venv] pip-version`) in {looked}")]
    NoPipForRequest {
        /// The request.
        request: String,
        /// Where penv looked.
        looked: String,
        /// Why asking the index failed, when it did.
        fetch_error: Option<String>,
        /// Where `pip-version` is written.
        location: Option<crate::diagnostics::Location>,
    },
    /// No pip wheel to seed from.
    #[error("found no pip wheel to seed the env with (looked in `{}`)", looked.iter().map(|p| escape_path(p)).collect::<Vec<_>>().join("`, `"))]
    NoPipWheel {
        /// Where penv looked.
        looked: Vec<PathBuf>,
    },
}

impl CreateError {
    /// What to do.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Self::NoPipWheel { .. } => Some(
                "install your distribution's `python3-pip-whl` / `python3-venv` package, or set `[venv] pip = false`".to_owned(),
            ),
            Self::NoPipForRequest { .. } => Some(
                "put a pip wheel that satisfies it in a `find-links` directory, let penv reach the index, or change or remove `pip-version` (without it penv takes the newest pip it can find)".to_owned(),
            ),
            Self::Command { .. } | Self::Fs(_) => None,
        }
    }

    /// Where in a file the problem is.
    pub(crate) fn location(&self) -> Option<&crate::diagnostics::Location> {
        match self {
            Self::NoPipForRequest { location, .. } => location.as_ref(),
            _ => None,
        }
    }

    /// The captured stderr of a failed command.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            Self::Command { stderr, .. } if !stderr.trim().is_empty() => {
                Some(format!("```\n{}\n```", stderr.trim_end()))
            }
            Self::NoPipForRequest {
                fetch_error: Some(why),
                ..
            } => Some(format!("Asking the index failed: {why}")),
            _ => None,
        }
    }
}

/// Options of the venv itself.
#[derive(Debug, Clone)]
pub(crate) struct VenvOptions {
    /// `--system-site-packages`.
    pub(crate) system_site_packages: bool,
    /// `--prompt`.
    pub(crate) prompt: Option<String>,
}

/// Runs `python -m venv --without-pip` into `env` (which may exist, empty
/// but for penv's build marker).
pub(crate) fn create_layout(
    base: &Path,
    env: &Path,
    options: &VenvOptions,
) -> Result<(), CreateError> {
    let mut cmd = Command::new(base);
    cmd.args(["-I", "-m", "venv", "--without-pip"]);
    if options.system_site_packages {
        cmd.arg("--system-site-packages");
    }
    if let Some(prompt) = &options.prompt {
        cmd.arg("--prompt").arg(prompt);
    }
    cmd.arg(env);
    run(cmd)?;
    ignore_itself(env)
}

/// uv's variables that would change what `uv venv` makes (seed packages,
/// clear the directory, another interpreter than the one penv chose).
const UV_VENV_VARS: &[&str] = &[
    "UV_VENV_SEED",
    "UV_VENV_CLEAR",
    "UV_PYTHON",
    "UV_SYSTEM_PYTHON",
    "UV_MANAGED_PYTHON",
    "UV_PYTHON_PREFERENCE",
];

/// Runs `uv venv --relocatable` into `env` (which may exist, empty but for
/// penv's build marker), for the base interpreter penv chose: the env of
/// `installer = "uv"`, in about 20 ms where `python -m venv` takes 50–100.
/// `--relocatable` because uv writes activation scripts penv's relocation
/// does not rewrite (`activate.nu`, `activate.xsh`, `activate.bat`); with it
/// they, and the console scripts `uv pip` installs later, find the env from
/// their own location. No `--seed`: uv would fetch the newest pip (and
/// setuptools and wheel before 3.12) from the index; penv seeds the same
/// pip it seeds with pip as the installer, when `venv.pip` asks for it.
pub(crate) fn create_layout_with_uv(
    uv: &Path,
    base: &Path,
    env: &Path,
    options: &VenvOptions,
) -> Result<(), CreateError> {
    let mut cmd = Command::new(uv);
    cmd.args([
        "venv",
        "--quiet",
        "--no-config",
        "--no-project",
        "--no-python-downloads",
        "--relocatable",
        "--allow-existing",
        "--python",
    ])
    .arg(base);
    if options.system_site_packages {
        cmd.arg("--system-site-packages");
    }
    if let Some(prompt) = &options.prompt {
        cmd.arg("--prompt").arg(prompt);
    }
    cmd.arg(env);
    for var in UV_VENV_VARS {
        cmd.env_remove(var);
    }
    run(cmd)?;
    ignore_itself(env)
}

/// What penv writes into an env's `.gitignore` (3.13's venv writes its own
/// comment and the same `*`; that one is left as it is).
const GITIGNORE: &[u8] = b"# created by penv: this env ignores itself\n*\n";

/// Writes the env's `.gitignore` of `*` unless venv wrote one already.
fn ignore_itself(env: &Path) -> Result<(), CreateError> {
    let ignore = env.join(".gitignore");
    if crate::fs::lstat(&ignore)?.is_none() {
        crate::fs::write_atomic(&ignore, GITIGNORE)?;
    }
    Ok(())
}

/// Runs one Python step of building an env, from `/` with a deadline; a
/// failure names the command and carries its stderr.
fn run(mut cmd: Command) -> Result<(), CreateError> {
    let command = format!("{cmd:?}").replace('"', "");
    cmd.current_dir(std::path::MAIN_SEPARATOR_STR);
    let output =
        process::output_within(&mut cmd, STEP_TIMEOUT).map_err(|e| CreateError::Command {
            command: command.clone(),
            status: e.to_string(),
            stderr: String::new(),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CreateError::Command {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// `python <installer.whl>/pip install --no-deps <wheel>`: pip run from its
/// own wheel (how ensurepip does it) installs the chosen pip, byte-compiled.
pub(super) fn install_wheel_into(
    python: &Path,
    installer: &Path,
    wheel: &Path,
) -> Result<(), CreateError> {
    let mut cmd = Command::new(python);
    cmd.arg("-I")
        .arg(installer.join("pip"))
        .args([
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--no-input",
            "-q",
        ])
        .arg(wheel);
    run(cmd)
}
