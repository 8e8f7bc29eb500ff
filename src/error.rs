//! `crate::Error`: every error penv reports, in one enum.
//!
//! Each stage has its own `thiserror` enum; this one gathers them, adds the
//! failures only a command meets (an env not ready, a name not in the env,
//! an interrupt) and says, per variant, where it points, what detail follows
//! and what hint closes the report. Invariant: the wording of a hint lives on
//! the variant it explains, and the exit code is 2 for everything but an
//! interrupt (130/143).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::diagnostics::{Diagnostic, Location, display_path, escape_path};
use crate::{env_vars, fs, installer, lock, platform, process, project, python, spec, venv};

/// Every error penv reports; each maps to exit code 2 except interrupts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project file.
    #[error(transparent)]
    Project(#[from] project::ProjectError),
    /// Interpreter resolution.
    #[error(transparent)]
    Python(#[from] python::PythonError),
    /// Building the spec (requirement files, find-links, groups).
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    /// Reading `pylock.toml`.
    #[error(transparent)]
    LockFile(#[from] lock::LockFileError),
    /// Making a lock.
    #[error(transparent)]
    Locking(#[from] lock::LockError),
    /// An env path penv will not touch.
    #[error("{refusal}")]
    Refused {
        /// Why penv will not use the path (it is the project root, a symlink, …).
        refusal: venv::owned::Refusal,
        /// Where the project file sets `[venv] path`, when it does.
        location: Option<Location>,
    },
    /// Creating the env.
    #[error(transparent)]
    Create(#[from] venv::create::CreateError),
    /// pip (an interrupted pip is [`Error::Interrupted`]: see the `From`).
    #[error(transparent)]
    Install(installer::InstallError),
    /// A file-system operation.
    #[error(transparent)]
    Fs(#[from] fs::FsError),
    /// Waiting for another penv.
    #[error(transparent)]
    Lock(#[from] fs::LockError),
    /// The env is not in a state the command can use.
    #[error("the env `{}` is {status}", display_path(env))]
    EnvNotReady {
        /// The env directory.
        env: PathBuf,
        /// The state's one word ([`crate::venv::Readiness::name`]).
        status: &'static str,
        /// One line per reason, shown as the report's detail.
        reasons: Vec<String>,
        /// What to do, chosen by the command that found the env unusable.
        hint: String,
    },
    /// `which` was given an empty name.
    #[error(
        "`penv which` was given an empty name; it takes the name of a file in the env's `bin/`"
    )]
    EmptyName,
    /// `which` was given a path, not a name.
    #[error("`{name}` is a path, not the name of an executable in the env")]
    NotAName {
        /// What was given.
        name: String,
    },
    /// `run`/`which` name nothing that exists.
    #[error("`{name}` is not in the env (`{}`){}", display_path(bin), if *searched_path { " nor on PATH" } else { "" })]
    NoSuchCommand {
        /// The name as given.
        name: String,
        /// The env's bin directory.
        bin: PathBuf,
        /// Whether PATH was searched too.
        searched_path: bool,
    },
    /// `exec` failed.
    #[error("could not run `{}`", escape_path(program))]
    Exec {
        /// The program as resolved (in the env's `bin/`, or on `PATH`).
        program: PathBuf,
        /// What `exec` returned.
        #[source]
        source: std::io::Error,
    },
    /// A task run first (a `depends` entry) failed; the exit code is its own (128+N for signal N).
    #[error("task `{task}` failed ({how}), so `{wanted}` did not run")]
    TaskFailed {
        /// The task that failed.
        task: String,
        /// The task asked for.
        wanted: String,
        /// `exit code 1`, `killed by signal 9`.
        how: String,
        /// penv's exit code.
        code: u8,
    },
    /// The store of envs by spec hash (projects' and scripts').
    #[error(transparent)]
    Store(#[from] venv::store::StoreError),
    /// An environment variable penv reads holds what it cannot use.
    #[error("`{name}`: {message}")]
    BadEnvVar {
        /// The variable.
        name: &'static str,
        /// What is wrong, and what it takes.
        message: String,
    },
    /// A new env could not be derived from another (it is built from nothing instead).
    #[error("cannot derive the env: {message}")]
    Derive {
        /// Why.
        message: String,
    },
    /// A command-line option that has no meaning for a PEP 723 script.
    #[error("`{flag}` does not apply to a script with a `# /// script` block")]
    NotForScripts {
        /// The option given.
        flag: &'static str,
    },
    /// A bad `PENV_LOCK_TIMEOUT`.
    #[error(transparent)]
    BadLockTimeout(#[from] env_vars::BadLockTimeout),
    /// `[venv] pip = false` with requirements to install.
    #[error(
        "the project has requirements, but `[venv] pip = false` leaves the env without pip to install them"
    )]
    NoPipForRequirements {
        /// Where `pip = false` is.
        location: Option<Location>,
    },
    /// `sync --locked` with a lock that is not penv.toml's.
    #[error("`{}` is out of date against the project file:{}", display_path(path), changes.iter().map(|c| ["\n  - ", c.as_str()].concat()).collect::<String>())]
    LockOutOfDate {
        /// The lock file.
        path: PathBuf,
        /// What changed, one line each.
        changes: Vec<String>,
    },
    /// `sync --locked` / `--frozen` without a `pylock.toml`.
    #[error("`{flag}` installs from `{}`, and there is none", display_path(path))]
    NoLock {
        /// Where it would be.
        path: PathBuf,
        /// The flag given.
        flag: &'static str,
    },
    /// The user interrupted penv; an old env, if any, was put back.
    #[error("interrupted{}", if *restored { "; the previous env was put back" } else { "" })]
    Interrupted {
        /// Which signal.
        signal: process::Interrupt,
        /// Whether an old env was restored.
        restored: bool,
    },
    /// Files the spec hashes changed between hashing and the end of the
    /// install: what pip read may not be what was hashed, so the env is not
    /// recorded as built for either.
    #[error("{} changed during the sync", if files.is_empty() { "the project's files".to_owned() } else { files.join(", ") })]
    ChangedDuringSync {
        /// The files, as the message names them (with backticks).
        files: Vec<String>,
        /// What changed in them.
        changes: Vec<String>,
    },
    /// `penv envs prune` would delete, but cannot ask (stdin is not a
    /// terminal) and `--yes` was not given.
    #[error("not deleting {count} env{}: stdin is not a terminal, so penv cannot ask", if *count == 1 { "" } else { "s" })]
    PruneNotConfirmed {
        /// How many were selected.
        count: usize,
    },
    /// `penv envs prune` without a filter.
    #[error("`penv envs prune` needs at least one filter")]
    PruneWithoutFilter,
    /// Some selected envs could not be deleted.
    #[error("{} of the selected envs could not be deleted", failures.len())]
    PruneFailed {
        /// One line each: the path and why.
        failures: Vec<String>,
    },
    /// `penv add`/`remove` cannot make the edit.
    #[error("`{}`: {source}", display_path(file))]
    Edit {
        /// The project file.
        file: PathBuf,
        /// Why.
        source: project::edit::EditError,
    },
    /// `penv add` of something that is not a PEP 508 requirement.
    #[error("`{text}` is not a requirement: {message}")]
    BadRequirement {
        /// As given.
        text: String,
        /// What is wrong with it.
        message: String,
    },
    /// The package is required by a requirement file, which penv does not edit.
    #[error(
        "`{name}` is required by `{}` (line {line}), a requirement file, not by `{}`",
        display_path(reqfile),
        display_path(file)
    )]
    InRequirementFile {
        /// The package as given.
        name: String,
        /// The requirement file.
        reqfile: PathBuf,
        /// 1-based.
        line: usize,
        /// The project file.
        file: PathBuf,
        /// `penv remove` (else `penv add`): what to do differs.
        removing: bool,
    },
    /// The sync after an edit failed; the files edited were put back.
    #[error("{source}")]
    EditUndone {
        /// The failure.
        source: Box<Error>,
        /// The files put back as they were.
        files: Vec<PathBuf>,
    },
    /// `penv init` where there is a project file already.
    #[error("{}", if *tool_penv { format!("`{}` already has a `[tool.penv]` table", display_path(file)) } else { format!("`{}` already exists", display_path(file)) })]
    InitExists {
        /// The file.
        file: PathBuf,
        /// Whether it is `[tool.penv]` in a `pyproject.toml`.
        tool_penv: bool,
    },
    /// `penv hook install` / `uninstall`.
    #[error(transparent)]
    Hook(#[from] crate::ops::hook::HookError),
    /// `penv shell` / `penv activate`.
    #[error(transparent)]
    Shell(#[from] crate::ops::shell::ShellError),
    /// `penv tree`, `outdated`, `export`.
    #[error(transparent)]
    Inspect(#[from] crate::ops::inspect::InspectError),
    /// A failed build, after which the previous env was put back (or, when
    /// there was none, the partial one removed).
    #[error("{source}")]
    RolledBack {
        /// The failure; the report shows its words, not a wrapper's.
        source: Box<Error>,
        /// The env directory.
        env: PathBuf,
        /// Whether there was an old env to put back.
        restored: bool,
    },
}

impl Diagnostic for Error {
    /// Where in a file the problem is.
    fn location(&self) -> Option<&Location> {
        match self {
            Self::Project(e) => e.location(),
            Self::Python(e) => e.location(),
            Self::Spec(e) => e.location(),
            Self::LockFile(e) => e.location(),
            Self::Locking(e) => e.location(),
            Self::Create(e) => e.location(),
            Self::NoPipForRequirements { location } | Self::Refused { location, .. } => {
                location.as_ref()
            }
            Self::RolledBack { source, .. } | Self::EditUndone { source, .. } => source.location(),
            _ => None,
        }
    }

    /// Extra lines after the causes: a subprocess's output, a search report.
    fn detail(&self) -> Option<String> {
        match self {
            Self::Python(e) => e.detail().map(str::to_owned),
            Self::Create(e) => e.detail(),
            Self::Install(e) => e.detail(),
            Self::Locking(e) => e.detail(),
            Self::Hook(e) => e.detail(),
            Self::EnvNotReady { reasons, .. }
            | Self::PruneFailed { failures: reasons }
            | Self::ChangedDuringSync {
                changes: reasons, ..
            } => Some(
                reasons
                    .iter()
                    .map(|r| format!("  - {r}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Self::RolledBack {
                source,
                env,
                restored,
            } => {
                let mut text = source.detail().unwrap_or_default();
                if *restored {
                    let _ = write!(
                        text,
                        "\nThe previous env is back at `{}`, unchanged.",
                        display_path(env)
                    );
                } else {
                    let _ = write!(
                        text,
                        "\nThe partial env was removed; nothing is at `{}`.",
                        display_path(env)
                    );
                }
                // The source's own indentation (`  - reason`) is kept.
                Some(text.trim_start_matches('\n').to_owned())
            }
            Self::EditUndone { source, files } => {
                let mut text = source.detail().unwrap_or_default();
                for file in files {
                    let _ = write!(text, "\n`{}` was put back as it was.", display_path(file));
                }
                Some(text.trim_start_matches('\n').to_owned())
            }
            _ => None,
        }
    }

    /// What to do about it.
    fn hint(&self) -> Option<String> {
        match self {
            Self::Project(e) => e.hint(),
            Self::Python(e) => e.hint(),
            Self::Spec(e) => Some(e.hint()),
            Self::LockFile(e) => Some(e.hint()),
            Self::Locking(e) => e.hint(),
            Self::Refused { refusal, .. } => Some(refusal.hint()),
            Self::Create(e) => e.hint(),
            Self::Store(e) => Some(e.hint()),
            Self::NotForScripts { .. } => Some(
                "a script's env is its block's `dependencies` and `[tool.penv]`, nothing else: drop the option".to_owned(),
            ),
            Self::Install(e) => e.hint(),
            Self::Hook(e) => e.hint(),
            Self::Shell(e) => Some(e.hint()),
            Self::Inspect(e) => Some(e.hint()),
            Self::Fs(e) | Self::Lock(fs::LockError::Fs(e)) => e.hint(),
            Self::Lock(fs::LockError::Timeout { .. }) => Some(
                "another penv is still working on this env; wait for it, or raise `PENV_LOCK_TIMEOUT` (seconds)".to_owned(),
            ),
            Self::EnvNotReady { hint, .. } => Some(hint.clone()),
            Self::NotAName { .. } => Some("give a name from the env's `bin/`, e.g. `penv which pytest`".to_owned()),
            Self::EmptyName => Some(
                "give a name from the env's `bin/`, e.g. `penv which pytest` or `penv which activate`; `penv which` alone prints the env's python".to_owned(),
            ),
            Self::NoSuchCommand { name, .. } if platform::is_python_or_pip_name(name) => Some(format!(
                "the env has no `{name}`: its own are `python`, `python3`, `python3.X` of its version, and `pip` unless `[venv] pip = false` (`penv sync` rebuilds a broken env); penv never runs one from PATH, which would belong to another interpreter"
            )),
            Self::NoSuchCommand { name, .. } => Some(format!(
                "add the package that provides `{name}` to `requirements` in penv.toml, then `penv sync`"
            )),
            Self::BadLockTimeout(_) => Some(format!(
                "set it to a number of seconds from 0 to {}, e.g. `PENV_LOCK_TIMEOUT=600`, or unset it for the default ({}s)",
                env_vars::MAX_LOCK_TIMEOUT_SECS,
                env_vars::DEFAULT_LOCK_TIMEOUT.as_secs()
            )),
            Self::LockOutOfDate { path, .. } => Some(crate::lock::uv::out_of_date_hint(path)),
            Self::NoLock { .. } => Some(
                "run `penv lock` to write it (and commit it), or sync without the flag".to_owned(),
            ),
            Self::NoPipForRequirements { .. } => {
                Some("remove `pip = false` from `[venv]`, or remove the requirements".to_owned())
            }
            Self::ChangedDuringSync { .. } => Some(
                "run `penv sync` again once the files are as you want them; penv builds the env from what they say then".to_owned(),
            ),
            Self::PruneNotConfirmed { .. } => Some(
                "check the list above, then run it again with `--yes` (or `--dry-run` to only look)".to_owned(),
            ),
            Self::PruneWithoutFilter => Some(
                "say what to delete: `--broken`, `--orphaned`, `--stashes` and/or `--older-than 30d` (`penv envs` lists each env's state and last use)".to_owned(),
            ),
            Self::PruneFailed { .. } => Some(
                "nothing else was touched; delete what is left yourself if you are sure".to_owned(),
            ),
            Self::RolledBack { source, .. } | Self::EditUndone { source, .. } => source.hint(),
            Self::Edit { source, .. } => Some(source.hint()),
            Self::BadRequirement { .. } => Some(
                "give a PEP 508 requirement: a name, then versions if you want them: `requests`, `requests>=2.32`, `rich[jupyter]==13.*`".to_owned(),
            ),
            // Each hint is one that works when followed: after the line is
            // deleted there is nothing left for `penv remove` to remove.
            Self::InRequirementFile {
                reqfile,
                line,
                removing: true,
                ..
            } => Some(format!(
                "penv edits only TOML: delete line {line} of `{}` yourself, then run `penv sync`",
                display_path(reqfile)
            )),
            Self::InRequirementFile {
                reqfile,
                file,
                removing: false,
                ..
            } => Some(format!(
                "penv edits only TOML: change `{}` yourself (then `penv sync`), or delete the line there and run `penv add` again to have it in `{}` instead",
                display_path(reqfile),
                display_path(file)
            )),
            Self::InitExists { tool_penv, .. } => Some(format!(
                "penv never overwrites it: edit {} (`penv add PKG` adds a requirement), or delete it first to start again",
                if *tool_penv { "the table" } else { "it" }
            )),
            _ => None,
        }
    }
}

/// pip's failures are the command's; pip interrupted by a signal is the
/// command interrupted (penv's exit code for the signal; nothing restored).
impl From<installer::InstallError> for Error {
    fn from(e: installer::InstallError) -> Self {
        match e {
            installer::InstallError::Interrupted(signal) => Error::Interrupted {
                signal,
                restored: false,
            },
            other => Error::Install(other),
        }
    }
}

impl Error {
    /// The exit code: 130/143 for interrupts, else 2.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Interrupted { signal, .. } => signal.exit_code(),
            Self::RolledBack { source, .. } | Self::EditUndone { source, .. } => source.exit_code(),
            Self::TaskFailed { code, .. } => *code,
            _ => 2,
        }
    }
}
