//! The plan: what the project wants right now. The project file's request,
//! resolved to a base interpreter, gives the spec and its hash — the env's
//! identity. Every command that needs to know what the env should be asks
//! for a [`Plan`]; nothing else runs the pipeline's first three stages.
//!
//! A plan is computed without a lock and without touching the env. `sync`
//! computes it again once it holds the writer lock ([`Plan::again`]), and
//! after pip ran it checks that nothing the spec hashes changed meanwhile
//! ([`Plan::changed_since_built`]): what is recorded as built is what pip
//! was given.

use crate::diagnostics::escape_path;
use std::path::PathBuf;

use crate::Error;
use crate::env_vars::EnvVars;
use crate::installer;
use crate::project::Project;
use crate::python::interpreter::Prober;
use crate::python::{self as py, Resolved};
use crate::spec::{GroupSelection, ReadLock, Spec};
use crate::state::State;
use crate::venv::EnvPaths;

mod python;

use python::request_inputs;
pub(crate) use python::{env_python, python_request, resolve_python};

/// What a command line asks of the spec, beside the project file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// `--python`: the interpreter to use instead of the project's.
    pub(crate) python: Option<String>,
    /// `--group`, `--all-groups`, `--no-default-groups`, `--extra`, `--all-extras`.
    pub(crate) groups: GroupSelection,
    /// `--locked` / `--frozen`.
    pub(crate) lock: LockUse,
}

/// How `pylock.toml` is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum LockUse {
    /// When there is one, installed, once checked against penv.toml.
    #[default]
    Auto,
    /// `--locked`: there must be one, and it must be penv.toml's.
    Locked,
    /// `--frozen`: there must be one; installed as it is.
    Frozen,
    /// Not used: the spec of penv.toml's requirements (what `penv lock`
    /// resolves, and what a lock's inputs hash is computed from).
    Ignore,
}

/// What the project wants: its env, interpreter, spec and hash.
pub(crate) struct Plan {
    pub(crate) project: Project,
    pub(crate) paths: EnvPaths,
    /// The base interpreter.
    pub(crate) python: Resolved,
    pub(crate) spec: Spec,
    /// The spec's hash: the env's identity.
    pub(crate) hash: String,
    selection: Selection,
    /// `--default-groups` was given over an env synced with another
    /// selection: the command that keeps this plan must say it again.
    defaults_by_name: bool,
    /// For a PEP 723 script: the script and the store its env is kept in.
    script: Option<(PathBuf, crate::venv::store::Store)>,
    /// Size and mtime of each requirement file, taken just after the spec
    /// was built under the writer lock (see [`Plan::changed_since_built`]).
    stamps: Option<Vec<(PathBuf, Option<Stamp>)>>,
}

/// What a file's metadata says of its contents: size and mtime. Any write
/// changes the mtime, so a file changed and changed back to the same bytes
/// still shows.
type Stamp = (u64, std::time::SystemTime);

/// Finds and loads the project, walking up from the current directory.
pub(crate) fn find_project() -> Result<Project, Error> {
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Ok(Project::find(&dir)?)
}

/// The env's paths for a project: `[venv] path` from its root.
pub(crate) fn env_paths(project: &Project) -> EnvPaths {
    let path = project.root.join(&project.config.venv.path);
    // Absolute, but symlinks unresolved: the env path itself may be a
    // symlink, which the safety check must see.
    let absolute = std::path::absolute(&path).unwrap_or(path);
    EnvPaths::new(crate::fs::normalize_lexically(&absolute))
}

/// What a command line chose of the groups and extras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chosen {
    /// Nothing (no `--group`, `--extra`…): the env's recorded selection.
    Nothing,
    /// `--group`, `--no-default-groups`, `--all-groups`, `--extra`,
    /// `--all-extras`, or `--default-groups` (the project's defaults, by
    /// name): what it says.
    Given,
}

/// A plan made by [`Plan::for_env`], and, when the env's recorded
/// selection no longer applies to the project (a group it was synced with
/// is gone), the warning to show: the defaults are used instead.
pub(crate) struct ForEnv {
    pub(crate) plan: Plan,
    pub(crate) gave_way: Option<String>,
}

