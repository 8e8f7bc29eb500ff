//! The commands: each resolves its settings, calls the domain modules and
//! prints a summary. What several share — loading the project, computing the
//! wanted spec, bringing the env up to date under the lock — is here.

mod hash;
mod python;
mod run;
mod status;
mod sync;
mod which;

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{Cli, Command, SpecArgs};
use crate::env_vars::EnvVars;
use crate::printer::Printer;
use crate::project::Project;
use crate::python::interpreter::Prober;
use crate::python::request::RequestSource;
use crate::python::{self as py, Resolved};
use crate::spec::{GroupSelection, Spec};
use crate::state::State;
use crate::venv::EnvPaths;
use crate::{Error, installer};

/// What every command gets.
pub struct Ctx<'a> {
    /// The environment variables.
    pub env: EnvVars,
    /// Output.
    pub printer: &'a Printer,
    /// penv's cache directory, when there is one.
    pub cache_dir: Option<PathBuf>,
    /// The interpreter prober (with its cache).
    pub prober: Prober,
}

/// Runs the command.
pub fn dispatch(cli: Cli, env: EnvVars, printer: &Printer) -> Result<ExitCode, Error> {
    let cache_dir = env.cache_dir.clone().or_else(|| {
        directories::ProjectDirs::from("", "", "penv").map(|d| d.cache_dir().to_owned())
    });
    // `-C DIR` works like git's and make's: penv runs as if started in DIR,
    // so the project is found from there and `run`'s relative paths are too.
    if let Some(dir) = &cli.project {
        std::env::set_current_dir(dir)
            .map_err(|_| crate::project::ProjectError::NoSuchDirectory { dir: dir.clone() })?;
    }
    let ctx = Ctx {
        prober: Prober::new(cache_dir.as_deref()),
        env,
        printer,
        cache_dir,
    };
    match cli.command {
        Command::Sync(args) => sync::sync(&ctx, &args),
        Command::Run(args) => run::run(&ctx, &args),
        Command::Which(args) => which::which(&ctx, &args),
        Command::Status(args) => status::status(&ctx, &args),
        Command::Hash(args) => hash::hash(&ctx, &args),
        Command::Python(cmd) => python::python(&ctx, &cmd),
    }
}

impl Ctx<'_> {
    /// Finds and loads the project, walking up from the current directory.
    pub fn project(&self) -> Result<Project, Error> {
        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Ok(Project::find(&dir, false)?)
    }

    /// The env's paths for a project.
    pub fn env_paths(project: &Project) -> EnvPaths {
        EnvPaths::new(normalize(&project.root.join(&project.config.venv.path)))
    }

    /// The spec the project wants right now, and the interpreter it names.
    pub fn wanted(&self, project: Project, args: &SpecArgs) -> Result<Wanted, Error> {
        let selection = GroupSelection {
            groups: args.groups.clone(),
            no_default_groups: args.no_default_groups,
        };
        self.wanted_for(project, args.python.clone(), selection)
    }

    /// [`Ctx::wanted`] again for the same command line, with penv.toml and
    /// every file the spec hashes read again. `sync` calls it once it holds
    /// the writer lock, so that a sync that waited builds what the files say
    /// now, not what they said when it started waiting.
    pub fn wanted_again(&self, old: &Wanted) -> Result<Wanted, Error> {
        let mut new = self.wanted_for(
            self.project()?,
            old.python_override.clone(),
            old.selection.clone(),
        )?;
        if new.paths.env != old.paths.env {
            // The lock held is the old env's: start over rather than build there.
            return Err(Error::ChangedDuringSync {
                files: vec![format!(
                    "`{}`",
                    crate::diagnostics::display_path(&new.project.file)
                )],
                changes: vec![format!(
                    "the env is now `{}`, not `{}`",
                    crate::diagnostics::display_path(&new.paths.env),
                    crate::diagnostics::display_path(&old.paths.env)
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

    fn wanted_for(
        &self,
        project: Project,
        python_override: Option<String>,
        selection: GroupSelection,
    ) -> Result<Wanted, Error> {
        let paths = Self::env_paths(&project);
        let recorded = State::read(&paths.env).ok().flatten();
        let inputs = request_inputs(&project, python_override.as_deref(), &self.env);
        let (request, source) = py::applicable_request(&inputs)?;
        let python = py::resolve(
            &request,
            &source,
            &self.env,
            &self.prober,
            recorded.as_ref().map(|s| &s.base),
        )
        .map_err(|e| match e {
            // Point at `python = "…"` when the bad path came from the file.
            py::PythonError::NotAnInterpreter { path, reason, .. }
                if matches!(source, RequestSource::ProjectFile(_)) =>
            {
                py::PythonError::NotAnInterpreter {
                    path,
                    reason,
                    location: project.locate(&["python"]),
                }
            }
            e => e,
        })?;
        py::check_requires_python(inputs.requires_python.as_ref(), &python)?;
        let spec = Spec::build(&project, &python, &selection)?;
        if !spec.venv.pip && installer::has_work(&spec) {
            return Err(Error::NoPipForRequirements {
                location: project.locate(&["venv", "pip"]),
            });
        }
        let hash = spec.hash();
        Ok(Wanted {
            project,
            paths,
            python,
            spec,
            hash,
            python_override,
            selection,
            stamps: None,
        })
    }

    /// The home directory, for the env-path safety check.
    pub fn home(&self) -> Option<&Path> {
        self.env.home.as_deref()
    }
}

/// What `project` says about the Python it wants, with `--python` (`cli`)
/// and the environment, as the resolver takes it.
pub(super) fn request_inputs<'a>(
    project: &'a Project,
    cli: Option<&'a str>,
    env: &'a EnvVars,
) -> py::RequestInputs<'a> {
    py::RequestInputs {
        cli,
        env_var: env.penv_python.as_deref(),
        project_python: project.config.python.as_deref().map(|value| py::Setting {
            value,
            file: &project.file,
            location: project.locate(&["python"]),
        }),
        root: &project.root,
        requires_python: project.requires_python.as_ref().map(|r| py::Setting {
            value: &r.value,
            file: &r.file,
            location: r.location.clone(),
        }),
    }
}

/// What the project wants.
pub struct Wanted {
    /// The project.
    pub project: Project,
    /// The env's paths.
    pub paths: EnvPaths,
    /// The base interpreter.
    pub python: Resolved,
    /// The spec.
    pub spec: Spec,
    /// Its hash.
    pub hash: String,
    /// `--python` of the command line.
    python_override: Option<String>,
    /// The groups asked for.
    selection: GroupSelection,
    /// Size and mtime of each requirement file, taken just after the spec
    /// was built under the writer lock (see [`Wanted::changed_since_built`]).
    stamps: Option<Vec<(PathBuf, Option<Stamp>)>>,
}

/// What a file's metadata says of its contents: size and mtime. Any write
/// changes the mtime, so a file changed and changed back to the same bytes
/// still shows.
type Stamp = (u64, std::time::SystemTime);

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

impl Wanted {
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
    pub fn changed_since_built(&self) -> Result<Option<Error>, Error> {
        let now = Spec::build(&self.project, &self.python, &self.selection)?;
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
                format!("`{}`", shown.display())
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

/// `a/./b/../c` → `a/c` without resolving symlinks (the env path itself may
/// be a symlink, which the safety check must see).
pub fn normalize(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
