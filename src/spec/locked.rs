//! The spec of an env installed from `pylock.toml`: the interpreter, venv
//! and pip options as for any env, and in place of the requirements the
//! lock file's sha256 and the files selected from it for this interpreter
//! and these groups.
//!
//! Invariant: what pip installs from a lock is exactly [`LockSpec::selected`]
//! (`--no-deps --require-hashes`), so the spec holds it, the groups and
//! extras it was selected for, and the lock's bytes: editing the lock (or
//! choosing other groups or extras) changes the hash and
//! rebuilds, and nothing else about penv.toml's requirements does (whether
//! the lock is still penv.toml's lock is checked on its own, by the lock's
//! inputs hash). `[pip] args` and `find-links` listings are left out: pip
//! gets no requirement from them, and a new file in a `find-links`
//! directory changes nothing that is pinned. The lock's `directory`
//! entries, which pip builds from source without a hash to check, are
//! local projects as for an env without a lock: their metadata files are
//! hashed, so editing one's `pyproject.toml` makes the env stale.

use std::path::Path;

mod registry;

pub(crate) use registry::the_one_index;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::build::common_parts;
use super::{GroupSelection, LocalProject, SPEC_FORMAT, Spec, SpecError, relative_display};
use crate::lock::model::PyLock;
use crate::lock::poetry::PoetryLock;
use crate::lock::select::{Selected, Target, select};
use crate::lock::unhashed::{Unhashed, UnhashedSource};
use crate::lock::uv::UvLock;
use crate::project::Project;
use crate::python::Resolved;

/// What the spec says of the lock it installs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct LockSpec {
    /// The lock file, relative to the project root.
    pub(crate) path: String,
    /// sha256 of its bytes.
    pub(crate) sha256: String,
    /// The files to install, sorted by package name.
    pub(crate) selected: Vec<Selected>,
    /// What is installed after them without a hash check (directories,
    /// checkouts, archives without a hash), sorted by package name; left
    /// out when there is none, so the hash of every other spec is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) unhashed: Vec<Unhashed>,
    /// Packages whose platform wheels were passed over because the
    /// interpreter's wheel tags are not known (said when the env is built).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) untagged: Vec<String>,
    /// The groups selected (the lock's defaults and `--group`), normalized
    /// and sorted: part of the hash even when they select no other file,
    /// so `--group` always names another env. Left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<String>,
    /// The extras selected (`--extra`, `--all-extras`), normalized and
    /// sorted; left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) extras: Vec<String>,
}

/// A lock as read: its path, its bytes' sha256, and its contents.
pub(crate) struct ReadLock {
    /// Where it is.
    pub(crate) path: std::path::PathBuf,
    /// sha256 of its bytes, hex.
    pub(crate) sha256: String,
    /// Parsed.
    pub(crate) lock: Parsed,
}

/// A lock's contents: a `pylock.toml`, or uv's `uv.lock` or Poetry's
/// `poetry.lock` (made a PEP 751 lock for the interpreter once it is
/// known, `lock::uv`, `lock::poetry`).
pub(crate) enum Parsed {
    /// `pylock.toml`.
    Pylock(PyLock),
    /// `uv.lock`, and its text (for locations).
    Uv(Box<UvLock>, String),
    /// `poetry.lock` (or `pdm.lock`, read into its shape), and its text.
    Poetry(Box<PoetryLock>, String),
}

impl ReadLock {
    /// Reads the lock at `path`; `None` when there is none.
    pub(crate) fn read(path: &Path) -> Result<Option<Self>, SpecError> {
        let Some(text) = crate::text_file::read_optional(path, crate::lock::LOCK_FILE)
            .map_err(|e| SpecError::Lock(e.into()))?
        else {
            return Ok(None);
        };
        let lock = crate::lock::parse(&text, path).map_err(SpecError::Lock)?;
        Ok(Some(Self {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            lock: Parsed::Pylock(lock),
        }))
    }

    /// The project's lock: `pylock.toml` at `pylock`, else another tool's
    /// ([`foreign_lock_path`]).
    pub(crate) fn find(project: &Project, pylock: &Path) -> Result<Option<Self>, SpecError> {
        match Self::read(pylock)? {
            Some(lock) => Ok(Some(lock)),
            None => foreign_lock_path(project).map_or(Ok(None), |path| Self::read_foreign(&path)),
        }
    }

