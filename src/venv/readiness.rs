//! Readiness: the one verdict on whether an env can be used as it is, and
//! if not, why. `status`, `sync --check`, `sync`, `run`, `run --no-sync`,
//! `doctor`, `envs`, `which` and the git hook's `penv sync` all ask
//! [`Readiness::now`] (or, holding the env's lock, [`Readiness::under_lock`])
//! and act on the answer; none decides it on its own. What a project's env
//! is compared with is one plan too (`Plan::for_env`: the groups the
//! command line chooses, else those the env was last synced with), asked
//! through `Plan::readiness`, and every hint names `Plan::sync_command`,
//! the sync that keeps that selection. Nothing is created, locked or run to find out: the verdict is read
//! from the state file, `pyvenv.cfg`, the links in `bin/` and a few `stat`s.
//!
//! An env is trusted only when penv built it, finished (the state file is
//! written last), at this very path (a venv is bound to its absolute path:
//! a copied project's env would run, and install into, the original's —
//! unless penv made it relocatable, see `venv::relocate`), and
//! its interpreter is intact and as built. Whether it is also *fresh* —
//! built for the spec the project wants now — is asked only when the caller
//! has that spec ([`Want::Spec`]); `which` and `run --no-sync` use a stale
//! env, gating on staleness is `sync --check`'s job.
//!
//! The verdict's words live here too, so every command says the same thing
//! about the same env: [`Readiness::name`] is the one word for the state
//! (`status`, `sync --check`, `sync`'s rebuild line, the refusals of `which`
//! and `run`, `doctor`), [`Readiness::why`] the reasons, and
//! [`Readiness::rebuild_heading`] what `sync` says before it builds.

use std::path::Path;

use super::{EnvPaths, check, drift, owned};
use crate::diagnostics::{display_path, escape_path};
use crate::python::interpreter::Fingerprint;
use crate::spec::{self, Spec};
use crate::state::{State, StateError};

/// What the env is compared with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Want<'a> {
    /// The spec the project wants now and its hash: staleness is decided.
    Spec(&'a Spec, &'a str),
    /// Whatever it was built for: only whether it can be used as it is.
    AsBuilt,
}

/// The verdict.
#[derive(Debug, Clone)]
pub(crate) enum Readiness {
    /// Built by penv for the wanted spec (or, for [`Want::AsBuilt`], built,
    /// finished and intact), at this path.
    Fresh(Box<State>),
    /// Built by penv and intact, but not for what is wanted; `why` is a
    /// short diff. `moved` when it was built at another path: it must not be
    /// used without a rebuild, its scripts run the env there.
    Stale {
        state: Box<State>,
        why: Vec<String>,
        moved: bool,
    },
    /// Nothing at the path (or an empty directory).
    Missing,
    /// A venv without penv's state file: penv did not build it.
    Foreign,
    /// There, but not to be used: state unreadable, interpreter gone or
    /// replaced, not an env.
    Broken {
        state: Option<Box<State>>,
        why: Vec<String>,
    },
    /// A build or rebuild was cut short (an intent record or build marker
    /// with no penv working on it); the next sync finishes or undoes it.
    Unfinished {
        state: Option<Box<State>>,
        why: Vec<String>,
    },
    /// Another penv holds the writer lock: it is rebuilding the env now.
    Rebuilding,
}

const REBUILDING: &str = "another penv is rebuilding it right now; `penv sync` waits for it";
const INTERRUPTED: &str = "a rebuild was interrupted; the next `penv sync` finishes or undoes it";
const NEVER_FINISHED: &str = "the env was never finished (a build was interrupted)";

impl Readiness {
    /// The verdict on the env at `paths` as it is now, another penv's
    /// rebuild under way or cut short included.
    pub(crate) fn now(paths: &EnvPaths, want: Want) -> Self {
        if crate::fs::is_locked_exclusively(&paths.lock_file()) {
            return Self::Rebuilding;
        }
        let verdict = Self::under_lock(paths, want);
        // A swap cut short leaves the env path whole (the old env or the new).
        if !paths.intent().exists() || super::txn::swap::keeps_env_whole(paths) {
            return verdict;
        }
        // What the env itself shows, and that a rebuild was cut short.
        let (state, mut why) = match verdict {
            Self::Fresh(state) | Self::Stale { state, .. } => (Some(state), Vec::new()),
            Self::Broken { state, why } | Self::Unfinished { state, why } => (state, why),
            Self::Missing | Self::Foreign | Self::Rebuilding => (None, Vec::new()),
        };
        why.push(INTERRUPTED.to_owned());
        Self::Unfinished { state, why }
    }

