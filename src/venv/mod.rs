//! The env on disk: where it and penv's working files live, whether it
//! matches the spec, and how it is built, replaced and removed.
//!
//! Beside the env (in its parent directory) penv keeps a `.penv/` folder on
//! the same file system, so that moving an env aside, back, or into the
//! stash is a rename: `txn-<name>.json` (the intent record of a rebuild
//! under way), `old-<name>` (the env being replaced), `stash/` (envs kept
//! for branch switches), `kept/` (user work found in envs penv deleted,
//! see [`kept`]), `<name>.lock`. It carries a `.gitignore` of `*`. None of
//! them is ever followed through a symlink: a link where penv expects its
//! own directory is refused, naming it.

pub mod check;
pub mod create;
pub mod drift;
pub mod kept;
pub mod owned;
pub mod seed;
pub mod stash;
pub mod txn;

use std::path::{Path, PathBuf};

use crate::python::interpreter::Fingerprint;
use crate::spec::{self, Spec};
use crate::state::{State, StateError};

/// The paths of one env and of penv's working files beside it.
#[derive(Debug, Clone)]
pub struct EnvPaths {
    /// The env (absolute).
    pub env: PathBuf,
    /// `<parent>/.penv`.
    pub work: PathBuf,
    /// The env directory's name.
    pub name: String,
}

/// A rebuild of the env that has not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfinished {
    /// Another penv holds the writer lock: it is rebuilding the env now (a
    /// build marker or intent record is then no sign of a crash).
    Rebuilding,
    /// An intent record with no writer: a penv died mid-rebuild.
    Interrupted,
}

impl Unfinished {
    /// Of the env at `paths`, if any: nothing is created or locked to find out.
    pub fn of(paths: &EnvPaths) -> Option<Self> {
        if crate::fs::is_locked_exclusively(&paths.lock_file()) {
            Some(Self::Rebuilding)
        } else if paths.intent().exists() {
            Some(Self::Interrupted)
        } else {
            None
        }
    }

    /// The reason, as `status` and `sync --check` list it.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Rebuilding => "another penv is rebuilding it right now; `penv sync` waits for it",
            Self::Interrupted => {
                "a rebuild was interrupted; the next `penv sync` finishes or undoes it"
            }
        }
    }
}

/// [`inspect`], told whether a rebuild is unfinished: while another penv
/// rebuilds the env that is the only reason given; an interrupted one is
/// added to what the env itself shows. Either way the env is not fresh.
pub fn inspect_now(paths: &EnvPaths, wanted: &Spec, wanted_hash: &str) -> EnvStatus {
    let status = inspect(paths, wanted, wanted_hash);
    let state = status.state().cloned().map(Box::new);
    match Unfinished::of(paths) {
        None => status,
        Some(u @ Unfinished::Rebuilding) => EnvStatus::Broken(state, vec![u.reason().to_owned()]),
        Some(u @ Unfinished::Interrupted) => {
            let mut reasons = status.reasons().to_vec();
            reasons.push(u.reason().to_owned());
            EnvStatus::Broken(state, reasons)
        }
    }
}

/// Why an env cannot be used as it is, without a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Another penv is rebuilding it right now.
    Rebuilding,
    /// Nothing has been built there.
    Missing,
    /// A venv without penv's state file: penv did not build it, or never finished.
    NoState,
    /// There, but not to be used; the reasons.
    Broken(Vec<String>),
}

impl Unusable {
    /// `being rebuilt`, `missing` or `broken`.
    pub fn status(&self) -> &'static str {
        match self {
            Self::Rebuilding => "being rebuilt",
            Self::Missing => "missing",
            Self::NoState | Self::Broken(_) => "broken",
        }
    }

    /// Why, one line each.
    pub fn reasons(&self) -> Vec<String> {
        match self {
            Self::Rebuilding => vec![Unfinished::Rebuilding.reason().to_owned()],
            Self::Missing => vec!["it has not been built".to_owned()],
            Self::NoState => vec![
                "it has no penv state file: penv did not build it, or never finished".to_owned(),
            ],
            Self::Broken(reasons) => reasons.clone(),
        }
    }
}