    /// Reads the `uv.lock`, `poetry.lock` or `pdm.lock` at `path`; `None`
    /// when there is none.
    pub(crate) fn read_foreign(path: &Path) -> Result<Option<Self>, SpecError> {
        let Some(text) = crate::text_file::read_optional(path, crate::lock::LOCK_FILE)
            .map_err(|e| SpecError::Lock(e.into()))?
        else {
            return Ok(None);
        };
        let lock = if path.ends_with(crate::lock::pdm::PDM_LOCK_FILE_NAME) {
            let (lock, _) = crate::lock::pdm::parse(&text, path).map_err(SpecError::Lock)?;
            Parsed::Poetry(Box::new(lock), text.clone())
        } else if path.ends_with(crate::lock::poetry::POETRY_LOCK_FILE_NAME) {
            let lock = crate::lock::poetry::parse(&text, path).map_err(SpecError::Lock)?;
            Parsed::Poetry(Box::new(lock), text.clone())
        } else {
            let lock = crate::lock::uv::parse(&text, path).map_err(SpecError::Lock)?;
            Parsed::Uv(Box::new(lock), text.clone())
        };
        Ok(Some(Self {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            lock,
        }))
    }
}

/// Another tool's lock, read when there is no `pylock.toml`: uv's
/// `uv.lock`, else Poetry's `poetry.lock`, else PDM's `pdm.lock`, beside the project file when
/// that is a `pyproject.toml` (with a `penv.toml`, its requirements are
/// the project's, not what another tool locked). The one rule of which
/// lock an env comes from: sync, `--check`, `status` and `doctor` ask it.
pub(crate) fn foreign_lock_path(project: &Project) -> Option<std::path::PathBuf> {
    let dir = project.file.parent()?;
    if project.file.file_name()? != crate::project::PYPROJECT_TOML {
        return None;
    }
    [
        crate::lock::uv::UV_LOCK_FILE_NAME,
        crate::lock::poetry::POETRY_LOCK_FILE_NAME,
        crate::lock::pdm::PDM_LOCK_FILE_NAME,
    ]
    .into_iter()
    .map(|name| dir.join(name))
    .find(|p| p.exists())
}

/// The project's name, as `[project]` or `[tool.poetry]` writes it (what
/// the project itself is called in a lock that does not list it).
fn project_name(project: &Project) -> Option<String> {
    let doc = project.document();
    let project_table = doc.get("project").and_then(|p| p.get("name"));
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("name"));
    project_table
        .or(poetry)
        .and_then(toml_edit::Item::as_str)
        .map(str::to_owned)
}

/// Whether a lock's package is the project at `root`: a `directory`
/// source naming it (relative to the lock's directory `dir`), editable.
fn is_the_project(package: &crate::lock::model::Package, dir: &Path, root: &Path) -> bool {
    package.directory.as_ref().is_some_and(|d| {
        d.editable == Some(true)
            && d.subdirectory.is_none()
            && crate::fs::normalize_lexically(&dir.join(&d.path))
                == crate::fs::normalize_lexically(root)
    })
}