    /// The verdict on the env itself, for a caller that holds the env's
    /// lock and has finished or undone any interrupted rebuild (`sync`): no
    /// other penv can be rebuilding it, so that is not looked for.
    pub(crate) fn under_lock(paths: &EnvPaths, want: Want) -> Self {
        let env = &paths.env;
        match std::fs::symlink_metadata(env) {
            Err(_) => return Self::Missing,
            Ok(m) if !m.is_dir() => {
                return Self::Broken {
                    state: None,
                    why: vec![format!("`{}` is not a directory", display_path(env))],
                };
            }
            Ok(_) => {}
        }
        let marker = env.join(owned::BUILD_MARKER).exists();
        let state = match State::read(env) {
            Ok(Some(state)) => Box::new(state),
            Ok(None) if marker => {
                return Self::Unfinished {
                    state: None,
                    why: vec![NEVER_FINISHED.to_owned()],
                };
            }
            Ok(None) if env.join("pyvenv.cfg").exists() => return Self::Foreign,
            Ok(None) if crate::fs::is_empty_dir(env).unwrap_or(false) => return Self::Missing,
            Ok(None) => {
                return Self::Broken {
                    state: None,
                    why: vec!["the directory is not an env".to_owned()],
                };
            }
            Err(StateError::Io(e)) => {
                return Self::Broken {
                    state: None,
                    why: vec![e.to_string()],
                };
            }
            Err(e @ StateError::Invalid { .. }) => {
                return Self::Broken {
                    state: None,
                    why: vec![e.to_string()],
                };
            }
        };
        if marker {
            return Self::Unfinished {
                state: Some(state),
                why: vec![NEVER_FINISHED.to_owned()],
            };
        }
        let base = check::check_base(env, &state);
        if !base.broken.is_empty() {
            return Self::Broken {
                state: Some(state),
                why: base.broken,
            };
        }
        let mut why = Vec::new();
        // A relocatable env works wherever it is now, unless an editable
        // install in it points into the project where it was.
        let elsewhere = state.venv_path != *env;
        let editable = editable_in_project(&state.spec);
        let moved = elsewhere && (!state.is_relocatable() || editable.is_some());
        if moved {
            // Both whole: relative to the current directory, the new path
            // would read as a bare `.venv`.
            let still = match editable {
                Some(req) if state.is_relocatable() => {
                    format!("its editable install `{req}` still points into the project there")
                }
                _ => "its scripts still run that env".to_owned(),
            };
            why.push(format!(
                "it was built at `{}` (the project was moved or copied to `{}`), and {still}",
                escape_path(&state.venv_path),
                escape_path(env)
            ));
        }
        if let Want::Spec(wanted, wanted_hash) = want {
            if state.hash != wanted_hash {
                let diff = spec::diff(&state.spec, wanted);
                if diff.is_empty() {
                    why.push("spec changed".to_owned());
                }
                why.extend(diff);
            } else if base.changed_base && Fingerprint::of(&state.base.path).is_none() {
                why.push("base interpreter changed".to_owned());
            }
            match &state.as_built {
                None => why.push(format!(
                    "built by penv {}, which did not record what the env holds: it is rebuilt to record it",
                    state.penv_version
                )),
                Some(built) => {
                    if let drift::Contents::Changed(changes) = drift::compare(env, built) {
                        why.extend(changes);
                    }
                }
            }
        }
        if why.is_empty() {
            Self::Fresh(state)
        } else {
            Self::Stale { state, why, moved }
        }
    }

