//! Turning pip's resolutions into a [`PyLock`]: one `[[packages]]` entry per
//! package of the full resolution, with the artifact pip chose, its hashes,
//! and a marker naming the groups that need it.
//!
//! Attribution: the full resolution (requirements, every group, every
//! extra) is the lock; which part needs which package is [`Parts`], read
//! from that one resolution's dependency graph (`super::parts`), or found
//! by resolving each part apart with the full one's pins as constraints.
//! A package the requirements need gets no marker; any other gets
//! `'a' in dependency_groups or 'x' in extras` for the groups and extras
//! that need it (PEP 751's set-valued marker variables), so a
//! sync installs it only when one of them is selected. Invariant: the same
//! resolutions give the same lock (packages sorted by normalized name,
//! groups and extras sorted), and every
//! archive carries a sha256 — from pip, or computed from the local file —
//! and the lock passes the check every lock read passes (`super::check`).
//! No URL keeps its userinfo (`super::auth`): a lock is committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::model::{Archive, Artifact, Directory, LOCK_VERSION, Package, PyLock, Vcs};
use super::parts::Parts;
use super::report::{Resolution, Resolved, Source};
use super::{LockError, normalize_name};

/// What a lock is written from, beside pip's resolutions.
#[derive(Debug, Clone)]
pub(crate) struct LockContext {
    /// The directory the lock is written into (paths are relative to it).
    pub(crate) lock_dir: PathBuf,
    /// Files inside it are recorded by relative path; others absolutely.
    pub(crate) project_root: PathBuf,
    /// The project's `requires-python`, when it has one.
    pub(crate) requires_python: Option<String>,
    /// Every group of the project.
    pub(crate) groups: Vec<String>,
    /// The project's `default-groups`.
    pub(crate) default_groups: Vec<String>,
    /// Every extra of the project (normalized).
    pub(crate) extras: Vec<String>,
    /// What the lock is made from, recorded in `[tool.penv]` with its hash.
    pub(crate) inputs: super::inputs::Inputs,
    /// The one index pip searched (no `extra-index-urls`, no remote
    /// `find-links`, `no-index` off), without credentials: the `index` of
    /// every file pip found on it, so a sync installs that file from it by
    /// name and version (`spec::locked::registry`).
    pub(crate) index: Option<String>,
}