/// Whether the env at `paths` may be used without a sync (`which`, `run
/// --no-sync`): penv built it, finished, for this very path (a venv is bound
/// to its absolute path: a copied project's env would run, and install into,
/// the original's), no rebuild is under way or cut short, and its
/// interpreter is intact and as built. A stale env may be used: gating on
/// that is `sync --check`'s job. Nothing is created or locked to find out.
pub fn usable(paths: &EnvPaths) -> Result<Box<State>, Unusable> {
    let env = &paths.env;
    // A build under way or cut short says so first, whatever else is missing.
    let unfinished = Unfinished::of(paths).or_else(|| {
        env.join(owned::BUILD_MARKER)
            .exists()
            .then_some(Unfinished::Interrupted)
    });
    match unfinished {
        Some(Unfinished::Rebuilding) => return Err(Unusable::Rebuilding),
        Some(u @ Unfinished::Interrupted) => {
            return Err(Unusable::Broken(vec![u.reason().to_owned()]));
        }
        None => {}
    }
    let state = match State::read(env) {
        Ok(Some(state)) => state,
        Ok(None) if !env.join("pyvenv.cfg").is_file() => return Err(Unusable::Missing),
        Ok(None) => return Err(Unusable::NoState),
        Err(e) => return Err(Unusable::Broken(vec![e.to_string()])),
    };
    let mut reasons = Vec::new();
    if state.venv_path != *env {
        reasons.push(format!(
            "it was built at `{}` (the project was moved or copied here), and its scripts still run that env",
            crate::diagnostics::display_path(&state.venv_path)
        ));
    }
    reasons.extend(check::check_base(env, &state).broken);
    if reasons.is_empty() {
        Ok(Box::new(state))
    } else {
        Err(Unusable::Broken(reasons))
    }
}

impl EnvPaths {
    /// The paths for env `env` (absolute, normalized).
    pub fn new(env: PathBuf) -> Self {
        let name = env
            .file_name()
            .map_or_else(|| "env".to_owned(), |n| n.to_string_lossy().into_owned());
        let work = env.parent().unwrap_or(Path::new("/")).join(".penv");
        Self { env, work, name }
    }

    /// Where the old env waits while a new one is built.
    pub fn aside(&self) -> PathBuf {
        self.work.join(format!("old-{}", self.name))
    }

    /// The intent record of a rebuild under way.
    pub fn intent(&self) -> PathBuf {
        self.work.join(format!("txn-{}.json", self.name))
    }

    /// The stash of envs kept for branch switches.
    pub fn stash_dir(&self) -> PathBuf {
        self.work.join("stash")
    }

    /// The writer's lock file, beside the env and outside it
    /// (`.penv/<name>.lock`): every penv that can touch the env shares it,
    /// whatever its cache directory.
    pub fn lock_file(&self) -> PathBuf {
        self.work.join(format!("{}.lock", self.name))
    }

    /// A reader's lock on the env, taken without waiting: `Ok(None)` while a
    /// writer holds it. `.penv/` is made for it only beside an env penv
    /// built (by [`owned::evidence`], not a file name), so checking a
    /// missing or foreign env creates nothing.
    pub fn lock_shared(&self) -> Result<Option<crate::fs::FileLock>, crate::fs::FsError> {
        if owned::evidence(&self.env, &self.env, false).is_ok() {
            // A read-only project: the open below fails, the check goes unguarded.
            let _ = self.ensure_work_dir();
        }
        crate::fs::try_lock_shared(&self.lock_file())
    }

    /// Creates `.penv/` with its `.gitignore`.
    /// A `.penv` that is a symlink is refused: penv would follow it into a
    /// directory another project (or anyone) may share.
    pub fn ensure_work_dir(&self) -> Result<(), crate::fs::FsError> {
        if !crate::fs::real_dir(&self.work)? {
            crate::fs::create_dir_all(&self.work)?;
        }
        let ignore = self.work.join(".gitignore");
        if !ignore.exists() {
            crate::fs::write_atomic(&ignore, b"# created by penv\n*\n")?;
        }
        Ok(())
    }
}