impl Plan {
    /// The plan for `project` and a command line's selection.
    pub(crate) fn new(
        mut project: Project,
        selection: Selection,
        vars: &EnvVars,
        prober: &Prober,
    ) -> Result<Self, Error> {
        let paths = env_paths(project.with_installer(vars.installer.as_deref())?);
        let request = python_request(&project, selection.python.as_deref(), vars)?;
        let python = resolve_python(&project, &request, vars, prober)?;
        let inputs = request_inputs(&project, selection.python.as_deref(), vars);
        py::check_requires_python(inputs.requires_python.as_ref(), &python)?;
        let spec = build_spec(&project, &python, &selection)?;
        if !spec.venv.pip && spec.venv.installer.is_pip() && installer::has_work(&spec) {
            return Err(Error::NoPipForRequirements {
                location: project.locate(&["venv", "pip"]),
            });
        }
        let hash = spec.hash();
        Ok(Self {
            project,
            paths,
            python,
            spec,
            hash,
            selection,
            defaults_by_name: false,
            script: None,
            stamps: None,
        })
    }

    /// The plan of the project's env as every command reads and syncs it
    /// — the one rule for which groups and extras: those the command line
    /// chooses when it chooses ([`Chosen::Given`]), else those the env was
    /// last synced with (its state's `selection`), else the project's
    /// defaults. So `status`, `sync`, `sync --check`, `run`, `doctor`,
    /// `envs`, `hash` and the git hook's plain `penv sync` all judge an
    /// env synced with `--group tests` by the same spec, and agree. A
    /// recorded choice the project no longer allows (the group is gone)
    /// gives way to the defaults, with a warning ([`ForEnv::gave_way`]).
    pub(crate) fn for_env(
        project: Project,
        mut selection: Selection,
        chosen: Chosen,
        vars: &EnvVars,
        prober: &Prober,
    ) -> Result<ForEnv, Error> {
        let recorded = (chosen == Chosen::Nothing)
            .then(|| recorded_selection(&env_paths(&project)))
            .flatten();
        let Some(recorded) = recorded else {
            let by_name = chosen == Chosen::Given
                && selection.groups.is_default()
                && recorded_selection(&env_paths(&project)).is_some();
            let mut plan = Self::new(project, selection, vars, prober)?;
            plan.defaults_by_name = by_name;
            return Ok(ForEnv {
                plan,
                gave_way: None,
            });
        };
        let file = project.file.clone();
        selection.groups = recorded.clone();
        match Self::new(project, selection.clone(), vars, prober) {
            Err(Error::Spec(
                e @ (crate::spec::SpecError::UnknownGroup { .. }
                | crate::spec::SpecError::UnknownExtra { .. }),
            )) => {
                let gave_way = format!(
                    "the env was synced with `{}`, which no longer applies ({e}): using the project's defaults",
                    recorded.as_command_line().trim_start()
                );
                selection.groups = GroupSelection::default();
                let plan = Self::new(Project::load(&file)?, selection, vars, prober)?;
                Ok(ForEnv {
                    plan,
                    gave_way: Some(gave_way),
                })
            }
            other => other.map(|plan| ForEnv {
                plan,
                gave_way: None,
            }),
        }
    }

    /// The one verdict on the plan's env: [`Readiness::now`] against the
    /// plan's spec. Every command that judges a project's env asks this.
    pub(crate) fn readiness(&self) -> crate::venv::Readiness {
        crate::venv::Readiness::now(&self.paths, crate::venv::Want::Spec(&self.spec, &self.hash))
    }

    /// The `penv sync` that brings this plan's env up to date keeping its
    /// selection (`penv sync --group tests`): what every hint says to run.
    pub(crate) fn sync_command(&self) -> String {
        use std::fmt::Write as _;
        let mut out = sync_command(&self.selection.groups);
        if self.defaults_by_name {
            out.push_str(" --default-groups");
        }
        if let Some(python) = &self.selection.python {
            let quoted = shlex::try_quote(python).unwrap_or_else(|_| python.into());
            let _ = write!(out, " --python {quoted}");
        }
        match self.selection.lock {
            LockUse::Locked => out.push_str(" --locked"),
            LockUse::Frozen => out.push_str(" --frozen"),
            LockUse::Auto | LockUse::Ignore => {}
        }
        if let Some(script) = self.script() {
            let script = crate::diagnostics::display_path(script);
            let quoted =
                shlex::try_quote(&script).map_or(script.clone(), std::borrow::Cow::into_owned);
            let _ = write!(out, " --script {quoted}");
        }
        out
    }