    /// The one word for the state, in every command's output: `fresh`,
    /// `stale`, `missing`, `broken`, `unfinished` or `rebuilding`. A venv
    /// penv did not build is `broken` (for penv: it has no state file); an
    /// env built at another path is `stale` (and not usable until rebuilt,
    /// [`Self::usable`]).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Fresh(_) => "fresh",
            Self::Stale { .. } => "stale",
            Self::Missing => "missing",
            Self::Foreign | Self::Broken { .. } => "broken",
            Self::Unfinished { .. } => "unfinished",
            Self::Rebuilding => "rebuilding",
        }
    }

    /// What `sync` says before it builds over this env (its reasons follow):
    /// `Recreating` what was once a finished env, `Creating` where none ever
    /// was (a first build cut short); `None` for nothing there, where the
    /// build's own "Creating venv with …" line says it all.
    pub(crate) fn rebuild_heading(&self, env_name: &str) -> Option<String> {
        match self {
            Self::Missing | Self::Rebuilding => None,
            Self::Fresh(_) => Some(format!("Reinstalling `{env_name}` (--reinstall)")),
            Self::Unfinished { state: None, .. } => {
                Some(format!("Creating `{env_name}` ({}):", self.name()))
            }
            _ => Some(format!("Recreating `{env_name}` ({}):", self.name())),
        }
    }

    /// Why it is not fresh, one line each.
    pub(crate) fn why(&self) -> Vec<String> {
        match self {
            Self::Fresh(_) => Vec::new(),
            Self::Stale { why, .. } | Self::Broken { why, .. } | Self::Unfinished { why, .. } => {
                why.clone()
            }
            Self::Missing => vec!["it has not been built".to_owned()],
            Self::Foreign => vec!["it has no penv state file: penv did not build it".to_owned()],
            Self::Rebuilding => vec![REBUILDING.to_owned()],
        }
    }

    /// The recorded state, when it was readable.
    pub(crate) fn state(&self) -> Option<&State> {
        match self {
            Self::Fresh(state) | Self::Stale { state, .. } => Some(state),
            Self::Broken { state, .. } | Self::Unfinished { state, .. } => state.as_deref(),
            Self::Missing | Self::Foreign | Self::Rebuilding => None,
        }
    }

    /// Whether the env may be used without a sync (`which`, `run
    /// --no-sync`): fresh, or stale but at its own path.
    pub(crate) fn usable(&self) -> bool {
        matches!(self, Self::Fresh(_) | Self::Stale { moved: false, .. })
    }

    /// What to do about an env that cannot be used as it is: `sync` is
    /// the command that brings it up to date keeping the selection it is
    /// judged with (`penv sync --group tests`, from
    /// `Plan::sync_command`); `when_rebuilding` is the advice while
    /// another penv rebuilds it.
    pub(crate) fn hint(&self, sync: &str, when_rebuilding: &str) -> String {
        match self {
            Self::Rebuilding => when_rebuilding.to_owned(),
            Self::Missing => format!("run `{sync}` first"),
            Self::Foreign => {
                format!("run `{sync}` (with `--force` for a venv penv did not create)")
            }
            Self::Unfinished { .. } => {
                format!("run `{sync}`: it finishes or undoes the interrupted build")
            }
            Self::Broken {
                state: Some(state), ..
            } if !state.base.path.exists() => format!(
                "run `{sync}` to rebuild it with an interpreter the project's `python` allows; \
                 when it names `{}`, which is gone, install that Python again or change \
                 `python` first",
                crate::diagnostics::display_path(&state.base.path)
            ),
            Self::Fresh(_) | Self::Stale { .. } | Self::Broken { .. } => {
                format!("run `{sync}` to rebuild it")
            }
        }
    }
}

/// The first editable install of a directory inside the project (`-e .`,
/// the project itself, `-e ./pkg`): pip records it by absolute path, so a
/// moved or copied project's env would import the code where it was.
pub(crate) fn editable_in_project(spec: &Spec) -> Option<&str> {
    if spec.package.is_some() {
        return Some("-e .");
    }
    spec.local_projects
        .iter()
        .find(|l| l.requirement.starts_with("-e") && !Path::new(&l.path).is_absolute())
        .map(|l| l.requirement.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_creates_where_no_env_was_ever_finished_and_recreates_the_rest() {
        assert_eq!(Readiness::Missing.rebuild_heading(".venv"), None);
        let first_cut_short = Readiness::Unfinished {
            state: None,
            why: vec![NEVER_FINISHED.to_owned()],
        };
        assert_eq!(
            first_cut_short.rebuild_heading(".venv").as_deref(),
            Some("Creating `.venv` (unfinished):")
        );
        let broken = Readiness::Broken {
            state: None,
            why: vec!["`.venv` is not a directory".to_owned()],
        };
        assert_eq!(
            broken.rebuild_heading(".venv").as_deref(),
            Some("Recreating `.venv` (broken):")
        );
        assert_eq!(
            Readiness::Foreign.rebuild_heading(".venv").as_deref(),
            Some("Recreating `.venv` (broken):")
        );
    }

    #[test]
    fn an_empty_or_absent_directory_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().canonicalize().unwrap();
        let paths = EnvPaths::new(project.join(".venv"));
        assert!(matches!(
            Readiness::now(&paths, Want::AsBuilt),
            Readiness::Missing
        ));
        std::fs::create_dir(&paths.env).unwrap();
        let empty = Readiness::now(&paths, Want::AsBuilt);
        assert_eq!(empty.name(), "missing");
        assert_eq!(empty.rebuild_heading(".venv"), None);
    }
}