/// How the env on disk compares with the spec.
#[derive(Debug, Clone)]
pub enum EnvStatus {
    /// No env at the path.
    Missing,
    /// Built for this spec, at this path, and its base interpreter is intact.
    Fresh(Box<State>),
    /// Built by penv for another spec or path; the reasons, as a short diff.
    Stale(Option<Box<State>>, Vec<String>),
    /// Unusable: half-built, state unreadable, or base interpreter gone.
    Broken(Option<Box<State>>, Vec<String>),
}

impl EnvStatus {
    /// `fresh`, `stale`, `missing` or `broken`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Fresh(_) => "fresh",
            Self::Stale(..) => "stale",
            Self::Broken(..) => "broken",
        }
    }

    /// The reasons, if any.
    pub fn reasons(&self) -> &[String] {
        match self {
            Self::Stale(_, r) | Self::Broken(_, r) => r,
            _ => &[],
        }
    }

    /// The recorded state, if readable.
    pub fn state(&self) -> Option<&State> {
        match self {
            Self::Fresh(s) => Some(s),
            Self::Stale(s, _) | Self::Broken(s, _) => s.as_deref(),
            Self::Missing => None,
        }
    }
}

/// Compares the env at `paths.env` with the wanted spec, touching nothing
/// and running nothing.
pub fn inspect(paths: &EnvPaths, wanted: &Spec, wanted_hash: &str) -> EnvStatus {
    let env = &paths.env;
    match std::fs::symlink_metadata(env) {
        Err(_) => return EnvStatus::Missing,
        Ok(m) if !m.is_dir() => {
            return EnvStatus::Broken(
                None,
                vec![format!("`{}` is not a directory", env.display())],
            );
        }
        Ok(_) => {}
    }
    let state = match State::read(env) {
        Ok(Some(state)) => state,
        Ok(None) if env.join(owned::BUILD_MARKER).exists() => {
            return EnvStatus::Broken(
                None,
                vec!["the env was never finished (a build was interrupted)".to_owned()],
            );
        }
        Ok(None) if env.join("pyvenv.cfg").exists() => {
            return EnvStatus::Broken(
                None,
                vec!["the env has no penv state file (penv did not build it)".to_owned()],
            );
        }
        Ok(None) => return EnvStatus::Broken(None, vec!["the directory is not an env".to_owned()]),
        Err(StateError::Io(e)) => return EnvStatus::Broken(None, vec![e.to_string()]),
        Err(e @ StateError::Invalid { .. }) => return EnvStatus::Broken(None, vec![e.to_string()]),
    };
    if env.join(owned::BUILD_MARKER).exists() {
        return EnvStatus::Broken(
            Some(Box::new(state)),
            vec!["the env was never finished (a build was interrupted)".to_owned()],
        );
    }
    let base = check::check_base(env, &state);
    if !base.broken.is_empty() {
        return EnvStatus::Broken(Some(Box::new(state)), base.broken);
    }
    let mut reasons = Vec::new();
    if state.venv_path != *env {
        reasons.push(format!(
            "project moved from `{}` to `{}`",
            state.venv_path.display(),
            env.display()
        ));
    }
    if state.hash != wanted_hash {
        let diff = spec::diff(&state.spec, wanted);
        if diff.is_empty() {
            reasons.push("spec changed".to_owned());
        }
        reasons.extend(diff);
    } else if base.changed_base && Fingerprint::of(&state.base.path).is_none() {
        reasons.push("base interpreter changed".to_owned());
    }
    match &state.as_built {
        None => reasons.push(format!(
            "built by penv {}, which did not record what the env holds: it is rebuilt to record it",
            state.penv_version
        )),
        Some(built) => {
            if let drift::Contents::Changed(changes) = drift::compare(env, built) {
                reasons.extend(changes);
            }
        }
    }
    if reasons.is_empty() {
        EnvStatus::Fresh(Box::new(state))
    } else {
        EnvStatus::Stale(Some(Box::new(state)), reasons)
    }
}