/// The lock for `full`, each package marked by the `parts` that need it.
pub(crate) fn build(
    full: &Resolution,
    parts: &Parts,
    context: &LockContext,
) -> Result<PyLock, LockError> {
    let mut packages = Vec::with_capacity(full.packages.len());
    for resolved in &full.packages {
        let name = normalize_name(&resolved.name);
        let marker = parts.marker(&name);
        packages.push(package(resolved, name, marker, context)?);
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let mut groups = context.groups.clone();
    groups.sort();
    let mut extras = context.extras.clone();
    extras.sort();
    let mut tool = BTreeMap::new();
    tool.insert(
        "penv".to_owned(),
        super::inputs::tool_table(&context.inputs),
    );
    let lock = PyLock {
        lock_version: LOCK_VERSION.to_owned(),
        environments: Some(vec![environment_marker(&full.environment)]),
        requires_python: context.requires_python.clone().or_else(|| {
            let version = full.environment.get("python_version")?;
            Some(format!("=={version}.*"))
        }),
        extras,
        dependency_groups: groups,
        default_groups: context.default_groups.clone(),
        created_by: "penv".to_owned(),
        packages,
        tool,
    };
    // What penv writes, it must read back (`lock::parse` checks the same):
    // a file pip resolved to that fails the check is not written at all.
    super::check::check(&lock, &context.lock_dir).map_err(|problem| LockError::Unsupported {
        requirement: problem.name.clone(),
        why: format!(
            "its `{}` {}, which penv would refuse to read back from the lock",
            problem.field(),
            problem.why
        ),
    })?;
    Ok(lock)
}

/// The one environment pip resolved for, as a PEP 508 marker.
pub(crate) fn environment_marker(environment: &BTreeMap<String, String>) -> String {
    [
        "python_full_version",
        "implementation_name",
        "sys_platform",
        "platform_machine",
    ]
    .iter()
    .filter_map(|key| {
        let value = environment.get(*key)?;
        Some(format!("{key} == '{}'", value.replace('\'', "")))
    })
    .collect::<Vec<_>>()
    .join(" and ")
}

fn package(
    resolved: &Resolved,
    name: String,
    marker: Option<String>,
    context: &LockContext,
) -> Result<Package, LockError> {
    let mut package = Package {
        name,
        version: Some(resolved.version.clone()),
        marker,
        requires_python: resolved.requires_python.clone(),
        dependencies: Vec::new(),
        index: None,
        vcs: None,
        directory: None,
        archive: None,
        sdist: None,
        wheels: Vec::new(),
        attestation_identities: Vec::new(),
        tool: BTreeMap::new(),
    };
    let local = local_path(&resolved.url);
    match &resolved.source {
        Source::Vcs {
            vcs,
            commit_id,
            requested_revision,
        } => {
            package.version = None;
            let (url, path) = match &local {
                Some(p) => (None, Some(shown(p, context))),
                None => (Some(super::auth::without_userinfo(&resolved.url)), None),
            };
            package.vcs = Some(Vcs {
                kind: vcs.clone(),
                url,
                path,
                requested_revision: requested_revision.clone(),
                commit_id: commit_id.clone(),
                subdirectory: resolved.subdirectory.clone(),
            });
        }
        Source::Directory { editable } => {
            let Some(dir) = &local else {
                return Err(LockError::Unsupported {
                    requirement: resolved.name.clone(),
                    why: format!(
                        "pip names it as a directory at `{}`, which is not a local path",
                        resolved.url
                    ),
                });
            };
            package.version = None;
            package.directory = Some(Directory {
                path: shown(dir, context),
                editable: editable.then_some(true),
                subdirectory: resolved.subdirectory.clone(),
            });
        }
        Source::Archive { hashes } => {
            let hashes = if hashes.contains_key("sha256") {
                hashes.clone()
            } else if let Some(file) = &local {
                let mut computed = hashes.clone();
                computed.insert("sha256".to_owned(), sha256_of(file)?);
                computed
            } else {
                return Err(LockError::NoHash {
                    name: resolved.name.clone(),
                    url: crate::credentials::redact_url(&resolved.url),
                });
            };
            let (url, path) = match &local {
                Some(p) => (None, Some(shown(p, context))),
                None => (Some(super::auth::without_userinfo(&resolved.url)), None),
            };
            if local.is_none()
                && !resolved.is_direct
                && let Some(index) = &context.index
                && super::auth::index_serves(index, &resolved.url)
            {
                package.index = Some(index.clone());
            }
            if resolved.is_direct {
                package.archive = Some(Archive {
                    url,
                    path,
                    size: None,
                    upload_time: None,
                    hashes,
                    subdirectory: resolved.subdirectory.clone(),
                });
            } else {
                let artifact = Artifact {
                    name: None,
                    upload_time: None,
                    url,
                    path,
                    size: None,
                    hashes,
                };
                let is_wheel = artifact
                    .file_name()
                    .is_some_and(|n| n.to_ascii_lowercase().ends_with(".whl"));
                if is_wheel {
                    package.wheels.push(artifact);
                } else {
                    package.sdist = Some(artifact);
                }
            }
        }
    }
    Ok(package)
}

/// The local path of a `file:` URL, percent-decoded.
pub(crate) fn local_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(decoded.as_ref()))
}

/// `path` as the lock records it: relative to the lock's directory when
/// inside the project, else absolute; `/` separators.
fn shown(path: &Path, context: &LockContext) -> String {
    let shown = if path.starts_with(&context.project_root) {
        relative_to(path, &context.lock_dir)
    } else {
        path.to_owned()
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

/// `path` relative to `dir` (both absolute), with `..` where needed.
fn relative_to(path: &Path, dir: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let dir: Vec<_> = dir.components().collect();
    let common = path.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..dir.len() {
        out.push("..");
    }
    for part in &path[common..] {
        out.push(part);
    }
    out
}

/// The sha256 of a local file, hex.
fn sha256_of(path: &Path) -> Result<String, LockError> {
    let bytes = crate::fs::read(path)?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
