//! The operations commands share, between the commands (which parse
//! arguments and print) and the stages (project, python, spec, venv,
//! installer, state): bringing an env up to date ([`sync`]), building one
//! in a transaction ([`build`]), resolving and writing `pylock.toml`
//! ([`lock`]), using one as it is ([`use_env`]), checking a project and its
//! shell for the classic mistakes ([`doctor`]), listing and pruning the envs
//! on disk ([`envs`]), cleaning the cache ([`cache`]), editing the
//! requirements then syncing ([`edit`]), writing a project file from
//! what a directory holds ([`init`]), and the git hooks that sync on
//! checkout ([`hook`]), pinning the Python in `.python-version` ([`pin`]), and activation for
//! `run`, `penv activate` and `penv shell` ([`activate`], [`shell`]). A new command is a
//! file in `commands/` calling these; a new operation is a file here.

pub(crate) mod activate;
pub(crate) mod artifacts;
pub(crate) mod build;
pub(crate) mod cache;
pub(crate) mod derive;
pub(crate) mod doctor;
pub(crate) mod edit;
pub(crate) mod envs;
pub(crate) mod export;
pub(crate) mod foreign;
pub(crate) mod hook;
pub(crate) mod init;
pub(crate) mod inspect;
pub(crate) mod lock;
pub(crate) mod outdated;
pub(crate) mod pin;
pub(crate) mod script;
pub(crate) mod shell;
pub(crate) mod stored;
pub(crate) mod sync;
pub(crate) mod tree;
pub(crate) mod use_env;

use std::path::PathBuf;

use crate::env_vars::EnvVars;
use crate::printer::Printer;
use crate::python::interpreter::Prober;

/// What every operation gets: the environment variables, the printer,
/// penv's cache directory and the interpreter prober.
pub struct Ctx<'a> {
    /// The environment variables, read once at start.
    pub vars: EnvVars,
    pub printer: &'a Printer,
    /// penv's cache directory, when there is one.
    pub cache_dir: Option<PathBuf>,
    /// penv's data directory (the registry of envs), when there is one.
    pub data_dir: Option<PathBuf>,
    /// The interpreter prober (with its cache).
    pub prober: Prober,
}

/// The store of this penv's cache directory (scripts' envs, and projects'
/// envs kept for another checkout).
pub(crate) fn store(ctx: &Ctx) -> Result<crate::venv::store::Store, crate::Error> {
    Ok(crate::venv::store::Store::new(
        ctx.cache_dir
            .as_deref()
            .ok_or(crate::venv::store::StoreError::NoCacheDir)?,
    ))
}

/// A failed commit as the user sees it: rolled back (the old env is back),
/// or left for the next penv to finish or undo.
pub(crate) fn commit_error(
    e: crate::venv::txn::CommitError,
    env: &std::path::Path,
) -> crate::Error {
    use crate::venv::txn::CommitError;
    match e {
        CommitError::RolledBack { source, restored } => crate::Error::RolledBack {
            source: Box::new(crate::Error::Fs(source)),
            env: env.to_owned(),
            restored,
        },
        CommitError::Unsettled(e) => crate::Error::Fs(e),
    }
}

impl<'a> Ctx<'a> {
    /// The context for one penv invocation.
    pub fn new(vars: EnvVars, printer: &'a Printer) -> Self {
        let dirs = || directories::ProjectDirs::from("", "", "penv");
        let cache_dir = vars
            .cache_dir
            .clone()
            .or_else(|| dirs().map(|d| d.cache_dir().to_owned()));
        if let Some(dir) = &cache_dir {
            crate::fs::remember_in(dir);
        }
        let data_dir = vars
            .data_dir
            .clone()
            .or_else(|| dirs().map(|d| d.data_dir().to_owned()));
        Self {
            prober: Prober::new(cache_dir.as_deref()),
            vars,
            printer,
            cache_dir,
            data_dir,
        }
    }
}