    /// The groups and extras the spec installs (for a lock, the groups it
    /// was selected for: its defaults, unless `--no-default-groups`, and
    /// those asked for).
    pub(crate) fn groups_and_extras(&self) -> (Vec<String>, Vec<String>) {
        let groups = match &self.spec.lock {
            Some(lock) => lock.groups.clone(),
            None => self.spec.groups.keys().cloned().collect(),
        };
        let extras = match (&self.spec.lock, &self.spec.package) {
            // The extras the lock's entries were selected for (a project
            // not installed itself has no `package` to name them).
            (Some(lock), _) => lock.extras.clone(),
            (None, Some(package)) => package.extras.clone(),
            (None, None) => self.spec.extras.keys().cloned().collect(),
        };
        (groups, extras)
    }

    /// What the command line asked for.
    pub(crate) fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The plan of a script with a `# /// script` block (`project`, from
    /// [`Project::from_script`]): its env is `store`'s entry for the spec's
    /// hash, and no `pylock.toml` is read.
    pub(crate) fn for_script(
        project: Project,
        python: Option<String>,
        store: &crate::venv::store::Store,
        vars: &EnvVars,
        prober: &Prober,
    ) -> Result<Self, Error> {
        let file = project.file.clone();
        let selection = Selection {
            python,
            groups: GroupSelection::default(),
            lock: LockUse::Ignore,
        };
        let mut plan = Self::new(project, selection, vars, prober)?;
        // A block whose env depends on more than its hash (a local source
        // tree, a variable, an unhashed URL) gets an entry of its own: no
        // other script with the same hash shares it.
        let key = if plan.spec.not_shareable().is_some() {
            use sha2::Digest as _;
            let mut hasher = sha2::Sha256::new();
            hasher.update(b"penv-script-own\0");
            hasher.update(plan.hash.as_bytes());
            hasher.update(b"\0");
            let script = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            hasher.update(script.as_os_str().as_encoded_bytes());
            hex::encode(hasher.finalize())
        } else {
            plan.hash.clone()
        };
        plan.paths = store.entry(&key);
        plan.script = Some((file, store.clone()));
        Ok(plan)
    }

    /// The activation prompt of the env: `[venv] prompt`, else the env
    /// directory's name (venv's default).
    pub(crate) fn prompt(&self) -> String {
        let prompt = self.spec.venv.prompt.as_ref();
        prompt.map_or_else(|| self.paths.name.clone(), Clone::clone)
    }

    /// The store's entry of this plan: a script's env, or a project's clone (by hash and prompt).
    pub(crate) fn store_entry(&self, store: &crate::venv::store::Store) -> EnvPaths {
        let project = || store.project_entry(&self.hash, &self.prompt());
        (self.script.as_ref()).map_or_else(project, |_| self.paths.clone())
    }

    /// The script this is the plan of, when it is a script's.
    pub(crate) fn script(&self) -> Option<&std::path::Path> {
        self.script.as_ref().map(|(file, _)| file.as_path())
    }

    /// The same command line's plan with penv.toml and every file the spec
    /// hashes read again. `sync` calls it once it holds the writer lock, so
    /// that a sync that waited builds what the files say now, not what they
    /// said when it started waiting.
    pub(crate) fn again(&self, vars: &EnvVars, prober: &Prober) -> Result<Self, Error> {
        let mut new = match &self.script {
            Some((file, store)) => {
                let project =
                    Project::from_script(file)?.map_err(|_| Error::ChangedDuringSync {
                        files: vec![format!("`{}`", crate::diagnostics::display_path(file))],
                        changes: vec!["its `# /// script` block is gone".to_owned()],
                    })?;
                Self::for_script(project, self.selection.python.clone(), store, vars, prober)?
            }
            None => Self::new(find_project()?, self.selection.clone(), vars, prober)?,
        };
        new.defaults_by_name = self.defaults_by_name;
        if new.paths.env != self.paths.env {
            // The lock held is the old env's: start over rather than build there.
            return Err(Error::ChangedDuringSync {
                files: vec![format!(
                    "`{}`",
                    crate::diagnostics::display_path(&new.project.file)
                )],
                changes: vec![format!(
                    "the env is now `{}`, not `{}`",
                    crate::diagnostics::display_path(&new.paths.env),
                    crate::diagnostics::display_path(&self.paths.env)
                )],
            });
        }
        let files: Vec<PathBuf> = new
            .spec
            .requirement_files
            .iter()
            .map(|f| new.project.root.join(&f.path))
            .collect();
        new.stamps = Some(stamps(&files));
        Ok(new)
    }

    /// After pip ran: reads every file the spec hashes again (requirement
    /// files, local projects' metadata, `find-links` listings) and, when any
    /// changed since the spec was built, the error that refuses to record
    /// the env as built for it. penv.toml itself is not read again: what it
    /// says reached pip through the spec, not from the file.
    ///
    /// A requirement file written again with the same bytes (an edit undone
    /// while pip ran) is refused too: its mtime moved, so pip may have read
    /// something else in between. Only requirement files, which nothing in
    /// a build writes: a build backend may write into its own project.
    pub(crate) fn changed_since_built(&self) -> Result<Option<Error>, Error> {
        let now = build_spec(&self.project, &self.python, &self.selection)?;
        if now.hash() != self.hash {
            return Ok(Some(Error::ChangedDuringSync {
                files: crate::spec::changed_files(&self.spec, &now),
                changes: crate::spec::diff(&self.spec, &now),
            }));
        }
        let Some(before) = &self.stamps else {
            return Ok(None);
        };
        let rewritten: Vec<String> = before
            .iter()
            .zip(stamps(
                &before.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            ))
            .filter(|((_, old), (_, new))| old != new)
            .map(|((path, _), _)| {
                let shown = path.strip_prefix(&self.project.root).unwrap_or(path);
                format!("`{}`", escape_path(shown))
            })
            .collect();
        if rewritten.is_empty() {
            return Ok(None);
        }
        Ok(Some(Error::ChangedDuringSync {
            files: rewritten,
            changes: vec![
                "written again while pip ran: the same bytes now, but pip may have read another version".to_owned(),
            ],
        }))
    }
}

/// The selection the env at `paths` was last synced with, when its state
/// records one (`None`: the project's defaults, or no readable state).
pub(crate) fn recorded_selection(paths: &EnvPaths) -> Option<GroupSelection> {
    State::read(&paths.env).ok().flatten()?.selection
}

/// `penv sync` with `groups` as typed: the command that keeps them.
pub(crate) fn sync_command(groups: &GroupSelection) -> String {
    format!("penv sync{}", groups.as_command_line())
}

/// Where the project's lock is: `pylock.toml` beside the project file.
pub(crate) fn lock_path(project: &Project) -> PathBuf {
    project
        .file
        .parent()
        .unwrap_or(&project.root)
        .join(crate::lock::LOCK_FILE_NAME)
}

/// The spec: from `pylock.toml`, else `uv.lock` (`ReadLock::find`; one is
/// needed for `--locked` / `--frozen`), else the project's requirements.
fn build_spec(project: &Project, python: &Resolved, selection: &Selection) -> Result<Spec, Error> {
    let lock = match selection.lock {
        LockUse::Ignore => None,
        _ => ReadLock::find(project, &lock_path(project))?,
    };
    let Some(lock) = lock else {
        let flag = match selection.lock {
            LockUse::Locked => "--locked",
            LockUse::Frozen => "--frozen",
            LockUse::Auto | LockUse::Ignore => {
                crate::project::check_honoured(project)?;
                return Ok(Spec::build(project, python, &selection.groups)?);
            }
        };
        let path = lock_path(project);
        return Err(Error::NoLock { path, flag });
    };
    Ok(Spec::from_lock(project, python, &lock, &selection.groups)?)
}

fn stamps(paths: &[PathBuf]) -> Vec<(PathBuf, Option<Stamp>)> {
    paths
        .iter()
        .map(|path| {
            let stamp = std::fs::metadata(path)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            (path.clone(), stamp)
        })
        .collect()
}