impl Spec {
    /// The spec of `project`'s env installed from `lock` for `python` and
    /// the groups of `selection`.
    pub(crate) fn from_lock(
        project: &Project,
        python: &Resolved,
        lock: &ReadLock,
        selection: &GroupSelection,
    ) -> Result<Self, SpecError> {
        let (interpreter, venv, mut pip) = common_parts(project, python)?;
        pip.args.clear();
        for links in &mut pip.find_links {
            links.files.clear();
        }
        let markers = python
            .info
            .markers
            .as_ref()
            .ok_or_else(|| SpecError::LockSelect {
                path: lock.path.clone(),
                source: crate::lock::SelectError::BadMarker {
                    package: None,
                    marker: "(the interpreter's marker environment)".to_owned(),
                    reason: "the probe did not report it".to_owned(),
                },
            })?;
        let tags = python.info.wheel_tags();
        let dir = lock.path.parent().unwrap_or(Path::new("."));
        let converted;
        let pylock = match &lock.lock {
            Parsed::Pylock(pylock) => pylock,
            Parsed::Uv(uv, text) => {
                converted = crate::lock::uv::for_interpreter(
                    uv,
                    text,
                    &lock.path,
                    markers,
                    &project.default_groups,
                )
                .map_err(SpecError::Lock)?;
                &converted
            }
            Parsed::Poetry(poetry, text) => {
                let groups = project
                    .groups
                    .iter()
                    .map(|(name, group)| (name.clone(), group.requirements.clone()))
                    .collect();
                let declared = crate::lock::uv::fresh::Declared {
                    dependencies: &project.declared_dependencies,
                    extras: &project.extras,
                    groups,
                };
                let name = project_name(project);
                let own = crate::lock::poetry::walk::Own {
                    name: name.as_deref(),
                    installed: project.package,
                };
                converted = crate::lock::poetry::for_interpreter(
                    poetry,
                    text,
                    &lock.path,
                    markers,
                    &declared,
                    own,
                    &project.default_groups,
                )
                .map_err(SpecError::Lock)?;
                &converted
            }
        };
        let all_groups;
        let groups = if selection.all_groups {
            all_groups = pylock.dependency_groups.clone();
            &all_groups
        } else {
            &selection.groups
        };
        // The project itself (`directory = { path = "." }`, what `penv
        // lock` writes for an installed project): not hash-checkable, so not
        // in the selection; installed after it, editable and `--no-deps`.
        let (own, others): (Vec<_>, Vec<_>) = pylock
            .packages
            .iter()
            .cloned()
            .partition(|p| is_the_project(p, dir, &project.root));
        let lock_without_own = crate::lock::model::PyLock {
            packages: others,
            ..pylock.clone()
        };
        let mut chosen = select(
            &lock_without_own,
            dir,
            &Target {
                markers,
                tags: &tags,
                tags_known: python.info.tags.is_some(),
                groups,
                no_default_groups: selection.no_default_groups,
                extras: &selection.extras,
                all_extras: selection.all_extras,
            },
        )
        .map_err(|source| SpecError::LockSelect {
            path: lock.path.clone(),
            source,
        })?;
        registry::by_name_where_found(
            &mut chosen.files,
            &lock_without_own.packages,
            &pip,
            &project.root,
        );
        // Installed `--no-deps` (its extras' dependencies are the lock's
        // entries marked `'x' in extras`), named with them as pip records it.
        let package = (!own.is_empty() && project.package).then(|| super::PackageSpec {
            extras: chosen.extras.clone(),
        });
        let mut local_projects = local_projects(&project.root, &mut chosen.unhashed)?;
        // The project itself, installed from its own tree: its metadata
        // files are part of the spec, as without a lock (an edit of its
        // scripts or version makes the env stale, not only its lock).
        if package.is_some() && !local_projects.iter().any(|p| p.path == ".") {
            local_projects.push(LocalProject {
                requirement: "-e .".to_owned(),
                path: ".".to_owned(),
                metadata: super::local::metadata(&project.root).map_err(SpecError::Metadata)?,
            });
        }
        Ok(Self {
            format: SPEC_FORMAT,
            interpreter,
            venv,
            requirements: vec![],
            groups: std::collections::BTreeMap::default(),
            requirement_files: vec![],
            pip,
            local_projects,
            named_find_links: vec![],
            group_files: std::collections::BTreeMap::default(),
            package,
            extras: std::collections::BTreeMap::default(),
            lock: Some(LockSpec {
                path: relative_display(&lock.path, &project.root),
                sha256: lock.sha256.clone(),
                selected: chosen.files,
                unhashed: chosen.unhashed,
                untagged: chosen.untagged,
                groups: chosen.groups,
                extras: chosen.extras,
            }),
            local_archives: vec![],
        })
    }
}

/// The lock's directory entries as local projects (their metadata hashed),
/// each directory made relative to `root` as the spec records paths.
fn local_projects(root: &Path, unhashed: &mut [Unhashed]) -> Result<Vec<LocalProject>, SpecError> {
    let mut out = Vec::new();
    for entry in unhashed {
        let UnhashedSource::Directory { path, editable } = &mut entry.source else {
            continue;
        };
        let dir = std::path::PathBuf::from(&*path);
        *path = match relative_display(&dir, root) {
            p if p.is_empty() => ".".to_owned(),
            p => p,
        };
        out.push(LocalProject {
            requirement: format!("{}{path}", if *editable { "-e " } else { "" }),
            path: path.clone(),
            metadata: super::local::metadata(&dir).map_err(SpecError::Metadata)?,
        });
    }
    Ok(out)
}
